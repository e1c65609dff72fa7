//! Client tests: the client against the real server in memory (bytes pumped both ways), and
//! against scripted replies for what our server never says.

use super::client::{
    ClientEvent, ClientJob, ClientOutcome, SmtpClient, StartTlsPolicy, DATA_END_TIMEOUT,
};
use super::server::SmtpServer;
use super::test_support::*;
use super::{Envelope, Reply};
use crate::session::Session;
use crate::store::Store;
use crate::time::{Duration, Instant};

fn job(from: &str, to: &[&str], auth: Option<(&str, &str)>, data: &[u8]) -> ClientJob {
    ClientJob {
        helo: "mx.home.example".into(),
        auth: auth.map(|(u, p)| (u.to_string(), p.to_string())),
        envelope: Envelope {
            mail_from: from.into(),
            rcpt_to: to.iter().map(|s| s.to_string()).collect(),
        },
        data: data.to_vec(),
        starttls: StartTlsPolicy::Never,
    }
}

/// What happens to the client's bytes on the way to the server.
#[derive(Clone, Copy)]
enum Link {
    Up,
    /// The connection drops once the client has sent the message data: the server gets only
    /// the first `n` bytes of that transmission.
    DropDuringData(usize),
}

struct Outcome {
    events: Vec<ClientEvent>,
    spooled: Vec<(Envelope, Vec<u8>)>,
    client_sent: String,
    client_closed: bool,
}

/// Runs a client against a real server until both are quiet.
fn exchange(
    store: &Store,
    submission: bool,
    spool_mode: SpoolMode,
    job: ClientJob,
    link: Link,
) -> Outcome {
    let now = Instant::ZERO;
    let mut spool = TestSpool {
        mode: spool_mode,
        ..TestSpool::default()
    };
    let mut c = ctx(store, &mut spool, submission);
    let mut server = SmtpServer::new(now, &mut c, peer());
    let mut client = SmtpClient::new(now, job);
    let mut events = Vec::new();
    let mut client_sent = Vec::new();
    let mut client_closed = false;
    for _ in 0..1000 {
        let (cb, cev, cclose) = drain(&mut client);
        let (sb, _, sclose) = drain(&mut server);
        events.extend(cev);
        client_closed |= cclose;
        let mut progress = !cb.is_empty() || !sb.is_empty();
        client_sent.extend_from_slice(&cb);
        let is_data = cb.ends_with(b"\r\n.\r\n") && cb.len() > 5 || cb == b".\r\n";
        match link {
            Link::DropDuringData(n) if is_data => {
                server.handle_input(&mut c, now, &cb[..n.min(cb.len())]);
                server.handle_close(&mut c, now);
                client.handle_close(&mut (), now);
                let (_, cev, cclose) = drain(&mut client);
                events.extend(cev);
                client_closed |= cclose;
                break;
            }
            _ => {}
        }
        if !cb.is_empty() {
            server.handle_input(&mut c, now, &cb);
        }
        if !sb.is_empty() {
            client.handle_input(&mut (), now, &sb);
        }
        if cclose && !server.is_closed() {
            server.handle_close(&mut c, now);
            progress = true;
        }
        if sclose && !client.is_closed() {
            client.handle_close(&mut (), now);
            progress = true;
        }
        if !progress {
            break;
        }
    }
    Outcome {
        events,
        spooled: spool.spooled,
        client_sent: String::from_utf8_lossy(&client_sent).into_owned(),
        client_closed,
    }
}

fn only_outcome(events: &[ClientEvent]) -> &ClientOutcome {
    assert_eq!(events.len(), 1, "exactly one Done: {events:?}");
    match &events[0] {
        ClientEvent::Done(o) => o,
        ClientEvent::UpgradeToTls => panic!("an upgrade, not an outcome"),
    }
}

fn reply(code: u16, text: &str) -> Reply {
    Reply {
        code,
        text: text.into(),
    }
}

const BODY: &[u8] =
    b"From: boss@corp.example\r\nSubject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n";

#[test]
fn full_send_through_submission() {
    let store = world();
    let j = job(
        "boss@corp.example",
        &["bob@home.example", "alice@corp.example"],
        Some(("boss@corp.example", "boss-pw")),
        BODY,
    );
    let o = exchange(&store, true, SpoolMode::Accept, j, Link::Up);
    assert_eq!(
        only_outcome(&o.events),
        &ClientOutcome::Sent {
            accepted: vec!["bob@home.example".into(), "alice@corp.example".into()],
            rejected: vec![],
            reply: reply(250, "2.0.0 Ok: queued as Q1"),
        }
    );
    assert!(o.client_closed);
    assert!(o
        .client_sent
        .contains("AUTH PLAIN AGJvc3NAY29ycC5leGFtcGxlAGJvc3MtcHc=\r\n"));
    assert!(o.client_sent.contains(&format!(
        "MAIL FROM:<boss@corp.example> SIZE={}\r\n",
        BODY.len()
    )));
    assert!(o.client_sent.ends_with("QUIT\r\n"));
    assert_eq!(o.spooled.len(), 1);
    let data = String::from_utf8_lossy(&o.spooled[0].1).into_owned();
    // Stuffed on the wire, unstuffed in the spool: the body arrives exactly.
    assert!(data.ends_with(std::str::from_utf8(BODY).unwrap()), "{data}");
    assert!(data.contains(" with ESMTPA id "));
}

