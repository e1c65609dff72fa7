//! TLS for a terminal (issue 26): a client endpoint that follows TLS ([`World::follow_tls`],
//! the page's terminals; the TCP bridge's endpoints do not, their real clients do TLS
//! themselves) gets a client TLS layer from the world's provider when its server starts TLS:
//! after the server accepted STARTTLS/STLS (once the server's reply has reached the
//! endpoint in clear, as `openssl s_client -starttls` does), or from the first byte on an
//! implicit-TLS port (RFC 8314 §3). From then on what the person types is encrypted and what
//! arrives is decrypted into the endpoint's inbox; the wire (the trace) carries records.

use super::World;
use crate::net::{ConnId, Side};
use crate::tls_layer::{
    client_stream, CertificateInfo, TlsError, TlsEvent, TlsLayer, TlsOutput, TlsVersion,
};

/// A terminal's TLS.
pub(super) struct EndpointTls {
    /// The name the client verifies the certificate against.
    server_name: String,
    /// Server bytes still to come in clear (sent before the server started TLS).
    plain_left: usize,
    layer: Option<Box<dyn TlsLayer>>,
    state: EndpointTlsState,
}

/// What a terminal's TLS did, for its view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointTlsState {
    /// The handshake finished: the person types through TLS.
    pub version: Option<TlsVersion>,
    /// The certificate the server showed.
    pub certificate: Option<CertificateInfo>,
    /// Why TLS failed, if it did (the connection then closes).
    pub failed: Option<TlsError>,
}

impl World {
    /// Makes `conn`'s client endpoint follow TLS: when its server starts TLS, the endpoint
    /// does too (see the module doc). On an implicit-TLS port that is now.
    pub fn follow_tls(&mut self, conn: ConnId) {
        let Some(c) = self.net.connection(conn) else {
            return;
        };
        let (server, port) = (c.server, c.port);
        let Some(endpoint) = self.endpoint_mut(conn) else {
            return;
        };
        endpoint.follows_tls = true;
        if self.is_implicit_tls(server, port) {
            let name = self.net.host_name(server).to_string();
            self.start_endpoint_tls(conn, name, 0);
        }
    }

    /// What `conn`'s terminal TLS did so far, if it started.
    pub fn endpoint_tls(&self, conn: ConnId) -> Option<EndpointTlsState> {
        self.slots
            .get(conn)
            .and_then(|s| s.endpoint_tls.as_ref())
            .map(|t| t.state)
    }

    /// The server on `conn` started TLS: a following endpoint starts it too once the
    /// `in_flight` server bytes still on their way have arrived in clear.
    pub(super) fn server_started_tls(&mut self, conn: ConnId) {
        let follows =
            self.endpoint(conn).is_some_and(|e| e.follows_tls) && !self.has_endpoint_tls(conn);
        let Some(c) = self.net.connection(conn).filter(|_| follows) else {
            return;
        };
        let (in_flight, name) = (c.unread_by_client, self.net.host_name(c.server).to_string());
        self.start_endpoint_tls(conn, name, in_flight);
    }

    fn start_endpoint_tls(&mut self, conn: ConnId, server_name: String, plain_left: usize) {
        if let Some(slot) = self.slots.get_mut(conn) {
            slot.endpoint_tls = Some(EndpointTls {
                server_name,
                plain_left,
                layer: None,
                state: EndpointTlsState::default(),
            });
        }
        if plain_left == 0 {
            self.make_endpoint_layer(conn);
        }
    }

    /// True when `conn`'s endpoint has TLS under it (bytes go through [`World::endpoint_tls_send`]).
    pub(super) fn has_endpoint_tls(&self, conn: ConnId) -> bool {
        self.slots
            .get(conn)
            .is_some_and(|s| s.endpoint_tls.is_some())
    }

