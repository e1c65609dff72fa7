//! The page's TLS (issue 26): the world with the page's provider, whose layers live in the TLS
//! module behind a byte seam (`tls_remote`), here run in process (`LocalModule`). A STARTTLS
//! through it really encrypts, gives the same bytes as the engine's own provider for the same
//! seed, and before the module has loaded hosts simply do not offer TLS.
#![cfg(feature = "tls")]

use mail_sandbox::net::{ConnId, Side, TraceKind};
use mail_sandbox::sandbox::mail_client::{run_task, Outcome, Submission, Task, TaskStatus};
use mail_sandbox::sandbox::{default_world, DefaultWorld, World};
use mail_sandbox::tls::module::LocalModule;
use mail_sandbox::tls::SandboxTls;
use mail_sandbox::tls_layer::TlsVersion;
use mail_sandbox::tls_remote::RemoteTls;
use mail_sandbox::wire::sasl::encode_plain;

fn page_world(module: &LocalModule) -> (World, DefaultWorld) {
    let (mut w, d) = default_world(7);
    w.install_tls(Box::new(RemoteTls::new(7, module.clone())));
    (w, d)
}

fn note() -> Submission {
    Submission {
        login: "smith".into(),
        password: "smith".into(),
        from: "smith@isp.example".into(),
        to: vec!["boss@corp.example".into()],
        raw:
            b"From: smith@isp.example\r\nTo: boss@corp.example\r\nSubject: Page TLS\r\n\r\nHi.\r\n"
                .to_vec(),
    }
}

/// Everything `from` sent on `conn`, as the wire carried it.
fn wire(w: &World, conn: ConnId, from: Side) -> Vec<u8> {
    w.net
        .trace
        .of(conn)
        .filter(|e| e.from == from)
        .filter_map(|e| match &e.kind {
            TraceKind::Data(b) => Some(b.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn submit(w: &mut World, d: &DefaultWorld) -> Task {
    let mut task = Task::submit(w, d.sender_pc, "smtp.isp.example", note()).expect("task");
    let status = run_task(w, &mut task);
    assert!(
        matches!(&status, TaskStatus::Done(Outcome::Submitted(r)) if r.starts_with("250")),
        "{status:?}"
    );
    task
}

#[test]
fn starttls_through_the_page_module_encrypts_what_follows() {
    let module = LocalModule::loaded();
    let (mut w, d) = page_world(&module);
    let task = submit(&mut w, &d);
    assert_eq!(task.tls_version(), Some(TlsVersion::Tls13));
    let cert = task.tls_certificate().expect("the certificate it got");
    assert_eq!(cert.label, "smtp.isp.example");
    assert_eq!(cert.issuer, "O=Mail Sandbox, CN=Mail Sandbox Root CA");
    let client = String::from_utf8_lossy(&wire(&w, task.conn(), Side::Client)).into_owned();
    let (before, after) = client.split_once("STARTTLS\r\n").expect("STARTTLS sent");
    assert!(before.starts_with("EHLO"), "{before}");
    assert!(
        !after.contains("AUTH") && !after.contains("MAIL FROM"),
        "{after}"
    );
    assert!(!client.contains(&encode_plain("smith", "smith")));
    let server = wire(&w, task.conn(), Side::Server);
    let ready = b"220 2.0.0 Ready to start TLS\r\n";
    let at = server
        .windows(ready.len())
        .position(|x| x == ready)
        .expect("the 220 to STARTTLS");
    let records = &server[at + ready.len()..];
    assert_eq!(records.first(), Some(&22), "a TLS handshake record follows");
    assert!(
        !String::from_utf8_lossy(records).contains("250"),
        "no plaintext reply after it"
    );
}

#[test]
fn the_page_module_gives_the_same_bytes_as_the_engine_provider() {
    let (mut engine, d) = default_world(7);
    engine.install_tls(Box::new(SandboxTls::seeded(7).expect("provider")));
    let a = submit(&mut engine, &d);
    let (mut page, d) = page_world(&LocalModule::loaded());
    let b = submit(&mut page, &d);
    for side in [Side::Client, Side::Server] {
        assert_eq!(wire(&engine, a.conn(), side), wire(&page, b.conn(), side));
    }
}

#[test]
fn before_the_module_loads_hosts_do_not_offer_tls_and_mail_still_goes() {
    let module = LocalModule::default();
    let (mut w, d) = page_world(&module);
    let task = submit(&mut w, &d);
    assert_eq!(task.tls_version(), None);
    let server = String::from_utf8_lossy(&wire(&w, task.conn(), Side::Server)).into_owned();
    assert!(!server.contains("STARTTLS"), "{server}");
    module.set_loaded();
    let task = submit(&mut w, &d);
    assert_eq!(
        task.tls_version(),
        Some(TlsVersion::Tls13),
        "a later connection has it"
    );
}

#[test]
fn layers_are_freed_with_their_connections() {
    let module = LocalModule::loaded();
    let (mut w, d) = page_world(&module);
    let task = submit(&mut w, &d);
    w.forget(task.conn());
    drop(task);
    let later = w.now() + mail_sandbox::time::Duration::from_secs(600);
    w.run_until(later);
    let live = module
        .module
        .lock()
        .map(|m| m.live_layers())
        .unwrap_or(usize::MAX);
    assert!(live <= 2, "{live} layers still alive");
}
