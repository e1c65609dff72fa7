//! The IMAP server session: the states of RFC 3501 §3 and every command of §6 against the
//! store, plus IDLE (RFC 2177), UIDPLUS (RFC 4315), MOVE (RFC 6851), NAMESPACE (RFC 2342),
//! ID (RFC 2971), ENABLE (RFC 5161), UNSELECT (RFC 3691), SASL-IR (RFC 4959) and LITERAL+
//! (RFC 7888).
//!
//! Several sessions may select one mailbox. Each keeps its own map from message sequence
//! numbers to UIDs and the last modseq it saw; after commands (and while idling) it asks the
//! folder's change log what others did and reports it (RFC 3501 §5.2, §7.4.1).

use super::fetch::{fetch_response, flag_list};
use super::frame::{tag_of, Frame, Framer};
use super::parse::{self, Command, FetchAtt, ParseError, StatusItem, StoreMode};
use super::response::{compact_set, string};
use super::search::{matches, Candidate, SearchKey};
use super::sequence::SequenceSet;
use super::{list, mutf7, CAPABILITIES};
use crate::proto::HostCtx;
use crate::session::{Output, OutputQueue, Session};
use crate::store::{Flag, Flags, Folder, StoreError};
use crate::time::{Duration, Instant};
use crate::wire::sasl::decode_plain;
use std::collections::{BTreeMap, BTreeSet};

/// The connection states of RFC 3501 §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapState {
    NotAuthenticated,
    Authenticated,
    Selected,
    Logout,
}

/// What the UI may want to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapEvent {
    /// The connection state changed.
    State(ImapState),
    /// A user logged in (their address).
    LoggedIn(String),
    /// A mailbox was selected (SELECT) or examined (EXAMINE, `read_only`).
    Selected { folder: String, read_only: bool },
}

/// Longest command line: RFC 7162 §4 asks for at least 8192 octets; real clients send
/// longer ID and SEARCH lines, and Dovecot takes 64 KiB.
pub const MAX_LINE: usize = 64 * 1024;
/// Largest literal outside APPEND.
pub const MAX_LITERAL: u64 = 64 * 1024;
/// Failed logins before the connection is closed.
pub const MAX_FAILED_LOGINS: u32 = 3;
/// Autologout timer (RFC 3501 §5.4: at least 30 minutes).
pub const AUTOLOGOUT: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    Commands,
    /// AUTHENTICATE PLAIN waiting for the client's response line.
    AuthPlain {
        tag: String,
    },
    /// IDLE waiting for DONE.
    Idle {
        tag: String,
    },
}

/// The selected mailbox as this session sees it.
#[derive(Debug, Clone)]
struct Selected {
    name: String,
    read_only: bool,
    uidvalidity: u32,
    /// Message sequence number n is `uids[n-1]`.
    uids: Vec<u32>,
    /// Last modseq reported.
    modseq: u64,
    uidnext: u32,
    /// UIDs that are `\Recent` for this session.
    recent: BTreeSet<u32>,
    /// Flag changes this session made and reported itself: uid -> modseq after the change.
    own: BTreeMap<u32, u64>,
    /// The keywords this session was told of in FLAGS (RFC 3501 §7.2.6).
    keywords: Flags,
}

impl Selected {
    fn exists(&self) -> u32 {
        self.uids.len() as u32
    }

    /// RFC 3501 §7.2.6: before a FETCH carries a keyword this session has not been told of,
    /// an untagged FLAGS response (and PERMANENTFLAGS, when writable) names it.
    fn announce_keywords(&mut self, flags: &Flags, lines: &mut Vec<String>) {
        let mut new = false;
        for k in flags.keywords() {
            if !self.keywords.has_keyword(k) {
                self.keywords.insert_keyword(k);
                new = true;
            }
        }
        if new {
            lines.push(flags_line(&self.keywords));
            if !self.read_only {
                lines.push(permanent_flags_line(&self.keywords));
            }
        }
    }
}

/// `* FLAGS (...)`: the system flags and `keywords` (RFC 3501 §7.2.6).
fn flags_line(keywords: &Flags) -> String {
    let kw: String = keywords
        .keywords()
        .iter()
        .map(|k| format!(" {k}"))
        .collect();
    format!("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{kw})")
}

/// `* OK [PERMANENTFLAGS (...)]`: what STORE may set, new keywords included (RFC 3501 §7.1).
fn permanent_flags_line(keywords: &Flags) -> String {
    let kw: String = keywords
        .keywords()
        .iter()
        .map(|k| format!(" {k}"))
        .collect();
    format!(
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{kw} \\*)] Flags permitted"
    )
}

