//! The client end of a connection opened by a terminal or by the TCP bridge.

/// Whether a client endpoint can still talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointState {
    #[default]
    Open,
    /// Closed by either side.
    Closed,
    /// The link dropped.
    Reset,
}

/// Bytes received and not yet taken, plus the endpoint's state.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub inbox: Vec<u8>,
    pub state: EndpointState,
    /// Most bytes the inbox holds before the oldest are dropped. A driver that takes what
    /// arrives after every step and bounds it itself (the TCP bridge) sets `usize::MAX`, so
    /// that a large answer arriving at one instant reaches its client whole.
    pub inbox_limit: usize,
    /// It follows its server into TLS, like `openssl s_client -starttls` (see
    /// `World::set_follows_tls`); off for the TCP bridge, whose real clients do their own TLS.
    pub follows_tls: bool,
    /// Bytes that arrived from the network so far (ciphertext included).
    pub wire_received: u64,
}

/// Most bytes an endpoint holds by default before the oldest are dropped (a terminal nobody
/// reads).
pub const INBOX_LIMIT: usize = 8 * 1024 * 1024;

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            inbox: Vec::new(),
            state: EndpointState::default(),
            inbox_limit: INBOX_LIMIT,
            follows_tls: false,
            wire_received: 0,
        }
    }
}

impl Endpoint {
    pub(crate) fn receive(&mut self, bytes: &[u8]) {
        self.inbox.extend_from_slice(bytes);
        if self.inbox.len() > self.inbox_limit {
            let cut = self.inbox.len() - self.inbox_limit;
            self.inbox.drain(..cut);
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == EndpointState::Open
    }
}
