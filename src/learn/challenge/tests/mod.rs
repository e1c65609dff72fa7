//! Every challenge solved by a scripted session (the bytes a learner types in the terminals),
//! and wrong or partial attempts that are not, with the first sentence of what is missing.

use super::*;
use crate::net::{ConnId, HostId};
use crate::sandbox::journey::Journey;
use crate::time::Duration;
use crate::wire::sasl::encode_plain;

mod shortcuts;
#[cfg(feature = "tls")]
mod tls;

/// A challenge being played: its world, the journey the page draws, and the watch.
struct Desk {
    world: World,
    hosts: DefaultWorld,
    journey: Journey,
    watch: Watch,
}

impl Desk {
    fn start(id: &str) -> Desk {
        let c = find(id).unwrap_or_else(|| panic!("no challenge {id}"));
        let (world, hosts) = c.fresh_world();
        let journey = Journey::new(&world);
        let watch = Watch::new(&c, &world);
        Desk {
            world,
            hosts,
            journey,
            watch,
        }
    }

    /// Lets time pass, then feeds the watch what the page would (a journey poll).
    fn wait(&mut self, ms: u64) {
        let t = self.world.now() + Duration::from_millis(ms);
        self.world.run_until(t);
        let events: Vec<_> = std::iter::from_fn(|| self.world.poll_event_stamped()).collect();
        let hops = self.journey.poll(&self.world, &events);
        self.watch.observe(&self.world, &hops);
    }

    fn open(&mut self, from: HostId, to: &str, port: u16) -> ConnId {
        let c = self.world.connect(from, to, port).expect("connect");
        self.wait(300);
        c
    }

    /// Types lines, one at a time, as in a terminal.
    fn type_lines(&mut self, c: ConnId, lines: &[&str]) {
        for l in lines {
            self.world.send(c, format!("{l}\r\n").as_bytes());
            self.wait(300);
        }
    }

    fn close(&mut self, c: ConnId) {
        self.world.close(c);
        self.wait(300);
    }

    fn status(&self) -> Status {
        self.watch.status(&self.world)
    }

    fn first_missing(&self) -> String {
        match self.status() {
            Status::Solved => panic!("solved, but it should not be"),
            Status::Missing(m) => m.first().cloned().unwrap_or_default(),
        }
    }

    fn assert_solved(&self) {
        assert_eq!(self.status(), Status::Solved);
    }

    /// An SMTP session by hand: greeting, the lines, QUIT.
    fn smtp(&mut self, from: HostId, to: &str, port: u16, lines: &[&str]) {
        let c = self.open(from, to, port);
        self.type_lines(c, lines);
        self.type_lines(c, &["QUIT"]);
    }

    /// Smith submits a message on port 587 of the ISP with AUTH PLAIN.
    fn submit_as_smith(&mut self, rcpt: &str, subject: &str) {
        let auth = format!("AUTH PLAIN {}", encode_plain("smith@isp.example", "smith"));
        let rcpt = format!("RCPT TO:<{rcpt}>");
        let subject = format!("Subject: {subject}");
        let pc = self.hosts.sender_pc;
        self.smtp(
            pc,
            "smtp.isp.example",
            587,
            &[
                "EHLO pc.home.example",
                &auth,
                "MAIL FROM:<smith@isp.example>",
                &rcpt,
                "DATA",
                &subject,
                "",
                "Hello.",
                ".",
            ],
        );
    }

    fn imap_as_boss(&mut self) -> ConnId {
        let c = self.open(self.hosts.recipient_pc, "mx.corp.example", 143);
        self.type_lines(c, &["a1 LOGIN boss boss", "a2 SELECT INBOX"]);
        c
    }

    fn pop3_as_boss(&mut self) -> ConnId {
        let c = self.open(self.hosts.recipient_pc, "mx.corp.example", 110);
        self.type_lines(c, &["USER boss", "PASS boss"]);
        c
    }
}

fn message_to(rcpts: &[&str], subject: &str) -> Vec<String> {
    let mut lines = vec![
        "EHLO pc.home.example".to_string(),
        "MAIL FROM:<smith@isp.example>".to_string(),
    ];
    lines.extend(rcpts.iter().map(|r| format!("RCPT TO:<{r}>")));
    lines.extend([
        "DATA".to_string(),
        "From: smith@isp.example".to_string(),
        format!("Subject: {subject}"),
        String::new(),
        "Hi.".to_string(),
        ".".to_string(),
    ]);
    lines
}

