//! POP3 session tests: transcripts replayed at every chunk size, and behaviour a user would
//! notice (what QUIT deletes, what a dropped link keeps, locks, timeouts).

use super::*;
use crate::session::drive_chunked;
use crate::store::{Flags, Store};
use crate::testing::Transcript;
use crate::time::WallClock;

const HOST: &str = "mx.corp.example";
const BOSS: &str = "boss@corp.example";
const MSG1: &[u8] = b"From: alice@corp.example\r\nTo: boss@corp.example\r\nSubject: Lunch\r\n\r\nLunch at noon?\r\n-- Alice\r\n";
const MSG2: &[u8] = b"From: carol@corp.example\r\nSubject: Dots\r\n\r\n.hidden\r\n.\r\nend\r\n";
const MSG3: &[u8] = b"Subject: Three lines\r\n\r\nline 1\r\nline 2\r\nline 3\r\n";

/// boss@corp.example (password `secret`) with three messages; alice@corp.example with none.
fn world() -> Store {
    let mut store = Store::new();
    store.add_domain("corp.example", HOST);
    store
        .add_account(BOSS, "secret", "The Boss")
        .expect("boss account");
    store
        .add_account("alice@corp.example", "wonderland", "Alice")
        .expect("alice account");
    for raw in [MSG1, MSG2, MSG3] {
        store
            .deliver(BOSS, "INBOX", raw.to_vec(), Flags::new(), 0)
            .expect("delivery");
    }
    store
}

fn ctx(store: &mut Store) -> HostCtx<'_> {
    HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    }
}

fn inbox_uids(store: &Store) -> Vec<u32> {
    store
        .folder(BOSS, "INBOX")
        .expect("inbox")
        .messages()
        .iter()
        .map(|m| m.uid)
        .collect()
}

/// What a session emitted since the last call.
#[derive(Debug, Default)]
struct Drained {
    text: String,
    events: Vec<Pop3Event>,
    /// Input the session marked as carrying a secret.
    secrets: Vec<crate::session::SecretInput>,
    closed: bool,
}

fn drain(session: &mut Pop3Session) -> Drained {
    let mut d = Drained::default();
    while let Some(o) = session.poll_output() {
        match o {
            Output::Transmit(b) => d.text.push_str(&String::from_utf8_lossy(&b)),
            Output::Event(Pop3Event::Secret(mark)) => d.secrets.push(mark),
            Output::Event(e) => d.events.push(e),
            Output::Close => d.closed = true,
        }
    }
    d
}

/// A client connection to the test world, at virtual time `now`.
struct Client {
    session: Pop3Session,
    now: Instant,
}

impl Client {
    fn connect(store: &mut Store, session_id: u64) -> Client {
        let mut session = Pop3Session::new(Instant::ZERO, &mut ctx(store), session_id);
        let greeting = drain(&mut session);
        assert!(greeting.text.starts_with("+OK POP3 server ready <"));
        Client {
            session,
            now: Instant::ZERO,
        }
    }

    /// Sends one command line and returns everything the server answered.
    fn send(&mut self, store: &mut Store, line: &str) -> Drained {
        let bytes = format!("{line}\r\n");
        self.session
            .handle_input(&mut ctx(store), self.now, bytes.as_bytes());
        drain(&mut self.session)
    }

    fn login(&mut self, store: &mut Store) -> Drained {
        self.send(store, "USER boss");
        self.send(store, "PASS secret")
    }
}

// ---- transcripts ----

/// Replays a transcript at every chunk size on a fresh world; returns the last world so the
/// caller can check what the session did to the store.
fn replay(text: &str, expect_closed: bool) -> Store {
    let transcript = Transcript::parse(text);
    let client = transcript.client_bytes();
    let server = String::from_utf8_lossy(&transcript.server_bytes()).into_owned();
    let mut last = world();
    for chunk in 1..=client.len() {
        let mut store = world();
        let mut ctx = ctx(&mut store);
        let mut session = Pop3Session::new(Instant::ZERO, &mut ctx, 1);
        let (out, closed) = drive_chunked(&mut session, &mut ctx, Instant::ZERO, &client, chunk);
        assert_eq!(String::from_utf8_lossy(&out), server, "chunk size {chunk}");
        assert_eq!(closed, expect_closed, "chunk size {chunk}");
        if closed {
            assert!(
                !store.is_maildrop_locked(BOSS),
                "a closed session holds no lock"
            );
        }
        last = store;
    }
    last
}

