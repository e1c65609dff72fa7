//! Security tests over the protocols, on the whole world: account isolation (no command lets
//! one user read, list or learn of another's mailbox), authentication failures limited per
//! connection, and passwords never in masked transcripts.

mod common;

use common::*;
use mail_sandbox::proto::pop3::apop_digest;
use mail_sandbox::sandbox::World;
use mail_sandbox::wire::sasl::{b64_encode, encode_plain};

const CORP: &str = "mx.corp.example";
const ISP: &str = "smtp.isp.example";
/// A password that appears nowhere else in the world.
const SECRET: &str = "Tr0ub4dor&3xyzzy";

/// Texts of boss's seed messages that must never reach anyone else.
const BOSS_PRIVATE: [&str; 4] = [
    "Welcome to Mail Sandbox",
    "seed1@corp.example",
    "quarterly report",
    "figures.csv",
];

fn assert_private(text: &str, who: &str) {
    for p in BOSS_PRIVATE {
        assert!(!text.contains(p), "{who} saw boss's {p:?}:\n{text}");
    }
}

fn with_secret_password(w: &mut World, user: &str) {
    w.store.set_password(user, SECRET).expect("account");
}

// ------------------------------------------------------------------ isolation

#[test]
fn pop3_login_as_alice_never_shows_boss_mail() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    s.say(&mut w, "USER alice");
    let r = s.say(&mut w, "PASS alice");
    assert!(r.starts_with("+OK logged in as alice@corp.example"), "{r}");
    assert!(r.contains("0 messages"), "alice's maildrop is empty: {r}");
    for cmd in [
        "STAT",
        "LIST",
        "UIDL",
        "LIST 1",
        "UIDL 1",
        "RETR 1",
        "RETR 2",
        "RETR 3",
        "TOP 1 10",
        "TOP 3 0",
        "DELE 1",
        "RSET",
        "LIST 0",
        "RETR -1",
        "RETR 4294967297",
        "CAPA",
    ] {
        let r = s.say(&mut w, cmd);
        assert_private(&r, &format!("alice ({cmd})"));
        if cmd.starts_with("RETR") || cmd.starts_with("TOP") || cmd.starts_with("DELE") {
            assert!(r.starts_with("-ERR"), "{cmd}: {r}");
        }
    }
    // Commands that name another user after login are refused.
    for cmd in [
        "USER boss",
        "PASS boss",
        "APOP boss 0123",
        "AUTH PLAIN",
        "USER boss@corp.example",
    ] {
        let r = s.say(&mut w, cmd);
        assert!(r.starts_with("-ERR"), "{cmd}: {r}");
        assert_private(&r, "alice");
    }
    let r = s.say(&mut w, "STAT");
    assert_eq!(r, "+OK 0 0\r\n", "still alice's view");
    s.say(&mut w, "QUIT");
    assert_eq!(
        messages(&w, "boss@corp.example", "INBOX").len(),
        3,
        "boss's mail untouched"
    );
    assert_private(&s.log, "alice");
}

#[test]
fn pop3_cannot_log_in_as_someone_else_with_ones_own_password() {
    let (mut w, d) = world();
    let timestamp = |greeting: &str| {
        let start = greeting.find('<').unwrap();
        let end = greeting.find('>').unwrap();
        greeting[start..=end].to_string()
    };
    // USER boss + alice's password; APOP boss with alice's secret; AUTH PLAIN with alice's
    // credentials but authorization identity boss; login names of another host.
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    s.say(&mut w, "USER boss");
    assert!(s.say(&mut w, "PASS alice").starts_with("-ERR [AUTH]"));
    let ts = timestamp(&s.log);
    let r = s.say(&mut w, &format!("APOP boss {}", apop_digest(&ts, "alice")));
    assert!(r.starts_with("-ERR [AUTH]"), "{r}");
    let mut s2 = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    let plain = b64_encode(b"boss@corp.example\0alice\0alice");
    let r = s2.say(&mut w, &format!("AUTH PLAIN {plain}"));
    assert!(r.starts_with("-ERR [AUTH]"), "{r}");
    // smith's account lives on the ISP: the corporate host does not know it, and vice versa.
    s2.say(&mut w, "USER smith@isp.example");
    assert!(s2.say(&mut w, "PASS smith").starts_with("-ERR [AUTH]"));
    let mut s3 = Typed::open(&mut w, d.sender_pc, ISP, 110);
    s3.say(&mut w, "USER boss@corp.example");
    assert!(s3.say(&mut w, "PASS boss").starts_with("-ERR [AUTH]"));
    for log in [&s.log, &s2.log, &s3.log] {
        assert_private(log, "a failed login");
        assert!(!log.contains("logged in"), "{log}");
    }
}

