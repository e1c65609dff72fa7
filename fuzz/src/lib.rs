//! Shared harness code for the fuzz targets: a store with a secret in every mailbox, a spool
//! that records what it took, and drivers that feed a session chunked input and check the
//! invariants that must hold whatever the peer sends.

use mail_sandbox::proto::imap::client::{
    ImapAction, ImapClient, ImapClientEvent, ImapJob, ImapOutcome,
};
use mail_sandbox::proto::pop3::client::{Pop3Client, Pop3ClientEvent, Pop3Job};
use mail_sandbox::proto::pop3::{Pop3Event, Pop3Session, Pop3State};
use mail_sandbox::proto::smtp::{
    ClientEvent, ClientJob, ClientOutcome, Envelope, PeerInfo, SmtpClient, SmtpCtx, SmtpEvent,
    SmtpServer, Spool, SpoolError, StartTlsPolicy,
};
use mail_sandbox::proto::HostCtx;
use mail_sandbox::sandbox::default_world;
use mail_sandbox::session::{Output, Session};
use mail_sandbox::store::{Flags, Store};
use mail_sandbox::time::{Duration, Instant, WallClock};
use mail_sandbox::wire::sasl::encode_plain;
use std::sync::OnceLock;

pub const HOST: &str = "mx.corp.example";

/// The token planted in each user's INBOX: no session logged in as someone else may show it.
pub fn secret_of(user: &str) -> String {
    format!("SECRET-{}-TOKEN", user.split('@').next().unwrap_or(user))
}

pub const USERS: [(&str, &str); 2] = [
    ("boss@corp.example", "boss"),
    ("alice@corp.example", "alice"),
];

/// The default world's store with a secret message in boss's and alice's INBOX.
pub fn store() -> Store {
    static STORE: OnceLock<Store> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let (w, _) = default_world(1);
            let mut store = w.store;
            for (user, _) in USERS {
                let raw = format!(
                    "From: x@corp.example\r\nSubject: {s}\r\n\r\nbody {s}\r\n.line\r\n",
                    s = secret_of(user)
                );
                store
                    .deliver(user, "INBOX", raw.into_bytes(), Flags::new(), 0)
                    .expect("seed");
            }
            store
        })
        .clone()
}

/// Splits `data` into chunks whose sizes cycle through the bytes of `sizes` (1..=64).
pub fn chunks<'a>(data: &'a [u8], sizes: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes.get(i % sizes.len().max(1)).map_or(rest.len(), |&s| {
            if s == 0 {
                rest.len()
            } else {
                usize::from(s % 64) + 1
            }
        });
        let n = n.min(rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    out
}

// ------------------------------------------------------------------ SMTP server

#[derive(Default)]
pub struct VecSpool {
    pub taken: Vec<(Envelope, Vec<u8>)>,
    /// Refuse every second message, to walk the 451 path too.
    pub flaky: bool,
}

impl Spool for VecSpool {
    fn spool(
        &mut self,
        _now: Instant,
        envelope: &Envelope,
        data: Vec<u8>,
    ) -> Result<String, SpoolError> {
        if self.flaky && self.taken.len() % 2 == 1 {
            self.taken.push((
                Envelope {
                    mail_from: String::new(),
                    rcpt_to: vec![],
                },
                vec![],
            ));
            return Err(SpoolError::Temporary("flaky".into()));
        }
        self.taken.push((envelope.clone(), data));
        Ok(format!("Q{}", self.taken.len()))
    }
}

/// Checks that server output is nothing but SMTP reply lines (`ddd` + space or dash).
fn check_smtp_reply_bytes(bytes: &[u8]) {
    assert!(
        bytes.ends_with(b"\r\n"),
        "reply not CRLF-terminated: {bytes:?}"
    );
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        assert!(line.ends_with(b"\r"), "bare LF in reply: {bytes:?}");
        let body = &line[..line.len() - 1];
        assert!(!body.contains(&b'\r'), "bare CR in reply: {bytes:?}");
        assert!(
            body.len() >= 4
                && body[..3].iter().all(u8::is_ascii_digit)
                && (body[3] == b' ' || body[3] == b'-'),
            "not a reply line: {line:?}"
        );
    }
}

