//! Writes the sandbox PKI (see ../README.md): a root CA, a certificate and key per mail host of
//! the default world and one for the bridge on loopback, and the broken variants the TLS
//! faults serve (expired, wrong name, signed by an unknown CA). All keys are ECDSA P-256 and
//! every signature is ECDSA with SHA-256, the only algorithms the engine's trimmed crypto
//! provider verifies. Run from the repository root:
//!
//! ```text
//! cargo run --manifest-path pki/generator/Cargo.toml
//! ```
//!
//! The CA's private key is not written anywhere: the sandbox CA can sign nothing after this
//! run, so trusting its certificate risks nothing beyond the names below. The CA is also
//! name-constrained (RFC 5280 §4.2.1.10) to `example` and `localhost` and to loopback
//! addresses.

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, KeyPair, KeyUsagePurpose, NameConstraints,
    SanType, SerialNumber, PKCS_ECDSA_P256_SHA256,
};
use std::fs;
use std::net::{IpAddr, Ipv6Addr};
use std::path::Path;
use time::{Date, Month, OffsetDateTime, Time};

/// The default world's mail servers (src/sandbox/default_world.rs) and their names.
const HOSTS: &[(&str, &[&str])] = &[
    ("smtp.isp.example", &["smtp.isp.example"]),
    ("mx.corp.example", &["mx.corp.example"]),
];

/// What the bridge presents to real clients on loopback.
const LOOPBACK: (&str, &[&str]) = ("localhost", &["localhost", "127.0.0.1", "::1"]);

/// Every name a sandbox server answers to: the broken variants carry all of them, so the only
/// thing wrong with each is the thing it is named for.
fn all_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = HOSTS
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    names.extend_from_slice(LOOPBACK.1);
    names
}

fn day(year: i32, month: Month, day: u8) -> OffsetDateTime {
    let date = Date::from_calendar_date(year, month, day).expect("a real date");
    date.with_time(Time::MIDNIGHT).assume_utc()
}

fn long_validity(params: &mut CertificateParams) {
    params.not_before = day(2024, Month::January, 1);
    params.not_after = day(2099, Month::December, 31);
}

fn name(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Mail Sandbox");
    dn.push(DnType::CommonName, common_name);
    dn
}

fn san(name: &str) -> SanType {
    match name.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) => SanType::DnsName(name.try_into().expect("an IA5 name")),
    }
}

fn ca_params(common_name: &str, serial: u64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.serial_number = Some(SerialNumber::from(serial));
    long_validity(&mut params);
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName("example".into()),
            GeneralSubtree::DnsName("localhost".into()),
            GeneralSubtree::IpAddress(CidrSubnet::from_v4_prefix([127, 0, 0, 0], 8)),
            GeneralSubtree::IpAddress(CidrSubnet::V6(Ipv6Addr::LOCALHOST.octets(), [0xff; 16])),
        ],
        excluded_subtrees: vec![],
    });
    params
}

fn leaf_params(common_name: &str, names: &[&str], serial: u64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(common_name);
    params.subject_alt_names = names.iter().map(|n| san(n)).collect();
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.serial_number = Some(SerialNumber::from(serial));
    long_validity(&mut params);
    params
}

struct Issuer {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn key() -> KeyPair {
    KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key")
}

fn write_leaf(dir: &Path, file: &str, params: CertificateParams, issuer: &Issuer) {
    let key = key();
    let cert = params
        .signed_by(&key, &issuer.cert, &issuer.key)
        .expect("signed");
    fs::write(dir.join(format!("{file}.pem")), cert.pem()).expect("write certificate");
    fs::write(dir.join(format!("{file}.key.pem")), key.serialize_pem()).expect("write key");
}

fn main() {
    let root = Path::new("pki");
    assert!(root.is_dir(), "run from the repository root");
    fs::create_dir_all(root.join("hosts")).expect("pki/hosts");
    fs::create_dir_all(root.join("broken")).expect("pki/broken");

    let ca_key = key();
    let ca_cert = ca_params("Mail Sandbox Root CA", 1)
        .self_signed(&ca_key)
        .expect("self-signed CA");
    fs::write(root.join("ca.pem"), ca_cert.pem()).expect("write CA");
    let ca = Issuer {
        cert: ca_cert,
        key: ca_key,
    };

    let mut serial = 100;
    for (host, names) in HOSTS.iter().chain([&LOOPBACK]) {
        serial += 1;
        write_leaf(
            &root.join("hosts"),
            host,
            leaf_params(host, names, serial),
            &ca,
        );
    }

    let broken = root.join("broken");
    let names = all_names();
    let mut expired = leaf_params("expired.example", &names, 201);
    expired.not_before = day(2020, Month::January, 1);
    expired.not_after = day(2021, Month::January, 1);
    write_leaf(&broken, "expired", expired, &ca);

    let wrong = leaf_params("wrong-host.example", &["wrong-host.example"], 202);
    write_leaf(&broken, "wrong-name", wrong, &ca);

    // A CA nobody trusts: same names, same algorithms, only the issuer is unknown.
    let rogue_key = key();
    let rogue_cert = ca_params("Unknown Rogue CA", 2)
        .self_signed(&rogue_key)
        .expect("rogue CA");
    let rogue = Issuer {
        cert: rogue_cert,
        key: rogue_key,
    };
    write_leaf(
        &broken,
        "unknown-ca",
        leaf_params("unknown-ca.example", &names, 203),
        &rogue,
    );
    println!("wrote the sandbox PKI under {}", root.display());
}
