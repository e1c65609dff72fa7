//! The world: virtual hosts with their services, the store, and every live session, pumped in
//! virtual-time order. Drivers (the page, tests, the TCP bridge) call [`World::run_until`]
//! with the time they want to reach; the world steps through every deadline on the way, so a
//! jump of an hour still processes each retry and timeout at its own instant.

pub mod client_model;
mod default_world;
mod endpoint;
mod faults;
mod gate;
pub mod journey;
pub mod mail_client;
mod mark;
mod records;
mod relay_driver;
mod server;
mod service;
pub mod share;
mod snapshot;
mod strict;
mod transcript;

pub use default_world::{
    default_world, DefaultWorld, CORP_HOST, ISP_HOST, RECIPIENT_PC, SENDER_PC, USERS,
};
pub use endpoint::{Endpoint, EndpointState};
pub use faults::AddRuleError;
pub use mark::{FaultAction, GateMark, GateMarkKind};
pub use records::StampedRecord;
pub use service::Service;
pub use snapshot::{LocalMail, PcMail};
pub use strict::{StrictCheck, StrictFinding};
pub use transcript::{mask_secret, ConnSummary, Speaker, TranscriptLine};

use crate::fault::FaultBook;
use crate::net::MxRecord;
use crate::net::{ConnId, ConnectError, HostId, NetEvent, Network, Side};
use crate::proto::record::Record;
use crate::proto::smtp::PeerInfo;
use crate::proto::ProtocolState;
use crate::relay::RelayQueue;
use crate::session::{Output, SecretInput};
use crate::store::Store;
use crate::time::{Instant, WallClock};
use gate::GatedSession;
use records::RecordLog;
use relay_driver::RelayAttempt;
use server::{Env, Note};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// What a host is for, in the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRole {
    /// A person's computer with a mail client.
    Client,
    /// A mail server (SMTP, and POP3/IMAP when it holds mailboxes).
    MailServer,
}

/// Descriptive data about a host, for the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostInfo {
    pub id: HostId,
    pub role: HostRole,
    /// Human label, e.g. "Sender's PC (home)".
    pub label: String,
}

/// Something the UI may want to show: the hops of a message's journey, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorldEvent {
    /// A server session's protocol state changed (e.g. POP3 Transaction).
    SessionState { conn: ConnId, state: ProtocolState },
    /// `host`'s SMTP server accepted a message into its relay queue as `id`.
    Queued { id: String, host: String },
    /// `host`'s relay asked the DNS where mail for `domain` goes (RFC 5321 §5.1): the MX
    /// records, most preferred first; `implicit_mx` when there were none and the domain's own
    /// A record stands in; both empty when there is nowhere to go.
    MxLookup {
        host: String,
        domain: String,
        answer: Vec<MxRecord>,
        implicit_mx: bool,
    },
    /// The next hop (`to`) answered `reply` (250) to the message `from` relayed for `rcpts`.
    Relayed {
        id: String,
        from: String,
        to: String,
        rcpts: Vec<String>,
        reply: String,
    },
    /// Final delivery: `host` put queue entry `id` into `rcpt`'s `folder`.
    Delivered {
        id: String,
        host: String,
        rcpt: String,
        folder: String,
    },
    /// `host` could not hand `id` over and will retry.
    Deferred {
        id: String,
        host: String,
        reason: String,
    },
    /// `id` failed for good on `host`; a bounce goes back to `sender` (when it has one).
    Bounced {
        id: String,
        host: String,
        sender: String,
    },
}

