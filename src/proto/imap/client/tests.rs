//! IMAP client tests: recorded dialogues replayed at every chunk size, the client against the
//! real server, and failures a user would see.

use super::*;
use crate::proto::imap::ImapSession;
use crate::proto::HostCtx;
use crate::session::drive_chunked;
use crate::store::{Flags, Store};
use crate::testing::Transcript;
use crate::time::WallClock;

fn job(action: ImapAction) -> ImapJob {
    ImapJob {
        user: "boss".into(),
        password: "secret".into(),
        action,
        starttls: StartTlsPolicy::Never,
    }
}

fn open_inbox() -> ImapJob {
    job(ImapAction::Open {
        folder: "INBOX".into(),
    })
}

fn events(client: &mut ImapClient) -> Vec<ImapClientEvent> {
    let mut out = Vec::new();
    while let Some(o) = client.poll_output() {
        if let Output::Event(e) = o {
            out.push(e);
        }
    }
    out
}

/// Replays a transcript at every chunk size: the client must send exactly its C: lines.
/// Returns the outcome of a whole-input run.
fn replay(text: &str, make: impl Fn() -> ImapClient) -> Vec<ImapClientEvent> {
    let t = Transcript::parse(text);
    let server = t.server_bytes();
    for chunk in 1..=server.len() {
        let mut client = make();
        let (sent, closed) = drive_chunked(&mut client, &mut (), Instant::ZERO, &server, chunk);
        assert_eq!(
            String::from_utf8_lossy(&sent),
            String::from_utf8_lossy(&t.client_bytes()),
            "chunk {chunk}"
        );
        assert!(closed, "chunk {chunk}");
    }
    let mut client = make();
    client.handle_input(&mut (), Instant::ZERO, &server);
    events(&mut client)
}

#[test]
fn transcript_open_a_folder_at_every_chunk_size() {
    let got = replay(
        include_str!("../../../../tests/transcripts/imap_client_open.txt"),
        || ImapClient::new(Instant::ZERO, open_inbox()),
    );
    let [ImapClientEvent::Done(Ok(ImapOutcome::Mailbox {
        folders,
        messages,
        exists: 2,
    }))] = got.as_slice()
    else {
        panic!("{got:?}")
    };
    let names: Vec<&str> = folders.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["INBOX", "Sent \"x\""]);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].uid, 4);
    assert_eq!(messages[0].flags, ["\\Seen"]);
    assert_eq!(messages[0].size, Some(2210));
    assert_eq!(messages[0].raw, b"Subject: a)\r\n\r\n");
    assert!(!messages[0].whole);
    assert_eq!(messages[1].raw, b"\r\n");
}

#[test]
fn transcript_read_one_message_whole_at_every_chunk_size() {
    let got = replay(
        include_str!("../../../../tests/transcripts/imap_client_read.txt"),
        || {
            ImapClient::new(
                Instant::ZERO,
                job(ImapAction::Read {
                    folder: "INBOX".into(),
                    uid: 4711,
                }),
            )
        },
    );
    let [ImapClientEvent::Done(Ok(ImapOutcome::Message(m)))] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(m.uid, 4711);
    assert_eq!(m.flags, ["\\Seen"]);
    assert_eq!(m.raw, b"Subject: b\r\n\r\n{3}\r\nx)\r\n");
    assert!(m.whole);
}

/// The server's side of reading one message of `size` octets whose body is made of lines that
/// look like IMAP (tags, literal announcements, a `)`), as answer bytes, with the offsets of
/// the boundary classes the framing must survive: inside the literal's count, just after
/// `{n}\r\n`, inside the literal, and at its end.
fn big_read_answer(size: usize) -> (Vec<u8>, Vec<usize>) {
    let mut body = b"Subject: big\r\n\r\n".to_vec();
    let mut i = 0;
    while body.len() < size {
        let line = match i % 4 {
            0 => format!("a3 OK line {i} looks like a completion\r\n"),
            1 => format!("* {i} FETCH (BODY[] {{{i}}}\r\n"),
            2 => "omain envelope message mailbox route body )\r\n".to_string(),
            _ => format!("{}\r\n", "x".repeat(i % 997)),
        };
        body.extend_from_slice(line.as_bytes());
        i += 1;
    }
    body.truncate(size);
    let head = format!(
        "* OK ready\r\na1 OK LOGIN completed\r\n* 9 EXISTS\r\na2 OK SELECT completed\r\n* 9 FETCH (UID 77 FLAGS (\\Seen) BODY[] {{{}}}\r\n",
        body.len()
    );
    let count_at = head.len() - 5;
    let data_at = head.len();
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    let end_at = answer.len();
    answer.extend_from_slice(
        b")\r\na3 OK FETCH completed\r\n* BYE bye\r\na4 OK LOGOUT completed\r\n",
    );
    (
        answer,
        vec![
            count_at,
            data_at,
            data_at + size / 2,
            end_at - 1,
            end_at,
            end_at + 1,
        ],
    )
}

