use super::*;

fn store() -> Store {
    let mut s = Store::new();
    s.add_domain("corp.example", "mx.corp.example");
    s.add_domain("other.example", "mx.corp.example");
    s.add_account("boss@corp.example", "pw", "Boss").unwrap();
    s.add_account("boss@other.example", "pw2", "Other Boss")
        .unwrap();
    s.add_account("alice@corp.example", "apw", "Alice").unwrap();
    s
}

#[test]
fn logins_accept_full_address_and_unambiguous_local_part() {
    let s = store();
    assert_eq!(
        s.authenticate("alice", "apw", "mx.corp.example").as_deref(),
        Some("alice@corp.example")
    );
    assert_eq!(
        s.authenticate("ALICE@corp.example", "apw", "mx.corp.example")
            .as_deref(),
        Some("alice@corp.example")
    );
    // "boss" exists in two domains on this host: ambiguous.
    assert_eq!(s.authenticate("boss", "pw", "mx.corp.example"), None);
    assert_eq!(s.authenticate("alice", "wrong", "mx.corp.example"), None);
    // Not on another host.
    assert_eq!(s.authenticate("alice", "apw", "smtp.isp.example"), None);
}

#[test]
fn uids_grow_and_uidvalidity_is_per_folder() {
    let mut s = store();
    let (uv, a) = s
        .deliver(
            "alice@corp.example",
            "inbox",
            b"a".to_vec(),
            Flags::new(),
            0,
        )
        .unwrap();
    let (uv2, b) = s
        .deliver(
            "alice@corp.example",
            "INBOX",
            b"b".to_vec(),
            Flags::new(),
            0,
        )
        .unwrap();
    assert_eq!((a, b), (1, 2));
    assert_eq!(uv, uv2);
    let f = s.folder_mut("alice@corp.example", "INBOX").unwrap();
    f.expunge(&[2]);
    let (_, c) = s
        .deliver(
            "alice@corp.example",
            "INBOX",
            b"c".to_vec(),
            Flags::new(),
            0,
        )
        .unwrap();
    assert_eq!(c, 3, "UIDs are never reused");
    let sent = s.folder("alice@corp.example", "Sent").unwrap();
    assert_ne!(sent.uidvalidity, uv);
    assert_eq!(sent.special_use, Some(SpecialUse::Sent));
}

#[test]
fn delivery_is_atomic_under_limits() {
    let mut s = store();
    s.limits.max_message_size = 10;
    let before = s.folder("alice@corp.example", "INBOX").unwrap().clone();
    assert_eq!(
        s.deliver(
            "alice@corp.example",
            "INBOX",
            vec![b'x'; 11],
            Flags::new(),
            0
        ),
        Err(StoreError::TooLarge)
    );
    assert_eq!(
        s.deliver(
            "nobody@corp.example",
            "INBOX",
            vec![b'x'; 1],
            Flags::new(),
            0
        ),
        Err(StoreError::NoSuchUser)
    );
    assert_eq!(s.folder("alice@corp.example", "INBOX").unwrap(), &before);
}

#[test]
fn change_log_reports_new_changed_and_expunged() {
    let mut s = store();
    for i in 0..3 {
        s.deliver(
            "alice@corp.example",
            "INBOX",
            vec![b'0' + i],
            Flags::new(),
            0,
        )
        .unwrap();
    }
    let f = s.folder("alice@corp.example", "INBOX").unwrap();
    let (seen_modseq, seen_next) = (f.highest_modseq, f.uidnext);
    let f = s.folder_mut("alice@corp.example", "INBOX").unwrap();
    f.set_flags(1, Flags::new().with(Flag::Seen));
    f.expunge(&[2]);
    s.deliver(
        "alice@corp.example",
        "INBOX",
        b"new".to_vec(),
        Flags::new(),
        0,
    )
    .unwrap();
    let ch = s
        .folder("alice@corp.example", "INBOX")
        .unwrap()
        .changes_since(seen_modseq, seen_next);
    assert_eq!(ch.flags_changed, vec![1]);
    assert_eq!(ch.expunged, vec![2]);
    assert_eq!(ch.added, vec![4]);
    assert!(!ch.truncated);
}

#[test]
fn recent_is_claimed_by_exactly_one_session() {
    let mut s = store();
    s.deliver(
        "alice@corp.example",
        "INBOX",
        b"x".to_vec(),
        Flags::new(),
        0,
    )
    .unwrap();
    let f = s.folder_mut("alice@corp.example", "INBOX").unwrap();
    assert_eq!(f.unclaimed_recent(), 1);
    assert_eq!(f.claim_recent(), 1);
    assert_eq!(f.claim_recent(), 2, "second session sees nothing recent");
}

