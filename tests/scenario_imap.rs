//! Scenario tests: IMAP on the mailbox host, with SMTP delivery and POP3 alongside.

mod common;

use common::*;

#[test]
fn idle_sees_a_message_relayed_from_the_sender_right_away() {
    let (mut w, d) = world();
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    assert!(i.log.starts_with("* OK"), "{}", i.log);
    let r = i.say(&mut w, "a1 LOGIN boss boss");
    assert!(r.contains("a1 OK"), "{r}");
    let r = i.say(&mut w, "a2 SELECT INBOX");
    assert!(r.contains("* 3 EXISTS"), "{r}");
    assert_eq!(
        w.session_state(i.conn).map(|s| s.label()),
        Some("IMAP Selected")
    );
    let r = i.say(&mut w, "a3 IDLE");
    assert!(r.starts_with("+ "), "{r}");
    submit(&mut w, &d, &["boss@corp.example"], "Seen while idling");
    wait(&mut w, 1_000);
    let pushed = String::from_utf8_lossy(&w.take_received(i.conn)).to_string();
    assert!(pushed.contains("* 4 EXISTS"), "IDLE got: {pushed:?}");
    let r = i.say(&mut w, "DONE");
    assert!(r.contains("a3 OK"), "{r}");
    let r = i.say(&mut w, "a4 FETCH 4 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    assert!(r.contains("Subject: Seen while idling"), "{r}");
}

#[test]
fn a_pop3_delete_reaches_an_imap_session_as_expunge() {
    let (mut w, d) = world();
    let mut i = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    i.say(&mut w, "a1 LOGIN boss@corp.example boss");
    i.say(&mut w, "a2 SELECT INBOX");
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    p.say(&mut w, "USER boss");
    p.say(&mut w, "PASS boss");
    p.say(&mut w, "DELE 1");
    p.say(&mut w, "QUIT");
    let r = i.say(&mut w, "a3 NOOP");
    assert!(r.contains("* 1 EXPUNGE"), "{r}");
    assert!(r.contains("a3 OK"), "{r}");
}

#[test]
fn two_imap_sessions_see_each_others_flags() {
    let (mut w, d) = world();
    let mut a = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    let mut b = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 143);
    for s in [&mut a, &mut b] {
        s.say(&mut w, "t LOGIN boss boss");
        s.say(&mut w, "t SELECT INBOX");
    }
    a.say(&mut w, "t STORE 2 +FLAGS (\\Flagged)");
    let r = b.say(&mut w, "t NOOP");
    assert!(r.contains("* 2 FETCH (FLAGS ("), "{r}");
    assert!(r.contains("\\Flagged"), "{r}");
}
