//! Test helpers: a world with two mail hosts, a recording spool, transcript replay.

use super::{Envelope, PeerInfo, SmtpCtx, SmtpServer, Spool, SpoolError};
use crate::session::{drive_chunked, Output, Session};
use crate::store::Store;
use crate::testing::Transcript;
use crate::time::{Instant, WallClock};

pub const HOST: &str = "mx.corp.example";

/// `corp.example` on mx.corp.example (boss, alice, postmaster), `home.example` elsewhere.
pub fn world() -> Store {
    let mut s = Store::new();
    s.add_domain("corp.example", HOST);
    s.add_domain("home.example", "mx.home.example");
    s.add_account("boss@corp.example", "boss-pw", "The Boss")
        .expect("account");
    s.add_account("alice@corp.example", "alice-pw", "Alice")
        .expect("account");
    s.add_account("postmaster@corp.example", "pm-pw", "Postmaster")
        .expect("account");
    s.add_account("bob@home.example", "bob-pw", "Bob")
        .expect("account");
    s
}

/// How the test spool answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpoolMode {
    Accept,
    TooLarge,
    Temporary,
}

/// Records what was spooled; ids are Q1, Q2, ...
#[derive(Debug)]
pub struct TestSpool {
    pub mode: SpoolMode,
    pub spooled: Vec<(Envelope, Vec<u8>)>,
}

impl Default for TestSpool {
    fn default() -> Self {
        TestSpool {
            mode: SpoolMode::Accept,
            spooled: Vec::new(),
        }
    }
}

impl Spool for TestSpool {
    fn spool(
        &mut self,
        _now: Instant,
        envelope: &Envelope,
        data: Vec<u8>,
    ) -> Result<String, SpoolError> {
        match self.mode {
            SpoolMode::Accept => {
                self.spooled.push((envelope.clone(), data));
                Ok(format!("Q{}", self.spooled.len()))
            }
            SpoolMode::TooLarge => Err(SpoolError::TooLarge),
            SpoolMode::Temporary => Err(SpoolError::Temporary("queue busy".into())),
        }
    }
}

pub fn peer() -> PeerInfo {
    PeerInfo {
        addr: "10.0.0.7".into(),
        name: Some("laptop.home.example".into()),
    }
}

pub fn ctx<'a>(store: &'a Store, spool: &'a mut TestSpool, submission: bool) -> SmtpCtx<'a> {
    SmtpCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
        submission,
        spool,
    }
}

/// Settings a transcript asks for with `#! key [value]` lines.
#[derive(Debug, Clone)]
pub struct Setup {
    pub submission: bool,
    pub max_size: Option<usize>,
    pub spool: SpoolMode,
    /// The session must have closed at the end (else: must still be open).
    pub closes: bool,
}

pub fn setup_of(text: &str) -> Setup {
    let mut s = Setup {
        submission: false,
        max_size: None,
        spool: SpoolMode::Accept,
        closes: false,
    };
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("#!") else {
            continue;
        };
        let mut words = rest.split_whitespace();
        match (words.next(), words.next()) {
            (Some("submission"), _) => s.submission = true,
            (Some("max_size"), Some(n)) => s.max_size = n.parse().ok(),
            (Some("spool"), Some("too_large")) => s.spool = SpoolMode::TooLarge,
            (Some("spool"), Some("temporary")) => s.spool = SpoolMode::Temporary,
            (Some("closes"), _) => s.closes = true,
            _ => panic!("bad setup line {line}"),
        }
    }
    s
}

/// Result of one replay: what the server sent, whether it closed, what it spooled, events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub output: String,
    pub closed: bool,
    pub spooled: Vec<(Envelope, Vec<u8>)>,
}

/// Replays `input` against a fresh server, fed in chunks of `chunk` bytes.
pub fn run(setup: &Setup, input: &[u8], chunk: usize) -> Run {
    let mut store = world();
    if let Some(m) = setup.max_size {
        store.limits.max_message_size = m;
    }
    let mut spool = TestSpool {
        mode: setup.spool,
        ..TestSpool::default()
    };
    let mut c = ctx(&store, &mut spool, setup.submission);
    let mut server = SmtpServer::new(Instant::ZERO, &mut c, peer());
    let (out, closed) = drive_chunked(&mut server, &mut c, Instant::ZERO, input, chunk);
    Run {
        output: String::from_utf8_lossy(&out).into_owned(),
        closed,
        spooled: spool.spooled,
    }
}

/// Replays a transcript file at every chunk size; checks the server's bytes and that every
/// chunking spools the same thing. Returns the run at chunk size 1 for further assertions.
pub fn check_transcript(name: &str, text: &str) -> Run {
    let setup = setup_of(text);
    let t = Transcript::parse(text);
    let input = t.client_bytes();
    let expected = String::from_utf8_lossy(&t.server_bytes()).into_owned();
    let first = run(&setup, &input, 1);
    for chunk in 1..=input.len().max(1) {
        let r = run(&setup, &input, chunk);
        assert_eq!(r.output, expected, "{name}: output at chunk size {chunk}");
        assert_eq!(
            r.closed, setup.closes,
            "{name}: closed at chunk size {chunk}"
        );
        assert_eq!(
            masked(&r.spooled),
            masked(&first.spooled),
            "{name}: spooled at chunk size {chunk}"
        );
    }
    first
}

/// Spooled messages with the per-session trace ids (`id X;` and generated Message-IDs)
/// replaced by `#`, for comparing runs.
pub fn masked(spooled: &[(Envelope, Vec<u8>)]) -> Vec<(Envelope, String)> {
    spooled
        .iter()
        .map(|(e, d)| {
            let text = String::from_utf8_lossy(d);
            let lines: Vec<String> = text
                .split("\r\n")
                .map(|l| {
                    if l.starts_with("Received: ") || l.starts_with("Message-ID: <") {
                        l.split(' ')
                            .map(|w| {
                                if w.len() >= 12
                                    && w.chars().take(12).all(|c| c.is_ascii_hexdigit())
                                {
                                    "#"
                                } else if w.starts_with('<') && w.ends_with("@mx.corp.example>") {
                                    "<#>"
                                } else {
                                    w
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" ")
                    } else {
                        l.to_string()
                    }
                })
                .collect();
            (e.clone(), lines.join("\r\n"))
        })
        .collect()
}

/// Drains a session's outputs into (bytes, events, closed).
pub fn drain<C: ?Sized, S: Session<C>>(s: &mut S) -> (Vec<u8>, Vec<S::Event>, bool) {
    let mut bytes = Vec::new();
    let mut events = Vec::new();
    let mut closed = false;
    while let Some(o) = s.poll_output() {
        match o {
            Output::Transmit(b) => bytes.extend_from_slice(&b),
            Output::Event(e) => events.push(e),
            Output::Close => closed = true,
        }
    }
    (bytes, events, closed)
}

/// The header lines of a spooled message, up to the blank line.
pub fn header_of(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    text.split("\r\n\r\n").next().unwrap_or("").to_string()
}
