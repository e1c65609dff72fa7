//! The IMAP client session (RFC 3501): STARTTLS first when the job's [`StartTlsPolicy`] asks
//! for it (RFC 3501 §6.2.1: on the tagged OK the driver puts TLS under the session,
//! [`ImapClientEvent::UpgradeToTls`], and the session goes on inside it), then LOGIN, one
//! action on a folder or a message, LOGOUT.
//! Commands go one at a time, each with its own tag, so every tagged completion belongs to
//! the command before it; untagged LIST, EXISTS and FETCH data seen on the way make the
//! outcome.
//!
//! Listing a folder fetches what a message list shows, for the newest [`LIST_PAGE`] messages
//! only: UID, FLAGS, RFC822.SIZE and a few header fields (`BODY.PEEK[HEADER.FIELDS (...)]`);
//! a message's body is fetched when it is opened ([`ImapAction::Read`]), as real clients do.
//!
//! Responses are framed by the server's own [`Framer`] (lines and literals, RFC 3501 §4.3)
//! within limits: a line of [`MAX_LINE`] octets, a literal of [`MAX_LITERAL`], and at most
//! [`MAX_COLLECTED`] octets of message data per session. APPEND sends its message as a
//! synchronizing literal after the server's `+` continuation (§7.5). The session reports
//! exactly one [`ImapClientEvent::Done`], then closes.

mod tokens;

pub use tokens::{imap_quote, tokenize, Tok};

pub use crate::proto::client_tls::StartTlsPolicy;

use super::frame::{Frame, Framer};
use crate::session::{Output, OutputQueue, Session};
use crate::time::{Duration, Instant};

/// Longest response line accepted (the server's own command-line limit).
pub const MAX_LINE: usize = 64 * 1024;
/// Largest literal accepted in a response (one message).
pub const MAX_LITERAL: u64 = 64 * 1024 * 1024;
/// Most message data collected in one session.
pub const MAX_COLLECTED: u64 = 256 * 1024 * 1024;
/// How long to wait for any response (RFC 3501 §5.4 lets servers log out after 30 minutes).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(120);
/// How many of a folder's newest messages a listing fetches.
pub const LIST_PAGE: u32 = 200;
/// The header fields a listing fetches of each message (what the list and its sort show).
pub const LIST_FIELDS: &str = "DATE FROM TO CC SUBJECT MESSAGE-ID";

/// IMAP actions on one message or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAction {
    /// LIST, SELECT `folder`, and the newest [`LIST_PAGE`] messages' UID, FLAGS, size and
    /// [`LIST_FIELDS`] (no bodies).
    Open { folder: String },
    /// SELECT `folder` and fetch one message whole (`BODY[]`, so the server marks it `\Seen`,
    /// RFC 3501 §6.4.5).
    Read { folder: String, uid: u32 },
    /// Set or clear a flag on a message.
    Flag {
        folder: String,
        uid: u32,
        flag: String,
        on: bool,
    },
    /// Move a message to another folder.
    Move {
        folder: String,
        uid: u32,
        to: String,
    },
    /// Mark deleted and expunge.
    Delete { folder: String, uid: u32 },
    /// Upload a message into a folder (APPEND with a synchronising literal).
    Append { folder: String, raw: Vec<u8> },
}

/// What to do on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapJob {
    pub user: String,
    pub password: String,
    pub action: ImapAction,
    /// When to say STARTTLS before LOGIN.
    pub starttls: StartTlsPolicy,
}

/// A folder from IMAP LIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub attributes: Vec<String>,
}

/// A message fetched by UID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImapMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    /// RFC822.SIZE, when it was fetched.
    pub size: Option<u64>,
    /// The whole message ([`ImapAction::Read`]), or its [`LIST_FIELDS`] and the blank line
    /// that ends a header ([`ImapAction::Open`]).
    pub raw: Vec<u8>,
    /// `raw` is the whole message.
    pub whole: bool,
}

/// What a finished session produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapOutcome {
    /// [`ImapAction::Open`]: the folders and the selected folder's newest messages, oldest
    /// first; `exists` is how many the folder holds.
    Mailbox {
        folders: Vec<FolderEntry>,
        messages: Vec<ImapMessage>,
        exists: u32,
    },
    /// [`ImapAction::Read`]: the message, whole.
    Message(ImapMessage),
    /// Any other action succeeded; the text of its tagged OK.
    Done(String),
}

/// What the client tells its driver: exactly one `Done`, then `Close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapClientEvent {
    /// The server agreed to STARTTLS: put TLS under the session now; every later byte the
    /// session sends or gets goes through it.
    UpgradeToTls,
    Done(Result<ImapOutcome, String>),
}

