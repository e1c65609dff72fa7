//! Fault rules (issue 15) on the whole world: every rule kind of the table as a typed
//! session or a relay journey, what the relay does about them, and determinism.

mod common;

use common::*;
use mail_sandbox::fault::EXAMPLES;
use mail_sandbox::sandbox::{FaultAction, GateMarkKind, World, WorldEvent};

fn events(w: &mut World) -> Vec<WorldEvent> {
    std::iter::from_fn(|| w.poll_event()).collect()
}

fn fault_rules_of(w: &World, conn: mail_sandbox::net::ConnId) -> Vec<usize> {
    w.gate_marks(conn)
        .iter()
        .filter_map(|m| m.fault_rule())
        .collect()
}

#[test]
fn a_full_mailbox_defers_the_relay_which_retries_and_delivers_once_the_rule_is_gone() {
    let (mut w, d) = world();
    assert_eq!(w.add_fault(EXAMPLES[0]), Ok(1));
    // Typed by hand: the rule answers instead of the server, and says so.
    let mut mx = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    mx.say(&mut w, "EHLO pc.home.example");
    mx.say(&mut w, "MAIL FROM:<smith@isp.example>");
    let r = mx.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert_eq!(r, "452 4.2.2 Mailbox full\r\n");
    let r = mx.say(&mut w, "RCPT TO:<smith@isp.example>");
    assert!(
        r.starts_with("554 5.7.1"),
        "other recipients reach the server: {r}"
    );
    let marks = w.gate_marks(mx.conn);
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].line, "RCPT TO:<boss@corp.example>");
    assert_eq!(
        marks[0].kind,
        GateMarkKind::Fault {
            rule: 1,
            action: FaultAction::Replied("452 4.2.2 Mailbox full".into())
        }
    );
    // Transcripts and terminals show it under the reply the rule sent, not under others.
    let lines = w.transcript(mx.conn, true);
    let marked: Vec<(String, String)> = lines
        .iter()
        .filter_map(|l| {
            Some((
                l.text().into_owned(),
                w.gate_mark_for(mx.conn, l)?.describe(),
            ))
        })
        .collect();
    assert!(
        marked.contains(&(
            "452 4.2.2 Mailbox full".to_string(),
            "⚡ answered by fault rule 1".to_string()
        )),
        "{marked:?}"
    );
    assert!(
        !marked.iter().any(|(t, _)| t.starts_with("554")),
        "{marked:?}"
    );
    // Through the relay: deferred (4xx), visible in the events and the queue, retried.
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    events(&mut w);
    assert!(submit(&mut w, &d, &["boss@corp.example"], "Full").starts_with("250"));
    wait(&mut w, 2_000);
    let deferred: Vec<String> = events(&mut w)
        .into_iter()
        .filter_map(|e| match e {
            WorldEvent::Deferred { reason, .. } => Some(reason),
            _ => None,
        })
        .collect();
    assert_eq!(
        deferred,
        vec!["452 4.2.2 Mailbox full (fault rule 1)".to_string()]
    );
    assert_eq!(w.queue.len(), 1, "the message waits in the queue");
    wait(&mut w, 31_000);
    assert_eq!(w.queue.len(), 1, "the retry is deferred again");
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before);
    assert!(w.remove_fault(1).is_some());
    wait(&mut w, 120_000);
    assert!(w.queue.is_empty());
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1, "delivered exactly once");
    assert!(inbox.last().unwrap().contains("Subject: Full"));
}

#[test]
fn a_permanent_refusal_bounces_to_the_sender() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[1]).unwrap();
    let smith_before = messages(&w, "smith@isp.example", "INBOX").len();
    let boss_before = messages(&w, "boss@corp.example", "INBOX").len();
    let alice_before = messages(&w, "alice@corp.example", "INBOX").len();
    submit(
        &mut w,
        &d,
        &["alice@corp.example", "boss@corp.example"],
        "Two",
    );
    wait(&mut w, 3_000);
    assert_eq!(
        messages(&w, "boss@corp.example", "INBOX").len(),
        boss_before + 1
    );
    assert_eq!(
        messages(&w, "alice@corp.example", "INBOX").len(),
        alice_before
    );
    let smith = messages(&w, "smith@isp.example", "INBOX");
    assert_eq!(smith.len(), smith_before + 1);
    let bounce = smith.last().unwrap();
    assert!(bounce.contains("Final-Recipient: rfc822; alice@corp.example"));
    assert!(
        bounce.contains("550 5.1.1 No such user (fault rule 1)"),
        "{bounce}"
    );
}

