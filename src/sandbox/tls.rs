//! TLS in the world: the provider it makes TLS layers with (none: every host is "TLS off",
//! as before issue 26) and each host's policy. The engine knows TLS only through the seam in
//! [`crate::tls_layer`]; `crate::tls::SandboxTls` (feature `tls`) is the provider the tests
//! and the bridge install, the page installs none until its TLS module exists.

use super::tls_faults::{RefusingTls, ServerTlsChoice};
use super::{Service, World};
use crate::net::{ConnId, HostId, Side};
use crate::proto::record::{Record, TlsRecord, TlsStep};
use crate::proto::starttls::TlsOffer;
use crate::time::Instant;
use crate::tls_layer::{
    server_stream, ServerCertificate, TlsError, TlsEvent, TlsLayer, TlsOutput, TlsProvider,
};
use serde::{Deserialize, Serialize};

/// Plaintext kept per TLS connection for its transcript; past it the rest is not kept.
const MAX_PLAINTEXT_PER_CONN: usize = 64 * 1024;
/// Plaintext kept for all connections together; past it the oldest connection's goes.
const MAX_PLAINTEXT_KEPT: usize = 8 * 1024 * 1024;

/// A piece of the conversation inside TLS: what the server's TLS layer decrypted from the
/// client, or what the session gave it to encrypt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainChunk {
    pub at: Instant,
    pub from: Side,
    pub bytes: Vec<u8>,
}

/// The conversation inside a connection's TLS, as its server saw it (bounded).
#[derive(Debug, Default)]
pub(super) struct PlaintextLog {
    pub chunks: Vec<PlainChunk>,
    pub bytes: usize,
}

impl World {
    /// Keeps a piece of `conn`'s conversation inside TLS for its transcript, within the
    /// bounds above.
    fn keep_plaintext(&mut self, conn: ConnId, from: Side, bytes: &[u8]) {
        let now = self.now;
        let kept = self.slots.get(conn).map_or(0, |s| s.tls_plaintext.bytes);
        let room = MAX_PLAINTEXT_PER_CONN.saturating_sub(kept).min(bytes.len());
        if room == 0 {
            return;
        }
        while self.slots.plaintext_kept + room > MAX_PLAINTEXT_KEPT {
            if self.slots.drop_oldest_plaintext().is_none() {
                break;
            }
        }
        self.slots.plaintext_kept += room;
        let log = &mut self.slots.slot(conn).tls_plaintext;
        log.bytes += room;
        log.chunks.push(PlainChunk {
            at: now,
            from,
            bytes: bytes[..room].to_vec(),
        });
    }
}

/// Whether a host's servers speak TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum TlsMode {
    /// No STARTTLS/STLS offered, no implicit-TLS listeners: the sandbox before issue 26.
    #[default]
    Off,
    /// STARTTLS (RFC 3207), STLS (RFC 2595 §4) and IMAP STARTTLS (RFC 3501 §6.2.1) offered;
    /// plaintext sessions work as before.
    Offered,
    /// Offered, and nothing but the upgrade (and EHLO/CAPA/CAPABILITY, NOOP, QUIT) is
    /// accepted before it (RFC 3207 §4: `530 5.7.0 Must issue a STARTTLS command first`).
    Required,
}

/// A host's TLS policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct TlsPolicy {
    pub mode: TlsMode,
    /// AUTH, USER/PASS/APOP and LOGIN/AUTHENTICATE only over TLS (RFC 3207 §4, RFC 2595 §2.3,
    /// RFC 3501 §6.2.3 `LOGINDISABLED`).
    pub auth_only_over_tls: bool,
    /// Implicit-TLS listeners (RFC 8314 §3): submission on 465, IMAP on 993, POP3 on 995.
    pub implicit_ports: bool,
}

impl TlsPolicy {
    /// TLS off: the default, and every host's policy in a world without a provider.
    pub const OFF: TlsPolicy = TlsPolicy {
        mode: TlsMode::Off,
        auth_only_over_tls: false,
        implicit_ports: false,
    };

