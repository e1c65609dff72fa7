//! The PCs' mail clients over the virtual network: an adapter between a world connection and
//! a sans-IO client session ([`SmtpClient`] for submission and for handing mail to port 25,
//! [`Pop3Client`], [`ImapClient`]). It never reads the store, so every action of the page's
//! mail client shows up in the transcripts.
//!
//! A [`Task`] is polled by its driver (the page's timer, or [`run_task`] in tests) after the
//! world advanced: it hands what arrived to the session, carries out what the session asks
//! (send, close), and returns [`TaskStatus::Done`] with an [`Outcome`] or `Failed`.

use super::task_tls::TaskTls;
pub use super::task_tls::{Security, SessionTls};
use super::{EndpointState, World};
use crate::net::{ConnId, HostId};
use crate::proto::imap::client::{ImapClient, ImapClientEvent, ImapJob, ImapMessage, ImapOutcome};
use crate::proto::pop3::client::{Pop3Client, Pop3ClientEvent, Pop3Job, Pop3Message};
use crate::proto::smtp::{ClientEvent, ClientJob, ClientOutcome, Envelope, SmtpClient};
use crate::session::{Output, Session};
use crate::time::{Duration, Instant};
use crate::tls_layer::{TlsEvent, TlsOutput, TlsVersion};

pub use crate::proto::imap::client::{FolderEntry, ImapAction};

/// An account on a mail server: where, who, and how it is reached.
#[derive(Debug, Clone, Copy)]
pub struct Account<'a> {
    pub host: &'a str,
    pub user: &'a str,
    pub password: &'a str,
    pub security: Security,
}

/// A message as a client fetched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// POP3 message number, or IMAP UID.
    pub id: u32,
    /// POP3 UIDL, when the server gave one.
    pub uidl: Option<String>,
    /// IMAP flags (e.g. `\Seen`).
    pub flags: Vec<String>,
    /// The whole message, or (an IMAP listing) only the header fields a list shows: the
    /// body comes when the message is opened ([`ImapAction::Read`]).
    pub raw: Vec<u8>,
    /// `raw` is the whole message.
    pub whole: bool,
}

impl From<Pop3Message> for Fetched {
    fn from(m: Pop3Message) -> Self {
        Fetched {
            id: m.number,
            uidl: m.uidl,
            flags: Vec::new(),
            raw: m.raw,
            whole: true,
        }
    }
}

impl From<ImapMessage> for Fetched {
    fn from(m: ImapMessage) -> Self {
        Fetched {
            id: m.uid,
            uidl: None,
            flags: m.flags,
            raw: m.raw,
            whole: m.whole,
        }
    }
}

/// What a finished task produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The submission server accepted the message; its reply text (with the queue id).
    Submitted(String),
    /// Messages fetched (POP3 download, or an IMAP folder's newest), with the folder list for
    /// IMAP; `total` is how many the folder holds (an IMAP listing fetches a page of them).
    Mailbox {
        folders: Vec<FolderEntry>,
        messages: Vec<Fetched>,
        total: usize,
    },
    /// One IMAP message, whole ([`ImapAction::Read`]).
    Message(Fetched),
    /// A command that changes the mailbox succeeded.
    Done(String),
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    Done(Outcome),
    Failed(String),
}

/// A mail to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub login: String,
    pub password: String,
    pub from: String,
    pub to: Vec<String>,
    /// The whole RFC 5322 message (header and body).
    pub raw: Vec<u8>,
}

/// The client session a task runs.
#[derive(Debug)]
enum Client {
    Smtp(Box<SmtpClient>),
    Pop3(Box<Pop3Client>),
    Imap(Box<ImapClient>),
}

/// What a client session asked for, in the task's terms.
enum Step {
    Send(Vec<u8>),
    /// The server agreed to STARTTLS: TLS goes under the session from here.
    UpgradeToTls,
    Finished(Result<Outcome, String>),
    Close,
}

