use super::*;
use crate::proto::pop3::Pop3State;
use crate::time::Duration;

#[test]
fn default_world_has_the_seed_journey() {
    let (w, d) = default_world(1);
    assert_eq!(
        w.net.dns.mail_exchangers("corp.example"),
        vec!["mx.corp.example"]
    );
    assert_eq!(
        w.net.dns.mail_exchangers("isp.example"),
        vec!["smtp.isp.example"]
    );
    assert_eq!(w.store.domain_host("corp.example"), Some("mx.corp.example"));
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        3
    );
    assert_eq!(
        w.store.folder("smith@isp.example", "INBOX").unwrap().len(),
        1
    );
    assert!(w.net.is_listening(d.corp, 7));
    assert_eq!(w.host_info(d.sender_pc).unwrap().role, HostRole::Client);
    // The seed messages parse: the third has non-ASCII headers.
    let f = w.store.folder("boss@corp.example", "INBOX").unwrap();
    let info = crate::message::parse(&f.messages()[2].raw);
    assert_eq!(info.subject.as_deref(), Some("Grüße aus Zürich – Café ☕"));
    let info = crate::message::parse(&f.messages()[1].raw);
    assert_eq!(info.root.children.len(), 2);
}

#[test]
fn a_terminal_talks_to_the_echo_service_across_the_network() {
    let (mut w, d) = default_world(1);
    let c = w.connect(d.recipient_pc, "mx.corp.example", 7).unwrap();
    w.send(c, b"hello\r\n");
    let t = w.now() + Duration::from_secs(1);
    w.run_until(t);
    assert_eq!(w.take_received(c), b"hello\r\n");
    w.send(c, b"QUIT\r\n");
    w.run_until(t + Duration::from_secs(1));
    assert_eq!(w.take_received(c), b"bye\r\n");
    assert_eq!(w.endpoint(c).unwrap().state, EndpointState::Closed);
    // The trace holds the whole exchange in order.
    let sent: Vec<u8> = w
        .net
        .trace
        .of(c)
        .filter_map(|e| match &e.kind {
            crate::net::TraceKind::Data(b) if e.from == Side::Client => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(sent, b"hello\r\nQUIT\r\n");
}

#[test]
fn daytime_answers_and_closes_and_idle_echo_times_out() {
    let (mut w, d) = default_world(1);
    let c = w.connect(d.sender_pc, "203.0.113.25", 13).unwrap();
    w.run_until(Instant::from_millis(1000));
    assert_eq!(
        w.take_received(c),
        b"Mon, 02 Nov 2026 09:00:00 +0000\r\n".to_vec()
    );
    assert_eq!(w.endpoint(c).unwrap().state, EndpointState::Closed);
    let e = w.connect(d.sender_pc, "mx.corp.example", 7).unwrap();
    w.run_until(Instant::from_millis(3_600_000));
    assert_eq!(w.take_received(e), b"idle timeout\r\n");
}

#[test]
fn a_host_taken_down_resets_its_connections_and_refuses_new_ones() {
    let (mut w, d) = default_world(1);
    let c = w.connect(d.sender_pc, "mx.corp.example", 7).unwrap();
    w.run_until(Instant::from_millis(100));
    w.set_host_up(d.corp, false);
    w.run_until(Instant::from_millis(200));
    assert_eq!(w.endpoint(c).unwrap().state, EndpointState::Reset);
    assert_eq!(
        w.connect(d.sender_pc, "mx.corp.example", 7),
        Err(ConnectError::HostDown)
    );
    w.set_host_up(d.corp, true);
    assert!(w.connect(d.sender_pc, "mx.corp.example", 7).is_ok());
    assert_eq!(
        w.connect(d.sender_pc, "mx.corp.example", 9),
        Err(ConnectError::Refused)
    );
}

#[test]
fn pop3_over_the_network_reports_its_three_states() {
    let (mut w, d) = default_world(1);
    let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
    w.run_until(Instant::from_millis(100));
    let greeting = String::from_utf8(w.take_received(c)).unwrap();
    assert!(greeting.starts_with("+OK"), "{greeting}");
    w.send(c, b"USER boss\r\nPASS boss\r\nSTAT\r\nDELE 1\r\n");
    w.run_until(Instant::from_millis(200));
    let reply = String::from_utf8(w.take_received(c)).unwrap();
    assert!(reply.contains("+OK 3 2229\r\n"), "{reply}");
    assert_eq!(
        w.session_state(c),
        Some(ProtocolState::Pop3(Pop3State::Transaction))
    );
    w.send(c, b"QUIT\r\n");
    w.run_until(Instant::from_millis(300));
    let states: Vec<WorldEvent> = std::iter::from_fn(|| w.poll_event()).collect();
    assert_eq!(
        states.last(),
        Some(&WorldEvent::SessionState {
            conn: c,
            state: ProtocolState::Pop3(Pop3State::Update)
        })
    );
    assert_eq!(w.endpoint(c).unwrap().state, EndpointState::Closed);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        2
    );
}

/// Flow control: a client that pipelines hundreds of RETRs of a large message and does not
/// read gets answers only as fast as it reads; nothing grows without bound, nothing is lost.
#[test]
fn a_client_that_does_not_read_cannot_make_the_server_buffer_without_bound() {
    let (mut w, d) = default_world(1);
    let big = format!("Subject: big\r\n\r\n{}", "x".repeat(998) + "\r\n").repeat(1000);
    w.store
        .deliver(
            "alice@corp.example",
            "INBOX",
            big.clone().into_bytes(),
            crate::store::Flags::new(),
            0,
        )
        .unwrap();
    let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
    w.run_until(Instant::from_millis(100));
    w.take_received(c);
    let mut input = b"USER alice\r\nPASS alice\r\n".to_vec();
    for _ in 0..200 {
        input.extend_from_slice(b"RETR 1\r\n");
    }
    w.send(c, &input);
    let mut taken = 0usize;
    let mut peak = 0usize;
    let mut t = 200;
    for round in 0..400 {
        t += 50;
        w.run_until(Instant::from_millis(t));
        let backlog = w.backlog(c);
        peak = peak.max(backlog);
        // Read only every tenth round: a slow reader.
        if round % 10 == 9 {
            taken += w.take_received(c).len();
        }
    }
    taken += w.take_received(c).len();
    assert!(
        peak < FLOW_WINDOW + 3 * big.len(),
        "backlog peaked at {peak}"
    );
    // Every answer arrived in the end, in full (each RETR answer is the message plus framing).
    assert!(taken > 200 * big.len(), "got {taken} bytes");
}

/// `forget` drops the client endpoint; what the connection did stays for the views (the
/// chaos test reads a POP3 session's last state after its client forgot it).
#[test]
fn forget_drops_the_endpoint_and_keeps_what_happened() {
    let (mut w, d) = default_world(1);
    let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
    w.send(c, b"USER boss\r\nPASS boss\r\nQUIT\r\n");
    w.run_until(Instant::from_millis(1000));
    w.forget(c);
    assert!(w.endpoint(c).is_none());
    assert_eq!(w.session_state(c).map(|s| s.label()), Some("POP3 Update"));
    assert!(!w.secret_marks(c).is_empty());
    assert_eq!(w.service_of(c), Some(Service::Pop3));
    assert_eq!(w.poll_timeout(), None, "no timer left behind");
}