fn refs(lines: &[String]) -> Vec<&str> {
    lines.iter().map(String::as_str).collect()
}

#[test]
fn every_challenge_file_parses_with_a_unique_id() {
    let all = parse_all().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(all.len(), 14);
    assert_eq!(
        builtin(),
        all,
        "the values build.rs wrote are the files as read at run time"
    );
    let ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids[0], "deliver-by-hand");
    assert_eq!(ids[9], "idle-wake");
    assert_eq!(ids[10], "read-a-bounce");
    assert_eq!(ids[12], "submit-over-tls");
    assert_eq!(ids[13], "eavesdrop-a-password");
    for c in &all {
        assert!(!c.hints.is_empty() && !c.links.is_empty(), "{}", c.id);
    }
}

#[test]
fn nothing_done_is_not_solved() {
    for c in builtin() {
        let (world, _) = c.fresh_world();
        let watch = Watch::new(&c, &world);
        assert!(!watch.status(&world).is_solved(), "{} solved at once", c.id);
    }
}

// ---- 1. deliver by hand ----

#[test]
fn deliver_by_hand_is_solved_by_an_smtp_session_on_port_25() {
    let mut d = Desk::start("deliver-by-hand");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["alice@corp.example"], "Hello");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.assert_solved();
}

#[test]
fn deliver_by_hand_with_the_wrong_subject_says_which_subject_is_missing() {
    let mut d = Desk::start("deliver-by-hand");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["alice@corp.example"], "Helo");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    assert_eq!(
        d.first_missing(),
        "alice's INBOX has no message with the subject Hello that came straight from the \
         sender (one Received: line) yet"
    );
}

#[test]
fn deliver_by_hand_through_the_isp_is_not_by_hand_on_port_25() {
    let mut d = Desk::start("deliver-by-hand");
    d.submit_as_smith("alice@corp.example", "Hello");
    d.wait(3000);
    assert_eq!(
        d.status(),
        Status::Missing(vec![
            "alice's INBOX has no message with the subject Hello that came straight from the \
             sender (one Received: line) yet"
                .into(),
            "no message to alice@corp.example was typed by hand on port 25 of mx.corp.example yet"
                .into()
        ])
    );
}

// ---- 2. two recipients ----

#[test]
fn two_recipients_is_solved_by_one_transaction_with_two_rcpts() {
    let mut d = Desk::start("two-recipients");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example", "alice@corp.example"], "Both");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.assert_solved();
}

#[test]
fn two_recipients_pipelined_in_one_write_pairs_each_reply_with_its_command() {
    let mut d = Desk::start("two-recipients");
    let c = d.open(d.hosts.sender_pc, "mx.corp.example", 25);
    d.type_lines(c, &["EHLO pc.home.example"]);
    // RFC 2920: the client sends the whole envelope before reading any reply.
    d.world.send(
        c,
        b"MAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\n\
          RCPT TO:<alice@corp.example>\r\nDATA\r\n",
    );
    d.wait(300);
    d.type_lines(c, &["Subject: x", "", "x", ".", "QUIT"]);
    d.assert_solved();
}

#[test]
fn two_separate_transactions_are_not_one_message_to_both() {
    let mut d = Desk::start("two-recipients");
    let pc = d.hosts.sender_pc;
    let mut lines = message_to(&["boss@corp.example"], "One");
    lines.extend(
        message_to(&["alice@corp.example"], "Two")
            .into_iter()
            .skip(1),
    );
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    assert_eq!(
        d.first_missing(),
        "no single SMTP transaction has carried one message to both boss@corp.example and \
         alice@corp.example yet"
    );
}

#[test]
fn a_refused_recipient_does_not_count_as_carried() {
    let mut d = Desk::start("two-recipients");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example", "alicia@corp.example"], "x");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    assert!(d.first_missing().starts_with("no single SMTP transaction"));
}

// ---- 3. AUTH PLAIN ----

#[test]
fn auth_plain_is_solved_by_a_submission_with_a_made_up_base64() {
    let mut d = Desk::start("auth-plain");
    d.submit_as_smith("boss@corp.example", "x");
    d.assert_solved();
}

