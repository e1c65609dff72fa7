//! A terminal typing through TLS (issue 26), like `openssl s_client -starttls smtp`: an
//! endpoint that follows TLS ([`World::set_follows_tls`]) gets a verifying client TLS layer
//! the moment its server starts TLS (after accepting STARTTLS/STLS, or on an implicit-TLS
//! port). The server's bytes sent before that moment reach the endpoint's inbox as they are
//! (the `220 Ready to start TLS`); every byte after it goes through the layer, and what the
//! endpoint sends is encrypted. The terminal reads and writes plaintext as before, and asks
//! [`World::endpoint_tls`] what the handshake did.
//!
//! Nothing here reads a protocol: the moment comes from the server's typed decision (the
//! same one that writes `TlsRecord::Handshaking`), the split point from the byte counts.

use super::{EndpointState, World};
use crate::net::{ConnId, Side};
use crate::tls_layer::{
    client_stream, CertificateInfo, TlsError, TlsEvent, TlsLayer, TlsOutput, TlsSuite, TlsVersion,
};

/// What TLS under a client endpoint did, for the terminal's badge and lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointTlsState {
    /// The ClientHello went out; the server's answer has not come yet.
    Handshaking,
    /// Both Finished messages checked (RFC 8446 §4.4.4): typing goes through TLS.
    Secured {
        version: TlsVersion,
        suite: TlsSuite,
        /// Which sandbox certificate the server showed (verified against the sandbox CA).
        certificate: Option<CertificateInfo>,
    },
    /// The handshake or a record failed (a certificate that does not verify, say).
    Failed(TlsError),
}

impl EndpointTlsState {
    pub fn is_secured(&self) -> bool {
        matches!(self, EndpointTlsState::Secured { .. })
    }
}

/// The client TLS layer under an endpoint.
pub(super) struct EndpointTls {
    /// None when no layer could be made (the state says why; the link is closed).
    layer: Option<Box<dyn TlsLayer>>,
    /// Bytes from the server before this offset of its stream came in clear.
    switch_at: u64,
    certificate: Option<CertificateInfo>,
    pub state: EndpointTlsState,
}

impl World {
    /// Makes the client endpoint `conn` follow its server into TLS (see the module doc).
    /// Call it right after [`World::connect`], before the world steps, for an implicit-TLS
    /// port to be followed from its first byte.
    pub fn set_follows_tls(&mut self, conn: ConnId, follows: bool) {
        if let Some(e) = self.endpoint_mut(conn) {
            e.follows_tls = follows;
        }
    }

    /// What TLS under the client endpoint `conn` did, once its server started TLS.
    pub fn endpoint_tls(&self, conn: ConnId) -> Option<&EndpointTlsState> {
        self.slots
            .get(conn)
            .and_then(|s| s.endpoint_tls.as_ref())
            .map(|t| &t.state)
    }

    /// The server on `conn` just started TLS: a following endpoint starts its side, from the
    /// server byte after the last one already sent.
    pub(super) fn follow_server_into_tls(&mut self, conn: ConnId) {
        let Some(slot) = self.slots.get(conn) else {
            return;
        };
        let follows = slot.endpoint.as_ref().is_some_and(|e| e.follows_tls);
        if !follows || slot.endpoint_tls.is_some() {
            return;
        }
        let received = slot.endpoint.as_ref().map_or(0, |e| e.wire_received);
        let Some(c) = self.net.connection(conn) else {
            return;
        };
        let switch_at = received + c.unread_by_client as u64;
        let server_name = self.net.host_name(c.server).to_string();
        let made = self.tls.as_ref().map(|p| {
            p.client(
                &server_name,
                true,
                client_stream(conn.0),
                self.clock,
                self.now,
            )
        });
        let (layer, state) = match made {
            Some(Ok(layer)) => (Some(layer), EndpointTlsState::Handshaking),
            Some(Err(error)) => (None, EndpointTlsState::Failed(error)),
            None => (None, EndpointTlsState::Failed(TlsError::Internal)),
        };
        let failed = layer.is_none();
        self.slots.slot(conn).endpoint_tls = Some(EndpointTls {
            layer,
            switch_at,
            certificate: None,
            state,
        });
        if failed {
            let now = self.now;
            self.net.close(now, conn, Side::Client);
        } else {
            self.drain_endpoint_tls(conn);
        }
    }

