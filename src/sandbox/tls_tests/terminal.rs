//! A page terminal follows TLS (`World::follow_tls`): after STARTTLS it types through TLS, as
//! `openssl s_client -starttls smtp` would, and on 465 from the first byte; the wire carries
//! records only.

use super::tls_world;
use crate::net::{ConnId, Side, TraceKind};
use crate::sandbox::World;
use crate::time::Duration;
use crate::tls_layer::TlsVersion;

fn say(w: &mut World, conn: ConnId, line: &str) -> String {
    w.send(conn, format!("{line}\r\n").as_bytes());
    let later = w.now() + Duration::from_secs(2);
    w.run_until(later);
    String::from_utf8_lossy(&w.take_received(conn)).into_owned()
}

fn client_wire(w: &World, conn: ConnId) -> Vec<u8> {
    w.net
        .trace
        .of(conn)
        .filter(|e| e.from == Side::Client)
        .filter_map(|e| match &e.kind {
            TraceKind::Data(b) => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn a_terminal_types_through_tls_after_starttls() {
    let (mut w, d) = tls_world();
    let conn = w
        .connect(d.sender_pc, "smtp.isp.example", 25)
        .expect("connect");
    w.follow_tls(conn);
    assert!(say(&mut w, conn, "EHLO x").contains("250-STARTTLS"));
    let reply = say(&mut w, conn, "STARTTLS");
    assert!(reply.starts_with("220 2.0.0"), "{reply}");
    let state = w.endpoint_tls(conn).expect("TLS started");
    assert_eq!(state.version, Some(TlsVersion::Tls13));
    assert_eq!(state.certificate.map(|c| c.label), Some("smtp.isp.example"));
    let after = say(&mut w, conn, "EHLO again.example");
    assert!(after.contains("250-"), "decrypted for the person: {after}");
    let wire = client_wire(&w, conn);
    let text = String::from_utf8_lossy(&wire);
    let (_, encrypted) = text.split_once("STARTTLS\r\n").expect("STARTTLS in clear");
    assert!(
        !encrypted.contains("again.example"),
        "only records after STARTTLS"
    );
}

#[test]
fn a_terminal_on_465_speaks_tls_from_the_first_byte() {
    let (mut w, d) = tls_world();
    let conn = w
        .connect(d.sender_pc, "smtp.isp.example", 465)
        .expect("connect");
    w.follow_tls(conn);
    let later = w.now() + Duration::from_secs(2);
    w.run_until(later);
    let greeting = String::from_utf8_lossy(&w.take_received(conn)).into_owned();
    assert!(greeting.starts_with("220 "), "{greeting}");
    assert!(say(&mut w, conn, "EHLO x").contains("250"));
    assert_eq!(
        client_wire(&w, conn).first(),
        Some(&22),
        "a handshake record first"
    );
}

#[test]
fn a_bridge_endpoint_does_not_follow_tls() {
    let (mut w, d) = tls_world();
    let conn = w
        .connect(d.sender_pc, "smtp.isp.example", 25)
        .expect("connect");
    say(&mut w, conn, "EHLO x");
    assert!(say(&mut w, conn, "STARTTLS").starts_with("220"));
    assert_eq!(
        w.endpoint_tls(conn),
        None,
        "its real client does TLS itself"
    );
}
