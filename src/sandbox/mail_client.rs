//! The PCs' mail clients over the virtual network: an adapter between a world connection and
//! a sans-IO client session ([`SmtpClient`] for submission and for handing mail to port 25,
//! [`Pop3Client`], [`ImapClient`]). It never reads the store, so every action of the page's
//! mail client shows up in the transcripts.
//!
//! A [`Task`] is polled by its driver (the page's timer, or [`run_task`] in tests) after the
//! world advanced: it hands what arrived to the session, carries out what the session asks
//! (send, close), and returns [`TaskStatus::Done`] with an [`Outcome`] or `Failed`.

use super::{EndpointState, World};
use crate::net::{ConnId, HostId};
use crate::proto::imap::client::{ImapClient, ImapClientEvent, ImapJob, ImapMessage, ImapOutcome};
use crate::proto::pop3::client::{Pop3Client, Pop3ClientEvent, Pop3Job, Pop3Message};
use crate::proto::smtp::{
    ClientEvent, ClientJob, ClientOutcome, Envelope, SmtpClient, StartTlsPolicy,
};
use crate::session::{Output, Session};
use crate::time::{Duration, Instant};

pub use crate::proto::imap::client::{FolderEntry, ImapAction};

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

    /// The driver's TLS under the session failed (SMTP only, after STARTTLS).
    fn handle_tls_failed(&mut self, now: Instant, why: &str) {
        if let Client::Smtp(c) = self {
            c.handle_tls_failed(now, why);
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
            Client::Pop3(c) => step(c.poll_output()?, |Pop3ClientEvent::Done(o)| {
                Step::Finished(o.map(|messages| Outcome::Mailbox {
                    folders: Vec::new(),
                    total: messages.len(),
                    messages: messages.into_iter().map(Fetched::from).collect(),
                }))
            }),
            Client::Imap(c) => step(c.poll_output()?, |ImapClientEvent::Done(o)| {
                Step::Finished(o.map(|o| match o {
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
                }))
            }),
        })
    }
}