/// What the client waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Waiting {
    Greeting,
    /// The tagged completion of the command with this tag.
    Tagged(String),
    /// The tagged completion of STARTTLS (tag, whether TLS is required).
    StartTls(String, bool),
    /// A `+` continuation, to send this literal for the command with this tag.
    Continuation(String, Vec<u8>),
    Done,
}

/// What a finished job reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Collect {
    /// Only the text of the last tagged OK.
    Nothing,
    /// Folders and the listed messages ([`ImapAction::Open`]).
    Listing,
    /// The one message with this UID ([`ImapAction::Read`]).
    Message(u32),
}

/// The IMAP client session.
#[derive(Debug)]
pub struct ImapClient {
    script: Script,
    collect: Collect,
    framer: Framer,
    waiting: Waiting,
    next_tag: u32,
    out: OutputQueue<ImapClientEvent>,
    deadline: Instant,
    folders: Vec<FolderEntry>,
    messages: Vec<ImapMessage>,
    /// The selected folder's size (the last `* n EXISTS`).
    exists: u32,
    collected: u64,
    last_text: String,
    /// The outcome once known (when LOGOUT is sent).
    result: Option<Result<ImapOutcome, String>>,
    starttls: StartTlsPolicy,
    /// STARTTLS was just accepted: the rest of this input came in clear after the OK, before
    /// TLS, so it is dropped (the command-injection class of bugs, CVE-2011-0411, seen from
    /// the client).
    upgrading: bool,
}

/// Removes CR and LF so job fields can never inject a command.
fn one_line(s: &str) -> String {
    s.chars().filter(|&c| c != '\r' && c != '\n').collect()
}

/// A command of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A command line (without its tag).
    Line(String),
    /// A command line announcing a synchronizing literal, and the literal sent after `+`.
    WithLiteral(String, Vec<u8>),
    /// FETCH of the newest [`LIST_PAGE`] messages, written once SELECT told how many exist.
    FetchNewest,
}

/// Commands still to send, last first.
type Script = Vec<Step>;

/// The commands of a job, last first, and what it collects.
fn script_of(job: ImapJob) -> (Script, Collect, StartTlsPolicy) {
    let mut script = vec![Step::Line(format!(
        "LOGIN {} {}",
        imap_quote(&job.user),
        imap_quote(&job.password)
    ))];
    let sel = |f: &str| Step::Line(format!("SELECT {}", imap_quote(f)));
    let mut collect = Collect::Nothing;
    match job.action {
        ImapAction::Open { folder } => {
            collect = Collect::Listing;
            script.push(Step::Line("LIST \"\" \"*\"".into()));
            script.push(sel(&folder));
            script.push(Step::FetchNewest);
        }
        ImapAction::Read { folder, uid } => {
            collect = Collect::Message(uid);
            script.push(sel(&folder));
            script.push(Step::Line(format!("UID FETCH {uid} (UID FLAGS BODY[])")));
        }
        ImapAction::Flag {
            folder,
            uid,
            flag,
            on,
        } => {
            script.push(sel(&folder));
            let sign = if on { '+' } else { '-' };
            let flag = one_line(&flag);
            script.push(Step::Line(format!("UID STORE {uid} {sign}FLAGS ({flag})")));
        }
        ImapAction::Move { folder, uid, to } => {
            script.push(sel(&folder));
            script.push(Step::Line(format!("UID MOVE {uid} {}", imap_quote(&to))));
        }
        ImapAction::Delete { folder, uid } => {
            script.push(sel(&folder));
            script.push(Step::Line(format!("UID STORE {uid} +FLAGS (\\Deleted)")));
            script.push(Step::Line("EXPUNGE".into()));
        }
        ImapAction::Append { folder, raw } => {
            let line = format!("APPEND {} {{{}}}", imap_quote(&folder), raw.len());
            script.push(Step::WithLiteral(line, raw));
        }
    }
    script.push(Step::Line("LOGOUT".into()));
    script.reverse();
    (script, collect, job.starttls)
}

impl ImapClient {
    /// A client waiting for the server's greeting.
    pub fn new(now: Instant, job: ImapJob) -> Self {
        let (script, collect, starttls) = script_of(job);
        ImapClient {
            script,
            collect,
            framer: Framer::new(MAX_LINE),
            waiting: Waiting::Greeting,
            next_tag: 0,
            out: OutputQueue::default(),
            deadline: now + REPLY_TIMEOUT,
            folders: Vec::new(),
            messages: Vec::new(),
            exists: 0,
            collected: 0,
            last_text: String::new(),
            result: None,
            starttls,
            upgrading: false,
        }
    }

