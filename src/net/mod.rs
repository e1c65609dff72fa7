//! The virtual network: named hosts with addresses, a DNS, listeners on (host, port),
//! connections with two byte streams, latency, and faults from a seeded source. Every chunk
//! that crosses it is recorded in the trace log. No protocols here: the network moves bytes.

mod dns;
mod rng;
mod trace;

pub use dns::{Dns, MxRecord};
pub use rng::Rng;
pub use trace::{Trace, TraceEntry, TraceKind};

use crate::ordered::{SortedMap, SortedSet};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HostId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ConnId(pub u64);

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// One end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Side {
    /// The end that called `connect`.
    Client,
    /// The end that was listening.
    Server,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Host {
    pub id: HostId,
    pub name: String,
    pub addr: String,
    pub up: bool,
}

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// The name has no A record and is no known address.
    UnknownHost(String),
    /// The target host is down (a real client would time out).
    HostDown,
    /// The link between the two hosts is cut.
    Unreachable,
    /// Nothing listens on that port (TCP RST).
    Refused,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::UnknownHost(n) => write!(f, "unknown host {n}"),
            ConnectError::HostDown => write!(f, "host is down (connection timed out)"),
            ConnectError::Unreachable => write!(f, "network unreachable (link cut)"),
            ConnectError::Refused => write!(f, "connection refused"),
        }
    }
}

/// Something the network delivers to one end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetEvent {
    /// A new connection reached a listener.
    Accepted { conn: ConnId },
    /// Bytes arrived at `to`.
    Data {
        conn: ConnId,
        to: Side,
        bytes: Vec<u8>,
    },
    /// The other end closed; everything it sent before has arrived.
    Closed { conn: ConnId, to: Side },
    /// The link dropped: in-flight bytes are lost.
    Reset { conn: ConnId, to: Side },
}

/// Latency and fault settings; faults draw from the network's seeded [`Rng`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Faults {
    /// One-way delay of every chunk.
    pub latency: Duration,
    /// Extra random delay, up to this much.
    pub jitter: Duration,
    /// Chance (per million) that a connect is refused.
    pub refuse_per_million: u32,
    /// Chance (per million) that a chunk sent drops the link instead.
    pub drop_per_million: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            latency: Duration::from_millis(20),
            jitter: Duration::ZERO,
            refuse_per_million: 0,
            drop_per_million: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: ConnId,
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    pub opened_at: Instant,
    client_open: bool,
    server_open: bool,
    /// Bytes the server sent that have not reached the client yet (for flow control).
    pub unread_by_client: usize,
    /// Bytes the client sent that have not reached the server yet.
    pub unread_by_server: usize,
    /// Last scheduled delivery per direction, to keep each stream in order.
    last_to_server: Instant,
    last_to_client: Instant,
}

impl Connection {
    pub fn is_open(&self, side: Side) -> bool {
        match side {
            Side::Client => self.client_open,
            Side::Server => self.server_open,
        }
    }