#[test]
fn pop3_failures_do_not_tell_which_accounts_exist() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    let known = s.say(&mut w, "USER boss");
    let unknown = s.say(&mut w, "USER nobody");
    assert_eq!(
        known.replace("boss", "X"),
        unknown.replace("nobody", "X"),
        "USER answers alike"
    );
    s.say(&mut w, "USER boss");
    let wrong_pw = s.say(&mut w, "PASS nope");
    let mut s2 = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    s2.say(&mut w, "USER nobody");
    let no_user = s2.say(&mut w, "PASS nope");
    assert_eq!(wrong_pw, no_user, "PASS failures answer alike");
    let ts = |log: &str| log[log.find('<').unwrap()..=log.find('>').unwrap()].to_string();
    let a = s.say(
        &mut w,
        &format!("APOP boss {}", apop_digest(&ts(&s.log), "x")),
    );
    let b = s2.say(
        &mut w,
        &format!("APOP nobody {}", apop_digest(&ts(&s2.log), "x")),
    );
    assert_eq!(
        a.replace("closing connection", ""),
        b.replace("closing connection", "")
    );
}

#[test]
fn smtp_vrfy_and_expn_do_not_confirm_users() {
    let (mut w, d) = world();
    for (host, port) in [(CORP, 25), (CORP, 587), (ISP, 25), (ISP, 587)] {
        let mut s = Typed::open(&mut w, d.sender_pc, host, port);
        s.say(&mut w, "EHLO x.example");
        let known = s.say(&mut w, "VRFY boss@corp.example");
        let local = s.say(&mut w, "VRFY boss");
        let unknown = s.say(&mut w, "VRFY nobody@corp.example");
        assert!(known.starts_with("252"), "{known}");
        assert_eq!(known, unknown);
        assert_eq!(known, local);
        let a = s.say(&mut w, "EXPN boss");
        let b = s.say(&mut w, "EXPN nobody");
        assert!(a.starts_with("502"), "{a}");
        assert_eq!(a, b);
        assert!(!s.log.contains("Robert Boss"), "{}", s.log);
    }
}

#[test]
fn smtp_gives_no_mailbox_content_or_other_users_mail() {
    // Nothing in SMTP reads a mailbox: a session, authenticated or not, never shows a message.
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.sender_pc, CORP, 587);
    s.say(&mut w, "EHLO x.example");
    s.say(
        &mut w,
        &format!("AUTH PLAIN {}", encode_plain("alice@corp.example", "alice")),
    );
    for cmd in [
        "HELP",
        "MAIL FROM:<boss@corp.example>",
        "RCPT TO:<boss@corp.example>",
        "RSET",
        "VRFY boss",
        "EXPN all",
        "NOOP",
    ] {
        s.say(&mut w, cmd);
    }
    assert_private(&s.log, "an SMTP session");
}

// ------------------------------------------------------------------ failure limits

/// One failed login attempt on a POP3 connection (the `usize` makes each one different).
type Attempt = dyn Fn(&mut Typed, &mut World, usize) -> String;

#[test]
fn pop3_three_failed_logins_close_the_connection_whatever_the_mechanism() {
    let (mut w, d) = world();
    let attempts: [&Attempt; 3] = [
        &|s, w, _| {
            s.say(w, "USER boss");
            s.say(w, "PASS wrong")
        },
        &|s, w, _| s.say(w, "APOP boss 00000000000000000000000000000000"),
        &|s, w, i| {
            s.say(
                w,
                &format!("AUTH PLAIN {}", encode_plain("boss", &format!("bad{i}"))),
            )
        },
    ];
    for (k, attempt) in attempts.iter().enumerate() {
        let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
        for i in 1..=3 {
            let r = attempt(&mut s, &mut w, i);
            if i < 3 {
                assert!(r.starts_with("-ERR [AUTH]"), "mechanism {k}, try {i}: {r}");
            } else {
                assert!(r.contains("too many failures"), "mechanism {k}: {r}");
            }
        }
        assert!(!w.endpoint(s.conn).unwrap().is_open(), "closed after 3");
        // The right password on the same connection is too late.
        s.say(&mut w, "USER boss");
        let r = s.say(&mut w, "PASS boss");
        assert!(r.is_empty(), "nothing after the close: {r}");
    }
    // Mixed mechanisms count together.
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    attempts[0](&mut s, &mut w, 1);
    attempts[1](&mut s, &mut w, 2);
    let r = attempts[2](&mut s, &mut w, 3);
    assert!(r.contains("too many failures"), "{r}");
    assert!(!w.endpoint(s.conn).unwrap().is_open());
}

