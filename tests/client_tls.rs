//! The PCs' mail clients over TLS (issue 26): with the sandbox's TLS installed, submission
//! says STARTTLS and POP3 says STLS before any password, verify the server's certificate, and a
//! server with a broken certificate gets no password at all.
#![cfg(feature = "tls")]

use mail_sandbox::net::{ConnId, Side, TraceKind};
use mail_sandbox::sandbox::mail_client::{run_task, Outcome, Submission, Task, TaskStatus};
use mail_sandbox::sandbox::{default_world, DefaultWorld, World};
use mail_sandbox::tls::SandboxTls;
use mail_sandbox::tls_layer::TlsVersion;
use mail_sandbox::wire::sasl::encode_plain;

fn tls_world() -> (World, DefaultWorld) {
    let (mut w, d) = default_world(7);
    w.install_tls(Box::new(SandboxTls::seeded(7).expect("provider")));
    (w, d)
}

fn note() -> Submission {
    Submission {
        login: "smith".into(),
        password: "smith".into(),
        from: "smith@isp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw:
            b"From: smith@isp.example\r\nTo: boss@corp.example\r\nSubject: Over TLS\r\n\r\nHi.\r\n"
                .to_vec(),
    }
}

/// What the client sent on `conn`, as the wire carried it.
fn client_wire(w: &World, conn: ConnId) -> String {
    let bytes: Vec<u8> = w
        .net
        .trace
        .of(conn)
        .filter(|e| e.from == Side::Client)
        .filter_map(|e| match &e.kind {
            TraceKind::Data(b) => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn submission_says_starttls_before_auth_and_the_password_is_never_on_the_wire() {
    let (mut w, d) = tls_world();
    let mut task = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", note()).unwrap();
    let status = run_task(&mut w, &mut task);
    assert!(
        matches!(&status, TaskStatus::Done(Outcome::Submitted(r)) if r.starts_with("250")),
        "{status:?}"
    );
    assert_eq!(task.tls_version(), Some(TlsVersion::Tls13));
    assert_eq!(
        task.tls_certificate().map(|c| c.label),
        Some("smtp.isp.example")
    );
    let wire = client_wire(&w, task.conn());
    assert!(wire.contains("STARTTLS\r\n"), "{wire}");
    assert!(!wire.contains("AUTH"), "AUTH went inside TLS: {wire}");
    assert!(!wire.contains(&encode_plain("smith", "smith")));
}

#[test]
fn without_a_provider_submission_is_as_before() {
    let (mut w, d) = default_world(7);
    let mut task = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", note()).unwrap();
    assert!(matches!(run_task(&mut w, &mut task), TaskStatus::Done(_)));
    assert_eq!(task.tls_version(), None);
    let wire = client_wire(&w, task.conn());
    assert!(!wire.contains("STARTTLS"));
    assert!(wire.contains(&encode_plain("smith", "smith")), "{wire}");
}

#[test]
fn pop3_says_stls_before_user_and_pass() {
    let (mut w, d) = tls_world();
    let mut task = Task::pop3_fetch(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        true,
    )
    .unwrap();
    let status = run_task(&mut w, &mut task);
    assert!(
        matches!(&status, TaskStatus::Done(Outcome::Mailbox { messages, .. }) if !messages.is_empty()),
        "{status:?}"
    );
    assert_eq!(
        task.tls_certificate().map(|c| c.label),
        Some("mx.corp.example")
    );
    let wire = client_wire(&w, task.conn());
    assert!(wire.starts_with("STLS\r\n"), "{wire}");
    assert!(!wire.contains("USER") && !wire.contains("PASS"), "{wire}");
}

#[test]
fn a_server_with_a_broken_certificate_gets_no_password() {
    for (rule, words) in [
        ("expired", "expired"),
        ("wrong name", "another host"),
        ("unknown CA", "unknown CA"),
    ] {
        let (mut w, d) = tls_world();
        w.add_fault(&format!("smtp.isp.example:587 tls => {rule}"))
            .unwrap();
        let mut task = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", note()).unwrap();
        let status = run_task(&mut w, &mut task);
        assert!(
            matches!(&status, TaskStatus::Failed(why) if why.contains(words)),
            "{rule}: {status:?}"
        );
        let wire = client_wire(&w, task.conn());
        assert!(
            !wire.contains("AUTH") && !wire.contains("MAIL"),
            "{rule}: {wire}"
        );
    }
}

#[test]
fn imap_says_starttls_before_login() {
    let (mut w, d) = tls_world();
    let mut task = Task::imap(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        mail_sandbox::sandbox::mail_client::ImapAction::Open {
            folder: "INBOX".into(),
        },
    )
    .unwrap();
    let status = run_task(&mut w, &mut task);
    assert!(
        matches!(&status, TaskStatus::Done(Outcome::Mailbox { messages, .. }) if !messages.is_empty()),
        "{status:?}"
    );
    assert_eq!(task.tls_version(), Some(TlsVersion::Tls13));
    assert_eq!(
        task.tls_certificate().map(|c| c.label),
        Some("mx.corp.example")
    );
    let wire = client_wire(&w, task.conn());
    assert!(wire.starts_with("a1 STARTTLS\r\n"), "{wire}");
    assert!(!wire.contains("LOGIN") && !wire.contains("boss"), "{wire}");
}

#[test]
fn implicit_tls_accounts_use_465_995_993_and_say_nothing_in_clear() {
    use mail_sandbox::sandbox::mail_client::{Account, ImapAction, Security};
    let (mut w, d) = tls_world();
    let mut task = Task::submit_with(
        &mut w,
        d.sender_pc,
        "smtp.isp.example",
        note(),
        Security::Implicit,
    )
    .unwrap();
    let status = run_task(&mut w, &mut task);
    assert!(matches!(status, TaskStatus::Done(_)), "{status:?}");
    let account = |security| Account {
        host: "mx.corp.example",
        user: "boss",
        password: "boss",
        security,
    };
    let mut pop =
        Task::pop3_fetch_with(&mut w, d.recipient_pc, account(Security::Implicit), true).unwrap();
    assert!(matches!(run_task(&mut w, &mut pop), TaskStatus::Done(_)));
    let open = ImapAction::Open {
        folder: "INBOX".into(),
    };
    let mut imap =
        Task::imap_with(&mut w, d.recipient_pc, account(Security::Implicit), open).unwrap();
    assert!(matches!(run_task(&mut w, &mut imap), TaskStatus::Done(_)));
    for (t, port) in [(&task, 465), (&pop, 995), (&imap, 993)] {
        assert_eq!(w.net.trace.of(t.conn()).next().map(|e| e.port), Some(port));
        let seen = t.session_tls().expect("TLS");
        assert_eq!(seen.version, Some(TlsVersion::Tls13));
        let cert = seen.certificate.expect("certificate");
        assert_eq!(cert.issuer, "O=Mail Sandbox, CN=Mail Sandbox Root CA");
        assert_eq!(
            (cert.valid_from, cert.valid_until),
            ("2024-01-01", "2099-12-31")
        );
        let wire = client_wire(&w, t.conn());
        assert!(
            !["EHLO", "AUTH", "USER", "LOGIN", "STARTTLS", "STLS"]
                .iter()
                .any(|word| wire.contains(word)),
            "{port}: {wire}"
        );
    }
}

#[test]
fn an_account_with_security_off_never_upgrades() {
    use mail_sandbox::sandbox::mail_client::Security;
    let (mut w, d) = tls_world();
    let mut task = Task::submit_with(
        &mut w,
        d.sender_pc,
        "smtp.isp.example",
        note(),
        Security::Off,
    )
    .unwrap();
    assert!(matches!(run_task(&mut w, &mut task), TaskStatus::Done(_)));
    assert_eq!(task.session_tls(), None);
    let wire = client_wire(&w, task.conn());
    assert!(!wire.contains("STARTTLS") && wire.contains(&encode_plain("smith", "smith")));
}
