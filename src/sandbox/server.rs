//! Server-side sessions of every service behind one enum, so the world can drive them alike.

use super::Service;
use crate::fault::FaultBook;
use crate::proto::echo::{DaytimeSession, EchoSession};
use crate::proto::imap::{ImapEvent, ImapSession};
use crate::proto::pop3::{Pop3Event, Pop3Session};
use crate::proto::smtp::{PeerInfo, SmtpCtx, SmtpEvent, SmtpServer};
use crate::proto::starttls::TlsOffer;
use crate::proto::{HostCtx, ProtocolState};
use crate::relay::{HostSpool, RelayQueue};
use crate::session::{Output, SecretInput, Session};
use crate::store::Store;
use crate::time::{Instant, WallClock};

/// What a server session may touch while it runs: the parts of the world outside it.
pub(crate) struct Env<'a> {
    pub host: &'a str,
    pub store: &'a mut Store,
    pub clock: WallClock,
    pub queue: &'a mut RelayQueue,
    /// The connecting host, for SMTP's `Received:` field.
    pub peer: PeerInfo,
    /// The port the service listens on (fault rules name `host:port`).
    pub port: u16,
    /// The host is in strict mode (see `strict`).
    pub strict: bool,
    /// The world's fault rules and the state of their rates.
    pub faults: &'a mut FaultBook,
    /// More client input has arrived than the session was handed (flow control holds it).
    pub input_waiting: bool,
    /// The connection's TLS situation, from the host's policy (read when the session starts).
    pub tls: TlsOffer,
}

impl Env<'_> {
    fn smtp<R>(&mut self, submission: bool, f: impl FnOnce(&mut SmtpCtx<'_>) -> R) -> R {
        let mut spool = HostSpool {
            queue: self.queue,
            host: self.host,
        };
        let mut ctx = SmtpCtx {
            host: self.host,
            store: self.store,
            clock: self.clock,
            submission,
            spool: &mut spool,
        };
        f(&mut ctx)
    }

    fn host_ctx(&mut self) -> HostCtx<'_> {
        HostCtx {
            host: self.host,
            store: self.store,
            clock: self.clock,
        }
    }
}

/// What a session's events mean to the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Note {
    /// The protocol state changed.
    State(ProtocolState),
    /// The client input up to here carries a secret (transcripts mask it).
    Secret(SecretInput),
    /// An SMTP server put a message in its host's queue.
    Queued(String),
    /// The gate in front of the session answered, held or dropped a line (a fault rule), or
    /// noted a strict-mode difference.
    Mark(super::mark::GateMark),
    /// A fault rule drops the link now.
    DropLink,
    /// What the conversation did, typed (see [`crate::proto::record`]).
    Record(crate::proto::record::Record),
    /// The session accepted the upgrade to TLS (STARTTLS, STLS) and its positive reply is
    /// queued before this: hand the gate the client input still held (it drops all of it),
    /// then put TLS between the connection and the session.
    StartTls,
}

/// How a session reads its next input, for the gate in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InputMode {
    /// A command line.
    Command,
    /// SMTP DATA's dot-stuffed text, line by line.
    MessageText,
    /// Anything else (a literal, a BDAT chunk, a SASL answer, IDLE's DONE, echo bytes): handed
    /// on as it comes.
    Raw,
}

pub(crate) enum ServerSession {
    Echo(EchoSession),
    Daytime(DaytimeSession),
    Pop3(Box<Pop3Session>),
    Smtp(Box<SmtpServer>, bool),
    Imap(Box<ImapSession>),
}

impl ServerSession {
    /// True for sessions that want to hear about store changes made by others (IMAP: IDLE
    /// and untagged updates; `handle_timeout` is safe to call early, so the world calls it).
    pub fn is_store_watcher(&self) -> bool {
        matches!(self, ServerSession::Imap(_))
    }

    pub fn start(service: Service, env: &mut Env<'_>, now: Instant, session_id: u64) -> Self {
        match service {
            Service::Echo => ServerSession::Echo(EchoSession::new(now)),
            Service::Daytime => ServerSession::Daytime(DaytimeSession::new(now, env.clock)),
            Service::Pop3 => {
                let tls = env.tls;
                ServerSession::Pop3(Box::new(
                    Pop3Session::new(now, &mut env.host_ctx(), session_id).with_tls(tls),
                ))
            }
            Service::Imap => ServerSession::Imap(Box::new(ImapSession::with_tls(now, env.tls))),
            Service::Smtp | Service::Submission => {
                let submission = service == Service::Submission;
                let peer = env.peer.clone();
                let tls = env.tls;
                let server = env.smtp(submission, |ctx| {
                    SmtpServer::new(now, ctx, peer)
                        .with_serial(session_id)
                        .with_tls(tls)
                });
                ServerSession::Smtp(Box::new(server), submission)
            }
        }
    }

    /// How the session reads its next input.
    pub fn input_mode(&self) -> InputMode {
        let command = match self {
            ServerSession::Echo(_) | ServerSession::Daytime(_) => false,
            ServerSession::Pop3(s) => s.is_reading_command(),
            ServerSession::Smtp(s, _) if s.is_reading_message_text() => {
                return InputMode::MessageText
            }
            ServerSession::Smtp(s, _) => s.is_reading_command(),
            ServerSession::Imap(s) => s.is_reading_command(),
        };
        if command {
            InputMode::Command
        } else {
            InputMode::Raw
        }
    }

