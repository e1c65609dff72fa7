use super::*;
use crate::session::drive_chunked;
use crate::store::Store;
use crate::testing::Transcript;
use crate::time::WallClock;

const HOST: &str = "mx.corp.example";
const BOSS: &str = "boss@corp.example";

pub const MSG1: &str = "From: Alice <alice@corp.example>\r\nTo: Boss <boss@corp.example>\r\nSubject: Hello\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: <1@corp.example>\r\n\r\nHi boss.\r\nLunch?\r\n";
pub const MSG2: &str = "From: \"Smith, J\" <smith@isp.example>\r\nTo: Team: boss@corp.example, al@corp.example;\r\nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1--\r\n";
pub const MSG3: &str = "From: bob@isp.example\r\nSubject: Big report\r\nDate: Wed, 04 Nov 2026 08:00:00 +0000\r\n\r\nQuarterly numbers attached.\r\n";

/// A world with boss@corp.example and three messages in INBOX: 1 unseen, 2 seen,
/// 3 flagged and deleted.
pub fn world() -> Store {
    let mut s = Store::new();
    s.add_domain("corp.example", HOST);
    s.add_account(BOSS, "pw", "Boss").unwrap();
    s.add_account("alice@corp.example", "apw", "Alice").unwrap();
    let day = 1_793_610_000;
    s.deliver(BOSS, "INBOX", MSG1.into(), Flags::new(), day)
        .unwrap();
    s.deliver(
        BOSS,
        "INBOX",
        MSG2.into(),
        Flags::new().with(Flag::Seen),
        day + 86_400,
    )
    .unwrap();
    s.deliver(
        BOSS,
        "INBOX",
        MSG3.into(),
        Flags::new().with(Flag::Flagged).with(Flag::Deleted),
        day + 2 * 86_400,
    )
    .unwrap();
    s.create_folder(BOSS, "Archive/2026").unwrap();
    s
}

fn ctx(store: &mut Store) -> HostCtx<'_> {
    HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    }
}

/// Replays a transcript at every chunk size against a fresh [`world`]. `{CAPABILITIES}` in a
/// transcript stands for [`crate::proto::imap::CAPABILITIES`], so that a new capability changes
/// one line of code rather than every transcript.
pub fn run_transcript(text: &str) {
    let text = text.replace("{CAPABILITIES}", crate::proto::imap::CAPABILITIES);
    let t = Transcript::parse(&text);
    let input = t.client_bytes();
    let want = String::from_utf8_lossy(&t.server_bytes()).into_owned();
    for chunk in 1..=input.len() {
        let mut store = world();
        let mut c = ctx(&mut store);
        let mut s = ImapSession::new(Instant::ZERO);
        let (out, _) = drive_chunked(&mut s, &mut c, Instant::ZERO, &input, chunk);
        let got = String::from_utf8_lossy(&out);
        if got != want {
            // Show the first differing line, not two walls of text.
            let (g, w): (Vec<&str>, Vec<&str>) = (got.lines().collect(), want.lines().collect());
            let i = g
                .iter()
                .zip(&w)
                .position(|(a, b)| a != b)
                .unwrap_or(g.len().min(w.len()));
            panic!(
                "chunk size {chunk}: line {i}\n got: {:?}\nwant: {:?}\n\nfull output:\n{got}",
                g.get(i),
                w.get(i)
            );
        }
    }
}

/// A client of a session, for scripted multi-session tests.
struct Client {
    s: ImapSession,
    events: Vec<ImapEvent>,
    closed: bool,
}

impl Client {
    fn new() -> Client {
        let mut s = ImapSession::new(Instant::ZERO);
        while s.poll_output().is_some() {}
        Client {
            s,
            events: Vec::new(),
            closed: false,
        }
    }