#[test]
fn transcript_authorization_state() {
    replay(
        include_str!("../../../tests/transcripts/pop3_authorization_state.txt"),
        true,
    );
}

#[test]
fn transcript_user_pass() {
    replay(
        include_str!("../../../tests/transcripts/pop3_user_pass.txt"),
        true,
    );
}

#[test]
fn transcript_apop() {
    replay(
        include_str!("../../../tests/transcripts/pop3_apop.txt"),
        true,
    );
}

#[test]
fn transcript_auth_plain_with_challenge() {
    replay(
        include_str!("../../../tests/transcripts/pop3_auth_plain.txt"),
        true,
    );
}

#[test]
fn transcript_auth_plain_initial_response() {
    replay(
        include_str!("../../../tests/transcripts/pop3_auth_plain_initial.txt"),
        true,
    );
}

#[test]
fn transcript_three_failed_logins_close() {
    replay(
        include_str!("../../../tests/transcripts/pop3_login_failures.txt"),
        true,
    );
}

#[test]
fn transcript_bad_commands_before_login_close() {
    replay(
        include_str!("../../../tests/transcripts/pop3_bad_commands.txt"),
        true,
    );
}

#[test]
fn transcript_transaction_then_quit_deletes_only_marked() {
    let store = replay(
        include_str!("../../../tests/transcripts/pop3_transaction.txt"),
        true,
    );
    // DELE 1 was undone by RSET; DELE 3 was applied by QUIT.
    assert_eq!(inbox_uids(&store), vec![1, 2]);
}

// ---- behaviour ----

#[test]
fn greeting_carries_a_unique_apop_timestamp() {
    let mut store = world();
    let clock = WallClock::default();
    let now = Instant::from_millis(5_000);
    let mut session = Pop3Session::new(now, &mut ctx(&mut store), 42);
    let greeting = drain(&mut session).text;
    let expected = format!("<42.{}@{HOST}>", clock.unix(now));
    assert_eq!(greeting, format!("+OK POP3 server ready {expected}\r\n"));
    assert_eq!(session.apop_timestamp(), expected);
    assert_eq!(session.state(), Pop3State::Authorization);
}

#[test]
fn apop_digest_of_another_greeting_is_refused() {
    let mut store = world();
    let first = Client::connect(&mut store, 1);
    let digest = apop_digest(first.session.apop_timestamp(), "secret");
    let mut second = Client::connect(&mut store, 2);
    let replayed = second.send(&mut store, &format!("APOP boss {digest}"));
    assert!(
        replayed.text.starts_with("-ERR [AUTH]"),
        "{}",
        replayed.text
    );
    let own = apop_digest(second.session.apop_timestamp(), "secret");
    let ok = second.send(&mut store, &format!("APOP boss {own}"));
    assert!(ok.text.starts_with("+OK logged in as boss@corp.example"));
}

#[test]
fn login_and_quit_report_state_changes() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    let login = client.login(&mut store);
    assert_eq!(
        login.events,
        vec![
            Pop3Event::LoggedIn(BOSS.to_string()),
            Pop3Event::State(Pop3State::Transaction)
        ]
    );
    assert_eq!(client.session.state(), Pop3State::Transaction);
    assert_eq!(client.session.user(), Some(BOSS));
    assert!(store.is_maildrop_locked(BOSS));
    let quit = client.send(&mut store, "QUIT");
    assert_eq!(quit.events, vec![Pop3Event::State(Pop3State::Update)]);
    assert!(quit.closed);
    assert_eq!(client.session.state(), Pop3State::Update);
    assert!(client.session.is_closed());
    assert_eq!(client.session.poll_timeout(), None);
    assert!(!store.is_maildrop_locked(BOSS));
}

