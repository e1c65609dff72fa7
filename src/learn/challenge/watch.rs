//! What was observed since a challenge started: every mail connection's commands paired with
//! the server's answers, and the world's events (from the journey's hops).
//!
//! Nothing here reads a protocol: the commands, the replies and which command each answers are
//! the typed records the server's recorder wrote (see [`crate::proto::record`]); the protocol
//! is the one of the service the connection reached.

use super::data::ReplyClass;
use crate::net::{ConnId, TraceKind};
use crate::ordered::{SortedMap, SortedSet};
use crate::proto::record::{Answers, DataKind, Record, ReplyLine};
use crate::proto::verb::{Pop3Verb, SmtpVerb, Verb};
use crate::sandbox::journey::Hop;
use crate::sandbox::{HostRole, World, WorldEvent};
use crate::store::Store;
use std::collections::VecDeque;

pub use crate::proto::record::Protocol;

/// Connections remembered (the oldest is forgotten past this).
const MAX_CONVERSATIONS: usize = 64;
/// Commands remembered per connection (the oldest go first).
const MAX_EXCHANGES: usize = 512;
/// Events remembered.
const MAX_EVENTS: usize = 1024;
/// Untagged response names remembered per command.
const MAX_UNTAGGED: usize = 16;

/// One command and what the server answered to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Typed by the protocol's recorder (`end of DATA` for the lone dot ending message text).
    pub verb: Verb,
    /// Arguments with single spaces, secrets left out (see [`crate::proto::record::Command`]).
    pub args: String,
    /// The exchange number its replies name.
    id: u32,
    /// The account the command logs in as, if it is a login.
    login: Option<String>,
    /// The final answer, once it came.
    pub reply: Option<ReplyClass>,
    /// It came inside TLS (the connection's handshake had finished).
    pub encrypted: bool,
    /// IMAP untagged responses received while it ran (`EXISTS`, `SEARCH`, `FETCH`), upper case.
    pub untagged: Vec<String>,
}

/// One connection to a mail server, as observed.
#[derive(Debug)]
pub struct Conversation {
    /// The server's host name.
    pub server: String,
    pub port: u16,
    /// What the service the connection reached speaks.
    pub protocol: Protocol,
    /// Opened from a client PC (a terminal or the mail client), not by a relay.
    pub from_pc: bool,
    /// Opened from a client PC and not marked as the mail client's: typed in a terminal.
    pub typed: bool,
    /// The account that logged in (USER/PASS, APOP, LOGIN, AUTH PLAIN), by address.
    pub user: Option<String>,
    /// Its TLS handshake finished (the server's typed record said so).
    pub secured: bool,
    exchanges: VecDeque<Exchange>,
}

/// What has been observed since a watch started.
#[derive(Debug, Default)]
pub struct Observed {
    /// The trace index read up to.
    next_trace: u64,
    /// The record number read up to.
    next_record: u64,
    conversations: SortedMap<ConnId, Conversation>,
    events: VecDeque<WorldEvent>,
    /// Connections the page's mail client opened (see [`Observed::mark_mail_client`]).
    mail_client: SortedSet<ConnId>,
}

