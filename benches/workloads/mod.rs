//! The benchmark workloads, shared by the criterion bench (`benches/engine.rs`), the fixed-count
//! native timer (`benches/ratio.rs`) and the wasm bench in headless Chromium
//! (`tests/wasm_bench.rs`), so native and wasm run exactly the same code and counts.
//! No network I/O: sessions are driven directly (sans-IO) or through a virtual [`World`].
#![allow(dead_code)]

use mail_sandbox::proto::imap::ImapSession;
use mail_sandbox::proto::pop3::Pop3Session;
use mail_sandbox::proto::smtp::{Envelope, PeerInfo, SmtpCtx, SmtpServer, Spool, SpoolError};
use mail_sandbox::proto::HostCtx;
use mail_sandbox::sandbox::{default_world, DefaultWorld, World};
use mail_sandbox::session::{Output, Session};
use mail_sandbox::store::{Flag, Flags, Store};
use mail_sandbox::time::{format_rfc5322, Duration, Instant, WallClock};
use mail_sandbox::wire::sasl::encode_plain;

pub const HOST: &str = "mx.corp.example";
pub const USER: &str = "boss@corp.example";
pub const PASS: &str = "boss";
/// 2026-11-02 09:00 UTC: the first message's date; each next one is 7 minutes later.
pub const T0: i64 = 1_793_610_000;

// ---------------------------------------------------------------- messages

const NAMES: [(&str, &str); 8] = [
    ("Alice Archer", "alice@corp.example"),
    ("Jane Smith", "smith@isp.example"),
    ("Carlos Díaz", "carlos@vendor.example"),
    ("Dana Lee", "dana@corp.example"),
    ("Erik Olsen", "erik@partner.example"),
    ("Fatima Khan", "fatima@corp.example"),
    ("Gus Grant", "gus@isp.example"),
    ("Hana Sato", "hana@partner.example"),
];
const TOPICS: [&str; 10] = [
    "Quarterly report draft",
    "Lunch on Friday?",
    "Re: budget for the offsite",
    "Server maintenance window",
    "Meeting notes",
    "Re: Re: travel plans",
    "New hire onboarding",
    "=?UTF-8?Q?R=C3=A9sum=C3=A9_attached?=",
    "Customer feedback summary",
    "Weekly status",
];
const WORDS: [&str; 24] = [
    "the", "project", "team", "schedule", "review", "please", "thanks", "update", "numbers",
    "attached", "meeting", "tomorrow", "office", "client", "budget", "report", "next", "week",
    "draft", "plan", "status", "call", "notes", "again",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn pick(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn text_lines(rng: &mut Rng, lines: usize) -> String {
    let mut s = String::new();
    for _ in 0..lines {
        let n = 6 + rng.pick(8);
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(WORDS[rng.pick(WORDS.len())]);
        }
        s.push_str(".\r\n");
    }
    s
}

/// Message `i` of a realistic small mailbox (about 1-2 KB): mostly plain text, every fifth a
/// multipart/alternative with an HTML part, every 100th mentions "invoice" in its subject and
/// every 97th says "kangaroo" in its body (the SEARCH needles).
pub fn small_message(i: usize) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x2545_F491));
    let (from_name, from) = NAMES[i % NAMES.len()];
    let subject = if i % 100 == 7 {
        format!("Invoice {i} for October")
    } else {
        TOPICS[rng.pick(TOPICS.len())].to_string()
    };
    let date = format_rfc5322(T0 + i as i64 * 420);
    let lines = 8 + rng.pick(12);
    let mut body = text_lines(&mut rng, lines);
    if i % 97 == 3 {
        body.push_str("We saw a kangaroo near the office.\r\n");
    }
    let mut m = format!(
        "Return-Path: <{from}>\r\n\
         Received: from mail.example ([192.0.2.1]) by mx.corp.example with ESMTP id M{i}; {date}\r\n\
         From: {from_name} <{from}>\r\n\
         To: Robert Boss <boss@corp.example>\r\n\
         Subject: {subject}\r\n\
         Date: {date}\r\n\
         Message-ID: <m{i}@bench.example>\r\n\
         MIME-Version: 1.0\r\n"
    );
    if i % 5 == 4 {
        let html = body.replace("\r\n", "<br>\r\n");
        m.push_str(&format!(
            "Content-Type: multipart/alternative; boundary=\"b{i}\"\r\n\r\n\
             --b{i}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\
             --b{i}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{html}</p>\r\n\
             --b{i}--\r\n"
        ));
    } else {
        m.push_str("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        m.push_str(&body);
    }
    m.into_bytes()
}

