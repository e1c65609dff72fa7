//! The POP3 command-line parser over arbitrary bytes, and the quoting helper of its replies.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::proto::pop3::command::{parse_line, printable, ParseError, Verb};

fuzz_target!(|data: &[u8]| {
    match parse_line(data) {
        Ok(req) => {
            assert_eq!(Verb::parse(req.verb.name()), Some(req.verb));
            for a in &req.args {
                assert!(!a.is_empty() && !a.contains(' '));
            }
        }
        Err(ParseError::Unknown(word)) => {
            assert!(word.chars().count() <= 23);
            assert!(!word.chars().any(char::is_control));
        }
        Err(ParseError::Empty) => {}
    }
    let p = printable(&String::from_utf8_lossy(data));
    assert!(!p.contains(['\r', '\n']));
});
