//! The relay's opportunistic STARTTLS between MTAs (RFC 7435) and the "require verified TLS"
//! policy (the effect of MTA-STS, RFC 8461 §5), over the whole world with the sandbox's TLS
//! installed: the policy matrix, with what the event log says and what the wire shows.
#![cfg(feature = "tls")]

mod common;

use common::{messages, submit, wait};
use mail_sandbox::net::{Side, TraceKind};
use mail_sandbox::relay::{HopTls, OnUnverified, RelayTlsPolicy};
use mail_sandbox::sandbox::{default_world, DefaultWorld, TlsPolicy, World, WorldEvent};
use mail_sandbox::tls::SandboxTls;
use mail_sandbox::tls_layer::{Alert, TlsError, TlsVersion};

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

/// Everything the ISP sent to the corp's MX on port 25, as the wire carried it (what an
/// eavesdropper on that link reads).
fn relay_wire(w: &World) -> Vec<u8> {
    let (isp, corp) = (
        w.net.host_by_name(ISP).expect("isp"),
        w.net.host_by_name(CORP).expect("corp"),
    );
    w.net
        .trace
        .entries()
        .filter(|e| e.client == isp && e.server == corp && e.port == 25)
        .filter(|e| e.from == Side::Client)
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
fn a_verified_hop_carries_ciphertext_and_each_host_holds_the_message_in_clear() {
    let (mut w, d) = tls_world();
    send(&mut w, &d, "Quarterly numbers");
    assert_eq!(
        relay_tls(&mut w),
        vec![HopTls::Verified {
            version: TlsVersion::Tls13
        }]
    );
    assert!(
        delivered(&w, "Quarterly numbers"),
        "the next hop decrypted it"
    );
    let wire = relay_wire(&w);
    assert!(contains(&wire, "STARTTLS\r\n"), "the upgrade is in clear");
    assert!(
        !contains(&wire, "Quarterly numbers") && !contains(&wire, "MAIL FROM"),
        "an eavesdropper on the hop sees neither envelope nor message"
    );
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
    // The MX starts offering TLS: the retry delivers it, verified.
    w.set_tls_policy(CORP, TlsPolicy::OFFERED);
    wait(&mut w, 3_600_000);
    assert!(delivered(&w, "Wait for TLS"));
    assert_eq!(
        relay_tls(&mut w),
        vec![HopTls::Verified {
            version: TlsVersion::Tls13
        }]
    );
    assert!(w.queue.is_empty());
}

#[test]
fn a_policy_that_turns_opportunistic_tls_off_never_says_starttls() {
    let (mut w, d) = tls_world();
    w.set_relay_tls_policy(
        ISP,
        RelayTlsPolicy {
            opportunistic: false,
            ..RelayTlsPolicy::default()
        },
    );
    send(&mut w, &d, "Clear by choice");
    assert_eq!(relay_tls(&mut w), vec![HopTls::Clear { offered: true }]);
    assert!(!contains(&relay_wire(&w), "STARTTLS"));
    assert!(delivered(&w, "Clear by choice"));
}

/// The certificate faults and what a verifying client calls each.
const CERTIFICATE_FAULTS: [(&str, TlsError); 3] = [
    ("expired", TlsError::CertificateExpired),
    ("wrong name", TlsError::CertificateWrongName),
    ("unknown CA", TlsError::UnknownCa),
];

fn fault(w: &mut World, what: &str) {
    w.add_fault(&format!("{CORP}:25 tls => {what}"))
        .expect("the rule fits");
}

#[test]
fn a_bad_certificate_is_encrypted_anyway_under_the_default_policy_and_logged() {
    for (what, error) in CERTIFICATE_FAULTS {
        let (mut w, d) = tls_world();
        fault(&mut w, what);
        send(&mut w, &d, "Unverified but private");
        assert_eq!(
            relay_tls(&mut w),
            vec![HopTls::Unverified {
                version: TlsVersion::Tls13,
                error
            }],
            "{what}"
        );
        assert!(delivered(&w, "Unverified but private"), "{what}");
        assert!(
            !contains(&relay_wire(&w), "Unverified but private"),
            "{what}"
        );
    }
}

#[test]
fn a_bad_certificate_defers_when_the_destination_requires_verified_tls() {
    for (what, error) in CERTIFICATE_FAULTS {
        let (mut w, d) = tls_world();
        fault(&mut w, what);
        w.require_verified_tls(ISP, "corp.example");
        send(&mut w, &d, "Verified or nothing");
        assert_eq!(
            relay_tls(&mut w),
            vec![HopTls::Deferred { error: Some(error) }],
            "{what}"
        );
        assert!(!delivered(&w, "Verified or nothing"), "{what}");
        assert!(!contains(&relay_wire(&w), "MAIL FROM"), "{what}");
        let entry = w.queue.entries().next().expect("still queued");
        assert!(
            entry
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("requires verified TLS")),
            "{what}: {:?}",
            entry.last_error
        );
        // The fault goes away: the retry delivers it.
        w.clear_faults();
        wait(&mut w, 3_600_000);
        assert!(delivered(&w, "Verified or nothing"), "{what}");
        assert!(w.queue.is_empty(), "{what}");
    }
}