    /// What a mail host does once a provider is installed: TLS offered, AUTH also in clear
    /// (existing plaintext clients keep working), implicit-TLS ports on.
    pub const OFFERED: TlsPolicy = TlsPolicy {
        mode: TlsMode::Offered,
        auth_only_over_tls: false,
        implicit_ports: true,
    };

    /// Everything over TLS: upgrade first, AUTH only over TLS, implicit ports on.
    pub const REQUIRED: TlsPolicy = TlsPolicy {
        mode: TlsMode::Required,
        auth_only_over_tls: true,
        implicit_ports: true,
    };

    pub fn is_offered(self) -> bool {
        self.mode != TlsMode::Off
    }
}

/// The implicit-TLS port of a service (RFC 8314 §3.1-§3.3), if it has one.
pub fn implicit_port(service: Service) -> Option<u16> {
    match service {
        Service::Submission => Some(465),
        Service::Imap => Some(993),
        Service::Pop3 => Some(995),
        _ => None,
    }
}

impl World {
    /// Installs the TLS provider: from now on hosts with a certificate follow their policy
    /// ([`World::set_tls_policy`]; [`TlsPolicy::OFFERED`] unless set). Connections already
    /// open keep what they had.
    ///
    /// Every host with a certificate also gets its implicit-TLS listeners (RFC 8314 §3):
    /// submission on 465 where it runs submission, POP3 on 995 and IMAP on 993 where it runs
    /// those; a host whose policy turns `implicit_ports` off refuses connections there.
    pub fn install_tls(&mut self, provider: Box<dyn TlsProvider>) {
        self.tls = Some(provider);
        self.add_implicit_tls_listeners();
    }

    /// Adds the implicit-TLS listeners (RFC 8314 §3) each host with a certificate lacks: on
    /// installing the provider, and again when a snapshot is restored (hosts may have been
    /// added since).
    pub(super) fn add_implicit_tls_listeners(&mut self) {
        let Some(provider) = &self.tls else {
            return;
        };
        let implicit: Vec<(HostId, Service, u16)> = self
            .services
            .iter()
            .filter(|((host, _), _)| provider.has_certificate(self.net.host_name(*host)))
            .filter_map(|((host, _), service)| {
                implicit_port(*service).map(|port| (*host, *service, port))
            })
            .collect();
        for (host, service, port) in implicit {
            if !self.services.contains_key(&(host, port)) {
                self.add_implicit_tls_service_on(host, service, port);
            }
        }
    }

    /// The conversation inside `conn`'s TLS as its server saw it, oldest first (the first
    /// 256 KiB): the transcript shows it where the wire holds only records.
    pub fn tls_plaintext(&self, conn: ConnId) -> &[PlainChunk] {
        self.slots
            .get(conn)
            .map_or(&[], |s| s.tls_plaintext.chunks.as_slice())
    }

    /// The installed provider, if any (the relay's and the clients' TLS use it too).
    pub fn tls_provider(&self) -> Option<&dyn TlsProvider> {
        self.tls.as_deref()
    }

    /// Sets `host`'s TLS policy (by name, any case).
    pub fn set_tls_policy(&mut self, host: &str, policy: TlsPolicy) {
        self.tls_policies.insert(host.to_ascii_lowercase(), policy);
    }

    /// The policy `host`'s servers follow now: [`TlsPolicy::OFF`] without a provider or a
    /// certificate for the host, else the one set, else [`TlsPolicy::OFFERED`].
    pub fn tls_policy(&self, host: &str) -> TlsPolicy {
        match &self.tls {
            Some(provider) if provider.has_certificate(host) => self
                .tls_policies
                .get(&host.to_ascii_lowercase())
                .copied()
                .unwrap_or(TlsPolicy::OFFERED),
            _ => TlsPolicy::OFF,
        }
    }
}

