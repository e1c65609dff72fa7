//! Handshakes that fail: each broken certificate gives its typed error on a verifying client
//! and the matching alert at the server; garbage instead of a ClientHello closes cleanly.

use super::*;
use crate::time::unix_from_civil;
use crate::tls::pki::BrokenCertificate;
use crate::tls::{Alert, TlsError};

fn against(identity: pki::Identity, name: &str, clock: WallClock) -> (End, End) {
    let mut server = server(identity, TlsVersions::Both, 3);
    let mut client = client(name, TlsVersions::Both, 3, clock);
    pump(&mut client, &mut server, 64);
    (client, server)
}

fn check(identity: pki::Identity, name: &str, client_error: TlsError, alert: Alert) {
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        let mut server = server(identity, versions, 3);
        let mut client = client(name, versions, 3, WallClock::default());
        pump(&mut client, &mut server, 5);
        assert_eq!(client.failure(), Some(client_error), "{versions:?}");
        assert!(client.seen.closed && client.conn.is_closed());
        assert_eq!(
            server.failure(),
            Some(TlsError::PeerAlert(alert)),
            "{versions:?}"
        );
        assert!(server.seen.closed);
        assert!(
            !client
                .seen
                .events
                .iter()
                .any(|e| matches!(e, TlsEvent::Finished)),
            "never finished"
        );
    }
}

#[test]
fn an_expired_certificate_is_refused_as_expired() {
    let identity = pki::broken(BrokenCertificate::Expired);
    check(
        identity,
        "smtp.isp.example",
        TlsError::CertificateExpired,
        Alert::CERTIFICATE_EXPIRED,
    );
}

#[test]
fn a_certificate_for_another_name_is_refused_as_wrong_name() {
    let identity = pki::broken(BrokenCertificate::WrongName);
    check(
        identity,
        "smtp.isp.example",
        TlsError::CertificateWrongName,
        Alert::BAD_CERTIFICATE,
    );
    // A real host's certificate presented for another real host is just as wrong.
    let isp = pki::host("smtp.isp.example").expect("shipped");
    check(
        isp,
        "mx.corp.example",
        TlsError::CertificateWrongName,
        Alert::BAD_CERTIFICATE,
    );
}

#[test]
fn a_certificate_from_an_unknown_ca_is_refused_as_unknown_ca() {
    let identity = pki::broken(BrokenCertificate::UnknownCa);
    check(
        identity,
        "mx.corp.example",
        TlsError::UnknownCa,
        Alert::UNKNOWN_CA,
    );
}

#[test]
fn validity_is_judged_by_the_worlds_clock_not_the_machines() {
    // In mid-2020 (virtual time) the expired certificate was still good...
    let mid_2020 = WallClock {
        epoch_unix: unix_from_civil(2020, 6, 1),
    };
    let (client, _) = against(
        pki::broken(BrokenCertificate::Expired),
        "mx.corp.example",
        mid_2020,
    );
    assert_eq!(client.failure(), None);
    assert_eq!(client.seen.events.last(), Some(&TlsEvent::Finished));
    // ...and in 2023 the good ones were not yet valid.
    let early_2023 = WallClock {
        epoch_unix: unix_from_civil(2023, 1, 1),
    };
    let good = pki::host("mx.corp.example").expect("shipped");
    let (client, _) = against(good, "mx.corp.example", early_2023);
    assert_eq!(client.failure(), Some(TlsError::BadCertificate));
}

#[test]
fn the_bridge_identity_verifies_for_localhost_and_loopback_addresses() {
    for name in ["localhost", "127.0.0.1", "::1"] {
        let identity = pki::host("localhost").expect("shipped");
        let (client, _) = against(identity, name, WallClock::default());
        assert_eq!(client.failure(), None, "{name}");
        assert_eq!(
            client.seen.events.last(),
            Some(&TlsEvent::Finished),
            "{name}"
        );
        // SNI names DNS hosts only (RFC 6066 §3): none when dialling an address.
        let expected = (name == "localhost").then(|| name.to_owned());
        assert_eq!(
            client.seen.events.first(),
            Some(&TlsEvent::ClientHello {
                server_name: expected
            }),
            "{name}"
        );
    }
}

