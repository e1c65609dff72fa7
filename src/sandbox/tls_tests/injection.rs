//! Bytes pipelined after the upgrade command, before the handshake, are dropped unread: the
//! command-injection class of bugs (CVE-2011-0411; RFC 3207 §4.2, RFC 2595 §4, RFC 3501
//! §6.2.1). Each test sends the upgrade and a second command in one write; the second must
//! never be executed, inside TLS or out. The gate is the one place that drops those bytes:
//! the world hands it what it held back under flow control before TLS begins.

use super::*;

/// Sends `write` in one piece (after `before`), runs the handshake and `after` inside TLS;
/// returns the terminal and the world.
fn inject(host: &str, port: u16, before: &[&str], write: &[u8], after: &[u8]) -> (Terminal, World) {
    let (mut w, d) = tls_world();
    let mut t = Terminal::open(&mut w, &d, host, port, usize::MAX);
    for line in before {
        t.send(&mut w, format!("{line}\r\n").as_bytes());
    }
    t.send(&mut w, write);
    t.start_tls(&mut w, host);
    assert!(t.is_secured(), "{:?}", t.events);
    t.send(&mut w, after);
    (t, w)
}

#[test]
fn smtp_a_command_pipelined_after_starttls_is_never_executed() {
    let (t, w) = inject(
        "mx.corp.example",
        25,
        &["EHLO pc.home.example"],
        b"STARTTLS\r\nMAIL FROM:<evil@home.example>\r\nRCPT TO:<boss@corp.example>\r\n",
        b"EHLO pc.home.example\r\nRCPT TO:<boss@corp.example>\r\n",
    );
    let got = String::from_utf8_lossy(&t.got);
    assert!(got.contains("220 2.0.0 Ready to start TLS\r\n"), "{got}");
    let after_upgrade = got.split("Ready to start TLS\r\n").nth(1).unwrap_or("");
    // Inside TLS there is no transaction: the injected MAIL never ran.
    assert!(
        after_upgrade.ends_with("503 5.5.1 Error: need MAIL command\r\n"),
        "{after_upgrade}"
    );
    assert!(!got.contains("2.1.0"), "MAIL answered: {got}");
    let verbs = verbs(&w, t.conn);
    assert_eq!(verbs, ["EHLO", "STARTTLS", "EHLO", "RCPT"], "{verbs:?}");
    let discarded: u64 = tls_records(&w, t.conn)
        .iter()
        .map(|r| match r {
            TlsRecord::Discarded { bytes } => *bytes,
            _ => 0,
        })
        .sum();
    assert_eq!(discarded, 60, "the injected bytes, counted");
}

#[test]
fn garbage_instead_of_a_client_hello_closes_the_connection_cleanly() {
    let (mut w, d) = tls_world();
    let mut t = Terminal::open(&mut w, &d, "mx.corp.example", 25, usize::MAX);
    t.send(&mut w, b"EHLO pc.home.example\r\nSTARTTLS\r\n");
    // The client never starts TLS: it types a command where the ClientHello belongs.
    t.send(&mut w, b"MAIL FROM:<a@home.example>\r\n");
    let got = String::from_utf8_lossy(&t.got).into_owned();
    let after = got.split("Ready to start TLS\r\n").nth(1).expect("upgrade");
    assert!(!after.contains("250"), "no reply in clear: {after:?}");
    let endpoint = w.endpoint(t.conn).expect("endpoint");
    assert_ne!(endpoint.state, super::super::EndpointState::Open, "closed");
    let records = tls_records(&w, t.conn);
    assert!(
        records.contains(&TlsRecord::Failed(crate::tls_layer::TlsError::NotTls)),
        "{records:?}"
    );
    assert!(!verbs(&w, t.conn).contains(&"MAIL".to_string()));
}

#[test]
fn pop3_a_command_pipelined_after_stls_is_never_executed() {
    let (t, w) = inject(
        "mx.corp.example",
        110,
        &[],
        b"STLS\r\nUSER alice@corp.example\r\nPASS alice\r\n",
        b"STAT\r\n",
    );
    let got = String::from_utf8_lossy(&t.got);
    let after = got
        .split("Begin TLS negotiation\r\n")
        .nth(1)
        .expect("upgrade");
    // Not logged in inside TLS: the injected USER/PASS never ran.
    assert!(
        after.starts_with("-ERR STAT is only valid after login"),
        "{after}"
    );
    assert_eq!(verbs(&w, t.conn), ["STLS", "STAT"]);
}

