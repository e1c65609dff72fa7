//! The seam between the engine and TLS (issue 26): what the world, the gate and the clients
//! know of a TLS connection, with no rustls type in sight, so the page's wasm binaries build
//! without the `tls` feature (they load TLS later as a module of its own).
//!
//! Two traits and the typed values they carry:
//! - [`TlsLayer`]: one TLS connection, either side, sans-IO like a [`crate::session::Session`]:
//!   ciphertext in ([`TlsLayer::handle_input`]), plaintext in ([`TlsLayer::write_plaintext`]),
//!   records, plaintext and handshake steps out ([`TlsLayer::poll_output`]). After any call,
//!   drain `poll_output` until it returns `None`.
//! - [`TlsProvider`]: makes layers for a host's server or a client. The world holds one as
//!   `Option<Box<dyn TlsProvider>>` ([`crate::sandbox::World::install_tls`]); without one every
//!   host behaves as "TLS off". `crate::tls::SandboxTls` (feature `tls`) is the real one:
//!   rustls over the trimmed provider, certificates from the sandbox PKI, randomness seeded
//!   from the world's seed and a per-connection stream (tests, the page) or the OS's (the
//!   bridge).
//!
//! The types here ([`TlsVersion`], [`TlsSuite`], [`TlsEvent`], [`TlsError`], [`Alert`],
//! [`BrokenCertificate`]) are the ones `crate::tls` reports in; it re-exports them.
//!
//! Randomness streams: a server layer uses the connection's id as its stream
//! ([`server_stream`]), a client layer the id with the top bit set ([`client_stream`]), so
//! the two ends of one connection never share keys and a replay gives the same bytes.

use crate::time::{Instant, WallClock};
use std::fmt;

/// One output of a [`TlsLayer`]; drain them after every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsOutput {
    /// TLS records to send to the peer: what an eavesdropper on the link sees.
    Transmit(Vec<u8>),
    /// Decrypted application data for the session above.
    Plaintext(Vec<u8>),
    /// A step of the handshake, the peer's close, or the error that ended the connection.
    Event(TlsEvent),
    /// Close the connection once every earlier `Transmit` is sent.
    Close,
}

/// The handshake as the page draws it (RFC 8446 §2, Figure 1; RFC 5246 §7.3). Both sides
/// report the same steps in the same order: the client's ClientHello (sent by the client,
/// received by the server), the ServerHello, the server's certificate chain and the Finished
/// messages, once each.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TlsEvent {
    /// RFC 8446 §4.1.2: the client's offer, naming the host it wants (SNI, RFC 6066 §3).
    ClientHello { server_name: Option<String> },
    /// RFC 8446 §4.1.3: the server's choice of version and cipher suite.
    ServerHello {
        version: TlsVersion,
        suite: TlsSuite,
    },
    /// RFC 8446 §4.4.2: the server's certificate chain (DER, leaf first). On a verifying
    /// client it has been verified against the trusted roots by the time this event comes.
    Certificate { chain: Vec<Vec<u8>> },
    /// RFC 8446 §4.4.4: both Finished messages checked; application data flows both ways.
    Finished,
    /// The peer closed: `clean` when it sent close_notify first (RFC 8446 §6.1), not when
    /// the connection just ended (a truncation an attacker could have caused).
    PeerClosed { clean: bool },
    /// The connection failed; an alert was sent to the peer where one applies, and `Close`
    /// follows.
    Failed(TlsError),
}

/// The negotiated protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TlsVersion {
    /// RFC 5246.
    Tls12,
    /// RFC 8446.
    Tls13,
}

impl TlsVersion {
    pub fn label(self) -> &'static str {
        match self {
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }
}

/// The negotiated cipher suite (only the ones the sandbox provider offers can be agreed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TlsSuite {
    /// `TLS_AES_128_GCM_SHA256` (RFC 8446 §B.4).
    Aes128GcmSha256,
    /// `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` (RFC 5289 §3.2).
    EcdheEcdsaAes128GcmSha256,
}

impl TlsSuite {
    /// The IANA name.
    pub fn name(self) -> &'static str {
        match self {
            TlsSuite::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            TlsSuite::EcdheEcdsaAes128GcmSha256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        }
    }
}