#[test]
fn a_drop_after_data_loses_the_link_before_the_reply_and_nothing_is_delivered() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[2]).unwrap();
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    let mut mx = Typed::open(&mut w, d.sender_pc, "mx.corp.example", 25);
    mx.say(&mut w, "HELO pc.home.example");
    mx.say(&mut w, "MAIL FROM:<smith@isp.example>");
    mx.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert!(mx.say(&mut w, "DATA").starts_with("354"));
    // A line that looks like a command inside DATA is text, never matched.
    let r = mx.raw(&mut w, b"Subject: x\r\n\r\nRCPT TO:<a@b>\r\nafter DATA\r\n");
    assert_eq!(r, "");
    let r = mx.raw(&mut w, b".\r\n");
    assert_eq!(r, "", "no reply to the dot");
    assert!(!w.endpoint(mx.conn).unwrap().is_open(), "the link dropped");
    assert_eq!(fault_rules_of(&w, mx.conn), vec![1]);
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before);
    // The relay sees a lost connection, retries, and delivers once the rule is gone.
    events(&mut w);
    submit(&mut w, &d, &["boss@corp.example"], "Dropped");
    wait(&mut w, 2_000);
    let ev = events(&mut w);
    assert!(
        ev.iter()
            .any(|e| matches!(e, WorldEvent::Deferred { reason, .. }
            if reason.contains("connection lost") && reason.ends_with("(fault rule 1)"))),
        "{ev:?}"
    );
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before);
    w.clear_faults();
    wait(&mut w, 120_000);
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before + 1);
    assert!(w.queue.is_empty());
}

#[test]
fn a_delayed_greeting_comes_thirty_seconds_late() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[3]).unwrap();
    let conn = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
    wait(&mut w, 200);
    assert!(w.take_received(conn).is_empty());
    // Input typed meanwhile is held and answered after the greeting, in order.
    w.send(conn, b"NOOP\r\n");
    wait(&mut w, 28_000);
    assert!(w.take_received(conn).is_empty());
    wait(&mut w, 3_000);
    let got = String::from_utf8(w.take_received(conn)).unwrap();
    assert!(
        got.starts_with("220 mx.corp.example ESMTP") && got.ends_with("250 2.0.0 Ok\r\n"),
        "{got}"
    );
    assert_eq!(fault_rules_of(&w, conn), vec![1]);
    // Other ports are not delayed.
    let pop = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    assert!(pop.log.starts_with("+OK"), "{}", pop.log);
}

#[test]
fn failing_logins_and_a_rate_limit_on_submission() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[4]).unwrap();
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    s.say(&mut w, "EHLO pc.home.example");
    let r = s.say(&mut w, "AUTH PLAIN AHNtaXRoAHNtaXRo");
    assert_eq!(r, "535 5.7.8 Authentication credentials invalid\r\n");
    let r = s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    assert!(r.starts_with("530"), "not logged in: {r}");
    assert!(w.gate_marks(s.conn)[0].line.ends_with("********"), "masked");
    w.clear_faults();
    w.add_fault(EXAMPLES[5]).unwrap();
    for n in 1..=3 {
        let r = submit(&mut w, &d, &["boss@corp.example"], &format!("n{n}"));
        assert!(r.starts_with("250"), "message {n}: {r}");
    }
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    s.say(&mut w, "EHLO pc.home.example");
    s.say(&mut w, "AUTH PLAIN AHNtaXRoAHNtaXRo");
    let r = s.say(&mut w, "MAIL FROM:<smith@isp.example>");
    assert_eq!(r, "421 4.7.0 Try again later\r\n");
    assert!(!w.endpoint(s.conn).unwrap().is_open(), "421 closes");
    wait(&mut w, 60_000);
    let r = submit(&mut w, &d, &["boss@corp.example"], "later");
    assert!(r.starts_with("250"), "a new minute: {r}");
}

