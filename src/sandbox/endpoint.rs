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
#[derive(Debug, Clone, Default)]
pub struct Endpoint {
    pub inbox: Vec<u8>,
    pub state: EndpointState,
}

/// Most bytes an endpoint holds before the oldest are dropped (a terminal nobody reads).
const INBOX_LIMIT: usize = 8 * 1024 * 1024;

impl Endpoint {
    pub(crate) fn receive(&mut self, bytes: &[u8]) {
        self.inbox.extend_from_slice(bytes);
        if self.inbox.len() > INBOX_LIMIT {
            let cut = self.inbox.len() - INBOX_LIMIT;
            self.inbox.drain(..cut);
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == EndpointState::Open
    }
}
