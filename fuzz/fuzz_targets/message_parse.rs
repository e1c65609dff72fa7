//! `message::parse` (and the header helpers, the decoders of [`content`], the SEARCH index)
//! over arbitrary bytes: never panics, and every part's offsets lie inside the message in
//! order (the UI slices the raw bytes with them).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::message::{
    content, encoded_word, header_end, header_value, parse, text_body, MessageInfo, Part,
    SearchIndex,
};

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
    for numbered in content::numbered(&info.root) {
        let _ = content::text(data, numbered.part);
    }
    let index = SearchIndex::new(data);
    for h in &index.headers {
        assert!(h.start <= h.value.0 && h.value.0 <= h.value.1 && h.value.1 as usize <= data.len());
    }
    let _ = encoded_word::decode_words(&String::from_utf8_lossy(data));
});