/// A message body of about `size` bytes: headers, then 72-column text lines.
pub fn sized_message(size: usize) -> Vec<u8> {
    let mut m = b"From: Jane Smith <smith@isp.example>\r\nTo: Robert Boss <boss@corp.example>\r\nSubject: A big one\r\nMessage-ID: <big@isp.example>\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\n\r\n".to_vec();
    let line = b"abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 .,;:!?\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

// ---------------------------------------------------------------- the store

/// A store with corp.example on mx.corp.example and the boss's INBOX holding `n` small
/// messages, built directly with `Store::deliver` (every tenth unseen, every 50th flagged).
pub fn mailbox_store(n: usize) -> Store {
    let mut s = Store::new();
    s.add_domain("corp.example", HOST);
    s.add_account(USER, PASS, "Robert Boss").expect("account");
    s.add_account("alice@corp.example", "alice", "Alice Archer")
        .expect("account");
    for i in 0..n {
        let mut flags = Flags::new();
        if i % 10 != 0 {
            flags.insert(Flag::Seen);
        }
        if i % 50 == 0 {
            flags.insert(Flag::Flagged);
        }
        s.deliver(USER, "INBOX", small_message(i), flags, T0 + i as i64 * 420)
            .expect("deliver");
    }
    s
}

/// Bytes of every message in the boss's INBOX.
pub fn raw_bytes(s: &Store) -> usize {
    s.folder(USER, "INBOX")
        .map(|f| f.messages().iter().map(|m| m.raw.len()).sum())
        .unwrap_or(0)
}

fn drain<C: ?Sized, S: Session<C>>(s: &mut S) -> usize {
    let mut n = 0;
    while let Some(o) = s.poll_output() {
        if let Output::Transmit(b) = o {
            n += b.len();
        }
    }
    n
}

fn now() -> Instant {
    Instant::from_millis(1_000)
}

// ---------------------------------------------------------------- SMTP

/// A spool that takes every message and keeps only a count.
#[derive(Default)]
pub struct CountingSpool {
    pub messages: usize,
    pub bytes: usize,
}

impl Spool for CountingSpool {
    fn spool(&mut self, _now: Instant, _e: &Envelope, data: Vec<u8>) -> Result<String, SpoolError> {
        self.messages += 1;
        self.bytes += data.len();
        Ok(format!("Q{}", self.messages))
    }
}

pub struct SmtpFixture {
    pub store: Store,
    pub message: Vec<u8>,
}

impl SmtpFixture {
    pub fn new(size: usize) -> Self {
        SmtpFixture {
            store: mailbox_store(0),
            message: sized_message(size),
        }
    }

    /// `count` messages through one port-25 session; `pipelined`: each transaction's commands
    /// and data go in one write (fed in 64 KiB segments), else each command waits for its
    /// reply. Returns the messages spooled.
    pub fn ingest(&self, count: usize, pipelined: bool) -> usize {
        let mut spool = CountingSpool::default();
        let mut ctx = SmtpCtx {
            host: HOST,
            store: &self.store,
            clock: WallClock::default(),
            submission: false,
            spool: &mut spool,
        };
        let peer = PeerInfo {
            addr: "198.51.100.25".into(),
            name: Some("smtp.isp.example".into()),
        };
        let t = now();
        let mut s = SmtpServer::new(t, &mut ctx, peer);
        drain(&mut s);
        s.handle_input(&mut ctx, t, b"EHLO smtp.isp.example\r\n");
        drain(&mut s);
        let mut data = self.message.clone();
        data.extend_from_slice(b".\r\n");
        let cmds: [&[u8]; 3] = [
            b"MAIL FROM:<smith@isp.example>\r\n",
            b"RCPT TO:<boss@corp.example>\r\n",
            b"DATA\r\n",
        ];
        let mut buf = Vec::new();
        for _ in 0..count {
            if pipelined {
                buf.clear();
                for c in cmds {
                    buf.extend_from_slice(c);
                }
                buf.extend_from_slice(&data);
                for seg in buf.chunks(64 * 1024) {
                    s.handle_input(&mut ctx, t, seg);
                }
                drain(&mut s);
            } else {
                for c in cmds {
                    s.handle_input(&mut ctx, t, c);
                    drain(&mut s);
                }
                for seg in data.chunks(64 * 1024) {
                    s.handle_input(&mut ctx, t, seg);
                }
                drain(&mut s);
            }
        }
        assert_eq!(spool.messages, count, "every message spooled");
        spool.messages
    }
}

// ---------------------------------------------------------------- the whole world

/// Submission on the ISP's port 587 -> relay -> MX lookup -> mx.corp.example -> the boss's
/// INBOX, through the virtual network of the default world.
pub struct WorldFixture {
    pub world: World,
    pub hosts: DefaultWorld,
}

impl Default for WorldFixture {
    fn default() -> Self {
        Self::new()
    }
}

impl WorldFixture {
    pub fn new() -> Self {
        let (world, hosts) = default_world(42);
        WorldFixture { world, hosts }
    }

    /// Submits `count` messages over one authenticated submission session (pipelined, one
    /// write per transaction) and runs the world until all are in the boss's INBOX.
    pub fn submit_and_deliver(&mut self, count: usize) -> usize {
        let w = &mut self.world;
        let before = inbox_len(w);
        let conn = w
            .connect(self.hosts.sender_pc, "smtp.isp.example", 587)
            .expect("connects");
        step(w, 100);
        let login = format!(
            "EHLO pc.home.example\r\nAUTH PLAIN {}\r\n",
            encode_plain("smith@isp.example", "smith")
        );
        w.send(conn, login.as_bytes());
        step(w, 100);
        for i in 0..count {
            let mut tx =
                b"MAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\nDATA\r\n"
                    .to_vec();
            tx.extend_from_slice(&small_message(i));
            tx.extend_from_slice(b".\r\n");
            w.send(conn, &tx);
            step(w, 20);
            w.take_received(conn);
        }
        w.send(conn, b"QUIT\r\n");
        for _ in 0..10_000 {
            if inbox_len(w) >= before + count {
                break;
            }
            step(w, 1_000);
        }
        w.take_received(conn);
        w.forget(conn);
        let delivered = inbox_len(w) - before;
        assert_eq!(delivered, count, "every message delivered");
        delivered
    }
}

/// The default world with `queued` messages waiting in the ISP's relay queue for
/// mx.corp.example, which is down (so they stay queued, retrying), and a learner typing `CAPA`
/// at the ISP's POP3 server meanwhile.
pub struct QueuedWorld {
    pub world: World,
    pub hosts: DefaultWorld,
}

impl QueuedWorld {
    pub fn new(queued: usize) -> Self {
        let (mut world, hosts) = default_world(42);
        world.set_host_up(hosts.corp, false);
        let envelope = Envelope {
            mail_from: "smith@isp.example".into(),
            rcpt_to: vec![USER.into()],
        };
        let t = world.now();
        for i in 0..queued {
            world
                .queue
                .enqueue(t, "smtp.isp.example", &envelope, small_message(i))
                .expect("queued");
        }
        // Every entry fails its first attempt (the MX is down) and waits for its retry.
        step(&mut world, 1_000);
        assert_eq!(world.queue.len(), queued);
        QueuedWorld { world, hosts }
    }

    /// `count` command round trips on one POP3 connection while the queue waits.
    pub fn type_commands(&mut self, count: usize) -> usize {
        let w = &mut self.world;
        let conn = w
            .connect(self.hosts.sender_pc, "smtp.isp.example", 110)
            .expect("connects");
        step(w, 50);
        let mut got = w.take_received(conn).len();
        for _ in 0..count {
            w.send(conn, b"CAPA\r\n");
            step(w, 5);
            got += w.take_received(conn).len();
        }
        w.close(conn);
        step(w, 50);
        w.forget(conn);
        assert!(got > count * 20, "every command answered");
        got
    }
}

fn inbox_len(w: &World) -> usize {
    w.store.folder(USER, "INBOX").map_or(0, |f| f.len())
}

fn step(w: &mut World, ms: u64) {
    let t = w.now() + Duration::from_millis(ms);
    w.run_until(t);
}

// ---------------------------------------------------------------- POP3

/// Logs in to the boss's maildrop, RETRs every message, then drops the connection (which
/// releases the lock without deleting anything). Returns the bytes the server sent.
pub fn pop3_retr_all(store: &mut Store) -> usize {
    let n = store.folder(USER, "INBOX").map_or(0, |f| f.len());
    let mut ctx = HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    };
    let t = now();
    let mut s = Pop3Session::new(t, &mut ctx, 1);
    drain(&mut s);
    s.handle_input(&mut ctx, t, b"USER boss@corp.example\r\nPASS boss\r\n");
    let mut sent = drain(&mut s);
    let mut line = String::new();
    for i in 1..=n {
        line.clear();
        line.push_str("RETR ");
        line.push_str(&i.to_string());
        line.push_str("\r\n");
        s.handle_input(&mut ctx, t, line.as_bytes());
        sent += drain(&mut s);
    }
    s.handle_close(&mut ctx, t);
    assert!(sent > n * 500, "every message retrieved");
    sent
}