/// TLS between a connection and its server session: the layer sits in the server's slot,
/// ciphertext goes to and comes from the network (the trace, what an eavesdropper sees),
/// plaintext to and from the gate (so the session and the recorders read the conversation as
/// always: one protocol truth). The handshake's end and failures become typed records.
impl World {
    /// The TLS situation of a new connection to `host_name`'s `port`.
    pub(super) fn tls_offer_for(&self, host_name: &str, port: u16, implicit: bool) -> TlsOffer {
        let policy = self.tls_policy(host_name);
        // The page's provider is not ready until its TLS module has loaded: until then hosts
        // do not offer the upgrade (a connection opened later does).
        let ready = self.tls.as_ref().is_some_and(|p| p.is_ready());
        TlsOffer {
            offered: policy.is_offered()
                && ready
                && !implicit
                && !self.is_tls_withheld(host_name, port),
            required: policy.mode == TlsMode::Required,
            auth_needs_tls: policy.auth_only_over_tls,
            secured: implicit,
        }
    }

    /// Puts a server TLS layer on `conn` (after STARTTLS/STLS, or on an implicit-TLS port).
    /// False when none could be made (no provider, no certificate): the link is dropped.
    pub(super) fn start_server_tls(&mut self, conn: ConnId) -> bool {
        let clock = self.clock;
        let choice = self
            .slots
            .get(conn)
            .and_then(|s| s.server.as_ref())
            .map(|server| self.server_tls_choice(&server.host_name, server.port));
        let mut presented = ServerCertificate::Own;
        let made = match (
            self.slots.get(conn).and_then(|s| s.server.as_ref()),
            &self.tls,
            choice,
        ) {
            // A TLS fault rule: the handshake fails at the ClientHello.
            (Some(_), Some(_), Some(ServerTlsChoice::Refuse)) => {
                Ok(Box::new(RefusingTls::default()) as Box<dyn TlsLayer>)
            }
            (Some(server), Some(provider), Some(ServerTlsChoice::Present(certificate))) => {
                presented = certificate;
                provider.server(&server.host_name, certificate, server_stream(conn.0), clock)
            }
            _ => Err(TlsError::NoCertificate),
        };
        match made {
            Ok(layer) => {
                if let Some(server) = self.slots.get_mut(conn).and_then(|s| s.server.as_mut()) {
                    server.tls = Some(layer);
                    server.tls_certificate = presented;
                    server.session.handle_tls_started();
                }
                self.push_tls_record(conn, TlsRecord::Handshaking);
                self.follow_server_into_tls(conn);
                true
            }
            Err(error) => {
                self.push_tls_record(conn, TlsRecord::Failed(error));
                let now = self.now;
                self.net.drop_link(now, conn);
                false
            }
        }
    }

    /// When the session on `conn` accepted the upgrade, hands it the client input still held
    /// for it under flow control: that arrived before TLS began, so it belongs to the
    /// plaintext side, where the gate drops it unread (RFC 3207 §4.2; CVE-2011-0411). The TLS
    /// layer then starts on an empty buffer.
    pub(super) fn hand_held_input_before_tls(&mut self, conn: ConnId) {
        let bytes: Vec<u8> = match self.slots.get_mut(conn).and_then(|s| s.held.as_mut()) {
            Some(held) => held.bytes.drain(..).collect(),
            None => return,
        };
        if !bytes.is_empty() {
            self.with_server(conn, |s, env, now| s.handle_input(env, now, &bytes));
        }
    }

    /// Client bytes for the server session on `conn`: decrypted first when it has TLS.
    pub(super) fn server_input(&mut self, conn: ConnId, bytes: &[u8]) {
        let now = self.now;
        match self.server_tls(conn) {
            Some(layer) => {
                layer.handle_input(now, bytes);
                self.drain_server_tls(conn);
            }
            None => self.with_server(conn, |s, env, now| s.handle_input(env, now, bytes)),
        }
    }

