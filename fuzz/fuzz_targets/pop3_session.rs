//! A fresh `Pop3Session` fed arbitrary bytes at arbitrary splits.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (sizes, body) = data.split_at(data.len().min(4));
    fuzz_support::run_pop3(false, sizes, body);
});
