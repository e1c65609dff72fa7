//! IMAP command framing (lines and literals, RFC 3501 §4.3, RFC 7888) and the command grammar,
//! over arbitrary bytes: never panics, literals are accepted up to a limit, and every framed
//! command goes through `head` + `arguments`.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::proto::imap::frame::{Frame, Framer};
use mail_sandbox::proto::imap::parse::{arguments, head};

fuzz_target!(|data: &[u8]| {
    let Some((&split, input)) = data.split_first() else {
        return;
    };
    let split = usize::from(split % 32) + 1;
    let mut framer = Framer::new(1024);
    let mut held_max = 0usize;
    for piece in input.chunks(split) {
        let mut rest = piece;
        loop {
            let (n, frame) = framer.push(rest);
            assert!(n <= rest.len());
            rest = &rest[n..];
            match frame {
                Some(Frame::Literal { size, .. }) => {
                    if size <= 4096 {
                        framer.accept_literal();
                    } else {
                        framer.reject_literal();
                    }
                }
                Some(Frame::Command(cmd)) => {
                    if let Ok((_tag, name, mut p)) = head(&cmd) {
                        let _ = arguments(&name, &mut p);
                    }
                }
                Some(Frame::TooLong(_)) | Some(Frame::Discarded) => {}
                None if rest.is_empty() => break,
                None if n == 0 => break,
                None => {}
            }
            held_max = held_max.max(framer.pending());
            if rest.is_empty() {
                break;
            }
        }
    }
    // One line (1024) plus accepted literals (at most 4096 each, a few per command).
    assert!(held_max <= 64 * 1024, "framer held {held_max} bytes");
});
