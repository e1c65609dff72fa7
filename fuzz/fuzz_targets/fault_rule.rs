//! Fault rules (issue 15): the rule parser over arbitrary text (a rule prints back to text
//! that parses to the same rule; an error points inside the text), then the rule applied to
//! a world fed arbitrary client bytes: nothing panics, no maildrop stays locked, and the
//! snapshot (which carries the rule) restores.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::fault::parse_rule;
use mail_sandbox::sandbox::default_world;
use mail_sandbox::time::Duration;

const PORTS: [u16; 4] = [25, 587, 110, 143];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let cut = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    let (rule_bytes, body) = rest.split_at(cut);
    let text = String::from_utf8_lossy(rule_bytes);
    let rule = match parse_rule(&text) {
        Ok(rule) => rule,
        Err(e) => {
            assert!(e.column >= 1 && e.column <= text.chars().count() + 1, "{e}");
            return;
        }
    };
    assert_eq!(
        parse_rule(&rule.text()).as_ref(),
        Ok(&rule),
        "{}",
        rule.text()
    );
    let (mut w, d) = default_world(u64::from(mode));
    if w.add_fault(&text).is_err() {
        return;
    }
    let target = if mode & 0x10 != 0 {
        "smtp.isp.example"
    } else {
        "mx.corp.example"
    };
    if mode & 0x20 != 0 {
        w.set_strict(d.corp, true);
        w.set_strict(d.isp, true);
    }
    let Ok(conn) = w.connect(d.sender_pc, target, PORTS[usize::from(mode % 4)]) else {
        return;
    };
    for piece in body
        .get(1..)
        .unwrap_or(&[])
        .chunks(usize::from(body.first().copied().unwrap_or(7)) + 1)
    {
        w.send(conn, piece);
        let t = w.now() + Duration::from_millis(300);
        w.run_until(t);
        let _ = w.take_received(conn);
    }
    w.close(conn);
    let t = w.now() + Duration::from_secs(6 * 3600);
    w.run_until(t);
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
