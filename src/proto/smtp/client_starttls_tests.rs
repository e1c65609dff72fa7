//! The SMTP client's STARTTLS (RFC 3207): the upgrade at every chunk size, the policy matrix
//! (never, when offered, required) and the bytes a server sends in clear after its 220, which
//! are never read inside the TLS session.

use super::client::{ClientEvent, ClientJob, ClientOutcome, SmtpClient, StartTlsPolicy};
use super::Envelope;
use crate::session::{drive_chunked, Output, Session};
use crate::testing::Transcript;
use crate::time::Instant;

const MARK: &str = "# --- TLS handshake: everything below went through TLS ---\n";

fn job(starttls: StartTlsPolicy) -> ClientJob {
    ClientJob {
        helo: "smtp.isp.example".into(),
        auth: None,
        envelope: Envelope {
            mail_from: "smith@isp.example".into(),
            rcpt_to: vec!["boss@corp.example".into()],
        },
        data: b"Subject: hi\r\n\r\n.dot line\r\nbody\r\n".to_vec(),
        starttls,
    }
}

/// Everything the client put out: its bytes as text, its events, whether it closed.
fn drain(client: &mut SmtpClient) -> (String, Vec<ClientEvent>, bool) {
    let (mut sent, mut events, mut closed) = (Vec::new(), Vec::new(), false);
    while let Some(o) = client.poll_output() {
        match o {
            Output::Transmit(b) => sent.extend(b),
            Output::Event(e) => events.push(e),
            Output::Close => closed = true,
        }
    }
    (String::from_utf8_lossy(&sent).into_owned(), events, closed)
}

fn feed(client: &mut SmtpClient, server: &str) -> (String, Vec<ClientEvent>, bool) {
    client.handle_input(&mut (), Instant::ZERO, server.as_bytes());
    drain(client)
}

fn failure(events: &[ClientEvent]) -> (bool, String) {
    match events {
        [ClientEvent::Done(ClientOutcome::Failed {
            permanent, reason, ..
        })] => (*permanent, reason.clone()),
        other => panic!("expected one failure, got {other:?}"),
    }
}

const OFFERS: &str = "220 mx ESMTP\r\n250-mx.corp.example\r\n250 STARTTLS\r\n";
const NO_OFFER: &str = "220 mx ESMTP\r\n250-mx.corp.example\r\n250 8BITMIME\r\n";

#[test]
fn transcript_upgrade_at_every_chunk_size() {
    let text = include_str!("../../../tests/transcripts/smtp_client_starttls.txt");
    let (plain, secure) = text
        .split_once(MARK)
        .expect("the transcript marks the handshake");
    let (plain, secure) = (Transcript::parse(plain), Transcript::parse(secure));
    for chunk in 1..=plain.server_bytes().len().max(secure.server_bytes().len()) {
        let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::WhenOffered));
        let (sent_plain, closed) = drive_chunked(
            &mut client,
            &mut (),
            Instant::ZERO,
            &plain.server_bytes(),
            chunk,
        );
        // drive_chunked drained the events: the upgrade is the session's state now.
        assert!(client.is_upgraded(), "chunk {chunk}");
        assert!(!closed, "chunk {chunk}");
        // What the client sent before the upgrade, and the EHLO it queued for TLS after it.
        let ehlo_again = "EHLO smtp.isp.example\r\n";
        let want_plain = String::from_utf8_lossy(&plain.client_bytes()).into_owned();
        assert_eq!(
            String::from_utf8_lossy(&sent_plain),
            format!("{want_plain}{ehlo_again}"),
            "chunk {chunk}"
        );
        let (sent_secure, closed) = drive_chunked(
            &mut client,
            &mut (),
            Instant::ZERO,
            &secure.server_bytes(),
            chunk,
        );
        let want_secure = String::from_utf8_lossy(&secure.client_bytes()).into_owned();
        assert_eq!(
            format!("{ehlo_again}{}", String::from_utf8_lossy(&sent_secure)),
            want_secure,
            "chunk {chunk}"
        );
        assert!(closed, "chunk {chunk}");
    }
}