/// Feeds `data` (after an optional scripted `prefix`) to a fresh SMTP server on `HOST`, port
/// 587 when `submission`, and checks: output is well-formed replies, nothing after Close,
/// accepted events match the spool, no open relay, no unauthenticated submission.
pub fn run_smtp_server(submission: bool, login: bool, sizes: &[u8], data: &[u8]) {
    let mut store = store();
    store.limits.max_message_size = 4096;
    let mut spool = VecSpool {
        flaky: sizes.first().is_some_and(|b| b & 0x80 != 0),
        ..VecSpool::default()
    };
    let mut now = Instant::from_millis(1_000);
    let peer = PeerInfo {
        addr: "192.0.2.10".into(),
        name: Some("pc.home.example".into()),
    };
    let mut closed = false;
    let mut authenticated = false;
    let mut accepted = 0usize;
    let mut server = {
        let mut ctx = SmtpCtx {
            host: HOST,
            store: &store,
            clock: WallClock::default(),
            submission,
            spool: &mut spool,
        };
        SmtpServer::new(now, &mut ctx, peer).with_serial(7)
    };
    let drain =
        |s: &mut SmtpServer, closed: &mut bool, authenticated: &mut bool, accepted: &mut usize| {
            while let Some(o) = s.poll_output() {
                match o {
                    Output::Transmit(b) => {
                        assert!(!*closed, "transmit after close");
                        check_smtp_reply_bytes(&b);
                    }
                    Output::Close => *closed = true,
                    Output::Event(SmtpEvent::Authenticated(_)) => *authenticated = true,
                    Output::Event(SmtpEvent::Accepted { envelope, .. }) => {
                        *accepted += 1;
                        assert!(!envelope.rcpt_to.is_empty());
                        assert!(envelope.rcpt_to.len() <= 100);
                    }
                    Output::Event(SmtpEvent::Phase(_) | SmtpEvent::Secret(_) | SmtpEvent::StartTls) => {}
                }
            }
        };
    drain(&mut server, &mut closed, &mut authenticated, &mut accepted);
    let prefix = format!(
        "EHLO fuzz.example\r\nAUTH PLAIN {}\r\n",
        encode_plain("boss@corp.example", "boss")
    );
    let mut pieces: Vec<&[u8]> = Vec::new();
    if login {
        pieces.push(prefix.as_bytes());
    }
    pieces.extend(chunks(data, sizes));
    for (i, piece) in pieces.into_iter().enumerate() {
        let mut ctx = SmtpCtx {
            host: HOST,
            store: &store,
            clock: WallClock::default(),
            submission,
            spool: &mut spool,
        };
        server.handle_input(&mut ctx, now, piece);
        drain(&mut server, &mut closed, &mut authenticated, &mut accepted);
        if i == 0 && login {
            assert_eq!(server.user(), Some("boss@corp.example"), "scripted login");
        }
        now += Duration::from_millis(500);
    }
    {
        let mut ctx = SmtpCtx {
            host: HOST,
            store: &store,
            clock: WallClock::default(),
            submission,
            spool: &mut spool,
        };
        if let Some(t) = server.poll_timeout() {
            server.handle_timeout(&mut ctx, t);
        }
        drain(&mut server, &mut closed, &mut authenticated, &mut accepted);
        assert!(server.is_closed(), "the idle timer closes the session");
        server.handle_close(&mut ctx, now);
        drain(&mut server, &mut closed, &mut authenticated, &mut accepted);
    }
    let taken: Vec<&(Envelope, Vec<u8>)> = spool
        .taken
        .iter()
        .filter(|(e, _)| !e.rcpt_to.is_empty())
        .collect();
    assert_eq!(
        accepted,
        taken.len(),
        "every spooled message was answered 250 once"
    );
    if submission {
        assert!(taken.is_empty() || authenticated, "submission without AUTH");
    }
    if !authenticated {
        for (env, _) in &taken {
            for r in &env.rcpt_to {
                let domain = r.rsplit_once('@').map_or("", |(_, d)| d);
                assert!(
                    domain.eq_ignore_ascii_case("corp.example"),
                    "open relay: unauthenticated message to {r}"
                );
                assert!(store.is_user(r), "accepted an unknown local user {r}");
            }
        }
    }
}