#[test]
fn imap_a_command_pipelined_after_starttls_is_never_executed() {
    let (t, w) = inject(
        "mx.corp.example",
        143,
        &[],
        b"a1 STARTTLS\r\na2 LOGIN alice@corp.example alice\r\n",
        b"a3 SELECT INBOX\r\n",
    );
    let got = String::from_utf8_lossy(&t.got);
    let after = got
        .split("a1 OK Begin TLS negotiation now\r\n")
        .nth(1)
        .expect("upgrade");
    assert!(!got.contains("a2 "), "LOGIN answered: {got}");
    assert!(
        after.starts_with("a3 BAD"),
        "not logged in inside TLS: {after}"
    );
    assert_eq!(verbs(&w, t.conn), ["STARTTLS", "SELECT"]);
}

/// The gate alone drops what came after the upgrade command, however the write was split on
/// its way in, until the TLS layer is in place (`handle_tls_started`): the session never reads
/// it and the recorder writes no command for it. Then input is read again.
#[test]
fn the_gate_drops_pipelined_bytes_in_any_split_until_tls_starts() {
    use crate::fault::FaultBook;
    use crate::proto::smtp::PeerInfo;
    use crate::proto::starttls::TlsOffer;
    use crate::relay::RelayQueue;
    use crate::sandbox::gate::GatedSession;
    use crate::sandbox::server::{Env, Note};
    use crate::sandbox::Service;
    use crate::session::Output;
    use crate::store::Store;
    use crate::time::Instant;

    /// The service and its port, what the client said before, the write with the upgrade
    /// command and what it says inside TLS.
    type Case = (Service, u16, &'static [u8], &'static [u8], &'static [u8]);
    let cases: [Case; 3] = [
        (
            Service::Smtp,
            25,
            b"EHLO pc.home.example\r\n",
            b"STARTTLS\r\nMAIL FROM:<evil@home.example>\r\nRCPT TO:<boss@corp.example>\r\n",
            b"EHLO pc.home.example\r\n",
        ),
        (
            Service::Pop3,
            110,
            b"",
            b"STLS\r\nUSER alice@corp.example\r\nPASS alice\r\n",
            b"CAPA\r\n",
        ),
        (
            Service::Imap,
            143,
            b"",
            b"a1 STARTTLS\r\na2 LOGIN alice@corp.example alice\r\n",
            b"a3 CAPABILITY\r\n",
        ),
    ];
    for (service, port, before, write, inside) in cases {
        let upgrade = write.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        for chunk in 1..=write.len() {
            let (mut store, mut queue, mut faults) =
                (Store::new(), RelayQueue::new(), FaultBook::default());
            let mut env = Env {
                host: "mx.corp.example",
                store: &mut store,
                clock: crate::time::WallClock::default(),
                queue: &mut queue,
                peer: PeerInfo {
                    addr: "10.0.0.7".into(),
                    name: None,
                },
                port,
                strict: false,
                faults: &mut faults,
                input_waiting: false,
                tls: TlsOffer {
                    offered: true,
                    ..TlsOffer::OFF
                },
            };
            let now = Instant::ZERO;
            let mut gate = GatedSession::start(service, &mut env, now, 1);
            let mut outs = Vec::new();
            gate.handle_input(&mut env, now, before);
            outs.extend(std::iter::from_fn(|| gate.poll_output()));
            for piece in write.chunks(chunk) {
                gate.handle_input(&mut env, now, piece);
                outs.extend(std::iter::from_fn(|| gate.poll_output()));
            }
            let before_tls = outs.len();
            gate.handle_tls_started();
            gate.handle_input(&mut env, now, inside);
            outs.extend(std::iter::from_fn(|| gate.poll_output()));
            let (mut sent, mut verbs, mut discarded) = (Vec::new(), Vec::new(), 0);
            let mut upgraded = 0;
            for (i, o) in outs.into_iter().enumerate() {
                if i == before_tls {
                    upgraded = verbs.len();
                }
                match o {
                    Output::Transmit(bytes) if i < before_tls => sent.extend_from_slice(&bytes),
                    Output::Event(Note::Record(Record::Command(c))) => {
                        verbs.push(c.verb.to_string())
                    }
                    Output::Event(Note::Record(Record::Tls(TlsRecord::Discarded { bytes }))) => {
                        discarded += bytes
                    }
                    _ => {}
                }
            }
            let injected = &verbs[..upgraded];
            assert_eq!(
                injected.last().map(String::as_str),
                Some(if service == Service::Pop3 {
                    "STLS"
                } else {
                    "STARTTLS"
                }),
                "{service:?} at {chunk}: {verbs:?}"
            );
            assert_eq!(
                discarded,
                (write.len() - upgrade) as u64,
                "{service:?} at {chunk}: every pipelined byte dropped"
            );
            let reply = String::from_utf8_lossy(&sent);
            assert!(
                reply
                    .trim_end()
                    .lines()
                    .last()
                    .is_some_and(|l| l.contains("TLS")),
                "{service:?} at {chunk}: nothing answered after the upgrade: {reply}"
            );
            assert_eq!(
                verbs.len(),
                upgraded + 1,
                "{service:?} at {chunk}: read again"
            );
        }
    }
}