impl WorldEvent {
    /// One line for the event log, naming host, hop and reply
    /// (`smtp.isp.example -> mx.corp.example: Q00001 relayed (250 2.0.0 Ok)`).
    pub fn summary(&self) -> Option<String> {
        Some(match self {
            WorldEvent::SessionState { .. } => return None,
            WorldEvent::Queued { id, host } => format!("{host}: {id} queued for relay"),
            WorldEvent::MxLookup {
                host,
                domain,
                answer,
                implicit_mx,
            } => format!(
                "{host}: DNS {domain} MX? -> {}",
                mx_answer_text(answer, *implicit_mx, domain)
            ),
            WorldEvent::Relayed {
                id,
                from,
                to,
                reply,
                ..
            } => format!("{from} -> {to}: {id} relayed ({reply})"),
            WorldEvent::Delivered {
                id,
                host,
                rcpt,
                folder,
            } => {
                let user = rcpt.split('@').next().unwrap_or(rcpt);
                format!("{host}: {id} delivered to {user}'s {folder}")
            }
            WorldEvent::Deferred { id, host, reason } => {
                format!("{host}: {id} deferred, will retry ({reason})")
            }
            WorldEvent::Bounced { id, host, sender } if sender.is_empty() => {
                format!("{host}: {id} failed for good (no sender to bounce to)")
            }
            WorldEvent::Bounced { id, host, sender } => {
                format!("{host}: {id} failed for good, bounce sent to {sender}")
            }
        })
    }
}

/// The answer of an MX lookup in words: `10 mx.corp.example`, `no MX, A record of corp.example`,
/// `none`.
pub fn mx_answer_text(answer: &[MxRecord], implicit_mx: bool, domain: &str) -> String {
    if !answer.is_empty() {
        let parts: Vec<String> = answer
            .iter()
            .map(|r| format!("{} {}", r.preference, r.exchange))
            .collect();
        parts.join(", ")
    } else if implicit_mx {
        format!("no MX, A record of {domain}")
    } else {
        "none".to_string()
    }
}

struct ServerSlot {
    /// The host it runs on, by name (what `Env::host` wants on every call).
    host_name: String,
    port: u16,
    peer: PeerInfo,
    session: GatedSession,
}

pub struct World {
    now: Instant,
    pub clock: WallClock,
    pub net: Network,
    pub store: Store,
    /// The relay queues of every MTA host.
    pub queue: RelayQueue,
    hosts: Vec<HostInfo>,
    services: BTreeMap<(HostId, u16), Service>,
    servers: BTreeMap<ConnId, ServerSlot>,
    endpoints: BTreeMap<ConnId, Endpoint>,
    /// Outgoing SMTP connections of the relay, by connection.
    relays: BTreeMap<ConnId, RelayAttempt>,
    session_states: BTreeMap<ConnId, ProtocolState>,
    /// Where each connection's client input carries a secret, as its server session said.
    secret_marks: BTreeMap<ConnId, Vec<SecretInput>>,
    /// Events not polled yet, each with the trace index it happened at (`Trace::total` then).
    events: VecDeque<(u64, WorldEvent)>,
    next_session_id: u64,
    /// Client input not yet handed to its server session (flow control, see `feed`).
    held: BTreeMap<ConnId, HeldInput>,
    /// Fault rules (issue 15), applied by the gate in front of every server session.
    faults: FaultBook,
    /// Hosts whose servers are strict (lower-case names); the others are lenient.
    strict_hosts: BTreeSet<String>,
    /// What the gates did per connection (fault replies, strict notes), oldest first.
    gate_marks: BTreeMap<ConnId, Vec<GateMark>>,
    /// What each conversation did, typed, written by the gates (see [`crate::proto::record`]).
    records: RecordLog,
    /// Each connection's ends and the service it reached, from its acceptance on.
    accepted: BTreeMap<ConnId, Accepted>,
}

/// A connection a service accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    pub service: Service,
}

/// Input waiting for its server session.
#[derive(Default)]
struct HeldInput {
    bytes: VecDeque<u8>,
    /// The client closed after sending it.
    closed: bool,
}