// ---------------------------------------------------------------- IMAP

/// An IMAP session logged in as the boss (nothing selected yet).
pub fn imap_login(store: &mut Store) -> ImapSession {
    let mut ctx = HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    };
    let t = now();
    let mut s = ImapSession::new(t);
    s.handle_input(&mut ctx, t, b"a LOGIN boss@corp.example boss\r\n");
    drain(&mut s);
    s
}

/// Runs one IMAP command line and returns the response bytes (checked to end in `OK`).
pub fn imap_cmd(s: &mut ImapSession, store: &mut Store, line: &str) -> Vec<u8> {
    let mut ctx = HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    };
    s.handle_input(&mut ctx, now(), line.as_bytes());
    let mut out = Vec::new();
    while let Some(o) = s.poll_output() {
        if let Output::Transmit(b) = o {
            out.extend_from_slice(&b);
        }
    }
    let tag = line.split(' ').next().unwrap_or("");
    let done = format!("{tag} OK");
    let tail = out
        .rsplit(|&b| b == b'\n')
        .nth(1)
        .map(|l| String::from_utf8_lossy(l).to_string())
        .unwrap_or_default();
    assert!(tail.starts_with(&done), "{line:?} -> {tail:?}");
    out
}

/// The boss's store with `n` messages and a session that has SELECTed INBOX.
pub struct ImapFixture {
    pub store: Store,
    pub session: ImapSession,
}