#[test]
fn a_multi_megabyte_answer_keeps_its_framing_at_every_boundary_class() {
    let size = 5 * 1024 * 1024 + 7;
    let (answer, cuts) = big_read_answer(size);
    let read = || {
        ImapClient::new(
            Instant::ZERO,
            job(ImapAction::Read {
                folder: "INBOX".into(),
                uid: 77,
            }),
        )
    };
    // Split once at each boundary class, then in pieces of several odd sizes.
    let mut splits: Vec<Vec<usize>> = cuts.iter().map(|&c| vec![c]).collect();
    for piece in [1_000_003, 65_536, 4093] {
        splits.push((piece..answer.len()).step_by(piece).collect());
    }
    for cut in splits {
        let mut c = read();
        let mut from = 0;
        for &at in cut.iter().chain([answer.len()].iter()) {
            c.handle_input(&mut (), Instant::ZERO, &answer[from..at]);
            from = at;
        }
        let got = events(&mut c);
        let [ImapClientEvent::Done(Ok(ImapOutcome::Message(m)))] = got.as_slice() else {
            panic!("split at {:?}: {got:?}", &cut[..cut.len().min(3)])
        };
        assert_eq!(m.raw.len(), size, "split at {:?}", &cut[..cut.len().min(3)]);
        assert_eq!(&m.raw[..], &answer[cuts[1]..cuts[1] + size]);
    }
}

#[test]
fn a_listing_fetches_only_the_newest_page_and_reading_fetches_the_body() {
    let mut s = store();
    for i in 0..LIST_PAGE + 5 {
        let raw = format!("Subject: n{i}\r\n\r\nbody {i}\r\n");
        s.deliver(
            "boss@corp.example",
            "INBOX",
            raw.into_bytes(),
            Flags::new(),
            0,
        )
        .expect("delivery");
    }
    let got = against_server(&mut s, open_inbox(), 4096);
    let [ImapClientEvent::Done(Ok(ImapOutcome::Mailbox {
        messages, exists, ..
    }))] = got.as_slice()
    else {
        panic!("{got:?}")
    };
    assert_eq!(*exists, LIST_PAGE + 7);
    assert_eq!(messages.len(), LIST_PAGE as usize);
    let newest = messages.last().unwrap();
    assert_eq!(
        newest.raw,
        format!("Subject: n{}\r\n\r\n", LIST_PAGE + 4).as_bytes()
    );
    let seen = |flags: &[String]| flags.iter().any(|f| f == "\\Seen");
    assert!(!newest.whole && !seen(&newest.flags));
    let read = job(ImapAction::Read {
        folder: "INBOX".into(),
        uid: newest.uid,
    });
    let got = against_server(&mut s, read, 4096);
    let [ImapClientEvent::Done(Ok(ImapOutcome::Message(m)))] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert!(m.whole && seen(&m.flags));
    assert!(m
        .raw
        .ends_with(format!("body {}\r\n", LIST_PAGE + 4).as_bytes()));
    let gone = job(ImapAction::Read {
        folder: "INBOX".into(),
        uid: 99_999,
    });
    let got = against_server(&mut s, gone, 4096);
    assert!(
        matches!(got.as_slice(), [ImapClientEvent::Done(Err(e))] if e.contains("no longer")),
        "{got:?}"
    );
}

#[test]
fn transcript_append_waits_for_the_continuation_at_every_chunk_size() {
    let got = replay(
        include_str!("../../../../tests/transcripts/imap_client_append.txt"),
        || {
            ImapClient::new(
                Instant::ZERO,
                job(ImapAction::Append {
                    folder: "Drafts".into(),
                    raw: b"Subject:x".to_vec(),
                }),
            )
        },
    );
    assert!(
        matches!(got.as_slice(), [ImapClientEvent::Done(Ok(ImapOutcome::Done(t)))] if t.contains("APPEND completed")),
        "{got:?}"
    );
}