/// Most unread server output per connection before the world stops feeding that server input.
const FLOW_WINDOW: usize = 4 * 1024 * 1024;
/// Input is handed over in slices this small, so one slice cannot ask for much output.
const FEED_SLICE: usize = 16;
/// Connections whose last protocol state and secret marks are remembered (the bridge makes
/// many).
const MAX_REMEMBERED_CONNS: usize = 10_000;
/// Secret marks remembered per connection.
const MAX_SECRET_MARKS: usize = 64;
/// Most input held for one connection; past it the link is dropped.
const MAX_HELD_INPUT: usize = 16 * 1024 * 1024;

impl World {
    /// An empty world at virtual time zero.
    pub fn new(seed: u64, clock: WallClock) -> Self {
        World {
            now: Instant::ZERO,
            clock,
            net: Network::new(seed),
            store: Store::new(),
            queue: RelayQueue::new(),
            hosts: Vec::new(),
            services: BTreeMap::new(),
            servers: BTreeMap::new(),
            endpoints: BTreeMap::new(),
            relays: BTreeMap::new(),
            session_states: BTreeMap::new(),
            secret_marks: BTreeMap::new(),
            events: VecDeque::new(),
            next_session_id: 0,
            held: BTreeMap::new(),
            faults: FaultBook::default(),
            strict_hosts: BTreeSet::new(),
            gate_marks: BTreeMap::new(),
            records: RecordLog::default(),
            accepted: BTreeMap::new(),
        }
    }

    pub fn now(&self) -> Instant {
        self.now
    }

    // ---- building the world ----

    pub fn add_host(&mut self, name: &str, addr: &str, role: HostRole, label: &str) -> HostId {
        let id = self.net.add_host(name, addr);
        self.hosts.push(HostInfo {
            id,
            role,
            label: label.to_string(),
        });
        id
    }

    /// Runs `service` on `host` at its usual port.
    pub fn add_service(&mut self, host: HostId, service: Service) {
        self.add_service_on(host, service, service.default_port());
    }

    pub fn add_service_on(&mut self, host: HostId, service: Service, port: u16) {
        self.services.insert((host, port), service);
        self.net.listen(host, port);
    }

    pub fn host_infos(&self) -> &[HostInfo] {
        &self.hosts
    }

    pub fn host_info(&self, id: HostId) -> Option<&HostInfo> {
        self.hosts.iter().find(|h| h.id == id)
    }

    /// Services of a host, by port.
    pub fn services_of(&self, host: HostId) -> Vec<(u16, Service)> {
        self.services
            .iter()
            .filter(|((h, _), _)| *h == host)
            .map(|((_, p), s)| (*p, *s))
            .collect()
    }

    /// Takes a host down (its connections drop) or up.
    pub fn set_host_up(&mut self, host: HostId, up: bool) {
        let now = self.now;
        self.net.set_host_up(now, host, up);
        self.pump();
    }

    // ---- client endpoints (terminals, the TCP bridge) ----

    /// Opens a connection from `from` to `target:port`, like `telnet target port`.
    pub fn connect(
        &mut self,
        from: HostId,
        target: &str,
        port: u16,
    ) -> Result<ConnId, ConnectError> {
        let conn = self.net.connect(self.now, from, target, port)?;
        self.endpoints.insert(conn, Endpoint::default());
        Ok(conn)
    }

    /// Sends bytes from a client endpoint.
    pub fn send(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        let ok = self.net.send(self.now, conn, Side::Client, bytes.to_vec());
        self.pump();
        ok
    }

    /// Closes a client endpoint.
    pub fn close(&mut self, conn: ConnId) {
        self.net.close(self.now, conn, Side::Client);
        if let Some(e) = self.endpoints.get_mut(&conn) {
            e.state = EndpointState::Closed;
        }
        self.pump();
    }

    /// Takes what a client endpoint has received so far.
    pub fn take_received(&mut self, conn: ConnId) -> Vec<u8> {
        self.endpoints
            .get_mut(&conn)
            .map(|e| std::mem::take(&mut e.inbox))
            .unwrap_or_default()
    }

