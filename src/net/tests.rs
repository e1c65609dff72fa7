use super::*;

fn net() -> (Network, HostId, HostId) {
    let mut n = Network::new(7);
    let a = n.add_host("pc.home.example", "192.0.2.10");
    let b = n.add_host("mx.corp.example", "203.0.113.25");
    n.dns.add_mx("corp.example", 20, "backup.corp.example");
    n.dns.add_mx("corp.example", 10, "mx.corp.example");
    n.listen(b, 25);
    (n, a, b)
}

fn drain(n: &mut Network, now: Instant) -> Vec<NetEvent> {
    std::iter::from_fn(|| n.poll_event(now)).collect()
}

#[test]
fn mx_records_come_in_preference_order_with_a_fallback() {
    let (n, _, _) = net();
    assert_eq!(
        n.dns.mail_exchangers("corp.example"),
        vec!["mx.corp.example", "backup.corp.example"]
    );
    // No MX: the implicit MX is the domain's own A record (RFC 5321 §5.1).
    assert_eq!(
        n.dns.mail_exchangers("mx.corp.example"),
        vec!["mx.corp.example"]
    );
    assert!(n.dns.mail_exchangers("nowhere.example").is_empty());
    assert_eq!(n.resolve("203.0.113.25"), n.host_by_name("mx.corp.example"));
}

#[test]
fn bytes_arrive_in_order_after_latency_and_are_traced() {
    let (mut n, a, _) = net();
    let t0 = Instant::ZERO;
    let c = n.connect(t0, a, "mx.corp.example", 25).unwrap();
    assert!(drain(&mut n, t0).is_empty(), "latency delays the accept");
    let t1 = t0 + Duration::from_millis(20);
    assert_eq!(drain(&mut n, t1), vec![NetEvent::Accepted { conn: c }]);
    assert!(n.send(t1, c, Side::Server, b"220 hi\r\n".to_vec()));
    assert!(n.send(t1, c, Side::Server, b"more".to_vec()));
    let t2 = t1 + Duration::from_millis(20);
    let evs = drain(&mut n, t2);
    assert_eq!(
        evs,
        vec![
            NetEvent::Data {
                conn: c,
                to: Side::Client,
                bytes: b"220 hi\r\n".to_vec()
            },
            NetEvent::Data {
                conn: c,
                to: Side::Client,
                bytes: b"more".to_vec()
            },
        ]
    );
    let kinds: Vec<_> = n.trace.of(c).map(|e| (e.from, e.kind.clone())).collect();
    assert_eq!(kinds[0], (Side::Client, TraceKind::Connect));
    assert_eq!(
        kinds[1],
        (Side::Server, TraceKind::Data(b"220 hi\r\n".to_vec()))
    );
}

#[test]
fn refused_down_and_unreachable() {
    let (mut n, a, b) = net();
    let t = Instant::ZERO;
    assert_eq!(
        n.connect(t, a, "mx.corp.example", 110),
        Err(ConnectError::Refused)
    );
    assert!(matches!(
        n.connect(t, a, "nope.example", 25),
        Err(ConnectError::UnknownHost(_))
    ));
    n.set_link_cut(t, a, b, true);
    assert_eq!(
        n.connect(t, a, "mx.corp.example", 25),
        Err(ConnectError::Unreachable)
    );
    n.set_link_cut(t, a, b, false);
    n.set_host_up(t, b, false);
    assert_eq!(
        n.connect(t, a, "mx.corp.example", 25),
        Err(ConnectError::HostDown)
    );
    assert!(n
        .trace
        .entries()
        .all(|e| matches!(e.kind, TraceKind::Failed(_))));
}

#[test]
fn a_dropped_link_loses_in_flight_bytes_and_resets_both_ends() {
    let (mut n, a, b) = net();
    let t = Instant::ZERO;
    let c = n.connect(t, a, "mx.corp.example", 25).unwrap();
    let t1 = t + Duration::from_millis(20);
    drain(&mut n, t1);
    n.send(t1, c, Side::Client, b"DATA".to_vec());
    n.set_host_up(t1, b, false);
    let evs = drain(&mut n, t1 + Duration::from_secs(1));
    assert_eq!(
        evs,
        vec![
            NetEvent::Reset {
                conn: c,
                to: Side::Client
            },
            NetEvent::Reset {
                conn: c,
                to: Side::Server
            }
        ]
    );
    assert!(!n.send(t1, c, Side::Client, b"x".to_vec()));
}

#[test]
fn close_reaches_the_peer_after_its_data() {
    let (mut n, a, _) = net();
    let t = Instant::ZERO;
    let c = n.connect(t, a, "mx.corp.example", 25).unwrap();
    n.send(t, c, Side::Client, b"QUIT\r\n".to_vec());
    n.close(t, c, Side::Client);
    let evs = drain(&mut n, t + Duration::from_secs(1));
    assert_eq!(evs.len(), 3);
    assert_eq!(
        evs[2],
        NetEvent::Closed {
            conn: c,
            to: Side::Server
        }
    );
    n.close(t, c, Side::Server);
    assert!(n.connection(c).is_none());
}

fn faulty_run(seed: u64) -> Vec<TraceEntry> {
    let (mut n, a, _) = net();
    n.faults = Faults {
        latency: Duration::from_millis(5),
        jitter: Duration::from_millis(30),
        refuse_per_million: 200_000,
        drop_per_million: 100_000,
    };
    n.rng = Rng::new(seed);
    let mut t = Instant::ZERO;
    for i in 0..50u8 {
        if let Ok(c) = n.connect(t, a, "mx.corp.example", 25) {
            for _ in 0..5 {
                n.send(t, c, Side::Client, vec![i; 3]);
            }
        }
        t += Duration::from_millis(7);
        drain(&mut n, t);
    }
    n.trace.entries().cloned().collect()
}

#[test]
fn same_seed_same_trace() {
    assert_eq!(faulty_run(1), faulty_run(1));
    assert_ne!(faulty_run(1), faulty_run(2));
    let trace = faulty_run(3);
    assert!(trace.iter().any(|e| e.kind == TraceKind::Dropped));
    assert!(trace.iter().any(|e| matches!(e.kind, TraceKind::Failed(_))));
}

#[test]
fn a_link_latency_replaces_the_default_on_that_link_only() {
    let (mut n, a, b) = net();
    let c_host = n.add_host("smtp.isp.example", "198.51.100.25");
    n.listen(c_host, 25);
    n.set_link_latency(a, b, Some(Duration::ZERO));
    assert_eq!(n.link_latency(b, a), Duration::ZERO);
    assert_eq!(n.link_latency(a, c_host), n.faults.latency);
    let t = Instant::ZERO;
    // Zero latency: the connection and its bytes arrive at the instant they are sent.
    let c = n.connect(t, a, "mx.corp.example", 25).unwrap();
    n.send(t, c, Side::Client, b"hi".to_vec());
    let evs: Vec<NetEvent> = std::iter::from_fn(|| n.poll_event(t)).collect();
    assert_eq!(evs.len(), 2, "{evs:?}");
    // The other link keeps the default delay.
    let d = n.connect(t, a, "smtp.isp.example", 25).unwrap();
    assert!(n.poll_event(t).is_none());
    assert_eq!(n.poll_timeout(), Some(t + n.faults.latency));
    n.close(t, d, Side::Client);
    // Back to the default.
    n.set_link_latency(a, b, None);
    assert_eq!(n.link_latency(a, b), n.faults.latency);
}
