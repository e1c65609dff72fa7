//! One TLS connection, either side, as a sans-IO state machine: ciphertext in
//! ([`TlsConnection::handle_input`]), plaintext in ([`TlsConnection::write_plaintext`]),
//! records, plaintext and handshake events out ([`TlsConnection::poll_output`]). After any
//! call, drain `poll_output` until it returns `None`.
//!
//! Underneath is rustls's buffered connection, fed from memory: `read_tls` from the input
//! slice, `process_new_packets`, plaintext drained through `reader()`, records through
//! `write_tls` into a `Vec`. (rustls's unbuffered API has the same sans-IO shape with the
//! caller owning the buffers; the buffered one is chosen because it already queues the fatal
//! alert on an error, buffers early plaintext until the handshake ends and bounds every buffer
//! itself, so this file stays a thin adapter.) Every call into rustls runs inside
//! [`ambient::lend`] with this connection's randomness and the virtual time.
//!
//! Bounds: rustls holds at most one record being reassembled (2^14 + 2048 bytes, RFC 8446
//! §5.2) and one handshake message (64 KiB); received plaintext is moved out after every
//! record, so it never reaches rustls's 16 KiB limit; plaintext written before the handshake
//! ends is held up to [`PLAINTEXT_BUFFER_LIMIT`], past which the connection fails with
//! [`TlsError::BufferFull`]. The output queue holds only what the last call produced.

use super::ambient;
use super::error::TlsError;
use super::event::{TlsEvent, TlsOutput, TlsSuite, TlsVersion};
use super::random::RandomSource;
use crate::time::{Instant, WallClock};
use rustls::{Connection, ProtocolVersion};
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex};

/// Plaintext the session above may queue before the handshake completes.
pub const PLAINTEXT_BUFFER_LIMIT: usize = 64 * 1024;

/// Which handshake steps have been reported, so each is reported once and in order.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reported {
    #[default]
    Nothing,
    ClientHello,
    ServerHello,
    Certificate,
    Finished,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Open,
    /// Failed, closed by us, or closed by the peer: input is ignored.
    Closed,
}

/// A TLS connection (client or server) over the virtual network.
pub struct TlsConnection {
    conn: Connection,
    rng: RandomSource,
    clock: WallClock,
    /// The server's own chain, reported as its Certificate step.
    own_chain: Option<Vec<Vec<u8>>>,
    reported: Reported,
    phase: Phase,
    out: VecDeque<TlsOutput>,
    /// An opportunistic client's verifier's verdict (see `ClientTls::connect_unverified`).
    verify_result: Option<Arc<Mutex<Option<TlsError>>>>,
}

impl TlsConnection {
    pub(super) fn new(
        conn: Connection,
        rng: RandomSource,
        clock: WallClock,
        own_chain: Option<Vec<Vec<u8>>>,
    ) -> Self {
        let mut connection = TlsConnection {
            conn,
            rng,
            clock,
            own_chain,
            reported: Reported::Nothing,
            phase: Phase::Open,
            out: VecDeque::new(),
            verify_result: None,
        };
        connection
            .conn
            .set_buffer_limit(Some(PLAINTEXT_BUFFER_LIMIT));
        connection
    }

    /// Runs the client's first flight (its ClientHello) inside a loan, since rustls builds
    /// it when the connection is made.
    pub(super) fn lend_for_construction<T>(
        rng: &mut RandomSource,
        clock: WallClock,
        now: Instant,
        make: impl FnOnce() -> T,
    ) -> T {
        ambient::lend(rng, clock.unix(now), make)
    }

    // --- getters ---

    /// True until both Finished messages are checked.
    pub fn is_handshaking(&self) -> bool {
        self.conn.is_handshaking()
    }

    /// True once the connection failed or either side closed it.
    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// The negotiated version, once the ServerHello is through.
    pub fn version(&self) -> Option<TlsVersion> {
        match self.conn.protocol_version()? {
            ProtocolVersion::TLSv1_3 => Some(TlsVersion::Tls13),
            ProtocolVersion::TLSv1_2 => Some(TlsVersion::Tls12),
            _ => None,
        }
    }

