//! The IMAP client's response reader (framing and tokens) fed arbitrary FETCH answers, split
//! at arbitrary points: see `fuzz_support::run_imap_responses`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sizes, body) = data.split_at(data.len().min(4));
    fuzz_support::run_imap_responses(sizes, body);
});
