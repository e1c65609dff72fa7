//! Line framing: a `LineReader` fed arbitrary bytes at arbitrary splits yields exactly the
//! lines of a simple reference, never holds more than its limit, and loses no byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::wire::line::{Line, LineReader};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let max = usize::from(data[0]) + 2;
    let split = usize::from(data[1]) % 32 + 1;
    let input = &data[2..];

    let mut expected = Vec::new();
    let mut segments: Vec<&[u8]> = input.split(|&b| b == b'\n').collect();
    segments.pop(); // the unterminated tail
    for seg in segments {
        if seg.is_empty() || seg.len() < max {
            let mut l = seg.to_vec();
            if l.last() == Some(&b'\r') {
                l.pop();
            }
            expected.push(Line::Ok(l));
        } else {
            expected.push(Line::TooLong);
        }
    }

    let mut r = LineReader::new(max);
    let mut got = Vec::new();
    for piece in input.chunks(split) {
        let mut rest = piece;
        while !rest.is_empty() {
            let (n, line) = r.push(rest);
            assert!(n > 0 && n <= rest.len());
            if line.is_some() {
                assert_eq!(rest[n - 1], b'\n', "a line ends at its LF");
            }
            got.extend(line);
            rest = &rest[n..];
            assert!(r.pending() < max);
        }
    }
    assert_eq!(got, expected);
});
