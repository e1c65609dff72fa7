//! What was observed since a challenge started: every mail connection's commands paired with
//! the server's answers (read off the trace, the client side with the journey's command reader,
//! the server side with [`ReplyReader`]), and the world's events (from the journey's hops).
//!
//! Answers are paired with commands the way each protocol pairs them: SMTP replies come in
//! command order, one final reply each (RFC 5321 §4.2, RFC 2920 §3 for pipelining; `334` is an
//! AUTH challenge, not an answer, RFC 4954 §4); POP3 status lines likewise (RFC 1939 §3, with
//! multi-line bodies skipped up to their lone dot); IMAP by tag, untagged responses going to the
//! command under way (RFC 3501 §2.2.2), literals skipped by their byte count (§4.3).

use super::data::ReplyClass;
use crate::net::{ConnId, Side, TraceKind};
use crate::sandbox::journey::{ClientCommand, Hop, Reader};
use crate::sandbox::{HostRole, World, WorldEvent};
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Connections remembered (the oldest is forgotten past this).
const MAX_CONVERSATIONS: usize = 64;
/// Commands remembered per connection (the oldest go first).
const MAX_EXCHANGES: usize = 512;
/// Events remembered.
const MAX_EVENTS: usize = 1024;
/// Untagged response names remembered per command.
const MAX_UNTAGGED: usize = 16;
/// Bytes of a server line kept for reading its start.
const LINE_HEAD: usize = 256;
/// Bytes of a server line's end kept for finding a literal's `{n}`.
const LINE_TAIL: usize = 24;

/// One command and what the server answered to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub verb: String,
    /// Arguments with single spaces, secrets left out (see the journey's `ClientCommand`).
    pub args: String,
    tag: Option<String>,
    /// The account the command logs in as, if it is a login.
    login: Option<String>,
    /// The final answer, once it came.
    pub reply: Option<ReplyClass>,
    /// IMAP untagged responses received while it ran (`EXISTS`, `SEARCH`, `FETCH`), upper case.
    pub untagged: Vec<String>,
}

/// Which protocol a connection speaks, from its port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Smtp,
    Pop3,
    Imap,
}

impl Protocol {
    pub fn of_port(port: u16) -> Option<Protocol> {
        match port {
            25 | 587 | 465 => Some(Protocol::Smtp),
            110 | 995 => Some(Protocol::Pop3),
            143 | 993 => Some(Protocol::Imap),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Pop3 => "POP3",
            Protocol::Imap => "IMAP",
        }
    }
}

/// One connection to a mail server, as observed.
#[derive(Debug)]
pub struct Conversation {
    /// The server's host name.
    pub server: String,
    pub port: u16,
    pub protocol: Protocol,
    /// Opened from a client PC (a terminal or the mail client), not by a relay.
    pub from_pc: bool,
    /// Opened from a client PC and not marked as the mail client's: typed in a terminal.
    pub typed: bool,
    /// The account that logged in (USER/PASS, APOP, LOGIN, AUTH PLAIN), by address.
    pub user: Option<String>,
    exchanges: VecDeque<Exchange>,
    /// Exchanges forgotten from the front (absolute index = `dropped` + position).
    dropped: usize,
    /// SMTP/POP3: absolute indexes of the commands waiting for their answer, oldest first.
    pending: VecDeque<usize>,
    commands: Reader,
    replies: ReplyReader,
    /// The server's greeting has come (it answers no command).
    greeted: bool,
    /// POP3: inside a multi-line answer.
    in_multiline: bool,
}

/// What has been observed since a watch started.
#[derive(Debug, Default)]
pub struct Observed {
    /// The trace index read up to.
    next_trace: u64,
    conversations: BTreeMap<ConnId, Conversation>,
    events: VecDeque<WorldEvent>,
    /// Connections the page's mail client opened (see [`Observed::mark_mail_client`]).
    mail_client: BTreeSet<ConnId>,
}

impl Observed {
    /// Starts at the current end of the trace: what happened before does not count.
    pub fn new(world: &World) -> Observed {
        Observed {
            next_trace: world.net.trace.total,
            ..Observed::default()
        }
    }