    fn drain(&mut self) -> String {
        let mut out = Vec::new();
        while let Some(o) = self.s.poll_output() {
            match o {
                Output::Transmit(b) => out.extend(b),
                // Secret marks are checked by the transcript tests (sandbox).
                Output::Event(ImapEvent::Secret(_)) => {}
                Output::Event(e) => self.events.push(e),
                Output::Close => self.closed = true,
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    fn send(&mut self, store: &mut Store, line: &str) -> String {
        self.send_at(store, Instant::ZERO, line)
    }

    fn send_at(&mut self, store: &mut Store, now: Instant, line: &str) -> String {
        self.s
            .handle_input(&mut ctx(store), now, format!("{line}\r\n").as_bytes());
        self.drain()
    }

    fn timeout(&mut self, store: &mut Store, now: Instant) -> String {
        self.s.handle_timeout(&mut ctx(store), now);
        self.drain()
    }
}

fn logged_in(store: &mut Store) -> Client {
    let mut c = Client::new();
    assert!(c.send(store, "a LOGIN boss pw").contains("a OK"));
    c
}

#[test]
fn select_opens_read_write() {
    let mut store = world();
    let mut c = logged_in(&mut store);
    let out = c.send(&mut store, "b SELECT INBOX");
    assert!(out.contains("b OK [READ-WRITE]"), "{out}");
}

fn selected(store: &mut Store, mailbox: &str) -> Client {
    let mut c = logged_in(store);
    let out = c.send(store, &format!("s SELECT {mailbox}"));
    assert!(out.contains("s OK [READ-WRITE]"), "{out}");
    c
}

#[test]
fn two_sessions_see_each_others_expunges_flags_and_new_mail_at_noop() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = selected(&mut store, "INBOX");
    // A flags message 1 and expunges message 3 (\Deleted already).
    assert_eq!(
        a.send(&mut store, "1 STORE 1 +FLAGS (\\Answered)"),
        "* 1 FETCH (FLAGS (\\Answered \\Recent))\r\n1 OK STORE completed\r\n"
    );
    assert_eq!(
        a.send(&mut store, "2 EXPUNGE"),
        "* 3 EXPUNGE\r\n2 OK EXPUNGE completed\r\n"
    );
    // New mail arrives.
    store
        .deliver(BOSS, "INBOX", MSG1.into(), Flags::new(), 0)
        .unwrap();
    // B learns all of it at NOOP; \Recent stays with A, who selected first.
    assert_eq!(
        b.send(&mut store, "3 NOOP"),
        "* 3 EXPUNGE\r\n* 3 EXISTS\r\n* 1 RECENT\r\n* 1 FETCH (FLAGS (\\Answered))\r\n3 OK NOOP completed\r\n"
    );
    // A did its own STORE and EXPUNGE: only the new message is news.
    assert_eq!(
        a.send(&mut store, "4 NOOP"),
        "* 3 EXISTS\r\n* 2 RECENT\r\n4 OK NOOP completed\r\n"
    );
    // Nothing more for either.
    assert_eq!(b.send(&mut store, "5 CHECK"), "5 OK CHECK completed\r\n");
    assert_eq!(a.send(&mut store, "6 NOOP"), "6 OK NOOP completed\r\n");
}

#[test]
fn fetch_store_search_do_not_send_expunge_but_uid_commands_do() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = selected(&mut store, "INBOX");
    a.send(&mut store, "1 EXPUNGE");
    // RFC 3501 §7.4.1: B's sequence numbers must not move during FETCH; RFC 2180 §4.1 leaves
    // the server a choice: here what still exists is answered and the command does not fail.
    let out = b.send(&mut store, "2 FETCH 2:3 UID");
    assert_eq!(out, "* 2 FETCH (UID 2)\r\n2 OK FETCH completed\r\n");
    let out = b.send(&mut store, "3 SEARCH ALL");
    assert_eq!(out, "* SEARCH 1 2\r\n3 OK SEARCH completed\r\n");
    let out = b.send(&mut store, "4 UID FETCH 1 UID");
    assert_eq!(
        out,
        "* 1 FETCH (UID 1)\r\n* 3 EXPUNGE\r\n4 OK UID FETCH completed\r\n"
    );
}

#[test]
fn recent_is_seen_by_one_session_only() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = logged_in(&mut store);
    let out = b.send(&mut store, "s SELECT INBOX");
    assert!(out.contains("* 3 EXISTS\r\n* 0 RECENT\r\n"), "{out}");
    assert_eq!(
        a.send(&mut store, "1 SEARCH RECENT"),
        "* SEARCH 1 2 3\r\n1 OK SEARCH completed\r\n"
    );
    assert_eq!(
        b.send(&mut store, "1 SEARCH RECENT"),
        "* SEARCH\r\n1 OK SEARCH completed\r\n"
    );
    store
        .deliver(BOSS, "INBOX", MSG3.into(), Flags::new(), 0)
        .unwrap();
    // B asks first, so B claims the new message as recent.
    let ob = b.send(&mut store, "2 NOOP");
    let oa = a.send(&mut store, "2 NOOP");
    assert_eq!(ob, "* 4 EXISTS\r\n* 1 RECENT\r\n2 OK NOOP completed\r\n");
    assert_eq!(oa, "* 4 EXISTS\r\n* 3 RECENT\r\n2 OK NOOP completed\r\n");
}

