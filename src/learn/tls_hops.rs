//! The TLS handshake as hops (issue 26): each typed step the server's TLS layer reported
//! ([`TlsRecord`]) as a label on the link and a sentence with its RFC 8446 section, so the
//! page draws ClientHello, ServerHello, the certificate and Finished one by one.

use super::hops::{HopPlace, HopText};
use crate::net::HostId;
use crate::proto::record::{TlsRecord, TlsStep};
use crate::sandbox::journey::Hop;
use crate::sandbox::WorldEvent;
use crate::tls_layer::{BrokenCertificate, ServerCertificate};

/// Whether the link between hosts `a` and `b` is drawn locked: the newest of `hops` (oldest
/// first) that says what that link carries is a finished handshake, an encrypted command or
/// a relay hop over TLS. A new connection starts in clear, so a `Connect` unlocks it.
pub fn is_link_locked<'a>(
    hops: impl DoubleEndedIterator<Item = &'a Hop>,
    a: HostId,
    b: HostId,
    name: impl Fn(HostId) -> String,
) -> bool {
    let on = |x: HostId, y: HostId| (x == a && y == b) || (x == b && y == a);
    for hop in hops.rev() {
        match hop {
            Hop::Connect { client, server, .. } if on(*client, *server) => return false,
            Hop::Command {
                client,
                server,
                encrypted,
                ..
            } if on(*client, *server) => return *encrypted,
            Hop::Tls {
                client,
                server,
                record,
                ..
            } if on(*client, *server) => match record {
                TlsRecord::Started { .. } => return true,
                TlsRecord::Failed(_) => return false,
                _ => {}
            },
            Hop::Event(WorldEvent::RelayTls { from, to, tls, .. }) => {
                let (na, nb) = (name(a), name(b));
                if (*from == na && *to == nb) || (*from == nb && *to == na) {
                    return tls.is_encrypted();
                }
            }
            _ => {}
        }
    }
    false
}

