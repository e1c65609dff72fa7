//! The shortcuts a learner could take by accident do not solve a challenge (each of these
//! failed before the check was tightened), and the bounce-reading challenge.

use super::*;

#[test]
fn a_typed_message_without_the_subject_and_hello_from_the_mail_client_is_not_by_hand() {
    // The shortcut: the typed message lacks the subject, the mail client's has it.
    let mut d = Desk::start("deliver-by-hand");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["alice@corp.example"], "Something else");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.mail_client_send(&["alice@corp.example"], "Hello");
    assert_eq!(
        d.first_missing(),
        "alice's INBOX has no message with the subject Hello that came straight from the \
         sender (one Received: line) yet"
    );
}

#[test]
fn no_auth_plain_hint_prints_the_base64_to_copy() {
    let c = find("auth-plain").expect("the challenge");
    let answer = encode_plain("smith@isp.example", "smith");
    for hint in &c.hints {
        assert!(
            !hint.contains(&answer),
            "a hint gives the answer away: {hint}"
        );
    }
    assert!(
        !c.task.contains("yourself"),
        "the task claims a check the watch cannot make: {}",
        c.task
    );
}

#[test]
fn pop3_dele_then_quit_alone_has_not_shown_the_dropped_connection() {
    let mut d = Desk::start("pop3-delete");
    let c = d.pop3_as_boss();
    d.type_lines(c, &["DELE 1", "QUIT"]);
    assert_eq!(
        d.first_missing(),
        "no POP3 session as boss did DELE and was then closed without QUIT (so that a later \
         login finds the message still there) yet"
    );
}

#[test]
fn pop3_delete_is_solved_by_a_dropped_dele_then_dele_and_quit() {
    let mut d = Desk::start("pop3-delete");
    let c = d.pop3_as_boss();
    d.type_lines(c, &["DELE 1"]);
    d.close(c);
    let c = d.pop3_as_boss();
    d.type_lines(c, &["DELE 1", "QUIT"]);
    d.assert_solved();
}

#[test]
fn imap_search_all_then_store_2_is_not_finding_the_message() {
    // The shortcut: any SEARCH, then the number hint 3 used to give.
    let mut d = Desk::start("imap-search-flag");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 SEARCH ALL", "a4 STORE 2 +FLAGS (\\Flagged)"]);
    assert_eq!(
        d.first_missing(),
        "no IMAP session logged in as boss has searched for the CSV attachment and then \
         flagged what it found yet"
    );
    let c = find("imap-search-flag").expect("the challenge");
    assert!(
        c.hints.iter().all(|h| !h.contains("STORE 2")),
        "a hint gives the message number away"
    );
}

// ---- 11. read a bounce ----

impl Desk {
    /// Smith reads her newest message with POP3 on the ISP.
    fn pop3_read_newest_as_smith(&mut self) -> String {
        let c = self.open(self.hosts.sender_pc, "smtp.isp.example", 110);
        self.type_lines(c, &["USER smith", "PASS smith", "STAT"]);
        let got = String::from_utf8_lossy(&self.world.take_received(c)).to_string();
        let count = got
            .lines()
            .find_map(|l| {
                l.strip_prefix("+OK ")
                    .filter(|r| r.ends_with(|c: char| c.is_ascii_digit()))
            })
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or("1")
            .to_string();
        self.type_lines(c, &[&format!("RETR {count}"), "QUIT"]);
        String::from_utf8_lossy(&self.world.take_received(c)).to_string()
    }
}

#[test]
fn a_bounce_read_and_named_to_boss_solves_it() {
    let mut d = Desk::start("read-a-bounce");
    let bounce = d.pop3_read_newest_as_smith();
    assert!(bounce.contains("Return-Path: <>"), "{bounce}");
    assert!(bounce.contains("multipart/report"), "{bounce}");
    let failed = bounce
        .lines()
        .find_map(|l| l.strip_prefix("Final-Recipient: rfc822; "))
        .expect("a Final-Recipient line");
    let status = bounce
        .lines()
        .find_map(|l| l.strip_prefix("Status: "))
        .expect("a Status line");
    assert!(!d.status().is_solved());
    d.submit_as_smith("boss@corp.example", &format!("{failed} {status}"));
    d.wait(3000);
    d.assert_solved();
}

#[test]
fn guessing_the_address_or_leaving_out_the_status_is_not_reading_the_bounce() {
    let mut d = Desk::start("read-a-bounce");
    d.submit_as_smith("boss@corp.example", "nobody@corp.example 5.1.1");
    d.submit_as_smith("boss@corp.example", "robert.boss@corp.example");
    d.wait(3000);
    assert_eq!(
        d.first_missing(),
        "boss has no message yet whose subject is the failed recipient and its status"
    );
}

// ---- 12. backup MX ----

#[test]
fn backup_mx_is_solved_by_the_isp_falling_back_to_the_backup_which_passes_it_on() {
    let mut d = Desk::start("backup-mx");
    let corp = d.hosts.corp;
    d.world.set_host_up(corp, false);
    d.submit_as_smith("boss@corp.example", "Through the backup");
    d.wait(5_000);
    assert!(!d.status().is_solved(), "still waiting on the backup");
    d.world.set_host_up(corp, true);
    d.wait(300_000);
    d.assert_solved();
}

#[test]
fn backup_mx_is_not_solved_with_the_main_host_up() {
    let mut d = Desk::start("backup-mx");
    d.submit_as_smith("boss@corp.example", "Straight");
    d.wait(5_000);
    assert_eq!(
        d.first_missing(),
        "no message for boss has gone from smtp.isp.example to the backup mx2.corp.example and \
         on to mx.corp.example yet"
    );
}

#[test]
fn handing_the_message_to_the_backup_by_hand_is_not_the_relay_falling_back() {
    // The shortcut: type the message into mx2.corp.example's port 25 from the PC; the backup
    // passes it on and boss gets it, but no relay chose the backup from the DNS answer.
    let mut d = Desk::start("backup-mx");
    let pc = d.hosts.sender_pc;
    d.smtp(
        pc,
        "mx2.corp.example",
        25,
        &[
            "EHLO pc.home.example",
            "MAIL FROM:<smith@isp.example>",
            "RCPT TO:<boss@corp.example>",
            "DATA",
            "Subject: By hand",
            "",
            "Hello.",
            ".",
        ],
    );
    d.wait(60_000);
    assert!(d
        .world
        .store
        .folder("boss@corp.example", "INBOX")
        .is_some_and(|f| f
            .messages()
            .iter()
            .any(|m| String::from_utf8_lossy(&m.raw).contains("Subject: By hand"))));
    assert_eq!(
        d.first_missing(),
        "no message for boss has gone from smtp.isp.example to the backup mx2.corp.example and \
         on to mx.corp.example yet"
    );
}