    /// Server bytes for the client on `conn`: encrypted first when it has TLS.
    pub(super) fn server_transmit(&mut self, conn: ConnId, bytes: Vec<u8>) {
        let now = self.now;
        match self.server_tls(conn) {
            Some(layer) => {
                layer.write_plaintext(now, &bytes);
                self.keep_plaintext(conn, Side::Server, &bytes);
                self.drain_server_tls(conn);
            }
            None => {
                self.net.send(now, conn, Side::Server, bytes);
            }
        }
    }

    /// The session closes: with TLS, close_notify first (RFC 8446 §6.1).
    pub(super) fn close_server_tls(&mut self, conn: ConnId) {
        let now = self.now;
        if let Some(layer) = self.server_tls(conn) {
            layer.close(now);
            self.drain_server_tls(conn);
        }
    }

    fn server_tls(&mut self, conn: ConnId) -> Option<&mut Box<dyn TlsLayer>> {
        self.slots
            .get_mut(conn)
            .and_then(|s| s.server.as_mut())
            .and_then(|s| s.tls.as_mut())
    }

    /// Carries out what the server's TLS layer produced.
    fn drain_server_tls(&mut self, conn: ConnId) {
        let mut outputs = Vec::new();
        let mut version_suite = None;
        if let Some(layer) = self.server_tls(conn) {
            while let Some(output) = layer.poll_output() {
                outputs.push(output);
            }
            version_suite = layer.version().zip(layer.suite());
        }
        let now = self.now;
        for output in outputs {
            match output {
                TlsOutput::Transmit(records) => {
                    self.net.send(now, conn, Side::Server, records);
                }
                TlsOutput::Plaintext(plaintext) => {
                    self.keep_plaintext(conn, Side::Client, &plaintext);
                    self.with_server(conn, |s, env, now| s.handle_input(env, now, &plaintext));
                }
                TlsOutput::Event(TlsEvent::Finished) => {
                    if let Some((version, suite)) = version_suite {
                        self.push_tls_record(conn, TlsRecord::Started { version, suite });
                    }
                }
                TlsOutput::Event(TlsEvent::Failed(error)) => {
                    self.push_tls_record(conn, TlsRecord::Failed(error));
                }
                TlsOutput::Event(TlsEvent::ClientHello { server_name }) => {
                    self.push_tls_record(
                        conn,
                        TlsRecord::Step(TlsStep::ClientHello { server_name }),
                    );
                }
                TlsOutput::Event(TlsEvent::ServerHello { version, suite }) => {
                    self.push_tls_record(
                        conn,
                        TlsRecord::Step(TlsStep::ServerHello { version, suite }),
                    );
                }
                TlsOutput::Event(TlsEvent::Certificate { .. }) => {
                    // Which one the server chose (not read back from the DER: a live copy's
                    // provider has no certificates to compare with).
                    let presented = self
                        .slots
                        .get(conn)
                        .and_then(|s| s.server.as_ref())
                        .map_or(ServerCertificate::Own, |s| s.tls_certificate);
                    self.push_tls_record(conn, TlsRecord::Step(TlsStep::Certificate(presented)));
                }
                TlsOutput::Event(TlsEvent::PeerClosed { .. }) => {}
                TlsOutput::Close => {
                    // A failure, or the client's close_notify: the session ends with the link.
                    let live = self.slots.get(conn).is_some_and(|s| s.server.is_some());
                    if live {
                        self.with_server(conn, |s, env, now| s.handle_close(env, now));
                        if let Some(s) = self.slots.get_mut(conn) {
                            s.server = None;
                            s.held = None;
                        }
                        self.slots.sync(conn);
                    }
                    self.net.close(now, conn, Side::Server);
                }
            }
        }
    }

    fn push_tls_record(&mut self, conn: ConnId, record: TlsRecord) {
        if let Some(accepted) = self.slots.get(conn).and_then(|s| s.accepted) {
            let at = self.net.trace.total;
            self.records.push(at, conn, accepted, Record::Tls(record));
        }
    }
}