    /// SMTP: ends DATA without taking the message (the gate answered the final dot).
    pub fn abort_message(&mut self) {
        if let ServerSession::Smtp(s, _) = self {
            s.abort_message();
        }
    }

    /// The state a new session starts in (later changes come as events).
    pub fn initial_state(&self) -> Option<ProtocolState> {
        match self {
            ServerSession::Echo(_) | ServerSession::Daytime(_) => None,
            ServerSession::Pop3(s) => Some(ProtocolState::Pop3(s.state())),
            ServerSession::Smtp(s, _) => Some(ProtocolState::Smtp(s.phase())),
            ServerSession::Imap(s) => Some(ProtocolState::Imap(s.state())),
        }
    }

    pub fn handle_input(&mut self, env: &mut Env<'_>, now: Instant, bytes: &[u8]) {
        match self {
            ServerSession::Echo(s) => s.handle_input(&mut (), now, bytes),
            ServerSession::Daytime(s) => s.handle_input(&mut (), now, bytes),
            ServerSession::Pop3(s) => s.handle_input(&mut env.host_ctx(), now, bytes),
            ServerSession::Smtp(s, sub) => env.smtp(*sub, |ctx| s.handle_input(ctx, now, bytes)),
            ServerSession::Imap(s) => s.handle_input(&mut env.host_ctx(), now, bytes),
        }
    }

    pub fn handle_timeout(&mut self, env: &mut Env<'_>, now: Instant) {
        match self {
            ServerSession::Echo(s) => s.handle_timeout(&mut (), now),
            ServerSession::Daytime(s) => s.handle_timeout(&mut (), now),
            ServerSession::Pop3(s) => s.handle_timeout(&mut env.host_ctx(), now),
            ServerSession::Smtp(s, sub) => env.smtp(*sub, |ctx| s.handle_timeout(ctx, now)),
            ServerSession::Imap(s) => s.handle_timeout(&mut env.host_ctx(), now),
        }
    }

    pub fn handle_close(&mut self, env: &mut Env<'_>, now: Instant) {
        match self {
            ServerSession::Echo(s) => s.handle_close(&mut (), now),
            ServerSession::Daytime(s) => s.handle_close(&mut (), now),
            ServerSession::Pop3(s) => s.handle_close(&mut env.host_ctx(), now),
            ServerSession::Smtp(s, sub) => env.smtp(*sub, |ctx| s.handle_close(ctx, now)),
            ServerSession::Imap(s) => s.handle_close(&mut env.host_ctx(), now),
        }
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        match self {
            ServerSession::Echo(s) => s.poll_timeout(),
            ServerSession::Daytime(s) => s.poll_timeout(),
            ServerSession::Pop3(s) => s.poll_timeout(),
            ServerSession::Smtp(s, _) => s.poll_timeout(),
            ServerSession::Imap(s) => s.poll_timeout(),
        }
    }

    /// The next output, with protocol events turned into world notes.
    pub fn poll_output(&mut self) -> Option<Output<Note>> {
        fn plain(o: Output<()>) -> Option<Output<Note>> {
            match o {
                Output::Transmit(b) => Some(Output::Transmit(b)),
                Output::Close => Some(Output::Close),
                Output::Event(()) => None,
            }
        }
        loop {
            let out = match self {
                ServerSession::Echo(s) => plain(s.poll_output()?),
                ServerSession::Daytime(s) => plain(s.poll_output()?),
                ServerSession::Pop3(s) => match s.poll_output()? {
                    Output::Transmit(b) => Some(Output::Transmit(b)),
                    Output::Close => Some(Output::Close),
                    Output::Event(Pop3Event::State(state)) => {
                        Some(Output::Event(Note::State(ProtocolState::Pop3(state))))
                    }
                    Output::Event(Pop3Event::Secret(mark)) => {
                        Some(Output::Event(Note::Secret(mark)))
                    }
                    Output::Event(Pop3Event::LoggedIn(_)) => None,
                    Output::Event(Pop3Event::StartTls) => Some(Output::Event(Note::StartTls)),
                },
                ServerSession::Smtp(s, _) => match s.poll_output()? {
                    Output::Transmit(b) => Some(Output::Transmit(b)),
                    Output::Close => Some(Output::Close),
                    Output::Event(SmtpEvent::Phase(p)) => {
                        Some(Output::Event(Note::State(ProtocolState::Smtp(p))))
                    }
                    Output::Event(SmtpEvent::Secret(mark)) => {
                        Some(Output::Event(Note::Secret(mark)))
                    }
                    Output::Event(SmtpEvent::Accepted { queue_id, .. }) => {
                        Some(Output::Event(Note::Queued(queue_id)))
                    }
                    Output::Event(SmtpEvent::Authenticated(_)) => None,
                    Output::Event(SmtpEvent::StartTls) => Some(Output::Event(Note::StartTls)),
                },
                ServerSession::Imap(s) => match s.poll_output()? {
                    Output::Transmit(b) => Some(Output::Transmit(b)),
                    Output::Close => Some(Output::Close),
                    Output::Event(ImapEvent::State(state)) => {
                        Some(Output::Event(Note::State(ProtocolState::Imap(state))))
                    }
                    Output::Event(ImapEvent::Secret(mark)) => {
                        Some(Output::Event(Note::Secret(mark)))
                    }
                    Output::Event(ImapEvent::LoggedIn(_) | ImapEvent::Selected { .. }) => None,
                    Output::Event(ImapEvent::StartTls) => Some(Output::Event(Note::StartTls)),
                },
            };
            if out.is_some() {
                return out;
            }
        }
    }
}
