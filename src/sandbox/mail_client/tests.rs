//! The mail-client tasks over the default world.
use super::*;
use crate::sandbox::default_world;

fn note(subject: &str) -> Vec<u8> {
    format!(
        "From: Jane Smith <smith@isp.example>\r\nTo: boss@corp.example\r\nSubject: {subject}\r\n\r\nHello.\r\n.leading dot\r\n"
    )
    .into_bytes()
}

fn settle(w: &mut World, secs: u64) {
    let t = w.now() + Duration::from_secs(secs);
    w.run_until(t);
}

#[test]
fn submit_then_relay_then_pop3_download_with_delete() {
    let (mut w, d) = default_world(1);
    let sub = Submission {
        login: "smith".into(),
        password: "smith".into(),
        from: "smith@isp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw: note("Status update"),
    };
    let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
    let st = run_task(&mut w, &mut t);
    let TaskStatus::Done(Outcome::Submitted(text)) = st else {
        panic!("{st:?}")
    };
    assert!(text.starts_with("250"), "{text}");
    settle(&mut w, 5);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        4
    );
    let tr = w.transcript_text(t.conn(), true);
    assert!(tr.contains("C: AUTH PLAIN ********"), "{tr}");

    // Keep a copy first: nothing is deleted.
    let mut t = Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        true,
    )
    .unwrap();
    let TaskStatus::Done(Outcome::Mailbox { messages, .. }) = run_task(&mut w, &mut t) else {
        panic!()
    };
    assert_eq!(messages.len(), 4);
    assert!(messages.iter().all(|m| m.uidl.is_some()));
    let last = crate::message::parse(&messages[3].raw);
    assert_eq!(last.subject.as_deref(), Some("Status update"));
    assert!(String::from_utf8_lossy(&messages[3].raw).contains("\r\n.leading dot\r\n"));
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        4
    );

    // Then download and delete.
    let mut t = Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        false,
    )
    .unwrap();
    let st = run_task(&mut w, &mut t);
    assert!(
        matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.len() == 4)
    );
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        0
    );
    let tr = w.transcript_text(t.conn(), true);
    assert!(tr.contains("C: DELE 4") && tr.contains("C: QUIT"), "{tr}");
}

#[test]
fn failures_are_reported_not_panics() {
    let (mut w, d) = default_world(1);
    let mut t = Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "nope",
        true,
    )
    .unwrap();
    let st = run_task(&mut w, &mut t);
    assert!(
        matches!(st, TaskStatus::Failed(ref e) if e.contains("login failed")),
        "{st:?}"
    );
    let sub = Submission {
        login: "smith".into(),
        password: "wrong".into(),
        from: "smith@isp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw: note("x"),
    };
    let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
    assert!(matches!(run_task(&mut w, &mut t), TaskStatus::Failed(ref e) if e.starts_with("535")));
    w.set_host_up(d.corp, false);
    assert!(Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        true
    )
    .is_err());
}

#[test]
fn imap_open_flag_move_append_delete() {
    let (mut w, d) = default_world(1);
    assert!(w.net.is_listening(d.corp, 143));
    let pc = d.recipient_pc;
    let host = "mx.corp.example";
    let open = |w: &mut World, folder: &str| {
        let mut t = Task::imap(
            w,
            pc,
            host,
            "boss",
            "boss",
            ImapAction::Open {
                folder: folder.into(),
            },
        )
        .unwrap();
        match run_task(w, &mut t) {
            TaskStatus::Done(Outcome::Mailbox {
                folders, messages, ..
            }) => (folders, messages),
            other => panic!("{other:?}"),
        }
    };
    let (folders, msgs) = open(&mut w, "INBOX");
    assert!(folders.iter().any(|f| f.name == "INBOX"), "{folders:?}");
    assert_eq!(msgs.len(), 3);
    assert!(msgs[0].flags.iter().any(|f| f == "\\Seen"));
    let uid = msgs[1].id;
    let run = |w: &mut World, a: ImapAction| {
        let mut t = Task::imap(w, pc, host, "boss", "boss", a).unwrap();
        let st = run_task(w, &mut t);
        assert!(matches!(st, TaskStatus::Done(_)), "{st:?}");
    };
    run(
        &mut w,
        ImapAction::Flag {
            folder: "INBOX".into(),
            uid,
            flag: "\\Flagged".into(),
            on: true,
        },
    );
    let (_, msgs) = open(&mut w, "INBOX");
    assert!(msgs[1].flags.iter().any(|f| f == "\\Flagged"));
    let archive = folders
        .iter()
        .find(|f| f.name != "INBOX")
        .map(|f| f.name.clone())
        .unwrap_or("INBOX".into());
    run(
        &mut w,
        ImapAction::Move {
            folder: "INBOX".into(),
            uid,
            to: archive.clone(),
        },
    );
    assert_eq!(open(&mut w, "INBOX").1.len(), 2);
    run(
        &mut w,
        ImapAction::Append {
            folder: "INBOX".into(),
            raw: note("Imported"),
        },
    );
    let (_, msgs) = open(&mut w, "INBOX");
    assert_eq!(msgs.len(), 3);
    let uid = msgs[2].id;
    run(
        &mut w,
        ImapAction::Delete {
            folder: "INBOX".into(),
            uid,
        },
    );
    assert_eq!(open(&mut w, "INBOX").1.len(), 2);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        2
    );
}

