//! Line framing with a size limit.
//!
//! Lines end with CRLF. A bare LF is also taken as a line end (the "bare LF rule" documented in
//! the README): learners typing in a terminal and some clients send LF alone, and RFC 5321
//! §2.3.8 leaves servers free to be liberal here for commands. A bare CR inside a line is kept.

/// One framed line, without its line ending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// A complete line.
    Ok(Vec<u8>),
    /// The line was longer than the limit; its bytes were discarded up to the line end.
    TooLong,
}

/// Buffers bytes and yields lines, never holding more than `max` bytes of one line.
#[derive(Debug, Clone)]
pub struct LineReader {
    buf: Vec<u8>,
    max: usize,
    /// Discarding an over-long line until its end.
    skipping: bool,
}

impl LineReader {
    pub fn new(max: usize) -> Self {
        LineReader {
            buf: Vec::new(),
            max,
            skipping: false,
        }
    }

    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// Takes bytes in; returns how many were consumed. Stops after the first complete line so
    /// that a session can switch input mode (e.g. to DATA or an IMAP literal) between lines.
    pub fn push(&mut self, bytes: &[u8]) -> (usize, Option<Line>) {
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' {
                let was_skipping = std::mem::replace(&mut self.skipping, false);
                let mut line = std::mem::take(&mut self.buf);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return (
                    i + 1,
                    Some(if was_skipping {
                        Line::TooLong
                    } else {
                        Line::Ok(line)
                    }),
                );
            }
            if self.skipping {
                continue;
            }
            // The limit counts the CRLF too (RFC 5321 §4.5.3.1.4 counts it for command lines).
            if self.buf.len() + 2 > self.max {
                self.buf.clear();
                self.skipping = true;
                continue;
            }
            self.buf.push(b);
        }
        (bytes.len(), None)
    }

    /// Bytes held of an unfinished line.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Forgets any partial line.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.skipping = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(r: &mut LineReader, mut input: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let (n, line) = r.push(input);
            input = &input[n..];
            out.extend(line);
        }
        out
    }

    #[test]
    fn crlf_and_bare_lf_end_lines_at_any_split() {
        let input = b"HELO a\r\nNOOP\nQUIT\r\n";
        for chunk in 1..input.len() {
            let mut r = LineReader::new(100);
            let mut lines = Vec::new();
            for piece in input.chunks(chunk) {
                lines.extend(all_lines(&mut r, piece));
            }
            assert_eq!(
                lines,
                vec![
                    Line::Ok(b"HELO a".to_vec()),
                    Line::Ok(b"NOOP".to_vec()),
                    Line::Ok(b"QUIT".to_vec())
                ]
            );
        }
    }

    #[test]
    fn long_lines_are_discarded_not_buffered() {
        let mut r = LineReader::new(10);
        let mut input = vec![b'x'; 10_000];
        input.extend_from_slice(b"\r\nok\r\n");
        let lines = all_lines(&mut r, &input[..5000]);
        assert!(lines.is_empty());
        assert!(r.pending() <= 10);
        let lines = all_lines(&mut r, &input[5000..]);
        assert_eq!(lines, vec![Line::TooLong, Line::Ok(b"ok".to_vec())]);
    }
}
