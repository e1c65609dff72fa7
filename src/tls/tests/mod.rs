//! The TLS layer end to end in memory: a client and a server connection wired back to back,
//! bytes moved between them in chunks of any size.

mod failures;
mod handshake;
#[cfg(not(target_arch = "wasm32"))]
mod interop;
mod provider;

use super::{
    pki, ClientTls, RandomSource, ServerTls, TlsConnection, TlsEvent, TlsOutput, TlsVersions,
};
use crate::time::{Instant, WallClock};

/// What one side produced so far.
#[derive(Default)]
pub(super) struct Seen {
    pub events: Vec<TlsEvent>,
    pub plaintext: Vec<u8>,
    /// Every byte it transmitted, in order: the wire as an eavesdropper sees it.
    pub wire: Vec<u8>,
    pub closed: bool,
}

pub(super) struct End {
    pub conn: TlsConnection,
    pub seen: Seen,
    /// Transmitted but not yet delivered to the other side.
    pending: Vec<u8>,
}

impl End {
    pub fn new(conn: TlsConnection) -> End {
        let mut end = End {
            conn,
            seen: Seen::default(),
            pending: Vec::new(),
        };
        end.drain();
        end
    }

    pub fn drain(&mut self) {
        while let Some(output) = self.conn.poll_output() {
            match output {
                TlsOutput::Transmit(bytes) => {
                    self.seen.wire.extend_from_slice(&bytes);
                    self.pending.extend_from_slice(&bytes);
                }
                TlsOutput::Plaintext(bytes) => self.seen.plaintext.extend_from_slice(&bytes),
                TlsOutput::Event(event) => self.seen.events.push(event),
                TlsOutput::Close => self.seen.closed = true,
            }
        }
    }

    pub fn write(&mut self, now: Instant, bytes: &[u8]) {
        self.conn.write_plaintext(now, bytes);
        self.drain();
    }

    pub fn failure(&self) -> Option<super::TlsError> {
        self.seen.events.iter().find_map(|event| match event {
            TlsEvent::Failed(error) => Some(*error),
            _ => None,
        })
    }
}

pub(super) const NOW: Instant = Instant::from_millis(5_000);

pub(super) fn server(identity: pki::Identity, versions: TlsVersions, seed: u64) -> End {
    let tls = ServerTls::new(&identity, versions).expect("server config");
    let conn = tls
        .accept(RandomSource::seeded(seed, 2), WallClock::default())
        .expect("accept");
    End::new(conn)
}

pub(super) fn client(name: &str, versions: TlsVersions, seed: u64, clock: WallClock) -> End {
    let tls = ClientTls::sandbox(versions).expect("client config");
    let conn = tls
        .connect(name, RandomSource::seeded(seed, 1), clock, NOW)
        .expect("connect");
    End::new(conn)
}

/// Moves bytes both ways, `chunk` bytes per `handle_input`, until neither side has more.
pub(super) fn pump(client: &mut End, server: &mut End, chunk: usize) {
    for _ in 0..10_000 {
        let to_server = std::mem::take(&mut client.pending);
        let to_client = std::mem::take(&mut server.pending);
        if to_server.is_empty() && to_client.is_empty() {
            return;
        }
        for piece in to_server.chunks(chunk.max(1)) {
            server.conn.handle_input(NOW, piece);
            server.drain();
        }
        for piece in to_client.chunks(chunk.max(1)) {
            client.conn.handle_input(NOW, piece);
            client.drain();
        }
    }
    panic!("the two sides never went quiet");
}

/// A client of `smtp.isp.example` and the server, handshaken at `chunk` bytes per input.
pub(super) fn handshaken(versions: TlsVersions, chunk: usize, seed: u64) -> (End, End) {
    let identity = pki::host("smtp.isp.example").expect("shipped");
    let mut server = server(identity, versions, seed);
    let mut client = client("smtp.isp.example", versions, seed, WallClock::default());
    pump(&mut client, &mut server, chunk);
    (client, server)
}
