//! Scenario tests: the last step of the seed journey, POP3 over the virtual network.

mod common;

use common::*;
use mail_sandbox::sandbox::WorldEvent;

#[test]
fn deliver_by_smtp_then_retrieve_and_delete_by_pop3_through_the_three_states() {
    let (mut w, d) = world();
    submit(&mut w, &d, &["boss@corp.example"], "Quarterly figures");
    wait(&mut w, 2_000);
    let inbox = w.store.folder("boss@corp.example", "INBOX").unwrap();
    let (seen_modseq, seen_next) = (inbox.highest_modseq, inbox.uidnext);
    let count = inbox.len();

    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    assert!(p.log.starts_with("+OK"));
    p.say(&mut w, "USER boss");
    let r = p.say(&mut w, "PASS boss");
    assert!(r.starts_with("+OK"), "{r}");
    assert_eq!(
        w.session_state(p.conn).map(|s| s.label()),
        Some("POP3 Transaction")
    );
    let list = p.say(&mut w, "LIST");
    assert!(list.ends_with(".\r\n"));
    let msg = p.say(&mut w, &format!("RETR {count}"));
    assert!(msg.contains("Subject: Quarterly figures"), "{msg}");
    p.say(&mut w, &format!("DELE {count}"));
    // Until QUIT nothing is gone.
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        count
    );
    let bye = p.say(&mut w, "QUIT");
    assert!(bye.starts_with("+OK"), "{bye}");
    let states: Vec<String> = std::iter::from_fn(|| w.poll_event())
        .filter_map(|e| match e {
            WorldEvent::SessionState { conn, state } if conn == p.conn => Some(state.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(states, vec!["POP3 Transaction", "POP3 Update"]);
    let inbox = w.store.folder("boss@corp.example", "INBOX").unwrap();
    assert_eq!(inbox.len(), count - 1);
    // The change log tells IMAP sessions about the expunge.
    let ch = inbox.changes_since(seen_modseq, seen_next);
    assert_eq!(ch.expunged.len(), 1);
}

#[test]
fn a_drop_without_quit_keeps_everything_and_a_second_session_is_in_use() {
    let (mut w, d) = world();
    let mut p = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    p.say(&mut w, "USER boss");
    p.say(&mut w, "PASS boss");
    p.say(&mut w, "DELE 1");
    p.say(&mut w, "DELE 2");
    let mut q = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    q.say(&mut w, "USER boss");
    let r = q.say(&mut w, "PASS boss");
    assert!(r.starts_with("-ERR [IN-USE]"), "{r}");
    // The recipient's PC loses its link to the mail host mid-session.
    let now = w.now();
    w.net.set_link_cut(now, d.recipient_pc, d.corp, true);
    wait(&mut w, 500);
    w.net.set_link_cut(w.now(), d.recipient_pc, d.corp, false);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        3
    );
    // The lock went with the session: a new login works.
    let mut again = Typed::open(&mut w, d.recipient_pc, "mx.corp.example", 110);
    again.say(&mut w, "USER boss");
    let r = again.say(&mut w, "PASS boss");
    assert!(r.starts_with("+OK"), "{r}");
}