#[test]
fn idle_pushes_new_mail_and_flag_changes_until_done() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = selected(&mut store, "INBOX");
    assert_eq!(a.send(&mut store, "i IDLE"), "+ idling\r\n");
    // Nothing changed: an early timeout call says nothing.
    assert_eq!(a.timeout(&mut store, Instant::from_millis(1000)), "");
    store
        .deliver(BOSS, "INBOX", MSG1.into(), Flags::new(), 0)
        .unwrap();
    assert_eq!(
        a.timeout(&mut store, Instant::from_millis(2000)),
        "* 4 EXISTS\r\n* 4 RECENT\r\n"
    );
    b.send(&mut store, "1 STORE 2 +FLAGS (\\Flagged)");
    assert_eq!(
        a.timeout(&mut store, Instant::from_millis(3000)),
        "* 2 FETCH (FLAGS (\\Seen \\Flagged \\Recent))\r\n"
    );
    // Commands are not accepted while idling; DONE ends it.
    assert_eq!(a.send(&mut store, "done"), "i OK IDLE terminated\r\n");
    assert_eq!(a.send(&mut store, "n NOOP"), "n OK NOOP completed\r\n");
    a.send(&mut store, "j IDLE");
    assert_eq!(
        a.send(&mut store, "k NOOP"),
        "j BAD Expected DONE to end IDLE\r\n"
    );
}

#[test]
fn deleted_selected_mailbox_ends_other_sessions_gracefully() {
    let mut store = world();
    let mut a = selected(&mut store, "Archive/2026");
    let mut b = logged_in(&mut store);
    assert!(b
        .send(&mut store, "1 DELETE Archive/2026")
        .contains("1 OK DELETE"));
    let out = a.send(&mut store, "2 NOOP");
    assert_eq!(
        out,
        "* BYE The selected mailbox was deleted or renamed by another session\r\n"
    );
    assert!(a.closed);
    // Deleting one's own selected mailbox just leaves the Selected state.
    let mut c = selected(&mut store, "Sent");
    assert!(c.send(&mut store, "3 DELETE Sent").contains("3 OK"));
    assert_eq!(c.s.state(), ImapState::Authenticated);
    assert!(c
        .send(&mut store, "4 FETCH 1 UID")
        .contains("4 BAD FETCH needs a selected mailbox"));
}

#[test]
fn state_events_follow_the_state_diagram() {
    let mut store = world();
    let mut c = Client::new();
    assert_eq!(c.s.state(), ImapState::NotAuthenticated);
    c.send(&mut store, "1 LOGIN boss pw");
    c.send(&mut store, "2 EXAMINE INBOX");
    c.send(&mut store, "3 CLOSE");
    c.send(&mut store, "4 LOGOUT");
    assert_eq!(
        c.events,
        vec![
            ImapEvent::LoggedIn(BOSS.into()),
            ImapEvent::State(ImapState::Authenticated),
            ImapEvent::Selected {
                folder: "INBOX".into(),
                read_only: true
            },
            ImapEvent::State(ImapState::Selected),
            ImapEvent::State(ImapState::Authenticated),
            ImapEvent::State(ImapState::Logout),
        ]
    );
    assert!(c.closed);
}