/// The label, sentence and place of a TLS record on the connection from `client` to
/// `server`: the ClientHello crosses toward the server, the server's answers back.
pub fn describe_tls(record: &TlsRecord, client: &str, server: &str) -> (HopText, HopPlace) {
    let toward_server = HopPlace::Link {
        from: client.to_string(),
        to: server.to_string(),
    };
    let toward_client = HopPlace::Link {
        from: server.to_string(),
        to: client.to_string(),
    };
    let hop = |label: String, detail: String, rfc: &'static str, place: HopPlace| {
        (
            HopText {
                label,
                label2: None,
                detail,
                rfc,
                is_trouble: false,
                is_encrypted: false,
            },
            place,
        )
    };
    match record {
        TlsRecord::Handshaking => hop(
            "TLS handshake".into(),
            format!(
                "{server} starts TLS: from here the bytes on the link are TLS records, the first ones in clear (the hellos), then encrypted."
            ),
            "RFC 8446 §2",
            toward_client,
        ),
        TlsRecord::Step(TlsStep::ClientHello { server_name }) => hop(
            "ClientHello".into(),
            format!(
                "{client} offers TLS versions, cipher suites and a key share{}. Still readable on the wire.",
                server_name
                    .as_deref()
                    .map(|n| format!(", and names the host it wants: {n}"))
                    .unwrap_or_default()
            ),
            "RFC 8446 §4.1.2",
            toward_server,
        ),
        TlsRecord::Step(TlsStep::ServerHello { version, suite }) => hop(
            format!("ServerHello {}", version.label()),
            format!(
                "{server} picks {} with {} and sends its key share: both sides now derive the keys, and everything after this is encrypted.",
                version.label(),
                suite.name()
            ),
            "RFC 8446 §4.1.3",
            toward_client,
        ),
        TlsRecord::Step(TlsStep::Certificate(presented)) => hop(
            "certificate".into(),
            match presented {
                ServerCertificate::Own => format!(
                    "{server} proves who it is with its certificate, signed by the sandbox CA; the client checks the name and the signature."
                ),
                ServerCertificate::Broken(broken) => format!(
                    "{server} shows a certificate that is {}: a verifying client stops here.",
                    match broken {
                        BrokenCertificate::Expired => "expired",
                        BrokenCertificate::WrongName => "for another name",
                        BrokenCertificate::UnknownCa => "signed by an unknown CA",
                    }
                ),
            },
            "RFC 8446 §4.4.2",
            toward_client,
        ),
        TlsRecord::Started { version, suite } => (
            HopText {
                is_encrypted: true,
                ..hop(
                    "🔒 Finished".into(),
                    format!(
                        "Both Finished messages checked: {} with {}. The conversation goes on inside TLS; an eavesdropper on this link sees only ciphertext, but {server} reads everything in clear.",
                        version.label(),
                        suite.name()
                    ),
                    "RFC 8446 §4.4.4",
                    toward_client.clone(),
                )
                .0
            },
            toward_client,
        ),
        TlsRecord::Failed(error) => (
            HopText {
                is_trouble: true,
                ..hop(
                    "✖ TLS failed".into(),
                    format!("TLS between {client} and {server} failed: {error}. The connection closes."),
                    "RFC 8446 §6.2",
                    toward_client.clone(),
                )
                .0
            },
            toward_client,
        ),
        TlsRecord::Discarded { bytes } => hop(
            format!("{bytes} bytes dropped"),
            format!(
                "{server} dropped {bytes} bytes {client} sent after STARTTLS and before the handshake, unread: they could have been injected by anyone on the link."
            ),
            "RFC 3207 §4.2",
            toward_server,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls_layer::{TlsError, TlsSuite, TlsVersion};

    #[test]
    fn the_hellos_cross_the_link_each_way_with_their_sections() {
        let (t, place) = describe_tls(
            &TlsRecord::Step(TlsStep::ClientHello {
                server_name: Some("smtp.isp.example".into()),
            }),
            "pc.home.example",
            "smtp.isp.example",
        );
        assert_eq!(t.label, "ClientHello");
        assert_eq!(t.rfc, "RFC 8446 §4.1.2");
        assert!(t.detail.contains("smtp.isp.example"), "{}", t.detail);
        assert_eq!(
            place,
            HopPlace::Link {
                from: "pc.home.example".into(),
                to: "smtp.isp.example".into()
            }
        );
        let (t, place) = describe_tls(
            &TlsRecord::Step(TlsStep::ServerHello {
                version: TlsVersion::Tls13,
                suite: TlsSuite::Aes128GcmSha256,
            }),
            "pc.home.example",
            "smtp.isp.example",
        );
        assert_eq!(t.label, "ServerHello TLS 1.3");
        assert_eq!(t.rfc, "RFC 8446 §4.1.3");
        assert!(matches!(place, HopPlace::Link { from, .. } if from == "smtp.isp.example"));
    }

    #[test]
    fn a_link_is_locked_from_the_finished_handshake_until_a_new_connection() {
        let (pc, isp) = (HostId(0), HostId(1));
        let names = |h: HostId| format!("h{}", h.0);
        let connect = Hop::Connect {
            client: pc,
            server: isp,
            port: 587,
        };
        let command = |verb: &str, encrypted| Hop::Command {
            client: pc,
            server: isp,
            port: 587,
            protocol: crate::proto::record::Protocol::Smtp,
            verb: crate::proto::verb::Verb::read(crate::proto::record::Protocol::Smtp, &[verb]),
            encrypted,
        };
        let started = Hop::Tls {
            client: pc,
            server: isp,
            port: 587,
            record: TlsRecord::Started {
                version: TlsVersion::Tls13,
                suite: TlsSuite::Aes128GcmSha256,
            },
        };
        let locked = |hops: &[Hop]| is_link_locked(hops.iter(), isp, pc, names);
        assert!(!locked(&[connect.clone(), command("EHLO", false)]));
        assert!(locked(&[connect.clone(), started.clone()]));
        assert!(locked(&[started.clone(), command("AUTH", true)]));
        assert!(!locked(&[started.clone(), connect.clone()]));
        // Another link's hops say nothing of this one.
        let other = Hop::Connect {
            client: HostId(2),
            server: isp,
            port: 25,
        };
        assert!(locked(&[started, other]));
    }

    /// The TLS tour, drawn: the handshake's four steps on the submission link in order, the
    /// AUTH after it locked, the relay hop over STARTTLS, and the links locked or not.
    #[cfg(feature = "tls")]
    #[test]
    fn the_tls_tour_draws_the_handshake_and_locks_the_encrypted_links() {
        use crate::learn::scenario::{builtin, Run};
        use crate::sandbox::journey::Journey;
        let tour = builtin()
            .into_iter()
            .find(|s| s.id == "what-tls-hides")
            .expect("the TLS tour");
        let mut run = Run::new(tour);
        let mut w = run.start_world();
        let mut journey = Journey::new(&w);
        let mut hops = Vec::new();
        let mut locked_after_auth = None;
        while !run.is_finished() {
            assert!(run.next_step(&mut w).is_empty());
            let events: Vec<_> = std::iter::from_fn(|| w.poll_event_stamped()).collect();
            hops.extend(journey.poll(&w, &events));
            let (pc, isp) = (
                w.net.host_by_name("pc.home.example").unwrap(),
                w.net.host_by_name("smtp.isp.example").unwrap(),
            );
            if locked_after_auth.is_none()
                && hops
                    .iter()
                    .any(|h| matches!(h, Hop::Command { verb, .. } if verb.to_string() == "AUTH"))
            {
                let name = |h: HostId| w.net.host_name(h).to_string();
                locked_after_auth = Some(is_link_locked(hops.iter(), pc, isp, name));
            }
        }
        assert_eq!(locked_after_auth, Some(true));
        let name = |h: HostId| w.net.host_name(h).to_string();
        let labels: Vec<String> = hops
            .iter()
            .map(|h| super::super::hops::describe(h, name).0.label)
            .collect();
        let at = |l: &str| labels.iter().position(|x| x == l);
        let order = [
            at("STARTTLS"),
            at("ClientHello"),
            at("ServerHello TLS 1.3"),
            at("certificate"),
            at("🔒 Finished"),
            at("🔒 AUTH"),
        ];
        assert!(order.iter().all(Option::is_some), "{labels:?}");
        assert!(order.windows(2).all(|p| p[0] < p[1]), "{labels:?}");
        assert!(
            labels.iter().any(|l| l == "🔒 STARTTLS"),
            "the relay hop: {labels:?}"
        );
        // Boss's POP3 on 110 ran in clear after it: that link is drawn open.
        let (mx, boss_pc) = (
            w.net.host_by_name("mx.corp.example").unwrap(),
            w.net.host_by_name("pc.corp.example").unwrap(),
        );
        assert!(labels.iter().any(|l| l == "PASS"), "{labels:?}");
        let before_995 = hops
            .iter()
            .rposition(|h| matches!(h, Hop::Connect { port: 995, .. }))
            .unwrap();
        assert!(!is_link_locked(
            hops[..before_995].iter(),
            mx,
            boss_pc,
            name
        ));
        assert!(is_link_locked(hops.iter(), mx, boss_pc, name));
    }

    #[test]
    fn finished_is_locked_and_a_failure_is_trouble() {
        let (t, _) = describe_tls(
            &TlsRecord::Started {
                version: TlsVersion::Tls13,
                suite: TlsSuite::Aes128GcmSha256,
            },
            "a",
            "b",
        );
        assert!(t.is_encrypted && !t.is_trouble);
        assert_eq!(t.rfc, "RFC 8446 §4.4.4");
        let (t, _) = describe_tls(&TlsRecord::Failed(TlsError::CertificateExpired), "a", "b");
        assert!(t.is_trouble && !t.is_encrypted);
        assert!(t.detail.contains("expired"), "{}", t.detail);
    }
}
