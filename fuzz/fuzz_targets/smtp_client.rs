//! The relay's `SmtpClient` fed arbitrary server bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (sizes, body) = rest.split_at(rest.len().min(4));
    fuzz_support::run_smtp_client(mode & 1 == 1, sizes, body);
});