#[test]
fn smtp_failed_auth_counts_as_errors_and_ends_in_421() {
    let (mut w, d) = world();
    for port in [25, 587] {
        let mut s = Typed::open(&mut w, d.sender_pc, CORP, port);
        s.say(&mut w, "EHLO x.example");
        let mut last = String::new();
        for i in 0..10 {
            last = if i % 2 == 0 {
                s.say(
                    &mut w,
                    &format!("AUTH PLAIN {}", encode_plain("boss@corp.example", "guess")),
                )
            } else {
                s.say(&mut w, "AUTH LOGIN");
                s.say(&mut w, &b64_encode(b"boss@corp.example"));
                s.say(&mut w, &b64_encode(format!("guess{i}").as_bytes()))
            };
            if i < 9 {
                assert!(last.starts_with("535 5.7.8"), "port {port} try {i}: {last}");
            }
        }
        assert!(last.contains("421 4.7.0"), "port {port}: {last}");
        assert!(!w.endpoint(s.conn).unwrap().is_open());
        let r = s.say(
            &mut w,
            &format!("AUTH PLAIN {}", encode_plain("boss@corp.example", "boss")),
        );
        assert!(r.is_empty(), "{r}");
    }
}

// ------------------------------------------------------------------ masked transcripts

/// Runs `lines` (each sent as one chunk, CRLF already in) on a fresh connection and checks the
/// masked transcript holds none of the secrets.
fn check_masked(host: &str, port: u16, user: &str, chunks: &[String], secrets: &[String]) {
    let (mut w, d) = world();
    with_secret_password(&mut w, user);
    let from = if host == ISP {
        d.sender_pc
    } else {
        d.recipient_pc
    };
    let mut s = Typed::open(&mut w, from, host, port);
    for c in chunks {
        s.raw(&mut w, c.as_bytes());
    }
    let masked = w.transcript_text(s.conn, true);
    let plain = w.transcript_text(s.conn, false);
    for secret in secrets {
        assert!(
            !masked.contains(secret.as_str()),
            "secret {secret:?} in the masked transcript:\n{masked}"
        );
    }
    assert!(
        secrets.iter().any(|x| plain.contains(x.as_str())),
        "the unmasked transcript does carry the secret (the test sent it):\n{plain}"
    );
}

fn secrets(user: &str) -> Vec<String> {
    vec![
        SECRET.to_string(),
        b64_encode(SECRET.as_bytes()),
        encode_plain(user, SECRET),
        b64_encode(format!("{user}\0{user}\0{SECRET}").as_bytes()),
    ]
}

fn lines(ls: &[&str]) -> Vec<String> {
    ls.iter().map(|l| format!("{l}\r\n")).collect()
}

#[test]
fn masked_transcripts_hide_pop3_user_pass_and_apop() {
    let user = "boss@corp.example";
    for pass in [
        format!("PASS {SECRET}"),
        format!("pass {SECRET}"),
        format!("PASS  {SECRET}"),
        format!("  PASS {SECRET}"),
        format!("PASS\t{SECRET}"),
    ] {
        let chunks = lines(&["USER boss", &pass, "QUIT"]);
        check_masked(CORP, 110, user, &chunks, &secrets(user));
    }
    // Split across chunks, and a line still unterminated when the transcript is taken.
    let chunks = vec!["USER boss\r\nPA".to_string(), format!("SS {SECRET}\r\n")];
    check_masked(CORP, 110, user, &chunks, &secrets(user));
    let chunks = vec!["USER boss\r\n".to_string(), format!("PASS {SECRET}")];
    check_masked(CORP, 110, user, &chunks, &secrets(user));
    // APOP: the digest is keyed with the password; it is masked too.
    let (mut w, d) = world();
    with_secret_password(&mut w, user);
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 110);
    let ts = s.log[s.log.find('<').unwrap()..=s.log.find('>').unwrap()].to_string();
    let digest = apop_digest(&ts, SECRET);
    let r = s.say(&mut w, &format!("APOP boss {digest}"));
    assert!(r.starts_with("+OK"), "{r}");
    let masked = w.transcript_text(s.conn, true);
    assert!(!masked.contains(&digest), "{masked}");
    assert!(masked.contains("APOP boss ********"), "{masked}");
}

