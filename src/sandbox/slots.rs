//! Everything the world keeps about one connection, in one slot (as smoltcp keeps a socket
//! set): the service that accepted it, its server session, its client endpoint or relay
//! attempt, the input held back for the server, the last protocol state, the secret marks and
//! the gate's marks. One bound for all of it; [`Slots::forget`] removes all of it.
//!
//! The deadlines of server sessions and relay clients sit in a timer table ordered by deadline
//! (as quinn keeps its timers), so the world finds the next one, and the due ones, without
//! asking every session; the connections holding input and the sessions watching the store are
//! indexed the same way. Whoever changes a slot calls [`Slots::sync`] for it afterwards.

use super::endpoint::Endpoint;
use super::gate::GatedSession;
use super::mark::GateMark;
use super::relay_driver::RelayAttempt;
use super::Service;
use crate::net::{ConnId, HostId};
use crate::ordered::{SortedMap, SortedSet};
use crate::proto::smtp::PeerInfo;
use crate::proto::ProtocolState;
use crate::session::SecretInput;
use crate::time::Instant;
use std::collections::VecDeque;

/// Connections remembered, live or finished (the bridge makes many); the oldest finished one
/// goes first.
const MAX_CONNS: usize = 10_000;
/// Secret marks remembered per connection.
const MAX_SECRET_MARKS: usize = 64;
/// Gate marks remembered per connection.
const MAX_GATE_MARKS: usize = 64;

/// A connection a service accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    pub service: Service,
}

/// A server session with what it needs on every call.
pub(super) struct ServerSlot {
    /// The host it runs on, by name (what `Env::host` wants on every call).
    pub host_name: String,
    pub port: u16,
    pub peer: PeerInfo,
    pub session: GatedSession,
    /// TLS between the connection and the session, once started (see `tls.rs`).
    pub tls: Option<Box<dyn crate::tls_layer::TlsLayer>>,
    /// The connection's TLS situation when the session started.
    pub tls_offer: crate::proto::starttls::TlsOffer,
    /// The certificate its TLS presents, once started (its own, or a fault rule's).
    pub tls_certificate: crate::tls_layer::ServerCertificate,
}

/// Input waiting for its server session.
#[derive(Default)]
pub(super) struct HeldInput {
    pub bytes: VecDeque<u8>,
    /// The client closed after sending it.
    pub closed: bool,
}

/// What belongs to one connection.
#[derive(Default)]
pub(super) struct ConnSlot {
    pub accepted: Option<Accepted>,
    pub server: Option<ServerSlot>,
    pub endpoint: Option<Endpoint>,
    /// The conversation inside the server's TLS, for the transcript (see `tls.rs`).
    pub tls_plaintext: super::tls::PlaintextLog,
    /// The client TLS layer under a following endpoint (see `endpoint_tls.rs`).
    pub endpoint_tls: Option<super::endpoint_tls::EndpointTls>,
    /// The relay's outgoing SMTP client on this connection.
    pub relay: Option<RelayAttempt>,
    /// Client input not yet handed to the server session (flow control).
    pub held: Option<HeldInput>,
    /// The server session's last protocol state (kept after it ends).
    pub state: Option<ProtocolState>,
    /// Where the client input carries a secret, as the server session said.
    secret_marks: Vec<SecretInput>,
    /// What the gate did (fault replies, strict notes), oldest first.
    gate_marks: Vec<GateMark>,
    /// The deadline the timer table holds for this slot.
    deadline: Option<Instant>,
    /// It is in the index of connections holding input.
    indexed_holding: bool,
    /// It is in the index of store watchers.
    indexed_watcher: bool,
}

impl ConnSlot {
    /// Something still runs on it.
    fn is_live(&self) -> bool {
        self.server.is_some()
            || self.endpoint.is_some()
            || self.relay.is_some()
            || self.held.is_some()
    }

    /// The earliest deadline of its server session and relay client.
    fn next_deadline(&self) -> Option<Instant> {
        let server = self.server.as_ref().and_then(|s| s.session.poll_timeout());
        let relay = self.relay.as_ref().and_then(RelayAttempt::poll_timeout);
        server.into_iter().chain(relay).min()
    }

    pub fn secret_marks(&self) -> &[SecretInput] {
        &self.secret_marks
    }

    /// A client that logs in again and again keeps its latest marks.
    pub fn add_secret_mark(&mut self, mark: SecretInput) {
        if self.secret_marks.len() >= MAX_SECRET_MARKS {
            self.secret_marks.remove(0);
        }
        self.secret_marks.push(mark);
    }

    pub fn gate_marks(&self) -> &[GateMark] {
        &self.gate_marks
    }

    pub fn add_gate_mark(&mut self, mark: GateMark) {
        if self.gate_marks.len() < MAX_GATE_MARKS {
            self.gate_marks.push(mark);
        }
    }
}

/// Every connection's slot, and the indexes over them.
#[derive(Default)]
pub(super) struct Slots {
    map: SortedMap<ConnId, ConnSlot>,
    /// Deadlines of server sessions and relay clients, earliest first.
    timers: SortedSet<(Instant, ConnId)>,
    /// Connections with input held for their server.
    holding: SortedSet<ConnId>,
    /// Server sessions that watch the store (IMAP, for IDLE and untagged updates).
    watchers: SortedSet<ConnId>,
    /// Bytes of TLS plaintext the slots keep, all together (see `tls.rs`).
    pub plaintext_kept: usize,
}