/// Runs the client against the real server, each side's bytes handed over in `chunk`-byte
/// pieces, until both are quiet.
fn against_server(store: &mut Store, job: ImapJob, chunk: usize) -> Vec<ImapClientEvent> {
    let now = Instant::ZERO;
    let mut ctx = HostCtx {
        host: "mx.corp.example",
        store,
        clock: WallClock::default(),
    };
    let mut server = ImapSession::new(now);
    let mut client = ImapClient::new(now, job);
    let mut got = Vec::new();
    for _ in 0..10_000 {
        let mut to_client = Vec::new();
        let mut server_closed = false;
        while let Some(o) = server.poll_output() {
            match o {
                Output::Transmit(b) => to_client.extend(b),
                Output::Close => server_closed = true,
                Output::Event(_) => {}
            }
        }
        for piece in to_client.chunks(chunk) {
            client.handle_input(&mut (), now, piece);
        }
        if server_closed {
            client.handle_close(&mut (), now);
        }
        let mut to_server = Vec::new();
        while let Some(o) = client.poll_output() {
            match o {
                Output::Transmit(b) => to_server.extend(b),
                Output::Event(e) => got.push(e),
                Output::Close => {}
            }
        }
        if to_client.is_empty() && to_server.is_empty() {
            break;
        }
        for piece in to_server.chunks(chunk) {
            server.handle_input(&mut ctx, now, piece);
        }
    }
    got
}

fn store() -> Store {
    let mut store = Store::new();
    store.add_domain("corp.example", "mx.corp.example");
    store
        .add_account("boss@corp.example", "secret", "The Boss")
        .expect("account");
    for raw in [
        &b"Subject: one\r\n\r\nhi\r\n"[..],
        b"Subject: two\r\n\r\n.\r\n",
    ] {
        store
            .deliver("boss@corp.example", "INBOX", raw.to_vec(), Flags::new(), 0)
            .expect("delivery");
    }
    store
}

#[test]
fn against_the_server_open_flag_append_move_and_delete() {
    for chunk in [1, 3, 64, 4096] {
        let mut s = store();
        let got = against_server(&mut s, open_inbox(), chunk);
        let [ImapClientEvent::Done(Ok(ImapOutcome::Mailbox {
            folders, messages, ..
        }))] = got.as_slice()
        else {
            panic!("{got:?}")
        };
        assert!(folders.iter().any(|f| f.name == "Sent"), "{folders:?}");
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1].raw, b"Subject: two\r\n\r\n");
        let uid = messages[0].uid;
        let actions = [
            ImapAction::Flag {
                folder: "INBOX".into(),
                uid,
                flag: "\\Flagged".into(),
                on: true,
            },
            ImapAction::Append {
                folder: "Drafts".into(),
                raw: b"Subject: draft\r\n\r\nx\r\n".to_vec(),
            },
            ImapAction::Move {
                folder: "INBOX".into(),
                uid,
                to: "Trash".into(),
            },
            ImapAction::Delete {
                folder: "INBOX".into(),
                uid: messages[1].uid,
            },
        ];
        for a in actions {
            let got = against_server(&mut s, job(a.clone()), chunk);
            assert!(
                matches!(
                    got.as_slice(),
                    [ImapClientEvent::Done(Ok(ImapOutcome::Done(_)))]
                ),
                "{a:?}: {got:?}"
            );
        }
        let len = |f: &str| s.folder("boss@corp.example", f).unwrap().len();
        assert_eq!((len("INBOX"), len("Trash"), len("Drafts")), (0, 1, 1));
    }
}

#[test]
fn a_refused_login_fails_with_the_servers_words() {
    let mut s = store();
    let bad = ImapJob {
        password: "wrong".into(),
        ..open_inbox()
    };
    let got = against_server(&mut s, bad, 7);
    assert!(
        matches!(got.as_slice(), [ImapClientEvent::Done(Err(e))] if e.starts_with("NO")),
        "{got:?}"
    );
}

