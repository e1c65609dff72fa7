//! The layer against a real peer: `openssl s_client` (Debian's `openssl`) over loopback TCP,
//! verifying against the shipped CA file with the OS's randomness on our side, as the bridge
//! will run it. Skipped (with a note) where `openssl` is not installed.

use super::*;
use crate::tls::pki::BrokenCertificate;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration as StdDuration;

fn openssl_present() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        eprintln!("openssl not installed: skipping the interop test");
    }
    found
}

/// Serves one connection with `identity`: reads a line of plaintext, answers `reply`, closes.
/// Returns what the client sent and the events.
fn serve_one(listener: TcpListener, identity: pki::Identity, reply: &'static [u8]) -> Seen {
    let (mut socket, _) = listener.accept().expect("accept");
    socket
        .set_read_timeout(Some(StdDuration::from_secs(20)))
        .expect("timeout");
    let tls = ServerTls::new(&identity, TlsVersions::Both).expect("config");
    let mut end = End::new(
        tls.accept(RandomSource::os(), WallClock::default())
            .expect("accept"),
    );
    let mut replied = false;
    let mut buffer = [0u8; 4096];
    while !end.seen.closed {
        let pending = std::mem::take(&mut end.pending);
        if !pending.is_empty() && socket.write_all(&pending).is_err() {
            break;
        }
        if !replied && end.seen.plaintext.ends_with(b"\n") {
            replied = true;
            end.write(NOW, reply);
            end.conn.close(NOW);
            end.drain();
            continue;
        }
        match socket.read(&mut buffer) {
            Ok(0) | Err(_) => {
                end.conn.handle_close(NOW);
                end.drain();
            }
            Ok(n) => {
                end.conn.handle_input(NOW, &buffer[..n]);
                end.drain();
            }
        }
    }
    let rest = std::mem::take(&mut end.pending);
    let _ = socket.write_all(&rest);
    end.seen
}

fn s_client(port: u16, name: &str, version_flag: &str) -> std::process::Child {
    let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("pki/ca.pem");
    Command::new("openssl")
        .args(["s_client", "-quiet", "-verify_return_error", version_flag])
        .args(["-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", name, "-verify_hostname", name])
        .arg("-CAfile")
        .arg(ca)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn openssl")
}

#[test]
fn openssl_s_client_verifies_the_sandbox_ca_and_talks_through_the_layer() {
    if !openssl_present() {
        return;
    }
    for version_flag in ["-tls1_3", "-tls1_2"] {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let identity = pki::host("mx.corp.example").expect("shipped");
        let server = std::thread::spawn(move || serve_one(listener, identity, b"250 hello\r\n"));
        let mut client = s_client(port, "mx.corp.example", version_flag);
        client
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"EHLO openssl.example\n")
            .expect("write");
        let out = client.wait_with_output().expect("openssl ran");
        let seen = server.join().expect("server thread");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            seen.plaintext, b"EHLO openssl.example\n",
            "{version_flag}: {stderr}"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("250 hello"),
            "{version_flag}: openssl printed {:?}, {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(seen.events.contains(&TlsEvent::Finished), "{version_flag}");
        assert!(out.status.success(), "{version_flag}: {stderr}");
    }
}

#[test]
fn openssl_s_client_refuses_the_expired_certificate() {
    if !openssl_present() {
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let identity = pki::broken(BrokenCertificate::Expired);
    let server = std::thread::spawn(move || serve_one(listener, identity, b"never\r\n"));
    let mut client = s_client(port, "mx.corp.example", "-tls1_3");
    drop(client.stdin.take());
    let out = client.wait_with_output().expect("openssl ran");
    let seen = server.join().expect("server thread");
    assert!(
        !out.status.success(),
        "openssl accepted an expired certificate"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
    assert!(matches!(
        seen.events.last(),
        Some(TlsEvent::Failed(crate::tls::TlsError::PeerAlert(_)))
    ));
}
