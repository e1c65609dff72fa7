//! RFC 5321 §6.1's ambiguity on a relay hop, built on purpose: the next hop answered 250 to the
//! final dot, the link dropped before the 250 arrived, and the retry met a permanent refusal.
//! The message was delivered by the next hop and bounced by the relay; the bounce and the
//! deferral in the event log say that the first attempt's answer never arrived. (The chaos
//! simulation meets the same case at random: `tests/chaos.rs`.)
#![cfg(not(target_arch = "wasm32"))]

use mail_sandbox::sandbox::{default_world, World, WorldEvent};
use mail_sandbox::time::Duration;
use mail_sandbox::wire::sasl::encode_plain;

/// The held-out seeds' case, built on purpose: the MX answers 250 to the ISP's final dot and
/// the link drops before the 250 arrives; the retry meets a permanent refusal. The message is
/// in boss's mailbox (the MX delivered it) and bounced to smith (the ISP never learned), and
/// both the deferral in the event log and the bounce say that the first answer never arrived.
#[test]
fn a_lost_250_then_a_permanent_refusal_bounces_with_a_note() {
    let (mut w, d) = default_world(7);
    let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
    let step = |w: &mut World, bytes: &[u8]| {
        w.send(c, bytes);
        let t = w.now() + Duration::from_millis(200);
        w.run_until(t);
    };
    step(&mut w, b"EHLO pc\r\n");
    step(
        &mut w,
        format!("AUTH PLAIN {}\r\n", encode_plain("smith", "smith")).as_bytes(),
    );
    step(&mut w, b"MAIL FROM:<smith@isp.example>\r\n");
    step(&mut w, b"RCPT TO:<boss@corp.example>\r\n");
    step(&mut w, b"DATA\r\n");
    w.send(
        c,
        b"Subject: chaos-tok-lost-250\r\n\r\nhello\r\n.\r\nQUIT\r\n",
    );
    // Run until the MX has taken the message (its 250 is on the way), then cut that link.
    let mut events = Vec::new();
    let mut dropped = false;
    for _ in 0..10_000 {
        let t = w.now() + Duration::from_millis(1);
        w.run_until(t);
        while let Some(e) = w.poll_event() {
            let on_mx = matches!(&e, WorldEvent::Queued { host, .. }
                if host == "mx.corp.example");
            events.push(e);
            if on_mx && !dropped {
                let hop = w
                    .connections_seen()
                    .into_iter()
                    .rev()
                    .find(|s| s.client == d.isp && s.server == d.corp && s.port == 25)
                    .expect("the relay hop");
                let now = w.now();
                w.net.drop_link(now, hop.conn);
                dropped = true;
            }
        }
        if dropped {
            break;
        }
    }
    assert!(dropped, "the MX never took the message");
    w.add_fault("mx.corp.example:25 RCPT => 550 5.7.1 Not from you")
        .unwrap();
    let t = w.now() + Duration::from_secs(6 * 3600);
    w.run_until(t);
    while let Some(e) = w.poll_event() {
        events.push(e);
    }
    let inbox = |user: &str| -> Vec<String> {
        w.store
            .folder(user, "INBOX")
            .unwrap()
            .messages()
            .iter()
            .map(|m| String::from_utf8_lossy(&m.raw).into_owned())
            .filter(|raw| raw.contains("chaos-tok-lost-250"))
            .collect()
    };
    assert_eq!(inbox("boss@corp.example").len(), 1, "the MX delivered it");
    let bounces = inbox("smith@isp.example");
    assert_eq!(bounces.len(), 1, "and smith got one bounce");
    assert!(
        bounces[0].contains("an earlier attempt sent the whole message to mx.corp.example")
            && bounces[0].contains("answer never arrived"),
        "{}",
        bounces[0]
    );
    let deferral = events.iter().find_map(|e| match e {
        WorldEvent::Deferred { reason, .. } => Some(reason.clone()),
        _ => None,
    });
    let deferral = deferral.expect("a deferral after the lost 250");
    assert!(
        deferral.contains("before its answer")
            && deferral.contains("mx.corp.example may have delivered it (RFC 5321 §6.1)"),
        "{deferral}"
    );
}