#[test]
fn uidl_is_stable_across_sessions() {
    let mut store = world();
    let mut first = Client::connect(&mut store, 1);
    first.login(&mut store);
    let listing = first.send(&mut store, "UIDL").text;
    let ids: Vec<String> = listing
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(' ').map(|(_, id)| id.to_string()))
        .collect();
    assert_eq!(ids.len(), 3, "{listing}");
    first.send(&mut store, "DELE 1");
    first.send(&mut store, "QUIT");

    let mut second = Client::connect(&mut store, 2);
    second.login(&mut store);
    // Message numbers shifted (old message 2 is now number 1) but unique-ids did not.
    assert_eq!(
        second.send(&mut store, "UIDL").text,
        format!(
            "+OK unique-id listing follows\r\n1 {}\r\n2 {}\r\n.\r\n",
            ids[1], ids[2]
        )
    );
    assert_eq!(
        second.send(&mut store, "UIDL 2").text,
        format!("+OK 2 {}\r\n", ids[2])
    );
}

#[test]
fn quit_expunges_exactly_the_marked_messages_and_logs_them() {
    let mut store = world();
    let folder = store.folder(BOSS, "INBOX").expect("inbox");
    let (modseq, uidnext) = (folder.highest_modseq, folder.uidnext);
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    assert_eq!(
        client.send(&mut store, "DELE 1").text,
        "+OK message 1 marked for deletion\r\n"
    );
    assert_eq!(
        client.send(&mut store, "DELE 3").text,
        "+OK message 3 marked for deletion\r\n"
    );
    assert_eq!(inbox_uids(&store), vec![1, 2, 3], "DELE only marks");
    let quit = client.send(&mut store, "QUIT");
    assert_eq!(
        quit.text,
        "+OK POP3 server signing off (1 messages left)\r\n"
    );
    assert_eq!(inbox_uids(&store), vec![2]);
    let changes = store
        .folder(BOSS, "INBOX")
        .expect("inbox")
        .changes_since(modseq, uidnext);
    assert_eq!(
        changes.expunged,
        vec![1, 3],
        "IMAP sessions learn of the expunge"
    );
}

#[test]
fn dropped_connection_keeps_every_message_and_releases_the_lock() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    client.send(&mut store, "DELE 1");
    client.send(&mut store, "DELE 2");
    client
        .session
        .handle_close(&mut ctx(&mut store), Instant::ZERO);
    assert!(client.session.is_closed());
    assert_eq!(inbox_uids(&store), vec![1, 2, 3]);
    assert!(!store.is_maildrop_locked(BOSS));
    // Input after the close is ignored.
    assert_eq!(client.send(&mut store, "QUIT").text, "");
    assert_eq!(inbox_uids(&store), vec![1, 2, 3]);

    let mut next = Client::connect(&mut store, 2);
    let login = next.login(&mut store);
    assert!(login.text.starts_with("+OK logged in"), "{}", login.text);
}

#[test]
fn second_session_on_a_locked_maildrop_gets_in_use() {
    let mut store = world();
    let mut first = Client::connect(&mut store, 1);
    first.login(&mut store);
    let mut second = Client::connect(&mut store, 2);
    second.send(&mut store, "USER boss");
    let refused = second.send(&mut store, "PASS secret");
    assert!(
        refused.text.starts_with("-ERR [IN-USE] "),
        "{}",
        refused.text
    );
    assert!(refused.events.is_empty());
    assert_eq!(second.session.state(), Pop3State::Authorization);
    assert!(!second.session.is_closed());
    // The other account on the same host is not affected.
    second.send(&mut store, "USER alice");
    let alice = second.send(&mut store, "PASS wonderland");
    assert!(alice
        .text
        .starts_with("+OK logged in as alice@corp.example"));
    // Once the first session quits, boss can log in again.
    first.send(&mut store, "QUIT");
    let mut third = Client::connect(&mut store, 3);
    assert!(third.login(&mut store).text.starts_with("+OK logged in"));
}

