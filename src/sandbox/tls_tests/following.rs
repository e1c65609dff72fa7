//! A terminal that follows its server into TLS (`World::set_follows_tls`), as the page's
//! terminals and the tours' do: STARTTLS, STLS and implicit TLS typed like `openssl s_client`,
//! plaintext in and out of the endpoint, ciphertext on the wire, the handshake's state typed.

use super::{client_wire, contains, tls_records, tls_world};
use crate::net::ConnId;
use crate::proto::record::{TlsRecord, TlsStep};
use crate::sandbox::{EndpointTlsState, World};
use crate::time::Duration;

fn step(w: &mut World) {
    let t = w.now() + Duration::from_millis(300);
    w.run_until(t);
}

fn typed(w: &mut World, conn: ConnId, line: &str) -> String {
    w.send(conn, format!("{line}\r\n").as_bytes());
    step(w);
    String::from_utf8_lossy(&w.take_received(conn)).into_owned()
}

#[test]
fn typing_starttls_moves_the_terminal_into_tls_and_the_password_off_the_wire() {
    let (mut w, d) = tls_world();
    let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
    w.set_follows_tls(c, true);
    step(&mut w);
    assert!(String::from_utf8_lossy(&w.take_received(c)).starts_with("220"));
    assert!(typed(&mut w, c, "EHLO pc.home.example").contains("STARTTLS"));
    let ready = typed(&mut w, c, "STARTTLS");
    assert!(ready.starts_with("220"), "{ready}");
    assert!(
        matches!(w.endpoint_tls(c), Some(EndpointTlsState::Secured { certificate: Some(cert), .. })
            if cert.names.contains(&"smtp.isp.example")),
        "{:?}",
        w.endpoint_tls(c)
    );
    // The session started over inside TLS: EHLO again, then AUTH PLAIN (smith / smith).
    let ehlo = typed(&mut w, c, "EHLO pc.home.example");
    assert!(ehlo.contains("250") && !ehlo.contains("STARTTLS"), "{ehlo}");
    let auth = typed(&mut w, c, "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo");
    assert!(auth.starts_with("235"), "{auth}");
    let wire = client_wire(&w, c);
    assert!(contains(&wire, b"STARTTLS"));
    assert!(!contains(&wire, b"AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo"));
    // The server's typed records: the handshake as steps, then its end.
    let records = tls_records(&w, c);
    assert!(matches!(records[0], TlsRecord::Handshaking), "{records:?}");
    assert!(records.iter().any(|r| matches!(r, TlsRecord::Step(TlsStep::ClientHello { server_name: Some(n) }) if n == "smtp.isp.example")));
    assert!(records
        .iter()
        .any(|r| matches!(r, TlsRecord::Step(TlsStep::ServerHello { .. }))));
    assert!(records.iter().any(|r| matches!(
        r,
        TlsRecord::Step(TlsStep::Certificate(
            crate::tls_layer::ServerCertificate::Own
        ))
    )));
    assert!(records
        .iter()
        .any(|r| matches!(r, TlsRecord::Started { .. })));
    assert!(typed(&mut w, c, "QUIT").starts_with("221"));
}

#[test]
fn implicit_tls_ports_are_typed_through_from_the_first_byte() {
    let (mut w, d) = tls_world();
    for (host, port, greeting) in [
        ("smtp.isp.example", 465, "220"),
        ("mx.corp.example", 995, "+OK"),
        ("mx.corp.example", 993, "* OK"),
    ] {
        let from = if port == 465 {
            d.sender_pc
        } else {
            d.recipient_pc
        };
        let c = w.connect(from, host, port).unwrap();
        w.set_follows_tls(c, true);
        step(&mut w);
        let got = String::from_utf8_lossy(&w.take_received(c)).into_owned();
        assert!(got.starts_with(greeting), "{port}: {got:?}");
        assert!(
            w.endpoint_tls(c).is_some_and(EndpointTlsState::is_secured),
            "{port}"
        );
    }
}

#[test]
fn a_terminal_that_does_not_follow_sees_the_records_as_bytes() {
    let (mut w, d) = tls_world();
    let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
    step(&mut w);
    w.take_received(c);
    assert!(typed(&mut w, c, "STLS").starts_with("+OK"));
    assert!(w.endpoint_tls(c).is_none());
    // Plain text typed now is not a ClientHello: the server's TLS fails and closes.
    typed(&mut w, c, "USER boss");
    assert!(tls_records(&w, c).contains(&TlsRecord::Failed(crate::tls_layer::TlsError::NotTls)));
}

#[test]
fn a_certificate_that_does_not_verify_fails_the_terminal_cleanly() {
    let (mut w, d) = tls_world();
    w.add_fault("smtp.isp.example:587 tls => expired").unwrap();
    let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
    w.set_follows_tls(c, true);
    step(&mut w);
    typed(&mut w, c, "EHLO pc.home.example");
    typed(&mut w, c, "STARTTLS");
    step(&mut w);
    assert_eq!(
        w.endpoint_tls(c),
        Some(&EndpointTlsState::Failed(
            crate::tls_layer::TlsError::CertificateExpired
        ))
    );
    assert!(!w.endpoint(c).is_some_and(|e| e.is_open()));
}

#[test]
fn the_transcript_reads_the_conversation_inside_tls_with_the_secret_masked() {
    let (mut w, d) = tls_world();
    let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
    w.set_follows_tls(c, true);
    step(&mut w);
    for line in [
        "EHLO pc",
        "STARTTLS",
        "EHLO pc",
        "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo",
        "QUIT",
    ] {
        typed(&mut w, c, line);
    }
    let text = w.transcript_text(c, true);
    let tls = text.find("-- TLS: from here").expect("TLS noted");
    assert!(text[..tls].contains("C: STARTTLS"), "{text}");
    assert!(text[tls..].contains("C: EHLO pc"), "{text}");
    assert!(text[tls..].contains("C: AUTH PLAIN ********"), "{text}");
    assert!(text[tls..].contains("S: 235"), "{text}");
    assert!(text[tls..].contains("S: 221"), "{text}");
    // No ciphertext read as lines: every line is one the conversation had.
    assert!(!text.contains('\u{fffd}'), "{text}");
    assert!(!text.contains("AHNtaXRo"), "{text}");
}
