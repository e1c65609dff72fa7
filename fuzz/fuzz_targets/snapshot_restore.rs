//! `World::restore_json` over arbitrary text: a share link (`#world=`) or a localStorage entry
//! is untrusted, and a panic would kill the page. A snapshot that restores must leave a world
//! that works: POP3 and SMTP sessions on it, a re-snapshot, and hours of relay time.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::sandbox::default_world;
use mail_sandbox::time::Duration;
use mail_sandbox::wire::sasl::encode_plain;

fuzz_target!(
    init: {
        // scripts/fuzz.sh sets this to the corpus directory to plant real snapshots as seeds.
        if let Ok(dir) = std::env::var("SNAPSHOT_SEED_DIR") {
            fuzz_support::write_snapshot_seeds(std::path::Path::new(&dir)).expect("seeds");
        }
    },
    |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (mut w, d) = default_world(3);
    if w.restore_json(&text).is_err() {
        return;
    }
    // Whatever was restored, the protocols still run on it.
    let pop = w.connect(d.recipient_pc, "mx.corp.example", 110);
    if let Ok(c) = pop {
        w.send(c, b"USER boss\r\nPASS boss\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 1\r\nDELE 1\r\nQUIT\r\n");
    }
    let sub = w.connect(d.sender_pc, "smtp.isp.example", 587);
    if let Ok(c) = sub {
        let script = format!(
            "EHLO x\r\nAUTH PLAIN {}\r\nMAIL FROM:<smith@isp.example>\r\nRCPT TO:<boss@corp.example>\r\nRCPT TO:<alice@corp.example>\r\nDATA\r\nSubject: s\r\n\r\nhi\r\n.\r\nQUIT\r\n",
            encode_plain("smith@isp.example", "smith")
        );
        w.send(c, script.as_bytes());
    }
    let t = w.now() + Duration::from_secs(5);
    w.run_until(t);
    let again = w.snapshot_json();
    let (mut fresh, _) = default_world(3);
    fresh.restore_json(&again).expect("a snapshot of a restored world restores");
    let t = w.now() + Duration::from_secs(6 * 3600);
    w.run_until(t);
    let _ = w.transcript_text(mail_sandbox::net::ConnId(1), true);
    }
);
