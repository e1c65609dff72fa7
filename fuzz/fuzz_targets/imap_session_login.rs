//! An `ImapSession` after a scripted `a LOGIN alice alice`, fed arbitrary bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sizes, body) = data.split_at(data.len().min(4));
    fuzz_support::run_imap(true, sizes, body);
});