impl ImapFixture {
    pub fn new(n: usize) -> Self {
        let mut store = mailbox_store(n);
        let mut session = imap_login(&mut store);
        imap_cmd(&mut session, &mut store, "s SELECT INBOX\r\n");
        ImapFixture { store, session }
    }

    pub fn run(&mut self, line: &str) -> Vec<u8> {
        imap_cmd(&mut self.session, &mut self.store, line)
    }
}

pub const FETCH_ALL: &str = "f FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE)\r\n";
pub const SEARCH_TEXT: &str = "t SEARCH TEXT kangaroo\r\n";
pub const UID_SEARCH: &str = "u UID SEARCH UNDELETED SUBJECT invoice\r\n";
pub const SELECT: &str = "s SELECT INBOX\r\n";
pub const NOOP: &str = "n NOOP\r\n";

/// Hits of a `* SEARCH` response (to check every implementation finds the same).
pub fn search_hits(out: &[u8]) -> usize {
    let text = String::from_utf8_lossy(out);
    text.lines()
        .find(|l| l.starts_with("* SEARCH"))
        .map_or(0, |l| l.split(' ').count() - 2)
}

// ---------------------------------------------------------------- the ratio table

/// One workload of the wasm/native table: a name, its unit, and how many units one run does.
pub struct Timed {
    pub name: &'static str,
    pub unit: &'static str,
    pub units: usize,
    pub millis: f64,
}

impl Timed {
    /// `RESULT <name> <ms> <units> <unit>`: the line scripts/bench.sh reads.
    pub fn line(&self) -> String {
        format!(
            "RESULT {} {:.3} {} {}",
            self.name, self.millis, self.units, self.unit
        )
    }
}

/// Runs of each workload; the fastest counts (the first also warms up the JIT in wasm).
pub const RUNS: usize = 3;