#[test]
fn no_common_version_is_a_handshake_failure() {
    let identity = pki::host("smtp.isp.example").expect("shipped");
    let mut server = server(identity, TlsVersions::Tls13Only, 1);
    let mut client = client(
        "smtp.isp.example",
        TlsVersions::Tls12Only,
        1,
        WallClock::default(),
    );
    pump(&mut client, &mut server, usize::MAX);
    assert_eq!(server.failure(), Some(TlsError::HandshakeFailure));
    assert!(matches!(client.failure(), Some(TlsError::PeerAlert(_))));
    assert!(client.seen.closed && server.seen.closed);
}

/// The server's reply to `input` sent where a ClientHello belongs.
fn server_answer(input: &[u8], chunk: usize) -> End {
    let identity = pki::host("smtp.isp.example").expect("shipped");
    let mut server = server(identity, TlsVersions::Both, 1);
    for piece in input.chunks(chunk) {
        server.conn.handle_input(NOW, piece);
        server.drain();
    }
    server
}

#[test]
fn a_plaintext_command_instead_of_a_client_hello_closes_with_an_alert() {
    for chunk in [1, 2, 5, usize::MAX] {
        let server = server_answer(b"EHLO pc.home.example\r\nMAIL FROM:<a@b>\r\n", chunk);
        assert_eq!(server.failure(), Some(TlsError::NotTls), "chunk {chunk}");
        assert!(server.seen.closed && server.conn.is_closed());
        // One fatal alert record (RFC 8446 §6): type 21, then nothing after the close.
        assert_eq!(server.seen.wire.first(), Some(&21), "an alert record");
        assert!(server.seen.plaintext.is_empty(), "nothing was executed");
    }
}

#[test]
fn an_oversized_record_header_fails_without_waiting_for_its_body() {
    // A handshake record claiming 65535 bytes: more than TLS allows (RFC 8446 §5.1).
    let mut input = vec![22, 3, 1, 0xff, 0xff];
    input.extend(std::iter::repeat_n(0u8, 70_000));
    let server = server_answer(&input, 4096);
    assert!(server.failure().is_some());
    assert!(server.seen.closed);
}

#[test]
fn input_after_a_failure_is_ignored() {
    let mut server = server_answer(b"GET / HTTP/1.1\r\n", usize::MAX);
    let before = server.seen.wire.len();
    server.conn.handle_input(NOW, b"more garbage");
    server.drain();
    assert_eq!(server.seen.wire.len(), before);
    assert_eq!(server.seen.events.len(), 1);
}

/// A protected record changed on the way (a byte of its body, or of its tag) is refused as a
/// whole, in both versions (RFC 8446 §5.2, RFC 5288 §3): the receiver closes and hands on no
/// plaintext, neither the changed bytes nor the rest.
#[test]
fn a_record_changed_on_the_wire_is_refused_and_nothing_of_it_is_read() {
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        // The record header is 5 bytes; 6 is the first byte of the body (TLS 1.2: of its
        // explicit nonce), the last is the tag's.
        for at in [6, 12, usize::MAX] {
            let (mut client, mut server) = handshaken(versions, usize::MAX, 3);
            client.write(NOW, b"MAIL FROM:<evil@home.example>\r\n");
            let mut record = std::mem::take(&mut client.pending);
            let at = at.min(record.len() - 1);
            record[at] ^= 0x01;
            server.conn.handle_input(NOW, &record);
            server.drain();
            assert!(server.seen.plaintext.is_empty(), "{versions:?} at {at}");
            assert!(server.failure().is_some(), "{versions:?} at {at}");
            assert!(server.seen.closed, "{versions:?} at {at}");
        }
    }
}