#[test]
fn auth_plain_with_the_response_after_the_334_challenge_counts_too() {
    let mut d = Desk::start("auth-plain");
    let b64 = encode_plain("smith@isp.example", "smith");
    let pc = d.hosts.sender_pc;
    let mut lines = vec!["EHLO x".to_string(), "AUTH PLAIN".into(), b64];
    lines.extend(message_to(&["boss@corp.example"], "x").into_iter().skip(1));
    d.smtp(pc, "smtp.isp.example", 587, &refs(&lines));
    d.assert_solved();
}

#[test]
fn auth_plain_with_a_wrong_password_or_auth_login_is_not_solved() {
    for auth in [
        format!("AUTH PLAIN {}", encode_plain("smith@isp.example", "wrong")),
        "AUTH LOGIN".to_string(),
    ] {
        let mut d = Desk::start("auth-plain");
        let pc = d.hosts.sender_pc;
        let mut lines = vec!["EHLO x".to_string(), auth.clone()];
        if auth == "AUTH LOGIN" {
            lines.push(crate::wire::sasl::b64_encode(b"smith@isp.example"));
            lines.push(crate::wire::sasl::b64_encode(b"smith"));
        }
        lines.extend(message_to(&["boss@corp.example"], "x").into_iter().skip(1));
        d.smtp(pc, "smtp.isp.example", 587, &refs(&lines));
        assert_eq!(
            d.first_missing(),
            "no message was sent on port 587 of smtp.isp.example after a successful AUTH PLAIN yet",
            "{auth}"
        );
    }
}

// ---- 4. POP3 TOP ----

#[test]
fn pop3_top_is_solved_by_top_2_0() {
    let mut d = Desk::start("pop3-top");
    let c = d.pop3_as_boss();
    d.type_lines(c, &["TOP 2 0", "QUIT"]);
    d.assert_solved();
}

#[test]
fn pop3_retr_reads_the_whole_message_and_is_not_top() {
    let mut d = Desk::start("pop3-top");
    let c = d.pop3_as_boss();
    d.type_lines(c, &["RETR 2", "TOP 1 0", "QUIT"]);
    assert_eq!(
        d.first_missing(),
        "no POP3 session logged in as boss has read message 2 with TOP 2 0 yet"
    );
}

#[test]
fn pop3_top_before_logging_in_is_refused_and_does_not_count() {
    let mut d = Desk::start("pop3-top");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 110);
    d.type_lines(c, &["TOP 2 0", "USER boss", "PASS nope"]);
    assert!(!d.status().is_solved());
}

// ---- 5. POP3 DELE then QUIT ----

#[test]
fn pop3_dele_then_a_dropped_connection_leaves_the_message_on_the_server() {
    let mut d = Desk::start("pop3-delete");
    let c = d.pop3_as_boss();
    d.type_lines(c, &["DELE 1"]);
    d.close(c);
    assert_eq!(
        d.first_missing(),
        "boss's INBOX still has a message with the subject Welcome to Mail Sandbox"
    );
    // Logging in again shows it: the session never reached UPDATE.
    let c = d.pop3_as_boss();
    d.type_lines(c, &["QUIT"]);
    assert_eq!(
        d.status(),
        Status::Missing(vec![
            "boss's INBOX still has a message with the subject Welcome to Mail Sandbox".into(),
            "a POP3 session as boss on mx.corp.example port 110 did DELE (accepted) but not \
             QUIT (accepted) after it yet"
                .into()
        ])
    );
}

// ---- 6. IMAP SEARCH and flag ----

#[test]
fn imap_search_and_flag_is_solved_by_search_then_store() {
    let mut d = Desk::start("imap-search-flag");
    let c = d.imap_as_boss();
    d.world.take_received(c);
    // The hint's search finds message 2 alone.
    d.type_lines(c, &["a3 SEARCH TEXT text/csv"]);
    let got = d.world.take_received(c);
    assert!(got.starts_with(b"* SEARCH 2\r\na3 OK"), "{got:?}");
    d.type_lines(c, &["a4 STORE 2 +FLAGS (\\Flagged)"]);
    d.assert_solved();
}

#[test]
fn imap_flagging_the_wrong_message_is_not_solved() {
    let mut d = Desk::start("imap-search-flag");
    let c = d.imap_as_boss();
    d.type_lines(
        c,
        &["a3 UID SEARCH TEXT csv", "a4 STORE 1 +FLAGS (\\Flagged)"],
    );
    assert_eq!(
        d.first_missing(),
        "boss's INBOX has no message with a text/csv attachment and flagged \\Flagged yet"
    );
}

