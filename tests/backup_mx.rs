//! MX preference and fallback (issue 30): corp.example has a backup MX at preference 20. With
//! the main host (10) down, the ISP relays to the backup, which keeps the message and passes
//! it on when the main host is back; nothing is lost and nothing arrives twice.

mod common;

use common::*;
use mail_sandbox::sandbox::{add_backup_mx, World, WorldEvent, BACKUP_MX, CORP_HOST, ISP_HOST};

fn events(w: &mut World) -> Vec<WorldEvent> {
    std::iter::from_fn(|| w.poll_event()).collect()
}

#[test]
fn with_the_main_mx_down_the_isp_relays_to_the_backup_which_delivers_later() {
    let (mut w, d) = world();
    add_backup_mx(&mut w);
    w.set_host_up(d.corp, false);
    let before = messages(&w, "boss@corp.example", "INBOX").len();
    events(&mut w);
    assert!(submit(&mut w, &d, &["boss@corp.example"], "Via backup").starts_with("250"));
    wait(&mut w, 3_000);
    let seen = events(&mut w);
    // The DNS answer lists both, most preferred first.
    assert!(
        seen.iter()
            .any(|e| matches!(e, WorldEvent::MxLookup { host, answer, .. }
            if host == ISP_HOST && answer.len() == 2 && answer[0].preference == 10
                && answer[1].exchange == BACKUP_MX)),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, WorldEvent::Relayed { from, to, .. }
            if from == ISP_HOST && to == BACKUP_MX)),
        "the ISP hands the message to the backup MX: {seen:?}"
    );
    // The backup cannot reach the main host either, and never sends to itself: it waits.
    assert!(
        seen.iter()
            .any(|e| matches!(e, WorldEvent::Deferred { host, .. } if host == BACKUP_MX)),
        "{seen:?}"
    );
    assert_eq!(w.queue.len(), 1, "the message waits on the backup");
    assert_eq!(messages(&w, "boss@corp.example", "INBOX").len(), before);
    w.set_host_up(d.corp, true);
    wait(&mut w, 300_000);
    let later = events(&mut w);
    assert!(
        later
            .iter()
            .any(|e| matches!(e, WorldEvent::Relayed { from, to, .. }
            if from == BACKUP_MX && to == CORP_HOST)),
        "{later:?}"
    );
    assert!(w.queue.is_empty());
    let inbox = messages(&w, "boss@corp.example", "INBOX");
    assert_eq!(inbox.len(), before + 1, "delivered exactly once");
    let last = inbox.last().unwrap();
    assert!(last.contains("Subject: Via backup"));
    assert!(
        last.contains(&format!("by {BACKUP_MX}")),
        "the backup's Received: line"
    );
}

#[test]
fn the_backup_takes_only_its_domain_and_stores_no_mail() {
    let (mut w, d) = world();
    add_backup_mx(&mut w);
    let mut mx2 = Typed::open(&mut w, d.sender_pc, BACKUP_MX, 25);
    mx2.say(&mut w, "EHLO pc.home.example");
    mx2.say(&mut w, "MAIL FROM:<smith@isp.example>");
    let r = mx2.say(&mut w, "RCPT TO:<boss@corp.example>");
    assert!(r.starts_with("250"), "{r}");
    let r = mx2.say(&mut w, "RCPT TO:<someone@elsewhere.example>");
    assert!(r.starts_with("554 5.7.1"), "not an open relay: {r}");
}

#[test]
fn with_both_up_mail_goes_to_the_preferred_host_only() {
    let (mut w, d) = world();
    add_backup_mx(&mut w);
    events(&mut w);
    submit(&mut w, &d, &["boss@corp.example"], "Direct");
    wait(&mut w, 3_000);
    let seen = events(&mut w);
    assert!(
        seen.iter()
            .any(|e| matches!(e, WorldEvent::Relayed { to, .. } if to == CORP_HOST)),
        "{seen:?}"
    );
    assert!(
        !seen
            .iter()
            .any(|e| matches!(e, WorldEvent::Relayed { to, .. } if to == BACKUP_MX)),
        "{seen:?}"
    );
}