impl Observed {
    /// Starts at the current end of the trace: what happened before does not count.
    pub fn new(world: &World) -> Observed {
        Observed {
            next_trace: world.net.trace.total,
            next_record: world.records_total(),
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

    /// Reads the connections and records since the last call, and takes the events out of
    /// `hops`.
    pub fn observe(&mut self, world: &World, hops: &[Hop]) {
        for e in world.net.trace.since(self.next_trace) {
            if e.kind != TraceKind::Connect {
                continue;
            }
            // The service registered where it connected (asked of the world, not the port).
            let service = world.service_on(e.server, e.port);
            let Some(protocol) = service.and_then(|s| s.protocol()) else {
                continue;
            };
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
        self.next_trace = world.net.trace.total;
        for r in world.records_since(self.next_record) {
            if let Some(c) = self.conversations.get_mut(&r.conn) {
                c.record(&r.record, &world.store);
            }
        }
        self.next_record = world.records_total();
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
            secured: false,
            exchanges: VecDeque::new(),
        }
    }

    pub fn exchanges(&self) -> impl Iterator<Item = &Exchange> {
        self.exchanges.iter()
    }

    fn position(&self, id: u32) -> Option<usize> {
        self.exchanges.iter().rposition(|e| e.id == id)
    }

    fn push(&mut self, verb: Verb, args: String, id: u32, login: Option<String>) {
        if self.exchanges.len() >= MAX_EXCHANGES {
            self.exchanges.pop_front();
        }
        self.exchanges.push_back(Exchange {
            verb,
            args,
            id,
            login,
            reply: None,
            encrypted: self.secured,
            untagged: Vec::new(),
        });
    }

    fn record(&mut self, record: &Record, store: &Store) {
        match record {
            Record::Command(c) if c.is_known => {
                self.push(c.verb.clone(), c.args.clone(), c.id, c.login.clone());
            }
            Record::Tls(crate::proto::record::TlsRecord::Started { .. }) => self.secured = true,
            Record::Command(_) | Record::Tls(_) => {}
            Record::Data(d) => match (&d.kind, d.id) {
                (DataKind::MessageText, Some(id)) => {
                    self.push(Verb::Smtp(SmtpVerb::EndOfData), String::new(), id, None);
                }
                (DataKind::SaslResponse { login: Some(login) }, _) => {
                    let auth = self.exchanges.iter_mut().rev().find(|e| e.verb.is_sasl());
                    if let Some(e) = auth.filter(|e| e.login.is_none()) {
                        e.login = Some(login.clone());
                    }
                }
                _ => {}
            },
            Record::Reply(r) => {
                let Answers::Exchange(id) = r.answers else {
                    return;
                };
                let Some(at) = self.position(id) else {
                    return;
                };
                if let Some(name) = untagged_name(&r.line) {
                    let e = &mut self.exchanges[at];
                    if !e.untagged.contains(&name) && e.untagged.len() < MAX_UNTAGGED {
                        e.untagged.push(name);
                    }
                    return;
                }
                if let Some(class) = reply_class(&r.line, r.is_final) {
                    self.exchanges[at].reply = Some(class);
                    if class == ReplyClass::Ok {
                        self.note_login(at, store);
                    }
                }
            }
        }
    }

    /// A login command (`APOP`, `LOGIN`, `AUTH`/`AUTHENTICATE` PLAIN) that succeeded logs in;
    /// a POP3 `PASS` logs in as the `USER` just before it.
    fn note_login(&mut self, at: usize, store: &Store) {
        let e = &self.exchanges[at];
        let login = match e.verb {
            Verb::Pop3(Pop3Verb::User) => None,
            Verb::Pop3(Pop3Verb::Pass) => at
                .checked_sub(1)
                .and_then(|u| self.exchanges.get(u))
                .filter(|u| u.verb == Verb::Pop3(Pop3Verb::User))
                .and_then(|u| u.login.clone()),
            _ => e.login.clone(),
        };
        if let Some(login) = login {
            self.user = store
                .resolve_login(&login, &self.server)
                .map(|a| a.address.clone());
        }
    }
}

/// The name of an IMAP untagged response (`EXISTS`, `SEARCH`, `OK`).
fn untagged_name(line: &ReplyLine) -> Option<String> {
    match line {
        ReplyLine::ImapData { name } => Some(name.clone()),
        ReplyLine::ImapStatus {
            tagged: false,
            status,
            ..
        } => Some(status.name().to_string()),
        _ => None,
    }
}

/// How a reply ends its command: SMTP's last line (RFC 5321 §4.2), POP3's status (RFC 1939
/// §3), IMAP's tagged OK, NO or BAD (RFC 3501 §7.1).
fn reply_class(line: &ReplyLine, is_final: bool) -> Option<ReplyClass> {
    let class = |failed: bool| {
        if failed {
            ReplyClass::Error
        } else {
            ReplyClass::Ok
        }
    };
    match line {
        ReplyLine::Smtp { .. } if is_final => Some(class(line.is_failure())),
        ReplyLine::Pop3Status { ok, .. } => Some(class(!ok)),
        ReplyLine::ImapStatus {
            tagged: true,
            status,
            ..
        } => match status {
            crate::proto::record::ImapStatus::Ok => Some(ReplyClass::Ok),
            crate::proto::record::ImapStatus::No | crate::proto::record::ImapStatus::Bad => {
                Some(ReplyClass::Error)
            }
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_world;
    use crate::time::Duration;

    #[test]
    fn pop3_multi_line_answers_are_skipped_to_their_dot() {
        let (mut w, d) = default_world(1);
        let mut seen = Observed::new(&w);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(
            c,
            b"USER boss\r\nPASS boss\r\nRETR 1\r\nNOOP\r\nRETR 99\r\n",
        );
        let t = w.now() + Duration::from_millis(500);
        w.run_until(t);
        seen.observe(&w, &[]);
        let conv = seen.conversations().next().unwrap();
        let replies: Vec<_> = conv.exchanges().map(|e| e.reply).collect();
        assert_eq!(
            replies,
            [
                Some(ReplyClass::Ok),
                Some(ReplyClass::Ok),
                Some(ReplyClass::Ok),
                Some(ReplyClass::Ok),
                Some(ReplyClass::Error)
            ]
        );
        assert_eq!(conv.user.as_deref(), Some("boss@corp.example"));
    }
}