/// Runs every workload [`RUNS`] times with fixed counts, timing each with `clock`
/// (milliseconds) and keeping the fastest run: the same code and counts natively
/// (`std::time::Instant`) and in wasm (`performance.now()`). `report` gets each result as soon as it
/// is known.
pub fn run_all(
    clock: &dyn Fn() -> f64,
    report: &mut dyn FnMut(&Timed),
    want: &dyn Fn(&str) -> bool,
) {
    let time = |report: &mut dyn FnMut(&Timed),
                name: &'static str,
                unit: &'static str,
                units: usize,
                f: &mut dyn FnMut()| {
        if !want(name) {
            return;
        }
        let mut best = f64::INFINITY;
        for _ in 0..RUNS {
            let t0 = clock();
            f();
            best = best.min(clock() - t0);
        }
        report(&Timed {
            name,
            unit,
            units,
            millis: best,
        });
    };

    let any = |names: &[&str]| names.iter().any(|n| want(n));
    if any(&["smtp_ingest_4k_pipelined", "smtp_ingest_4k_lockstep"]) {
        let small = SmtpFixture::new(4 * 1024);
        time(report, "smtp_ingest_4k_pipelined", "msg", 2000, &mut || {
            small.ingest(2000, true);
        });
        time(report, "smtp_ingest_4k_lockstep", "msg", 2000, &mut || {
            small.ingest(2000, false);
        });
    }
    if any(&["smtp_ingest_1m_pipelined", "smtp_ingest_1m_lockstep"]) {
        let big = SmtpFixture::new(1024 * 1024);
        time(report, "smtp_ingest_1m_pipelined", "msg", 20, &mut || {
            big.ingest(20, true);
        });
        time(report, "smtp_ingest_1m_lockstep", "msg", 20, &mut || {
            big.ingest(20, false);
        });
    }
    if want("world_submit_relay_deliver") {
        let mut w = WorldFixture::new();
        time(
            report,
            "world_submit_relay_deliver",
            "msg",
            200,
            &mut || {
                w.submit_and_deliver(200);
            },
        );
    }
    if want("world_commands_with_10k_queued") {
        let mut q = QueuedWorld::new(10_000);
        time(
            report,
            "world_commands_with_10k_queued",
            "cmd",
            2_000,
            &mut || {
                q.type_commands(2_000);
            },
        );
    }
    if want("pop3_retr_all_10k") {
        let mut store = mailbox_store(10_000);
        time(report, "pop3_retr_all_10k", "msg", 10_000, &mut || {
            pop3_retr_all(&mut store);
        });
    }

    // The first FETCH and the first SEARCH of a freshly selected mailbox (nothing parsed
    // yet), each timed alone.
    for (name, cmd) in [
        ("imap_fetch_first_10k", FETCH_ALL),
        ("imap_uid_search_first_10k", UID_SEARCH),
    ] {
        if !want(name) {
            continue;
        }
        let mut cold: Vec<ImapFixture> = (0..RUNS).map(|_| ImapFixture::new(10_000)).collect();
        let mut best = f64::INFINITY;
        for fx in cold.iter_mut() {
            let t0 = clock();
            fx.run(cmd);
            best = best.min(clock() - t0);
        }
        report(&Timed {
            name,
            unit: "msg",
            units: 10_000,
            millis: best,
        });
    }

    for (n, names) in [
        (
            10_000usize,
            [
                ("imap_noop_10k", NOOP, "cmd"),
                ("imap_select_10k", SELECT, "select"),
                ("imap_fetch_env_bs_10k", FETCH_ALL, "msg"),
                ("imap_search_text_10k", SEARCH_TEXT, "msg"),
                ("imap_uid_search_10k", UID_SEARCH, "msg"),
            ],
        ),
        (
            100_000,
            [
                ("imap_noop_100k", NOOP, "cmd"),
                ("imap_select_100k", SELECT, "select"),
                ("imap_fetch_env_bs_100k", FETCH_ALL, "msg"),
                ("imap_search_text_100k", SEARCH_TEXT, "msg"),
                ("imap_uid_search_100k", UID_SEARCH, "msg"),
            ],
        ),
    ] {
        if !names.iter().any(|(name, _, _)| want(name)) {
            continue;
        }
        let mut fx = ImapFixture::new(n);
        for (name, cmd, unit) in names {
            // Enough repetitions for a run of several milliseconds at least.
            let reps = match unit {
                "select" => 5_000_000 / n,
                "cmd" => 20_000,
                _ => 100_000 / n,
            };
            let units = if unit == "msg" { n * reps } else { reps };
            time(report, name, unit, units, &mut || {
                for _ in 0..reps {
                    fx.run(cmd);
                }
            });
        }
    }
}
