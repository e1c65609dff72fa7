//! Time and the pump: the world steps through every deadline in order, hands network events to
//! the sessions they are for, feeds held input under flow control, and carries out what the
//! server sessions ask for. Deadlines come from the slots' timer table (see `slots.rs`), so a
//! pass asks only the sessions that are due.

use super::gate::GatedSession;
use super::server::{Env, Note};
use super::slots::{Accepted, HeldInput, ServerSlot};
use super::{EndpointState, World, WorldEvent};
use crate::net::{ConnId, NetEvent, Side};
use crate::proto::smtp::PeerInfo;
use crate::session::Output;
use crate::time::Instant;

/// Most unread server output per connection before the world stops feeding that server input.
pub(super) const FLOW_WINDOW: usize = 4 * 1024 * 1024;
/// Input is handed over in slices this small, so one slice cannot ask for much output.
const FEED_SLICE: usize = 16;
/// Ciphertext is handed to a connection's TLS layer in slices this big (at most one record's
/// worth of plaintext comes out of it, and a record costs one call instead of a thousand).
const TLS_FEED_SLICE: usize = 4096;
/// Most input held for one connection; past it the link is dropped.
const MAX_HELD_INPUT: usize = 16 * 1024 * 1024;

impl World {
    /// The next instant at which something is due, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [
            self.net.poll_timeout(),
            self.slots.next_deadline(),
            self.queue.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Advances virtual time to `target`, processing every deadline on the way in order.
    pub fn run_until(&mut self, target: Instant) {
        // A bound on steps guards against a session that keeps asking for "now".
        for _ in 0..1_000_000 {
            match self.poll_timeout() {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.pump();
                }
                _ => break,
            }
        }
        self.now = self.now.max(target);
        self.pump();
    }

    /// Processes everything due at the current instant.
    pub(super) fn pump(&mut self) {
        let now = self.now;
        for _ in 0..1_000_000 {
            let mut busy = false;
            while let Some(ev) = self.net.poll_event(now) {
                busy = true;
                self.on_net_event(ev);
            }
            for conn in self.slots.due(now) {
                let due = self.slots.get(conn).is_some_and(|s| {
                    s.server
                        .as_ref()
                        .and_then(|s| s.session.poll_timeout())
                        .is_some_and(|t| t <= now)
                });
                if due {
                    busy = true;
                    self.with_server(conn, |s, env, now| s.handle_timeout(env, now));
                }
            }
            busy |= self.run_relay(now);
            for conn in self.slots.holding() {
                busy |= self.feed(conn);
            }
            if !busy {
                break;
            }
            self.notify_store_watchers();
        }
    }

    /// Bytes the server on `conn` has sent that its client has not taken yet: in flight plus
    /// waiting in the client endpoint's inbox.
    pub(super) fn backlog(&self, conn: ConnId) -> usize {
        let in_flight = self
            .net
            .connection(conn)
            .map(|c| c.unread_by_client)
            .unwrap_or(0);
        let inbox = self
            .slots
            .get(conn)
            .and_then(|s| s.endpoint.as_ref())
            .map(|e| e.inbox.len())
            .unwrap_or(0);
        in_flight + inbox
    }

    /// Flow control, like a TCP window: hands held input to the server session in small
    /// slices while its client keeps up (backlog under [`FLOW_WINDOW`]). A client that
    /// pipelines thousands of `RETR`s without reading gets answers only as fast as it reads,
    /// so memory stays bounded. Returns true when some input was handed over.
    fn feed(&mut self, conn: ConnId) -> bool {
        let progress = self.feed_slices(conn);
        self.slots.sync(conn);
        progress
    }

    fn feed_slices(&mut self, conn: ConnId) -> bool {
        let mut progress = false;
        loop {
            let Some(slot) = self.slots.get_mut(conn) else {
                return progress;
            };
            let (empty, closed) = match &slot.held {
                None => return progress,
                Some(h) => (h.bytes.is_empty(), h.closed),
            };
            if empty {
                slot.held = None;
                if closed {
                    self.on_net_event(NetEvent::Closed {
                        conn,
                        to: Side::Server,
                    });
                }
                return progress;
            }
            let Some(server) = &slot.server else {
                slot.held = None;
                return progress;
            };
            let slice_len = if server.tls.is_some() {
                TLS_FEED_SLICE
            } else {
                FEED_SLICE
            };
            if !server.session.is_accepting_input() || self.backlog(conn) > FLOW_WINDOW {
                return progress;
            }
            let slice: Vec<u8> = match self.slots.get_mut(conn).and_then(|s| s.held.as_mut()) {
                Some(h) => {
                    let n = h.bytes.len().min(slice_len);
                    h.bytes.drain(..n).collect()
                }
                None => return progress,
            };
            progress = true;
            self.server_input(conn, &slice);
        }
    }

    /// Lets sessions that watch the store (IMAP, for IDLE) look at the change log.
    fn notify_store_watchers(&mut self) {
        for conn in self.slots.watchers() {
            self.with_server(conn, |s, env, now| s.handle_timeout(env, now));
        }
    }

    fn is_relay(&self, conn: ConnId) -> bool {
        self.slots.get(conn).is_some_and(|s| s.relay.is_some())
    }

    fn on_net_event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Accepted { conn } => self.accept(conn),
            NetEvent::Data {
                conn,
                to: Side::Server,
                bytes,
            } => {
                let slot = self.slots.slot(conn);
                let held = slot.held.get_or_insert_with(HeldInput::default);
                held.bytes.extend(bytes);
                if held.bytes.len() > MAX_HELD_INPUT {
                    // A client pushing far more than the server can answer: cut it off.
                    slot.held = None;
                    self.slots.sync(conn);
                    let now = self.now;
                    self.net.drop_link(now, conn);
                    return;
                }
                self.feed(conn);
            }
            NetEvent::Data {
                conn,
                to: Side::Client,
                bytes,
            } if self.is_relay(conn) => self.relay_input(conn, &bytes),
            NetEvent::Closed {
                conn,
                to: Side::Client,
            }
            | NetEvent::Reset {
                conn,
                to: Side::Client,
            } if self.is_relay(conn) => self.relay_closed(conn),
            NetEvent::Data {
                conn,
                to: Side::Client,
                bytes,
            } => self.endpoint_input(conn, &bytes),
            NetEvent::Closed {
                conn,
                to: Side::Server,
            } if self.slots.get(conn).is_some_and(|s| s.held.is_some()) => {
                // Input still held back: the server reads it before it sees the close.
                if let Some(h) = self.slots.get_mut(conn).and_then(|s| s.held.as_mut()) {
                    h.closed = true;
                }
            }
            NetEvent::Closed {
                conn,
                to: Side::Server,
            }
            | NetEvent::Reset {
                conn,
                to: Side::Server,
            } => {
                if let Some(s) = self.slots.get_mut(conn) {
                    s.held = None;
                }
                self.with_server(conn, |s, env, now| s.handle_close(env, now));
                if let Some(s) = self.slots.get_mut(conn) {
                    s.server = None;
                }
                self.slots.sync(conn);
                self.net.close(self.now, conn, Side::Server);
            }
            NetEvent::Closed {
                conn,
                to: Side::Client,
            } => {
                if let Some(e) = self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut()) {
                    e.state = EndpointState::Closed;
                }
                self.net.close(self.now, conn, Side::Client);
            }
            NetEvent::Reset {
                conn,
                to: Side::Client,
            } => {
                if let Some(e) = self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut()) {
                    e.state = EndpointState::Reset;
                }
            }
        }
    }

    /// Starts the server session for a new connection.
    fn accept(&mut self, conn: ConnId) {
        let Some(c) = self.net.connection(conn) else {
            return;
        };
        let (host, port, client) = (c.server, c.port, c.client);
        let Some(&service) = self.services.get(&(host, port)) else {
            self.net.close(self.now, conn, Side::Server);
            return;
        };
        let now = self.now;
        self.next_session_id += 1;
        let host_name = self.net.host_name(host).to_string();
        let peer = self
            .net
            .host(client)
            .map(|h| PeerInfo {
                addr: h.addr.clone(),
                name: Some(h.name.clone()),
            })
            .unwrap_or(PeerInfo {
                addr: "0.0.0.0".into(),
                name: None,
            });
        let strict = self.is_strict_name(&host_name);
        let implicit_tls = self.implicit_tls.contains(&(host, port));
        if implicit_tls && !self.tls_policy(&host_name).implicit_ports {
            // The host's policy turned its implicit-TLS ports off: nobody answers there.
            self.net.close(self.now, conn, Side::Server);
            return;
        }
        let tls_offer = self.tls_offer_for(&host_name, port, implicit_tls);
        let mut env = Env {
            host: &host_name,
            store: &mut self.store,
            clock: self.clock,
            queue: &mut self.queue,
            peer: peer.clone(),
            port,
            strict,
            faults: &mut self.faults,
            input_waiting: false,
            tls: tls_offer,
        };
        let session = GatedSession::start(service, &mut env, now, self.next_session_id);
        let slot = self.slots.slot(conn);
        slot.accepted = Some(Accepted {
            client,
            server: host,
            port,
            service,
        });
        if let Some(state) = session.initial_state() {
            slot.state = Some(state);
        }
        slot.server = Some(ServerSlot {
            host_name,
            port,
            peer,
            session,
            tls: None,
            tls_offer,
            tls_certificate: Default::default(),
        });
        // Implicit TLS (RFC 8314 §3): the handshake first; the greeting waits inside TLS.
        if implicit_tls && !self.start_server_tls(conn) {
            return;
        }
        self.with_server(conn, |_, _, _| {});
    }

    /// Runs `f` on a server session, then carries out what it asked for.
    pub(super) fn with_server(
        &mut self,
        conn: ConnId,
        f: impl FnOnce(&mut GatedSession, &mut Env<'_>, Instant),
    ) {
        self.run_server(conn, f);
        self.slots.sync(conn);
    }

    fn run_server(
        &mut self,
        conn: ConnId,
        f: impl FnOnce(&mut GatedSession, &mut Env<'_>, Instant),
    ) {
        let now = self.now;
        let Some(slot) = self.slots.get_mut(conn) else {
            return;
        };
        let input_waiting = slot.held.as_ref().is_some_and(|h| !h.bytes.is_empty());
        let Some(server) = slot.server.as_mut() else {
            return;
        };
        let strict = !self.strict_hosts.is_empty()
            && self
                .strict_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&server.host_name));
        let mut env = Env {
            host: &server.host_name,
            store: &mut self.store,
            clock: self.clock,
            queue: &mut self.queue,
            peer: server.peer.clone(),
            port: server.port,
            strict,
            faults: &mut self.faults,
            input_waiting,
            tls: server.tls_offer,
        };
        f(&mut server.session, &mut env, now);
        let mut outputs = Vec::new();
        while let Some(o) = server.session.poll_output() {
            outputs.push(o);
        }
        let host_name = server.host_name.clone();
        let accepted = slot.accepted;
        for o in outputs {
            match o {
                Output::Transmit(bytes) => self.server_transmit(conn, bytes),
                Output::Event(Note::StartTls) => {
                    self.hand_held_input_before_tls(conn);
                    if !self.start_server_tls(conn) {
                        break;
                    }
                }
                Output::Event(Note::Queued(id)) => {
                    let host = host_name.clone();
                    self.push_event(WorldEvent::Queued { id, host });
                }
                Output::Event(Note::Mark(mark)) => self.slots.slot(conn).add_gate_mark(mark),
                Output::Event(Note::Record(record)) => {
                    if let Some(accepted) = accepted {
                        let at = self.net.trace.total;
                        self.records.push(at, conn, accepted, record);
                    }
                }
                Output::Event(Note::DropLink) => {
                    self.net.drop_link(now, conn);
                    break;
                }
                Output::Event(Note::Secret(mark)) => self.slots.slot(conn).add_secret_mark(mark),
                Output::Event(Note::State(state)) => {
                    self.slots.slot(conn).state = Some(state);
                    self.push_event(WorldEvent::SessionState { conn, state });
                }
                Output::Close => {
                    self.close_server_tls(conn);
                    self.net.close(now, conn, Side::Server);
                    self.slots.slot(conn).server = None;
                }
            }
        }
    }
}
