//! Per-host TLS policies (`TlsPolicy`): required, AUTH only over TLS, implicit-TLS ports; and
//! a world without a provider, which behaves as before issue 26.

use super::super::{TlsMode, TlsPolicy};
use super::*;

fn world_with(host: &str, policy: TlsPolicy) -> (World, DefaultWorld) {
    let (mut w, d) = tls_world();
    w.set_tls_policy(host, policy);
    (w, d)
}

fn said(t: &mut Terminal, w: &mut World, line: &str) -> String {
    let before = t.got.len();
    t.send(w, format!("{line}\r\n").as_bytes());
    String::from_utf8_lossy(&t.got[before..]).into_owned()
}

#[test]
fn smtp_required_refuses_mail_and_auth_until_starttls_and_hides_auth() {
    let (mut w, d) = world_with("smtp.isp.example", TlsPolicy::REQUIRED);
    let mut t = Terminal::open(&mut w, &d, "smtp.isp.example", 587, usize::MAX);
    let ehlo = said(&mut t, &mut w, "EHLO pc");
    assert!(ehlo.contains("250-STARTTLS\r\n"), "{ehlo}");
    assert!(!ehlo.contains("AUTH"), "no AUTH before TLS: {ehlo}");
    for line in [
        "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo",
        "MAIL FROM:<smith@isp.example>",
    ] {
        assert_eq!(
            said(&mut t, &mut w, line),
            "530 5.7.0 Must issue a STARTTLS command first\r\n"
        );
    }
    assert_eq!(said(&mut t, &mut w, "NOOP"), "250 2.0.0 Ok\r\n");
    said(&mut t, &mut w, "STARTTLS");
    t.start_tls(&mut w, "smtp.isp.example");
    let ehlo = said(&mut t, &mut w, "EHLO pc");
    assert!(ehlo.contains("250-AUTH PLAIN LOGIN\r\n"), "{ehlo}");
    let auth = said(
        &mut t,
        &mut w,
        "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo",
    );
    assert!(auth.starts_with("235"), "{auth}");
}

#[test]
fn auth_only_over_tls_refuses_plaintext_logins_in_each_protocol() {
    let policy = TlsPolicy {
        mode: TlsMode::Offered,
        auth_only_over_tls: true,
        implicit_ports: false,
    };
    let (mut w, d) = world_with("mx.corp.example", policy);
    let mut smtp = Terminal::open(&mut w, &d, "mx.corp.example", 25, usize::MAX);
    said(&mut smtp, &mut w, "EHLO pc");
    assert_eq!(
        said(&mut smtp, &mut w, "AUTH LOGIN"),
        "530 5.7.0 Must issue a STARTTLS command first\r\n"
    );
    // Offered, not required: plain mail to a local user still works.
    assert!(said(&mut smtp, &mut w, "MAIL FROM:<a@home.example>").starts_with("250"));

    let mut pop = Terminal::open(&mut w, &d, "mx.corp.example", 110, usize::MAX);
    let capa = said(&mut pop, &mut w, "CAPA");
    assert!(
        capa.contains("STLS\r\n") && !capa.contains("USER\r\n"),
        "{capa}"
    );
    assert!(
        said(&mut pop, &mut w, "USER alice@corp.example").starts_with("-ERR [AUTH]"),
        "refused before STLS"
    );
    said(&mut pop, &mut w, "STLS");
    pop.start_tls(&mut w, "mx.corp.example");
    assert!(said(&mut pop, &mut w, "USER alice@corp.example").starts_with("+OK"));

    let mut imap = Terminal::open(&mut w, &d, "mx.corp.example", 143, usize::MAX);
    let greeting = String::from_utf8_lossy(&imap.got).into_owned();
    assert!(greeting.contains(" LOGINDISABLED STARTTLS]"), "{greeting}");
    assert!(!greeting.contains("AUTH=PLAIN"), "{greeting}");
    assert_eq!(
        said(&mut imap, &mut w, "a1 LOGIN alice@corp.example alice"),
        "a1 NO [PRIVACYREQUIRED] Logins are disabled here until STARTTLS\r\n"
    );
    said(&mut imap, &mut w, "a2 STARTTLS");
    imap.start_tls(&mut w, "mx.corp.example");
    let caps = said(&mut imap, &mut w, "a3 CAPABILITY");
    assert!(
        caps.contains("AUTH=PLAIN") && !caps.contains("LOGINDISABLED"),
        "{caps}"
    );
    assert!(said(&mut imap, &mut w, "a4 LOGIN alice@corp.example alice").starts_with("a4 OK"));
}

#[test]
fn tls_off_answers_as_before_and_a_world_without_a_provider_offers_nothing() {
    let (mut w, d) = world_with("mx.corp.example", TlsPolicy::OFF);
    let mut t = Terminal::open(&mut w, &d, "mx.corp.example", 25, usize::MAX);
    assert!(!said(&mut t, &mut w, "EHLO pc").contains("STARTTLS"));
    assert_eq!(
        said(&mut t, &mut w, "STARTTLS"),
        "502 5.5.1 STARTTLS not available: TLS is off on this host (see HELP)\r\n"
    );
    let (mut w, d) = default_world(42);
    assert_eq!(w.tls_policy("mx.corp.example"), TlsPolicy::OFF);
    let mut t = Terminal::open(&mut w, &d, "mx.corp.example", 110, usize::MAX);
    assert!(!said(&mut t, &mut w, "CAPA").contains("STLS"));
    assert!(said(&mut t, &mut w, "STLS").starts_with("-ERR STLS not available"));
}

#[test]
fn implicit_ports_exist_only_with_a_provider_and_follow_the_policy() {
    let (w, d) = default_world(42);
    assert_eq!(w.service_on(d.corp, 993), None, "no provider, no 993");
    let (mut w, d) = tls_world();
    for (port, service) in [
        (465, super::super::Service::Submission),
        (993, super::super::Service::Imap),
        (995, super::super::Service::Pop3),
    ] {
        assert_eq!(w.service_on(d.isp, port), Some(service));
        assert!(w.is_implicit_tls(d.isp, port));
    }
    assert!(!w.is_implicit_tls(d.isp, 587));
    let policy = TlsPolicy {
        implicit_ports: false,
        ..TlsPolicy::OFFERED
    };
    w.set_tls_policy("mx.corp.example", policy);
    let mut t = Terminal::open(&mut w, &d, "mx.corp.example", 993, usize::MAX);
    t.start_tls(&mut w, "mx.corp.example");
    assert!(!t.is_secured(), "refused: {:?}", t.events);
    assert_ne!(
        w.endpoint(t.conn).map(|e| e.state),
        Some(super::super::EndpointState::Open)
    );
}

#[test]
fn garbage_on_an_implicit_port_closes_with_a_typed_failure() {
    let (mut w, d) = tls_world();
    let mut t = Terminal::open(&mut w, &d, "mx.corp.example", 993, usize::MAX);
    t.send(&mut w, b"a1 LOGIN alice@corp.example alice\r\n");
    // One TLS alert record (content type 21, RFC 8446 §5.1) and nothing else: no greeting.
    assert_eq!(t.got.first(), Some(&21), "{:?}", t.got);
    assert_eq!(t.got.len(), 7, "{:?}", t.got);
    let records = tls_records(&w, t.conn);
    assert!(
        records.contains(&TlsRecord::Failed(crate::tls_layer::TlsError::NotTls)),
        "{records:?}"
    );
    assert!(verbs(&w, t.conn).is_empty());
}
