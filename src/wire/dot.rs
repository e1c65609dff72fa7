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
        for (i, &b) in bytes.iter().enumerate() {
            if b != b'\n' {
                if self.line.len() < self.max_line + 1 {
                    self.line.push(b);
                } else {
                    self.line_too_long = true;
                }
                continue;
            }
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