impl Slots {
    pub fn get(&self, conn: ConnId) -> Option<&ConnSlot> {
        self.map.get(&conn)
    }

    pub fn get_mut(&mut self, conn: ConnId) -> Option<&mut ConnSlot> {
        self.map.get_mut(&conn)
    }

    /// The slot of `conn`, made when it has none (the oldest finished one goes past the
    /// bound).
    pub fn slot(&mut self, conn: ConnId) -> &mut ConnSlot {
        if !self.map.contains_key(&conn) && self.map.len() >= MAX_CONNS {
            let finished = self.map.iter().find(|(_, s)| !s.is_live()).map(|(c, _)| *c);
            if let Some(old) = finished {
                self.forget(old);
            }
        }
        self.map.entry(conn).or_default()
    }

    /// Removes everything about `conn`.
    pub fn forget(&mut self, conn: ConnId) {
        if let Some(s) = self.map.remove(&conn) {
            if let Some(t) = s.deadline {
                self.timers.remove(&(t, conn));
            }
            self.plaintext_kept = self.plaintext_kept.saturating_sub(s.tls_plaintext.bytes);
        }
        self.holding.remove(&conn);
        self.watchers.remove(&conn);
    }

    /// Drops the client endpoint of `conn`. What the connection did (its last protocol
    /// state, its marks, its service) stays for the views until the bound takes the slot,
    /// oldest finished first.
    pub fn forget_endpoint(&mut self, conn: ConnId) {
        if let Some(s) = self.map.get_mut(&conn) {
            s.endpoint = None;
            s.endpoint_tls = None;
        }
        self.sync(conn);
    }

    /// Brings the indexes up to date after `conn`'s slot changed.
    pub fn sync(&mut self, conn: ConnId) {
        let Some(s) = self.map.get_mut(&conn) else {
            return;
        };
        let deadline = s.next_deadline();
        if deadline != s.deadline {
            if let Some(t) = s.deadline {
                self.timers.remove(&(t, conn));
            }
            if let Some(t) = deadline {
                self.timers.insert((t, conn));
            }
            s.deadline = deadline;
        }
        // The indexes change only when membership does (this runs after every session call).
        let holding = s.held.is_some();
        if holding != s.indexed_holding {
            s.indexed_holding = holding;
            if holding {
                self.holding.insert(conn);
            } else {
                self.holding.remove(&conn);
            }
        }
        let watcher = s
            .server
            .as_ref()
            .is_some_and(|s| s.session.is_store_watcher());
        if watcher != s.indexed_watcher {
            s.indexed_watcher = watcher;
            if watcher {
                self.watchers.insert(conn);
            } else {
                self.watchers.remove(&conn);
            }
        }
    }

    /// The earliest deadline of any server session or relay client.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.first().map(|(t, _)| *t)
    }

    /// Connections with a deadline at or before `now`, earliest first.
    pub fn due(&self, now: Instant) -> Vec<ConnId> {
        self.timers
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, c)| *c)
            .collect()
    }

    pub fn holding(&self) -> Vec<ConnId> {
        self.holding.iter().copied().collect()
    }

    pub fn watchers(&self) -> Vec<ConnId> {
        self.watchers.iter().copied().collect()
    }

    /// Forgets the oldest connection's TLS plaintext; the bytes freed, none when no
    /// connection keeps any.
    pub fn drop_oldest_plaintext(&mut self) -> Option<usize> {
        let slot = self
            .map
            .values_mut()
            .find(|s| !s.tls_plaintext.chunks.is_empty())?;
        let freed = std::mem::take(&mut slot.tls_plaintext).bytes;
        self.plaintext_kept = self.plaintext_kept.saturating_sub(freed);
        Some(freed)
    }

    /// Drops every server session, relay attempt, held input and gate mark (a world being
    /// replaced: see `restore`); endpoints stay, their links dropped.
    pub fn drop_sessions(&mut self) {
        for s in self.map.values_mut() {
            s.server = None;
            s.relay = None;
            s.held = None;
            s.gate_marks.clear();
            s.deadline = None;
            s.indexed_holding = false;
            s.indexed_watcher = false;
        }
        self.timers.clear();
        self.holding.clear();
        self.watchers.clear();
    }

    /// How many connections the world remembers (for the bound's test).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bound_holds_every_connection_and_live_ones_stay() {
        let mut slots = Slots::default();
        slots.slot(ConnId(0)).endpoint = Some(Endpoint::default());
        for i in 1..=MAX_CONNS as u64 {
            slots.slot(ConnId(i)).state = None;
        }
        assert_eq!(slots.len(), MAX_CONNS);
        assert!(slots.get(ConnId(0)).is_some(), "a live connection is kept");
        assert!(
            slots.get(ConnId(1)).is_none(),
            "the oldest finished one went"
        );
        slots.forget_endpoint(ConnId(0));
        slots.slot(ConnId(MAX_CONNS as u64 + 1));
        assert!(
            slots.get(ConnId(0)).is_none(),
            "finished now, and the oldest"
        );
        assert_eq!(slots.len(), MAX_CONNS);
    }
}