#[test]
fn in_use_is_not_a_failed_login() {
    let mut store = world();
    let mut holder = Client::connect(&mut store, 1);
    holder.login(&mut store);
    let mut client = Client::connect(&mut store, 2);
    for _ in 0..MAX_FAILED_LOGINS + 1 {
        assert!(client.login(&mut store).text.starts_with("-ERR [IN-USE]"));
    }
    assert!(!client.session.is_closed());
}

#[test]
fn third_failed_login_closes() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    for attempt in 1..=MAX_FAILED_LOGINS {
        client.send(&mut store, "USER boss");
        let reply = client.send(&mut store, "PASS nope");
        assert!(reply.text.starts_with("-ERR [AUTH] "), "{}", reply.text);
        assert_eq!(reply.closed, attempt == MAX_FAILED_LOGINS);
    }
    assert!(client.session.is_closed());
}

#[test]
fn idle_timeout_closes_without_deleting() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    client.now = Instant::from_millis(60_000);
    client.send(&mut store, "DELE 1");
    let deadline = client.session.poll_timeout().expect("an idle timer");
    assert_eq!(deadline, Instant::from_millis(60_000) + IDLE_TIMEOUT);
    // Early calls are harmless.
    client
        .session
        .handle_timeout(&mut ctx(&mut store), Instant::from_millis(60_000));
    assert!(!client.session.is_closed());
    client
        .session
        .handle_timeout(&mut ctx(&mut store), deadline);
    let out = drain(&mut client.session);
    // RFC 1939 §3: close "without ... sending any response to the client".
    assert_eq!(out.text, "");
    assert!(out.closed);
    assert!(out.events.is_empty(), "no UPDATE state on timeout");
    assert_eq!(inbox_uids(&store), vec![1, 2, 3]);
    assert!(!store.is_maildrop_locked(BOSS));
}

#[test]
fn long_lines_are_refused_and_the_session_goes_on() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    // 510 octets plus CRLF is within the 512-octet limit.
    let longest = format!("USER {}", "a".repeat(MAX_LINE - 2 - 5));
    let reply = client.send(&mut store, &longest);
    assert!(reply.text.starts_with("+OK aaaa"), "{}", reply.text);
    let too_long = format!("USER {}", "a".repeat(MAX_LINE));
    let reply = client.send(&mut store, &too_long);
    assert_eq!(reply.text, "-ERR line too long (limit 512 octets)\r\n");
    // The USER before the long line is forgotten, and the session still works.
    assert_eq!(
        client.send(&mut store, "PASS secret").text,
        "-ERR PASS must follow USER\r\n"
    );
    assert!(client.login(&mut store).text.starts_with("+OK logged in"));
}

#[test]
fn bad_commands_after_login_do_not_close() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    for _ in 0..3 * MAX_BAD_COMMANDS {
        let reply = client.send(&mut store, "FROB");
        assert_eq!(reply.text, "-ERR unknown command \"FROB\"\r\n");
    }
    assert!(!client.session.is_closed());
    assert_eq!(client.send(&mut store, "STAT").text, "+OK 3 201\r\n");
}

#[test]
fn messages_expunged_elsewhere_answer_err() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    // An IMAP session expunges message 2 while the POP3 session is open.
    store
        .folder_mut(BOSS, "INBOX")
        .expect("inbox")
        .expunge(&[2]);
    let gone = "-ERR message 2 no longer exists (removed by another session)\r\n";
    assert_eq!(client.send(&mut store, "RETR 2").text, gone);
    assert_eq!(client.send(&mut store, "TOP 2 0").text, gone);
    assert!(client
        .send(&mut store, "RETR 3")
        .text
        .starts_with("+OK 48 octets"));
    assert_eq!(
        client.send(&mut store, "DELE 2").text,
        "+OK message 2 marked for deletion\r\n"
    );
    assert_eq!(
        client.send(&mut store, "DELE 1").text,
        "+OK message 1 marked for deletion\r\n"
    );
    let quit = client.send(&mut store, "QUIT");
    assert_eq!(
        quit.text,
        "+OK POP3 server signing off (1 messages left)\r\n"
    );
    assert_eq!(inbox_uids(&store), vec![3]);
}