// ------------------------------------------------------------------ POP3

/// Feeds `data` to a POP3 session on `HOST` (after `USER alice` / `PASS alice` when `login`)
/// and checks isolation (no other user's secret ever shown), that messages only go away after
/// QUIT, and that the maildrop lock is released at the end.
pub fn run_pop3(login: bool, sizes: &[u8], data: &[u8]) {
    let mut store = store();
    let before: Vec<(String, usize)> = USERS
        .iter()
        .map(|(u, _)| {
            (
                u.to_string(),
                store.folder(u, "INBOX").map_or(0, |f| f.len()),
            )
        })
        .collect();
    let mut now = Instant::from_millis(1_000);
    let clock = WallClock::default();
    let mut session = Pop3Session::new(
        now,
        &mut HostCtx {
            host: HOST,
            store: &mut store,
            clock,
        },
        1,
    );
    let mut out = Vec::new();
    let mut closed = false;
    // Who logged in, from the session's own events (a login and a QUIT can share one chunk).
    let mut users_seen: Vec<String> = Vec::new();
    let drain =
        |s: &mut Pop3Session, out: &mut Vec<u8>, closed: &mut bool, users: &mut Vec<String>| {
            while let Some(o) = s.poll_output() {
                match o {
                    Output::Transmit(b) => {
                        assert!(!*closed, "transmit after close");
                        out.extend_from_slice(&b);
                    }
                    Output::Close => *closed = true,
                    Output::Event(Pop3Event::LoggedIn(u)) => users.push(u),
                    Output::Event(Pop3Event::State(_) | Pop3Event::Secret(_) | Pop3Event::StartTls) => {}
                }
            }
        };
    drain(&mut session, &mut out, &mut closed, &mut users_seen);
    let mut pieces: Vec<&[u8]> = Vec::new();
    if login {
        pieces.push(b"USER alice\r\nPASS alice\r\n");
    }
    pieces.extend(chunks(data, sizes));
    let mut reached_update = false;
    for (i, piece) in pieces.into_iter().enumerate() {
        session.handle_input(
            &mut HostCtx {
                host: HOST,
                store: &mut store,
                clock,
            },
            now,
            piece,
        );
        reached_update |= session.state() == Pop3State::Update;
        drain(&mut session, &mut out, &mut closed, &mut users_seen);
        if i == 0 && login {
            assert_eq!(session.user(), Some("alice@corp.example"), "scripted login");
        }
        now += Duration::from_millis(500);
    }
    let mut ctx = HostCtx {
        host: HOST,
        store: &mut store,
        clock,
    };
    if let Some(t) = session.poll_timeout() {
        session.handle_timeout(&mut ctx, t);
    }
    session.handle_close(&mut ctx, now);
    drain(&mut session, &mut out, &mut closed, &mut users_seen);
    let text = String::from_utf8_lossy(&out);
    for (user, count) in &before {
        if !users_seen.iter().any(|u| u == user) {
            assert!(
                !text.contains(&secret_of(user)),
                "{user}'s mail shown to {users_seen:?}"
            );
        }
        let after = store.folder(user, "INBOX").map_or(0, |f| f.len());
        if reached_update && users_seen.iter().any(|u| u == user) {
            assert!(after <= *count);
        } else {
            assert_eq!(after, *count, "{user}'s INBOX changed without QUIT");
        }
        assert!(
            !store.is_maildrop_locked(user),
            "lock of {user} left behind"
        );
    }
}

// ------------------------------------------------------------------ SMTP client