#[test]
fn autologout_after_thirty_idle_minutes() {
    let mut store = world();
    let mut c = logged_in(&mut store);
    let t = c.s.poll_timeout().unwrap();
    assert_eq!(t, Instant::ZERO + AUTOLOGOUT);
    c.send_at(&mut store, Instant::from_millis(60_000), "1 NOOP");
    assert_eq!(
        c.s.poll_timeout(),
        Some(Instant::from_millis(60_000) + AUTOLOGOUT)
    );
    assert_eq!(c.timeout(&mut store, t), "", "early call is harmless");
    let out = c.timeout(&mut store, Instant::from_millis(60_000) + AUTOLOGOUT);
    assert_eq!(out, "* BYE Autologout: idle for too long\r\n");
    assert!(c.closed && c.s.poll_timeout().is_none());
}

#[test]
fn oversized_lines_and_literals_are_refused_without_buffering() {
    let mut store = world();
    store.limits.max_message_size = 1000;
    let mut c = logged_in(&mut store);
    // A 70 KB line: BAD with the tag, the session stays usable.
    let long = format!("t1 LOGIN {}", "x".repeat(70_000));
    assert_eq!(
        c.send(&mut store, &long),
        "t1 BAD Command line too long (limit 65536 octets)\r\n"
    );
    // A synchronizing literal over the message size limit is refused before it is sent.
    assert_eq!(
        c.send(&mut store, "t2 APPEND INBOX {5000}"),
        "t2 NO [TOOBIG] Message too large: 5000 octets (limit 1000)\r\n"
    );
    // A non-synchronizing one is swallowed.
    let mut input = b"t3 APPEND INBOX {3000+}\r\n".to_vec();
    input.extend(std::iter::repeat_n(b'z', 3000));
    input.extend_from_slice(b"\r\nt4 NOOP\r\n");
    c.s.handle_input(&mut ctx(&mut store), Instant::ZERO, &input[..1500]);
    assert!(
        c.s.framer.pending() < 100,
        "refused literal data is not kept"
    );
    c.s.handle_input(&mut ctx(&mut store), Instant::ZERO, &input[1500..]);
    assert_eq!(
        c.drain(),
        "t3 NO [TOOBIG] Message too large: 3000 octets (limit 1000)\r\nt4 OK NOOP completed\r\n"
    );
    // Other commands take literals up to 64 KiB.
    assert_eq!(
        c.send(&mut store, "t5 SELECT {70000}"),
        "t5 BAD Literal too large: 70000 octets (limit 65536 for this command)\r\n"
    );
    assert_eq!(store.folder(BOSS, "INBOX").unwrap().len(), 3);
}

#[test]
fn garbage_never_panics() {
    let mut store = world();
    let inputs: [&[u8]; 12] = [
        b"\r\n",
        b"+ x\r\n",
        b"a UID\r\n",
        b"a UID FROB\r\n",
        b"a FETCH 1:* (BODY[1.2.3.4.5.MIME]<0.1>)\r\n",
        b"a FETCH * BODY[1.TEXT]\r\n",
        b"a SEARCH OR\r\n",
        b"a SEARCH ((((((((((ALL))))))))))\r\n",
        b"a STORE 1 FLAGS (\r\n",
        b"a LIST \"\" \"\\\r\n",
        b"\xff\xfe {3}\r\n",
        b"a APPEND INBOX {0}\r\n\r\n",
    ];
    for input in inputs {
        let mut c = selected(&mut store, "INBOX");
        c.s.handle_input(&mut ctx(&mut store), Instant::ZERO, input);
        let out = c.drain();
        assert!(!out.is_empty(), "{:?}", String::from_utf8_lossy(input));
    }
}

#[test]
fn renamed_inbox_changes_uidvalidity_and_other_sessions_are_told() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = logged_in(&mut store);
    assert!(b
        .send(&mut store, "1 RENAME INBOX Old-Inbox")
        .contains("1 OK RENAME"));
    // INBOX still exists (empty, new UIDVALIDITY): A may not keep its sequence numbers.
    assert_eq!(
        a.send(&mut store, "2 NOOP"),
        "* BYE The selected mailbox was replaced (UIDVALIDITY changed)\r\n"
    );
    assert!(a.closed);
    let out = b.send(&mut store, "3 STATUS Old-Inbox (MESSAGES)");
    assert!(
        out.starts_with("* STATUS \"Old-Inbox\" (MESSAGES 3)"),
        "{out}"
    );
}