    pub fn endpoint(&self, conn: ConnId) -> Option<&Endpoint> {
        self.endpoints.get(&conn)
    }

    /// A client endpoint, to change its settings (see [`Endpoint::inbox_limit`]).
    pub fn endpoint_mut(&mut self, conn: ConnId) -> Option<&mut Endpoint> {
        self.endpoints.get_mut(&conn)
    }

    /// Bytes a client endpoint sent that have reached its server's host but are still held
    /// back by flow control (see `feed`): the server has not read them yet.
    pub fn unfed_input(&self, conn: ConnId) -> usize {
        self.held.get(&conn).map_or(0, |h| h.bytes.len())
    }

    /// Forgets a finished client endpoint.
    pub fn forget(&mut self, conn: ConnId) {
        self.endpoints.remove(&conn);
    }

    /// The protocol state of the server session on `conn`, if known.
    pub fn session_state(&self, conn: ConnId) -> Option<ProtocolState> {
        self.session_states.get(&conn).copied()
    }

    /// The service `conn` reached (what its server speaks): never guessed from the port, a
    /// service may listen anywhere (`add_service_on`).
    pub fn service_of(&self, conn: ConnId) -> Option<Service> {
        if let Some(a) = self.accepted.get(&conn) {
            return Some(a.service);
        }
        let c = self.net.connection(conn)?;
        self.services.get(&(c.server, c.port)).copied()
    }

    /// The service listening on `port` of the host named `host` (of any host, without a name):
    /// what the world runs there, as registered.
    pub fn service_at(&self, host: Option<&str>, port: u16) -> Option<Service> {
        let host = match host {
            Some(name) => Some(self.net.host_by_name(name)?),
            None => None,
        };
        self.services
            .iter()
            .find(|((h, p), _)| *p == port && host.map_or(true, |want| *h == want))
            .map(|(_, s)| *s)
    }

    /// The ends of an accepted connection and the service it reached (kept after it closed,
    /// for the most recent connections).
    pub fn accepted(&self, conn: ConnId) -> Option<Accepted> {
        self.accepted.get(&conn).copied()
    }

    /// The typed records of `conn` still kept, oldest first (see [`crate::proto::record`]).
    pub fn records_of(&self, conn: ConnId) -> impl Iterator<Item = &Record> {
        self.records.of(conn)
    }

    /// Every connection's records numbered `seq` and later, in the order they were written.
    pub fn records_since(&self, seq: u64) -> impl Iterator<Item = &StampedRecord> {
        self.records.since(seq)
    }

    /// How many records were ever written (the `seq` the next one gets).
    pub fn records_total(&self) -> u64 {
        self.records.total()
    }

    /// The marks the server session on `conn` put on client input that carries a secret.
    pub fn secret_marks(&self, conn: ConnId) -> &[SecretInput] {
        self.secret_marks.get(&conn).map_or(&[], Vec::as_slice)
    }

    pub fn poll_event(&mut self) -> Option<WorldEvent> {
        self.events.pop_front().map(|(_, e)| e)
    }

    /// The next event with the trace index it happened at: it came after the trace entries
    /// below that index (so a picture can put it between the bytes around it).
    pub fn poll_event_stamped(&mut self) -> Option<(u64, WorldEvent)> {
        self.events.pop_front()
    }

    pub(crate) fn push_event(&mut self, event: WorldEvent) {
        let at = self.net.trace.total;
        self.events.push_back((at, event));
    }

    // ---- time ----