/// Feeds arbitrary server bytes to a relay client and checks it reports exactly once, only
/// sends CRLF-terminated commands, and never claims more than its envelope.
pub fn run_smtp_client(auth: bool, sizes: &[u8], data: &[u8]) {
    let rcpts = vec![
        "boss@corp.example".to_string(),
        "nobody@corp.example".to_string(),
        "zoë@corp.example".to_string(),
    ];
    let job = ClientJob {
        helo: "smtp.isp.example".into(),
        auth: auth.then(|| ("smith@isp.example".to_string(), "smith".to_string())),
        envelope: Envelope {
            mail_from: "smith@isp.example".into(),
            rcpt_to: rcpts.clone(),
        },
        data: b"Subject: x\r\n\r\n.dot\r\nbody\xc3\xa9\r\n".to_vec(),
        // Both ways through STARTTLS: required with AUTH, taken when offered without.
        starttls: if auth {
            StartTlsPolicy::Required
        } else {
            StartTlsPolicy::WhenOffered
        },
    };
    let mut now = Instant::from_millis(0);
    let mut client = SmtpClient::new(now, job);
    let mut done = 0;
    let mut closed = false;
    let drain = |c: &mut SmtpClient, done: &mut usize, closed: &mut bool| {
        while let Some(o) = c.poll_output() {
            match o {
                Output::Transmit(b) => {
                    assert!(!*closed, "transmit after close");
                    assert!(b.ends_with(b"\r\n"), "unterminated command {b:?}");
                }
                Output::Close => *closed = true,
                Output::Event(ClientEvent::UpgradeToTls) => {
                    assert!(!*closed && *done == 0, "an upgrade after the outcome");
                }
                Output::Event(ClientEvent::Done(outcome)) => {
                    *done += 1;
                    if let ClientOutcome::Sent {
                        accepted, rejected, ..
                    } = &outcome
                    {
                        assert!(!accepted.is_empty());
                        for a in accepted.iter().chain(rejected.iter().map(|(a, _)| a)) {
                            assert!(rcpts.contains(a));
                        }
                        assert!(accepted.len() + rejected.len() <= rcpts.len());
                    }
                }
            }
        }
    };
    for piece in chunks(data, sizes) {
        client.handle_input(&mut (), now, piece);
        drain(&mut client, &mut done, &mut closed);
        now += Duration::from_millis(100);
        assert!(done <= 1, "reported twice");
    }
    if let Some(t) = client.poll_timeout() {
        client.handle_timeout(&mut (), t);
    }
    client.handle_close(&mut (), now);
    drain(&mut client, &mut done, &mut closed);
    assert_eq!(done, 1, "exactly one outcome");
}

/// Feeds a client session server bytes in chunks, then its timeout and a close: it reports
/// exactly one outcome (`outcomes` counts them), sends only CRLF-terminated commands (or a
/// literal with its CRLF) and nothing after Close.
fn run_client<S: Session<(), Event = E>, E>(
    mut client: S,
    sizes: &[u8],
    data: &[u8],
    mut check: impl FnMut(E),
) -> usize {
    let mut now = Instant::from_millis(0);
    let mut outcomes = 0;
    let mut closed = false;
    let mut drain = |c: &mut S, outcomes: &mut usize, closed: &mut bool| {
        while let Some(o) = c.poll_output() {
            match o {
                Output::Transmit(b) => {
                    assert!(!*closed, "transmit after close");
                    assert!(b.ends_with(b"\r\n"), "unterminated command {b:?}");
                }
                Output::Close => *closed = true,
                Output::Event(e) => {
                    *outcomes += 1;
                    check(e);
                }
            }
        }
    };
    drain(&mut client, &mut outcomes, &mut closed);
    for piece in chunks(data, sizes) {
        client.handle_input(&mut (), now, piece);
        drain(&mut client, &mut outcomes, &mut closed);
        now += Duration::from_millis(100);
        assert!(outcomes <= 1, "reported twice");
    }
    if let Some(t) = client.poll_timeout() {
        client.handle_timeout(&mut (), t);
    }
    client.handle_close(&mut (), now);
    drain(&mut client, &mut outcomes, &mut closed);
    assert!(closed || client.is_closed(), "still open after close");
    outcomes
}

/// The POP3 client (`keep` or delete) fed arbitrary server bytes.
pub fn run_pop3_client(keep: bool, sizes: &[u8], data: &[u8]) {
    let job = Pop3Job {
        user: "boss".into(),
        password: "boss".into(),
        keep,
        stls: StartTlsPolicy::Never,
    };
    let client = Pop3Client::new(Instant::from_millis(0), job);
    let n = run_client(client, sizes, data, |event| {
        if let Pop3ClientEvent::Done(Ok(messages)) = event {
            assert!(messages.windows(2).all(|w| w[0].number < w[1].number));
        }
    });
    assert_eq!(n, 1, "exactly one outcome");
}

