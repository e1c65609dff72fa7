//! Dot-stuffing round trip: `stuff(body)` read back by a `DotReader` at arbitrary split points
//! gives the CRLF-normalised body, and the terminator ends exactly at the last byte.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::wire::dot::{stuff, DotReader, DotStatus};

/// Bare LF becomes CRLF; a non-empty body gets a final CRLF.
fn normalise(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut prev = 0u8;
    for &b in body {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let (split, body) = match data.split_first() {
        Some((s, b)) => (usize::from(*s) + 1, b),
        None => (1, data),
    };
    let wire = stuff(body);
    assert!(wire.ends_with(b"\r\n.\r\n") || wire == b".\r\n");
    let limit = wire.len() + 16;
    let mut reader = DotReader::new(limit, limit);
    let mut done_at = None;
    let mut fed = 0;
    for piece in wire.chunks(split) {
        assert!(done_at.is_none(), "bytes after the terminator");
        if let DotStatus::Done { consumed } = reader.push(piece) {
            done_at = Some(fed + consumed);
        }
        fed += piece.len();
    }
    assert_eq!(done_at, Some(wire.len()), "terminator at the end");
    assert!(!reader.is_oversized() && !reader.is_line_too_long());
    assert_eq!(reader.into_body(), normalise(body));

    // Arbitrary bytes straight into a reader with small limits: never more than the limit.
    let mut small = DotReader::new(64, 16);
    for piece in body.chunks(split) {
        if let DotStatus::Done { consumed } = small.push(piece) {
            assert!(consumed <= piece.len());
            break;
        }
    }
    assert!(small.into_body().len() <= 64);
});