#[test]
fn the_upgrade_is_asked_for_once_between_starttls_and_the_new_ehlo() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::WhenOffered));
    let (sent, events, _) = feed(&mut client, OFFERS);
    assert!(sent.ends_with("STARTTLS\r\n"), "{sent}");
    assert!(events.is_empty());
    client.handle_input(&mut (), Instant::ZERO, b"220 2.0.0 Ready\r\n");
    let outputs: Vec<_> = std::iter::from_fn(|| client.poll_output()).collect();
    assert_eq!(
        outputs,
        vec![
            Output::Event(ClientEvent::UpgradeToTls),
            Output::Transmit(b"EHLO smtp.isp.example\r\n".to_vec()),
        ],
        "the driver learns of the upgrade before the first byte that must go through TLS"
    );
}

/// RFC 3207 §4.2 and the response-injection class of bugs: a man in the middle appends a
/// forged EHLO answer after the 220, in clear. Read inside TLS it would make the client skip
/// the real EHLO answer (and whatever the server offers over TLS).
#[test]
fn replies_sent_in_clear_after_the_220_are_never_read() {
    // Whole lines, and half a line that must not be joined to the first line through TLS.
    for injected in [
        "220 2.0.0 Ready\r\n250 injected.example\r\n",
        "220 2.0.0 Ready\r\n250-inj",
    ] {
        let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::WhenOffered));
        feed(&mut client, OFFERS);
        let (sent, _, _) = feed(&mut client, injected);
        assert_eq!(sent, "EHLO smtp.isp.example\r\n", "{injected:?}");
        // The real answer, through TLS: the client goes on with it.
        let (sent, _, _) = feed(&mut client, "250 mx.corp.example\r\n");
        assert_eq!(sent, "MAIL FROM:<smith@isp.example>\r\n", "{injected:?}");
    }
}

#[test]
fn never_ignores_the_offer() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::Never));
    let (sent, _, _) = feed(&mut client, OFFERS);
    assert!(
        sent.ends_with("MAIL FROM:<smith@isp.example>\r\n"),
        "{sent}"
    );
    assert!(!sent.contains("STARTTLS"));
}

#[test]
fn when_offered_goes_on_in_clear_without_an_offer_or_after_a_refusal() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::WhenOffered));
    let (sent, _, _) = feed(&mut client, NO_OFFER);
    assert!(
        sent.ends_with("MAIL FROM:<smith@isp.example>\r\n"),
        "{sent}"
    );

    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::WhenOffered));
    feed(&mut client, OFFERS);
    let (sent, events, _) = feed(&mut client, "454 4.7.0 TLS not available\r\n");
    assert_eq!(sent, "MAIL FROM:<smith@isp.example>\r\n");
    assert!(events.is_empty());
    assert!(!client.is_upgraded());
}

#[test]
fn required_fails_temporarily_without_an_offer_and_sends_no_mail() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::Required));
    let (sent, events, _) = feed(&mut client, NO_OFFER);
    let (permanent, reason) = failure(&events);
    assert!(!permanent, "a deferral, retried later: {reason}");
    assert!(reason.contains("does not offer STARTTLS"), "{reason}");
    assert!(!sent.contains("MAIL"), "{sent}");
    assert!(sent.ends_with("QUIT\r\n"), "{sent}");
}

#[test]
fn required_fails_temporarily_when_starttls_is_refused() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::Required));
    feed(&mut client, OFFERS);
    let (sent, events, _) = feed(&mut client, "454 4.7.0 TLS not available\r\n");
    let (permanent, reason) = failure(&events);
    assert!(!permanent, "{reason}");
    assert!(reason.contains("refused STARTTLS (454"), "{reason}");
    assert_eq!(sent, "QUIT\r\n");
}

#[test]
fn required_after_helo_fails_too() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::Required));
    client.handle_input(
        &mut (),
        Instant::ZERO,
        b"220 old\r\n500 what\r\n250 old\r\n",
    );
    let (sent, events, _) = drain(&mut client);
    assert!(sent.contains("HELO smtp.isp.example"), "{sent}");
    assert!(!sent.contains("MAIL"), "{sent}");
    assert!(!failure(&events).0);
}

#[test]
fn a_failed_handshake_ends_the_job_temporarily_and_closes() {
    let mut client = SmtpClient::new(Instant::ZERO, job(StartTlsPolicy::Required));
    feed(&mut client, OFFERS);
    feed(&mut client, "220 go ahead\r\n");
    client.handle_tls_failed(Instant::ZERO, "the certificate has expired");
    let (sent, events, closed) = drain(&mut client);
    let (permanent, reason) = failure(&events);
    assert!(!permanent);
    assert!(reason.contains("certificate has expired"), "{reason}");
    assert!(closed);
    assert!(sent.is_empty(), "nothing more in clear: {sent}");
}