/// Why a TLS connection failed, typed for the layers above (fault rules, the event log, the
/// page's explanation): the certificate problems a verifying client tells apart, the peer's
/// alert, or input that is not TLS at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum TlsError {
    /// The first bytes are not a TLS handshake (a plaintext command where a ClientHello
    /// belongs, say).
    NotTls,
    /// No protocol version, cipher suite, group or signature scheme in common
    /// (RFC 8446 §4.1.1 `handshake_failure`).
    HandshakeFailure,
    /// The certificate's validity period does not include now (RFC 5280 §4.1.2.5).
    CertificateExpired,
    /// The certificate does not name the host the client asked for (RFC 6125 §6).
    CertificateWrongName,
    /// The chain does not lead to a trusted root (RFC 5280 §6).
    UnknownCa,
    /// Any other problem with the certificate (bad signature, bad encoding, not yet valid).
    BadCertificate,
    /// The peer ended the connection with this fatal alert (RFC 8446 §6.2).
    PeerAlert(Alert),
    /// A record failed to decrypt or a message did not parse after the handshake began
    /// (`bad_record_mac`, `decode_error`).
    Corrupt,
    /// The peer broke the protocol in another way (`unexpected_message`, `illegal_parameter`).
    ProtocolViolation,
    /// More data arrived or was queued than the connection buffers (a record over 2^14 bytes
    /// of plaintext, or plaintext written faster than it can be sent).
    BufferFull,
    /// The name to connect to is neither a DNS name nor an IP address.
    BadServerName,
    /// The host has no certificate (a host added beyond the shipped PKI's names).
    NoCertificate,
    /// Randomness or the time was not available to the call (a driver bug, not the peer's).
    Internal,
}

impl TlsError {
    /// A short description for logs and explanations.
    pub fn describe(self) -> String {
        match self {
            TlsError::NotTls => "the peer did not start a TLS handshake".into(),
            TlsError::HandshakeFailure => "no TLS version or cipher suite in common".into(),
            TlsError::CertificateExpired => "the certificate has expired".into(),
            TlsError::CertificateWrongName => "the certificate is for another host".into(),
            TlsError::UnknownCa => "the certificate is signed by an unknown CA".into(),
            TlsError::BadCertificate => "the certificate is not valid".into(),
            TlsError::PeerAlert(alert) => format!("the peer sent the alert {}", alert.name()),
            TlsError::Corrupt => "a TLS record was corrupt".into(),
            TlsError::ProtocolViolation => "the peer broke the TLS protocol".into(),
            TlsError::BufferFull => "too much data for the TLS buffers".into(),
            TlsError::BadServerName => "not a valid server name".into(),
            TlsError::NoCertificate => "the host has no certificate".into(),
            TlsError::Internal => "no randomness or time was available".into(),
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// A TLS alert description code (RFC 8446 §6, RFC 5246 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Alert(pub u8);

impl Alert {
    pub const HANDSHAKE_FAILURE: Alert = Alert(40);
    pub const BAD_CERTIFICATE: Alert = Alert(42);
    pub const CERTIFICATE_EXPIRED: Alert = Alert(45);
    pub const UNKNOWN_CA: Alert = Alert(48);

    /// The RFC's name for the alert.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            22 => "record_overflow",
            40 => "handshake_failure",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            109 => "missing_extension",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            116 => "certificate_required",
            120 => "no_application_protocol",
            _ => "unknown alert",
        }
    }
}

/// The broken certificates a TLS fault makes a host present instead of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BrokenCertificate {
    /// Valid 2020-01-01 to 2021-01-01; every sandbox name.
    Expired,
    /// Trusted and current, but only for `wrong-host.example`.
    WrongName,
    /// Every sandbox name, current, signed by a CA no client trusts.
    UnknownCa,
}

/// Which certificate a server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ServerCertificate {
    /// Its own, from the sandbox PKI (by host name).
    #[default]
    Own,
    /// A broken one (a TLS fault rule).
    Broken(BrokenCertificate),
}

/// What a certificate is, for people: which shipped certificate a DER leaf is
/// (`crate::tls_catalog::SHIPPED` lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateInfo {
    /// The host it is for, or what is wrong with it (`expired`, `wrong name`, `unknown CA`).
    pub label: &'static str,
    /// The names it carries (subjectAltName).
    pub names: &'static [&'static str],
    /// Set for the broken variants.
    pub broken: Option<BrokenCertificate>,
    /// Its subject (RFC 5280 §4.1.2.6), e.g. `O=Mail Sandbox, CN=mx.corp.example`.
    pub subject: &'static str,
    /// Who signed it (RFC 5280 §4.1.2.4).
    pub issuer: &'static str,
    /// Its validity period, dates in UTC (RFC 5280 §4.1.2.5).
    pub valid_from: &'static str,
    pub valid_until: &'static str,
}