    /// The negotiated cipher suite, once the ServerHello is through.
    pub fn suite(&self) -> Option<TlsSuite> {
        TlsSuite::from_rustls(self.conn.negotiated_cipher_suite()?.suite())
    }

    /// An opportunistic client: what verifying the certificate would have said (`None` when
    /// it verified, before it came, or on a verifying connection, which fails instead).
    pub fn verify_error(&self) -> Option<TlsError> {
        let seen = self.verify_result.as_ref()?;
        seen.lock().ok().and_then(|seen| *seen)
    }

    pub(super) fn keep_verify_result(&mut self, seen: Arc<Mutex<Option<TlsError>>>) {
        self.verify_result = Some(seen);
    }

    // --- inputs ---

    /// Ciphertext from the peer, split anywhere.
    pub fn handle_input(&mut self, now: Instant, mut ciphertext: &[u8]) {
        if self.phase == Phase::Closed {
            return;
        }
        let unix = self.clock.unix(now);
        let mut rng = self.rng.take();
        ambient::lend(&mut rng, unix, || {
            while !ciphertext.is_empty() && self.phase == Phase::Open {
                match self.conn.read_tls(&mut ciphertext) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(_) => {
                        self.fail(TlsError::BufferFull);
                        break;
                    }
                }
                self.process();
            }
        });
        self.rng = rng;
    }

    /// The transport ended (the peer closed its side or the link dropped).
    pub fn handle_close(&mut self, _now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        self.phase = Phase::Closed;
        self.out
            .push_back(TlsOutput::Event(TlsEvent::PeerClosed { clean: false }));
        self.out.push_back(TlsOutput::Close);
    }

    // --- mutators ---

    /// Plaintext from the session above, to encrypt and send. Before the handshake ends it is
    /// held (up to [`PLAINTEXT_BUFFER_LIMIT`]) and sent as soon as the keys exist.
    pub fn write_plaintext(&mut self, now: Instant, mut plaintext: &[u8]) {
        if self.phase == Phase::Closed {
            return;
        }
        let unix = self.clock.unix(now);
        let mut rng = self.rng.take();
        ambient::lend(&mut rng, unix, || {
            while !plaintext.is_empty() {
                let written = self.conn.writer().write(plaintext).unwrap_or(0);
                self.flush_records();
                if written == 0 {
                    self.fail(TlsError::BufferFull);
                    break;
                }
                plaintext = &plaintext[written..];
            }
        });
        self.rng = rng;
    }

    /// Closes our side: a close_notify alert (RFC 8446 §6.1), then `Close`.
    pub fn close(&mut self, now: Instant) {
        if self.phase == Phase::Closed {
            return;
        }
        let unix = self.clock.unix(now);
        let mut rng = self.rng.take();
        ambient::lend(&mut rng, unix, || {
            self.conn.send_close_notify();
            self.flush_records();
        });
        self.rng = rng;
        self.phase = Phase::Closed;
        self.out.push_back(TlsOutput::Close);
    }

    // --- outputs ---

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<TlsOutput> {
        self.out.pop_front()
    }

    // --- inside a loan ---

    /// After new records were read: handle them, report progress, move plaintext and
    /// records out.
    fn process(&mut self) {
        match self.conn.process_new_packets() {
            Ok(state) => {
                self.report_progress();
                self.flush_records();
                self.drain_plaintext();
                if state.peer_has_closed() && self.phase == Phase::Open {
                    self.phase = Phase::Closed;
                    self.out
                        .push_back(TlsOutput::Event(TlsEvent::PeerClosed { clean: true }));
                    self.out.push_back(TlsOutput::Close);
                }
            }
            Err(error) => {
                let before_client_hello = self.reported == Reported::Nothing;
                self.fail(TlsError::from_rustls(&error, before_client_hello));
            }
        }
    }

    /// Sends what rustls queued (the alert, on an error), reports the error and closes.
    fn fail(&mut self, error: TlsError) {
        self.flush_records();
        self.phase = Phase::Closed;
        self.out
            .push_back(TlsOutput::Event(TlsEvent::Failed(error)));
        self.out.push_back(TlsOutput::Close);
    }

    fn flush_records(&mut self) {
        let mut records = Vec::new();
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut records) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        if !records.is_empty() {
            self.out.push_back(TlsOutput::Transmit(records));
        }
    }

    fn drain_plaintext(&mut self) {
        let mut plaintext = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            match self.conn.reader().read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => plaintext.extend_from_slice(&chunk[..n]),
                Err(error) if error.kind() == ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
        if !plaintext.is_empty() {
            self.out.push_back(TlsOutput::Plaintext(plaintext));
        }
    }

    /// Emits the handshake steps reached since the last call, in order.
    fn report_progress(&mut self) {
        if self.reported < Reported::ClientHello {
            let hello_seen = match &self.conn {
                // The client reported its hello when it was made.
                Connection::Client(_) => true,
                Connection::Server(server) => {
                    server.server_name().is_some() || self.conn.negotiated_cipher_suite().is_some()
                }
            };
            if !hello_seen {
                return;
            }
            let server_name = match &self.conn {
                Connection::Server(server) => server.server_name().map(str::to_owned),
                Connection::Client(_) => None,
            };
            self.report(Reported::ClientHello, TlsEvent::ClientHello { server_name });
        }
        if self.reported < Reported::ServerHello {
            let (Some(version), Some(suite)) = (self.version(), self.suite()) else {
                return;
            };
            self.report(
                Reported::ServerHello,
                TlsEvent::ServerHello { version, suite },
            );
        }
        if self.reported < Reported::Certificate {
            let chain = match &self.own_chain {
                Some(own) => Some(own.clone()),
                None => self
                    .conn
                    .peer_certificates()
                    .map(|chain| chain.iter().map(|cert| cert.as_ref().to_vec()).collect()),
            };
            let Some(chain) = chain else {
                return;
            };
            self.report(Reported::Certificate, TlsEvent::Certificate { chain });
        }
        if self.reported < Reported::Finished && !self.conn.is_handshaking() {
            self.report(Reported::Finished, TlsEvent::Finished);
        }
    }

    fn report(&mut self, step: Reported, event: TlsEvent) {
        self.reported = step;
        self.out.push_back(TlsOutput::Event(event));
    }

    /// Marks the client's hello as reported (it went out at construction).
    pub(super) fn report_client_hello(&mut self, server_name: Option<String>) {
        self.flush_records();
        self.report(Reported::ClientHello, TlsEvent::ClientHello { server_name });
    }
}

impl crate::tls_layer::TlsLayer for TlsConnection {
    fn handle_input(&mut self, now: Instant, ciphertext: &[u8]) {
        TlsConnection::handle_input(self, now, ciphertext);
    }

    fn handle_close(&mut self, now: Instant) {
        TlsConnection::handle_close(self, now);
    }

    fn write_plaintext(&mut self, now: Instant, plaintext: &[u8]) {
        TlsConnection::write_plaintext(self, now, plaintext);
    }

    fn close(&mut self, now: Instant) {
        TlsConnection::close(self, now);
    }

    fn poll_output(&mut self) -> Option<TlsOutput> {
        TlsConnection::poll_output(self)
    }

    fn is_handshaking(&self) -> bool {
        TlsConnection::is_handshaking(self)
    }

    fn is_closed(&self) -> bool {
        TlsConnection::is_closed(self)
    }

    fn version(&self) -> Option<TlsVersion> {
        TlsConnection::version(self)
    }

    fn suite(&self) -> Option<TlsSuite> {
        TlsConnection::suite(self)
    }

    fn verify_error(&self) -> Option<TlsError> {
        TlsConnection::verify_error(self)
    }
}