#[test]
fn rejected_recipients_are_reported_with_their_reply() {
    let store = world();
    let j = job(
        "bob@home.example",
        &[
            "boss@corp.example",
            "ghost@corp.example",
            "carol@far.example",
        ],
        None,
        b"Subject: hi\r\n\r\nhi\r\n",
    );
    let o = exchange(&store, false, SpoolMode::Accept, j, Link::Up);
    assert_eq!(
        only_outcome(&o.events),
        &ClientOutcome::Sent {
            accepted: vec!["boss@corp.example".into()],
            rejected: vec![
                (
                    "ghost@corp.example".into(),
                    reply(550, "5.1.1 <ghost@corp.example>: User unknown")
                ),
                (
                    "carol@far.example".into(),
                    reply(554, "5.7.1 Relay access denied for <carol@far.example>")
                ),
            ],
            reply: reply(250, "2.0.0 Ok: queued as Q1"),
        }
    );
    assert_eq!(
        o.spooled[0].0.rcpt_to,
        vec!["boss@corp.example".to_string()]
    );
}

#[test]
fn all_recipients_rejected_is_a_permanent_failure_and_sends_no_data() {
    let store = world();
    let j = job("bob@home.example", &["ghost@corp.example"], None, b"x\r\n");
    let o = exchange(&store, false, SpoolMode::Accept, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Failed {
            permanent,
            reply: r,
            per_recipient,
            ..
        } => {
            assert!(permanent);
            assert_eq!(r.as_ref().map(|r| r.code), Some(550));
            assert_eq!(per_recipient.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(!o.client_sent.contains("DATA"));
    assert!(o.spooled.is_empty());
}

#[test]
fn temporary_failure_after_data_is_not_permanent() {
    let store = world();
    let j = job("bob@home.example", &["boss@corp.example"], None, b"x\r\n");
    let o = exchange(&store, false, SpoolMode::Temporary, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Failed {
            permanent,
            reply: r,
            ..
        } => {
            assert!(!permanent);
            assert_eq!(r.as_ref().map(|r| r.code), Some(451));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_4xx_recipient_is_reported_for_retry() {
    // 101 recipients: the server takes 100 and says 452 to the last one.
    let store = world();
    let rcpts: Vec<String> = (0..101).map(|i| format!("u{i}@far.example")).collect();
    let refs: Vec<&str> = rcpts.iter().map(String::as_str).collect();
    let j = job(
        "boss@corp.example",
        &refs,
        Some(("boss@corp.example", "boss-pw")),
        b"x\r\n",
    );
    let o = exchange(&store, false, SpoolMode::Accept, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Sent {
            accepted, rejected, ..
        } => {
            assert_eq!(accepted.len(), 100);
            assert_eq!(
                rejected,
                &vec![(
                    "u100@far.example".to_string(),
                    reply(452, "4.5.3 Too many recipients")
                )]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn dropped_connection_during_data_is_never_sent() {
    for n in [0, 3, 20] {
        let store = world();
        let j = job("bob@home.example", &["boss@corp.example"], None, BODY);
        let o = exchange(&store, false, SpoolMode::Accept, j, Link::DropDuringData(n));
        assert_eq!(
            only_outcome(&o.events),
            &ClientOutcome::Failed {
                permanent: false,
                reason: "connection lost".into(),
                reply: None,
                per_recipient: vec![],
                // The client sent its final dot: from where it stands, the server may have
                // the message (RFC 5321 §6.1).
                answer_lost: true,
            }
        );
        assert!(o.spooled.is_empty(), "the server spooled nothing");
        assert!(o.client_closed);
    }
}

#[test]
fn wrong_password_is_a_permanent_failure() {
    let store = world();
    let j = job(
        "boss@corp.example",
        &["bob@home.example"],
        Some(("boss@corp.example", "nope")),
        b"x\r\n",
    );
    let o = exchange(&store, true, SpoolMode::Accept, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Failed {
            permanent,
            reply: r,
            ..
        } => {
            assert!(permanent);
            assert_eq!(r.as_ref().map(|r| r.code), Some(535));
        }
        other => panic!("{other:?}"),
    }
    assert!(!o.client_sent.contains("MAIL FROM"));
}

#[test]
fn submission_without_credentials_fails_at_mail() {
    let store = world();
    let j = job("boss@corp.example", &["bob@home.example"], None, b"x\r\n");
    let o = exchange(&store, true, SpoolMode::Accept, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Failed {
            permanent,
            reply: r,
            ..
        } => {
            assert!(permanent);
            assert_eq!(r.as_ref().map(|r| r.code), Some(530));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn message_over_the_advertised_size_is_not_sent() {
    let mut store = world();
    store.limits.max_message_size = 10;
    let j = job(
        "bob@home.example",
        &["boss@corp.example"],
        None,
        b"0123456789abc\r\n",
    );
    let o = exchange(&store, false, SpoolMode::Accept, j, Link::Up);
    match only_outcome(&o.events) {
        ClientOutcome::Failed {
            permanent, reason, ..
        } => {
            assert!(permanent);
            assert!(reason.contains("SIZE"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!o.client_sent.contains("MAIL FROM"));
}

// ------------------------------------------------------------ scripted servers

/// Feeds `reply` to the client and returns what it sent in answer.
fn say(client: &mut SmtpClient, now: Instant, reply: &str) -> (String, Vec<ClientEvent>, bool) {
    client.handle_input(&mut (), now, reply.as_bytes());
    let (b, e, c) = drain(client);
    (String::from_utf8_lossy(&b).into_owned(), e, c)
}

#[test]
fn ehlo_refused_falls_back_to_helo_and_multiline_replies_are_read() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    assert_eq!(
        say(&mut c, now, "220-old.example\r\n220 welcome\r\n").0,
        "EHLO mx.home.example\r\n"
    );
    assert_eq!(
        say(&mut c, now, "500 5.5.2 what?\r\n").0,
        "HELO mx.home.example\r\n"
    );
    // No SIZE was advertised (HELO), so no SIZE= parameter.
    assert_eq!(
        say(&mut c, now, "250 old.example\r\n").0,
        "MAIL FROM:<a@x.example>\r\n"
    );
    // A multi-line 250 split across inputs.
    assert_eq!(say(&mut c, now, "250-Ok\r\n25").0, "");
    assert_eq!(
        say(&mut c, now, "0 sender ok\r\n").0,
        "RCPT TO:<b@y.example>\r\n"
    );
    assert_eq!(say(&mut c, now, "250 ok\r\n").0, "DATA\r\n");
    assert_eq!(say(&mut c, now, "354 go\r\n").0, "hi\r\n.\r\n");
    assert_eq!(c.poll_timeout(), Some(now + DATA_END_TIMEOUT));
    let (sent, events, closed) = say(&mut c, now, "250-queued\r\n250 as X9\r\n");
    assert_eq!(sent, "QUIT\r\n");
    assert!(!closed, "waits for the QUIT reply");
    assert_eq!(
        events,
        vec![ClientEvent::Done(ClientOutcome::Sent {
            accepted: vec!["b@y.example".into()],
            rejected: vec![],
            reply: reply(250, "queued as X9"),
        })]
    );
    let (_, events, closed) = say(&mut c, now, "221 bye\r\n");
    assert!(events.is_empty() && closed && c.is_closed());
}

#[test]
fn auth_login_is_used_when_plain_is_not_offered() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(
        now,
        job("a@x.example", &["b@y.example"], Some(("u", "p")), b"hi\r\n"),
    );
    say(&mut c, now, "220 hi\r\n");
    assert_eq!(
        say(
            &mut c,
            now,
            "250-srv\r\n250-AUTH LOGIN CRAM-MD5\r\n250 SIZE 1000\r\n"
        )
        .0,
        "AUTH LOGIN\r\n"
    );
    assert_eq!(say(&mut c, now, "334 VXNlcm5hbWU6\r\n").0, "dQ==\r\n");
    assert_eq!(say(&mut c, now, "334 UGFzc3dvcmQ6\r\n").0, "cA==\r\n");
    assert_eq!(
        say(&mut c, now, "235 2.7.0 ok\r\n").0,
        "MAIL FROM:<a@x.example> SIZE=4\r\n"
    );
}

#[test]
fn only_4xx_recipients_is_a_temporary_failure() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(
        now,
        job(
            "a@x.example",
            &["b@y.example", "c@y.example"],
            None,
            b"hi\r\n",
        ),
    );
    say(&mut c, now, "220 hi\r\n");
    say(&mut c, now, "250 srv\r\n");
    say(&mut c, now, "250 ok\r\n");
    assert_eq!(
        say(&mut c, now, "450 4.2.1 mailbox busy\r\n").0,
        "RCPT TO:<c@y.example>\r\n"
    );
    let (sent, events, _) = say(&mut c, now, "550 5.1.1 no such user\r\n");
    assert_eq!(sent, "QUIT\r\n");
    match &events[..] {
        [ClientEvent::Done(ClientOutcome::Failed {
            permanent,
            per_recipient,
            ..
        })] => {
            assert!(!permanent, "b@ may be retried");
            assert_eq!(
                per_recipient,
                &vec![
                    ("b@y.example".to_string(), reply(450, "4.2.1 mailbox busy")),
                    ("c@y.example".to_string(), reply(550, "5.1.1 no such user")),
                ]
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn garbage_replies_fail_temporarily_and_close() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    let (sent, events, closed) = say(&mut c, now, "HTTP/1.1 400 Bad Request\r\n\r\n");
    assert_eq!(sent, "", "no QUIT to something that is not SMTP");
    assert!(closed);
    match &events[..] {
        [ClientEvent::Done(ClientOutcome::Failed {
            permanent, reason, ..
        })] => {
            assert!(!permanent);
            assert!(reason.starts_with("garbage reply from server"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Later input and the close change nothing.
    let (_, events, _) = say(&mut c, now, "250 ok\r\n");
    assert!(events.is_empty());
    c.handle_close(&mut (), now);
    assert!(drain(&mut c).1.is_empty());

    // Code changing inside a multi-line EHLO reply.
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    say(&mut c, now, "220 ok\r\n");
    let (_, events, closed) = say(&mut c, now, "250-srv\r\n354 SIZE\r\n");
    assert!(closed);
    assert!(matches!(
        &events[..],
        [ClientEvent::Done(ClientOutcome::Failed {
            permanent: false,
            ..
        })]
    ));
}

#[test]
fn refused_greeting_quits() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    let (sent, events, _) = say(&mut c, now, "554 5.7.1 go away\r\n");
    assert_eq!(sent, "QUIT\r\n");
    assert!(matches!(
        &events[..],
        [ClientEvent::Done(ClientOutcome::Failed {
            permanent: true,
            ..
        })]
    ));
}

#[test]
fn timeouts_fail_temporarily() {
    let now = Instant::ZERO;
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    let t = c.poll_timeout().expect("greeting timer");
    assert_eq!(t, now + Duration::from_secs(300));
    c.handle_timeout(&mut (), Instant::from_millis(t.as_millis() - 1));
    assert!(drain(&mut c).1.is_empty(), "early timer calls are harmless");
    c.handle_timeout(&mut (), t);
    let (_, events, closed) = drain(&mut c);
    assert!(closed);
    assert_eq!(
        events,
        vec![ClientEvent::Done(ClientOutcome::Failed {
            permanent: false,
            reason: "timeout waiting for the greeting".into(),
            reply: None,
            per_recipient: vec![],
            answer_lost: false,
        })]
    );
    assert_eq!(c.poll_timeout(), None);

    // After the data: the 10-minute timer.
    let mut c = SmtpClient::new(now, job("a@x.example", &["b@y.example"], None, b"hi\r\n"));
    for r in [
        "220 ok\r\n",
        "250 srv\r\n",
        "250 ok\r\n",
        "250 ok\r\n",
        "354 go\r\n",
    ] {
        say(&mut c, now, r);
    }
    let t = c.poll_timeout().expect("timer");
    c.handle_timeout(&mut (), t);
    let (_, events, _) = drain(&mut c);
    assert!(matches!(
        &events[..],
        [ClientEvent::Done(ClientOutcome::Failed { permanent: false, reason, answer_lost: true, .. })]
            if reason.contains("message data")
    ));
}

/// Deterministic garbage generator.
fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *seed >> 33
}

#[test]
fn random_replies_never_panic_and_report_exactly_once() {
    let pieces: [&[u8]; 10] = [
        b"220 ok\r\n",
        b"250-a\r\n",
        b"250 ok\r\n",
        b"354 go\r\n",
        b"334 x\r\n",
        b"452 4.5.3 x\r\n",
        b"550 no\r\n",
        b"\xff\x00\r\n",
        b"25",
        b"\n",
    ];
    let mut seed = 11;
    for _ in 0..300 {
        let now = Instant::ZERO;
        let mut c = SmtpClient::new(
            now,
            job(
                "a@x.example",
                &["b@y.example", "c@y.example"],
                Some(("u", "p")),
                b"hi\r\n",
            ),
        );
        let mut dones = 0;
        for _ in 0..40 {
            let p = pieces[(lcg(&mut seed) % pieces.len() as u64) as usize];
            c.handle_input(&mut (), now, p);
            dones += drain(&mut c).1.len();
        }
        c.handle_close(&mut (), now);
        dones += drain(&mut c).1.len();
        assert_eq!(dones, 1);
    }
}
