use super::*;

#[test]
fn listen_lines_name_the_virtual_services() {
    // Binding the well-known ports needs privileges, so only the lines' shape is checked here
    // (the integration test binds real ports).
    let info = ListenerInfo {
        service: "pop3",
        virtual_host: "mx.corp.example".into(),
        virtual_port: 110,
        addr: "127.0.0.1:3110".parse().unwrap(),
    };
    assert_eq!(
        info.listen_line(),
        "LISTEN pop3 mx.corp.example 127.0.0.1:3110"
    );
}

/// A bridge with `--http` on a free port offset, serving on its own thread until stopped;
/// the bridge comes back from the thread for a look at its world and its log.
fn start_with_http(page_dir: std::path::PathBuf, tls: options::BridgeTls) -> (Bridge, StopHandle) {
    let seed = std::process::id() as u64 ^ StdInstant::now().elapsed().as_nanos() as u64;
    for i in 0..50u64 {
        let opts = Options {
            port_offset: 20_000 + ((seed.wrapping_mul(7919) + i * 977) % 30_000) as u16,
            http_port: Some(0),
            page_dir: Some(page_dir.clone()),
            tls,
            ..Options::default()
        };
        if let Ok(b) = Bridge::new(&opts) {
            let stop = b.stop_handle();
            return (b, stop);
        }
    }
    panic!("no free port offset");
}

fn addr_of(listeners: &[ListenerInfo], service: &str) -> SocketAddr {
    listeners
        .iter()
        .find(|l| l.service == service)
        .map(|l| l.addr)
        .unwrap()
}

/// Writes `lines` one by one, reading one answer line (or, for multi-line answers, up to the
/// line starting with `until`) after each.
fn converse(addr: SocketAddr, script: &[(&str, &str)]) -> String {
    use std::io::{BufRead, BufReader};
    let stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(StdDuration::from_secs(10)))
        .unwrap();
    let mut w = stream.try_clone().unwrap();
    let mut r = BufReader::new(stream);
    let mut seen = String::new();
    for (send, until) in script {
        w.write_all(send.as_bytes()).unwrap();
        loop {
            let mut l = String::new();
            r.read_line(&mut l).unwrap();
            seen.push_str(&l);
            if l.is_empty() || l.starts_with(until) {
                break;
            }
        }
    }
    seen
}

fn http_get(addr: SocketAddr, path: &str) -> (String, Vec<u8>) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..split]).into_owned();
    (head, all[split + 4..].to_vec())
}

/// Like [`converse`], with `plain` in the clear, then a TLS handshake (the sandbox's own
/// client, verifying the bridge's `localhost` certificate against the sandbox CA), then
/// `sealed` inside TLS.
#[cfg(feature = "tls")]
fn converse_tls(addr: SocketAddr, plain: &[(&str, &str)], sealed: &[(&str, &str)]) -> String {
    use crate::tls_layer::{TlsEvent, TlsOutput, TlsProvider};
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(StdDuration::from_secs(10)))
        .unwrap();
    let mut seen = String::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut text = Vec::new();
    let mut read_buf = vec![0u8; 16 * 1024];
    // Reads (through `layer` once there is one) until the last line read starts with `until`.
    let mut read_until = |stream: &mut std::net::TcpStream,
                          layer: &mut Option<Box<dyn crate::tls_layer::TlsLayer>>,
                          until: &str,
                          seen: &mut String| loop {
        while let Some(end) = text.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = text.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).into_owned();
            seen.push_str(&line);
            if line.starts_with(until) {
                return;
            }
        }
        let n = stream.read(&mut read_buf).unwrap();
        assert!(n > 0, "closed; seen: {seen}");
        match layer {
            None => text.extend_from_slice(&read_buf[..n]),
            Some(l) => {
                l.handle_input(Instant::ZERO, &read_buf[..n]);
                while let Some(out) = l.poll_output() {
                    match out {
                        TlsOutput::Transmit(b) => stream.write_all(&b).unwrap(),
                        TlsOutput::Plaintext(b) => text.extend_from_slice(&b),
                        TlsOutput::Event(TlsEvent::Failed(e)) => panic!("TLS: {e}"),
                        _ => {}
                    }
                }
            }
        }
    };
    let mut none = None;
    for (send, until) in plain {
        stream.write_all(send.as_bytes()).unwrap();
        read_until(&mut stream, &mut none, until, &mut seen);
    }
    let clock = crate::time::WallClock {
        epoch_unix: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    };
    let provider = crate::tls::SandboxTls::seeded(7).unwrap();
    let mut layer = provider
        .client("localhost", true, 1, clock, Instant::ZERO)
        .unwrap();
    let mut finished = false;
    while !finished {
        while let Some(out) = layer.poll_output() {
            match out {
                TlsOutput::Transmit(b) => stream.write_all(&b).unwrap(),
                TlsOutput::Event(TlsEvent::Finished) => finished = true,
                TlsOutput::Event(TlsEvent::Failed(e)) => panic!("TLS handshake: {e}"),
                _ => {}
            }
        }
        if !finished {
            let n = stream.read(&mut buf).unwrap();
            assert!(n > 0, "closed in the handshake");
            layer.handle_input(Instant::ZERO, &buf[..n]);
        }
    }
    let mut layer = Some(layer);
    for (send, until) in sealed {
        if let Some(l) = layer.as_mut() {
            l.write_plaintext(Instant::ZERO, send.as_bytes());
            while let Some(out) = l.poll_output() {
                if let TlsOutput::Transmit(b) = out {
                    stream.write_all(&b).unwrap();
                }
            }
        }
        read_until(&mut stream, &mut layer, until, &mut seen);
    }
    seen
}