/// One client session on the virtual network, from connect to QUIT/LOGOUT.
#[derive(Debug)]
pub struct Task {
    conn: ConnId,
    client: Client,
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
    ) -> Result<Task, String> {
        let conn = world
            .connect(from, host, port)
            .map_err(|e| format!("{host}:{port}: {e}"))?;
        Ok(Task {
            conn,
            client,
            status: TaskStatus::Running,
            result: None,
        })
    }

    fn smtp(
        world: &mut World,
        from: HostId,
        host: &str,
        port: u16,
        sub: Submission,
    ) -> Result<Task, String> {
        let job = ClientJob {
            helo: CLIENT_HELO.into(),
            auth: (port == 587).then_some((sub.login, sub.password)),
            envelope: Envelope {
                mail_from: sub.from,
                rcpt_to: sub.to,
            },
            data: sub.raw,
            starttls: StartTlsPolicy::Never,
        };
        let client = Client::Smtp(Box::new(SmtpClient::new(world.now(), job)));
        Task::start(world, from, host, port, client)
    }

    /// Submits a message on port 587 with AUTH (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT).
    pub fn submit(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        Task::smtp(world, from, host, 587, sub)
    }

    /// Hands a message to a host's SMTP server on port 25, as another MTA would (no AUTH; the
    /// server takes mail for its own domains only). `sub.login`/`password` are not used.
    pub fn smtp_deliver(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        Task::smtp(world, from, host, 25, sub)
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
        let job = Pop3Job {
            user: user.into(),
            password: password.into(),
            keep,
        };
        let client = Client::Pop3(Box::new(Pop3Client::new(world.now(), job)));
        Task::start(world, from, host, 110, client)
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
        let job = ImapJob {
            user: user.into(),
            password: password.into(),
            action,
        };
        let client = Client::Imap(Box::new(ImapClient::new(world.now(), job)));
        let task = Task::start(world, from, host, 143, client)?;
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
            self.client.handle_input(now, &got);
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
        while let Some(step) = self.client.poll() {
            match step {
                Step::Send(bytes) => {
                    if !closed {
                        world.send(self.conn, &bytes);
                    }
                }
                // No TLS under the mail client yet: the session learns the upgrade failed.
                Step::UpgradeToTls => self.client.handle_tls_failed(now, "this client has no TLS"),
                Step::Finished(result) => self.result = Some(result),
                Step::Close => closed = true,
            }
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
mod tests {
    use super::*;
    use crate::sandbox::default_world;

    fn note(subject: &str) -> Vec<u8> {
        format!(
            "From: Jane Smith <smith@isp.example>\r\nTo: boss@corp.example\r\nSubject: {subject}\r\n\r\nHello.\r\n.leading dot\r\n"
        )
        .into_bytes()
    }

    fn settle(w: &mut World, secs: u64) {
        let t = w.now() + Duration::from_secs(secs);
        w.run_until(t);
    }

    #[test]
    fn submit_then_relay_then_pop3_download_with_delete() {
        let (mut w, d) = default_world(1);
        let sub = Submission {
            login: "smith".into(),
            password: "smith".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Status update"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        let st = run_task(&mut w, &mut t);
        let TaskStatus::Done(Outcome::Submitted(text)) = st else {
            panic!("{st:?}")
        };
        assert!(text.starts_with("250"), "{text}");
        settle(&mut w, 5);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(tr.contains("C: AUTH PLAIN ********"), "{tr}");

        // Keep a copy first: nothing is deleted.
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            true,
        )
        .unwrap();
        let TaskStatus::Done(Outcome::Mailbox { messages, .. }) = run_task(&mut w, &mut t) else {
            panic!()
        };
        assert_eq!(messages.len(), 4);
        assert!(messages.iter().all(|m| m.uidl.is_some()));
        let last = crate::message::parse(&messages[3].raw);
        assert_eq!(last.subject.as_deref(), Some("Status update"));
        assert!(String::from_utf8_lossy(&messages[3].raw).contains("\r\n.leading dot\r\n"));
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );

        // Then download and delete.
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            false,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.len() == 4)
        );
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            0
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(tr.contains("C: DELE 4") && tr.contains("C: QUIT"), "{tr}");
    }

    #[test]
    fn failures_are_reported_not_panics() {
        let (mut w, d) = default_world(1);
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "nope",
            true,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Failed(ref e) if e.contains("login failed")),
            "{st:?}"
        );
        let sub = Submission {
            login: "smith".into(),
            password: "wrong".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("x"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        assert!(
            matches!(run_task(&mut w, &mut t), TaskStatus::Failed(ref e) if e.starts_with("535"))
        );
        w.set_host_up(d.corp, false);
        assert!(Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            true
        )
        .is_err());
    }

    #[test]
    fn imap_open_flag_move_append_delete() {
        let (mut w, d) = default_world(1);
        assert!(w.net.is_listening(d.corp, 143));
        let pc = d.recipient_pc;
        let host = "mx.corp.example";
        let open = |w: &mut World, folder: &str| {
            let mut t = Task::imap(
                w,
                pc,
                host,
                "boss",
                "boss",
                ImapAction::Open {
                    folder: folder.into(),
                },
            )
            .unwrap();
            match run_task(w, &mut t) {
                TaskStatus::Done(Outcome::Mailbox {
                    folders, messages, ..
                }) => (folders, messages),
                other => panic!("{other:?}"),
            }
        };
        let (folders, msgs) = open(&mut w, "INBOX");
        assert!(folders.iter().any(|f| f.name == "INBOX"), "{folders:?}");
        assert_eq!(msgs.len(), 3);
        assert!(msgs[0].flags.iter().any(|f| f == "\\Seen"));
        let uid = msgs[1].id;
        let run = |w: &mut World, a: ImapAction| {
            let mut t = Task::imap(w, pc, host, "boss", "boss", a).unwrap();
            let st = run_task(w, &mut t);
            assert!(matches!(st, TaskStatus::Done(_)), "{st:?}");
        };
        run(
            &mut w,
            ImapAction::Flag {
                folder: "INBOX".into(),
                uid,
                flag: "\\Flagged".into(),
                on: true,
            },
        );
        let (_, msgs) = open(&mut w, "INBOX");
        assert!(msgs[1].flags.iter().any(|f| f == "\\Flagged"));
        let archive = folders
            .iter()
            .find(|f| f.name != "INBOX")
            .map(|f| f.name.clone())
            .unwrap_or("INBOX".into());
        run(
            &mut w,
            ImapAction::Move {
                folder: "INBOX".into(),
                uid,
                to: archive.clone(),
            },
        );
        assert_eq!(open(&mut w, "INBOX").1.len(), 2);
        run(
            &mut w,
            ImapAction::Append {
                folder: "INBOX".into(),
                raw: note("Imported"),
            },
        );
        let (_, msgs) = open(&mut w, "INBOX");
        assert_eq!(msgs.len(), 3);
        let uid = msgs[2].id;
        run(
            &mut w,
            ImapAction::Delete {
                folder: "INBOX".into(),
                uid,
            },
        );
        assert_eq!(open(&mut w, "INBOX").1.len(), 2);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            2
        );
    }

    /// Issue 27: an answer longer than a client endpoint holds by default (8 MiB) that
    /// arrives between two polls lost its oldest bytes, cutting a literal, and the client
    /// read message text as responses ("unexpected response: omain envelope ...").
    #[test]
    fn an_imap_answer_longer_than_an_endpoints_default_inbox_arrives_whole() {
        let (mut w, d) = default_world(1);
        let line = "domain envelope message mailbox route body a3 OK {12}\r\n";
        let mut raw = b"Subject: Nine megabytes\r\n\r\n".to_vec();
        while raw.len() < 9 * 1024 * 1024 {
            raw.extend_from_slice(line.as_bytes());
        }
        let (_, uid) = w
            .store
            .deliver(
                "boss@corp.example",
                "INBOX",
                raw.clone(),
                Default::default(),
                0,
            )
            .unwrap();
        let mut t = Task::imap(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            ImapAction::Read {
                folder: "INBOX".into(),
                uid,
            },
        )
        .unwrap();
        // One long step: the whole answer arrives before the task polls.
        let t0 = w.now() + Duration::from_secs(30);
        w.run_until(t0);
        match run_task(&mut w, &mut t) {
            TaskStatus::Done(Outcome::Message(m)) => {
                assert_eq!(m.raw.len(), raw.len());
                assert!(m.raw == raw && m.whole);
            }
            TaskStatus::Failed(why) => panic!("the read failed: {why}"),
            _ => panic!("not one message"),
        }
    }

    #[test]
    fn an_empty_maildrop_and_a_bad_imap_login() {
        let (mut w, d) = default_world(1);
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "alice@corp.example",
            "alice",
            false,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.is_empty()),
            "{st:?}"
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(
            tr.contains("C: STAT") && tr.contains("C: QUIT") && !tr.contains("RETR"),
            "{tr}"
        );
        let mut t = Task::imap(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "wrong",
            ImapAction::Open {
                folder: "INBOX".into(),
            },
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Failed(ref e) if e.starts_with("NO")),
            "{st:?}"
        );
        assert!(w
            .transcript_text(t.conn(), true)
            .contains("a1 LOGIN \"boss\" ********"));
    }

    #[test]
    fn a_message_to_a_cut_off_domain_waits_in_the_queue() {
        let (mut w, d) = default_world(1);
        let now = w.now();
        w.net.set_link_cut(now, d.isp, d.corp, true);
        let sub = Submission {
            login: "smith@isp.example".into(),
            password: "smith".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Held"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        assert!(matches!(run_task(&mut w, &mut t), TaskStatus::Done(_)));
        settle(&mut w, 5);
        let e = w.queue.entries().next().expect("queued");
        assert!(e.last_error.is_some());
        let now = w.now();
        w.net.set_link_cut(now, d.isp, d.corp, false);
        settle(&mut w, 3600);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
    }

    #[test]
    fn an_eml_handed_to_port_25_lands_in_the_mailbox() {
        let (mut w, d) = default_world(1);
        let sub = Submission {
            login: String::new(),
            password: String::new(),
            from: "alice@corp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Imported over SMTP"),
        };
        let mut t = Task::smtp_deliver(&mut w, d.recipient_pc, "mx.corp.example", sub).unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Submitted(ref r)) if r.starts_with("250")),
            "{st:?}"
        );
        settle(&mut w, 5);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
        assert!(!w.transcript_text(t.conn(), true).contains("C: AUTH"));
    }
}
