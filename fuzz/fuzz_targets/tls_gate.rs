//! TLS through the gate: a world with the sandbox's TLS installed, a client that upgrades
//! (SMTP `STARTTLS`, POP3 `STLS`, IMAP `STARTTLS`) or dials an implicit-TLS port, then sends
//! arbitrary bytes at arbitrary splits, some in the same write as the upgrade command. Never
//! a panic; and since arbitrary bytes never complete a handshake, no command is ever recorded
//! after the handshake began (nothing pipelined or typed in clear reaches a session once the
//! upgrade was accepted: CVE-2011-0411), and nothing but TLS records comes back after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::proto::record::{Record, TlsRecord};
use mail_sandbox::sandbox::default_world;
use mail_sandbox::time::Duration;
use mail_sandbox::tls::SandboxTls;

/// (port, what the client sends first, in clear).
const OPENINGS: [(u16, &[u8]); 7] = [
    (25, b"EHLO fuzz.example\r\nSTARTTLS\r\n"),
    (587, b"EHLO fuzz.example\r\nSTARTTLS\r\n"),
    (110, b"STLS\r\n"),
    (143, b"a1 STARTTLS\r\n"),
    (465, b""),
    (993, b""),
    (995, b""),
];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(4));
    let (mut w, d) = default_world(1);
    let Ok(provider) = SandboxTls::seeded(u64::from(mode)) else {
        return;
    };
    w.install_tls(Box::new(provider));
    let (port, opening) = OPENINGS[usize::from(mode % 7)];
    let Ok(conn) = w.connect(d.sender_pc, "mx.corp.example", port) else {
        return;
    };
    let step = Duration::from_millis(if mode & 0x20 != 0 { 5 } else { 300 });
    // Bit 0x40: the first piece goes in the same write as the upgrade command (injection).
    let mut pieces = fuzz_support::chunks(body, sizes).into_iter();
    let mut first = opening.to_vec();
    if mode & 0x40 != 0 {
        if let Some(piece) = pieces.next() {
            first.extend_from_slice(piece);
        }
    }
    if !first.is_empty() {
        w.send(conn, &first);
        w.run_until(w.now() + step);
    }
    let mut reply = w.take_received(conn);
    for piece in pieces {
        w.send(conn, piece);
        w.run_until(w.now() + step);
        reply.extend(w.take_received(conn));
    }
    w.run_until(w.now() + Duration::from_secs(3600));
    let mut handshaking = false;
    for record in w.records_of(conn) {
        match record {
            Record::Tls(TlsRecord::Handshaking) => handshaking = true,
            Record::Tls(TlsRecord::Started { .. }) => panic!("arbitrary bytes finished a handshake"),
            Record::Command(c) => assert!(!handshaking, "{} executed after the upgrade", c.verb),
            _ => {}
        }
    }
    assert!(!w.store.is_maildrop_locked("alice@corp.example"));
    let _ = reply;
});
