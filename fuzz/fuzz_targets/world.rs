//! The whole `World` fed arbitrary client bytes on one of its ports (SMTP 25, submission 587,
//! POP3 110, echo, daytime; on the ISP or the MX), then left to run for hours of virtual time:
//! nothing panics, the relay queue drains (delivered or bounced), no maildrop stays locked, and
//! a snapshot restores to an equivalent world.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::sandbox::default_world;
use mail_sandbox::time::Duration;

const PORTS: [u16; 6] = [25, 587, 110, 143, 7, 13];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(4));
    let (mut w, d) = default_world(u64::from(mode));
    let target = if mode & 0x10 != 0 {
        "smtp.isp.example"
    } else {
        "mx.corp.example"
    };
    let port = PORTS[usize::from(mode % 6)];
    let Ok(conn) = w.connect(d.sender_pc, target, port) else {
        return;
    };
    let step = Duration::from_millis(if mode & 0x20 != 0 { 5 } else { 300 });
    for piece in fuzz_support::chunks(body, sizes) {
        w.send(conn, piece);
        let t = w.now() + step;
        w.run_until(t);
        let _ = w.take_received(conn);
    }
    if mode & 0x40 != 0 {
        w.close(conn);
    }
    let t = w.now() + Duration::from_secs(6 * 3600);
    w.run_until(t);
    assert!(
        w.queue.is_empty(),
        "the queue drains: {:?}",
        w.queue.entries().next()
    );
    for user in [
        "smith@isp.example",
        "boss@corp.example",
        "alice@corp.example",
    ] {
        assert!(!w.store.is_maildrop_locked(user), "{user} still locked");
    }
    let json = w.snapshot_json();
    let (mut fresh, _) = default_world(1);
    fresh.restore_json(&json).expect("restores");
    assert_eq!(fresh.snapshot_json(), json);
});