/// An IMAP server session on one connection.
#[derive(Debug)]
pub struct ImapSession {
    framer: Framer,
    out: OutputQueue<ImapEvent>,
    state: ImapState,
    mode: Mode,
    user: Option<String>,
    selected: Option<Selected>,
    failed_logins: u32,
    deadline: Instant,
}

/// A tagged completion: `OK`, `NO` or `BAD` and its text.
type Done = (&'static str, String);

fn ok(text: impl Into<String>) -> Done {
    ("OK", text.into())
}

fn no(text: impl Into<String>) -> Done {
    ("NO", text.into())
}

fn bad(text: impl Into<String>) -> Done {
    ("BAD", text.into())
}

fn store_no(e: StoreError, name: &str) -> Done {
    let shown = mutf7::encode(name);
    match e {
        StoreError::NoSuchFolder => no(format!("[NONEXISTENT] Mailbox doesn't exist: {shown}")),
        StoreError::FolderExists => no(format!("[ALREADYEXISTS] Mailbox already exists: {shown}")),
        StoreError::TooLarge => no("[TOOBIG] Message too large"),
        StoreError::FolderFull | StoreError::TooManyFolders => no(format!("[LIMIT] {e}")),
        StoreError::BadName => no(format!("[CANNOT] Invalid mailbox name: {shown}")),
        other => no(format!("[CANNOT] {other}")),
    }
}

impl ImapSession {
    /// A new connection: queues the greeting (RFC 3501 §7.1.1).
    pub fn new(now: Instant, _ctx: &mut HostCtx<'_>) -> ImapSession {
        let mut s = ImapSession {
            framer: Framer::new(MAX_LINE),
            out: OutputQueue::default(),
            state: ImapState::NotAuthenticated,
            mode: Mode::Commands,
            user: None,
            selected: None,
            failed_logins: 0,
            deadline: now + AUTOLOGOUT,
        };
        s.send(format!(
            "* OK [CAPABILITY {CAPABILITIES}] Mail Sandbox IMAP4rev1 ready"
        ));
        s
    }

    pub fn state(&self) -> ImapState {
        self.state
    }

    /// The logged-in user's address.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The selected mailbox (UTF-8 name).
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_ref().map(|s| s.name.as_str())
    }

    fn send(&mut self, line: impl AsRef<str>) {
        let mut b = line.as_ref().as_bytes().to_vec();
        b.extend_from_slice(b"\r\n");
        self.out.transmit(b);
    }

    fn set_state(&mut self, s: ImapState) {
        if self.state != s {
            self.state = s;
            self.out.event(ImapEvent::State(s));
        }
    }

    fn deselect(&mut self) {
        self.selected = None;
        if self.state == ImapState::Selected {
            self.set_state(ImapState::Authenticated);
        }
    }

    fn bye(&mut self, text: &str) {
        self.send(format!("* BYE {text}"));
        self.set_state(ImapState::Logout);
        self.out.close();
    }

    // ---- framing ----

    fn on_frame(&mut self, ctx: &mut HostCtx<'_>, now: Instant, frame: Frame) {
        match frame {
            Frame::Discarded => {}
            Frame::TooLong(tag) => {
                let tag = tag.unwrap_or_else(|| "*".into());
                self.mode = Mode::Commands;
                self.send(format!(
                    "{tag} BAD Command line too long (limit {MAX_LINE} octets)"
                ));
            }
            Frame::Literal { size, sync } => self.on_literal(ctx, size, sync),
            Frame::Command(bytes) => match std::mem::replace(&mut self.mode, Mode::Commands) {
                Mode::Commands => self.command(ctx, now, &bytes),
                Mode::Idle { tag } => {
                    if bytes.trim_ascii().eq_ignore_ascii_case(b"DONE") {
                        self.sync(ctx, true);
                        self.send(format!("{tag} OK IDLE terminated"));
                    } else {
                        self.send(format!("{tag} BAD Expected DONE to end IDLE"));
                    }
                }
                Mode::AuthPlain { tag } => self.auth_response(ctx, &tag, bytes.trim_ascii()),
            },
        }
    }

    /// Decides on an announced literal (RFC 3501 §7.5; RFC 7888 for `{n+}`).
    fn on_literal(&mut self, ctx: &mut HostCtx<'_>, size: u64, sync: bool) {
        let partial = self.framer.partial();
        let tag = tag_of(partial).unwrap_or_else(|| "*".into());
        if self.mode != Mode::Commands {
            self.framer.reject_literal();
            let tag = match std::mem::replace(&mut self.mode, Mode::Commands) {
                Mode::Idle { tag } | Mode::AuthPlain { tag } => tag,
                Mode::Commands => tag,
            };
            self.send(format!("{tag} BAD Unexpected literal"));
            return;
        }
        let authenticated = matches!(self.state, ImapState::Authenticated | ImapState::Selected);
        // For APPEND, the mailbox comes before the message literal: refuse the literal
        // right away when the mailbox is not there (RFC 3501 §6.3.11, TRYCREATE).
        let mut append_to: Option<Option<String>> = None;
        if let Ok((_, name, mut p)) = parse::head(partial) {
            // A command that may not run now gets no literal either.
            if let Err(why) = self.check_state(&name) {
                self.framer.reject_literal();
                self.send(format!("{tag} BAD {why}"));
                return;
            }
            if name == "APPEND" {
                append_to = Some(
                    p.sp("mailbox")
                        .and_then(|_| p.mailbox("mailbox"))
                        .ok()
                        .filter(|_| !p.at_end()),
                );
            }
        }
        let is_append = append_to.is_some();
        if let (Some(Some(mailbox)), Some(user)) = (&append_to, &self.user) {
            if ctx.store.folder(user, mailbox).is_none() {
                self.framer.reject_literal();
                self.send(format!(
                    "{tag} NO [TRYCREATE] Mailbox doesn't exist: {}",
                    mutf7::encode(mailbox)
                ));
                return;
            }
        }
        let max_message = ctx.store.limits.max_message_size as u64;
        let (limit, total_cap) = if is_append && authenticated {
            (max_message, max_message + MAX_LITERAL + MAX_LINE as u64)
        } else {
            (MAX_LITERAL, 4 * MAX_LITERAL)
        };
        let total = partial.len() as u64 + size;
        if size > limit || total > total_cap {
            self.framer.reject_literal();
            if is_append && authenticated {
                self.send(format!(
                    "{tag} NO [TOOBIG] Message too large: {size} octets (limit {limit})"
                ));
            } else {
                self.send(format!(
                    "{tag} BAD Literal too large: {size} octets (limit {limit} for this command)"
                ));
            }
            return;
        }
        self.framer.accept_literal();
        if sync {
            self.send("+ Ready for literal data");
        }
    }

    // ---- commands ----

    /// Which state a command needs; `Err` is the reason it may not run now.
    fn check_state(&self, name: &str) -> Result<(), String> {
        let base = name.strip_prefix("UID ").unwrap_or(name);
        let any = ["CAPABILITY", "NOOP", "LOGOUT", "ID"];
        let not_auth = ["LOGIN", "AUTHENTICATE", "STARTTLS"];
        let auth = [
            "SELECT",
            "EXAMINE",
            "CREATE",
            "DELETE",
            "RENAME",
            "SUBSCRIBE",
            "UNSUBSCRIBE",
            "LIST",
            "LSUB",
            "STATUS",
            "APPEND",
            "NAMESPACE",
            "ENABLE",
            "IDLE",
        ];
        let selected = [
            "CHECK", "CLOSE", "UNSELECT", "EXPUNGE", "SEARCH", "FETCH", "STORE", "COPY", "MOVE",
        ];
        let logged_in = self.state != ImapState::NotAuthenticated;
        if any.contains(&name) {
            Ok(())
        } else if not_auth.contains(&name) {
            if logged_in {
                Err(format!(
                    "{name} is only allowed before logging in: already logged in"
                ))
            } else {
                Ok(())
            }
        } else if auth.contains(&name) || selected.contains(&base) || name.starts_with("UID") {
            if !logged_in {
                Err(format!(
                    "{name} needs you to log in first (LOGIN user password, or AUTHENTICATE PLAIN)"
                ))
            } else if (selected.contains(&base) || name.starts_with("UID"))
                && self.selected.is_none()
            {
                Err(format!("{name} needs a selected mailbox: SELECT one first"))
            } else {
                Ok(())
            }
        } else {
            Ok(()) // unknown: the parser says so
        }
    }

    fn command(&mut self, ctx: &mut HostCtx<'_>, now: Instant, bytes: &[u8]) {
        // Trailing blanks typed by hand are forgiven, unless they may be literal data.
        let has_literal = bytes.windows(3).any(|w| w == b"}\r\n");
        let bytes = if has_literal {
            bytes
        } else {
            bytes.trim_ascii_end()
        };
        let (tag, name, mut p) = match parse::head(bytes) {
            Ok(h) => h,
            Err((tag, why)) => {
                self.send(format!("{} BAD {why}", tag.as_deref().unwrap_or("*")));
                return;
            }
        };
        if let Err(why) = self.check_state(&name) {
            self.send(format!("{tag} BAD {why}"));
            return;
        }
        let cmd = match parse::arguments(&name, &mut p) {
            Ok(c) => c,
            Err(ParseError::BadCharset(why)) => {
                self.send(format!("{tag} NO [BADCHARSET (UTF-8 US-ASCII)] {why}"));
                return;
            }
            Err(ParseError::InvalidName(why)) => {
                let code = if name == "CREATE" {
                    "CANNOT"
                } else {
                    "NONEXISTENT"
                };
                self.send(format!("{tag} NO [{code}] {why}"));
                return;
            }
            Err(ParseError::Bad(why)) => {
                self.send(format!("{tag} BAD {why}"));
                return;
            }
        };
        // RFC 3501 §7.4.1: no EXPUNGE responses during FETCH, STORE or SEARCH.
        let quiet = matches!(
            cmd,
            Command::Fetch { uid: false, .. }
                | Command::Store { uid: false, .. }
                | Command::Search { uid: false, .. }
        );
        let done = self.execute(ctx, now, &tag, cmd);
        let Some((status, text)) = done else {
            return;
        };
        if !quiet && status != "BAD" {
            self.sync(ctx, true);
        }
        if !self.out.is_closed() {
            self.send(format!("{tag} {status} {text}"));
        }
    }

    /// Runs a command; `None` when it answered (or will answer) by itself.
    fn execute(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        tag: &str,
        cmd: Command,
    ) -> Option<Done> {
        let user = self.user.clone().unwrap_or_default();
        Some(match cmd {
            Command::Capability => {
                self.send(format!("* CAPABILITY {CAPABILITIES}"));
                ok("CAPABILITY completed")
            }
            Command::Noop => ok("NOOP completed"),
            Command::Check => ok("CHECK completed"),
            Command::Logout => {
                self.send("* BYE Mail Sandbox logging out");
                self.send(format!("{tag} OK LOGOUT completed"));
                self.set_state(ImapState::Logout);
                self.out.close();
                return None;
            }
            Command::Id(_) => {
                self.send("* ID (\"name\" \"Mail Sandbox\" \"vendor\" \"Mail Sandbox\")");
                ok("ID completed")
            }
            Command::Enable(_) => {
                self.send("* ENABLED");
                ok("ENABLE completed (no extension needs enabling here)")
            }
            Command::Namespace => {
                self.send("* NAMESPACE ((\"\" \"/\")) NIL NIL");
                ok("NAMESPACE completed")
            }
            Command::Starttls => no("STARTTLS is not available: the sandbox has no TLS"),
            Command::Login { user, password } => {
                self.login(ctx, tag, &user, &password);
                return None;
            }
            Command::Authenticate { mechanism, initial } => {
                if mechanism != "PLAIN" {
                    no(format!(
                        "[CANNOT] Unsupported mechanism {mechanism}: use AUTHENTICATE PLAIN"
                    ))
                } else {
                    match initial {
                        Some(ir) => self.auth_response(ctx, tag, &ir),
                        None => {
                            self.send("+ ");
                            self.mode = Mode::AuthPlain {
                                tag: tag.to_string(),
                            };
                        }
                    }
                    return None;
                }
            }
            Command::Select { mailbox, read_only } => self.select(ctx, &user, &mailbox, read_only),
            Command::Create(name) => {
                let name = name.strip_suffix('/').unwrap_or(&name).to_string();
                match ctx.store.create_folder(&user, &name) {
                    Ok(()) => ok("CREATE completed"),
                    Err(e) => store_no(e, &name),
                }
            }
            Command::Delete(name) => match ctx.store.delete_folder(&user, &name) {
                Ok(()) => {
                    let canonical = crate::store::Store::canonical_name(&name);
                    if self.selected() == Some(canonical.as_str()) {
                        self.deselect();
                    }
                    ok("DELETE completed")
                }
                Err(e) => store_no(e, &name),
            },
            Command::Rename(from, to) => match ctx.store.rename_folder(&user, &from, &to) {
                Ok(()) => {
                    let from = crate::store::Store::canonical_name(&from);
                    if let Some(sel) = self.selected.as_mut() {
                        if from == "INBOX" && sel.name == "INBOX" {
                            self.deselect();
                        } else if sel.name == from {
                            sel.name = to.clone();
                        } else if let Some(rest) = sel.name.strip_prefix(&format!("{from}/")) {
                            sel.name = format!("{to}/{rest}");
                        }
                    }
                    ok("RENAME completed")
                }
                Err(e @ (StoreError::FolderExists | StoreError::BadName)) => store_no(e, &to),
                Err(e) => store_no(e, &from),
            },
            Command::Subscribe(name) => match ctx.store.subscribe(&user, &name, true) {
                Ok(()) => ok("SUBSCRIBE completed"),
                Err(e) => store_no(e, &name),
            },
            Command::Unsubscribe(name) => match ctx.store.subscribe(&user, &name, false) {
                Ok(()) => ok("UNSUBSCRIBE completed"),
                Err(e) => store_no(e, &name),
            },
            Command::List {
                reference,
                patterns,
                lsub,
                options,
            } => {
                if let Some(mb) = ctx.store.mailbox(&user) {
                    let lines = list::respond(mb, &reference, &patterns, lsub, options);
                    self.out.transmit(lines);
                }
                ok(if lsub {
                    "LSUB completed"
                } else {
                    "LIST completed"
                })
            }
            Command::Status { mailbox, items } => self.status(ctx, &user, &mailbox, &items),
            Command::Append {
                mailbox,
                flags,
                date,
                message,
            } => {
                if ctx.store.folder(&user, &mailbox).is_none() {
                    no(format!(
                        "[TRYCREATE] Mailbox doesn't exist: {}",
                        mutf7::encode(&mailbox)
                    ))
                } else {
                    let date = date.unwrap_or_else(|| ctx.clock.unix(now));
                    match ctx.store.deliver(&user, &mailbox, message, flags, date) {
                        Ok((uv, uid)) => ok(format!("[APPENDUID {uv} {uid}] APPEND completed")),
                        Err(e) => store_no(e, &mailbox),
                    }
                }
            }
            Command::Idle => {
                self.sync(ctx, true);
                self.send("+ idling");
                self.mode = Mode::Idle {
                    tag: tag.to_string(),
                };
                return None;
            }
            Command::Close | Command::Unselect => {
                if let (Command::Close, Some(sel)) = (&cmd, self.selected.as_ref()) {
                    if !sel.read_only {
                        if let Some(f) = ctx.store.folder_mut(&user, &sel.name) {
                            let deleted = deleted_uids(f, None);
                            f.expunge(&deleted);
                        }
                    }
                }
                self.deselect();
                ok(if cmd == Command::Close {
                    "CLOSE completed"
                } else {
                    "UNSELECT completed"
                })
            }
            Command::Expunge { uids } => {
                let Some(sel) = self.selected.as_ref() else {
                    return Some(bad("No mailbox selected"));
                };
                if sel.read_only {
                    no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)")
                } else {
                    let known = uids.as_ref().map(|set| {
                        set.uid_indexes(&sel.uids)
                            .into_iter()
                            .map(|i| sel.uids[i])
                            .collect::<BTreeSet<u32>>()
                    });
                    if let Some(f) = ctx.store.folder_mut(&user, &sel.name) {
                        let deleted = deleted_uids(f, known.as_ref());
                        f.expunge(&deleted);
                    }
                    ok(if uids.is_some() {
                        "UID EXPUNGE completed"
                    } else {
                        "EXPUNGE completed"
                    })
                }
            }
            Command::Search { uid, key } => self.search(ctx, &user, uid, &key),
            Command::Fetch { uid, set, items } => self.fetch(ctx, &user, uid, &set, &items),
            Command::Store {
                uid,
                set,
                mode,
                silent,
                flags,
            } => self.store(ctx, &user, uid, &set, mode, silent, &flags),
            Command::Copy {
                uid,
                set,
                mailbox,
                moving,
            } => self.copy(ctx, &user, uid, &set, &mailbox, moving),
        })
    }

    // ---- authentication ----

    fn login(&mut self, ctx: &mut HostCtx<'_>, tag: &str, user: &str, password: &str) {
        match ctx.store.authenticate(user, password, ctx.host) {
            Some(address) => {
                self.user = Some(address.clone());
                self.out.event(ImapEvent::LoggedIn(address));
                self.set_state(ImapState::Authenticated);
                self.send(format!("{tag} OK [CAPABILITY {CAPABILITIES}] Logged in"));
            }
            None => {
                self.failed_logins += 1;
                self.send(format!(
                    "{tag} NO [AUTHENTICATIONFAILED] Invalid user name or password"
                ));
                if self.failed_logins >= MAX_FAILED_LOGINS {
                    self.bye("Too many failed login attempts");
                }
            }
        }
    }

    /// The client's PLAIN response (RFC 4616), initial (SASL-IR) or after `+ `.
    fn auth_response(&mut self, ctx: &mut HostCtx<'_>, tag: &str, line: &[u8]) {
        if line == b"*" {
            self.send(format!("{tag} BAD AUTHENTICATE cancelled"));
            return;
        }
        let line = if line == b"=" { &b""[..] } else { line };
        match decode_plain(line) {
            Some(c) if c.authzid.is_empty() || c.authzid.eq_ignore_ascii_case(&c.authcid) => {
                self.login(ctx, tag, &c.authcid, &c.password)
            }
            Some(_) => {
                self.send(format!(
                    "{tag} NO [AUTHORIZATIONFAILED] Acting as another user is not allowed"
                ));
            }
            None => self.send(format!(
                "{tag} BAD Invalid PLAIN response: expected base64 of \\0user\\0password"
            )),
        }
    }

    // ---- mailboxes ----

    fn select(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
        read_only: bool,
    ) -> Done {
        // RFC 3501 §6.3.1: a SELECT deselects first, even when it fails.
        self.deselect();
        let name = crate::store::Store::canonical_name(mailbox);
        let Some(f) = ctx.store.folder_mut(user, &name) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                mutf7::encode(mailbox)
            ));
        };
        let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
        let recent: BTreeSet<u32> = if read_only {
            let n = f.unclaimed_recent();
            uids[uids.len().saturating_sub(n)..]
                .iter()
                .copied()
                .collect()
        } else {
            let from = f.claim_recent();
            uids.iter().copied().filter(|&u| u >= from).collect()
        };
        let mut keywords = Flags::new();
        for m in f.messages() {
            for k in m.flags.keywords() {
                keywords.insert_keyword(k);
            }
        }
        let first_unseen = f
            .messages()
            .iter()
            .position(|m| !m.flags.contains(Flag::Seen));
        let sel = Selected {
            name: name.clone(),
            read_only,
            uidvalidity: f.uidvalidity,
            modseq: f.highest_modseq,
            uidnext: f.uidnext,
            uids,
            recent,
            own: BTreeMap::new(),
            keywords,
        };
        self.send(flags_line(&sel.keywords));
        self.send(format!("* {} EXISTS", sel.exists()));
        self.send(format!("* {} RECENT", sel.recent.len()));
        if let Some(i) = first_unseen {
            self.send(format!("* OK [UNSEEN {}] First unseen message", i + 1));
        }
        self.send(format!("* OK [UIDVALIDITY {}] UIDs valid", sel.uidvalidity));
        self.send(format!("* OK [UIDNEXT {}] Predicted next UID", sel.uidnext));
        if read_only {
            self.send("* OK [PERMANENTFLAGS ()] No permanent flags permitted");
        } else {
            self.send(permanent_flags_line(&sel.keywords));
        }
        self.selected = Some(sel);
        self.out.event(ImapEvent::Selected {
            folder: name,
            read_only,
        });
        self.set_state(ImapState::Selected);
        if read_only {
            ok("[READ-ONLY] EXAMINE completed")
        } else {
            ok("[READ-WRITE] SELECT completed")
        }
    }

    fn status(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
        items: &[StatusItem],
    ) -> Done {
        let Some(f) = ctx.store.folder(user, mailbox) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                mutf7::encode(mailbox)
            ));
        };
        let values: Vec<String> = items
            .iter()
            .map(|i| match i {
                StatusItem::Messages => format!("MESSAGES {}", f.len()),
                StatusItem::Recent => format!("RECENT {}", f.unclaimed_recent()),
                StatusItem::UidNext => format!("UIDNEXT {}", f.uidnext),
                StatusItem::UidValidity => format!("UIDVALIDITY {}", f.uidvalidity),
                StatusItem::Unseen => format!(
                    "UNSEEN {}",
                    f.messages()
                        .iter()
                        .filter(|m| !m.flags.contains(Flag::Seen))
                        .count()
                ),
            })
            .collect();
        let mut line = b"* STATUS ".to_vec();
        string(&mut line, mutf7::encode(mailbox).as_bytes());
        line.extend_from_slice(format!(" ({})\r\n", values.join(" ")).as_bytes());
        self.out.transmit(line);
        ok("STATUS completed")
    }

    // ---- the selected mailbox ----

    /// Reports what changed in the selected mailbox since last time (RFC 3501 §7.3.1,
    /// §7.4.1): EXPUNGE (highest first, so each number is right when sent; only when
    /// `expunges`), EXISTS and RECENT, and FETCH FLAGS for flag changes made by others.
    fn sync(&mut self, ctx: &mut HostCtx<'_>, expunges: bool) {
        let Some(user) = self.user.clone() else {
            return;
        };
        let Some(sel) = self.selected.as_mut() else {
            return;
        };
        let Some(f) = ctx.store.folder_mut(&user, &sel.name) else {
            self.bye("The selected mailbox was deleted or renamed by another session");
            return;
        };
        if f.uidvalidity != sel.uidvalidity {
            self.bye("The selected mailbox was replaced (UIDVALIDITY changed)");
            return;
        }
        let changes = f.changes_since(sel.modseq, sel.uidnext);
        if !expunges && !changes.expunged.is_empty() {
            // Keep the log position so these expunges are reported later; flag changes
            // will be reported again then, which is harmless.
            return;
        }
        let mut lines = Vec::new();
        let mut expunged: Vec<u32> = if changes.truncated {
            sel.uids
                .iter()
                .copied()
                .filter(|u| f.index_of(*u).is_none())
                .collect()
        } else {
            changes.expunged.clone()
        };
        expunged.sort_unstable_by(|a, b| b.cmp(a));
        for uid in expunged {
            if let Ok(i) = sel.uids.binary_search(&uid) {
                sel.uids.remove(i);
                sel.recent.remove(&uid);
                lines.push(format!("* {} EXPUNGE", i + 1));
            }
        }
        if !changes.added.is_empty() {
            let from = if sel.read_only {
                let n = f.unclaimed_recent();
                f.messages()
                    .len()
                    .checked_sub(n)
                    .and_then(|i| f.messages().get(i))
                    .map_or(u32::MAX, |m| m.uid)
            } else {
                f.claim_recent()
            };
            for &uid in &changes.added {
                if sel.uids.last().map_or(true, |&l| uid > l) {
                    if let Some(m) = f.by_uid(uid) {
                        sel.announce_keywords(&m.flags, &mut lines);
                    }
                    sel.uids.push(uid);
                    if uid >= from {
                        sel.recent.insert(uid);
                    }
                }
            }
            lines.push(format!("* {} EXISTS", sel.exists()));
            lines.push(format!("* {} RECENT", sel.recent.len()));
        }
        sel.uidnext = sel.uidnext.max(f.uidnext);
        for &uid in &changes.flags_changed {
            let Some(m) = f.by_uid(uid) else { continue };
            if sel.own.get(&uid) == Some(&m.modseq) {
                continue;
            }
            if let Ok(i) = sel.uids.binary_search(&uid) {
                sel.announce_keywords(&m.flags, &mut lines);
                lines.push(format!(
                    "* {} FETCH (FLAGS {})",
                    i + 1,
                    flag_list(m, sel.recent.contains(&uid))
                ));
            }
        }
        sel.own.clear();
        sel.modseq = changes.modseq;
        for l in lines {
            self.send(l);
        }
    }

    /// Sequence numbers and UIDs a set names: as sequence numbers (an error beyond EXISTS),
    /// or as UIDs (missing ones ignored).
    fn targets(&self, uid: bool, set: &SequenceSet) -> Result<Vec<(u32, u32)>, String> {
        let Some(sel) = self.selected.as_ref() else {
            return Err("No mailbox selected".into());
        };
        if uid {
            Ok(set
                .uid_indexes(&sel.uids)
                .into_iter()
                .map(|i| (i as u32 + 1, sel.uids[i]))
                .collect())
        } else {
            Ok(set
                .seqs(sel.exists())?
                .into_iter()
                .filter_map(|n| Some((n, *sel.uids.get((n as usize).checked_sub(1)?)?)))
                .collect())
        }
    }

    fn fetch(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        items: &[FetchAtt],
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.selected.as_mut() else {
            return bad("No mailbox selected");
        };
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        // RFC 3501 §6.4.5: BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \Seen.
        let sets_seen = !sel.read_only
            && items.iter().any(|i| {
                matches!(
                    i,
                    FetchAtt::Rfc822 | FetchAtt::Rfc822Text | FetchAtt::Section { peek: false, .. }
                )
            });
        let shows_flags = sets_seen || items.contains(&FetchAtt::Flags);
        let mut out = Vec::new();
        // RFC 2180 §4.1: a message another session expunged is left out, the rest is
        // answered, and the command does not fail.
        for (seq, u) in targets {
            let Some(m) = f.by_uid(u) else {
                continue;
            };
            if shows_flags {
                let mut lines = Vec::new();
                sel.announce_keywords(&m.flags, &mut lines);
                for l in lines {
                    out.extend_from_slice(l.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
            }
            let mut changed = false;
            if sets_seen && !m.flags.contains(Flag::Seen) {
                let flags = m.flags.clone().with(Flag::Seen);
                f.set_flags(u, flags);
                changed = true;
            }
            let Some(m) = f.by_uid(u) else { continue };
            if changed {
                sel.own.insert(u, m.modseq);
            }
            out.extend(fetch_response(
                seq,
                m,
                items,
                sel.recent.contains(&u),
                uid,
                changed,
            ));
        }
        self.out.transmit(out);
        ok(if uid {
            "UID FETCH completed"
        } else {
            "FETCH completed"
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn store(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        mode: StoreMode,
        silent: bool,
        flags: &Flags,
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.selected.as_mut() else {
            return bad("No mailbox selected");
        };
        if sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        let mut lines = Vec::new();
        for (seq, u) in targets {
            let Some(m) = f.by_uid(u) else { continue };
            let mut new = m.flags.clone();
            match mode {
                StoreMode::Replace => new = flags.clone(),
                StoreMode::Add => new.union(flags),
                StoreMode::Remove => new.subtract(flags),
            }
            if new != m.flags {
                f.set_flags(u, new);
            }
            let Some(m) = f.by_uid(u) else { continue };
            sel.own.insert(u, m.modseq);
            sel.announce_keywords(&m.flags, &mut lines);
            if !silent {
                let uid_part = if uid {
                    format!("UID {u} ")
                } else {
                    String::new()
                };
                lines.push(format!(
                    "* {seq} FETCH ({uid_part}FLAGS {})",
                    flag_list(m, sel.recent.contains(&u))
                ));
            }
        }
        for l in lines {
            self.send(l);
        }
        ok(if uid {
            "UID STORE completed"
        } else {
            "STORE completed"
        })
    }

    fn search(&mut self, ctx: &mut HostCtx<'_>, user: &str, uid: bool, key: &SearchKey) -> Done {
        let Some(sel) = self.selected.as_ref() else {
            return bad("No mailbox selected");
        };
        let Some(f) = ctx.store.folder(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        let max_uid = sel.uids.last().copied().unwrap_or(0);
        let mut hits = Vec::new();
        for (i, &u) in sel.uids.iter().enumerate() {
            let Some(m) = f.by_uid(u) else { continue };
            let c = Candidate {
                msg: m,
                seq: i as u32 + 1,
                recent: sel.recent.contains(&u),
                exists: sel.exists(),
                max_uid,
            };
            if matches(key, &c) {
                hits.push(if uid { u } else { i as u32 + 1 }.to_string());
            }
        }
        let mut line = String::from("* SEARCH");
        for h in hits {
            line.push(' ');
            line.push_str(&h);
        }
        self.send(line);
        ok(if uid {
            "UID SEARCH completed"
        } else {
            "SEARCH completed"
        })
    }

    fn copy(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        mailbox: &str,
        moving: bool,
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.selected.as_ref() else {
            return bad("No mailbox selected");
        };
        if moving && sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let verb = if moving { "MOVE" } else { "COPY" };
        let sel_name = sel.name.clone();
        let Some(src) = ctx.store.folder(user, &sel_name) else {
            return no("The selected mailbox no longer exists");
        };
        let msgs: Vec<_> = targets
            .iter()
            .filter_map(|&(_, u)| src.by_uid(u).cloned())
            .collect();
        let max = ctx.store.limits.max_messages_per_folder;
        let Some(dst) = ctx.store.folder_mut(user, mailbox) else {
            return no(format!(
                "[TRYCREATE] Mailbox doesn't exist: {}",
                mutf7::encode(mailbox)
            ));
        };
        if dst.len() + msgs.len() > max {
            return no("[LIMIT] The destination mailbox is full");
        }
        if msgs.is_empty() {
            return ok(format!("{verb} completed (no messages)"));
        }
        let uv = dst.uidvalidity;
        let mut new_uids = Vec::new();
        for m in &msgs {
            new_uids.push(dst.append(m.raw.clone(), m.flags.clone(), m.internal_date));
        }
        let old: Vec<u32> = msgs.iter().map(|m| m.uid).collect();
        let code = format!(
            "COPYUID {uv} {} {}",
            compact_set(&old),
            compact_set(&new_uids)
        );
        if moving {
            // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
            self.send(format!("* OK [{code}] Moved"));
            if let Some(src) = ctx.store.folder_mut(user, &sel_name) {
                src.expunge(&old);
            }
            ok("MOVE completed")
        } else {
            ok(format!("[{code}] COPY completed"))
        }
    }
}

/// UIDs of `\Deleted` messages, within `only` when given.
fn deleted_uids(f: &Folder, only: Option<&BTreeSet<u32>>) -> Vec<u32> {
    f.messages()
        .iter()
        .filter(|m| m.flags.contains(Flag::Deleted))
        .filter(|m| only.map_or(true, |o| o.contains(&m.uid)))
        .map(|m| m.uid)
        .collect()
}

impl<'a> Session<HostCtx<'a>> for ImapSession {
    type Event = ImapEvent;

    fn handle_input(&mut self, ctx: &mut HostCtx<'a>, now: Instant, mut bytes: &[u8]) {
        self.deadline = now + AUTOLOGOUT;
        while !bytes.is_empty() && !self.out.is_closed() {
            let (n, frame) = self.framer.push(bytes);
            bytes = &bytes[n..];
            if let Some(frame) = frame {
                self.on_frame(ctx, now, frame);
            } else if n == 0 {
                break;
            }
        }
    }

    fn handle_timeout(&mut self, ctx: &mut HostCtx<'a>, now: Instant) {
        if self.out.is_closed() {
            return;
        }
        if now >= self.deadline {
            self.bye("Autologout: idle for too long");
            return;
        }
        if matches!(self.mode, Mode::Idle { .. }) {
            self.sync(ctx, true);
        }
    }

    fn handle_close(&mut self, _ctx: &mut HostCtx<'a>, _now: Instant) {
        self.out.mark_closed();
        self.set_state(ImapState::Logout);
    }

    fn poll_output(&mut self) -> Option<Output<ImapEvent>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}

#[cfg(test)]
mod tests;
