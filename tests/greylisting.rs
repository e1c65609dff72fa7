//! Greylisting as a fault rule (issue 30): the first try of a (client, sender, recipient)
//! triple is answered `451 4.7.1`, the relay keeps the message and retries, the retry is
//! accepted; nothing is lost and the deferral is explained in plain words.

mod common;

use common::*;
use mail_sandbox::fault::{parse_rule, GREYLIST_REPLY};
use mail_sandbox::learn::hops::describe;
use mail_sandbox::sandbox::journey::Hop;
use mail_sandbox::sandbox::{World, WorldEvent};

const RULE: &str = "mx.corp.example:25 RCPT => greylist";

fn events(w: &mut World) -> Vec<WorldEvent> {
    std::iter::from_fn(|| w.poll_event()).collect()
}

#[test]
fn the_rule_reads_back_as_typed_and_only_after_rcpt() {
    let rule = parse_rule(RULE).expect("parses");
    assert_eq!(rule.text(), RULE);
    let err = parse_rule("mx.corp.example:25 MAIL => greylist").unwrap_err();
    assert!(err.expected.contains("after `RCPT`"), "{err}");
    let (mut w, _) = world();
    assert!(
        w.add_fault("mx.corp.example:110 RCPT => greylist").is_err(),
        "greylisting is SMTP's"
    );
}

#[test]
fn by_hand_the_first_try_is_greylisted_and_the_same_triple_passes_next_time() {
    let (mut w, d) = world();
    w.add_fault(RULE).unwrap();
    let mut mx = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    mx.say(&mut w, "EHLO pc.home.example");
    mx.say(&mut w, "MAIL FROM:<smith@isp.example>");
    let r = mx.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert_eq!(r, format!("{GREYLIST_REPLY}\r\n"));
    // Another recipient is another triple: greylisted too.
    let r = mx.say(&mut w, "RCPT TO:<alice@corp.example>");
    assert!(r.starts_with("451 4.7.1"), "{r}");
    // The same sender and recipient again: let through to the server.
    let r = mx.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert!(!r.starts_with("451"), "a retry passes the greylist: {r}");
}

#[test]
fn the_relay_is_deferred_451_4_7_1_retries_and_the_message_arrives_once() {
    let (mut w, d) = world();
    w.add_fault(RULE).unwrap();
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    events(&mut w);
    assert!(submit(&mut w, &d, &["boss@corp.example"], "Grey").starts_with("250"));
    wait(&mut w, 2_000);
    let deferred: Vec<WorldEvent> = events(&mut w)
        .into_iter()
        .filter(|e| matches!(e, WorldEvent::Deferred { .. }))
        .collect();
    assert_eq!(deferred.len(), 1, "{deferred:?}");
    let WorldEvent::Deferred { reason, status, .. } = &deferred[0] else {
        unreachable!()
    };
    assert!(reason.starts_with("451 4.7.1"), "{reason}");
    assert_eq!(status.as_deref(), Some("4.7.1"));
    // The explanation decodes the code for the learner.
    let (text, _) = describe(&Hop::Event(deferred[0].clone()), |_| String::new());
    assert!(
        text.detail.contains("4.7.1: temporary failure"),
        "{}",
        text.detail
    );
    assert!(text.detail.contains("policy"), "{}", text.detail);
    assert!(text.detail.contains("RFC 3463 §3.8"), "{}", text.detail);
    assert_eq!(w.queue.len(), 1, "the message waits in the queue");
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before);
    // The queue tries again; the same triple is now let through.
    wait(&mut w, 120_000);
    assert!(w.queue.is_empty(), "the retry was accepted");
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1, "delivered exactly once");
    assert!(inbox.last().unwrap().contains("Subject: Grey"));
    assert!(
        !events(&mut w)
            .iter()
            .any(|e| matches!(e, WorldEvent::Bounced { .. })),
        "nothing bounced"
    );
}