impl Client {
    fn handle_input(&mut self, now: Instant, bytes: &[u8]) {
        match self {
            Client::Smtp(c) => c.handle_input(&mut (), now, bytes),
            Client::Pop3(c) => c.handle_input(&mut (), now, bytes),
            Client::Imap(c) => c.handle_input(&mut (), now, bytes),
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        match self {
            Client::Smtp(c) => c.handle_timeout(&mut (), now),
            Client::Pop3(c) => c.handle_timeout(&mut (), now),
            Client::Imap(c) => c.handle_timeout(&mut (), now),
        }
    }

    fn handle_close(&mut self, now: Instant) {
        match self {
            Client::Smtp(c) => c.handle_close(&mut (), now),
            Client::Pop3(c) => c.handle_close(&mut (), now),
            Client::Imap(c) => c.handle_close(&mut (), now),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Client::Smtp(c) => c.poll_timeout(),
            Client::Pop3(c) => c.poll_timeout(),
            Client::Imap(c) => c.poll_timeout(),
        }
    }

    /// The driver's TLS under the session failed (after STARTTLS or STLS).
    fn handle_tls_failed(&mut self, now: Instant, why: &str) {
        match self {
            Client::Smtp(c) => c.handle_tls_failed(now, why),
            Client::Pop3(c) => c.handle_tls_failed(now, why),
            Client::Imap(c) => c.handle_tls_failed(now, why),
        }
    }

    fn poll(&mut self) -> Option<Step> {
        fn step<E>(o: Output<E>, done: impl FnOnce(E) -> Step) -> Step {
            match o {
                Output::Transmit(b) => Step::Send(b),
                Output::Event(e) => done(e),
                Output::Close => Step::Close,
            }
        }
        Some(match self {
            Client::Smtp(c) => step(c.poll_output()?, |event| match event {
                ClientEvent::UpgradeToTls => Step::UpgradeToTls,
                ClientEvent::Done(ClientOutcome::Sent { reply, .. }) => {
                    Step::Finished(Ok(Outcome::Submitted(reply.to_string())))
                }
                ClientEvent::Done(ClientOutcome::Failed { reply, reason, .. }) => {
                    Step::Finished(Err(reply.map_or(reason, |r| r.to_string())))
                }
            }),
            Client::Pop3(c) => step(c.poll_output()?, |event| match event {
                Pop3ClientEvent::UpgradeToTls => Step::UpgradeToTls,
                Pop3ClientEvent::Done(o) => Step::Finished(o.map(|messages| Outcome::Mailbox {
                    folders: Vec::new(),
                    total: messages.len(),
                    messages: messages.into_iter().map(Fetched::from).collect(),
                })),
            }),
            Client::Imap(c) => step(c.poll_output()?, |event| match event {
                ImapClientEvent::UpgradeToTls => Step::UpgradeToTls,
                ImapClientEvent::Done(o) => Step::Finished(o.map(|o| match o {
                    ImapOutcome::Mailbox {
                        folders,
                        messages,
                        exists,
                    } => Outcome::Mailbox {
                        folders,
                        messages: messages.into_iter().map(Fetched::from).collect(),
                        total: exists as usize,
                    },
                    ImapOutcome::Message(m) => Outcome::Message(m.into()),
                    ImapOutcome::Done(text) => Outcome::Done(text),
                })),
            }),
        })
    }
}

/// One client session on the virtual network, from connect to QUIT/LOGOUT.
#[derive(Debug)]
pub struct Task {
    conn: ConnId,
    /// The server's name, as dialled (what its certificate must name).
    server: String,
    client: Client,
    /// TLS under the session, after STARTTLS/STLS.
    tls: Option<TaskTls>,
    pub status: TaskStatus,
    /// The outcome, once the session reported it (before its connection is gone).
    result: Option<Result<Outcome, String>>,
}

/// What an IMAP task's endpoint may hold between two polls: what the client keeps of one
/// session at most, and a line.
const IMAP_INBOX_LIMIT: usize =
    crate::proto::imap::client::MAX_COLLECTED as usize + crate::proto::imap::client::MAX_LINE;

/// The name the PCs' clients announce in EHLO.
const CLIENT_HELO: &str = "client.example";

impl Task {
    fn start(
        world: &mut World,
        from: HostId,
        host: &str,
        port: u16,
        client: Client,
        security: Security,
    ) -> Result<Task, String> {
        // Implicit TLS: the layer comes with the connection (its randomness stream is the
        // connection's); when none can be made (the page's TLS module has not loaded yet)
        // the connection is closed at once and the task refused with the reason.
        let now = world.now();
        let conn = world
            .connect(from, host, port)
            .map_err(|e| format!("{host}:{port}: {e}"))?;
        let tls = match security {
            Security::Implicit => match TaskTls::start(world, conn, host, now) {
                Ok(tls) => Some(tls),
                Err(error) => {
                    world.close(conn);
                    world.forget(conn);
                    return Err(format!("{host}:{port}: no TLS: {}", error.describe()));
                }
            },
            Security::StartTls | Security::Off => None,
        };
        Ok(Task {
            conn,
            server: host.to_string(),
            client,
            tls,
            status: TaskStatus::Running,
            result: None,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn smtp(
        world: &mut World,
        from: HostId,
        host: &str,
        port: u16,
        sub: Submission,
        auth: bool,
        security: Security,
    ) -> Result<Task, String> {
        let job = ClientJob {
            helo: CLIENT_HELO.into(),
            auth: auth.then_some((sub.login, sub.password)),
            envelope: Envelope {
                mail_from: sub.from,
                rcpt_to: sub.to,
            },
            data: sub.raw,
            starttls: security.starttls(world),
        };
        let client = Client::Smtp(Box::new(SmtpClient::new(world.now(), job)));
        Task::start(world, from, host, port, client, security)
    }

    /// Submits a message on port 587 with AUTH (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT),
    /// with STARTTLS when the server offers it.
    pub fn submit(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        Task::submit_with(world, from, host, sub, Security::default())
    }

    /// [`Task::submit`] as `security` says: on 465 with implicit TLS (RFC 8314 §3.3), or on
    /// 587 with or without STARTTLS.
    pub fn submit_with(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
        security: Security,
    ) -> Result<Task, String> {
        let port = security.port(587, 465);
        Task::smtp(world, from, host, port, sub, true, security)
    }

    /// Hands a message to a host's SMTP server on port 25, as another MTA would (no AUTH; the
    /// server takes mail for its own domains only). `sub.login`/`password` are not used.
    pub fn smtp_deliver(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        Task::smtp(world, from, host, 25, sub, false, Security::default())
    }

    /// Downloads every message with POP3 (USER/PASS, STAT, UIDL, RETR); DELE each unless
    /// `keep` ("leave a copy on the server"); QUIT (which commits the deletions).
    pub fn pop3_fetch(
        world: &mut World,
        from: HostId,
        host: &str,
        user: &str,
        password: &str,
        keep: bool,
    ) -> Result<Task, String> {
        let account = Account {
            host,
            user,
            password,
            security: Security::default(),
        };
        Task::pop3_fetch_with(world, from, account, keep)
    }

    /// [`Task::pop3_fetch`] as the account's security says: on 995 with implicit TLS
    /// (RFC 8314 §3.2), or on 110 with or without STLS.
    pub fn pop3_fetch_with(
        world: &mut World,
        from: HostId,
        account: Account,
        keep: bool,
    ) -> Result<Task, String> {
        let job = Pop3Job {
            user: account.user.into(),
            password: account.password.into(),
            keep,
            stls: account.security.starttls(world),
        };
        let client = Client::Pop3(Box::new(Pop3Client::new(world.now(), job)));
        let port = account.security.port(110, 995);
        Task::start(world, from, account.host, port, client, account.security)
    }

    /// One IMAP session: LOGIN, the action, LOGOUT.
    pub fn imap(
        world: &mut World,
        from: HostId,
        host: &str,
        user: &str,
        password: &str,
        action: ImapAction,
    ) -> Result<Task, String> {
        let account = Account {
            host,
            user,
            password,
            security: Security::default(),
        };
        Task::imap_with(world, from, account, action)
    }

    /// [`Task::imap`] as the account's security says: on 993 with implicit TLS
    /// (RFC 8314 §3.1), or on 143 with or without STARTTLS.
    pub fn imap_with(
        world: &mut World,
        from: HostId,
        account: Account,
        action: ImapAction,
    ) -> Result<Task, String> {
        let job = ImapJob {
            user: account.user.into(),
            password: account.password.into(),
            action,
            starttls: account.security.starttls(world),
        };
        let client = Client::Imap(Box::new(ImapClient::new(world.now(), job)));
        let port = account.security.port(143, 993);
        let task = Task::start(world, from, account.host, port, client, account.security)?;
        // The task takes what arrived at every poll and the client bounds what it keeps
        // (MAX_COLLECTED): the endpoint must not drop the oldest bytes of a long answer that
        // arrives between two polls, which cut a literal and lost the framing (issue 27).
        if let Some(e) = world.endpoint_mut(task.conn) {
            e.inbox_limit = e.inbox_limit.max(IMAP_INBOX_LIMIT);
        }
        Ok(task)
    }

    pub fn conn(&self) -> ConnId {
        self.conn
    }

    /// The TLS version of the session, once its handshake after STARTTLS/STLS finished.
    pub fn tls_version(&self) -> Option<TlsVersion> {
        self.tls.as_ref().and_then(|t| t.version)
    }

    /// What the session's TLS was (version and certificate), if it had any.
    pub fn session_tls(&self) -> Option<SessionTls> {
        self.tls.as_ref().map(|t| SessionTls {
            version: t.version,
            certificate: t.certificate,
        })
    }

    /// The certificate the server showed (its label and names), once the handshake got it.
    pub fn tls_certificate(&self) -> Option<&crate::tls_layer::CertificateInfo> {
        self.tls.as_ref().and_then(|t| t.certificate.as_ref())
    }

    pub fn is_running(&self) -> bool {
        self.status == TaskStatus::Running
    }

    /// Hands what arrived to the session and carries out what it asks; call after the world
    /// advanced.
    pub fn poll(&mut self, world: &mut World) -> &TaskStatus {
        if self.status != TaskStatus::Running {
            return &self.status;
        }
        let now = world.now();
        let got = world.take_received(self.conn);
        if !got.is_empty() {
            match self.tls.as_mut() {
                Some(tls) => tls.layer.handle_input(now, &got),
                None => self.client.handle_input(now, &got),
            }
        }
        let open = world
            .endpoint(self.conn)
            .is_some_and(|e| e.state == EndpointState::Open);
        if !open {
            self.client.handle_close(now);
        } else if self.client.poll_timeout().is_some_and(|t| now >= t) {
            self.client.handle_timeout(now);
        }
        let mut closed = !open;
        let mut busy = true;
        while busy {
            busy = false;
            while let Some(step) = self.client.poll() {
                busy = true;
                match step {
                    Step::Send(bytes) if closed => drop(bytes),
                    Step::Send(bytes) => match self.tls.as_mut() {
                        Some(tls) => tls.layer.write_plaintext(now, &bytes),
                        None => {
                            world.send(self.conn, &bytes);
                        }
                    },
                    Step::UpgradeToTls => match TaskTls::start(world, self.conn, &self.server, now)
                    {
                        Ok(tls) => self.tls = Some(tls),
                        Err(error) => self.client.handle_tls_failed(now, &error.describe()),
                    },
                    Step::Finished(result) => self.result = Some(result),
                    Step::Close => {
                        if let Some(tls) = self.tls.as_mut() {
                            tls.layer.close(now);
                        }
                        closed = true;
                    }
                }
            }
            busy |= self.drain_tls(world, now, open, &mut closed);
        }
        if closed {
            if open {
                world.close(self.conn);
            }
            world.forget(self.conn);
            self.status = match self.result.take() {
                Some(Ok(outcome)) => TaskStatus::Done(outcome),
                Some(Err(why)) => TaskStatus::Failed(why),
                None => TaskStatus::Failed("the server closed the connection".into()),
            };
        }
        &self.status
    }
}

impl Task {
    /// Carries out what the TLS layer produced: records to the wire (while the connection is
    /// open), plaintext to the session, a failure to the session. True when anything came.
    fn drain_tls(
        &mut self,
        world: &mut World,
        now: Instant,
        open: bool,
        closed: &mut bool,
    ) -> bool {
        let Some(tls) = self.tls.as_mut() else {
            return false;
        };
        let mut any = false;
        while let Some(out) = tls.layer.poll_output() {
            any = true;
            match out {
                TlsOutput::Transmit(records) if open => {
                    world.send(self.conn, &records);
                }
                TlsOutput::Transmit(_) => {}
                TlsOutput::Plaintext(plain) => self.client.handle_input(now, &plain),
                TlsOutput::Event(TlsEvent::Certificate { chain }) => {
                    tls.certificate = world
                        .tls_provider()
                        .zip(chain.first())
                        .and_then(|(p, leaf)| p.certificate_info(leaf));
                }
                TlsOutput::Event(TlsEvent::Finished) => tls.version = tls.layer.version(),
                TlsOutput::Event(TlsEvent::Failed(error)) => {
                    self.client.handle_tls_failed(now, &error.describe())
                }
                TlsOutput::Event(_) => {}
                TlsOutput::Close => *closed = true,
            }
        }
        any
    }
}

/// Drives a task to its end, advancing the world in steps (for tests).
pub fn run_task(world: &mut World, task: &mut Task) -> TaskStatus {
    for _ in 0..100_000 {
        if !task.is_running() {
            break;
        }
        task.poll(world);
        if task.is_running() {
            let t = world.now() + Duration::from_millis(10);
            world.run_until(t);
        }
    }
    task.status.clone()
}

#[cfg(test)]
mod tests;