    /// The next instant at which something is due, if any.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let sessions = self
            .servers
            .values()
            .filter_map(|s| s.session.poll_timeout())
            .min();
        [
            self.net.poll_timeout(),
            sessions,
            self.queue.poll_timeout(),
            self.relay_timeout(),
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
    fn pump(&mut self) {
        let now = self.now;
        for _ in 0..1_000_000 {
            let mut busy = false;
            while let Some(ev) = self.net.poll_event(now) {
                busy = true;
                self.on_net_event(ev);
            }
            let due: Vec<ConnId> = self
                .servers
                .iter()
                .filter(|(_, s)| s.session.poll_timeout().is_some_and(|t| t <= now))
                .map(|(c, _)| *c)
                .collect();
            for conn in due {
                busy = true;
                self.with_server(conn, |s, env, now| s.handle_timeout(env, now));
            }
            busy |= self.run_relay(now);
            let held: Vec<ConnId> = self.held.keys().copied().collect();
            for conn in held {
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
    fn backlog(&self, conn: ConnId) -> usize {
        let in_flight = self
            .net
            .connection(conn)
            .map(|c| c.unread_by_client)
            .unwrap_or(0);
        let inbox = self
            .endpoints
            .get(&conn)
            .map(|e| e.inbox.len())
            .unwrap_or(0);
        in_flight + inbox
    }

    /// Flow control, like a TCP window: hands held input to the server session in small
    /// slices while its client keeps up (backlog under [`FLOW_WINDOW`]). A client that
    /// pipelines thousands of `RETR`s without reading gets answers only as fast as it reads,
    /// so memory stays bounded. Returns true when some input was handed over.
    fn feed(&mut self, conn: ConnId) -> bool {
        let mut progress = false;
        loop {
            let (empty, closed) = match self.held.get(&conn) {
                None => return progress,
                Some(h) => (h.bytes.is_empty(), h.closed),
            };
            if empty {
                self.held.remove(&conn);
                if closed {
                    self.on_net_event(NetEvent::Closed {
                        conn,
                        to: Side::Server,
                    });
                }
                return progress;
            }
            if !self.servers.contains_key(&conn) {
                self.held.remove(&conn);
                return progress;
            }
            if self.backlog(conn) > FLOW_WINDOW
                || self
                    .servers
                    .get(&conn)
                    .is_some_and(|s| !s.session.is_accepting_input())
            {
                return progress;
            }
            let slice: Vec<u8> = match self.held.get_mut(&conn) {
                Some(h) => {
                    let n = h.bytes.len().min(FEED_SLICE);
                    h.bytes.drain(..n).collect()
                }
                None => return progress,
            };
            progress = true;
            self.with_server(conn, |s, env, now| s.handle_input(env, now, &slice));
        }
    }

    /// Lets sessions that watch the store (IMAP, for IDLE) look at the change log.
    fn notify_store_watchers(&mut self) {
        let watchers: Vec<ConnId> = self
            .servers
            .iter()
            .filter(|(_, s)| s.session.is_store_watcher())
            .map(|(c, _)| *c)
            .collect();
        for conn in watchers {
            self.with_server(conn, |s, env, now| s.handle_timeout(env, now));
        }
    }

    fn on_net_event(&mut self, ev: NetEvent) {
        match ev {
            NetEvent::Accepted { conn } => self.accept(conn),
            NetEvent::Data {
                conn,
                to: Side::Server,
                bytes,
            } => {
                let held = self.held.entry(conn).or_default();
                held.bytes.extend(bytes);
                if held.bytes.len() > MAX_HELD_INPUT {
                    // A client pushing far more than the server can answer: cut it off.
                    self.held.remove(&conn);
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
            } if self.relays.contains_key(&conn) => self.relay_input(conn, &bytes),
            NetEvent::Closed {
                conn,
                to: Side::Client,
            }
            | NetEvent::Reset {
                conn,
                to: Side::Client,
            } if self.relays.contains_key(&conn) => self.relay_closed(conn),
            NetEvent::Data {
                conn,
                to: Side::Client,
                bytes,
            } => {
                if let Some(e) = self.endpoints.get_mut(&conn) {
                    e.receive(&bytes);
                }
            }
            NetEvent::Closed {
                conn,
                to: Side::Server,
            } if self.held.contains_key(&conn) => {
                // Input still held back: the server reads it before it sees the close.
                if let Some(h) = self.held.get_mut(&conn) {
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
                self.held.remove(&conn);
                self.with_server(conn, |s, env, now| s.handle_close(env, now));
                self.servers.remove(&conn);
                self.net.close(self.now, conn, Side::Server);
            }
            NetEvent::Closed {
                conn,
                to: Side::Client,
            } => {
                if let Some(e) = self.endpoints.get_mut(&conn) {
                    e.state = EndpointState::Closed;
                }
                self.net.close(self.now, conn, Side::Client);
            }
            NetEvent::Reset {
                conn,
                to: Side::Client,
            } => {
                if let Some(e) = self.endpoints.get_mut(&conn) {
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
        };
        let session = GatedSession::start(service, &mut env, now, self.next_session_id);
        self.accepted.insert(
            conn,
            Accepted {
                client,
                server: host,
                port,
                service,
            },
        );
        while self.accepted.len() > MAX_REMEMBERED_CONNS {
            self.accepted.pop_first();
        }
        if let Some(state) = session.initial_state() {
            self.session_states.insert(conn, state);
        }
        self.servers.insert(
            conn,
            ServerSlot {
                host_name,
                port,
                peer,
                session,
            },
        );
        self.with_server(conn, |_, _, _| {});
    }

    /// Runs `f` on a server session, then carries out what it asked for.
    fn with_server(
        &mut self,
        conn: ConnId,
        f: impl FnOnce(&mut GatedSession, &mut Env<'_>, Instant),
    ) {
        let now = self.now;
        let Some(slot) = self.servers.get_mut(&conn) else {
            return;
        };
        let strict = !self.strict_hosts.is_empty()
            && self
                .strict_hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&slot.host_name));
        let mut env = Env {
            host: &slot.host_name,
            store: &mut self.store,
            clock: self.clock,
            queue: &mut self.queue,
            peer: slot.peer.clone(),
            port: slot.port,
            strict,
            faults: &mut self.faults,
            input_waiting: self.held.get(&conn).is_some_and(|h| !h.bytes.is_empty()),
        };
        f(&mut slot.session, &mut env, now);
        let mut outputs = Vec::new();
        while let Some(o) = slot.session.poll_output() {
            outputs.push(o);
        }
        let host_name = slot.host_name.clone();
        for o in outputs {
            match o {
                Output::Transmit(bytes) => {
                    self.net.send(now, conn, Side::Server, bytes);
                }
                Output::Event(Note::Queued(id)) => {
                    let host = host_name.clone();
                    self.push_event(WorldEvent::Queued { id, host });
                }
                Output::Event(Note::Mark(mark)) => self.record_mark(conn, mark),
                Output::Event(Note::Record(record)) => {
                    let at = self.net.trace.total;
                    self.records.push(at, conn, record);
                }
                Output::Event(Note::DropLink) => {
                    self.net.drop_link(now, conn);
                    break;
                }
                Output::Event(Note::Secret(mark)) => {
                    let marks = self.secret_marks.entry(conn).or_default();
                    // A client that logs in again and again keeps its latest marks.
                    if marks.len() >= MAX_SECRET_MARKS {
                        marks.remove(0);
                    }
                    marks.push(mark);
                    while self.secret_marks.len() > MAX_REMEMBERED_CONNS {
                        self.secret_marks.pop_first();
                    }
                }
                Output::Event(Note::State(state)) => {
                    self.session_states.insert(conn, state);
                    // Keep the last state of recent connections only (the bridge makes many).
                    while self.session_states.len() > MAX_REMEMBERED_CONNS {
                        self.session_states.pop_first();
                    }
                    self.push_event(WorldEvent::SessionState { conn, state });
                }
                Output::Close => {
                    self.net.close(now, conn, Side::Server);
                    self.servers.remove(&conn);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
