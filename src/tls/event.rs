//! What a TLS connection hands its driver: records for the wire, plaintext for the session
//! above, and the handshake's steps as typed events (for the page's hops and explanations).

use super::error::TlsError;

/// One output of a [`super::TlsConnection`]; drain them after every call.
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsEvent {
    /// RFC 8446 §4.1.2: the client's offer, naming the host it wants (SNI, RFC 6066 §3).
    ClientHello { server_name: Option<String> },
    /// RFC 8446 §4.1.3: the server's choice of version and cipher suite.
    ServerHello {
        version: TlsVersion,
        suite: TlsSuite,
    },
    /// RFC 8446 §4.4.2: the server's certificate chain (DER, leaf first). On the client it has
    /// been verified against the trusted roots by the time this event comes.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    pub(super) fn from_rustls(suite: rustls::CipherSuite) -> Option<TlsSuite> {
        match suite {
            rustls::CipherSuite::TLS13_AES_128_GCM_SHA256 => Some(TlsSuite::Aes128GcmSha256),
            rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 => {
                Some(TlsSuite::EcdheEcdsaAes128GcmSha256)
            }
            _ => None,
        }
    }
}