#[test]
fn masked_transcripts_hide_pop3_auth_plain_in_both_forms() {
    let user = "boss@corp.example";
    let ir = encode_plain(user, SECRET);
    for chunks in [
        lines(&[&format!("AUTH PLAIN {ir}"), "QUIT"]),
        lines(&["AUTH PLAIN", &ir, "QUIT"]),
        lines(&["auth plain", &ir, "QUIT"]),
        // Pipelined: the response is sent before the "+ " challenge arrives.
        vec![format!("AUTH PLAIN\r\n{ir}\r\nQUIT\r\n")],
    ] {
        check_masked(CORP, 110, user, &chunks, &secrets(user));
    }
}

#[test]
fn masked_transcripts_hide_smtp_auth_plain_in_both_forms() {
    let user = "boss@corp.example";
    let ir = encode_plain(user, SECRET);
    for port in [25, 587] {
        for chunks in [
            lines(&["EHLO x", &format!("AUTH PLAIN {ir}"), "QUIT"]),
            lines(&["EHLO x", &format!("auth plain {ir}"), "QUIT"]),
            lines(&["EHLO x", &format!("AUTH  PLAIN {ir}"), "QUIT"]),
            lines(&["EHLO x", &format!("AUTH\tPLAIN\t{ir}"), "QUIT"]),
            lines(&["EHLO x", "AUTH PLAIN", &ir, "QUIT"]),
            vec![format!("EHLO x\r\nAUTH PLAIN\r\n{ir}\r\nQUIT\r\n")],
        ] {
            check_masked(CORP, port, user, &chunks, &secrets(user));
        }
    }
}

#[test]
fn masked_transcripts_hide_smtp_auth_login_answers() {
    let user = "smith@isp.example";
    let u64 = b64_encode(user.as_bytes());
    let p64 = b64_encode(SECRET.as_bytes());
    let mut all = secrets(user);
    all.push(p64.clone());
    for port in [25, 587] {
        for chunks in [
            lines(&["EHLO x", "AUTH LOGIN", &u64, &p64, "QUIT"]),
            lines(&["EHLO x", &format!("AUTH LOGIN {u64}"), &p64, "QUIT"]),
            lines(&["EHLO x", "auth login", &u64, &p64, "QUIT"]),
            // Pipelined answers, before the 334 challenges arrive.
            vec![format!(
                "EHLO x\r\nAUTH LOGIN\r\n{u64}\r\n{p64}\r\nQUIT\r\n"
            )],
            vec![format!("EHLO x\r\nAUTH LOGIN {u64}\r\n{p64}\r\nQUIT\r\n")],
        ] {
            check_masked(ISP, port, user, &chunks, &all);
        }
    }
}

#[test]
fn masked_transcripts_keep_ordinary_commands_readable() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.sender_pc, CORP, 25);
    s.say(&mut w, "EHLO x");
    // A refused AUTH: the next command is an ordinary one and stays visible.
    s.say(&mut w, "AUTH CRAM-MD5");
    s.say(&mut w, "MAIL FROM:<a@b.example>");
    s.say(&mut w, "QUIT");
    let masked = w.transcript_text(s.conn, true);
    assert!(masked.contains("C: MAIL FROM:<a@b.example>"), "{masked}");
    assert!(masked.contains("C: EHLO x"), "{masked}");
}

// ------------------------------------------------------------------ IMAP