/// The IMAP client (opening INBOX, or appending with a literal) fed arbitrary server bytes.
pub fn run_imap_client(append: bool, sizes: &[u8], data: &[u8]) {
    let action = if append {
        ImapAction::Append {
            folder: "Drafts".into(),
            raw: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        }
    } else {
        ImapAction::Open {
            folder: "INBOX".into(),
        }
    };
    let job = ImapJob {
        user: "boss".into(),
        password: "boss".into(),
        action,
        starttls: StartTlsPolicy::Never,
    };
    let client = ImapClient::new(Instant::from_millis(0), job);
    let n = run_client(client, sizes, data, |event| match event {
        ImapClientEvent::Done(r) => {
            if let Ok(ImapOutcome::Mailbox { messages, .. }) = r {
                assert!(messages.iter().all(|m| m.uid != 0));
            }
        }
        ImapClientEvent::UpgradeToTls => panic!("a job that never asks for TLS upgraded"),
    });
    assert_eq!(n, 1, "exactly one outcome");
}

/// The IMAP client's response reader: a client reading message 77 gets a greeting, LOGIN's
/// and SELECT's completions, then arbitrary bytes (FETCH responses with literals, mostly).
/// Whatever the bytes and however they are split, the outcome is the one the whole input
/// gives (framing does not depend on where reads end), a message it reports is made of bytes
/// the server sent, and the framed responses the tokenizer reads never panic it.
pub fn run_imap_responses(sizes: &[u8], data: &[u8]) {
    use mail_sandbox::proto::imap::client::tokenize;
    use mail_sandbox::proto::imap::frame::{Frame, Framer};
    let mut input = b"* OK ready\r\na1 OK LOGIN completed\r\na2 OK SELECT completed\r\n".to_vec();
    input.extend_from_slice(data);
    let outcome = |split: &[u8]| {
        let job = ImapJob {
            user: "boss".into(),
            password: "boss".into(),
            action: ImapAction::Read {
                folder: "INBOX".into(),
                uid: 77,
            },
            starttls: StartTlsPolicy::Never,
        };
        let mut got = None;
        let n = run_client(
            ImapClient::new(Instant::from_millis(0), job),
            split,
            &input,
            |event| match event {
                ImapClientEvent::Done(r) => got = Some(r),
                ImapClientEvent::UpgradeToTls => panic!("a job that never asks for TLS upgraded"),
            },
        );
        assert_eq!(n, 1, "exactly one outcome");
        got
    };
    let whole = outcome(&[0]);
    let split = outcome(sizes);
    assert_eq!(whole, split, "the outcome depends on where reads end");
    if let Some(Ok(ImapOutcome::Message(m))) = &whole {
        assert_eq!(m.uid, 77);
        assert!(m.raw.len() <= data.len(), "bytes the server never sent");
    }
    let mut framer = Framer::new(mail_sandbox::proto::imap::client::MAX_LINE);
    let mut rest = &input[..];
    while !rest.is_empty() {
        let (n, frame) = framer.push(rest);
        rest = &rest[n..];
        match frame {
            Some(Frame::Command(resp)) => {
                let toks = tokenize(&resp);
                assert!(toks.len() <= resp.len(), "more tokens than bytes");
            }
            Some(Frame::Literal { size, .. }) if size <= 1 << 20 => framer.accept_literal(),
            Some(Frame::Literal { .. }) => framer.reject_literal(),
            Some(_) => {}
            None if n == 0 => break,
            None => {}
        }
    }
}

