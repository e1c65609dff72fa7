//! POP3 client tests: a recorded dialogue replayed at every chunk size, the client against the
//! real server, and failures a user would see.

use super::*;
use crate::proto::pop3::Pop3Session;
use crate::proto::HostCtx;
use crate::session::drive_chunked;
use crate::store::{Flags, Store};
use crate::testing::Transcript;
use crate::time::WallClock;

fn job(keep: bool) -> Pop3Job {
    Pop3Job {
        user: "boss".into(),
        password: "secret".into(),
        keep,
        stls: StartTlsPolicy::Never,
    }
}

fn events(client: &mut Pop3Client) -> Vec<Pop3ClientEvent> {
    let mut out = Vec::new();
    while let Some(o) = client.poll_output() {
        if let Output::Event(e) = o {
            out.push(e);
        }
    }
    out
}

#[test]
fn transcript_download_and_delete_at_every_chunk_size() {
    let t = Transcript::parse(include_str!(
        "../../../../tests/transcripts/pop3_client_download.txt"
    ));
    let server = t.server_bytes();
    for chunk in 1..=server.len() {
        let mut client = Pop3Client::new(Instant::ZERO, job(false));
        let (sent, closed) = drive_chunked(&mut client, &mut (), Instant::ZERO, &server, chunk);
        assert_eq!(
            String::from_utf8_lossy(&sent),
            String::from_utf8_lossy(&t.client_bytes()),
            "chunk {chunk}"
        );
        assert!(closed, "chunk {chunk}");
    }
    // The outcome: both messages, unstuffed, with their UIDLs.
    let mut client = Pop3Client::new(Instant::ZERO, job(false));
    client.handle_input(&mut (), Instant::ZERO, &server);
    let got = events(&mut client);
    let [Pop3ClientEvent::Done(Ok(messages))] = got.as_slice() else {
        panic!("{got:?}")
    };
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].uidl.as_deref(), Some("uid-one"));
    assert_eq!(messages[0].raw, b"Subject: One\r\n\r\n.leading dot\r\n");
    assert_eq!(messages[1].number, 2);
}

/// Runs the client against the real server, each side's bytes handed over in `chunk`-byte
/// pieces, until both are quiet.
fn against_server(store: &mut Store, job: Pop3Job, chunk: usize) -> Vec<Pop3ClientEvent> {
    let now = Instant::ZERO;
    let mut ctx = HostCtx {
        host: "mx.corp.example",
        store,
        clock: WallClock::default(),
    };
    let mut server = Pop3Session::new(now, &mut ctx, 1);
    let mut client = Pop3Client::new(now, job);
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

fn store_with(messages: &[&[u8]]) -> Store {
    let mut store = Store::new();
    store.add_domain("corp.example", "mx.corp.example");
    store
        .add_account("boss@corp.example", "secret", "The Boss")
        .expect("account");
    for raw in messages {
        store
            .deliver("boss@corp.example", "INBOX", raw.to_vec(), Flags::new(), 0)
            .expect("delivery");
    }
    store
}

#[test]
fn against_the_server_keep_leaves_mail_and_delete_takes_it() {
    let msgs: [&[u8]; 2] = [b"Subject: a\r\n\r\n.dot\r\n", b"Subject: b\r\n\r\nx\r\n"];
    for chunk in [1, 2, 7, 64, 4096] {
        let mut store = store_with(&msgs);
        let got = against_server(&mut store, job(true), chunk);
        let [Pop3ClientEvent::Done(Ok(m))] = got.as_slice() else {
            panic!("{got:?}")
        };
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].raw, msgs[0]);
        assert!(m.iter().all(|m| m.uidl.is_some()));
        assert_eq!(store.folder("boss@corp.example", "INBOX").unwrap().len(), 2);
        let got = against_server(&mut store, job(false), chunk);
        assert!(matches!(got.as_slice(), [Pop3ClientEvent::Done(Ok(m))] if m.len() == 2));
        assert_eq!(store.folder("boss@corp.example", "INBOX").unwrap().len(), 0);
    }
}

#[test]
fn a_wrong_password_and_an_empty_maildrop() {
    let mut store = store_with(&[]);
    let got = against_server(&mut store, job(true), 5);
    assert!(matches!(got.as_slice(), [Pop3ClientEvent::Done(Ok(m))] if m.is_empty()));
    let bad = Pop3Job {
        password: "wrong".into(),
        ..job(true)
    };
    let got = against_server(&mut store, bad, 5);
    assert!(
        matches!(got.as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.starts_with("login failed: -ERR")),
        "{got:?}"
    );
}

#[test]
fn garbage_a_close_and_silence_fail_once_without_panicking() {
    let mut c = Pop3Client::new(Instant::ZERO, job(true));
    c.handle_input(&mut (), Instant::ZERO, b"HTTP/1.1 200 OK\r\n");
    assert!(
        matches!(events(&mut c).as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.contains("not a POP3 reply"))
    );
    assert!(c.is_closed());

    let mut c = Pop3Client::new(Instant::ZERO, job(true));
    c.handle_input(&mut (), Instant::ZERO, b"+OK hi\r\n");
    c.handle_close(&mut (), Instant::ZERO);
    assert!(matches!(
        events(&mut c).as_slice(),
        [Pop3ClientEvent::Done(Err(_))]
    ));

    let mut c = Pop3Client::new(Instant::ZERO, job(true));
    let late = c.poll_timeout().unwrap();
    c.handle_timeout(&mut (), late);
    assert!(
        matches!(events(&mut c).as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.contains("timed out"))
    );

    // An endless status line is refused at the limit, not buffered.
    let mut c = Pop3Client::new(Instant::ZERO, job(true));
    c.handle_input(&mut (), Instant::ZERO, &[b'+'; 600]);
    c.handle_input(&mut (), Instant::ZERO, b"\r\n");
    assert!(
        matches!(events(&mut c).as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.contains("too long"))
    );
}