#[test]
fn imap_login_as_alice_never_shows_or_touches_boss_mail() {
    let (mut w, d) = world();
    let boss_before = messages(&w, "boss@corp.example", "INBOX");
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 143);
    let r = s.say(&mut w, "a1 LOGIN alice alice");
    assert!(r.contains("a1 OK"), "{r}");
    for cmd in [
        "a2 LIST \"\" *",
        "a3 LIST \"\" %",
        "a4 LSUB \"\" *",
        "a5 STATUS INBOX (MESSAGES UIDNEXT)",
        "a6 SELECT boss@corp.example/INBOX",
        "a7 SELECT ../boss@corp.example/INBOX",
        "a8 SELECT \"Other Users/boss\"",
        "a9 EXAMINE INBOX",
        "a10 FETCH 1:* (BODY[] ENVELOPE)",
        "a11 UID FETCH 1:* (BODY[])",
        "a12 SEARCH TEXT Welcome",
        "a13 COPY 1:* Trash",
        "a14 STATUS \"/boss@corp.example/INBOX\" (MESSAGES)",
        "a15 DELETE INBOX",
        "a16 RENAME INBOX Mine",
        "a17 GETQUOTAROOT INBOX",
        "a18 NAMESPACE",
    ] {
        let r = s.say(&mut w, cmd);
        assert_private(&r, &format!("alice over IMAP ({cmd})"));
    }
    s.say(&mut w, "a19 LOGOUT");
    assert_eq!(
        messages(&w, "boss@corp.example", "INBOX"),
        boss_before,
        "boss's INBOX untouched"
    );
}

#[test]
fn imap_cannot_authenticate_as_someone_else() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 143);
    let r = s.say(&mut w, "a1 LOGIN boss alice");
    assert!(r.contains("a1 NO"), "{r}");
    let ir = b64_encode(b"boss@corp.example\0alice\0alice");
    let r = s.say(&mut w, &format!("a2 AUTHENTICATE PLAIN {ir}"));
    assert!(r.contains("a2 NO"), "{r}");
    assert_private(&s.log, "a failed IMAP login");
    let mut s2 = Typed::open(&mut w, d.sender_pc, ISP, 143);
    let r = s2.say(&mut w, "b1 LOGIN boss@corp.example boss");
    assert!(
        r.contains("b1 NO"),
        "the ISP does not hold boss's mailbox: {r}"
    );
}

#[test]
fn imap_three_failed_logins_close_the_connection() {
    let (mut w, d) = world();
    let mut s = Typed::open(&mut w, d.recipient_pc, CORP, 143);
    s.say(&mut w, "a1 LOGIN boss wrong1");
    s.say(
        &mut w,
        &format!(
            "a2 AUTHENTICATE PLAIN {}",
            encode_plain("boss@corp.example", "wrong2")
        ),
    );
    let r = s.say(&mut w, "a3 LOGIN boss wrong3");
    assert!(r.contains("BYE") || r.contains("a3 NO"), "{r}");
    assert!(
        !w.endpoint(s.conn).unwrap().is_open(),
        "closed after 3: {}",
        s.log
    );
    let r = s.say(&mut w, "a4 LOGIN boss boss");
    assert!(r.is_empty(), "{r}");
}

#[test]
fn masked_transcripts_hide_imap_login_and_authenticate() {
    let user = "boss@corp.example";
    let ir = encode_plain(user, SECRET);
    let n = SECRET.len();
    for chunks in [
        lines(&[&format!("a1 LOGIN boss {SECRET}"), "a2 LOGOUT"]),
        lines(&[&format!("a1 login  boss  \"{SECRET}\""), "a2 LOGOUT"]),
        lines(&[&format!("a1 AUTHENTICATE PLAIN {ir}"), "a2 LOGOUT"]),
        lines(&["a1 AUTHENTICATE PLAIN", &ir, "a2 LOGOUT"]),
        vec![format!("a1 AUTHENTICATE PLAIN\r\n{ir}\r\na2 LOGOUT\r\n")],
        // The password as a literal: synchronizing (after "+ Ready") and LITERAL+.
        vec![
            format!("a1 LOGIN boss {{{n}}}\r\n"),
            format!("{SECRET}\r\n"),
            "a2 LOGOUT\r\n".to_string(),
        ],
        vec![format!(
            "a1 LOGIN boss {{{n}+}}\r\n{SECRET}\r\na2 LOGOUT\r\n"
        )],
    ] {
        check_masked(CORP, 143, user, &chunks, &secrets(user));
    }
}