/// Issue 27: an answer longer than a client endpoint holds by default (8 MiB) that
/// arrives between two polls lost its oldest bytes, cutting a literal, and the client
/// read message text as responses ("unexpected response: omain envelope ...").
#[test]
fn an_imap_answer_longer_than_an_endpoints_default_inbox_arrives_whole() {
    let (mut w, d) = default_world(1);
    let line = "domain envelope message mailbox route body a3 OK {12}\r\n";
    let mut raw = b"Subject: Nine megabytes\r\n\r\n".to_vec();
    while raw.len() < 9 * 1024 * 1024 {
        raw.extend_from_slice(line.as_bytes());
    }
    let (_, uid) = w
        .store
        .deliver(
            "boss@corp.example",
            "INBOX",
            raw.clone(),
            Default::default(),
            0,
        )
        .unwrap();
    let mut t = Task::imap(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        ImapAction::Read {
            folder: "INBOX".into(),
            uid,
        },
    )
    .unwrap();
    // One long step: the whole answer arrives before the task polls.
    let t0 = w.now() + Duration::from_secs(30);
    w.run_until(t0);
    match run_task(&mut w, &mut t) {
        TaskStatus::Done(Outcome::Message(m)) => {
            assert_eq!(m.raw.len(), raw.len());
            assert!(m.raw == raw && m.whole);
        }
        TaskStatus::Failed(why) => panic!("the read failed: {why}"),
        _ => panic!("not one message"),
    }
}

#[test]
fn an_empty_maildrop_and_a_bad_imap_login() {
    let (mut w, d) = default_world(1);
    let mut t = Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "alice@corp.example",
        "alice",
        false,
    )
    .unwrap();
    let st = run_task(&mut w, &mut t);
    assert!(
        matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.is_empty()),
        "{st:?}"
    );
    let tr = w.transcript_text(t.conn(), true);
    assert!(
        tr.contains("C: STAT") && tr.contains("C: QUIT") && !tr.contains("RETR"),
        "{tr}"
    );
    let mut t = Task::imap(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "wrong",
        ImapAction::Open {
            folder: "INBOX".into(),
        },
    )
    .unwrap();
    let st = run_task(&mut w, &mut t);
    assert!(
        matches!(st, TaskStatus::Failed(ref e) if e.starts_with("NO")),
        "{st:?}"
    );
    assert!(w
        .transcript_text(t.conn(), true)
        .contains("a1 LOGIN \"boss\" ********"));
}

#[test]
fn a_message_to_a_cut_off_domain_waits_in_the_queue() {
    let (mut w, d) = default_world(1);
    let now = w.now();
    w.net.set_link_cut(now, d.isp, d.corp, true);
    let sub = Submission {
        login: "smith@isp.example".into(),
        password: "smith".into(),
        from: "smith@isp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw: note("Held"),
    };
    let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
    assert!(matches!(run_task(&mut w, &mut t), TaskStatus::Done(_)));
    settle(&mut w, 5);
    let e = w.queue.entries().next().expect("queued");
    assert!(e.last_error.is_some());
    let now = w.now();
    w.net.set_link_cut(now, d.isp, d.corp, false);
    settle(&mut w, 3600);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        4
    );
}

#[test]
fn an_eml_handed_to_port_25_lands_in_the_mailbox() {
    let (mut w, d) = default_world(1);
    let sub = Submission {
        login: String::new(),
        password: String::new(),
        from: "alice@corp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw: note("Imported over SMTP"),
    };
    let mut t = Task::smtp_deliver(&mut w, d.recipient_pc, "mx.corp.example", sub).unwrap();
    let st = run_task(&mut w, &mut t);
    assert!(
        matches!(st, TaskStatus::Done(Outcome::Submitted(ref r)) if r.starts_with("250")),
        "{st:?}"
    );
    settle(&mut w, 5);
    assert_eq!(
        w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
        4
    );
    assert!(!w.transcript_text(t.conn(), true).contains("C: AUTH"));
}