    /// Says that `conn` is the page's mail client's, not typed in a terminal.
    pub fn mark_mail_client(&mut self, conn: ConnId) {
        self.mail_client.insert(conn);
        while self.mail_client.len() > MAX_CONVERSATIONS {
            self.mail_client.pop_first();
        }
        if let Some(c) = self.conversations.get_mut(&conn) {
            c.typed = false;
        }
    }

    pub fn conversations(&self) -> impl Iterator<Item = &Conversation> {
        self.conversations.values()
    }

    pub fn events(&self) -> impl Iterator<Item = &WorldEvent> {
        self.events.iter()
    }

    /// Reads the trace since the last call, and takes the events out of `hops`.
    pub fn observe(&mut self, world: &World, hops: &[Hop]) {
        for e in world.net.trace.since(self.next_trace) {
            let Some(protocol) = Protocol::of_port(e.port) else {
                continue;
            };
            match &e.kind {
                TraceKind::Connect => {
                    let from_pc = world
                        .host_info(e.client)
                        .is_some_and(|h| h.role == HostRole::Client);
                    let typed = from_pc && !self.mail_client.contains(&e.conn);
                    let c = Conversation::new(world.net.host_name(e.server), e.port, protocol);
                    let c = Conversation {
                        from_pc,
                        typed,
                        ..c
                    };
                    self.conversations.insert(e.conn, c);
                    while self.conversations.len() > MAX_CONVERSATIONS {
                        self.conversations.pop_first();
                    }
                }
                TraceKind::Data(bytes) => {
                    if let Some(c) = self.conversations.get_mut(&e.conn) {
                        match e.from {
                            Side::Client => c.client_bytes(bytes),
                            Side::Server => c.server_bytes(bytes, &world.store),
                        }
                    }
                }
                TraceKind::Failed(_) | TraceKind::Close | TraceKind::Dropped => {}
            }
        }
        self.next_trace = world.net.trace.total;
        for hop in hops {
            if let Hop::Event(e) = hop {
                if !matches!(e, WorldEvent::SessionState { .. }) {
                    self.events.push_back(e.clone());
                    if self.events.len() > MAX_EVENTS {
                        self.events.pop_front();
                    }
                }
            }
        }
    }
}