#[test]
fn pop3_retrieval_fails_and_the_rest_works() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[6]).unwrap();
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    p.say(&mut w, "USER boss");
    assert!(p.say(&mut w, "PASS boss").starts_with("+OK"));
    assert_eq!(p.say(&mut w, "RETR 1"), "-ERR [SYS/TEMP] Disk error\r\n");
    assert!(p.say(&mut w, "TOP 1 0").starts_with("+OK"));
    assert!(p.say(&mut w, "QUIT").starts_with("+OK"));
}

#[test]
fn imap_fetch_and_append_fail_with_the_command_tag() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[7]).unwrap();
    w.add_fault(EXAMPLES[8]).unwrap();
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    assert!(i.say(&mut w, "a0 LOGIN boss boss").contains("a0 OK"));
    assert!(i.say(&mut w, "a1 SELECT INBOX").contains("a1 OK"));
    assert_eq!(
        i.say(&mut w, "a2 FETCH 1 FLAGS"),
        "a2 NO [UNAVAILABLE] Try later\r\n"
    );
    assert_eq!(
        i.say(&mut w, "a3 uid fetch 1:* (FLAGS)"),
        "a3 NO [UNAVAILABLE] Try later\r\n"
    );
    // A synchronizing literal: the refusal comes instead of the continuation.
    assert_eq!(
        i.say(&mut w, "a4 APPEND INBOX {5}"),
        "a4 NO [OVERQUOTA] Quota exceeded\r\n"
    );
    // A non-synchronizing one: its data is swallowed, never taken for a command.
    let r = i.raw(
        &mut w,
        b"a5 APPEND INBOX {12+}\r\na6 LOGOUT\r\n\r\na7 NOOP\r\n",
    );
    assert_eq!(
        r,
        "a5 NO [OVERQUOTA] Quota exceeded\r\na7 OK NOOP completed\r\n"
    );
    let r = i.say(&mut w, "a8 SEARCH ALL");
    assert!(r.contains("a8 OK"), "{r}");
    let rules: Vec<usize> = fault_rules_of(&w, i.conn);
    assert_eq!(rules, vec![1, 1, 2, 2]);
}

#[test]
fn a_missing_mx_record_bounces_when_the_domain_has_no_a_record() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[9]).unwrap();
    let smith_before = messages(&w, "smith@isp.example", "INBOX").len();
    submit(&mut w, &d, &["boss@corp.example"], "No MX");
    wait(&mut w, 3_000);
    let smith = messages(&w, "smith@isp.example", "INBOX");
    assert_eq!(smith.len(), smith_before + 1);
    let bounce = smith.last().unwrap();
    assert!(
        bounce
            .contains("no MX or A record for domain corp.example (record hidden by fault rule 1)"),
        "{bounce}"
    );
    // With an A record for the domain the relay falls back to it (RFC 5321 §5.1).
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[9]).unwrap();
    w.net.dns.set_a("corp.example", "203.0.113.25");
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    submit(&mut w, &d, &["boss@corp.example"], "A fallback");
    wait(&mut w, 3_000);
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before + 1);
    assert!(w.queue.is_empty());
}

#[test]
fn the_same_world_and_rules_give_the_same_transcript() {
    let run = || {
        let (mut w, d) = world();
        // Every example but the failing logins and the missing MX (the message must reach the MX).
        for (i, r) in EXAMPLES.iter().enumerate() {
            if i != 4 && i != 9 {
                w.add_fault(r).unwrap();
            }
        }
        submit(
            &mut w,
            &d,
            &["boss@corp.example", "alice@corp.example"],
            "Same",
        );
        wait(&mut w, 600_000);
        let mut out = String::new();
        for c in w.connections_seen() {
            for l in w.transcript(c.conn, true) {
                out.push_str(&format!("{:?} {:?} {}\n", l.at, l.speaker, l.text()));
            }
            out.push_str(&format!("{:?}\n", w.gate_marks(c.conn)));
        }
        (out, w.snapshot_json())
    };
    let (a, snap_a) = run();
    let (b, snap_b) = run();
    assert!(a.contains("fault rule") || a.contains("Fault"), "{a}");
    assert_eq!(a, b);
    assert_eq!(snap_a, snap_b);
}

