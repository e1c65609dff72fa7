//! The SMTP command-line parser over arbitrary bytes (as the server sees them: lossy UTF-8).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::proto::smtp::command::{parse, Command};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(cmd) = parse(&text) {
        match cmd {
            Command::Mail { path, params } | Command::Rcpt { path, params } => {
                assert!(path.len() <= 256, "path longer than the RFC 5321 limit");
                assert!(!path.contains(['\r', '\n']));
                for p in params {
                    assert!(!p.key.is_empty());
                }
            }
            Command::Ehlo(name) | Command::Helo(name) => assert!(!name.is_empty()),
            _ => {}
        }
    }
});