#[test]
fn garbage_oversized_literals_and_silence_fail_once_without_panicking() {
    let mut c = ImapClient::new(Instant::ZERO, open_inbox());
    c.handle_input(&mut (), Instant::ZERO, b"* OK hi\r\nzz OK what\r\n");
    assert!(
        matches!(events(&mut c).as_slice(), [ImapClientEvent::Done(Err(e))] if e.contains("unexpected"))
    );

    // A literal announcing more than the client keeps is refused before any data is held.
    let mut c = ImapClient::new(Instant::ZERO, open_inbox());
    c.handle_input(
        &mut (),
        Instant::ZERO,
        b"* OK hi\r\n* 1 FETCH (BODY[] {99999999999999999999}\r\n",
    );
    c.handle_input(
        &mut (),
        Instant::ZERO,
        b"* 1 FETCH (BODY[] {999999999999}\r\n",
    );
    let got = events(&mut c);
    assert!(
        matches!(got.as_slice(), [ImapClientEvent::Done(Err(_))]),
        "{got:?}"
    );
    assert!(c.is_closed());

    let mut c = ImapClient::new(Instant::ZERO, open_inbox());
    c.handle_input(&mut (), Instant::ZERO, &[b'*'; 70_000]);
    c.handle_input(&mut (), Instant::ZERO, b"\r\n");
    assert!(
        matches!(events(&mut c).as_slice(), [ImapClientEvent::Done(Err(e))] if e.contains("too long"))
    );

    let mut c = ImapClient::new(Instant::ZERO, open_inbox());
    let late = c.poll_timeout().unwrap();
    c.handle_timeout(&mut (), late);
    assert!(
        matches!(events(&mut c).as_slice(), [ImapClientEvent::Done(Err(e))] if e.contains("timed out"))
    );
}

fn sent(client: &mut ImapClient) -> (String, Vec<ImapClientEvent>) {
    let mut bytes = Vec::new();
    let mut got = Vec::new();
    while let Some(o) = client.poll_output() {
        match o {
            Output::Transmit(b) => bytes.extend(b),
            Output::Event(e) => got.push(e),
            Output::Close => {}
        }
    }
    (String::from_utf8_lossy(&bytes).into_owned(), got)
}

fn tls_job(starttls: StartTlsPolicy) -> ImapJob {
    ImapJob {
        starttls,
        ..job(ImapAction::Delete {
            folder: "INBOX".into(),
            uid: 1,
        })
    }
}

#[test]
fn starttls_comes_before_login_and_login_goes_inside_tls() {
    let mut client = ImapClient::new(Instant::ZERO, tls_job(StartTlsPolicy::WhenOffered));
    client.handle_input(
        &mut (),
        Instant::ZERO,
        b"* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n",
    );
    assert_eq!(sent(&mut client), ("a1 STARTTLS\r\n".into(), vec![]));
    // RFC 3501 §6.2.1: what follows the tagged OK in the same input came in clear, before
    // TLS: it is dropped, never read as the server's answer to LOGIN.
    client.handle_input(
        &mut (),
        Instant::ZERO,
        b"a1 OK Begin TLS negotiation now\r\na2 OK LOGIN done\r\n",
    );
    let (line, got) = sent(&mut client);
    assert_eq!(line, "a2 LOGIN \"boss\" \"secret\"\r\n");
    assert_eq!(got, [ImapClientEvent::UpgradeToTls]);
    assert!(!client.is_closed(), "the injected OK was not taken");
    client.handle_input(&mut (), Instant::ZERO, b"a2 OK LOGIN completed\r\n");
    assert_eq!(sent(&mut client).0, "a3 SELECT \"INBOX\"\r\n");
}

#[test]
fn a_refused_starttls_goes_on_in_clear_only_when_tls_was_not_required() {
    let refuse = b"* OK hi\r\na1 BAD STARTTLS not available\r\n";
    let mut client = ImapClient::new(Instant::ZERO, tls_job(StartTlsPolicy::WhenOffered));
    client.handle_input(&mut (), Instant::ZERO, refuse);
    assert_eq!(
        sent(&mut client).0,
        "a1 STARTTLS\r\na2 LOGIN \"boss\" \"secret\"\r\n"
    );
    let mut client = ImapClient::new(Instant::ZERO, tls_job(StartTlsPolicy::Required));
    client.handle_input(&mut (), Instant::ZERO, refuse);
    let (line, got) = sent(&mut client);
    assert_eq!(line, "a1 STARTTLS\r\n", "no password in clear");
    assert!(
        matches!(&got[..], [ImapClientEvent::Done(Err(why))] if why.contains("refused STARTTLS")),
        "{got:?}"
    );
    let mut client = ImapClient::new(Instant::ZERO, tls_job(StartTlsPolicy::WhenOffered));
    client.handle_input(&mut (), Instant::ZERO, b"* OK hi\r\na1 OK go\r\n");
    let _ = sent(&mut client);
    client.handle_tls_failed(Instant::ZERO, "the certificate has expired");
    let (line, got) = sent(&mut client);
    assert_eq!(line, "");
    assert!(
        matches!(&got[..], [ImapClientEvent::Done(Err(why))] if why.contains("expired")),
        "{got:?}"
    );
}
