//! Handshakes that succeed: every chunk size, both versions, plaintext both ways, replays.

use super::*;
use crate::tls::{TlsSuite, TlsVersion};

const CHUNKS: &[usize] = &[1, 2, 3, 4, 5, 7, 8, 13, 16, 64, 100, 517, 1000, usize::MAX];

fn expected_events(version: TlsVersion, suite: TlsSuite, chain: Vec<Vec<u8>>) -> Vec<TlsEvent> {
    vec![
        TlsEvent::ClientHello {
            server_name: Some("smtp.isp.example".into()),
        },
        TlsEvent::ServerHello { version, suite },
        TlsEvent::Certificate { chain },
        TlsEvent::Finished,
    ]
}

fn shipped_chain() -> Vec<Vec<u8>> {
    let identity = pki::host("smtp.isp.example").expect("shipped");
    let chain = identity.chain_der().expect("parses");
    chain.iter().map(|cert| cert.as_ref().to_vec()).collect()
}

fn check_version(versions: TlsVersions, version: TlsVersion, suite: TlsSuite) {
    for &chunk in CHUNKS {
        let (mut client, mut server) = handshaken(versions, chunk, 1);
        let expected = expected_events(version, suite, shipped_chain());
        assert_eq!(client.seen.events, expected, "client, chunk {chunk}");
        assert_eq!(server.seen.events, expected, "server, chunk {chunk}");
        assert!(!client.conn.is_handshaking() && !server.conn.is_handshaking());

        client.write(NOW, b"EHLO pc.home.example\r\n");
        pump(&mut client, &mut server, chunk);
        assert_eq!(
            server.seen.plaintext, b"EHLO pc.home.example\r\n",
            "chunk {chunk}"
        );
        server.write(NOW, b"250 smtp.isp.example\r\n");
        pump(&mut client, &mut server, chunk);
        assert_eq!(
            client.seen.plaintext, b"250 smtp.isp.example\r\n",
            "chunk {chunk}"
        );

        let wire = String::from_utf8_lossy(&client.seen.wire);
        assert!(
            !wire.contains("EHLO"),
            "the command is not in clear on the wire"
        );
        assert!(!client.seen.closed && !server.seen.closed);
    }
}

#[test]
fn tls13_handshake_and_plaintext_at_every_chunk_size() {
    check_version(
        TlsVersions::Tls13Only,
        TlsVersion::Tls13,
        TlsSuite::Aes128GcmSha256,
    );
}

#[test]
fn tls12_handshake_and_plaintext_at_every_chunk_size() {
    check_version(
        TlsVersions::Tls12Only,
        TlsVersion::Tls12,
        TlsSuite::EcdheEcdsaAes128GcmSha256,
    );
}

#[test]
fn both_sides_willing_agree_on_tls13() {
    let (client, server) = handshaken(TlsVersions::Both, usize::MAX, 1);
    assert_eq!(client.conn.version(), Some(TlsVersion::Tls13));
    assert_eq!(server.conn.suite(), Some(TlsSuite::Aes128GcmSha256));
}

#[test]
fn plaintext_written_before_the_handshake_ends_arrives_after_it() {
    let identity = pki::host("mx.corp.example").expect("shipped");
    let mut server = server(identity, TlsVersions::Both, 9);
    let mut client = client(
        "mx.corp.example",
        TlsVersions::Both,
        9,
        WallClock::default(),
    );
    client.write(NOW, b"a1 CAPABILITY\r\n");
    assert!(
        !String::from_utf8_lossy(&client.seen.wire).contains("CAPABILITY"),
        "held, not sent in clear"
    );
    pump(&mut client, &mut server, 3);
    assert_eq!(server.seen.plaintext, b"a1 CAPABILITY\r\n");
}

#[test]
fn a_large_body_crosses_in_many_records() {
    let (mut client, mut server) = handshaken(TlsVersions::Both, usize::MAX, 4);
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    server.write(NOW, &body);
    pump(&mut client, &mut server, 1500);
    assert_eq!(client.seen.plaintext, body);
}

#[test]
fn the_same_seed_gives_the_same_wire_bytes() {
    for versions in [TlsVersions::Tls13Only, TlsVersions::Tls12Only] {
        let run = |seed: u64| {
            let (mut client, mut server) = handshaken(versions, 7, seed);
            client.write(NOW, b"AUTH PLAIN AGJvc3MAc2VjcmV0\r\n");
            pump(&mut client, &mut server, 7);
            (client.seen.wire, server.seen.wire)
        };
        let first = run(42);
        assert_eq!(first, run(42), "{versions:?}: replay");
        let other = run(43);
        assert_ne!(
            first.0, other.0,
            "{versions:?}: another seed, another ClientHello"
        );
        assert_ne!(
            first.1, other.1,
            "{versions:?}: another seed, another ServerHello"
        );
    }
}

#[test]
fn close_notify_reaches_the_peer_as_a_clean_close() {
    let (mut client, mut server) = handshaken(TlsVersions::Both, usize::MAX, 5);
    client.conn.close(NOW);
    client.drain();
    assert!(client.seen.closed && client.conn.is_closed());
    pump(&mut client, &mut server, 2);
    assert!(server
        .seen
        .events
        .contains(&TlsEvent::PeerClosed { clean: true }));
    assert!(server.seen.closed);
}

#[test]
fn a_transport_close_is_reported_as_unclean() {
    let (_client, mut server) = handshaken(TlsVersions::Both, usize::MAX, 6);
    server.conn.handle_close(NOW);
    server.drain();
    assert_eq!(
        server.seen.events.last(),
        Some(&TlsEvent::PeerClosed { clean: false })
    );
    assert!(server.seen.closed);
}
