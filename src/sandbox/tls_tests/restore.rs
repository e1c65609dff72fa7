//! A restored world keeps its TLS (issue 26): the policies set on hosts and relays come back
//! from a snapshot and from a share link, and the implicit-TLS listeners are there.

use super::tls_world;
use crate::relay::{OnUnverified, RelayTlsPolicy};
use crate::sandbox::{TlsMode, TlsPolicy};

fn changed_world() -> crate::sandbox::World {
    let (mut w, _) = tls_world();
    w.set_tls_policy("mx.corp.example", TlsPolicy::REQUIRED);
    w.set_tls_policy(
        "smtp.isp.example",
        TlsPolicy {
            implicit_ports: false,
            ..TlsPolicy::OFFERED
        },
    );
    w.set_relay_tls_policy(
        "smtp.isp.example",
        RelayTlsPolicy {
            on_unverified: OnUnverified::Defer,
            ..RelayTlsPolicy::default()
        },
    );
    w
}

fn assert_tls_kept(w: &crate::sandbox::World) {
    assert_eq!(w.tls_policy("mx.corp.example").mode, TlsMode::Required);
    assert!(!w.tls_policy("smtp.isp.example").implicit_ports);
    assert_eq!(
        w.relay_tls_policy("smtp.isp.example").on_unverified,
        OnUnverified::Defer
    );
    let corp = w.net.host_by_name("mx.corp.example").expect("corp");
    assert!(w.is_implicit_tls(corp, 993) && w.is_implicit_tls(corp, 995));
}

#[test]
fn a_snapshot_restores_the_hosts_tls_policies() {
    let json = changed_world().snapshot_json();
    let (mut fresh, _) = tls_world();
    fresh.restore_json(&json).expect("restores");
    assert_tls_kept(&fresh);
}

#[test]
fn a_share_link_restores_the_hosts_tls_policies() {
    let text = changed_world().share_json();
    let (mut fresh, _) = tls_world();
    fresh.restore_share_json(&text).expect("restores");
    assert_tls_kept(&fresh);
}

#[test]
fn restoring_adds_the_implicit_listeners_a_world_lacked() {
    use crate::sandbox::{HostRole, Service, World};
    let json = changed_world().snapshot_json();
    // A host added after the provider was installed has no implicit listener yet.
    let mut w = World::new(42, crate::time::WallClock::default());
    w.install_tls(Box::new(
        crate::tls::SandboxTls::seeded(42).expect("provider"),
    ));
    let corp = w.add_host(
        "mx.corp.example",
        "203.0.113.25",
        HostRole::MailServer,
        "corp",
    );
    w.add_service(corp, Service::Imap);
    assert!(!w.is_implicit_tls(corp, 993));
    w.restore_json(&json).expect("restores");
    assert!(w.is_implicit_tls(corp, 993));
    assert_eq!(w.tls_policy("mx.corp.example").mode, TlsMode::Required);
}
