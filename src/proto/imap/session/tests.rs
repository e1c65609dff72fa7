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

/// Replays a transcript at every chunk size against a fresh [`world`].
pub fn run_transcript(text: &str) {
    let t = Transcript::parse(text);
    let input = t.client_bytes();
    let want = String::from_utf8_lossy(&t.server_bytes()).into_owned();
    for chunk in 1..=input.len() {
        let mut store = world();
        let mut c = ctx(&mut store);
        let mut s = ImapSession::new(Instant::ZERO, &mut c);
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
    fn new(store: &mut Store) -> Client {
        let mut s = ImapSession::new(Instant::ZERO, &mut ctx(store));
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
    let mut c = Client::new(store);
    assert!(c.send(store, "a LOGIN boss pw").contains("a OK"));
    c
}

#[test]
fn print_for_review() {
    // Not an assertion test: keeps a way to look at raw output while writing transcripts.
    let mut store = world();
    let mut c = logged_in(&mut store);
    let out = c.send(&mut store, "b SELECT INBOX");
    assert!(out.contains("b OK [READ-WRITE]"), "{out}");
}

#[test]
fn transcript_auth() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_auth.txt"));
}

#[test]
fn transcript_authenticate() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_authenticate.txt"
    ));
}

#[test]
fn transcript_saslir_and_failed_login_limit() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_saslir.txt"
    ));
}

#[test]
fn transcript_mailboxes() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_mailboxes.txt"
    ));
}

#[test]
#[ignore]
fn dump_draft() {
    let t = Transcript::parse(&std::fs::read_to_string("/tmp/draft.txt").unwrap());
    let mut store = world();
    let mut c = ctx(&mut store);
    let mut s = ImapSession::new(Instant::ZERO, &mut c);
    let (out, _) = drive_chunked(&mut s, &mut c, Instant::ZERO, &t.client_bytes(), 100000);
    println!("{}", String::from_utf8_lossy(&out));
}

#[test]
fn transcript_fetch() {
    run_transcript(include_str!("../../../../tests/transcripts/imap_fetch.txt"));
}

#[test]
fn transcript_store_search() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_store_search.txt"
    ));
}

#[test]
fn transcript_copy_move_append_expunge() {
    run_transcript(include_str!(
        "../../../../tests/transcripts/imap_copy_append.txt"
    ));
}