#[test]
fn a_world_fed_the_live_log_ends_as_the_bridges_and_the_log_pages() {
    live_copy_ends_as_the_bridge(options::BridgeTls::Off);
}

/// The same over TLS: a STARTTLS session on SMTP and one on IMAP, a relay between the
/// world's hosts with STARTTLS; the copy replays the bridge's TLS layers and ends with the
/// same mailboxes and the same transcripts, ciphertext on the wire included.
#[cfg(feature = "tls")]
#[test]
fn a_world_fed_the_live_log_of_tls_sessions_ends_as_the_bridges() {
    live_copy_ends_as_the_bridge(options::BridgeTls::Offered);
}

fn live_copy_ends_as_the_bridge(tls: options::BridgeTls) {
    use crate::sandbox::live::{LiveEntry, Replay};
    let sealed = tls != options::BridgeTls::Off;
    let dir = std::env::temp_dir().join(format!("live-page-{}-{sealed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<p>the page</p>").unwrap();
    let (mut bridge, stop) = start_with_http(dir.clone(), tls);
    let bridge_addrs: Vec<ListenerInfo> = bridge.listeners().cloned().collect();
    let smtp = addr_of(&bridge_addrs, "smtp");
    let imap = addr_of(&bridge_addrs, "imap");
    let http = bridge.http_addr().unwrap();
    let thread = std::thread::spawn(move || {
        bridge.run(&mut std::io::sink()).unwrap();
        bridge
    });
    let smtp_script = [
        ("MAIL FROM:<app@shop.example>\r\n", "250"),
        ("RCPT TO:<boss@corp.example>\r\n", "250"),
        ("DATA\r\n", "354"),
        (
            "Subject: live\r\n\r\nWatched from the page.\r\n.\r\n",
            "250",
        ),
        ("QUIT\r\n", "221"),
    ];
    let imap_script = [
        ("a LOGIN boss@corp.example boss\r\n", "a "),
        ("b SELECT INBOX\r\n", "b "),
        ("c FETCH 1:* (FLAGS BODY[])\r\n", "c "),
        ("d LOGOUT\r\n", "d "),
    ];
    let (sent, read) = if sealed {
        #[cfg(feature = "tls")]
        let sessions = (
            converse_tls(
                smtp,
                &[
                    ("", "220"),
                    ("EHLO tester\r\n", "250 "),
                    ("STARTTLS\r\n", "220"),
                ],
                &[&[("EHLO tester\r\n", "250 ")][..], &smtp_script].concat(),
            ),
            converse_tls(
                imap,
                &[("", "* OK"), ("s STARTTLS\r\n", "s ")],
                &imap_script,
            ),
        );
        #[cfg(not(feature = "tls"))]
        let sessions = unreachable!("TLS tests need the tls feature");
        sessions
    } else {
        (
            converse(
                smtp,
                &[
                    &[("", "220"), ("EHLO tester\r\n", "250 ")][..],
                    &smtp_script,
                ]
                .concat(),
            ),
            converse(imap, &[&[("", "* OK")][..], &imap_script].concat()),
        )
    };
    assert!(sent.contains("221"), "{sent}");
    assert!(read.contains("Watched from the page."), "{read}");
    // A relayed message: the clock steps the relay's timers take are in the log too.
    let submission = addr_of(&bridge_addrs, "submission");
    let relayed = converse(
        submission,
        &[
            ("", "220"),
            ("EHLO tester\r\n", "250 "),
            // PLAIN: "\0boss@corp.example\0boss".
            ("AUTH PLAIN AGJvc3NAY29ycC5leGFtcGxlAGJvc3M=\r\n", "235"),
            ("MAIL FROM:<boss@corp.example>\r\n", "250"),
            ("RCPT TO:<smith@isp.example>\r\n", "250"),
            ("DATA\r\n", "354"),
            ("Subject: out\r\n\r\nOver the relay.\r\n.\r\n", "250"),
            ("QUIT\r\n", "221"),
        ],
    );
    assert!(relayed.contains("221"), "{relayed}");
    // The page's files are served, `/` goes to the live page.
    let (head, body) = http_get(http, "/index.html");
    assert!(head.contains("200") && head.contains("text/html"), "{head}");
    assert_eq!(body, b"<p>the page</p>");
    let (head, _) = http_get(http, "/");
    assert!(
        head.contains("302") && head.contains("/live.html"),
        "{head}"
    );
    let (head, _) = http_get(http, "/?theme=dark");
    assert!(head.contains("/live.html?theme=dark"), "{head}");
    let (head, _) = http_get(http, "/../Cargo.toml");
    assert!(head.contains("404"), "{head}");
    // The endpoint pages: three entries at a time, each batch going on where the last ended.
    let (_, body) = http_get(http, "/api/live/log?from=0&limit=3");
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["next"], 3);
    assert_eq!(page["entries"][0]["kind"], "start");
    let (_, body) = http_get(http, "/api/live/log?from=3&limit=3");
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(page["next"], 6);
    // Let the bridge close the sessions and relay the message, then stop it.
    std::thread::sleep(StdDuration::from_millis(500));
    stop.stop();
    let bridge = thread.join().unwrap();
    // Replay the whole log, batch by batch, into a world of our own.
    let mut world = None;
    let mut replay = Replay::default();
    let mut from = 0;
    let mut batches = 0;
    loop {
        let page = bridge.live.read(&bridge.world, from, 5);
        let entries: Vec<LiveEntry> = serde_json::from_value(page["entries"].clone()).unwrap();
        if entries.is_empty() {
            break;
        }
        for e in &entries {
            match replay.start(e) {
                Some(w) => world = Some(w.unwrap()),
                None => replay.apply(world.as_mut().unwrap(), e).unwrap(),
            }
        }
        from = page["next"].as_u64().unwrap();
        batches += 1;
    }
    assert!(batches > 2, "{batches} batches");
    let world = world.unwrap();
    let store = |w: &crate::sandbox::World| serde_json::to_string(&w.store).unwrap();
    assert_eq!(store(&world), store(&bridge.world));
    let smith = world.store.folder("smith@isp.example", "INBOX").unwrap();
    let relayed = smith.messages().last().unwrap();
    assert!(String::from_utf8_lossy(&relayed.raw).contains("Over the relay."));
    let inbox = world.store.folder("boss@corp.example", "INBOX").unwrap();
    let last = inbox.messages().last().unwrap();
    assert!(String::from_utf8_lossy(&last.raw).contains("Watched from the page."));
    // The transcripts agree too: every connection the bridge's world saw, the copy saw.
    let seen = world.connections_seen();
    assert_eq!(seen.len(), bridge.world.connections_seen().len());
    let records =
        |w: &crate::sandbox::World, c: ConnId| format!("{:?}", w.records_of(c).collect::<Vec<_>>());
    for c in &seen {
        // The wire as an eavesdropper sees it (ciphertext after STARTTLS) and what the
        // sessions read (the plaintext's typed records).
        assert_eq!(
            world.transcript_text(c.conn, false),
            bridge.world.transcript_text(c.conn, false)
        );
        assert_eq!(records(&world, c.conn), records(&bridge.world, c.conn));
    }
    if sealed {
        // The SMTP session went on inside TLS, and the copy's session read it in the clear.
        let smtp = records(&world, seen[0].conn);
        let started = smtp.find("Tls(Started").expect(&smtp);
        assert!(smtp[started..].contains("app@shop.example"), "{smtp}");
        // So did the relay between the world's hosts (STARTTLS on its own).
        let relayed = seen.iter().any(|c| {
            c.server == world.net.host_by_name("smtp.isp.example").unwrap()
                && records(&world, c.conn).contains("Tls(Started")
        });
        assert!(relayed, "no relay with TLS");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_reader_at_the_end_of_the_log_is_held_until_the_log_grows() {
    let (mut bridge, stop) = start_with_http(std::env::temp_dir(), options::BridgeTls::Off);
    let listeners: Vec<ListenerInfo> = bridge.listeners().cloned().collect();
    let http = bridge.http_addr().unwrap();
    let thread = std::thread::spawn(move || bridge.run(&mut std::io::sink()).unwrap());
    let (_, body) = http_get(http, "/api/live/log?from=0&limit=1");
    let end = serde_json::from_slice::<serde_json::Value>(&body).unwrap()["end"]
        .as_u64()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(http_get(http, &format!("/api/live/log?from={end}&wait=1")));
    });
    // Nothing happens: the reader is held.
    std::thread::sleep(StdDuration::from_millis(400));
    assert!(rx.try_recv().is_err(), "answered with nothing new");
    // A client connects: the held reader gets it at once.
    let client = std::net::TcpStream::connect(addr_of(&listeners, "smtp")).unwrap();
    let (_, body) = rx.recv_timeout(StdDuration::from_secs(5)).unwrap();
    let page: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let kinds: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"connect"), "{kinds:?}");
    drop(client);
    stop.stop();
    thread.join().unwrap();
}