#[test]
fn a_replaced_inbox_is_never_expunged_by_stale_uids() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    client.login(&mut store);
    client.send(&mut store, "DELE 1");
    // Renaming INBOX moves its messages away and creates a fresh INBOX (RFC 3501 §6.3.5).
    store.rename_folder(BOSS, "INBOX", "Old").expect("rename");
    store
        .deliver(BOSS, "INBOX", MSG3.to_vec(), Flags::new(), 0)
        .expect("delivery");
    assert!(client
        .send(&mut store, "RETR 2")
        .text
        .starts_with("-ERR message 2 no longer"));
    let quit = client.send(&mut store, "QUIT");
    assert!(quit.text.starts_with("-ERR [SYS/PERM]"), "{}", quit.text);
    assert_eq!(
        inbox_uids(&store),
        vec![1],
        "the new INBOX's uid 1 is untouched"
    );
    assert!(!store.is_maildrop_locked(BOSS));
}

#[test]
fn pipelined_commands_are_answered_in_order() {
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    let burst = "USER boss\r\nPASS secret\r\nDELE 2\r\nSTAT\r\nQUIT\r\nSTAT\r\n";
    client
        .session
        .handle_input(&mut ctx(&mut store), Instant::ZERO, burst.as_bytes());
    let out = drain(&mut client.session);
    assert_eq!(
        out.text,
        "+OK boss accepted, send PASS\r\n\
         +OK logged in as boss@corp.example, maildrop has 3 messages (201 octets)\r\n\
         +OK message 2 marked for deletion\r\n\
         +OK 2 141\r\n\
         +OK POP3 server signing off (2 messages left)\r\n"
    );
    assert!(out.closed);
    assert_eq!(inbox_uids(&store), vec![1, 3]);
}

#[test]
fn arbitrary_bytes_never_panic_and_never_leak_the_lock() {
    let mut seed: u64 = 0x5eed;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as u8
    };
    let words: [&[u8]; 12] = [
        b"USER boss\r\n",
        b"PASS secret\r\n",
        b"RETR ",
        b"TOP ",
        b"DELE ",
        b"LIST ",
        b"UIDL ",
        b"AUTH PLAIN",
        b"RSET\r\n",
        b"\r\n",
        b" 4294967296 ",
        b"QUIT\r\n",
    ];
    for round in 0..200 {
        let mut store = world();
        let mut session = Pop3Session::new(Instant::ZERO, &mut ctx(&mut store), round);
        let mut input = Vec::new();
        for _ in 0..64 {
            let pick = next();
            if pick % 3 == 0 {
                input.extend_from_slice(words[usize::from(next()) % words.len()]);
            } else {
                input.push(next() % 64 + if pick % 2 == 0 { 0 } else { 48 });
            }
        }
        for piece in input.chunks(usize::from(next() % 16) + 1) {
            session.handle_input(&mut ctx(&mut store), Instant::ZERO, piece);
            drain(&mut session);
        }
        session.handle_close(&mut ctx(&mut store), Instant::ZERO);
        assert!(!store.is_maildrop_locked(BOSS), "round {round}");
    }
}

/// The session marks the lines that carry a secret, at the end of each line in the client's
/// byte stream, with the words that stay readable; other lines carry no mark.
#[test]
fn password_lines_are_marked_as_secret() {
    use crate::session::SecretInput;
    let mut store = world();
    let mut client = Client::connect(&mut store, 1);
    assert!(client.send(&mut store, "USER boss").secrets.is_empty());
    let pass = client.send(&mut store, "PASS secret");
    // "USER boss\r\n" is 11 bytes, "PASS secret\r\n" 13 more.
    assert_eq!(
        pass.secrets,
        vec![SecretInput {
            end: 24,
            shown_words: 1
        }]
    );
    assert!(client.send(&mut store, "STAT").secrets.is_empty());
}
