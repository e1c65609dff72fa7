//! Dot-stuffing for SMTP DATA (RFC 5321 §4.5.2) and POP3 multi-line replies (RFC 1939 §3).

/// Stuffs `body` for transmission and appends the `<CRLF>.<CRLF>` terminator. Bare LFs in the
/// body become CRLF, and a body not ending in CRLF gets one.
pub fn stuff(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    stuff_into(&mut out, body);
    out
}

/// [`stuff`], appending to `out`: copies line by line (not byte by byte), so a large message
/// costs little more than one copy.
pub fn stuff_into(out: &mut Vec<u8>, body: &[u8]) {
    out.reserve(body.len() + body.len() / 64 + 5);
    let start = out.len();
    let mut rest = body;
    while !rest.is_empty() {
        // At the start of a line.
        if rest[0] == b'.' {
            out.push(b'.');
        }
        match rest.iter().position(|&b| b == b'\n') {
            None => {
                out.extend_from_slice(rest);
                break;
            }
            Some(i) => {
                out.extend_from_slice(&rest[..i]);
                if i == 0 || rest[i - 1] != b'\r' {
                    out.push(b'\r');
                }
                out.push(b'\n');
                rest = &rest[i + 1..];
            }
        }
    }
    if out.len() > start && !out[start..].ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

/// Outcome of feeding bytes to a [`DotReader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DotStatus {
    /// More input is needed.
    More,
    /// The terminator was seen after `consumed` bytes of the last input.
    Done { consumed: usize },
}

/// Reads a dot-stuffed body until `<CRLF>.<CRLF>`, unstuffing it, with a size limit and a
/// per-line limit. Lines end with CRLF; a bare LF is stored as CRLF (the documented rule), so
/// stored messages always have CRLF line ends.
#[derive(Debug, Clone)]
pub struct DotReader {
    body: Vec<u8>,
    line: Vec<u8>,
    max_size: usize,
    max_line: usize,
    oversized: bool,
    line_too_long: bool,
}

impl DotReader {
    pub fn new(max_size: usize, max_line: usize) -> Self {
        DotReader {
            body: Vec::new(),
            line: Vec::new(),
            max_size,
            max_line,
            oversized: false,
            line_too_long: false,
        }
    }

    /// Feeds bytes; stops at the terminator.
    pub fn push(&mut self, bytes: &[u8]) -> DotStatus {
        let mut at = 0;
        while at < bytes.len() {
            // Copy up to the next LF in one go (at most max_line + 1 octets of a line are kept).
            let rest = &bytes[at..];
            let seg = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let room = (self.max_line + 1).saturating_sub(self.line.len());
            self.line.extend_from_slice(&rest[..seg.min(room)]);
            if seg > room {
                self.line_too_long = true;
            }
            if seg == rest.len() {
                break;
            }
            let i = at + seg;
            at = i + 1;
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            if self.line.as_slice() == b"." {
                self.line.clear();
                return DotStatus::Done { consumed: i + 1 };
            }
            let content = if self.line.first() == Some(&b'.') {
                &self.line[1..]
            } else {
                &self.line[..]
            };
            if content.len() + 2 > self.max_line {
                self.line_too_long = true;
            }
            if self.body.len() + content.len() + 2 > self.max_size {
                self.oversized = true;
            } else if !self.oversized {
                self.body.extend_from_slice(content);
                self.body.extend_from_slice(b"\r\n");
            }
            self.line.clear();
        }
        DotStatus::More
    }

    /// True when the body grew past the size limit (its excess was discarded).
    pub fn is_oversized(&self) -> bool {
        self.oversized
    }