#[test]
fn folders_create_rename_delete() {
    let mut s = store();
    let u = "alice@corp.example";
    s.create_folder(u, "Work/2026/Q4").unwrap();
    assert!(s.folder(u, "Work/2026").is_some());
    assert_eq!(s.create_folder(u, "Work"), Err(StoreError::FolderExists));
    s.rename_folder(u, "Work", "Jobs").unwrap();
    assert!(s.folder(u, "Jobs/2026/Q4").is_some());
    assert!(s.folder(u, "Work").is_none());
    s.deliver(u, "INBOX", b"m".to_vec(), Flags::new(), 0)
        .unwrap();
    s.rename_folder(u, "INBOX", "Old").unwrap();
    assert_eq!(s.folder(u, "Old").unwrap().len(), 1);
    assert_eq!(s.folder(u, "INBOX").unwrap().len(), 0);
    assert!(s.delete_folder(u, "INBOX").is_err());
    s.delete_folder(u, "Old").unwrap();
}

#[test]
fn snapshot_round_trips() {
    let mut s = store();
    s.deliver(
        "alice@corp.example",
        "INBOX",
        b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        Flags::new().with(Flag::Flagged),
        42,
    )
    .unwrap();
    let json = s.snapshot();
    let back = Store::restore(&json).unwrap();
    assert_eq!(back.snapshot(), json);
    let m = &back
        .folder("alice@corp.example", "INBOX")
        .unwrap()
        .messages()[0];
    assert!(m.flags.contains(Flag::Flagged));
    assert_eq!(&m.raw[..4], b"Subj");
}

#[test]
fn maildrop_lock_is_exclusive() {
    let mut s = store();
    assert!(s.lock_maildrop("alice@corp.example"));
    assert!(!s.lock_maildrop("ALICE@corp.example"));
    s.unlock_maildrop("alice@corp.example");
    assert!(s.lock_maildrop("alice@corp.example"));
}

/// The indexed change log answers exactly what a scan of every message would, after appends,
/// flag changes, expunges and a snapshot round trip.
#[test]
fn change_log_index_agrees_with_a_full_scan() {
    fn scan(f: &Folder, modseq: u64, uidnext: u32) -> (Vec<u32>, Vec<u32>) {
        let mut changed = Vec::new();
        let mut added = Vec::new();
        for m in f.messages() {
            if m.uid >= uidnext {
                added.push(m.uid);
            } else if m.modseq > modseq {
                changed.push(m.uid);
            }
        }
        (changed, added)
    }
    let mut f = Folder::new(1, None);
    let mut marks = vec![(f.highest_modseq, f.uidnext)];
    for round in 0..6u32 {
        for i in 0..20u32 {
            f.append(
                format!("Subject: {round}.{i}\r\n\r\nx\r\n").into_bytes(),
                Flags::new(),
                0,
            );
        }
        let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
        for (k, &u) in uids.iter().enumerate() {
            if (k as u32 + round).is_multiple_of(7) {
                f.set_flags(u, Flags::new().with(Flag::Seen));
            }
        }
        let gone: Vec<u32> = uids
            .iter()
            .copied()
            .filter(|u| (u + round) % 11 == 0)
            .collect();
        f.expunge(&gone);
        marks.push((f.highest_modseq, f.uidnext));
    }
    let json = serde_json::to_string(&f).unwrap();
    let restored: Folder = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, f);
    for g in [&f, &restored] {
        for &(modseq, uidnext) in &marks {
            let c = g.changes_since(modseq, uidnext);
            assert_eq!((c.flags_changed, c.added), scan(g, modseq, uidnext));
        }
    }
}

/// A catch-all host takes mail for any address of a domain no other host holds: the account
/// (login and password: the address) appears on its first delivery. Without it, unknown
/// addresses stay refused.
#[test]
fn a_catch_all_makes_the_account_on_first_delivery() {
    let mut s = store();
    s.add_domain("isp.example", "smtp.isp.example");
    assert!(!s.accepts_mail_for("new-user-4711@customer.example"));
    assert_eq!(s.domain_host("customer.example"), None);
    assert_eq!(
        s.deliver(
            "nobody@corp.example",
            "INBOX",
            b"x".to_vec(),
            Flags::new(),
            0
        ),
        Err(StoreError::NoSuchUser)
    );
    s.set_catch_all(Some("mx.corp.example"));
    for address in ["New-User-4711@Customer.Example", "nobody@corp.example"] {
        assert!(s.accepts_mail_for(address), "{address}");
        s.deliver(address, "INBOX", b"x".to_vec(), Flags::new(), 0)
            .unwrap();
        let login = address.to_ascii_lowercase();
        assert_eq!(
            s.authenticate(&login, &login, "mx.corp.example"),
            Some(login.clone())
        );
        assert_eq!(s.folder(&login, "INBOX").map(Folder::len), Some(1));
    }
    assert_eq!(s.domain_host("customer.example"), Some("mx.corp.example"));
    // A domain another host holds keeps its host and its refusals.
    assert!(!s.accepts_mail_for("ghost@isp.example"));
    assert!(!s.accepts_mail_for("no-domain"));
    let restored = Store::restore(&s.snapshot()).unwrap();
    assert_eq!(restored.catch_all(), Some("mx.corp.example"));
    s.set_catch_all(None);
    assert!(!s.accepts_mail_for("other@customer.example"));
    assert!(s.accepts_mail_for("new-user-4711@customer.example"));
}
