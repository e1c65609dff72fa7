//! The IMAP server session: the states of RFC 3501 §3 and every command of §6 against the
//! store, plus IDLE (RFC 2177), UIDPLUS (RFC 4315), MOVE (RFC 6851), NAMESPACE (RFC 2342),
//! ID (RFC 2971), ENABLE (RFC 5161), UNSELECT (RFC 3691), SASL-IR (RFC 4959) and LITERAL+
//! (RFC 7888).
//!
//! Several sessions may select one mailbox. Each keeps its own map from message sequence
//! numbers to UIDs and the last modseq it saw; after commands (and while idling) it asks the
//! folder's change log what others did and reports it (RFC 3501 §5.2, §7.4.1).
//!
//! The connection state is one value, [`Conn`], that carries what each state knows (the user,
//! the selected mailbox); commands are parsed and run by `command` (its `dispatch` module),
//! which uses this one and is not used by it.

use super::context::{UpdateContext, View};
use super::fetch::flag_list;
use super::frame::{Frame, Framer};
use super::mutf7::NameEncoding;
use super::response::compact_set;
use super::secret;
use super::sequence::SequenceSet;
use crate::ordered::{SortedMap, SortedSet};
use crate::proto::starttls::TlsOffer;
use crate::proto::HostCtx;
use crate::session::{Output, OutputQueue, SecretInput, Session};
use crate::store::{Flag, Flags, Folder};
use crate::time::{Duration, Instant};

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
    /// Input that carries a secret: LOGIN's password or literals, AUTHENTICATE responses.
    Secret(SecretInput),
    /// The tagged OK to STARTTLS is queued (RFC 3501 §6.2.1): put TLS between the connection
    /// and this session now; what it reads next comes from inside TLS.
    StartTls,
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
pub(super) enum Mode {
    Commands,
    /// AUTHENTICATE PLAIN waiting for the client's response line.
    AuthPlain {
        tag: String,
    },
    /// AUTHENTICATE LOGIN waiting for the user name (`user` is `None`), then the password.
    AuthLogin {
        tag: String,
        user: Option<String>,
    },
    /// IDLE waiting for DONE.
    Idle {
        tag: String,
    },
}

/// The selected mailbox as this session sees it.
#[derive(Debug, Clone)]
pub(super) struct Selected {
    pub(super) name: String,
    pub(super) read_only: bool,
    pub(super) uidvalidity: u32,
    /// Message sequence number n is `uids[n-1]`.
    pub(super) uids: Vec<u32>,
    /// Last modseq reported.
    pub(super) modseq: u64,
    pub(super) uidnext: u32,
    /// UIDs that are `\Recent` for this session.
    pub(super) recent: SortedSet<u32>,
    /// Flag changes this session made and reported itself: uid -> modseq after the change.
    pub(super) own: SortedMap<u32, u64>,
    /// The result of SEARCH RETURN (SAVE) as UIDs, for `$` (RFC 5182); a new selection
    /// starts without one (§2.1).
    pub(super) saved: Vec<u32>,
    /// The keywords this session was told of in FLAGS (RFC 3501 §7.2.6).
    pub(super) keywords: Flags,
    /// SEARCH RETURN (UPDATE) contexts, told of changes in [`ImapSession::sync`]
    /// (RFC 5267 §4.3); they end with the selection.
    pub(super) contexts: Vec<UpdateContext>,
}

impl Selected {
    pub(super) fn exists(&self) -> u32 {
        self.uids.len() as u32
    }