    /// The TLS layer under the session failed: nothing more is sent, in clear or not.
    pub fn handle_tls_failed(&mut self, _now: Instant, why: &str) {
        if !self.out.is_closed() {
            self.fail(format!("TLS after STARTTLS failed: {}", one_line(why)));
        }
    }

    /// After the greeting: STARTTLS when the job asks for it (RFC 3501 §6.2.1), else LOGIN.
    fn after_greeting(&mut self, now: Instant) {
        if self.starttls == StartTlsPolicy::Never {
            return self.send_next(now);
        }
        self.next_tag += 1;
        let tag = format!("a{}", self.next_tag);
        self.out
            .transmit(format!("{tag} STARTTLS\r\n").into_bytes());
        let required = self.starttls == StartTlsPolicy::Required;
        self.waiting = Waiting::StartTls(tag, required);
        self.deadline = now + REPLY_TIMEOUT;
    }

    /// STARTTLS answered: on OK, TLS goes under the session and LOGIN follows inside it; a
    /// refusal means LOGIN in clear when TLS was only wanted (RFC 7435 §3), the end when it
    /// was required (the password is never sent in clear then).
    fn on_starttls_done(&mut self, now: Instant, ok: bool, required: bool, text: String) {
        if ok {
            self.out.event(ImapClientEvent::UpgradeToTls);
            self.framer = Framer::new(MAX_LINE);
            self.upgrading = true;
            self.send_next(now);
        } else if required {
            self.fail(format!("the server refused STARTTLS: {text}"));
        } else {
            self.send_next(now);
        }
    }

    fn finish(&mut self, outcome: Result<ImapOutcome, String>) {
        self.out.event(ImapClientEvent::Done(outcome));
        self.waiting = Waiting::Done;
        self.out.close();
    }

    fn fail(&mut self, why: String) {
        self.result = None;
        self.finish(Err(why));
    }

    /// Sends the next command of the script, or finishes after LOGOUT's completion.
    fn send_next(&mut self, now: Instant) {
        let (line, literal) = loop {
            match self.script.pop() {
                None => {
                    let outcome = self.result.take().unwrap_or_else(|| self.outcome());
                    return self.finish(outcome);
                }
                Some(Step::Line(line)) => break (line, None),
                Some(Step::WithLiteral(line, literal)) => break (line, Some(literal)),
                // An empty folder: nothing to fetch.
                Some(Step::FetchNewest) if self.exists == 0 => continue,
                Some(Step::FetchNewest) => {
                    let first = self.exists.saturating_sub(LIST_PAGE - 1).max(1);
                    let line = format!(
                        "FETCH {first}:{} (UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS ({LIST_FIELDS})])",
                        self.exists
                    );
                    break (line, None);
                }
            }
        };
        if self.script.is_empty() {
            // LOGOUT: the outcome is known; a server that closes right away still gave it.
            self.result = Some(self.outcome());
        }
        self.next_tag += 1;
        let tag = format!("a{}", self.next_tag);
        self.out
            .transmit(format!("{tag} {}\r\n", one_line(&line)).into_bytes());
        self.waiting = match literal {
            Some(l) => Waiting::Continuation(tag, l),
            None => Waiting::Tagged(tag),
        };
        self.deadline = now + REPLY_TIMEOUT;
    }

    fn outcome(&mut self) -> Result<ImapOutcome, String> {
        match self.collect {
            Collect::Listing => Ok(ImapOutcome::Mailbox {
                folders: std::mem::take(&mut self.folders),
                messages: std::mem::take(&mut self.messages),
                exists: self.exists,
            }),
            Collect::Message(uid) => match self.messages.iter().position(|m| m.uid == uid) {
                Some(i) => Ok(ImapOutcome::Message(self.messages.swap_remove(i))),
                None => Err(format!("message {uid} is no longer in the folder")),
            },
            Collect::Nothing => Ok(ImapOutcome::Done(self.last_text.clone())),
        }
    }

