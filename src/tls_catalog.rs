//! The certificates the sandbox ships (`pki/`, see `pki/README.md`), described for people and
//! for the page: what each is for, the names it carries, its subject, issuer and validity. No
//! key or certificate bytes are here: `crate::tls::pki` (feature `tls`) holds those. The page,
//! which loads its TLS code as a module of its own, knows from this table which hosts have a
//! certificate and what a certificate its clients got says, without the TLS code.

use crate::tls_layer::{BrokenCertificate, CertificateInfo};

/// The sandbox root CA, PEM: what a real client is told to trust (the bridge's `--ca-out`).
pub const CA_PEM: &str = include_str!("../pki/ca.pem");

/// The CA's subject, the issuer of every trusted certificate.
const CA: &str = "O=Mail Sandbox, CN=Mail Sandbox Root CA";
const FROM: &str = "2024-01-01";
const UNTIL: &str = "2099-12-31";

/// Every name of the sandbox's hosts and of the bridge on loopback.
const ALL_NAMES: &[&str] = &[
    "smtp.isp.example",
    "mx.corp.example",
    "localhost",
    "127.0.0.1",
    "::1",
];

/// Every shipped certificate; [`certificate_index`] and [`by_index`] name one by its place.
pub const SHIPPED: [CertificateInfo; 6] = [
    host(
        "smtp.isp.example",
        &["smtp.isp.example"],
        "O=Mail Sandbox, CN=smtp.isp.example",
    ),
    host(
        "mx.corp.example",
        &["mx.corp.example"],
        "O=Mail Sandbox, CN=mx.corp.example",
    ),
    host(
        "localhost",
        &["localhost", "127.0.0.1", "::1"],
        "O=Mail Sandbox, CN=localhost",
    ),
    CertificateInfo {
        label: "expired",
        names: ALL_NAMES,
        broken: Some(BrokenCertificate::Expired),
        subject: "O=Mail Sandbox, CN=expired.example",
        issuer: CA,
        valid_from: "2020-01-01",
        valid_until: "2021-01-01",
    },
    CertificateInfo {
        label: "wrong name",
        names: &["wrong-host.example"],
        broken: Some(BrokenCertificate::WrongName),
        subject: "O=Mail Sandbox, CN=wrong-host.example",
        issuer: CA,
        valid_from: FROM,
        valid_until: UNTIL,
    },
    CertificateInfo {
        label: "unknown CA",
        names: ALL_NAMES,
        broken: Some(BrokenCertificate::UnknownCa),
        subject: "O=Mail Sandbox, CN=unknown-ca.example",
        issuer: "O=Mail Sandbox, CN=Unknown Rogue CA",
        valid_from: FROM,
        valid_until: UNTIL,
    },
];

const fn host(
    label: &'static str,
    names: &'static [&'static str],
    subject: &'static str,
) -> CertificateInfo {
    CertificateInfo {
        label,
        names,
        broken: None,
        subject,
        issuer: CA,
        valid_from: FROM,
        valid_until: UNTIL,
    }
}

/// The trusted certificate of the host named `name` (any of its names, any case).
pub fn host_certificate(name: &str) -> Option<&'static CertificateInfo> {
    SHIPPED
        .iter()
        .find(|c| c.broken.is_none() && c.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
}

/// Where a certificate is in [`SHIPPED`].
pub fn certificate_index(info: &CertificateInfo) -> Option<u8> {
    SHIPPED
        .iter()
        .position(|c| c.label == info.label)
        .and_then(|i| u8::try_from(i).ok())
}

/// The certificate at `index` in [`SHIPPED`].
pub fn by_index(index: u8) -> Option<&'static CertificateInfo> {
    SHIPPED.get(usize::from(index))
}

/// The certificate with this label (a host name, or what is wrong with it).
pub fn by_label(label: &str) -> Option<&'static CertificateInfo> {
    SHIPPED.iter().find(|c| c.label == label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_found_by_any_name_and_clients_have_none() {
        assert_eq!(
            host_certificate("MX.corp.example").map(|c| c.label),
            Some("mx.corp.example")
        );
        assert_eq!(host_certificate("::1").map(|c| c.label), Some("localhost"));
        assert!(host_certificate("pc.home.example").is_none());
        assert!(
            host_certificate("wrong-host.example").is_none(),
            "broken ones serve no host"
        );
    }

    #[test]
    fn indexes_round_trip() {
        for (i, info) in SHIPPED.iter().enumerate() {
            assert_eq!(certificate_index(info), Some(i as u8));
            assert_eq!(by_index(i as u8), Some(info));
        }
        assert_eq!(by_index(6), None);
    }
}