#[test]
fn rules_are_kept_in_snapshots_and_bad_ones_are_refused() {
    let (mut w, _) = world();
    w.add_fault(EXAMPLES[0]).unwrap();
    w.add_fault(EXAMPLES[9]).unwrap();
    let json = w.snapshot_json();
    let (mut fresh, _) = world();
    fresh.restore_json(&json).unwrap();
    let texts: Vec<String> = fresh.fault_rules().iter().map(|r| r.text()).collect();
    assert_eq!(
        texts,
        vec![EXAMPLES[0].to_string(), EXAMPLES[9].to_string()]
    );
    let e = w.add_fault("mx.corp.example:25 RCPT => 45").unwrap_err();
    assert!(
        e.to_string().starts_with("column 28: expected a reply"),
        "{e}"
    );
    let e = w
        .add_fault("mx.corp.example:110 RETR => 452 4.2.2 full")
        .unwrap_err();
    assert!(e.to_string().contains("-ERR"), "{e}");
    assert_eq!(w.fault_rules().len(), 2, "nothing added");
}

#[test]
fn transcript_lines_find_the_rule_that_answered_them() {
    let (mut w, d) = world();
    w.add_fault(EXAMPLES[6]).unwrap();
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    p.say(&mut w, "USER boss");
    p.say(&mut w, "PASS boss");
    p.say(&mut w, "RETR 1");
    let lines = w.transcript(p.conn, true);
    let marked: Vec<(String, Option<usize>)> = lines
        .iter()
        .filter_map(|l| {
            w.gate_mark_for(p.conn, l)
                .map(|m| (l.text().into_owned(), m.fault_rule()))
        })
        .collect();
    assert_eq!(
        marked,
        vec![
            ("RETR 1".to_string(), Some(1)),
            ("-ERR [SYS/TEMP] Disk error".to_string(), Some(1))
        ]
    );
}

/// Lines a rule answered are never read by the session, whose secret marks count only what it
/// read: the gate moves the marks on, so passwords typed later stay masked.
#[test]
fn passwords_stay_masked_after_lines_a_rule_answered() {
    let (mut w, d) = world();
    w.add_fault("smtp.isp.example:587 NOOP => 250 2.0.0 Ok (by the rule)")
        .unwrap();
    w.add_fault("mx.corp.example:143 LOGIN => NO [UNAVAILABLE] Try later")
        .unwrap();
    let mut s = Typed::open(&mut w, d.sender_pc, "smtp.isp.example", 587);
    s.say(&mut w, "EHLO pc.home.example");
    // A long line, so that marks not moved on would name earlier lines.
    let noop = format!("NOOP {}", "x".repeat(100));
    assert_eq!(s.say(&mut w, &noop), "250 2.0.0 Ok (by the rule)\r\n");
    assert!(s.say(&mut w, "AUTH LOGIN").starts_with("334"));
    s.say(&mut w, "c21pdGhAaXNwLmV4YW1wbGU=");
    assert!(s.say(&mut w, "c21pdGg=").starts_with("235"), "logged in");
    let text = w.transcript_text(s.conn, true);
    assert!(!text.contains("c21pdGg="), "{text}");
    assert!(!text.contains("c21pdGhAaXNwLmV4YW1wbGU="), "{text}");
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    let r = i.raw(&mut w, b"a1 LOGIN boss {6+}\r\nsecret\r\na2 NOOP\r\n");
    assert!(
        r.starts_with("a1 NO [UNAVAILABLE]") && r.contains("a2 OK"),
        "{r}"
    );
    let text = w.transcript_text(i.conn, true);
    assert!(!text.contains("secret"), "{text}");
}
