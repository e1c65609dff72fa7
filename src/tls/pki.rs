//! The sandbox PKI, made once by `pki/generator` and compiled in (see `pki/README.md`): the
//! root CA's certificate, a certificate and key for each mail host of the default world and
//! for the bridge on loopback, and the broken variants the TLS faults serve. Every key is
//! ECDSA P-256; the CA's own key was never kept.

use super::error::TlsError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The sandbox root CA, PEM: what a real client is told to trust (the bridge's `--ca-out`).
pub use crate::tls_catalog::CA_PEM;

/// A server's certificate chain (leaf first, PEM) and its private key (PKCS#8 PEM).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity {
    /// What the certificate is for (a host name, or what is wrong with it).
    pub label: &'static str,
    /// The names the leaf certificate carries (its subjectAltName entries).
    pub names: &'static [&'static str],
    pub chain_pem: &'static str,
    pub key_pem: &'static str,
}

pub use crate::tls_layer::BrokenCertificate;

const ALL_NAMES: &[&str] = &[
    "smtp.isp.example",
    "mx.corp.example",
    "localhost",
    "127.0.0.1",
    "::1",
];

const HOSTS: &[Identity] = &[
    Identity {
        label: "smtp.isp.example",
        names: &["smtp.isp.example"],
        chain_pem: include_str!("../../pki/hosts/smtp.isp.example.pem"),
        key_pem: include_str!("../../pki/hosts/smtp.isp.example.key.pem"),
    },
    Identity {
        label: "mx.corp.example",
        names: &["mx.corp.example"],
        chain_pem: include_str!("../../pki/hosts/mx.corp.example.pem"),
        key_pem: include_str!("../../pki/hosts/mx.corp.example.key.pem"),
    },
    Identity {
        label: "localhost",
        names: &["localhost", "127.0.0.1", "::1"],
        chain_pem: include_str!("../../pki/hosts/localhost.pem"),
        key_pem: include_str!("../../pki/hosts/localhost.key.pem"),
    },
];

/// The identity of a sandbox server by its host name (or `localhost` for the bridge).
pub fn host(name: &str) -> Option<Identity> {
    HOSTS
        .iter()
        .find(|identity| identity.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
        .copied()
}

/// The host names that have an identity.
pub fn host_names() -> impl Iterator<Item = &'static str> {
    HOSTS.iter().map(|identity| identity.label)
}

/// A broken certificate and its key.
pub fn broken(kind: BrokenCertificate) -> Identity {
    match kind {
        BrokenCertificate::Expired => Identity {
            label: "expired",
            names: ALL_NAMES,
            chain_pem: include_str!("../../pki/broken/expired.pem"),
            key_pem: include_str!("../../pki/broken/expired.key.pem"),
        },
        BrokenCertificate::WrongName => Identity {
            label: "wrong name",
            names: &["wrong-host.example"],
            chain_pem: include_str!("../../pki/broken/wrong-name.pem"),
            key_pem: include_str!("../../pki/broken/wrong-name.key.pem"),
        },
        BrokenCertificate::UnknownCa => Identity {
            label: "unknown CA",
            names: ALL_NAMES,
            chain_pem: include_str!("../../pki/broken/unknown-ca.pem"),
            key_pem: include_str!("../../pki/broken/unknown-ca.key.pem"),
        },
    }
}

/// The CA certificate, DER.
pub fn ca_der() -> Result<CertificateDer<'static>, TlsError> {
    CertificateDer::from_pem_slice(CA_PEM.as_bytes()).map_err(|_| TlsError::Internal)
}

impl Identity {
    /// The chain, DER, leaf first.
    pub fn chain_der(&self) -> Result<Vec<CertificateDer<'static>>, TlsError> {
        CertificateDer::pem_slice_iter(self.chain_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| TlsError::Internal)
    }

    /// The private key, DER.
    pub fn key_der(&self) -> Result<PrivateKeyDer<'static>, TlsError> {
        PrivateKeyDer::from_pem_slice(self.key_pem.as_bytes()).map_err(|_| TlsError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_parses() {
        assert!(ca_der().is_ok());
        let broken = [
            BrokenCertificate::Expired,
            BrokenCertificate::WrongName,
            BrokenCertificate::UnknownCa,
        ];
        for identity in HOSTS.iter().copied().chain(broken.map(super::broken)) {
            assert_eq!(
                identity.chain_der().map(|c| c.len()),
                Ok(1),
                "{}",
                identity.label
            );
            assert!(identity.key_der().is_ok(), "{}", identity.label);
        }
    }

    #[test]
    fn hosts_are_found_by_any_of_their_names() {
        assert_eq!(
            host("MX.corp.example").map(|i| i.label),
            Some("mx.corp.example")
        );
        assert_eq!(host("127.0.0.1").map(|i| i.label), Some("localhost"));
        assert_eq!(host("pc.home.example"), None, "clients have no certificate");
        assert_eq!(host_names().count(), 3);
    }
}