    /// The client layer, ClientHello first; without one the connection cannot go on.
    fn make_endpoint_layer(&mut self, conn: ConnId) {
        let (now, clock) = (self.now, self.clock);
        let Some(name) = self
            .slots
            .get(conn)
            .and_then(|s| s.endpoint_tls.as_ref())
            .filter(|t| t.layer.is_none())
            .map(|t| t.server_name.clone())
        else {
            return;
        };
        let made = match self.tls_provider() {
            Some(p) if p.is_ready() => p.client(&name, true, client_stream(conn.0), clock, now),
            _ => Err(TlsError::Internal),
        };
        let tls = self
            .slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut());
        match (made, tls) {
            (Ok(layer), Some(tls)) => tls.layer = Some(layer),
            (Err(error), Some(tls)) => {
                tls.state.failed = Some(error);
                self.net.drop_link(now, conn);
            }
            _ => {}
        }
        self.drain_endpoint_tls(conn);
    }

    /// Server bytes for a following endpoint: the rest of the clear part to the inbox, the
    /// records to the layer.
    pub(super) fn endpoint_tls_receive(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(tls) = self
            .slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut())
        else {
            return;
        };
        let clear = tls.plain_left.min(bytes.len());
        tls.plain_left -= clear;
        let (plain, records) = bytes.split_at(clear);
        if let Some(e) = self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut()) {
            e.receive(plain);
        }
        self.make_endpoint_layer(conn);
        if !records.is_empty() {
            let now = self.now;
            if let Some(layer) = self.endpoint_layer(conn) {
                layer.handle_input(now, records);
            }
            self.drain_endpoint_tls(conn);
        }
    }

    /// What the person typed, through TLS (held by the layer until the handshake is done).
    pub(super) fn endpoint_tls_send(&mut self, conn: ConnId, bytes: &[u8]) {
        self.make_endpoint_layer(conn);
        let now = self.now;
        if let Some(layer) = self.endpoint_layer(conn) {
            layer.write_plaintext(now, bytes);
        }
        self.drain_endpoint_tls(conn);
    }

    /// The person closes: close_notify first (RFC 8446 §6.1).
    pub(super) fn endpoint_tls_close(&mut self, conn: ConnId) {
        let now = self.now;
        if let Some(layer) = self.endpoint_layer(conn) {
            layer.close(now);
        }
        self.drain_endpoint_tls(conn);
    }

    fn endpoint_layer(&mut self, conn: ConnId) -> Option<&mut Box<dyn TlsLayer>> {
        self.slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut())
            .and_then(|t| t.layer.as_mut())
    }

    fn drain_endpoint_tls(&mut self, conn: ConnId) {
        let mut outputs = Vec::new();
        let mut version = None;
        if let Some(layer) = self.endpoint_layer(conn) {
            while let Some(out) = layer.poll_output() {
                outputs.push(out);
            }
            version = layer.version();
        }
        let now = self.now;
        for out in outputs {
            match out {
                TlsOutput::Transmit(records) => {
                    self.net.send(now, conn, Side::Client, records);
                }
                TlsOutput::Plaintext(plain) => {
                    if let Some(e) = self.endpoint_mut(conn) {
                        e.receive(&plain);
                    }
                }
                TlsOutput::Event(event) => self.note_endpoint_tls(conn, event, version),
                TlsOutput::Close => {
                    self.net.close(now, conn, Side::Client);
                }
            }
        }
    }

    fn note_endpoint_tls(&mut self, conn: ConnId, event: TlsEvent, version: Option<TlsVersion>) {
        let certificate = match &event {
            TlsEvent::Certificate { chain } => self
                .tls_provider()
                .zip(chain.first())
                .and_then(|(p, leaf)| p.certificate_info(leaf)),
            _ => None,
        };
        let Some(tls) = self
            .slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut())
        else {
            return;
        };
        match event {
            TlsEvent::Certificate { .. } => tls.state.certificate = certificate,
            TlsEvent::Finished => tls.state.version = version,
            TlsEvent::Failed(error) => tls.state.failed = Some(error),
            _ => {}
        }
    }
}