impl Conversation {
    fn new(server: &str, port: u16, protocol: Protocol) -> Conversation {
        Conversation {
            server: server.to_string(),
            port,
            protocol,
            from_pc: false,
            typed: false,
            user: None,
            exchanges: VecDeque::new(),
            dropped: 0,
            pending: VecDeque::new(),
            commands: Reader::default(),
            replies: ReplyReader::default(),
            greeted: false,
            in_multiline: false,
        }
    }

    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.iter()
    }

    fn get_mut(&mut self, absolute: usize) -> Option<&mut Exchange> {
        let i = absolute.checked_sub(self.dropped)?;
        self.exchanges.get_mut(i)
    }

    fn client_bytes(&mut self, bytes: &[u8]) {
        for ClientCommand {
            tag,
            verb,
            args,
            login,
        } in self.commands.read(self.port, bytes)
        {
            if self.exchanges.len() >= MAX_EXCHANGES {
                self.exchanges.pop_front();
                self.dropped += 1;
            }
            if self.protocol != Protocol::Imap {
                self.pending.push_back(self.dropped + self.exchanges.len());
            }
            self.exchanges.push_back(Exchange {
                verb,
                args,
                tag,
                login,
                reply: None,
                untagged: Vec::new(),
            });
            while self.pending.len() > MAX_EXCHANGES {
                self.pending.pop_front();
            }
        }
    }

    fn server_bytes(&mut self, bytes: &[u8], store: &Store) {
        let protocol = self.protocol;
        let mut lines = Vec::new();
        self.replies
            .push(bytes, protocol == Protocol::Imap, |l| lines.push(l));
        for line in lines {
            match protocol {
                Protocol::Smtp => self.smtp_line(&line, store),
                Protocol::Pop3 => self.pop3_line(&line, store),
                Protocol::Imap => self.imap_line(&line, store),
            }
        }
    }

    /// The oldest command still waiting for its answer gets `reply`.
    fn answer_next(&mut self, reply: ReplyClass) -> Option<usize> {
        let at = self.pending.pop_front()?;
        let e = self.get_mut(at)?;
        e.reply = Some(reply);
        Some(at)
    }

    /// RFC 5321 §4.2: `ddd ` ends a reply, `ddd-` continues it.
    fn smtp_line(&mut self, line: &str, store: &Store) {
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
        let Some(code) = code else {
            return;
        };
        if line.as_bytes().get(3) == Some(&b'-') {
            return;
        }
        if !self.greeted {
            self.greeted = true;
            return;
        }
        if code == 334 {
            return;
        }
        let class = if code < 400 {
            ReplyClass::Ok
        } else {
            ReplyClass::Error
        };
        if let Some(at) = self.answer_next(class) {
            self.note_login(at, class, store);
        }
    }

    /// RFC 1939 §3: `+OK` / `-ERR`, multi-line answers end with a lone dot.
    fn pop3_line(&mut self, line: &str, store: &Store) {
        if self.in_multiline {
            self.in_multiline = line != ".";
            return;
        }
        let class = if line.starts_with("+OK") {
            ReplyClass::Ok
        } else if line.starts_with("-ERR") {
            ReplyClass::Error
        } else {
            return;
        };
        if !self.greeted {
            self.greeted = true;
            return;
        }
        let Some(at) = self.answer_next(class) else {
            return;
        };
        if class == ReplyClass::Error {
            return;
        }
        self.in_multiline = self.get_mut(at).is_some_and(|e| match e.verb.as_str() {
            "RETR" | "TOP" | "CAPA" => true,
            "LIST" | "UIDL" | "AUTH" => e.args.is_empty(),
            _ => false,
        });
        if self.get_mut(at).is_some_and(|e| e.verb == "PASS") {
            // The USER command just before this PASS names the account.
            let user = at
                .checked_sub(1)
                .and_then(|u| self.get_mut(u))
                .filter(|u| u.verb == "USER")
                .and_then(|u| u.login.clone());
            if let Some(user) = user {
                self.log_in(&user, store);
            }
        } else {
            self.note_login(at, class, store);
        }
    }

    /// A login command (`APOP`, `LOGIN`, `AUTH`/`AUTHENTICATE` PLAIN) that succeeded logs in.
    fn note_login(&mut self, at: usize, class: ReplyClass, store: &Store) {
        let login = self
            .get_mut(at)
            .filter(|e| e.verb != "USER")
            .and_then(|e| e.login.clone());
        if let (ReplyClass::Ok, Some(login)) = (class, login) {
            self.log_in(&login, store);
        }
    }

    /// RFC 3501 §2.2.2: tagged answers end a command, untagged ones report on the way.
    fn imap_line(&mut self, line: &str, store: &Store) {
        let mut words = line.split_ascii_whitespace();
        let Some(first) = words.next() else {
            return;
        };
        if first == "+" {
            return;
        }
        if first == "*" {
            let Some(mut name) = words.next() else {
                return;
            };
            if name.bytes().all(|b| b.is_ascii_digit()) {
                name = words.next().unwrap_or("");
            }
            let name = name.to_ascii_uppercase();
            let running = self.exchanges.iter_mut().rev().find(|e| e.reply.is_none());
            if let Some(e) = running {
                if !e.untagged.contains(&name) && e.untagged.len() < MAX_UNTAGGED {
                    e.untagged.push(name);
                }
            }
            return;
        }
        let class = match words.next().map(str::to_ascii_uppercase).as_deref() {
            Some("OK") => ReplyClass::Ok,
            Some("NO" | "BAD") => ReplyClass::Error,
            _ => return,
        };
        let done = self
            .exchanges
            .iter_mut()
            .rev()
            .find(|e| e.reply.is_none() && e.tag.as_deref() == Some(first));
        let Some(e) = done else {
            return;
        };
        e.reply = Some(class);
        if let (ReplyClass::Ok, Some(login)) = (class, e.login.clone()) {
            self.log_in(&login, store);
        }
    }

    fn log_in(&mut self, login: &str, store: &Store) {
        self.user = store
            .resolve_login(login, &self.server)
            .map(|a| a.address.clone());
    }
}