// ------------------------------------------------------------------ STLS (RFC 2595 §4)

fn stls_job(stls: StartTlsPolicy) -> Pop3Job {
    Pop3Job { stls, ..job(false) }
}

fn sent(client: &mut Pop3Client) -> (String, Vec<Pop3ClientEvent>) {
    let (mut bytes, mut got) = (Vec::new(), Vec::new());
    while let Some(o) = client.poll_output() {
        match o {
            Output::Transmit(b) => bytes.extend(b),
            Output::Event(e) => got.push(e),
            Output::Close => {}
        }
    }
    (String::from_utf8_lossy(&bytes).into_owned(), got)
}

#[test]
fn transcript_stls_at_every_chunk_size() {
    let text = include_str!("../../../../tests/transcripts/pop3_client_stls.txt");
    let mark = "# --- TLS handshake: everything below went through TLS ---\n";
    let (plain, secure) = text
        .split_once(mark)
        .expect("the transcript marks the handshake");
    let (plain, secure) = (Transcript::parse(plain), Transcript::parse(secure));
    let longest = plain.server_bytes().len().max(secure.server_bytes().len());
    for chunk in 1..=longest {
        let mut client = Pop3Client::new(Instant::ZERO, stls_job(StartTlsPolicy::WhenOffered));
        let (before, _) = drive_chunked(
            &mut client,
            &mut (),
            Instant::ZERO,
            &plain.server_bytes(),
            chunk,
        );
        assert!(client.is_upgraded(), "chunk {chunk}");
        let user = "USER boss\r\n";
        assert_eq!(
            String::from_utf8_lossy(&before),
            format!("{}{user}", String::from_utf8_lossy(&plain.client_bytes())),
            "chunk {chunk}: USER waits for TLS"
        );
        let (after, closed) = drive_chunked(
            &mut client,
            &mut (),
            Instant::ZERO,
            &secure.server_bytes(),
            chunk,
        );
        assert_eq!(
            format!("{user}{}", String::from_utf8_lossy(&after)),
            String::from_utf8_lossy(&secure.client_bytes()),
            "chunk {chunk}"
        );
        assert!(closed, "chunk {chunk}");
    }
}

#[test]
fn the_upgrade_comes_before_user_and_clear_bytes_after_the_ok_are_dropped() {
    let mut client = Pop3Client::new(Instant::ZERO, stls_job(StartTlsPolicy::WhenOffered));
    client.handle_input(&mut (), Instant::ZERO, b"+OK ready\r\n");
    assert_eq!(sent(&mut client).0, "STLS\r\n");
    // A forged "+OK" for USER appended in clear, and half of another line.
    client.handle_input(
        &mut (),
        Instant::ZERO,
        b"+OK Begin TLS\r\n+OK send PASS\r\n+OK lo",
    );
    let outputs: Vec<_> = std::iter::from_fn(|| client.poll_output()).collect();
    assert_eq!(
        outputs,
        vec![
            Output::Event(Pop3ClientEvent::UpgradeToTls),
            Output::Transmit(b"USER boss\r\n".to_vec()),
        ],
        "PASS is not sent on a reply that came in clear"
    );
    client.handle_input(&mut (), Instant::ZERO, b"+OK send PASS\r\n");
    assert_eq!(sent(&mut client).0, "PASS secret\r\n");
}

#[test]
fn a_refused_stls_goes_on_in_clear_when_offered_and_fails_when_required() {
    let mut client = Pop3Client::new(Instant::ZERO, stls_job(StartTlsPolicy::WhenOffered));
    client.handle_input(&mut (), Instant::ZERO, b"+OK ready\r\n-ERR no TLS here\r\n");
    assert_eq!(sent(&mut client).0, "STLS\r\nUSER boss\r\n");

    let mut client = Pop3Client::new(Instant::ZERO, stls_job(StartTlsPolicy::Required));
    client.handle_input(&mut (), Instant::ZERO, b"+OK ready\r\n-ERR no TLS here\r\n");
    let (bytes, got) = sent(&mut client);
    assert_eq!(bytes, "STLS\r\n", "no USER in clear");
    assert!(
        matches!(got.as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.starts_with("STLS: -ERR")),
        "{got:?}"
    );
}

#[test]
fn a_failed_handshake_fails_the_session_without_a_word_in_clear() {
    let mut client = Pop3Client::new(Instant::ZERO, stls_job(StartTlsPolicy::Required));
    client.handle_input(&mut (), Instant::ZERO, b"+OK ready\r\n+OK go\r\n");
    sent(&mut client);
    client.handle_tls_failed(Instant::ZERO, "the certificate has expired");
    let (bytes, got) = sent(&mut client);
    assert!(bytes.is_empty(), "{bytes}");
    assert!(
        matches!(got.as_slice(), [Pop3ClientEvent::Done(Err(e))] if e.contains("expired")),
        "{got:?}"
    );
}
