//! What a TLS connection hands its driver: the engine's seam types ([`crate::tls_layer`]),
//! and how rustls's names map onto them.

pub use crate::tls_layer::{TlsEvent, TlsOutput, TlsSuite, TlsVersion};

impl TlsSuite {
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