/// Splits a server's byte stream into lines, keeping only each line's start (and, for IMAP,
/// skipping literals: a line ending in `{n}` is followed by n bytes of data, RFC 3501 §4.3).
#[derive(Debug, Default)]
struct ReplyReader {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    /// Bytes of an IMAP literal still to skip.
    literal_left: u64,
    /// The current line continues a response that had a literal (its start was read already).
    continued: bool,
}

impl ReplyReader {
    fn push(&mut self, bytes: &[u8], literals: bool, mut line: impl FnMut(String)) {
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.literal_left > 0 {
                let n = rest
                    .len()
                    .min(usize::try_from(self.literal_left).unwrap_or(usize::MAX));
                self.literal_left -= n as u64;
                rest = rest.get(n..).unwrap_or(&[]);
                continue;
            }
            let Some((&b, after)) = rest.split_first() else {
                break;
            };
            rest = after;
            if b != b'\n' {
                if self.head.len() < LINE_HEAD {
                    self.head.push(b);
                }
                self.tail.push_back(b);
                if self.tail.len() > LINE_TAIL {
                    self.tail.pop_front();
                }
                continue;
            }
            let head = std::mem::take(&mut self.head);
            let tail: Vec<u8> = std::mem::take(&mut self.tail).into();
            if !self.continued {
                let text = String::from_utf8_lossy(&head);
                line(text.trim_end_matches('\r').to_string());
            }
            self.continued = false;
            if literals {
                if let Some(n) = literal_size(&tail) {
                    self.literal_left = n;
                    self.continued = true;
                }
            }
        }
    }
}

/// The `n` of a line ending in `{n}` (or `{n+}`).
fn literal_size(tail: &[u8]) -> Option<u64> {
    let t = tail.strip_suffix(b"\r").unwrap_or(tail);
    let t = t.strip_suffix(b"}")?;
    let t = t.strip_suffix(b"+").unwrap_or(t);
    let open = t.iter().rposition(|&b| b == b'{')?;
    let digits = t.get(open + 1..)?;
    if digits.is_empty() || digits.len() > 12 {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(r: &mut ReplyReader, bytes: &[u8], literals: bool) -> Vec<String> {
        let mut out = Vec::new();
        r.push(bytes, literals, |l| out.push(l));
        out
    }

    #[test]
    fn an_imap_literal_is_skipped_even_when_its_lines_look_like_replies() {
        let mut r = ReplyReader::default();
        let body = "a3 OK fake\r\n* 9 EXISTS\r\n";
        let stream = format!(
            "* 1 FETCH (BODY[] {{{}}}\r\n{body})\r\na3 OK FETCH done\r\n",
            body.len()
        );
        // Split anywhere: the literal's count carries across reads.
        let (a, b) = stream.as_bytes().split_at(30);
        let mut got = lines(&mut r, a, true);
        got.extend(lines(&mut r, b, true));
        assert_eq!(got, ["* 1 FETCH (BODY[] {24}", "a3 OK FETCH done"]);
        // Without literals (SMTP, POP3) every line counts.
        let mut r = ReplyReader::default();
        assert_eq!(lines(&mut r, b"x {3}\r\nabc\r\n", false), ["x {3}", "abc"]);
    }

    #[test]
    fn a_long_server_line_keeps_its_start_and_its_literal() {
        let mut r = ReplyReader::default();
        let mut line = vec![b'*'; 5000];
        line.extend_from_slice(b" {2}\r\nxy\r\na1 OK\r\n");
        let got = lines(&mut r, &line, true);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].len(), LINE_HEAD);
        assert_eq!(got[1], "a1 OK");
    }

    #[test]
    fn pop3_multi_line_answers_are_skipped_to_their_dot() {
        let mut c = Conversation::new("mx.corp.example", 110, Protocol::Pop3);
        let store = Store::new();
        c.server_bytes(b"+OK ready\r\n", &store);
        c.client_bytes(b"RETR 1\r\nNOOP\r\n");
        c.server_bytes(
            b"+OK 20 octets\r\n-ERR not a reply\r\n.\r\n-ERR no\r\n",
            &store,
        );
        let replies: Vec<_> = c.exchanges().map(|e| e.reply).collect();
        assert_eq!(replies, [Some(ReplyClass::Ok), Some(ReplyClass::Error)]);
    }
}
