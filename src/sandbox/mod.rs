//! The world: virtual hosts with their services, the store, and every live session, pumped in
//! virtual-time order. Drivers (the page, tests, the TCP bridge) call [`World::run_until`]
//! with the time they want to reach; the world steps through every deadline on the way, so a
//! jump of an hour still processes each retry and timeout at its own instant.

pub mod client_model;
mod default_world;
mod endpoint;
mod endpoint_tls;
mod faults;
mod gate;
pub mod journey;
pub mod live;
pub mod live_tls;
pub mod mail_client;
mod mark;
mod pump;
mod records;
mod relay_driver;
mod relay_tls;
mod server;
mod service;
pub mod share;
mod slots;
mod snapshot;
mod task_tls;
mod tls;
mod tls_faults;
mod transcript;

pub use crate::proto::strict::{StrictCheck, StrictFinding};
pub use default_world::{
    add_backup_mx, default_world, DefaultWorld, BACKUP_MX, CORP_HOST, ISP_HOST, RECIPIENT_PC,
    SENDER_PC, USERS,
};
pub use endpoint::{Endpoint, EndpointState};
pub use endpoint_tls::EndpointTlsState;
pub use faults::AddRuleError;
pub use mark::{FaultAction, GateMark, GateMarkKind};
pub use records::StampedRecord;
pub use service::Service;
pub use slots::Accepted;
pub use snapshot::{LocalMail, PcMail};
pub use task_tls::client_starttls;
pub use tls::{implicit_port, PlainChunk, TlsMode, TlsPolicy};
pub use transcript::{
    marked_words, mask_client_line, mask_secret, ConnSummary, Speaker, TranscriptLine,
};

