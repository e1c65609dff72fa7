//! The provider through the engine's seam (`crate::tls_layer`): layers made by name, talking
//! to each other as `Box<dyn TlsLayer>`, as the world will drive them.

use super::NOW;
use crate::time::WallClock;
use crate::tls::SandboxTls;
use crate::tls_layer::{
    client_stream, server_stream, BrokenCertificate, ServerCertificate, TlsError, TlsEvent,
    TlsLayer, TlsOutput, TlsProvider,
};

#[derive(Default)]
struct Side {
    events: Vec<TlsEvent>,
    plaintext: Vec<u8>,
    wire: Vec<u8>,
    pending: Vec<u8>,
    closed: bool,
}

fn drain(layer: &mut dyn TlsLayer, side: &mut Side) {
    while let Some(output) = layer.poll_output() {
        match output {
            TlsOutput::Transmit(bytes) => {
                side.wire.extend_from_slice(&bytes);
                side.pending.extend_from_slice(&bytes);
            }
            TlsOutput::Plaintext(bytes) => side.plaintext.extend_from_slice(&bytes),
            TlsOutput::Event(event) => side.events.push(event),
            TlsOutput::Close => side.closed = true,
        }
    }
}

/// Client and server of `host`, handshaken; the server presents `certificate`.
fn connect(
    provider: &SandboxTls,
    host: &str,
    certificate: ServerCertificate,
    verify: bool,
) -> (Box<dyn TlsLayer>, Side, Box<dyn TlsLayer>, Side) {
    let clock = WallClock::default();
    let mut server = provider
        .server(host, certificate, server_stream(7), clock)
        .expect("server");
    let mut client = provider
        .client(host, verify, client_stream(7), clock, NOW)
        .expect("client");
    let (mut s, mut c) = (Side::default(), Side::default());
    drain(client.as_mut(), &mut c);
    for _ in 0..100 {
        let (to_server, to_client) = (
            std::mem::take(&mut c.pending),
            std::mem::take(&mut s.pending),
        );
        if to_server.is_empty() && to_client.is_empty() {
            break;
        }
        server.handle_input(NOW, &to_server);
        drain(server.as_mut(), &mut s);
        client.handle_input(NOW, &to_client);
        drain(client.as_mut(), &mut c);
    }
    (client, c, server, s)
}

#[test]
fn a_provider_makes_layers_that_handshake_and_carry_plaintext() {
    let provider = SandboxTls::seeded(3).expect("provider");
    assert!(provider.has_certificate("mx.corp.example"));
    assert!(!provider.has_certificate("nowhere.example"));
    let (mut client, mut c, mut server, mut s) =
        connect(&provider, "mx.corp.example", ServerCertificate::Own, true);
    assert!(!client.is_handshaking() && !server.is_handshaking());
    assert_eq!(c.events.last(), Some(&TlsEvent::Finished));
    client.write_plaintext(NOW, b"EHLO pc\r\n");
    drain(client.as_mut(), &mut c);
    server.handle_input(NOW, &c.pending);
    drain(server.as_mut(), &mut s);
    assert_eq!(s.plaintext, b"EHLO pc\r\n");
    let chain = c.events.iter().find_map(|e| match e {
        TlsEvent::Certificate { chain } => chain.first().cloned(),
        _ => None,
    });
    let info = provider
        .certificate_info(&chain.expect("a certificate"))
        .expect("a shipped one");
    assert_eq!(info.label, "mx.corp.example");
    assert_eq!(info.broken, None);
}

#[test]
fn the_same_seed_gives_the_same_wire_and_client_and_server_streams_differ() {
    let a = connect(
        &SandboxTls::seeded(5).expect("provider"),
        "smtp.isp.example",
        ServerCertificate::Own,
        true,
    );
    let b = connect(
        &SandboxTls::seeded(5).expect("provider"),
        "smtp.isp.example",
        ServerCertificate::Own,
        true,
    );
    assert_eq!(a.1.wire, b.1.wire);
    assert_eq!(a.3.wire, b.3.wire);
    assert_ne!(server_stream(7), client_stream(7));
}

#[test]
fn a_host_without_a_certificate_cannot_serve() {
    let provider = SandboxTls::seeded(1).expect("provider");
    let made = provider.server(
        "nowhere.example",
        ServerCertificate::Own,
        1,
        WallClock::default(),
    );
    assert_eq!(made.err(), Some(TlsError::NoCertificate));
}

#[test]
fn serving_as_localhost_presents_the_bridge_certificate_for_every_host() {
    let provider = SandboxTls::seeded(1)
        .and_then(|p| p.serving_as("localhost"))
        .expect("provider");
    let (client, c, _, _) = connect(&provider, "localhost", ServerCertificate::Own, true);
    assert!(!client.is_handshaking(), "{:?}", c.events);
    assert!(provider.has_certificate("smtp.isp.example"));
}

#[test]
fn an_opportunistic_client_completes_with_a_broken_certificate_and_says_what_was_wrong() {
    let provider = SandboxTls::seeded(2).expect("provider");
    for (kind, error) in [
        (BrokenCertificate::Expired, TlsError::CertificateExpired),
        (BrokenCertificate::WrongName, TlsError::CertificateWrongName),
        (BrokenCertificate::UnknownCa, TlsError::UnknownCa),
    ] {
        let broken = ServerCertificate::Broken(kind);
        let (client, c, _, _) = connect(&provider, "mx.corp.example", broken, false);
        assert!(!client.is_handshaking(), "{kind:?}: {:?}", c.events);
        assert_eq!(client.verify_error(), Some(error), "{kind:?}");
        // A verifying client refuses the same certificate.
        let (client, c, _, _) = connect(&provider, "mx.corp.example", broken, true);
        assert!(c.events.contains(&TlsEvent::Failed(error)), "{kind:?}");
        assert_eq!(client.verify_error(), None);
    }
    let (client, _, _, _) = connect(&provider, "mx.corp.example", ServerCertificate::Own, false);
    assert_eq!(client.verify_error(), None, "a good certificate verifies");
}