    /// RFC 3501 §7.2.6: before a FETCH carries a keyword this session has not been told of,
    /// an untagged FLAGS response (and PERMANENTFLAGS, when writable) names it.
    pub(super) fn announce_keywords(&mut self, flags: &Flags, lines: &mut Vec<String>) {
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
pub(super) fn flags_line(keywords: &Flags) -> String {
    let kw: String = keywords
        .keywords()
        .iter()
        .map(|k| format!(" {k}"))
        .collect();
    format!("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{kw})")
}

/// `* OK [PERMANENTFLAGS (...)]`: what STORE may set, new keywords included (RFC 3501 §7.1).
pub(super) fn permanent_flags_line(keywords: &Flags) -> String {
    let kw: String = keywords
        .keywords()
        .iter()
        .map(|k| format!(" {k}"))
        .collect();
    format!(
        "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft{kw} \\*)] Flags permitted"
    )
}

/// Where the session is (RFC 3501 §3) and what it knows there: the user once logged in, and
/// the selected mailbox as this session sees it once one is selected.
#[derive(Debug)]
pub(super) enum Conn {
    NotAuthenticated,
    Authenticated { user: String },
    Selected { user: String, mailbox: Selected },
    Logout,
}

impl Conn {
    fn state(&self) -> ImapState {
        match self {
            Conn::NotAuthenticated => ImapState::NotAuthenticated,
            Conn::Authenticated { .. } => ImapState::Authenticated,
            Conn::Selected { .. } => ImapState::Selected,
            Conn::Logout => ImapState::Logout,
        }
    }

    fn user(&self) -> Option<&str> {
        match self {
            Conn::Authenticated { user } | Conn::Selected { user, .. } => Some(user),
            Conn::NotAuthenticated | Conn::Logout => None,
        }
    }
}

/// An IMAP server session on one connection.
#[derive(Debug)]
pub struct ImapSession {
    pub(super) framer: Framer,
    pub(super) out: OutputQueue<ImapEvent>,
    /// The connection state with its data.
    pub(super) conn: Conn,
    /// What the next input line is: a command, an AUTHENTICATE answer, or IDLE's DONE.
    pub(super) mode: Mode,
    pub(super) failed_logins: u32,
    /// CONDSTORE is on (RFC 7162 §3.1): MODSEQ in FETCH responses and HIGHESTMODSEQ.
    pub(super) condstore: bool,
    /// QRESYNC is on (RFC 7162 §3.2): VANISHED instead of EXPUNGE, SELECT (QRESYNC ...).
    pub(super) qresync: bool,
    /// How mailbox names are written both ways: UTF-8 after ENABLE UTF8=ACCEPT (RFC 6855).
    pub(super) names: NameEncoding,
    /// IMAP4rev2 is on (RFC 9051, after `ENABLE IMAP4rev2`): no `\Recent` and no RECENT,
    /// ESEARCH answers to SEARCH, UTF-8 names, [CLOSED].
    pub(super) rev2: bool,
    pub(super) deadline: Instant,
    /// Client bytes framed so far (positions for [`SecretInput`] marks).
    pub(super) input_seen: u64,
    /// What the session may say about TLS (see [`TlsOffer`]).
    pub(super) tls: TlsOffer,
    /// NOTIFY SET (RFC 5465), or `None` (NOTIFY NONE, or never set).
    pub(super) notify: Option<super::notify::Notify>,
}

impl ImapSession {
    /// A new connection: queues the greeting (RFC 3501 §7.1.1).
    pub fn new(now: Instant) -> ImapSession {
        ImapSession::with_tls(now, TlsOffer::OFF)
    }

    /// A new connection whose TLS situation is `tls` (STARTTLS offered, logins only over
    /// TLS, or inside TLS already on port 993): the greeting's capabilities say so.
    pub fn with_tls(now: Instant, tls: TlsOffer) -> ImapSession {
        let mut s = ImapSession {
            framer: Framer::new(MAX_LINE),
            out: OutputQueue::default(),
            conn: Conn::NotAuthenticated,
            mode: Mode::Commands,
            failed_logins: 0,
            condstore: false,
            qresync: false,
            names: NameEncoding::default(),
            rev2: false,
            deadline: now + AUTOLOGOUT,
            input_seen: 0,
            tls,
            notify: None,
        };
        let capabilities = s.capability_list();
        s.send(format!(
            "* OK [CAPABILITY {capabilities}] Mail Sandbox IMAP4rev1 ready"
        ));
        s
    }

    pub fn state(&self) -> ImapState {
        self.conn.state()
    }

    /// The logged-in user's address.
    pub fn user(&self) -> Option<&str> {
        self.conn.user()
    }

    /// True when the next input starts a new command line (not a literal, the rest of a
    /// command, an AUTHENTICATE answer or IDLE's DONE): what a layer in front may match.
    pub fn is_reading_command(&self) -> bool {
        self.mode == Mode::Commands && self.framer.pending() == 0
    }

    /// Marks client input up to `end` as carrying a secret (see [`SecretInput`]).
    fn mark_secret(&mut self, end: u64, shown_words: u8) {
        self.out
            .event(ImapEvent::Secret(SecretInput { end, shown_words }));
    }

    /// The selected mailbox (UTF-8 name).
    pub fn selected(&self) -> Option<&str> {
        self.mailbox().map(|s| s.name.as_str())
    }

    /// The selected mailbox as this session sees it.
    pub(super) fn mailbox(&self) -> Option<&Selected> {
        match &self.conn {
            Conn::Selected { mailbox, .. } => Some(mailbox),
            _ => None,
        }
    }

    pub(super) fn mailbox_mut(&mut self) -> Option<&mut Selected> {
        match &mut self.conn {
            Conn::Selected { mailbox, .. } => Some(mailbox),
            _ => None,
        }
    }

    pub(super) fn send(&mut self, line: impl AsRef<str>) {
        let mut b = line.as_ref().as_bytes().to_vec();
        b.extend_from_slice(b"\r\n");
        self.out.transmit(b);
    }

    /// CONDSTORE is on (RFC 7162 §3.1); never without the extensions ([`super::EXTENSIONS`]),
    /// so that their code is left out of a build without them.
    pub(super) fn condstore(&self) -> bool {
        super::EXTENSIONS && self.condstore
    }

    /// QRESYNC is on (RFC 7162 §3.2); never without the extensions.
    pub(super) fn qresync(&self) -> bool {
        super::EXTENSIONS && self.qresync
    }

    /// IMAP4rev2 is on (RFC 9051); never without the extensions.
    pub(super) fn rev2(&self) -> bool {
        super::EXTENSIONS && self.rev2
    }

    /// Turns CONDSTORE on for the rest of the session (RFC 7162 §3.1); the first enabling
    /// command while a mailbox is selected reports its HIGHESTMODSEQ.
    pub(super) fn enable_condstore(&mut self) {
        if !super::EXTENSIONS {
            return;
        }
        if !std::mem::replace(&mut self.condstore, true) {
            if let Some(m) = self.mailbox().map(|s| s.modseq) {
                self.send(format!("* OK [HIGHESTMODSEQ {m}] Highest"));
            }
        }
    }

    /// RFC 5182 §2.1: a SEARCH RETURN (SAVE) answered NO leaves `$` empty (one answered BAD
    /// does not change it).
    pub(super) fn forget_saved(&mut self) {
        if let Some(sel) = self.mailbox_mut() {
            sel.saved.clear();
        }
    }

    /// Moves to `conn`, telling the UI when the state (RFC 3501 §3) changed.
    fn enter(&mut self, conn: Conn) {
        let before = self.conn.state();
        self.conn = conn;
        let after = self.conn.state();
        if before != after {
            self.out.event(ImapEvent::State(after));
        }
    }

    /// A successful LOGIN or AUTHENTICATE: the Authenticated state (RFC 3501 §3.2).
    pub(super) fn log_in(&mut self, user: String) {
        self.enter(Conn::Authenticated { user });
    }

    /// A successful SELECT or EXAMINE: the Selected state with `mailbox` (RFC 3501 §3.3);
    /// the state check runs SELECT only after login.
    pub(super) fn select_mailbox(&mut self, mailbox: Selected) {
        if let Some(user) = self.conn.user().map(str::to_string) {
            self.enter(Conn::Selected { user, mailbox });
        }
    }

    /// Back to the Authenticated state (CLOSE, UNSELECT, a failed SELECT, the selected
    /// mailbox deleted or renamed).
    pub(super) fn deselect(&mut self) {
        if let Conn::Selected { user, .. } = &self.conn {
            let user = user.clone();
            self.enter(Conn::Authenticated { user });
        }
    }

    /// The Logout state (RFC 3501 §3.4).
    pub(super) fn log_out(&mut self) {
        self.enter(Conn::Logout);
    }

    pub(super) fn bye(&mut self, text: &str) {
        self.send(format!("* BYE {text}"));
        self.log_out();
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
            Frame::Literal { size, sync } => {
                if secret::is_login(self.framer.partial()) {
                    self.mark_secret(self.input_seen.saturating_add(size), 0);
                }
                self.on_literal(ctx, size, sync)
            }
            Frame::Command(bytes) => match std::mem::replace(&mut self.mode, Mode::Commands) {
                Mode::Commands => {
                    if let Some(shown) = secret::shown_words(&bytes) {
                        self.mark_secret(self.input_seen, shown);
                    }
                    self.command(ctx, now, &bytes)
                }
                Mode::Idle { tag } => {
                    if bytes.trim_ascii().eq_ignore_ascii_case(b"DONE") {
                        self.sync(ctx, true);
                        self.send(format!("{tag} OK IDLE terminated"));
                    } else {
                        self.send(format!("{tag} BAD Expected DONE to end IDLE"));
                    }
                }
                Mode::AuthPlain { tag } => {
                    self.mark_secret(self.input_seen, 0);
                    self.auth_response(ctx, &tag, bytes.trim_ascii())
                }
                Mode::AuthLogin { tag, user } => {
                    self.mark_secret(self.input_seen, 0);
                    self.auth_login_response(ctx, tag, user, bytes.trim_ascii())
                }
            },
        }
    }

    // ---- the selected mailbox ----

    /// Reports what changed in the selected mailbox since last time (RFC 3501 §7.3.1,
    /// §7.4.1): EXPUNGE (highest first, so each number is right when sent; only when
    /// `expunges`), EXISTS and RECENT, and FETCH FLAGS for flag changes made by others.
    pub(super) fn sync(&mut self, ctx: &mut HostCtx<'_>, expunges: bool) {
        let (condstore, qresync, rev2) = (self.condstore(), self.qresync(), self.rev2());
        let Conn::Selected { user, mailbox: sel } = &mut self.conn else {
            return;
        };
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            self.bye("The selected mailbox was deleted or renamed by another session");
            return;
        };
        if f.uidvalidity != sel.uidvalidity {
            self.bye("The selected mailbox was replaced (UIDVALIDITY changed)");
            return;
        }
        let changes = f.changes_since(sel.modseq, sel.uidnext);
        // Expunges held for later (NOTIFY's SELECTED-DELAYED, RFC 5465 §6.1): keep the log
        // position so they are reported then; new messages are told now (EXISTS counts the
        // held ones still), flag changes then.
        let hold = !expunges && (changes.truncated || !changes.expunged.is_empty());
        let mut lines = Vec::new();
        let view_before = (!sel.contexts.is_empty()).then(|| sel.uids.clone());
        let mut expunged: Vec<u32> = if hold {
            Vec::new()
        } else if changes.truncated {
            sel.uids
                .iter()
                .copied()
                .filter(|u| f.index_of(*u).is_none())
                .collect()
        } else {
            changes.expunged.clone()
        };
        // Highest first; sorted and reversed rather than sorted by a comparator of its own, so
        // that the wasm keeps one copy of the u32 sort (issue 29).
        crate::sorting::sort(&mut expunged);
        expunged.reverse();
        let mut vanished = Vec::new();
        for uid in expunged {
            if let Ok(i) = sel.uids.binary_search(&uid) {
                sel.uids.remove(i);
                sel.recent.remove(&uid);
                if qresync {
                    vanished.push(uid);
                } else {
                    lines.push(format!("* {} EXPUNGE", i + 1));
                }
            }
        }
        // RFC 7162 §3.2.10: once QRESYNC is on, one VANISHED line replaces the EXPUNGEs.
        if !vanished.is_empty() {
            vanished.reverse();
            lines.push(format!("* VANISHED {}", compact_set(&vanished)));
        }
        if !changes.added.is_empty() {
            // RFC 9051 has no \Recent: an IMAP4rev2 session claims none (RFC 9051 Appendix E).
            let from = if rev2 {
                u32::MAX
            } else if sel.read_only {
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
                if sel.uids.last().is_none_or(|&l| uid > l) {
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
            if !rev2 {
                lines.push(format!("* {} RECENT", sel.recent.len()));
            }
        }
        sel.uidnext = sel.uidnext.max(f.uidnext);
        // While expunges are held, flag changes wait for them too (told once, then).
        let flags_changed: &[u32] = if hold { &[] } else { &changes.flags_changed };
        for &uid in flags_changed {
            let Some(m) = f.by_uid(uid) else { continue };
            if sel.own.get(&uid) == Some(&m.modseq) {
                continue;
            }
            if let Ok(i) = sel.uids.binary_search(&uid) {
                sel.announce_keywords(&m.flags, &mut lines);
                let modseq = if condstore {
                    format!(" MODSEQ ({})", m.modseq)
                } else {
                    String::new()
                };
                // RFC 7162 §3.2.4: with QRESYNC on, unsolicited FETCHes carry the UID.
                let uid_part = if qresync {
                    format!("UID {uid} ")
                } else {
                    String::new()
                };
                lines.push(format!(
                    "* {} FETCH ({uid_part}FLAGS {}{modseq})",
                    i + 1,
                    flag_list(m, sel.recent.contains(&uid))
                ));
            }
        }
        if !hold {
            sel.own.clear();
            sel.modseq = changes.modseq;
        }
        if let Some(before) = view_before {
            // RFC 5267 §4.3.3, §4.3.4: removals before the EXPUNGEs, additions after EXISTS.
            let view = View {
                uids: &sel.uids,
                recent: &sel.recent,
                saved: &sel.saved,
            };
            let mut first = Vec::new();
            for c in sel.contexts.iter_mut() {
                let u = c.update(f, &before, &view);
                first.extend(u.before);
                lines.extend(u.after);
            }
            first.append(&mut lines);
            lines = first;
        }
        for l in lines {
            self.send(l);
        }
    }

    /// Sequence numbers and UIDs a set names: as sequence numbers (an error beyond EXISTS),
    /// or as UIDs (missing ones ignored).
    pub(super) fn targets(&self, uid: bool, set: &SequenceSet) -> Result<Vec<(u32, u32)>, String> {
        let Some(sel) = self.mailbox() else {
            return Err("No mailbox selected".into());
        };
        if set.is_saved() {
            // RFC 5182 §2.1: `$` names the saved UIDs that still exist, in UID and in
            // sequence-number commands alike.
            Ok(sel
                .uids
                .iter()
                .enumerate()
                .filter(|(_, u)| sel.saved.contains(u))
                .map(|(i, &u)| (i as u32 + 1, u))
                .collect())
        } else if uid {
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
}

/// UIDs of `\Deleted` messages, within `only` when given.
pub(super) fn deleted_uids(f: &Folder, only: Option<&SortedSet<u32>>) -> Vec<u32> {
    f.messages()
        .iter()
        .filter(|m| m.flags.contains(Flag::Deleted))
        .filter(|m| only.is_none_or(|o| o.contains(&m.uid)))
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
            self.input_seen += n as u64;
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
        if matches!(self.mode, Mode::Idle { .. }) && (!super::EXTENSIONS || self.notify.is_none()) {
            self.sync(ctx, true);
        }
        self.poll_notify(ctx);
    }

    fn handle_close(&mut self, _ctx: &mut HostCtx<'a>, _now: Instant) {
        self.out.mark_closed();
        self.log_out();
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
pub(super) mod tests;
#[cfg(test)]
mod transcripts;