#[test]
fn imap_flagging_without_a_search_says_the_search_is_missing() {
    let mut d = Desk::start("imap-search-flag");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 FETCH 2 BODY[]", "a4 STORE 2 +FLAGS (\\Flagged)"]);
    assert_eq!(
        d.first_missing(),
        "no IMAP session logged in as boss has searched for the CSV attachment and then \
         flagged what it found yet"
    );
}

// ---- 7. IMAP CREATE and MOVE ----

#[test]
fn imap_travel_folder_is_solved_by_create_then_move() {
    let mut d = Desk::start("imap-travel-folder");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 CREATE Travel", "a4 MOVE 3 Travel"]);
    d.assert_solved();
}

#[test]
fn imap_copy_without_removing_leaves_zoes_message_in_the_inbox() {
    let mut d = Desk::start("imap-travel-folder");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 CREATE Travel", "a4 COPY 3 Travel"]);
    assert_eq!(
        d.first_missing(),
        "boss's INBOX still has the message from Zoë"
    );
}

#[test]
fn imap_moving_the_wrong_message_says_what_is_missing_first() {
    let mut d = Desk::start("imap-travel-folder");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 MOVE 1 Travel"]);
    assert_eq!(d.first_missing(), "boss has no folder Travel yet");
}

// ---- 8. bounce ----

#[test]
fn bounce_is_solved_by_sending_through_the_isp_to_an_unknown_user() {
    let mut d = Desk::start("bounce");
    d.submit_as_smith("nobody@corp.example", "Lost");
    d.wait(5000);
    d.assert_solved();
}

#[test]
fn an_unknown_user_refused_at_rcpt_on_the_mx_is_no_bounce() {
    let mut d = Desk::start("bounce");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["nobody@corp.example"], "Lost");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.wait(5000);
    assert_eq!(
        d.first_missing(),
        "smtp.isp.example has not bounced a message back to smith yet"
    );
}

// ---- 9. retry ----

#[test]
fn retry_is_solved_by_a_deferral_then_a_relay_of_the_same_message() {
    let mut d = Desk::start("retry");
    let corp = d.hosts.corp;
    d.world.set_host_up(corp, false);
    d.submit_as_smith("boss@corp.example", "Later");
    d.wait(5000);
    assert!(!d.status().is_solved());
    d.world.set_host_up(corp, true);
    d.wait(120_000);
    d.assert_solved();
}

#[test]
fn a_delivery_without_a_deferral_is_no_retry() {
    let mut d = Desk::start("retry");
    d.submit_as_smith("boss@corp.example", "At once");
    d.wait(5000);
    assert_eq!(
        d.first_missing(),
        "no message has been deferred by smtp.isp.example and then relayed by a retry yet"
    );
}

#[test]
fn a_message_deferred_and_never_relayed_is_not_a_retry_yet() {
    let mut d = Desk::start("retry");
    d.world.set_host_up(d.hosts.corp, false);
    d.submit_as_smith("boss@corp.example", "Later");
    d.wait(120_000);
    assert_eq!(
        d.status(),
        Status::Missing(vec![
            "no message has been deferred by smtp.isp.example and then relayed by a retry yet"
                .into(),
            "no message was delivered by mx.corp.example yet".into()
        ])
    );
}

// ---- 10. IDLE ----

#[test]
fn idle_is_woken_by_a_delivery_from_another_terminal() {
    let mut d = Desk::start("idle-wake");
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 IDLE"]);
    assert!(!d.status().is_solved());
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example"], "Wake up");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.assert_solved();
    d.type_lines(c, &["DONE", "a4 LOGOUT"]);
    d.assert_solved();
}

#[test]
fn a_delivery_before_idle_does_not_wake_it() {
    let mut d = Desk::start("idle-wake");
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example"], "Too early");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    let c = d.imap_as_boss();
    d.type_lines(c, &["a3 IDLE"]);
    d.wait(5000);
    assert_eq!(
        d.first_missing(),
        "no IMAP session of boss idling on the INBOX has been told of a new message (an \
         untagged EXISTS) yet"
    );
}

// ---- the data format ----

const MINIMAL: &str = r#"{"id":"x-1","title":"t","task":"t","solved":"s",
    "goal":[{"folder_exists":{"user":"boss@corp.example","folder":"Travel"}}]}"#;

#[test]
fn a_minimal_file_parses_and_words_its_own_sentence() {
    let c = parse(MINIMAL).unwrap();
    let (world, _) = c.fresh_world();
    assert_eq!(
        Watch::new(&c, &world).status(&world),
        Status::Missing(vec!["boss has no folder Travel yet".into()])
    );
}