    /// True when some line was longer than the line limit (RFC 5321 §4.5.3.1.6: 1000 octets).
    pub fn is_line_too_long(&self) -> bool {
        self.line_too_long
    }

    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte form `stuff_into` replaced.
    fn stuff_bytewise(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut at_line_start = true;
        let mut prev = 0u8;
        for &b in body {
            if at_line_start && b == b'.' {
                out.push(b'.');
            }
            if b == b'\n' && prev != b'\r' {
                out.push(b'\r');
            }
            out.push(b);
            at_line_start = b == b'\n';
            prev = b;
        }
        if !out.is_empty() && !out.ends_with(b"\r\n") {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        out
    }

    /// The byte-by-byte reader `DotReader::push` replaced: (body, oversized, too long, consumed).
    fn read_bytewise(
        input: &[u8],
        max_size: usize,
        max_line: usize,
    ) -> (Vec<u8>, bool, bool, Option<usize>) {
        let (mut body, mut line, mut oversized, mut too_long) =
            (Vec::new(), Vec::new(), false, false);
        for (i, &b) in input.iter().enumerate() {
            if b != b'\n' {
                if line.len() < max_line + 1 {
                    line.push(b);
                } else {
                    too_long = true;
                }
                continue;
            }
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if line.as_slice() == b"." {
                return (body, oversized, too_long, Some(i + 1));
            }
            let content = if line.first() == Some(&b'.') {
                &line[1..]
            } else {
                &line[..]
            };
            if content.len() + 2 > max_line {
                too_long = true;
            }
            if body.len() + content.len() + 2 > max_size {
                oversized = true;
            } else if !oversized {
                body.extend_from_slice(content);
                body.extend_from_slice(b"\r\n");
            }
            line.clear();
        }
        (body, oversized, too_long, None)
    }

    #[test]
    fn segment_wise_reading_matches_byte_wise_at_every_split() {
        let inputs: [&[u8]; 5] = [
            b"a\r\n..b\nccccccccccc\r\n.\r\ntail",
            b"0123456789abcdef\n\r\n\n.\n",
            b"no terminator\r\nat all",
            b"x\r\ny\r\nzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n.\r\n",
            b".\r\n",
        ];
        for input in inputs {
            for (max_size, max_line) in [(1000, 1000), (20, 8), (5, 3)] {
                let want = read_bytewise(input, max_size, max_line);
                for split in 1..=input.len().max(1) {
                    let mut r = DotReader::new(max_size, max_line);
                    let mut consumed = None;
                    let mut fed = 0;
                    for piece in input.chunks(split) {
                        if let DotStatus::Done { consumed: c } = r.push(piece) {
                            consumed = Some(fed + c);
                            break;
                        }
                        fed += piece.len();
                    }
                    let got = (r.is_oversized(), r.is_line_too_long(), consumed);
                    assert_eq!(got, (want.1, want.2, want.3), "{input:?} split {split}");
                    assert_eq!(r.into_body(), want.0, "{input:?} split {split}");
                }
            }
        }
    }

    #[test]
    fn line_wise_stuffing_matches_byte_wise() {
        let cases: [&[u8]; 12] = [
            b"",
            b"\n",
            b"\r",
            b"\r\n",
            b".",
            b"..\r\n.x\n\n.\r\n",
            b"x",
            b"a\r\nb",
            b"\r\r\n.\r",
            b"\n.\n..\n",
            b"line one\r\n.line two\nthree\r",
            b"end\r\n",
        ];
        for body in cases {
            assert_eq!(stuff(body), stuff_bytewise(body), "{body:?}");
            let mut out = b"+OK status\r\n".to_vec();
            stuff_into(&mut out, body);
            assert_eq!(&out[12..], &stuff_bytewise(body)[..], "{body:?}");
        }
    }

    #[test]
    fn stuff_and_unstuff_round_trip_at_every_split() {
        let body = b"Hi\r\n.hidden\r\n..two\r\n.\r\nend\r\n";
        let wire = stuff(body);
        assert_eq!(
            wire,
            b"Hi\r\n..hidden\r\n...two\r\n..\r\nend\r\n.\r\n".to_vec()
        );
        for chunk in 1..wire.len() {
            let mut r = DotReader::new(1000, 1000);
            let mut done = false;
            for piece in wire.chunks(chunk) {
                if let DotStatus::Done { consumed } = r.push(piece) {
                    assert_eq!(consumed, piece.len());
                    done = true;
                }
            }
            assert!(done);
            assert_eq!(r.into_body(), body.to_vec());
        }
    }

    #[test]
    fn bare_lf_becomes_crlf_and_limits_hold() {
        let mut r = DotReader::new(10, 1000);
        assert_eq!(
            r.push(b"a\nbbbbbbbbbbbbbbb\n.\n"),
            DotStatus::Done { consumed: 20 }
        );
        assert!(r.is_oversized());
        assert_eq!(r.into_body(), b"a\r\n".to_vec());
        assert_eq!(stuff(b"x\ny"), b"x\r\ny\r\n.\r\n".to_vec());
    }
}