#[test]
fn a_new_keyword_is_announced_in_every_session_before_a_fetch_carries_it() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = selected(&mut store, "INBOX");
    let mut e = logged_in(&mut store);
    assert!(e
        .send(&mut store, "e EXAMINE INBOX")
        .contains("e OK [READ-ONLY]"));
    let flags = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label3)\r\n";
    let permanent = "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label3 \\*)] Flags permitted\r\n";
    assert_eq!(
        a.send(&mut store, "1 STORE 2 +FLAGS.SILENT ($Label3)"),
        format!("{flags}{permanent}1 OK STORE completed\r\n")
    );
    // RFC 3501 §7.2.6: B and the read-only E hear of $Label3 before the FETCH with it.
    assert_eq!(
        b.send(&mut store, "2 NOOP"),
        format!("{flags}{permanent}* 2 FETCH (FLAGS (\\Seen $Label3))\r\n2 OK NOOP completed\r\n")
    );
    assert_eq!(
        e.send(&mut store, "3 NOOP"),
        format!("{flags}* 2 FETCH (FLAGS (\\Seen $Label3))\r\n3 OK NOOP completed\r\n")
    );
    // Once told, never again; a message delivered with a new keyword is announced too.
    assert_eq!(
        b.send(&mut store, "4 FETCH 2 FLAGS"),
        "* 2 FETCH (FLAGS (\\Seen $Label3))\r\n4 OK FETCH completed\r\n"
    );
    let mut kw = Flags::new();
    kw.insert_keyword("$Todo");
    store.deliver(BOSS, "INBOX", MSG3.into(), kw, 0).unwrap();
    let out = b.send(&mut store, "5 NOOP");
    assert!(
        out.starts_with(
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Label3 $Todo)\r\n"
        ),
        "{out}"
    );
}

#[test]
fn command_lines_up_to_64_kib_are_taken() {
    let mut store = world();
    let mut c = selected(&mut store, "INBOX");
    let value = "v".repeat(58_000);
    let out = c.send(
        &mut store,
        &format!("i ID (\"a23456789012345678901234567890\" \"{value}\")"),
    );
    assert!(out.ends_with("i OK ID completed\r\n"), "{out}");
    let many = vec!["1:3"; 1_000].join(",");
    let out = c.send(&mut store, &format!("s SEARCH {many} NOT SUBJECT {value}"));
    assert_eq!(out, "* SEARCH 1 2 3\r\ns OK SEARCH completed\r\n");
}

/// Issue 27's conformance faults, each replayed from the case the issue describes.

#[test]
fn authenticate_login_answers_are_marked_secret() {
    let mut store = world();
    let mut s = ImapSession::new(Instant::ZERO);
    let input = b"a AUTHENTICATE LOGIN\r\nYm9zcw==\r\ncHc=\r\n";
    s.handle_input(&mut ctx(&mut store), Instant::ZERO, input);
    let mut marks = Vec::new();
    let mut out = Vec::new();
    while let Some(o) = s.poll_output() {
        match o {
            Output::Event(ImapEvent::Secret(m)) => marks.push(m.end),
            Output::Transmit(b) => out.extend(b),
            _ => {}
        }
    }
    assert!(String::from_utf8_lossy(&out).contains("a OK [CAPABILITY"));
    // Both answers (user name and password) are marked, up to the end of each line.
    assert_eq!(marks, vec![32, 38]);
}

#[test]
fn with_qresync_others_expunges_come_as_vanished_and_fetches_carry_the_uid() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = logged_in(&mut store);
    assert!(b
        .send(&mut store, "1 ENABLE QRESYNC")
        .starts_with("* ENABLED QRESYNC\r\n"));
    assert!(b.send(&mut store, "2 SELECT INBOX").contains("2 OK"));
    a.send(&mut store, "3 STORE 1 +FLAGS.SILENT (\\Deleted)");
    // A session without QRESYNC hears EXPUNGE.
    assert_eq!(
        a.send(&mut store, "4 EXPUNGE"),
        "* 3 EXPUNGE\r\n* 1 EXPUNGE\r\n4 OK EXPUNGE completed\r\n"
    );
    a.send(&mut store, "5 STORE 1 +FLAGS.SILENT (\\Answered)");
    // RFC 7162 §3.2.10: one VANISHED line for UIDs 1 and 3; §3.2.4: the UID in the FETCH.
    let out = b.send(&mut store, "6 NOOP");
    assert!(
        out.starts_with("* VANISHED 1,3\r\n* 1 FETCH (UID 2 FLAGS (\\Seen \\Answered) MODSEQ ("),
        "{out}"
    );
}