#[test]
fn a_bad_certificate_under_relay_in_clear_falls_back_to_a_clear_connection() {
    let (mut w, d) = tls_world();
    fault(&mut w, "expired");
    w.set_relay_tls_policy(
        ISP,
        RelayTlsPolicy {
            on_unverified: OnUnverified::RelayInClear,
            ..RelayTlsPolicy::default()
        },
    );
    send(&mut w, &d, "Clear after all");
    assert_eq!(
        relay_tls(&mut w),
        vec![
            HopTls::FellBackToClear {
                error: TlsError::CertificateExpired
            },
            HopTls::Clear { offered: true },
        ]
    );
    assert!(delivered(&w, "Clear after all"));
    assert!(contains(&relay_wire(&w), "Clear after all"));
}

#[test]
fn a_bad_certificate_under_a_refusing_policy_defers() {
    let (mut w, d) = tls_world();
    fault(&mut w, "unknown CA");
    w.set_relay_tls_policy(
        ISP,
        RelayTlsPolicy {
            on_unverified: OnUnverified::Defer,
            ..RelayTlsPolicy::default()
        },
    );
    send(&mut w, &d, "Not to strangers");
    assert_eq!(
        relay_tls(&mut w),
        vec![HopTls::Deferred {
            error: Some(TlsError::UnknownCa)
        }]
    );
    assert!(!delivered(&w, "Not to strangers"));
    assert_eq!(w.queue.len(), 1);
}

#[test]
fn a_failed_handshake_falls_back_to_clear_or_defers_when_required() {
    let alert = TlsError::PeerAlert(Alert::HANDSHAKE_FAILURE);
    let (mut w, d) = tls_world();
    fault(&mut w, "handshake failure");
    send(&mut w, &d, "Handshake trouble");
    assert_eq!(
        relay_tls(&mut w),
        vec![
            HopTls::FellBackToClear { error: alert },
            HopTls::Clear { offered: true },
        ]
    );
    assert!(delivered(&w, "Handshake trouble"));

    let (mut w, d) = tls_world();
    fault(&mut w, "handshake failure");
    w.require_verified_tls(ISP, "corp.example");
    send(&mut w, &d, "Handshake trouble");
    assert_eq!(
        relay_tls(&mut w),
        vec![HopTls::Deferred { error: Some(alert) }]
    );
    assert!(!delivered(&w, "Handshake trouble"));
}

#[test]
fn the_not_offered_rule_relays_in_clear_or_defers_when_required() {
    let (mut w, d) = tls_world();
    fault(&mut w, "not offered");
    send(&mut w, &d, "Nothing offered");
    assert_eq!(relay_tls(&mut w), vec![HopTls::Clear { offered: false }]);
    assert!(delivered(&w, "Nothing offered"));

    let (mut w, d) = tls_world();
    fault(&mut w, "not offered");
    w.require_verified_tls(ISP, "corp.example");
    send(&mut w, &d, "Nothing offered");
    assert_eq!(relay_tls(&mut w), vec![HopTls::Deferred { error: None }]);
    assert!(!delivered(&w, "Nothing offered"));
}
