//! Scenario tests on the whole world: the first half of the seed journey over SMTP.

mod common;

use common::*;
use mail_sandbox::sandbox::WorldEvent;

#[test]
fn submission_relays_by_mx_into_the_mailbox_with_a_received_chain() {
    let (mut w, d) = world();
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    let reply = submit(&mut w, &d, &["boss@corp.example"], "Journey");
    assert!(reply.starts_with("250 2.0.0"), "{reply}");
    wait(&mut w, 2_000);
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1);
    let msg = inbox.last().unwrap();
    assert!(
        msg.starts_with("Return-Path: <smith@isp.example>\r\nReceived: from smtp.isp.example"),
        "{msg}"
    );
    assert!(msg.contains("by mx.corp.example"));
    assert!(msg.contains("Received: from pc.home.example"), "{msg}");
    assert!(msg.contains("by smtp.isp.example with ESMTPA"), "{msg}");
    assert!(
        msg.contains("Message-ID: <"),
        "submission adds Message-ID: {msg}"
    );
    assert!(msg.contains("\r\nDate: "), "submission adds Date");
    assert!(w.queue.is_empty(), "nothing left in the queue");
    // The relay hop crossed the network: a connection from the ISP to the MX on port 25.
    let relay_hop = w
        .net
        .trace
        .entries()
        .any(|e| e.client == d.isp && e.server == d.corp && e.port == 25);
    assert!(relay_hop);
}

#[test]
fn unknown_user_is_refused_at_the_mx_and_bounced_to_the_sender() {
    let (mut w, d) = world();
    let mut mx = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    mx.say(&mut w, "HELO pc.home.example");
    mx.say(&mut w, "MAIL FROM:<smith@isp.example>");
    let r = mx.say(&mut w, "RCPT TO:<nobody@corp.example>");
    assert!(r.starts_with("550 5.1.1"), "{r}");
    // Through the ISP: accepted there, refused at the MX, bounced back to Smith.
    let smith_before = messages(&w, "smith@isp.example", "INBOX").len();
    let reply = submit(&mut w, &d, &["nobody@corp.example"], "Lost");
    assert!(reply.starts_with("250"), "{reply}");
    wait(&mut w, 2_000);
    let smith = messages(&w, "smith@isp.example", "INBOX");
    assert_eq!(smith.len(), smith_before + 1);
    let bounce = smith.last().unwrap();
    assert!(bounce.contains("Return-Path: <>"), "{bounce}");
    assert!(bounce.contains("Final-Recipient: rfc822; nobody@corp.example"));
    assert!(bounce.contains("Status: 5.1.1"));
    assert!(bounce.contains("Subject: Lost"));
    assert!(w.queue.is_empty());
}

#[test]
fn the_isp_is_no_open_relay() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 25);
    s.say(&mut w, "EHLO spammer.example");
    s.say(&mut w, "MAIL FROM:<spam@spammer.example>");
    let r = s.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert!(r.starts_with("554 5.7.1"), "{r}");
    let mut sub = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    sub.say(&mut w, "EHLO x");
    let r = sub.say(&mut w, "MAIL FROM:<smith@isp.example>");
    assert!(r.starts_with("530"), "{r}");
}

#[test]
fn mx_down_then_up_is_delivered_after_a_retry() {
    let (mut w, d) = world();
    w.set_host_up(d.corp, false);
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    submit(&mut w, &d, &["boss@corp.example"], "Retry me");
    wait(&mut w, 1_000);
    assert_eq!(w.queue.len(), 1);
    let entry = w.queue.entries().next().unwrap();
    assert!(entry
        .last_error
        .as_deref()
        .unwrap_or("")
        .contains("cannot reach corp.example"));
    let deferred =
        std::iter::from_fn(|| w.poll_event()).any(|e| matches!(e, WorldEvent::Deferred { .. }));
    assert!(deferred);
    w.set_host_up(d.corp, true);
    wait(&mut w, 60_000);
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before + 1);
    assert!(w.queue.is_empty());
}

#[test]
fn retry_expiry_bounces() {
    let (mut w, d) = world();
    w.set_host_up(d.corp, false);
    let smith_before = messages(&w, "smith@isp.example", "INBOX").len();
    submit(&mut w, &d, &["boss@corp.example"], "Never arrives");
    wait(&mut w, 5 * 3600 * 1000);
    let smith = messages(&w, "smith@isp.example", "INBOX");
    assert_eq!(smith.len(), smith_before + 1);
    assert!(smith.last().unwrap().contains("retry period expired"));
    assert!(w.queue.is_empty());
}