#[test]
fn mistakes_in_a_file_are_typed_errors_with_a_reason() {
    let with = |from: &str, to: &str| parse(&MINIMAL.replace(from, to));
    assert_eq!(with("x-1", "X 1"), Err(ParseError::BadId("X 1".into())));
    assert_eq!(with(r#""s""#, r#"" ""#), Err(ParseError::Empty("solved")));
    assert_eq!(
        with("boss@corp.example", "carol@corp.example"),
        Err(ParseError::UnknownUser("carol@corp.example".into()))
    );
    assert!(matches!(
        with("folder_exists", "folder_is_there"),
        Err(ParseError::BadCheck { index: 0, .. })
    ));
    assert!(matches!(
        with(r#""folder":"Travel""#, r#""folder":"Travel","colour":"red""#),
        Err(ParseError::BadCheck { index: 0, reason }) if reason.contains("colour")
    ));
    assert!(matches!(
        with(
            r#""solved":"s","#,
            r#""solved":"s","world":{"faults":["nonsense"]},"#
        ),
        Err(ParseError::BadFault { .. })
    ));
    assert_eq!(
        with(
            r#""solved":"s","#,
            r#""solved":"s","world":{"hosts_down":["mx.x"]},"#
        ),
        Err(ParseError::UnknownHost("mx.x".into()))
    );
    assert!(matches!(with("goal", "gaol"), Err(ParseError::Json(_))));
    assert_eq!(
        with(
            r#"{"folder_exists":{"user":"boss@corp.example","folder":"Travel"}}"#,
            r#"{"event_seen":{"kind":"deferred","sender":"smith@isp.example"}}"#
        ),
        Err(ParseError::BadCheck {
            index: 0,
            reason: "a deferred event has no field sender".into()
        })
    );
    assert!(matches!(
        with(r#"}}]}"#, r#"}}],"hint":[]}"#),
        Err(ParseError::Json(r)) if r.contains("hint")
    ));
}

#[test]
fn the_starting_world_takes_messages_hosts_down_and_faults() {
    let text = MINIMAL.replace(
        r#""solved":"s","#,
        r#""solved":"s","world":{
            "messages":[{"user":"alice@corp.example","folder":"Archive","flags":["flagged"],
                         "lines":["From: zoe@corp.example","Subject: Old","","old"]}],
            "hosts_down":["mx.corp.example"],
            "faults":["smtp.isp.example:587 RCPT TO:<*> => 452 4.2.2 Mailbox full"]},"#,
    );
    let c = parse(&text).unwrap();
    let (world, hosts) = c.fresh_world();
    let archive = world.store.folder("alice@corp.example", "Archive").unwrap();
    assert_eq!(archive.len(), 1);
    let m = &archive.messages()[0];
    assert!(m.flags.contains(crate::store::Flag::Flagged));
    assert!(m
        .raw
        .starts_with(b"From: zoe@corp.example\r\nSubject: Old\r\n\r\nold\r\n"));
    assert!(!world.net.is_up(hosts.corp));
    assert_eq!(world.fault_rules().len(), 1);
}

// ---- the page's mail client, and other ways to log in ----

fn mail_client_submission(to: &[&str]) -> crate::sandbox::mail_client::Submission {
    mail_client_message(to, "From the client")
}

fn mail_client_message(to: &[&str], subject: &str) -> crate::sandbox::mail_client::Submission {
    crate::sandbox::mail_client::Submission {
        login: "smith@isp.example".into(),
        password: "smith".into(),
        from: "smith@isp.example".into(),
        to: to.iter().map(|t| t.to_string()).collect(),
        raw: format!("From: smith@isp.example\r\nSubject: {subject}\r\n\r\nHi.\r\n").into_bytes(),
    }
}

impl Desk {
    /// Sends with the page's mail client on pc.home.example; `mark` tells the watch.
    fn mail_client_submit(&mut self, to: &[&str], mark: bool) {
        use crate::sandbox::mail_client::{run_task, Task};
        let pc = self.hosts.sender_pc;
        let sub = mail_client_submission(to);
        let mut task = Task::submit(&mut self.world, pc, "smtp.isp.example", sub).unwrap();
        if mark {
            self.watch.mark_mail_client(task.conn());
        }
        run_task(&mut self.world, &mut task);
        self.wait(3000);
    }

    /// Sends a message with this subject with the page's mail client (marked as such).
    fn mail_client_send(&mut self, to: &[&str], subject: &str) {
        use crate::sandbox::mail_client::{run_task, Task};
        let pc = self.hosts.sender_pc;
        let sub = mail_client_message(to, subject);
        let mut task = Task::submit(&mut self.world, pc, "smtp.isp.example", sub).unwrap();
        self.watch.mark_mail_client(task.conn());
        run_task(&mut self.world, &mut task);
        self.wait(3000);
    }
}

#[test]
fn two_recipients_can_be_solved_with_the_mail_client() {
    let mut d = Desk::start("two-recipients");
    d.mail_client_submit(&["boss@corp.example", "alice@corp.example"], true);
    d.assert_solved();
}

#[test]
fn auth_plain_by_the_mail_client_is_not_base64_typed_by_the_learner() {
    let mut d = Desk::start("auth-plain");
    d.mail_client_submit(&["boss@corp.example"], true);
    assert_eq!(
        d.first_missing(),
        "no message was sent on port 587 of smtp.isp.example after a successful AUTH PLAIN yet"
    );
}

#[test]
fn a_retry_can_be_watched_with_the_mail_client() {
    let mut d = Desk::start("retry");
    d.world.set_host_up(d.hosts.corp, false);
    d.mail_client_submit(&["boss@corp.example"], true);
    d.world.set_host_up(d.hosts.corp, true);
    d.wait(120_000);
    d.assert_solved();
}

#[test]
fn idle_counts_a_session_that_logged_in_with_authenticate_plain() {
    let mut d = Desk::start("idle-wake");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 143);
    let auth = format!("a1 AUTHENTICATE PLAIN {}", encode_plain("boss", "boss"));
    d.type_lines(c, &[&auth, "a2 SELECT inbox", "a3 IDLE"]);
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example"], "Wake up");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.assert_solved();
    let user = d
        .watch
        .observed()
        .conversations()
        .next()
        .unwrap()
        .user
        .clone();
    assert_eq!(user.as_deref(), Some("boss@corp.example"));
}

#[test]
fn a_plain_response_on_its_own_line_logs_in_too() {
    let b64 = encode_plain("boss", "boss");
    let mut d = Desk::start("pop3-top");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 110);
    d.type_lines(c, &["AUTH PLAIN", &b64, "TOP 2 0"]);
    d.assert_solved();
    let mut d = Desk::start("idle-wake");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 143);
    d.type_lines(
        c,
        &["a1 AUTHENTICATE PLAIN", &b64, "a2 SELECT INBOX", "a3 IDLE"],
    );
    let pc = d.hosts.sender_pc;
    let lines = message_to(&["boss@corp.example"], "Wake up");
    d.smtp(pc, "mx.corp.example", 25, &refs(&lines));
    d.assert_solved();
}

