//! The POP3 server session (RFC 1939), with CAPA and response codes (RFC 2449), SASL AUTH
//! (RFC 5034, mechanism PLAIN of RFC 4616), the `[AUTH]`/`[SYS/...]` codes of RFC 3206, and
//! STLS (RFC 2595 §4) where the host offers TLS (see `stls.rs`).
//!
//! A session walks through the three states of RFC 1939 §3:
//!
//! * AUTHORIZATION: the client identifies itself with USER/PASS, APOP or AUTH PLAIN. On
//!   success the session takes the exclusive maildrop lock (RFC 1939 §4) and snapshots the
//!   INBOX: message numbers then stay fixed for the whole session (RFC 1939 §4).
//! * TRANSACTION: STAT, LIST, UIDL, RETR, TOP, DELE, NOOP, RSET. DELE only marks.
//! * UPDATE: entered by QUIT only. The marked messages are removed in one store call, the lock
//!   is released and the connection closes. A dropped connection or an idle timeout never
//!   enters UPDATE, so nothing is deleted (RFC 1939 §6).
//!
//! The session is sans-IO (see [`crate::session`]): the driver passes in bytes, the time and a
//! [`HostCtx`]. The lock lives in the store, so a driver must call
//! [`Session::handle_close`] when a connection goes away, or the maildrop stays locked.

mod authorization;
pub mod client;
pub mod command;
mod maildrop;
pub mod record;
mod stls;
mod transaction;

#[cfg(test)]
mod tests;

use crate::proto::starttls::TlsOffer;
use crate::proto::HostCtx;
use crate::session::{Output, OutputQueue, SecretInput, Session};
use crate::store::Store;
use crate::time::{Duration, Instant};
use crate::wire::line::{Line, LineReader};
use command::{parse_line, ParseError, Request, Verb};
use maildrop::Maildrop;

pub use authorization::apop_digest;

/// True when a server reply ends the session: a greeting other than `+OK` refuses the
/// connection (RFC 1939 §4); other `-ERR` replies leave it open (RFC 1939 §3).
pub fn reply_closes_session(text: &str, greeting: bool) -> bool {
    greeting && !text.starts_with('+')
}

/// The three states of a POP3 session (RFC 1939 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pop3State {
    /// Before the client has identified itself.
    Authorization,
    /// Logged in, maildrop locked: the client reads and marks messages.
    Transaction,
    /// After QUIT: deletions are applied and the session ends.
    Update,
}

/// What a POP3 session tells its driver and the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pop3Event {
    /// The session moved to a new state.
    State(Pop3State),
    /// A client logged in as this account address.
    LoggedIn(String),
    /// The line just read carries a secret (PASS, APOP, AUTH's initial or later response).
    Secret(SecretInput),
    /// `+OK Begin TLS negotiation` is queued (RFC 2595 §4): put TLS between the connection
    /// and this session now; what it reads next comes from inside TLS.
    StartTls,
}

/// RFC 1939 §3: an autologout timer "MUST be of at least 10 minutes' duration".
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// Longest accepted command line, CRLF included. RFC 2449 §4 limits clients to 255 octets;
/// the server is liberal up to this many.
pub const MAX_LINE: usize = 512;
/// Unknown or malformed commands tolerated before login; the next one closes the connection.
pub const MAX_BAD_COMMANDS: u32 = 10;
/// Failed logins tolerated; the last one closes the connection.
pub const MAX_FAILED_LOGINS: u32 = 3;

/// What the next input line is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pending {
    /// A command.
    Command,
    /// A command, and USER has named this login (RFC 1939 §7: PASS must follow).
    Password { login: String },
    /// The client's response to the `+ ` challenge of AUTH PLAIN (RFC 5034 §4).
    SaslPlain,
}

/// A POP3 server session on one connection.
#[derive(Debug)]
pub struct Pop3Session {
    lines: LineReader,
    out: OutputQueue<Pop3Event>,
    state: Pop3State,
    pending: Pending,
    /// The APOP timestamp of the greeting, angle brackets included (RFC 1939 §7).
    timestamp: String,
    bad_commands: u32,
    failed_logins: u32,
    idle_deadline: Instant,
    /// The locked maildrop, from login until the lock is released.
    maildrop: Option<Maildrop>,
    /// Client bytes read so far (where the line being handled ends, for [`SecretInput`]).
    input_seen: u64,
    /// What the session may say about TLS (see [`TlsOffer`]).
    tls: TlsOffer,
}