use crate::fault::FaultBook;
use crate::net::MxRecord;
use crate::net::{ConnId, ConnectError, HostId, Network, Side};
use crate::ordered::{SortedMap, SortedSet};
use crate::proto::record::Record;
use crate::proto::ProtocolState;
use crate::relay::RelayQueue;
use crate::session::SecretInput;
use crate::store::Store;
use crate::time::{Instant, WallClock};
#[cfg(test)]
use pump::FLOW_WINDOW;
use records::RecordLog;
use slots::Slots;
use std::collections::VecDeque;

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
    /// `host` could not hand `id` over and will retry; `status` is the reason's enhanced
    /// status code (RFC 3463), when it has one.
    Deferred {
        id: String,
        host: String,
        reason: String,
        status: Option<String>,
    },
    /// `id` failed for good on `host`; a bounce goes back to `sender` (when it has one).
    /// `failures`: each failed recipient with its status code, as the bounce reports it.
    Bounced {
        id: String,
        host: String,
        sender: String,
        failures: Vec<(String, String)>,
    },
    /// How the relay hop `from` -> `to` carrying `id` used TLS (issue 26): verified,
    /// encrypted without verification, in clear, fell back to clear, or deferred.
    RelayTls {
        id: String,
        from: String,
        to: String,
        tls: crate::relay::HopTls,
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
            WorldEvent::RelayTls { id, from, to, tls } => {
                format!("{from} -> {to}: {id} TLS: {}", tls.describe())
            }
            WorldEvent::Deferred {
                id, host, reason, ..
            } => {
                format!("{host}: {id} deferred, will retry ({reason})")
            }
            WorldEvent::Bounced {
                id, host, sender, ..
            } if sender.is_empty() => {
                format!("{host}: {id} failed for good (no sender to bounce to)")
            }
            WorldEvent::Bounced {
                id, host, sender, ..
            } => {
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

pub struct World {
    now: Instant,
    pub clock: WallClock,
    pub net: Network,
    pub store: Store,
    /// The relay queues of every MTA host.
    pub queue: RelayQueue,
    hosts: Vec<HostInfo>,
    services: SortedMap<(HostId, u16), Service>,
    /// Everything about each connection, one slot each (see `slots.rs`).
    slots: Slots,
    /// Events not polled yet, each with the trace index it happened at (`Trace::total` then).
    events: VecDeque<(u64, WorldEvent)>,
    next_session_id: u64,
    /// Fault rules (issue 15), applied by the gate in front of every server session.
    faults: FaultBook,
    /// Hosts whose servers are strict (lower-case names); the others are lenient.
    strict_hosts: SortedSet<String>,
    /// What each conversation did, typed, written by the gates (see [`crate::proto::record`]).
    records: RecordLog,
    /// Makes TLS layers (see `tls.rs`); none: every host is "TLS off".
    tls: Option<Box<dyn crate::tls_layer::TlsProvider>>,
    /// Hosts' TLS policies, by lower-case name (see [`World::tls_policy`]).
    tls_policies: SortedMap<String, TlsPolicy>,
    /// Sending hosts' relay TLS policies, by lower-case name (see `relay_tls.rs`).
    relay_tls: SortedMap<String, crate::relay::RelayTlsPolicy>,
    /// Listeners whose connections start with the TLS handshake (RFC 8314 §3).
    implicit_tls: SortedSet<(HostId, u16)>,
}

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
            services: SortedMap::new(),
            slots: Slots::default(),
            events: VecDeque::new(),
            next_session_id: 0,
            faults: FaultBook::default(),
            strict_hosts: SortedSet::new(),
            records: RecordLog::default(),
            tls: None,
            tls_policies: SortedMap::new(),
            relay_tls: SortedMap::new(),
            implicit_tls: SortedSet::new(),
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

    /// Runs `service` on `host`'s `port` with implicit TLS (RFC 8314 §3): every connection
    /// starts with the handshake, and the session (greeting first) runs inside it. Without a
    /// TLS provider or a certificate for the host, connections there are dropped.
    pub fn add_implicit_tls_service_on(&mut self, host: HostId, service: Service, port: u16) {
        self.add_service_on(host, service, port);
        self.implicit_tls.insert((host, port));
    }

    /// Whether connections to `host`'s `port` start with the TLS handshake.
    pub fn is_implicit_tls(&self, host: HostId, port: u16) -> bool {
        self.implicit_tls.contains(&(host, port))
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
        self.slots.slot(conn).endpoint = Some(Endpoint::default());
        Ok(conn)
    }

    /// Sends bytes from a client endpoint.
    pub fn send(&mut self, conn: ConnId, bytes: &[u8]) -> bool {
        if self.endpoint_send_tls(conn, bytes) {
            self.pump();
            return self.endpoint(conn).is_some_and(Endpoint::is_open);
        }
        let ok = self.net.send(self.now, conn, Side::Client, bytes.to_vec());
        self.pump();
        ok
    }

    /// Closes a client endpoint.
    pub fn close(&mut self, conn: ConnId) {
        self.endpoint_close_tls(conn);
        self.net.close(self.now, conn, Side::Client);
        if let Some(e) = self.endpoint_mut(conn) {
            e.state = EndpointState::Closed;
        }
        self.pump();
    }

    /// Takes what a client endpoint has received so far.
    pub fn take_received(&mut self, conn: ConnId) -> Vec<u8> {
        self.endpoint_mut(conn)
            .map(|e| std::mem::take(&mut e.inbox))
            .unwrap_or_default()
    }

    pub fn endpoint(&self, conn: ConnId) -> Option<&Endpoint> {
        self.slots.get(conn).and_then(|s| s.endpoint.as_ref())
    }

    /// A client endpoint, to change its settings (see [`Endpoint::inbox_limit`]).
    pub fn endpoint_mut(&mut self, conn: ConnId) -> Option<&mut Endpoint> {
        self.slots.get_mut(conn).and_then(|s| s.endpoint.as_mut())
    }

    /// Bytes a client endpoint sent that have reached its server's host but are still held
    /// back by flow control (see `feed`): the server has not read them yet.
    pub fn unfed_input(&self, conn: ConnId) -> usize {
        self.slots
            .get(conn)
            .and_then(|s| s.held.as_ref())
            .map_or(0, |h| h.bytes.len())
    }

    /// Whether the server session on `conn` has been given everything its client sent (nothing
    /// on the link, nothing held by flow control) or never will be (its end is closed): the
    /// marks it put on secret input ([`World::secret_marks`]) then cover every line sent.
    pub fn is_client_input_read(&self, conn: ConnId) -> bool {
        self.unfed_input(conn) == 0
            && self
                .net
                .connection(conn)
                .is_none_or(|c| !c.is_open(Side::Server) || c.unread_by_server == 0)
    }

    /// Forgets a finished client endpoint. What its connection did (the last protocol state,
    /// secret marks, the service) stays for the views within the world's one bound on
    /// connections, which drops the oldest finished one first.
    pub fn forget(&mut self, conn: ConnId) {
        self.slots.forget_endpoint(conn);
    }

    /// The protocol state of the server session on `conn`, if known.
    pub fn session_state(&self, conn: ConnId) -> Option<ProtocolState> {
        self.slots.get(conn).and_then(|s| s.state)
    }

    /// The service `conn` reached (what its server speaks): never guessed from the port, a
    /// service may listen anywhere (`add_service_on`).
    pub fn service_of(&self, conn: ConnId) -> Option<Service> {
        if let Some(a) = self.accepted(conn) {
            return Some(a.service);
        }
        let c = self.net.connection(conn)?;
        self.service_on(c.server, c.port)
    }

    /// The service the world runs on `host`'s `port` (as registered with `add_service_on`).
    pub fn service_on(&self, host: HostId, port: u16) -> Option<Service> {
        self.services.get(&(host, port)).copied()
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
            .find(|((h, p), _)| *p == port && host.is_none_or(|want| *h == want))
            .map(|(_, s)| *s)
    }

    /// The ends of an accepted connection and the service it reached (kept after it closed,
    /// for the most recent connections).
    pub fn accepted(&self, conn: ConnId) -> Option<Accepted> {
        self.slots.get(conn).and_then(|s| s.accepted)
    }

    /// The typed records of `conn` still kept, oldest first (see [`crate::proto::record`]).
    pub fn records_of(&self, conn: ConnId) -> impl Iterator<Item = &Record> {
        self.records.of(conn)
    }

    /// The typed records of `conn` still kept, each with the trace index it came after.
    pub fn stamped_records_of(&self, conn: ConnId) -> impl Iterator<Item = &StampedRecord> {
        self.records.stamped_of(conn)
    }

    /// The trace index from which `conn`'s bytes are TLS records (its server started TLS
    /// there), if it did.
    pub fn tls_started_at(&self, conn: ConnId) -> Option<u64> {
        self.records.stamped_of(conn).find_map(|r| match r.record {
            crate::proto::record::Record::Tls(crate::proto::record::TlsRecord::Handshaking) => {
                Some(r.trace_at)
            }
            _ => None,
        })
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
        self.slots.get(conn).map_or(&[], |s| s.secret_marks())
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
}

#[cfg(test)]
mod tests;
#[cfg(all(test, feature = "tls"))]
mod tls_tests;
