//! The relay's opportunistic STARTTLS between MTAs (RFC 7435) and the "require verified TLS"
//! policy (the effect of MTA-STS, RFC 8461 §5), over the whole world with the sandbox's TLS
//! installed: the policy matrix, with what the event log says and what the wire shows.
#![cfg(feature = "tls")]

mod common;

use common::{messages, submit, wait};
use mail_sandbox::net::TraceKind;
use mail_sandbox::relay::HopTls;
use mail_sandbox::sandbox::{default_world, DefaultWorld, TlsPolicy, World, WorldEvent};
use mail_sandbox::tls::SandboxTls;

const ISP: &str = "smtp.isp.example";
const CORP: &str = "mx.corp.example";

fn tls_world() -> (World, DefaultWorld) {
    let (mut w, d) = default_world(42);
    w.install_tls(Box::new(SandboxTls::seeded(42).expect("provider")));
    (w, d)
}

/// The relay's TLS events so far, and whether the message reached boss's INBOX.
fn relay_tls(w: &mut World) -> Vec<HopTls> {
    std::iter::from_fn(|| w.poll_event())
        .filter_map(|e| match e {
            WorldEvent::RelayTls { from, to, tls, .. } => {
                assert_eq!((from.as_str(), to.as_str()), (ISP, CORP));
                Some(tls)
            }
            _ => None,
        })
        .collect()
}

fn delivered(w: &World, subject: &str) -> bool {
    messages(w, "boss@corp.example", "INBOX")
        .iter()
        .any(|m| m.contains(&format!("Subject: {subject}")))
}

/// Everything the ISP sent to the corp's MX on port 25, as the wire carried it.
fn relay_wire(w: &World) -> Vec<u8> {
    let (isp, corp) = (
        w.net.host_by_name(ISP).expect("isp"),
        w.net.host_by_name(CORP).expect("corp"),
    );
    w.net
        .trace
        .entries()
        .filter(|e| e.client == isp && e.server == corp && e.port == 25)
        .filter_map(|e| match &e.kind {
            TraceKind::Data(bytes) => Some(bytes.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn send(w: &mut World, d: &DefaultWorld, subject: &str) {
    let done = submit(w, d, &["boss@corp.example"], subject);
    assert!(done.starts_with("250"), "{done}");
    wait(w, 5_000);
}

#[test]
fn without_a_provider_the_relay_is_as_before() {
    let (mut w, d) = default_world(42);
    send(&mut w, &d, "Plain as ever");
    assert_eq!(relay_tls(&mut w), vec![]);
    assert!(delivered(&w, "Plain as ever"));
    assert!(contains(&relay_wire(&w), "Plain as ever"));
}

#[test]
fn tls_not_offered_relays_in_clear_under_the_opportunistic_policy() {
    let (mut w, d) = tls_world();
    w.set_tls_policy(CORP, TlsPolicy::OFF);
    send(&mut w, &d, "No TLS here");
    assert_eq!(relay_tls(&mut w), vec![HopTls::Clear { offered: false }]);
    assert!(delivered(&w, "No TLS here"));
    assert!(contains(&relay_wire(&w), "No TLS here"));
}

#[test]
fn tls_not_offered_defers_when_the_destination_requires_verified_tls_and_nothing_is_lost() {
    let (mut w, d) = tls_world();
    w.set_tls_policy(CORP, TlsPolicy::OFF);
    w.require_verified_tls(ISP, "corp.example");
    send(&mut w, &d, "Wait for TLS");
    assert_eq!(relay_tls(&mut w), vec![HopTls::Deferred { error: None }]);
    assert!(!delivered(&w, "Wait for TLS"));
    let wire = relay_wire(&w);
    assert!(!contains(&wire, "Wait for TLS") && !contains(&wire, "MAIL FROM"));
    // The ISP's host holds the message in clear while it waits.
    let queued: Vec<_> = w.queue.entries().collect();
    assert_eq!(queued.len(), 1);
    assert!(contains(&queued[0].data, "Subject: Wait for TLS"));
}
