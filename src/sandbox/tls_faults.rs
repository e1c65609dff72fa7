//! TLS fault rules applied to servers (`HOST:PORT tls => FAULT`, see [`crate::fault`]): which
//! offer and which certificate a server on `host:port` gets, asked by the server side
//! (`tls.rs`) before it offers STARTTLS/STLS and before it makes its TLS layer. A failed
//! handshake is a layer of its own ([`RefusingTls`]) that answers the ClientHello with a fatal
//! `handshake_failure` alert, so the client's TLS meets a real alert on the wire.

use super::World;
use crate::fault::TlsFault;
use crate::time::Instant;
use crate::tls_layer::{
    BrokenCertificate, ServerCertificate, TlsError, TlsEvent, TlsLayer, TlsOutput, TlsSuite,
    TlsVersion,
};
use std::collections::VecDeque;

/// What a server's TLS is made of, after the fault rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ServerTlsChoice {
    /// A real handshake presenting this certificate.
    Present(ServerCertificate),
    /// A handshake that fails at the ClientHello.
    Refuse,
}

impl World {
    /// True when a TLS rule says the server on `host:port` does not offer TLS.
    pub(super) fn is_tls_withheld(&self, host: &str, port: u16) -> bool {
        matches!(
            self.faults.tls_fault(host, port),
            Some((_, TlsFault::NotOffered))
        )
    }

    /// The TLS the server on `host:port` starts, after the fault rules.
    pub(super) fn server_tls_choice(&self, host: &str, port: u16) -> ServerTlsChoice {
        let broken = |kind| ServerTlsChoice::Present(ServerCertificate::Broken(kind));
        match self.faults.tls_fault(host, port).map(|(_, fault)| fault) {
            None => ServerTlsChoice::Present(ServerCertificate::Own),
            Some(TlsFault::Expired) => broken(BrokenCertificate::Expired),
            Some(TlsFault::WrongName) => broken(BrokenCertificate::WrongName),
            Some(TlsFault::UnknownCa) => broken(BrokenCertificate::UnknownCa),
            // A server that does not offer TLS has none to start: on an implicit-TLS port the
            // handshake fails.
            Some(TlsFault::HandshakeFailure | TlsFault::NotOffered) => ServerTlsChoice::Refuse,
        }
    }
}

/// A fatal `handshake_failure` alert record (RFC 8446 §5.1 record header, §6 alert: level 2
/// fatal, description 40), as TLS 1.2 and 1.3 servers send it before any keys exist.
const HANDSHAKE_FAILURE_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 40];

/// A server TLS layer that fails every handshake: the first bytes from the client (its
/// ClientHello) are answered with a fatal `handshake_failure` alert, then the connection
/// closes (RFC 8446 §4.1.1: no parameters in common).
#[derive(Debug, Default)]
pub(super) struct RefusingTls {
    out: VecDeque<TlsOutput>,
    closed: bool,
}

impl TlsLayer for RefusingTls {
    fn handle_input(&mut self, _now: Instant, ciphertext: &[u8]) {
        if self.closed || ciphertext.is_empty() {
            return;
        }
        self.closed = true;
        self.out.push_back(TlsOutput::Event(TlsEvent::ClientHello {
            server_name: None,
        }));
        self.out
            .push_back(TlsOutput::Transmit(HANDSHAKE_FAILURE_ALERT.to_vec()));
        self.out.push_back(TlsOutput::Event(TlsEvent::Failed(
            TlsError::HandshakeFailure,
        )));
        self.out.push_back(TlsOutput::Close);
    }

    fn handle_close(&mut self, _now: Instant) {
        if !self.closed {
            self.closed = true;
            self.out
                .push_back(TlsOutput::Event(TlsEvent::PeerClosed { clean: false }));
            self.out.push_back(TlsOutput::Close);
        }
    }

    fn write_plaintext(&mut self, _now: Instant, _plaintext: &[u8]) {
        // No keys will ever exist: nothing can be sent.
    }

    fn close(&mut self, _now: Instant) {
        if !self.closed {
            self.closed = true;
            self.out.push_back(TlsOutput::Close);
        }
    }

    fn poll_output(&mut self) -> Option<TlsOutput> {
        self.out.pop_front()
    }

    fn is_handshaking(&self) -> bool {
        !self.closed
    }

    fn is_closed(&self) -> bool {
        self.closed
    }

    fn version(&self) -> Option<TlsVersion> {
        None
    }

    fn suite(&self) -> Option<TlsSuite> {
        None
    }

    fn verify_error(&self) -> Option<TlsError> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusing_layer_answers_the_client_hello_with_one_fatal_alert_and_closes() {
        let mut layer = RefusingTls::default();
        assert!(layer.poll_output().is_none(), "the server speaks second");
        layer.handle_input(Instant::ZERO, &[0x16, 0x03, 0x01]);
        let outputs: Vec<_> = std::iter::from_fn(|| layer.poll_output()).collect();
        assert!(outputs.contains(&TlsOutput::Transmit(HANDSHAKE_FAILURE_ALERT.to_vec())));
        assert_eq!(outputs.last(), Some(&TlsOutput::Close));
        layer.handle_input(Instant::ZERO, b"more");
        assert!(layer.poll_output().is_none());
    }
}
