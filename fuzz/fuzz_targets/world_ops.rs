//! The whole `World` driven by a program of operations read from the input: open connections
//! to any service, send canned protocol lines or raw bytes on any of them, close them, let time
//! pass, take hosts down, cut links, turn on packet drops, snapshot. At the end the faults stop
//! and hours pass: nothing panicked, the queue drained, no maildrop is locked, UIDVALIDITY never
//! changed and UIDs only grew, and the snapshot restores.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::net::ConnId;
use mail_sandbox::sandbox::{default_world, World};
use mail_sandbox::time::Duration;
use mail_sandbox::wire::sasl::encode_plain;
use std::collections::BTreeMap;

const USERS: [&str; 3] = [
    "smith@isp.example",
    "boss@corp.example",
    "alice@corp.example",
];

fn canned() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        "EHLO fuzz.example",
        "HELO fuzz.example",
        "MAIL FROM:<smith@isp.example>",
        "MAIL FROM:<>",
        "RCPT TO:<boss@corp.example>",
        "RCPT TO:<alice@corp.example>",
        "RCPT TO:<smith@isp.example>",
        "RCPT TO:<nobody@corp.example>",
        "RCPT TO:<x@nowhere.example>",
        "DATA",
        "Subject: fuzz\r\n\r\nbody\r\n.",
        "BDAT 5 LAST",
        "RSET",
        "QUIT",
        "USER boss",
        "PASS boss",
        "USER alice",
        "PASS alice",
        "USER smith",
        "PASS smith",
        "STAT",
        "LIST",
        "UIDL",
        "RETR 1",
        "TOP 1 1",
        "DELE 1",
        "DELE 2",
        "AUTH LOGIN",
        "AUTH PLAIN",
    ]
    .iter()
    .map(|s| format!("{s}\r\n").into_bytes())
    .collect();
    for (u, p) in [
        ("smith@isp.example", "smith"),
        ("alice@corp.example", "alice"),
    ] {
        v.push(format!("AUTH PLAIN {}\r\n", encode_plain(u, p)).into_bytes());
    }
    v
}

fn uids(w: &World) -> BTreeMap<(String, String), (u32, u32)> {
    let mut out = BTreeMap::new();
    for u in USERS {
        for name in w.store.folder_names(u) {
            if let Some(f) = w.store.folder(u, &name) {
                out.insert((u.to_string(), name), (f.uidvalidity, f.uidnext));
            }
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (mut w, d) = default_world(7);
    let lines = canned();
    let hosts = [d.isp, d.corp];
    let clients = [d.sender_pc, d.recipient_pc];
    let targets = ["smtp.isp.example", "mx.corp.example"];
    let ports = [25u16, 587, 110, 143, 7, 13];
    let mut conns: Vec<ConnId> = Vec::new();
    let mut before = uids(&w);
    let mut i = 0;
    let mut ops = 0;
    while i < data.len() && ops < 400 {
        ops += 1;
        let op = data[i];
        let arg = data.get(i + 1).copied().unwrap_or(0);
        i += 2;
        let conn = |conns: &Vec<ConnId>| {
            (!conns.is_empty()).then(|| conns[usize::from(arg >> 4) % conns.len()])
        };
        match op % 10 {
            0 => {
                let from = clients[usize::from(arg & 1)];
                let target = targets[usize::from((arg >> 1) & 1)];
                let port = ports[usize::from(arg >> 2) % ports.len()];
                if let Ok(c) = w.connect(from, target, port) {
                    conns.push(c);
                }
            }
            1 | 2 | 3 => {
                if let Some(c) = conn(&conns) {
                    let line = &lines
                        [usize::from(arg & 0x0f).wrapping_add(usize::from(op / 10)) % lines.len()];
                    w.send(c, line);
                }
            }
            4 => {
                if let Some(c) = conn(&conns) {
                    let n = usize::from(arg & 0x0f) + 1;
                    let start = i.min(data.len());
                    let end = (start + n).min(data.len());
                    w.send(c, &data[start..end]);
                    i = end;
                }
            }
            5 => {
                if let Some(c) = conn(&conns) {
                    w.close(c);
                }
            }
            6 => {
                let t = w.now() + Duration::from_millis(u64::from(arg) * u64::from(arg) * 10);
                w.run_until(t);
            }
            7 => {
                let h = hosts[usize::from(arg & 1)];
                w.set_host_up(h, arg & 2 != 0);
            }
            8 => {
                let now = w.now();
                w.net.set_link_cut(now, d.isp, d.corp, arg & 1 != 0);
                w.net.faults.drop_per_million = u32::from(arg >> 1) * 2_000;
                w.net.faults.jitter = Duration::from_millis(u64::from(arg & 0x0f) * 50);
            }
            _ => {
                let json = w.snapshot_json();
                let (mut fresh, _) = default_world(7);
                fresh.restore_json(&json).expect("restores");
                assert_eq!(
                    fresh.snapshot_json(),
                    json.replace("\"InFlight\"", "\"Pending\"")
                );
            }
        }
        for c in &conns {
            let _ = w.take_received(*c);
        }
        let now_uids = uids(&w);
        for (k, (uv, next)) in &now_uids {
            if let Some((uv0, next0)) = before.get(k) {
                assert_eq!(uv, uv0, "UIDVALIDITY of {k:?} changed");
                assert!(next >= next0, "UIDNEXT of {k:?} went back");
            }
        }
        before = now_uids;
    }
    // Faults off, everyone hangs up, hours pass.
    let now = w.now();
    w.net.faults.drop_per_million = 0;
    w.net.set_link_cut(now, d.isp, d.corp, false);
    for h in hosts {
        w.set_host_up(h, true);
    }
    for c in conns {
        w.close(c);
    }
    let t = w.now() + Duration::from_secs(8 * 3600);
    w.run_until(t);
    assert!(
        w.queue.is_empty(),
        "queue drains: {:?}",
        w.queue.entries().next().map(|e| &e.recipients)
    );
    for u in USERS {
        assert!(!w.store.is_maildrop_locked(u), "{u} still locked");
    }
});
