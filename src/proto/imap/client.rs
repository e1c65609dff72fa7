//! The IMAP client session (RFC 3501): LOGIN, one action on a folder or a message, LOGOUT.
//! Commands go one at a time, each with its own tag, so every tagged completion belongs to
//! the command before it; untagged LIST and FETCH data seen on the way make the outcome.
//!
//! Responses are framed by the server's own [`Framer`] (lines and literals, RFC 3501 §4.3)
//! within limits: a line of [`MAX_LINE`] octets, a literal of [`MAX_LITERAL`], and at most
//! [`MAX_COLLECTED`] octets of message data per session. APPEND sends its message as a
//! synchronizing literal after the server's `+` continuation (§7.5). The session reports
//! exactly one [`ImapClientEvent::Done`], then closes.

mod tokens;

pub use tokens::{imap_quote, tokenize, Tok};

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

/// IMAP actions on one message or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAction {
    /// LIST, SELECT `folder`, fetch every message (BODY.PEEK[]).
    Open { folder: String },
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
    pub raw: Vec<u8>,
}

/// What a finished session produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapOutcome {
    /// [`ImapAction::Open`]: the folders and the selected folder's messages.
    Mailbox {
        folders: Vec<FolderEntry>,
        messages: Vec<ImapMessage>,
    },
    /// Any other action succeeded; the text of its tagged OK.
    Done(String),
}

/// What the client tells its driver: exactly one `Done`, then `Close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapClientEvent {
    Done(Result<ImapOutcome, String>),
}

/// What the client waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Waiting {
    Greeting,
    /// The tagged completion of the command with this tag.
    Tagged(String),
    /// A `+` continuation, to send this literal for the command with this tag.
    Continuation(String, Vec<u8>),
    Done,
}

/// The IMAP client session.
#[derive(Debug)]
pub struct ImapClient {
    script: Script,
    /// Whether this is [`ImapAction::Open`] (collects folders and messages).
    open: bool,
    framer: Framer,
    waiting: Waiting,
    next_tag: u32,
    out: OutputQueue<ImapClientEvent>,
    deadline: Instant,
    folders: Vec<FolderEntry>,
    messages: Vec<ImapMessage>,
    collected: u64,
    last_text: String,
    /// The outcome once known (when LOGOUT is sent).
    result: Option<ImapOutcome>,
}

/// Removes CR and LF so job fields can never inject a command.
fn one_line(s: &str) -> String {
    s.chars().filter(|&c| c != '\r' && c != '\n').collect()
}

/// Commands still to send, last first: (command without tag, literal to send after `+`).
type Script = Vec<(String, Option<Vec<u8>>)>;

/// The commands of a job, last first, and whether it opens a folder.
fn script_of(job: ImapJob) -> (Script, bool) {
    let mut script = vec![(
        format!(
            "LOGIN {} {}",
            imap_quote(&job.user),
            imap_quote(&job.password)
        ),
        None,
    )];
    let sel = |f: &str| format!("SELECT {}", imap_quote(f));
    let mut open = false;
    match job.action {
        ImapAction::Open { folder } => {
            open = true;
            script.push(("LIST \"\" \"*\"".into(), None));
            script.push((sel(&folder), None));
            script.push(("UID FETCH 1:* (UID FLAGS BODY.PEEK[])".into(), None));
        }
        ImapAction::Flag {
            folder,
            uid,
            flag,
            on,
        } => {
            script.push((sel(&folder), None));
            let sign = if on { '+' } else { '-' };
            let flag = one_line(&flag);
            script.push((format!("UID STORE {uid} {sign}FLAGS ({flag})"), None));
        }
        ImapAction::Move { folder, uid, to } => {
            script.push((sel(&folder), None));
            script.push((format!("UID MOVE {uid} {}", imap_quote(&to)), None));
        }
        ImapAction::Delete { folder, uid } => {
            script.push((sel(&folder), None));
            script.push((format!("UID STORE {uid} +FLAGS (\\Deleted)"), None));
            script.push(("EXPUNGE".into(), None));
        }
        ImapAction::Append { folder, raw } => {
            let line = format!("APPEND {} {{{}}}", imap_quote(&folder), raw.len());
            script.push((line, Some(raw)));
        }
    }
    script.push(("LOGOUT".into(), None));
    script.reverse();
    (script, open)
}

impl ImapClient {
    /// A client waiting for the server's greeting.
    pub fn new(now: Instant, job: ImapJob) -> Self {
        let (script, open) = script_of(job);
        ImapClient {
            script,
            open,
            framer: Framer::new(MAX_LINE),
            waiting: Waiting::Greeting,
            next_tag: 0,
            out: OutputQueue::default(),
            deadline: now + REPLY_TIMEOUT,
            folders: Vec::new(),
            messages: Vec::new(),
            collected: 0,
            last_text: String::new(),
            result: None,
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
        let Some((line, literal)) = self.script.pop() else {
            let outcome = self.result.take().unwrap_or_else(|| self.outcome());
            return self.finish(Ok(outcome));
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

    fn outcome(&mut self) -> ImapOutcome {
        if self.open {
            ImapOutcome::Mailbox {
                folders: std::mem::take(&mut self.folders),
                messages: std::mem::take(&mut self.messages),
            }
        } else {
            ImapOutcome::Done(self.last_text.clone())
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
                    "OK" | "PREAUTH" => self.send_next(now),
                    _ => self.fail(format!("{status} {rest}")),
                };
            }
            if status == "BYE" && self.script.is_empty() {
                return; // The answer to LOGOUT, before its tagged OK.
            }
            return self.on_untagged(&resp);
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

    /// Untagged data: LIST and FETCH are kept for the outcome, the rest is noted only.
    fn on_untagged(&mut self, resp: &[u8]) {
        if !self.open {
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
        let (true, Some(Tok::List(items))) = (word(2) == "FETCH", toks.get(3)) else {
            return;
        };
        let mut m = ImapMessage {
            uid: 0,
            flags: Vec::new(),
            raw: Vec::new(),
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
                k if k.starts_with("BODY[") => {
                    if let Tok::Str(s) = v {
                        m.raw = s.clone();
                    }
                }
                _ => {}
            }
        }
        if m.uid != 0 {
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
                Some(Frame::Command(resp)) => self.on_response(now, resp),
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
                Some(outcome) => self.finish(Ok(outcome)),
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
