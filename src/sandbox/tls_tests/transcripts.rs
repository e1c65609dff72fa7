//! The upgrade transcripts, replayed at every chunk size.

use super::*;

const CHUNKS: [usize; 9] = [1, 2, 3, 5, 7, 13, 64, 517, usize::MAX];

/// Replays `text` against `host:port` at every chunk size: the server's bytes (decrypted
/// after `T:`) must be exactly the `S:` lines, TLS must have started, and no client line
/// after `T:` may appear in clear on the wire.
fn replay(name: &str, text: &str, host: &str, port: u16) -> World {
    let text = text.replace("{CAPABILITIES}", crate::proto::imap::CAPABILITIES);
    let steps = parse(&text);
    let mut last = None;
    for chunk in CHUNKS {
        let (mut w, d) = tls_world();
        let mut t = Terminal::open(&mut w, &d, host, port, chunk);
        let mut expected = Vec::new();
        let mut secret_lines = Vec::new();
        let mut plain = Vec::new();
        for step in &steps {
            match step {
                Step::Server(bytes) => expected.extend_from_slice(bytes),
                Step::Client(bytes) => {
                    assert_eq!(
                        String::from_utf8_lossy(&t.got),
                        String::from_utf8_lossy(&expected),
                        "{name}, chunk {chunk}: before sending {:?}",
                        String::from_utf8_lossy(bytes)
                    );
                    if t.tls.is_some() {
                        secret_lines.push(bytes.clone());
                    } else {
                        plain.extend_from_slice(bytes);
                    }
                    t.send(&mut w, bytes);
                }
                Step::Tls(server) => {
                    assert_eq!(
                        String::from_utf8_lossy(&t.got),
                        String::from_utf8_lossy(&expected),
                        "{name}, chunk {chunk}: before TLS"
                    );
                    t.start_tls(&mut w, server);
                    assert!(t.is_secured(), "{name}, chunk {chunk}: {:?}", t.events);
                }
            }
        }
        assert_eq!(
            String::from_utf8_lossy(&t.got),
            String::from_utf8_lossy(&expected),
            "{name}, chunk {chunk}: at the end"
        );
        assert!(t.tls.is_some(), "{name}: the transcript starts TLS");
        let wire = client_wire(&w, t.conn);
        // Lines sent only inside TLS (a line also sent before it proves nothing).
        let sealed = secret_lines
            .iter()
            .filter(|l| l.len() > 3 && !contains(&plain, l));
        for line in sealed {
            assert!(
                !contains(&wire, line.trim_ascii_end()),
                "{name}, chunk {chunk}: {:?} in clear on the wire",
                String::from_utf8_lossy(line)
            );
        }
        let records = tls_records(&w, t.conn);
        assert!(
            records
                .iter()
                .any(|r| matches!(r, TlsRecord::Started { .. })),
            "{name}, chunk {chunk}: {records:?}"
        );
        last = Some(w);
    }
    last.expect("ran")
}

macro_rules! transcript {
    ($name:literal, $host:literal, $port:literal) => {
        replay(
            $name,
            include_str!(concat!("../../../tests/transcripts/", $name)),
            $host,
            $port,
        )
    };
}

#[test]
fn smtp_starttls_on_submission_then_auth_and_a_message_inside_tls() {
    let mut w = transcript!("tls_smtp_starttls.txt", "smtp.isp.example", 587);
    w.run_until(w.now() + Duration::from_secs(60));
    let delivered = boss_inbox(&w);
    let sealed = delivered
        .iter()
        .find(|m| m.contains("Subject: sealed"))
        .expect("relayed and delivered");
    // RFC 3848: the ISP's Received: field says the submission came over TLS, with AUTH.
    assert!(
        sealed.contains("by smtp.isp.example with ESMTPSA id"),
        "{sealed}"
    );
}

#[test]
fn smtp_starttls_on_port_25_between_mtas() {
    transcript!("tls_smtp_starttls_mx.txt", "mx.corp.example", 25);
}

#[test]
fn pop3_stls_then_login_inside_tls() {
    transcript!("tls_pop3_stls.txt", "mx.corp.example", 110);
}

#[test]
fn imap_starttls_then_capability_again_and_login_inside_tls() {
    transcript!("tls_imap_starttls.txt", "mx.corp.example", 143);
}

#[test]
fn implicit_tls_submission_on_465() {
    transcript!("tls_smtp_implicit_465.txt", "smtp.isp.example", 465);
}

#[test]
fn implicit_tls_pop3_on_995() {
    transcript!("tls_pop3_implicit_995.txt", "mx.corp.example", 995);
}

#[test]
fn implicit_tls_imap_on_993() {
    transcript!("tls_imap_implicit_993.txt", "mx.corp.example", 993);
}

fn boss_inbox(w: &World) -> Vec<String> {
    w.store
        .folder("boss@corp.example", "INBOX")
        .map(|f| {
            f.messages()
                .iter()
                .map(|m| String::from_utf8_lossy(&m.raw).into_owned())
                .collect()
        })
        .unwrap_or_default()
}