/// Writes seed snapshots for the `snapshot_restore` target (run by scripts/fuzz.sh):
/// the default world, and one after mail moved and a host went down.
pub fn write_snapshot_seeds(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let (w, _) = default_world(1);
    std::fs::write(dir.join("default.json"), w.snapshot_json())?;
    let (mut w, d) = default_world(2);
    if let Ok(c) = w.connect(d.sender_pc, "smtp.isp.example", 587) {
        let script = format!(
            "EHLO x\r\nAUTH PLAIN {}\r\nMAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\nRCPT TO:<nobody@nowhere.example>\r\nDATA\r\nSubject: seed\r\n\r\nhi\r\n.\r\nQUIT\r\n",
            encode_plain("smith@isp.example", "smith")
        );
        w.send(c, script.as_bytes());
    }
    w.set_host_up(d.corp, false);
    let t = w.now() + Duration::from_secs(2);
    w.run_until(t);
    std::fs::write(dir.join("busy.json"), w.snapshot_json())?;
    Ok(())
}

// ------------------------------------------------------------------ IMAP

/// What can be observed of a user's mailbox: folders with UIDVALIDITY, UIDNEXT, modseq, size.
fn mailbox_shape(store: &Store, user: &str) -> Vec<(String, u32, u32, u64, usize)> {
    store
        .folder_names(user)
        .into_iter()
        .filter_map(|n| {
            let f = store.folder(user, &n)?;
            Some((n, f.uidvalidity, f.uidnext, f.highest_modseq, f.len()))
        })
        .collect()
}

/// Feeds `data` to an IMAP session on `HOST` (after `a LOGIN alice alice` when `login`) and
/// checks isolation: no other user's secret is ever shown and no other user's mailbox changes.
pub fn run_imap(login: bool, sizes: &[u8], data: &[u8]) {
    use mail_sandbox::proto::imap::{ImapEvent, ImapSession};
    let mut store = store();
    let before: Vec<(String, Vec<(String, u32, u32, u64, usize)>)> = USERS
        .iter()
        .map(|(u, _)| (u.to_string(), mailbox_shape(&store, u)))
        .collect();
    let mut now = Instant::from_millis(1_000);
    let clock = WallClock::default();
    let mut session = ImapSession::new(now);
    let mut out = Vec::new();
    let mut closed = false;
    let mut users_seen: Vec<String> = Vec::new();
    let drain =
        |s: &mut ImapSession, out: &mut Vec<u8>, closed: &mut bool, users: &mut Vec<String>| {
            while let Some(o) = s.poll_output() {
                match o {
                    Output::Transmit(b) => {
                        assert!(!*closed, "transmit after close");
                        out.extend_from_slice(&b);
                    }
                    Output::Close => *closed = true,
                    Output::Event(ImapEvent::LoggedIn(u)) => users.push(u),
                    Output::Event(_) => {}
                }
            }
        };
    drain(&mut session, &mut out, &mut closed, &mut users_seen);
    let mut pieces: Vec<&[u8]> = Vec::new();
    if login {
        pieces.push(b"a LOGIN alice alice\r\n");
    }
    pieces.extend(chunks(data, sizes));
    for (i, piece) in pieces.into_iter().enumerate() {
        session.handle_input(
            &mut HostCtx {
                host: HOST,
                store: &mut store,
                clock,
            },
            now,
            piece,
        );
        drain(&mut session, &mut out, &mut closed, &mut users_seen);
        if i == 0 && login {
            assert_eq!(session.user(), Some("alice@corp.example"), "scripted login");
        }
        now += Duration::from_millis(500);
        if let Some(t) = session.poll_timeout() {
            if t <= now {
                session.handle_timeout(
                    &mut HostCtx {
                        host: HOST,
                        store: &mut store,
                        clock,
                    },
                    now,
                );
                drain(&mut session, &mut out, &mut closed, &mut users_seen);
            }
        }
    }
    let mut ctx = HostCtx {
        host: HOST,
        store: &mut store,
        clock,
    };
    if let Some(t) = session.poll_timeout() {
        session.handle_timeout(&mut ctx, t);
    }
    session.handle_close(&mut ctx, now);
    drain(&mut session, &mut out, &mut closed, &mut users_seen);
    let text = String::from_utf8_lossy(&out);
    for (user, shape) in &before {
        if !users_seen.iter().any(|u| u == user) {
            assert!(
                !text.contains(&secret_of(user)),
                "{user}'s mail shown to {users_seen:?}"
            );
            assert_eq!(
                &mailbox_shape(&store, user),
                shape,
                "{user}'s mailbox changed by {users_seen:?}"
            );
        }
    }
}