    /// One complete response (literals inline).
    fn on_response(&mut self, now: Instant, resp: Vec<u8>) {
        if resp.starts_with(b"+") {
            return match std::mem::replace(&mut self.waiting, Waiting::Done) {
                Waiting::Continuation(tag, mut literal) => {
                    literal.extend_from_slice(b"\r\n");
                    self.out.transmit(literal);
                    self.waiting = Waiting::Tagged(tag);
                    self.deadline = now + REPLY_TIMEOUT;
                }
                _ => self.fail("unexpected continuation request".into()),
            };
        }
        let text = String::from_utf8_lossy(&resp);
        let mut words = text.splitn(3, ' ');
        let (tag, status) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let status = status.to_ascii_uppercase();
        let rest = words.next().unwrap_or("").to_string();
        if tag == "*" {
            if self.waiting == Waiting::Greeting {
                return match status.as_str() {
                    "OK" => self.after_greeting(now),
                    "PREAUTH" => self.send_next(now),
                    _ => self.fail(format!("{status} {rest}")),
                };
            }
            if status == "BYE" && self.script.is_empty() {
                return; // The answer to LOGOUT, before its tagged OK.
            }
            return self.on_untagged(&resp);
        }
        if let Waiting::StartTls(t, required) = &self.waiting {
            if t == tag {
                let required = *required;
                self.waiting = Waiting::Done;
                return self.on_starttls_done(now, status == "OK", required, rest);
            }
        }
        let ours = match &self.waiting {
            Waiting::Tagged(t) | Waiting::Continuation(t, _) => t == tag,
            _ => false,
        };
        if !ours {
            return self.fail(format!("unexpected response: {text}"));
        }
        if status != "OK" {
            return self.fail(format!("{status} {rest}"));
        }
        self.last_text = rest;
        self.send_next(now);
    }

    /// Untagged data: LIST, EXISTS and FETCH are kept for the outcome, the rest is noted only.
    fn on_untagged(&mut self, resp: &[u8]) {
        if self.collect == Collect::Nothing {
            return;
        }
        let toks = tokenize(resp);
        let word = |i: usize| match toks.get(i) {
            Some(Tok::Atom(a)) => a.to_ascii_uppercase(),
            _ => String::new(),
        };
        if word(1) == "LIST" {
            let attributes = match toks.get(2) {
                Some(Tok::List(l)) => l.iter().map(Tok::text).collect(),
                _ => Vec::new(),
            };
            if let Some(name) = toks.get(4) {
                self.folders.push(FolderEntry {
                    name: name.text(),
                    attributes,
                });
            }
            return;
        }
        if word(2) == "EXISTS" {
            if let Ok(n) = word(1).parse() {
                self.exists = n;
            }
            return;
        }
        let (true, Some(Tok::List(items))) = (word(2) == "FETCH", toks.get(3)) else {
            return;
        };
        let mut m = ImapMessage {
            uid: 0,
            flags: Vec::new(),
            size: None,
            raw: Vec::new(),
            whole: false,
        };
        for pair in items.chunks(2) {
            let [Tok::Atom(k), v] = pair else { continue };
            match k.to_ascii_uppercase().as_str() {
                "UID" => m.uid = v.text().parse().unwrap_or(0),
                "FLAGS" => {
                    if let Tok::List(l) = v {
                        m.flags = l.iter().map(Tok::text).collect();
                    }
                }
                "RFC822.SIZE" => m.size = v.text().parse().ok(),
                k if k.starts_with("BODY[") => {
                    if let Tok::Str(s) = v {
                        m.raw = s.clone();
                        m.whole = k == "BODY[]";
                    }
                }
                _ => {}
            }
        }
        let wanted = match self.collect {
            Collect::Message(uid) => m.uid == uid,
            _ => m.uid != 0,
        };
        if wanted {
            self.messages.push(m);
        }
    }
}

impl Session<()> for ImapClient {
    type Event = ImapClientEvent;

    fn handle_input(&mut self, _: &mut (), now: Instant, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.out.is_closed() {
            let (n, frame) = self.framer.push(bytes);
            bytes = bytes.get(n..).unwrap_or(&[]);
            match frame {
                Some(Frame::Command(resp)) => {
                    self.on_response(now, resp);
                    if std::mem::take(&mut self.upgrading) {
                        break;
                    }
                }
                Some(Frame::Literal { size, .. }) => {
                    self.collected = self.collected.saturating_add(size);
                    if size > MAX_LITERAL || self.collected > MAX_COLLECTED {
                        self.framer.reject_literal();
                        self.fail(format!(
                            "the server sent more than this client keeps ({size}-byte literal)"
                        ));
                    } else {
                        self.framer.accept_literal();
                    }
                }
                Some(Frame::TooLong(_)) => self.fail("response line too long".into()),
                Some(Frame::Discarded) => {}
                None if n == 0 => break,
                None => {}
            }
        }
    }

    fn handle_timeout(&mut self, _: &mut (), now: Instant) {
        if now >= self.deadline && !self.out.is_closed() {
            self.fail("no reply (timed out)".into());
        }
    }

    /// The server closed: after LOGOUT was sent that is the end; before, a failure.
    fn handle_close(&mut self, _: &mut (), _: Instant) {
        if !self.out.is_closed() {
            match self.result.take() {
                Some(outcome) => self.finish(outcome),
                None => self.fail("the server closed the connection".into()),
            }
        }
        self.out.mark_closed();
    }

    fn poll_output(&mut self) -> Option<Output<ImapClientEvent>> {
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
