//! `message::parse` (and the header helpers) over arbitrary bytes: never panics, and every
//! part's offsets lie inside the message in order (the UI slices the raw bytes with them).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::message::{header_end, header_value, parse, text_body, MessageInfo, Part};

fn check_part(p: &Part, len: usize, depth: usize) {
    assert!(depth < 200);
    assert!(
        p.header_start <= p.body_start && p.body_start <= p.end && p.end <= len,
        "bad offsets {}..{}..{} of {len}",
        p.header_start,
        p.body_start,
        p.end
    );
    for c in &p.children {
        check_part(c, len, depth + 1);
    }
    if let Some(m) = &p.message {
        check_info(m, len, depth + 1);
    }
}

fn check_info(info: &MessageInfo, len: usize, depth: usize) {
    check_part(&info.root, len, depth);
}

fuzz_target!(|data: &[u8]| {
    let info = parse(data);
    check_info(&info, data.len(), 0);
    assert!(header_end(data) <= data.len());
    let _ = header_value(data, "subject");
    let _ = text_body(data);
});
