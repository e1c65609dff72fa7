//! The TLS challenges (issue 26): submitting over STARTTLS, and finding a password on a link
//! without TLS; each solved by what a learner types, and not by the shortcuts beside it.

use super::*;

const SMITH_PLAIN: &str = "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo";

const MESSAGE: [&str; 7] = [
    "MAIL FROM:<smith@isp.example>",
    "RCPT TO:<boss@corp.example>",
    "DATA",
    "Subject: over TLS",
    "",
    "Hi.",
    ".",
];

#[test]
fn submit_over_tls_is_solved_by_starttls_then_auth_and_a_message() {
    let mut d = Desk::start("submit-over-tls");
    let c = d.open(d.hosts.sender_pc, "smtp.isp.example", 587);
    d.world.set_follows_tls(c, true);
    d.type_lines(c, &["EHLO pc.home.example", "STARTTLS"]);
    assert!(d.world.endpoint_tls(c).is_some_and(|t| t.is_secured()));
    d.type_lines(c, &["EHLO pc.home.example", SMITH_PLAIN]);
    d.type_lines(c, &MESSAGE);
    d.assert_solved();
}

#[test]
fn submit_over_tls_refuses_auth_in_clear_and_is_not_solved_by_it() {
    let mut d = Desk::start("submit-over-tls");
    let c = d.open(d.hosts.sender_pc, "smtp.isp.example", 587);
    d.type_lines(c, &["EHLO pc.home.example", SMITH_PLAIN]);
    d.type_lines(c, &MESSAGE);
    let got = String::from_utf8_lossy(&d.world.take_received(c)).into_owned();
    assert!(got.contains("530 5.7.0"), "{got}");
    assert_eq!(
        d.first_missing(),
        "no message was sent on port 587 of smtp.isp.example after STARTTLS and AUTH PLAIN \
         inside TLS yet"
    );
}

#[test]
fn a_message_in_clear_after_a_login_in_tls_does_not_count() {
    // The check itself: a transaction whose message went in clear is not "inside TLS", even
    // when an earlier AUTH was (the policy of this challenge would not let it happen, so
    // the check is asked of a world without it).
    use crate::learn::challenge::data::{Check, Goal, TransactionMatch};
    let goal = Goal {
        check: Check::SmtpTransaction(TransactionMatch {
            host: Some("smtp.isp.example".into()),
            port: Some(587),
            from_pc: false,
            typed: false,
            auth: Some("PLAIN".into()),
            rcpts: Vec::new(),
            tls: true,
        }),
        missing: None,
    };
    let mut d = Desk::start("auth-plain");
    let c = d.open(d.hosts.sender_pc, "smtp.isp.example", 587);
    d.type_lines(c, &["EHLO pc.home.example", SMITH_PLAIN]);
    d.type_lines(c, &MESSAGE);
    let seen = d.watch.observed();
    let target = super::super::check::Target::new(&goal);
    assert!(super::super::check::evaluate(&target, &d.world, seen)
        .unwrap_err()
        .contains("inside TLS"));
}

#[test]
fn alice_s_password_is_on_the_wire_of_the_session_before_and_masked_in_its_transcript() {
    let d = Desk::start("eavesdrop-a-password");
    let pop3 = d
        .world
        .connections_seen()
        .into_iter()
        .find(|c| c.port == 110)
        .expect("alice's POP3 session is in the trace");
    let wire = crate::learn::eavesdrop::eavesdrop(&d.world, pop3.conn);
    assert!(wire.iter().any(|l| matches!(&l.view,
        crate::learn::eavesdrop::WireView::Secret { reveals, .. } if reveals.contains("tulip-7-march"))));
    assert!(!d
        .world
        .transcript_text(pop3.conn, true)
        .contains("tulip-7-march"));
    assert_eq!(
        d.first_missing(),
        "nobody has logged in to alice's mailbox over IMAP in a terminal yet"
    );
}

#[test]
fn eavesdrop_a_password_is_solved_by_logging_in_with_the_password_found() {
    let mut d = Desk::start("eavesdrop-a-password");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 143);
    d.type_lines(c, &["a1 LOGIN alice alice"]);
    assert!(d.first_missing().contains("alice's mailbox"));
    d.type_lines(c, &["a2 LOGIN alice tulip-7-march"]);
    d.assert_solved();
}

#[test]
fn the_corp_host_offers_no_tls_in_the_eavesdropping_challenge() {
    let mut d = Desk::start("eavesdrop-a-password");
    let c = d.open(d.hosts.recipient_pc, "mx.corp.example", 110);
    d.type_lines(c, &["CAPA"]);
    let got = String::from_utf8_lossy(&d.world.take_received(c)).into_owned();
    assert!(got.contains("+OK") && !got.contains("STLS"), "{got}");
}