#[test]
fn a_session_check_counts_only_the_named_users_sessions() {
    let text = r#"{"id":"stat","title":"t","task":"t","solved":"s","goal":[{"session":{
        "port":110,"user":"boss@corp.example","steps":[{"verb":"STAT","reply":"ok"}]}}]}"#;
    let c = parse(text).unwrap();
    let (world, hosts) = c.fresh_world();
    let mut d = Desk {
        journey: Journey::new(&world),
        watch: Watch::new(&c, &world),
        world,
        hosts,
    };
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 110);
    d.type_lines(c, &["USER alice", "PASS alice", "STAT", "QUIT"]);
    assert_eq!(
        d.first_missing(),
        "no POP3 session as boss on port 110 did STAT (accepted) yet"
    );
    let c = d.pop3_as_boss();
    d.type_lines(c, &["STAT"]);
    d.assert_solved();
}

#[test]
fn a_step_verb_no_protocol_defines_is_refused_when_the_file_is_read() {
    let file = |verb: &str| {
        format!(
            r#"{{"id":"v","title":"t","task":"t","solved":"s","goal":[{{"session":{{
            "port":110,"steps":[{{"verb":"{verb}"}}]}}}}]}}"#
        )
    };
    let err = parse(&file("STAAT")).unwrap_err().to_string();
    assert!(
        err.contains("goal entry 0") && err.contains("STAAT"),
        "{err}"
    );
    for verb in ["stat", "UID SEARCH", "end of DATA", "STARTTLS"] {
        assert!(parse(&file(verb)).is_ok(), "{verb}");
    }
}