    /// Bytes from the network for the client endpoint `conn`: the part before the switch in
    /// clear to the inbox, the rest through its TLS layer.
    pub(super) fn endpoint_input(&mut self, conn: ConnId, bytes: &[u8]) {
        let Some(slot) = self.slots.get_mut(conn) else {
            return;
        };
        let Some(endpoint) = slot.endpoint.as_mut() else {
            return;
        };
        let start = endpoint.wire_received;
        endpoint.wire_received += bytes.len() as u64;
        let Some(tls) = slot.endpoint_tls.as_mut() else {
            endpoint.receive(bytes);
            return;
        };
        let clear = usize::try_from(tls.switch_at.saturating_sub(start))
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        endpoint.receive(&bytes[..clear]);
        if let (true, Some(layer)) = (clear < bytes.len(), tls.layer.as_mut()) {
            layer.handle_input(self.now, &bytes[clear..]);
            self.drain_endpoint_tls(conn);
        }
    }

    /// Bytes a following endpoint sends: through its TLS layer once it has one. False when
    /// the endpoint has none (the caller sends them as they are).
    pub(super) fn endpoint_send_tls(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        let now = self.now;
        match self
            .slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut())
        {
            Some(tls) => {
                if let Some(layer) = tls.layer.as_mut() {
                    layer.write_plaintext(now, bytes);
                    self.drain_endpoint_tls(conn);
                }
                true
            }
            None => false,
        }
    }

    /// The endpoint closes: close_notify first (RFC 8446 §6.1).
    pub(super) fn endpoint_close_tls(&mut self, conn: ConnId) {
        let now = self.now;
        let layer = self
            .slots
            .get_mut(conn)
            .and_then(|s| s.endpoint_tls.as_mut())
            .and_then(|t| t.layer.as_mut());
        if let Some(layer) = layer {
            if !layer.is_closed() {
                layer.close(now);
                self.drain_endpoint_tls(conn);
            }
        }
    }

    fn drain_endpoint_tls(&mut self, conn: ConnId) {
        let now = self.now;
        let Some(slot) = self.slots.get_mut(conn) else {
            return;
        };
        let Some(layer) = slot.endpoint_tls.as_mut().and_then(|t| t.layer.as_mut()) else {
            return;
        };
        let mut outputs = Vec::new();
        while let Some(output) = layer.poll_output() {
            outputs.push(output);
        }
        for output in outputs {
            match output {
                TlsOutput::Transmit(records) => {
                    self.net.send(now, conn, Side::Client, records);
                }
                TlsOutput::Plaintext(plaintext) => {
                    if let Some(e) = self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut()) {
                        e.receive(&plaintext);
                    }
                }
                TlsOutput::Event(event) => {
                    let certificate_of =
                        |leaf: &[u8]| self.tls.as_ref().and_then(|p| p.certificate_info(leaf));
                    let info = match &event {
                        TlsEvent::Certificate { chain } => {
                            chain.first().and_then(|leaf| certificate_of(leaf))
                        }
                        _ => None,
                    };
                    let Some(tls) = self
                        .slots
                        .get_mut(conn)
                        .and_then(|s| s.endpoint_tls.as_mut())
                    else {
                        continue;
                    };
                    match event {
                        TlsEvent::Certificate { .. } => tls.certificate = info,
                        TlsEvent::Finished => {
                            let negotiated =
                                tls.layer.as_ref().and_then(|l| l.version().zip(l.suite()));
                            if let Some((version, suite)) = negotiated {
                                tls.state = EndpointTlsState::Secured {
                                    version,
                                    suite,
                                    certificate: tls.certificate,
                                };
                            }
                        }
                        TlsEvent::Failed(error) => tls.state = EndpointTlsState::Failed(error),
                        _ => {}
                    }
                }
                TlsOutput::Close => {
                    if let Some(e) = self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut()) {
                        if e.state == EndpointState::Open {
                            e.state = EndpointState::Closed;
                        }
                    }
                    self.net.close(now, conn, Side::Client);
                }
            }
        }
    }
}