impl Pop3Session {
    /// Starts a session and queues the greeting, whose msg-id style timestamp
    /// `<session_id.unix-time@host>` is the APOP challenge (RFC 1939 §4 and §7). Session ids
    /// must be unique per host so that no two greetings share a timestamp.
    pub fn new(now: Instant, ctx: &mut HostCtx<'_>, session_id: u64) -> Self {
        let timestamp = format!("<{session_id}.{}@{}>", ctx.clock.unix(now), ctx.host);
        let mut out = OutputQueue::default();
        out.transmit(format!("+OK POP3 server ready {timestamp}\r\n"));
        Pop3Session {
            lines: LineReader::new(MAX_LINE),
            out,
            state: Pop3State::Authorization,
            pending: Pending::Command,
            timestamp,
            bad_commands: 0,
            failed_logins: 0,
            idle_deadline: now + IDLE_TIMEOUT,
            maildrop: None,
            input_seen: 0,
            tls: TlsOffer::OFF,
        }
    }

    /// Sets what the session may say about TLS ([`TlsOffer::OFF`] unless set); `secured` on
    /// an implicit-TLS port (995, RFC 8314 §3.1).
    pub fn with_tls(mut self, tls: TlsOffer) -> Self {
        self.tls = tls;
        self
    }

    /// The current state (RFC 1939 §3).
    pub fn state(&self) -> Pop3State {
        self.state
    }

    /// True when the next input line is a command (not the answer to AUTH's `+ ` challenge)
    /// and no part of one is buffered: what a layer in front of the session may match.
    pub fn is_reading_command(&self) -> bool {
        self.pending != Pending::SaslPlain && self.lines.pending() == 0
    }

    /// The APOP timestamp sent in the greeting, e.g. `<1.1793610000@mx.corp.example>`.
    pub fn apop_timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The account logged in, once in TRANSACTION.
    pub fn user(&self) -> Option<&str> {
        self.maildrop.as_ref().map(|m| m.user.as_str())
    }

    fn reply(&mut self, line: impl AsRef<str>) {
        self.out.transmit(format!("{}\r\n", line.as_ref()));
    }

    /// Sends a multi-line reply: the status line, then `body`, byte-stuffed and terminated by
    /// `.` CRLF (RFC 1939 §3).
    fn reply_multiline(&mut self, status: impl AsRef<str>, body: &[u8]) {
        let mut bytes = format!("{}\r\n", status.as_ref()).into_bytes();
        crate::wire::dot::stuff_into(&mut bytes, body);
        self.out.transmit(bytes);
    }

    /// Marks the line just read as carrying a secret after its first `shown_words` words.
    fn mark_secret(&mut self, shown_words: u8) {
        self.out.event(Pop3Event::Secret(SecretInput {
            end: self.input_seen,
            shown_words,
        }));
    }

    fn set_state(&mut self, state: Pop3State) {
        if self.state != state {
            self.state = state;
            self.out.event(Pop3Event::State(state));
        }
    }

    /// Releases the maildrop lock, if held, without touching any message.
    fn release_lock(&mut self, store: &mut Store) {
        if let Some(maildrop) = self.maildrop.take() {
            store.unlock_maildrop(&maildrop.user);
        }
    }

    /// Closes the connection after the replies queued so far; never applies deletions.
    fn close(&mut self, store: &mut Store) {
        self.release_lock(store);
        self.out.close();
    }

    /// Answers an unknown, malformed or wrong-state command. Before login, too many of them
    /// close the connection (a client that is not speaking POP3, or a scan).
    fn handle_bad_command(&mut self, store: &mut Store, reply: impl AsRef<str>) {
        if self.state != Pop3State::Authorization {
            self.reply(reply);
            return;
        }
        self.bad_commands += 1;
        if self.bad_commands >= MAX_BAD_COMMANDS {
            self.reply("-ERR too many bad commands, closing connection");
            self.close(store);
        } else {
            self.reply(reply);
        }
    }

    fn handle_line(&mut self, ctx: &mut HostCtx<'_>, line: Line) {
        let line = match line {
            Line::Ok(line) => line,
            Line::TooLong => {
                self.pending = Pending::Command;
                let reply = format!("-ERR line too long (limit {MAX_LINE} octets)");
                return self.handle_bad_command(ctx.store, reply);
            }
        };
        if self.pending == Pending::SaslPlain {
            self.pending = Pending::Command;
            self.mark_secret(0);
            return self.handle_sasl_response(ctx, &line);
        }
        match parse_line(&line) {
            Ok(request) => {
                // The words before the secret: `PASS`, `APOP name`, `AUTH PLAIN`.
                let shown = match request.verb {
                    Verb::Pass => Some(1),
                    Verb::Apop => Some(2),
                    Verb::Auth if request.args.len() > 1 => Some(2),
                    _ => None,
                };
                if let Some(shown) = shown {
                    self.mark_secret(shown);
                }
                self.handle_request(ctx, request)
            }
            Err(ParseError::Empty) => self.handle_bad_command(ctx.store, "-ERR empty command"),
            Err(ParseError::Unknown(word)) => {
                let reply = format!("-ERR unknown command \"{word}\"");
                self.handle_bad_command(ctx.store, reply)
            }
        }
    }

