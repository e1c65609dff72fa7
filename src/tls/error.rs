//! Why a TLS connection failed, typed for the layers above (fault rules, the event log, the
//! page's explanation): the certificate problems a verifying client tells apart, the peer's
//! alert, or input that is not TLS at all.

use rustls::{AlertDescription, CertificateError, Error};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Randomness or the time was not available to the call (a driver bug, not the peer's).
    Internal,
}

impl TlsError {
    /// Classifies a rustls error. `before_client_hello` says whether the server has yet
    /// seen a single handshake message: a parse failure then means the peer does not speak
    /// TLS at all.
    pub(super) fn from_rustls(error: &Error, before_client_hello: bool) -> TlsError {
        match error {
            Error::InvalidMessage(_) | Error::InappropriateMessage { .. }
                if before_client_hello =>
            {
                TlsError::NotTls
            }
            Error::InvalidCertificate(cert) => match cert {
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    TlsError::CertificateExpired
                }
                CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. } => TlsError::CertificateWrongName,
                CertificateError::UnknownIssuer => TlsError::UnknownCa,
                _ => TlsError::BadCertificate,
            },
            Error::NoCertificatesPresented | Error::UnsupportedNameType => TlsError::BadCertificate,
            Error::AlertReceived(alert) => TlsError::PeerAlert(Alert::from_rustls(*alert)),
            Error::PeerIncompatible(_) => TlsError::HandshakeFailure,
            Error::DecryptError | Error::InvalidMessage(_) => TlsError::Corrupt,
            Error::PeerSentOversizedRecord => TlsError::BufferFull,
            Error::FailedToGetCurrentTime | Error::FailedToGetRandomBytes => TlsError::Internal,
            _ => TlsError::ProtocolViolation,
        }
    }

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert(pub u8);

impl Alert {
    pub const HANDSHAKE_FAILURE: Alert = Alert(40);
    pub const BAD_CERTIFICATE: Alert = Alert(42);
    pub const CERTIFICATE_EXPIRED: Alert = Alert(45);
    pub const UNKNOWN_CA: Alert = Alert(48);

    fn from_rustls(alert: AlertDescription) -> Alert {
        Alert(u8::from(alert))
    }

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