#[test]
fn an_imap4rev2_session_never_hears_of_recent_and_leaves_it_to_rev1_sessions() {
    let mut store = world();
    let mut v2 = logged_in(&mut store);
    assert!(v2
        .send(&mut store, "1 ENABLE IMAP4rev2")
        .starts_with("* ENABLED IMAP4rev2\r\n"));
    assert!(v2.send(&mut store, "2 SELECT INBOX").contains("2 OK"));
    store
        .deliver(BOSS, "INBOX", MSG3.into(), Flags::new(), 0)
        .unwrap();
    // RFC 9051 Appendix E: no RECENT response, no \Recent flag.
    assert_eq!(
        v2.send(&mut store, "3 NOOP"),
        "* 4 EXISTS\r\n3 OK NOOP completed\r\n"
    );
    assert_eq!(
        v2.send(&mut store, "4 FETCH 4 FLAGS"),
        "* 4 FETCH (FLAGS ())\r\n4 OK FETCH completed\r\n"
    );
    // The message is still new for an IMAP4rev1 session.
    let mut v1 = logged_in(&mut store);
    let out = v1.send(&mut store, "5 SELECT INBOX");
    assert!(out.contains("* 4 RECENT\r\n"), "{out}");
}

#[test]
fn enabling_imap4rev2_while_selected_drops_recent_at_once() {
    let mut store = world();
    let mut c = selected(&mut store, "INBOX");
    assert!(c.send(&mut store, "1 FETCH 1 FLAGS").contains("\\Recent"));
    assert!(c.send(&mut store, "2 ENABLE IMAP4rev2").contains("2 OK"));
    assert_eq!(
        c.send(&mut store, "3 FETCH 1 FLAGS"),
        "* 1 FETCH (FLAGS ())\r\n3 OK FETCH completed\r\n"
    );
}

/// RFC 5267 §4.3.4: an update context in sequence numbers hears of another session's
/// expunge before the EXPUNGE itself, numbered as the client still numbers them; a UID
/// context hears of a flag change made elsewhere as it is reported.
#[test]
fn update_contexts_hear_of_other_sessions_changes_in_order() {
    let mut store = world();
    let mut a = selected(&mut store, "INBOX");
    let mut b = selected(&mut store, "INBOX");
    assert_eq!(
        a.send(&mut store, "k1 SEARCH RETURN (UPDATE COUNT) UNDELETED"),
        "* ESEARCH (TAG \"k1\") COUNT 2\r\nk1 OK SEARCH completed, will notify\r\n"
    );
    assert_eq!(
        a.send(&mut store, "k2 UID SEARCH RETURN (UPDATE) FLAGGED"),
        "* ESEARCH (TAG \"k2\") UID\r\nk2 OK UID SEARCH completed, will notify\r\n"
    );
    b.send(&mut store, "1 STORE 1 +FLAGS (\\Flagged \\Deleted)");
    b.send(&mut store, "2 EXPUNGE");
    assert_eq!(
        a.send(&mut store, "3 NOOP"),
        "* ESEARCH (TAG \"k1\") REMOVEFROM (0 1)\r\n* ESEARCH (TAG \"k2\") UID REMOVEFROM (0 3)\r\n\
         * 3 EXPUNGE\r\n* 1 EXPUNGE\r\n3 OK NOOP completed\r\n"
    );
    b.send(&mut store, "4 UID STORE 2 +FLAGS (\\Flagged)");
    assert_eq!(
        a.send(&mut store, "5 NOOP"),
        "* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent))\r\n* ESEARCH (TAG \"k2\") UID ADDTO (0 2)\r\n5 OK NOOP completed\r\n"
    );
}