#[test]
fn a_pipelined_session_is_answered_in_order() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    let r = s.raw(
        &mut w,
        b"EHLO pc\r\nMAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\nRCPT TO:<ghost@corp.example>\r\nDATA\r\nSubject: piped\r\n\r\nx\r\n.\r\nQUIT\r\n",
    );
    let codes: Vec<&str> = r
        .split("\r\n")
        .filter(|l| l.len() > 3 && &l[3..4] == " ")
        .map(|l| &l[..3])
        .collect();
    assert_eq!(
        codes,
        vec!["250", "250", "250", "550", "354", "250", "221"],
        "{r}"
    );
}

#[test]
fn bdat_delivers_binary_safe_chunks() {
    let (mut w, d) = world();
    let before = messages(&w, "alice@corp.example", "INBOX").len();
    let mut s = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    s.say(&mut w, "EHLO pc");
    s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    s.say(&mut w, "RCPT TO:<alice@corp.example>");
    let body = b"Subject: chunks\r\n\r\n.line with a dot\r\n";
    let r1 = s.raw(
        &mut w,
        &[format!("BDAT {}\r\n", 10).as_bytes(), &body[..10]].concat(),
    );
    assert!(r1.starts_with("250"), "{r1}");
    let rest = &body[10..];
    let r2 = s.raw(
        &mut w,
        &[format!("BDAT {} LAST\r\n", rest.len()).as_bytes(), rest].concat(),
    );
    assert!(r2.starts_with("250"), "{r2}");
    wait(&mut w, 500);
    let inbox = messages(&w, "alice@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1);
    assert!(inbox.last().unwrap().ends_with("\r\n.line with a dot\r\n"));
}

#[test]
fn a_link_dropped_mid_data_delivers_nothing_partial_and_loses_nothing() {
    let (mut w, d) = world();
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    // Submit by hand, but do not wait after the final dot: the relay starts at once.
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    s.say(&mut w, "EHLO pc.home.example");
    s.say(&mut w, "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo");
    s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    s.say(&mut w, "RCPT TO:<boss@corp.example>");
    s.say(&mut w, "DATA");
    w.send(s.conn, b"Subject: Fragile\r\n\r\nbody\r\n.\r\n");
    // Step until the MX's session is receiving the relayed data, then cut the ISP-MX link.
    let mut cut = false;
    for _ in 0..200 {
        wait(&mut w, 5);
        let in_data = std::iter::from_fn(|| w.poll_event()).any(
            |e| matches!(e, WorldEvent::SessionState { state, .. } if state.label() == "SMTP data"),
        );
        if in_data {
            w.net.set_link_cut(w.now(), d.isp, d.corp, true);
            cut = true;
            break;
        }
    }
    assert!(cut, "the relay reached DATA");
    wait(&mut w, 1_000);
    assert_eq!(
        messages(&w, "boss@corp.example", "INBOX").len(),
        before,
        "no partial delivery"
    );
    assert_eq!(w.queue.len(), 1, "the accepted message is still queued");
    let now = w.now();
    w.net.set_link_cut(now, d.isp, d.corp, false);
    wait(&mut w, 120_000);
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1, "delivered exactly once");
    assert!(inbox.last().unwrap().contains("Subject: Fragile"));
}

/// Same inputs, same seed: the same trace, byte for byte (ids included).
#[test]
fn same_seed_same_world_trace() {
    let run = || {
        let (mut w, d) = world();
        submit(
            &mut w,
            &d,
            &["boss@corp.example", "alice@corp.example"],
            "Twice",
        );
        submit(&mut w, &d, &["boss@corp.example"], "Twice");
        wait(&mut w, 5_000);
        w.net.trace.entries().cloned().collect::<Vec<_>>()
    };
    let a = run();
    assert!(a.len() > 50);
    assert_eq!(a, run());
}

/// A large message goes through submission, relay and delivery whole (flow control slices
/// input into small pieces; nothing may be lost or reordered).
#[test]
fn a_five_megabyte_message_arrives_whole() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    s.say(&mut w, "EHLO pc.home.example");
    s.say(&mut w, "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo");
    s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    s.say(&mut w, "RCPT TO:<boss@corp.example>");
    s.say(&mut w, "DATA");
    let line = format!("{}\r\n", "y".repeat(78));
    let body = line.repeat(5 * 1024 * 1024 / 80);
    let t0 = std::time::Instant::now();
    let r = s.raw(
        &mut w,
        format!("Subject: big\r\n\r\n{body}.\r\n").as_bytes(),
    );
    assert!(r.starts_with("250"), "{r}");
    wait(&mut w, 3_000);
    eprintln!("5 MB through the world in {:?}", t0.elapsed());
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert!(inbox.last().unwrap().ends_with(&body));
}
