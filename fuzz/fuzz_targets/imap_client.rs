//! The `ImapClient` fed arbitrary server bytes (mode bit: append or open INBOX).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(4));
    fuzz_support::run_imap_client(mode & 1 == 1, sizes, body);
});
