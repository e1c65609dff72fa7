//! A fresh TLS server connection fed arbitrary bytes at arbitrary splits: never a panic,
//! nothing after `Close`, no plaintext for the session above before the handshake finished,
//! and a bounded amount sent back. Mode byte bit 0: first feed a genuine ClientHello (from
//! the sandbox client, seeded), so the fuzzer's bytes reach the states after it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::time::{Instant, WallClock};
use mail_sandbox::tls::{pki, ClientTls, RandomSource, ServerTls, TlsEvent, TlsOutput, TlsVersions};
use std::sync::OnceLock;

const NOW: Instant = Instant::from_millis(1_000);

fn server_tls() -> &'static ServerTls {
    static TLS: OnceLock<ServerTls> = OnceLock::new();
    TLS.get_or_init(|| {
        let identity = pki::host("mx.corp.example").expect("shipped identity");
        ServerTls::new(&identity, TlsVersions::Both).expect("server config")
    })
}

fn client_hello() -> &'static [u8] {
    static HELLO: OnceLock<Vec<u8>> = OnceLock::new();
    HELLO.get_or_init(|| {
        let tls = ClientTls::sandbox(TlsVersions::Both).expect("client config");
        let mut client = tls
            .connect("mx.corp.example", RandomSource::seeded(1, 1), WallClock::default(), NOW)
            .expect("connect");
        let mut hello = Vec::new();
        while let Some(output) = client.poll_output() {
            if let TlsOutput::Transmit(bytes) = output {
                hello.extend(bytes);
            }
        }
        hello
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(4));
    let mut server = server_tls()
        .accept(RandomSource::seeded(7, 2), WallClock::default())
        .expect("accept");
    let mut input = Vec::new();
    if mode & 1 == 1 {
        input.extend_from_slice(client_hello());
    }
    input.extend_from_slice(body);

    let mut finished = false;
    let mut closed = false;
    let mut sent = 0usize;
    let mut at = 0;
    let mut turn = 0;
    while at < input.len() {
        let size = sizes.get(turn % sizes.len().max(1)).map_or(0, |&s| usize::from(s));
        let size = if size == 0 { input.len() - at } else { size };
        let end = (at + size).min(input.len());
        server.handle_input(NOW, &input[at..end]);
        at = end;
        turn += 1;
        while let Some(output) = server.poll_output() {
            assert!(!closed, "output after Close: {output:?}");
            match output {
                TlsOutput::Transmit(bytes) => sent += bytes.len(),
                TlsOutput::Plaintext(_) => assert!(finished, "plaintext before Finished"),
                TlsOutput::Event(TlsEvent::Finished) => finished = true,
                TlsOutput::Event(_) => {}
                TlsOutput::Close => closed = true,
            }
        }
    }
    // One server flight (ServerHello .. Finished, about 1 KB) and an alert at most.
    assert!(sent <= 16 * 1024, "sent {sent} bytes");
});
