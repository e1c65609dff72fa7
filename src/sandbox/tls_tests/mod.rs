//! TLS in the world, end to end: a real TLS client (`crate::tls::ClientTls`, sans-IO) on a
//! world endpoint, talking to the servers through STARTTLS/STLS or implicit TLS. Transcript
//! files `tests/transcripts/tls_*.txt` hold the plain part, a `T: name` line where the client
//! starts TLS naming that server, and the decrypted part; each is replayed at every chunk
//! size, and the wire (the trace) must never show the decrypted part in clear.

mod following;
mod injection;
mod policy;
mod restore;
mod transcripts;

use super::{default_world, DefaultWorld, World};
use crate::net::TraceKind;
use crate::net::{ConnId, Side};
use crate::proto::record::{Record, TlsRecord};
use crate::time::{Duration, WallClock};
use crate::tls::{ClientTls, RandomSource, SandboxTls, TlsConnection, TlsVersions};
use crate::tls_layer::{TlsEvent, TlsOutput};

/// One step of a TLS transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Client(Vec<u8>),
    Server(Vec<u8>),
    /// The client starts TLS naming this server.
    Tls(String),
}

/// `C:` client line, `C~` client bytes without a line end, `S:` server line, `T: name` the
/// client starts TLS; `#` comments and blank lines are skipped.
pub(super) fn parse(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (tag, rest) = line.split_at(line.len().min(2));
        let body = rest.strip_prefix(' ').unwrap_or(rest);
        steps.push(match tag {
            "C:" => Step::Client(format!("{body}\r\n").into_bytes()),
            "C~" => Step::Client(body.as_bytes().to_vec()),
            "S:" => Step::Server(format!("{body}\r\n").into_bytes()),
            "T:" => Step::Tls(body.to_string()),
            _ => panic!("bad transcript line: {line}"),
        });
    }
    steps
}

/// The default world with the sandbox's TLS installed.
pub(super) fn tls_world() -> (World, DefaultWorld) {
    let (mut w, d) = default_world(42);
    w.install_tls(Box::new(SandboxTls::seeded(42).expect("provider")));
    (w, d)
}

/// A person at a terminal on the sender's PC, who can start TLS.
pub(super) struct Terminal {
    pub conn: ConnId,
    pub tls: Option<TlsConnection>,
    /// Every byte the server sent, decrypted where it came through TLS.
    pub got: Vec<u8>,
    pub events: Vec<TlsEvent>,
    pub closed: bool,
    /// Bytes per `World::send` (and per `handle_input` into the client's TLS).
    pub chunk: usize,
}

impl Terminal {
    pub fn open(w: &mut World, d: &DefaultWorld, host: &str, port: u16, chunk: usize) -> Self {
        let conn = w.connect(d.sender_pc, host, port).expect("connects");
        let mut t = Terminal {
            conn,
            tls: None,
            got: Vec::new(),
            events: Vec::new(),
            closed: false,
            chunk: chunk.max(1),
        };
        t.settle(w);
        t
    }

    /// Lets the network carry everything, feeding what arrives to the client's TLS.
    pub fn settle(&mut self, w: &mut World) {
        for _ in 0..50 {
            let t = w.now() + Duration::from_millis(100);
            w.run_until(t);
            let received = w.take_received(self.conn);
            if received.is_empty() {
                if self.tls.is_none() || !self.tls.as_ref().is_some_and(|t| t.is_handshaking()) {
                    return;
                }
                if self.closed {
                    return;
                }
                continue;
            }
            match self.tls.as_mut() {
                None => self.got.extend_from_slice(&received),
                Some(tls) => {
                    for piece in received.chunks(self.chunk) {
                        tls.handle_input(w.now(), piece);
                    }
                    self.drain(w);
                }
            }
        }
    }

    /// Sends bytes as the client (encrypted once TLS started), `chunk` bytes per send.
    pub fn send(&mut self, w: &mut World, bytes: &[u8]) {
        match self.tls.as_mut() {
            None => self.send_raw(w, bytes),
            Some(tls) => {
                tls.write_plaintext(w.now(), bytes);
                self.drain(w);
            }
        }
        self.settle(w);
    }

    fn send_raw(&mut self, w: &mut World, bytes: &[u8]) {
        for piece in bytes.chunks(self.chunk) {
            w.send(self.conn, piece);
        }
    }

    /// Starts TLS as a client naming `server`, and runs the handshake.
    pub fn start_tls(&mut self, w: &mut World, server: &str) {
        let client = ClientTls::sandbox(TlsVersions::Both).expect("client config");
        let tls = client
            .connect(
                server,
                RandomSource::seeded(7, 1),
                WallClock::default(),
                w.now(),
            )
            .expect("connect");
        self.tls = Some(tls);
        self.drain(w);
        self.settle(w);
    }

    fn drain(&mut self, w: &mut World) {
        let mut to_send = Vec::new();
        if let Some(tls) = self.tls.as_mut() {
            while let Some(output) = tls.poll_output() {
                match output {
                    TlsOutput::Transmit(records) => to_send.extend_from_slice(&records),
                    TlsOutput::Plaintext(plain) => self.got.extend_from_slice(&plain),
                    TlsOutput::Event(event) => self.events.push(event),
                    TlsOutput::Close => self.closed = true,
                }
            }
        }
        if !to_send.is_empty() {
            self.send_raw(w, &to_send);
        }
    }

    pub fn is_secured(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| !t.is_handshaking()) && !self.closed
    }
}

/// Every byte the client sent on `conn`, as the wire (the trace) holds it.
pub(super) fn client_wire(w: &World, conn: ConnId) -> Vec<u8> {
    w.net
        .trace
        .of(conn)
        .filter(|e| e.from == Side::Client)
        .filter_map(|e| match &e.kind {
            TraceKind::Data(bytes) => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The TLS records written for `conn`.
pub(super) fn tls_records(w: &World, conn: ConnId) -> Vec<TlsRecord> {
    w.records_of(conn)
        .filter_map(|r| match r {
            Record::Tls(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// The verbs of the commands recorded for `conn`, in order.
pub(super) fn verbs(w: &World, conn: ConnId) -> Vec<String> {
    w.records_of(conn)
        .filter_map(|r| match r {
            Record::Command(c) => Some(c.verb.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `needle` occurs in `hay`.
pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}