    /// Checks the state a command needs (RFC 1939 §3: a command in the wrong state is answered
    /// with -ERR) and dispatches it.
    fn handle_request(&mut self, ctx: &mut HostCtx<'_>, request: Request) {
        let verb = request.verb;
        // RFC 1939 §7: PASS must come right after USER, so any command forgets the USER name.
        let login = match std::mem::replace(&mut self.pending, Pending::Command) {
            Pending::Password { login } => Some(login),
            _ => None,
        };
        if let Some(required) = verb.required_state() {
            if required != self.state {
                let reply = self.wrong_state_reply(verb, required);
                return self.handle_bad_command(ctx.store, reply);
            }
        }
        match verb {
            Verb::Capa => self.handle_capa(),
            Verb::Quit => self.handle_quit(ctx.store),
            Verb::Stls => self.handle_stls(),
            Verb::User | Verb::Pass | Verb::Apop | Verb::Auth if !self.tls.allows_login() => {
                self.refuse_plaintext_login()
            }
            Verb::User | Verb::Pass | Verb::Apop | Verb::Auth => {
                self.handle_authorization(ctx, request, login)
            }
            _ => self.handle_transaction(ctx.store, request),
        }
    }

    /// A readable reason for a command sent in the wrong state (RFC 1939 §3).
    fn wrong_state_reply(&self, verb: Verb, required: Pop3State) -> String {
        let name = verb.name();
        match (required, self.user()) {
            (Pop3State::Authorization, Some(user)) => format!(
                "-ERR {name} is only valid before login (AUTHORIZATION state); \
                 already logged in as {user}"
            ),
            (Pop3State::Authorization, None) => {
                format!("-ERR {name} is only valid before login (AUTHORIZATION state)")
            }
            _ => format!("-ERR {name} is only valid after login (TRANSACTION state)"),
        }
    }

    /// CAPA (RFC 2449 §5), valid in every state.
    fn handle_capa(&mut self) {
        // RFC 2595 §4: STLS while it can be used; USER and SASL only where a login is allowed
        // now (a host that wants TLS first lists them again after the upgrade).
        let login = self.tls.allows_login();
        let caps = [
            (login, "USER"),
            (true, "TOP"),
            (true, "UIDL"),
            (true, "RESP-CODES"),
            (true, "PIPELINING"),
            (login, "SASL PLAIN"),
            (self.tls.can_start(), "STLS"),
            (true, "AUTH-RESP-CODE"),
            (true, "EXPIRE NEVER"),
            (true, "LOGIN-DELAY 0"),
            (true, "IMPLEMENTATION Mail-Sandbox"),
        ];
        let caps: Vec<&str> = caps.iter().filter(|(on, _)| *on).map(|(_, c)| *c).collect();
        let body: String = caps.iter().map(|c| format!("{c}\r\n")).collect();
        self.reply_multiline("+OK capability list follows", body.as_bytes());
    }

    /// QUIT: in AUTHORIZATION it just ends the session (RFC 1939 §4); in TRANSACTION it
    /// enters UPDATE and applies the deletions (RFC 1939 §6).
    fn handle_quit(&mut self, store: &mut Store) {
        if self.state == Pop3State::Transaction {
            return self.handle_update(store);
        }
        self.reply("+OK POP3 server signing off");
        self.close(store);
    }
}

impl<'a> Session<HostCtx<'a>> for Pop3Session {
    type Event = Pop3Event;

    /// Frames lines and answers each command in order, so pipelined commands (RFC 2449 §6.6)
    /// are answered in the order sent.
    fn handle_input(&mut self, ctx: &mut HostCtx<'a>, now: Instant, mut bytes: &[u8]) {
        if self.out.is_closed() {
            return;
        }
        self.idle_deadline = now + IDLE_TIMEOUT;
        while !bytes.is_empty() && !self.out.is_closed() {
            let (n, line) = self.lines.push(bytes);
            bytes = &bytes[n..];
            self.input_seen += n as u64;
            if let Some(line) = line {
                self.handle_line(ctx, line);
            }
        }
    }

    /// The autologout timer (RFC 1939 §3): the session "does NOT enter the UPDATE state--the
    /// server should close the TCP connection without removing any messages or sending any
    /// response to the client". The lock is released.
    fn handle_timeout(&mut self, ctx: &mut HostCtx<'a>, now: Instant) {
        if now < self.idle_deadline || self.out.is_closed() {
            return;
        }
        self.close(ctx.store);
    }

    /// A dropped connection never enters UPDATE (RFC 1939 §6): deletion marks are forgotten,
    /// the lock is released.
    fn handle_close(&mut self, ctx: &mut HostCtx<'a>, _now: Instant) {
        self.release_lock(ctx.store);
        self.out.mark_closed();
    }

    fn poll_output(&mut self) -> Option<Output<Pop3Event>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.idle_deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}
