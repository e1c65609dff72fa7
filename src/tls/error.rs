//! Why a TLS connection failed, typed for the layers above (fault rules, the event log, the
//! page's explanation): the certificate problems a verifying client tells apart, the peer's
//! alert, or input that is not TLS at all. The types are the engine's ([`crate::tls_layer`]);
//! this file maps rustls's errors onto them.

pub use crate::tls_layer::{Alert, TlsError};
use rustls::{AlertDescription, CertificateError, Error};

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
}

impl Alert {
    fn from_rustls(alert: AlertDescription) -> Alert {
        Alert(u8::from(alert))
    }
}