    /// The trace entry for something `from` did on this connection at `at`.
    fn trace_entry(&self, at: Instant, from: Side, kind: TraceKind) -> TraceEntry {
        TraceEntry {
            at,
            conn: self.id,
            client: self.client,
            server: self.server,
            port: self.port,
            from,
            kind,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Network {
    hosts: Vec<Host>,
    pub dns: Dns,
    listeners: SortedSet<(HostId, u16)>,
    conns: SortedMap<ConnId, Connection>,
    /// The links cut (each once, as [`Network::link_key`]): a few at most, so a list, not a
    /// set type of its own in the wasm (issue 29).
    cut_links: Vec<(HostId, HostId)>,
    /// One-way latency of particular links, in place of [`Faults::latency`] (see
    /// [`Network::set_link_latency`]).
    link_latency: SortedMap<(HostId, HostId), Duration>,
    /// Events in flight, by (delivery time, order of sending).
    in_flight: SortedMap<(Instant, u64), NetEvent>,
    seq: u64,
    next_conn: u64,
    pub faults: Faults,
    rng: Rng,
    pub trace: Trace,
}

impl Network {
    pub fn new(seed: u64) -> Self {
        Network {
            hosts: Vec::new(),
            dns: Dns::default(),
            listeners: SortedSet::new(),
            conns: SortedMap::new(),
            cut_links: Vec::new(),
            link_latency: SortedMap::new(),
            in_flight: SortedMap::new(),
            seq: 0,
            next_conn: 1,
            faults: Faults::default(),
            rng: Rng::new(seed),
            trace: Trace::default(),
        }
    }

    // ---- hosts and DNS ----

    /// Adds a host and its A record.
    pub fn add_host(&mut self, name: &str, addr: &str) -> HostId {
        let id = HostId(self.hosts.len() as u32);
        self.hosts.push(Host {
            id,
            name: name.to_ascii_lowercase(),
            addr: addr.to_string(),
            up: true,
        });
        self.dns.set_a(name, addr);
        id
    }

    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub fn host(&self, id: HostId) -> Option<&Host> {
        self.hosts.get(id.0 as usize)
    }

    pub fn host_name(&self, id: HostId) -> &str {
        self.host(id).map(|h| h.name.as_str()).unwrap_or("?")
    }

    pub fn host_by_name(&self, name: &str) -> Option<HostId> {
        let name = name.trim_end_matches('.');
        self.hosts
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.id)
    }

    /// Resolves a name (through DNS A records) or a literal address to a host.
    pub fn resolve(&self, target: &str) -> Option<HostId> {
        let target = target.trim().trim_start_matches('[').trim_end_matches(']');
        let addr = self.dns.resolve_a(target).unwrap_or(target);
        self.hosts.iter().find(|h| h.addr == addr).map(|h| h.id)
    }

    pub fn is_up(&self, id: HostId) -> bool {
        self.host(id).is_some_and(|h| h.up)
    }

    /// Takes a host down (every connection touching it drops) or brings it back up.
    pub fn set_host_up(&mut self, now: Instant, id: HostId, up: bool) {
        if let Some(h) = self.hosts.get_mut(id.0 as usize) {
            h.up = up;
        }
        if !up {
            let ids: Vec<ConnId> = self
                .conns
                .values()
                .filter(|c| c.client == id || c.server == id)
                .map(|c| c.id)
                .collect();
            for c in ids {
                self.drop_link(now, c);
            }
        }
    }

    fn link_key(a: HostId, b: HostId) -> (HostId, HostId) {
        (a.min(b), a.max(b))
    }

    /// Cuts or restores the link between two hosts.
    pub fn set_link_cut(&mut self, now: Instant, a: HostId, b: HostId, cut: bool) {
        let key = Self::link_key(a, b);
        if cut {
            if !self.cut_links.contains(&key) {
                self.cut_links.push(key);
            }
            let ids: Vec<ConnId> = self
                .conns
                .values()
                .filter(|c| Self::link_key(c.client, c.server) == key)
                .map(|c| c.id)
                .collect();
            for c in ids {
                self.drop_link(now, c);
            }
        } else {
            self.cut_links.retain(|k| *k != key);
        }
    }

    pub fn is_link_cut(&self, a: HostId, b: HostId) -> bool {
        self.cut_links.contains(&Self::link_key(a, b))
    }

    /// Gives the link between two hosts its own one-way latency, in both directions, in place
    /// of [`Faults::latency`] (`None` goes back to it). Jitter still applies. The TCP bridge
    /// uses it to put real clients right next to the host they talk to while the links
    /// between virtual hosts keep their delay.
    pub fn set_link_latency(&mut self, a: HostId, b: HostId, latency: Option<Duration>) {
        let key = Self::link_key(a, b);
        match latency {
            Some(l) => self.link_latency.insert(key, l),
            None => self.link_latency.remove(&key),
        };
    }

    /// The one-way latency of the link between two hosts, before jitter.
    pub fn link_latency(&self, a: HostId, b: HostId) -> Duration {
        self.link_latency
            .get(&Self::link_key(a, b))
            .copied()
            .unwrap_or(self.faults.latency)
    }

    // ---- listeners and connections ----

    pub fn listen(&mut self, host: HostId, port: u16) {
        self.listeners.insert((host, port));
    }

    pub fn is_listening(&self, host: HostId, port: u16) -> bool {
        self.listeners.contains(&(host, port))
    }

    pub fn listeners(&self) -> impl Iterator<Item = (HostId, u16)> + '_ {
        self.listeners.iter().copied()
    }

    pub fn connection(&self, id: ConnId) -> Option<&Connection> {
        self.conns.get(&id)
    }

    pub fn connections(&self) -> impl Iterator<Item = &Connection> {
        self.conns.values()
    }

    /// The delay of one chunk between two hosts: the link's latency plus jitter.
    fn delay(&mut self, a: HostId, b: HostId) -> Duration {
        self.jitter() + self.link_latency(a, b)
    }

    fn jitter(&mut self) -> Duration {
        Duration::from_millis(self.rng.below(self.faults.jitter.as_millis() + 1))
    }

    fn schedule(&mut self, at: Instant, ev: NetEvent) {
        self.seq += 1;
        self.in_flight.insert((at, self.seq), ev);
    }

    /// Opens a connection from `from` to `target:port`. On success the listener's side gets
    /// [`NetEvent::Accepted`] after the link's latency.
    pub fn connect(
        &mut self,
        now: Instant,
        from: HostId,
        target: &str,
        port: u16,
    ) -> Result<ConnId, ConnectError> {
        let to = self.resolve(target);
        let result = match to {
            None => Err(ConnectError::UnknownHost(target.to_string())),
            Some(to) if !self.is_up(to) || !self.is_up(from) => Err(ConnectError::HostDown),
            Some(to) if self.is_link_cut(from, to) => Err(ConnectError::Unreachable),
            Some(to) if !self.is_listening(to, port) => Err(ConnectError::Refused),
            Some(_) if self.rng.chance(self.faults.refuse_per_million) => {
                Err(ConnectError::Refused)
            }
            Some(to) => Ok(to),
        };
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        let to_host = to.unwrap_or(from);
        match result {
            Err(e) => {
                self.trace.record(TraceEntry {
                    at: now,
                    conn: id,
                    client: from,
                    server: to_host,
                    port,
                    from: Side::Client,
                    kind: TraceKind::Failed(e.to_string()),
                });
                Err(e)
            }
            Ok(to) => {
                let at = now + self.delay(from, to);
                self.conns.insert(
                    id,
                    Connection {
                        id,
                        client: from,
                        server: to,
                        port,
                        opened_at: now,
                        client_open: true,
                        server_open: true,
                        unread_by_client: 0,
                        unread_by_server: 0,
                        last_to_server: at,
                        last_to_client: at,
                    },
                );
                self.trace.record(TraceEntry {
                    at: now,
                    conn: id,
                    client: from,
                    server: to,
                    port,
                    from: Side::Client,
                    kind: TraceKind::Connect,
                });
                self.schedule(at, NetEvent::Accepted { conn: id });
                Ok(id)
            }
        }
    }

    /// Sends bytes from one end. Returns false when that end can no longer send.
    pub fn send(&mut self, now: Instant, conn: ConnId, from: Side, bytes: Vec<u8>) -> bool {
        let Some(c) = self.conns.get(&conn) else {
            return false;
        };
        if !c.is_open(from) || !c.is_open(from.other()) || bytes.is_empty() {
            return !bytes.is_empty() && c.is_open(from);
        }
        let (client, server) = (c.client, c.server);
        let entry = c.trace_entry(now, from, TraceKind::Data(bytes.clone()));
        self.trace.record(entry);
        if self.rng.chance(self.faults.drop_per_million) {
            self.drop_link(now, conn);
            return false;
        }
        let at = now + self.delay(client, server);
        let Some(c) = self.conns.get_mut(&conn) else {
            return false;
        };
        match from {
            Side::Server => c.unread_by_client += bytes.len(),
            Side::Client => c.unread_by_server += bytes.len(),
        }
        let slot = match from {
            Side::Client => &mut c.last_to_server,
            Side::Server => &mut c.last_to_client,
        };
        let at = at.max(*slot);
        *slot = at;
        self.schedule(
            at,
            NetEvent::Data {
                conn,
                to: from.other(),
                bytes,
            },
        );
        true
    }

    /// Closes one end. The other end gets [`NetEvent::Closed`] after what is in flight.
    pub fn close(&mut self, now: Instant, conn: ConnId, side: Side) {
        // Jitter is drawn first, whatever follows, so that a seed replays the same.
        let jitter = self.jitter();
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        if !c.is_open(side) {
            return;
        }
        let delay = jitter
            + self
                .link_latency
                .get(&Self::link_key(c.client, c.server))
                .copied()
                .unwrap_or(self.faults.latency);
        match side {
            Side::Client => c.client_open = false,
            Side::Server => c.server_open = false,
        }
        let other_open = c.is_open(side.other());
        let slot = match side {
            Side::Client => &mut c.last_to_server,
            Side::Server => &mut c.last_to_client,
        };
        let at = (now + delay).max(*slot);
        *slot = at;
        let entry = c.trace_entry(now, side, TraceKind::Close);
        self.trace.record(entry);
        if other_open {
            self.schedule(
                at,
                NetEvent::Closed {
                    conn,
                    to: side.other(),
                },
            );
        } else {
            self.conns.remove(&conn);
        }
    }

    /// Drops the link under a connection: bytes in flight are lost and both ends get a reset.
    pub fn drop_link(&mut self, now: Instant, conn: ConnId) {
        let Some(c) = self.conns.remove(&conn) else {
            return;
        };
        self.in_flight.retain(|_, ev| match ev {
            NetEvent::Accepted { conn: id }
            | NetEvent::Data { conn: id, .. }
            | NetEvent::Closed { conn: id, .. }
            | NetEvent::Reset { conn: id, .. } => *id != conn,
        });
        self.trace
            .record(c.trace_entry(now, Side::Client, TraceKind::Dropped));
        for side in [Side::Client, Side::Server] {
            if c.is_open(side) {
                self.schedule(now, NetEvent::Reset { conn, to: side });
            }
        }
    }

    /// The next event due at or before `now`.
    pub fn poll_event(&mut self, now: Instant) -> Option<NetEvent> {
        let (&key, _) = self.in_flight.iter().next()?;
        if key.0 > now {
            return None;
        }
        let ev = self.in_flight.remove(&key)?;
        // Data for an end that has closed is discarded, as a kernel would after close().
        match &ev {
            NetEvent::Data { conn, to, .. } | NetEvent::Closed { conn, to } => {
                let open = self.conns.get(conn).is_some_and(|c| c.is_open(*to));
                if !open {
                    return self.poll_event(now);
                }
                if let (NetEvent::Data { bytes, .. }, Some(c)) = (&ev, self.conns.get_mut(conn)) {
                    match to {
                        Side::Client => {
                            c.unread_by_client = c.unread_by_client.saturating_sub(bytes.len())
                        }
                        Side::Server => {
                            c.unread_by_server = c.unread_by_server.saturating_sub(bytes.len())
                        }
                    }
                }
            }
            NetEvent::Accepted { .. } | NetEvent::Reset { .. } => {}
        }
        Some(ev)
    }

    /// When the next event in flight is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.in_flight.keys().next().map(|k| k.0)
    }

    /// Number of events in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }
}

#[cfg(test)]
mod tests;