/// What a layer's getters answer after a call: what the page's TLS module hands back with
/// each call's outputs, and what the live log records with each step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayerState {
    pub handshaking: bool,
    pub closed: bool,
    pub version: Option<TlsVersion>,
    pub suite: Option<TlsSuite>,
    pub verify_error: Option<TlsError>,
}

impl LayerState {
    /// The state `layer` reports now.
    pub fn of(layer: &dyn TlsLayer) -> LayerState {
        LayerState {
            handshaking: layer.is_handshaking(),
            closed: layer.is_closed(),
            version: layer.version(),
            suite: layer.suite(),
            verify_error: layer.verify_error(),
        }
    }
}

/// One TLS connection, either side, sans-IO (see the module doc). `crate::tls::TlsConnection`
/// implements it.
pub trait TlsLayer: Send {
    /// Ciphertext from the peer, split anywhere.
    fn handle_input(&mut self, now: Instant, ciphertext: &[u8]);
    /// The transport ended (the peer closed its side or the link dropped).
    fn handle_close(&mut self, now: Instant);
    /// Plaintext from the session above, to encrypt and send. Before the handshake ends it
    /// is held (within a bound) and sent as soon as the keys exist.
    fn write_plaintext(&mut self, now: Instant, plaintext: &[u8]);
    /// Closes our side: close_notify (RFC 8446 §6.1), then `Close`.
    fn close(&mut self, now: Instant);
    /// The next output, if any.
    fn poll_output(&mut self) -> Option<TlsOutput>;
    /// True until both Finished messages are checked.
    fn is_handshaking(&self) -> bool;
    /// True once the connection failed or either side closed it.
    fn is_closed(&self) -> bool;
    /// The negotiated version, once the ServerHello is through.
    fn version(&self) -> Option<TlsVersion>;
    /// The negotiated cipher suite, once the ServerHello is through.
    fn suite(&self) -> Option<TlsSuite>;
    /// A client made with `verify: false` (opportunistic TLS, RFC 7435): what verifying the
    /// server's certificate would have said (`None` when it verified, or before it came).
    /// A verifying client fails instead, so for it this is always `None`.
    fn verify_error(&self) -> Option<TlsError>;
}

/// Makes TLS layers for servers and clients. The world holds one; `crate::tls::SandboxTls`
/// implements it.
pub trait TlsProvider: Send {
    /// Whether layers can be made now. The page's provider says no until its TLS module
    /// has loaded; hosts then do not offer the upgrade yet (see `World::tls_offer_for`).
    fn is_ready(&self) -> bool {
        true
    }
    /// Whether `host_name` has a certificate to present (a server there can offer TLS).
    fn has_certificate(&self, host_name: &str) -> bool;
    /// A server layer for a connection accepted by `host_name`, waiting for the ClientHello.
    /// `stream` picks the connection's randomness ([`server_stream`]).
    fn server(
        &self,
        host_name: &str,
        certificate: ServerCertificate,
        stream: u64,
        clock: WallClock,
    ) -> Result<Box<dyn TlsLayer>, TlsError>;
    /// A client layer connecting to `server_name` (sent as SNI and checked against the
    /// certificate); its ClientHello is the first output. With `verify` false it completes
    /// the handshake whatever the certificate and says what was wrong through
    /// [`TlsLayer::verify_error`] (opportunistic TLS between MTAs, RFC 7435).
    fn client(
        &self,
        server_name: &str,
        verify: bool,
        stream: u64,
        clock: WallClock,
        now: Instant,
    ) -> Result<Box<dyn TlsLayer>, TlsError>;
    /// The sandbox root CA, PEM (what real clients are told to trust).
    fn ca_pem(&self) -> &'static str;
    /// Which shipped certificate a DER leaf is, if any.
    fn certificate_info(&self, leaf_der: &[u8]) -> Option<CertificateInfo>;
}

/// The randomness stream of the server end of connection `conn_id`.
pub fn server_stream(conn_id: u64) -> u64 {
    conn_id & !(1 << 63)
}

/// The randomness stream of the client end of connection `conn_id`.
pub fn client_stream(conn_id: u64) -> u64 {
    conn_id | (1 << 63)
}
