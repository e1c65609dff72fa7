//! Lines for display, reassembled from byte chunks however the network split them: one line
//! per line end, a reply arriving in two reads is still one line. Used by transcripts, the
//! terminals and the guided scenarios (the sessions frame their input with
//! [`super::line::LineReader`], which enforces protocol limits instead).

/// A complete line: its bytes without the line end, and where it sits in the byte stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledLine {
    pub bytes: Vec<u8>,
    /// Stream position of the line's first byte.
    pub start: u64,
    /// Stream position just after its line end (or its last byte, for a line cut short).
    pub end: u64,
}

/// Joins chunks into lines (LF ends a line; a CR before it is dropped, like CRLF). A line
/// longer than `max` bytes is handed out in pieces of `max`, so memory stays bounded.
#[derive(Debug, Clone)]
pub struct LineAssembler {
    partial: Vec<u8>,
    /// Stream position of `partial`'s first byte.
    start: u64,
    max: usize,
}

impl Default for LineAssembler {
    fn default() -> Self {
        LineAssembler::new(64 * 1024)
    }
}

impl LineAssembler {
    pub fn new(max: usize) -> Self {
        LineAssembler {
            partial: Vec::new(),
            start: 0,
            max: max.max(1),
        }
    }

    /// Takes a chunk in and calls `line` for every line it completes, in order.
    pub fn push(&mut self, chunk: &[u8], mut line: impl FnMut(AssembledLine)) {
        let mut rest = chunk;
        while !rest.is_empty() {
            let room = self.max - self.partial.len();
            let (piece, ends) = match rest.iter().take(room + 1).position(|&b| b == b'\n') {
                Some(i) => (&rest[..=i], true),
                None if rest.len() >= room => (&rest[..room], false),
                None => (rest, false),
            };
            self.partial.extend_from_slice(piece);
            rest = &rest[piece.len()..];
            if ends || self.partial.len() >= self.max {
                line(self.take());
            }
        }
    }

    /// The unfinished line held so far (no line end yet).
    pub fn pending(&self) -> &[u8] {
        &self.partial
    }

    /// Stream position of the unfinished line's first byte.
    pub fn pending_start(&self) -> u64 {
        self.start
    }

    /// Hands out the unfinished line, if any (at the end of a stream).
    pub fn take_pending(&mut self) -> Option<AssembledLine> {
        (!self.partial.is_empty()).then(|| self.take())
    }

    fn take(&mut self) -> AssembledLine {
        let mut bytes = std::mem::take(&mut self.partial);
        let start = self.start;
        let end = start + bytes.len() as u64;
        self.start = end;
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        AssembledLine { bytes, start, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(chunks: &[&[u8]], max: usize) -> Vec<(String, u64, u64)> {
        let mut a = LineAssembler::new(max);
        let mut out = Vec::new();
        for c in chunks {
            a.push(c, |l| {
                out.push((String::from_utf8(l.bytes).unwrap(), l.start, l.end))
            });
        }
        out
    }

    #[test]
    fn a_line_split_across_chunks_is_one_line_with_its_stream_position() {
        assert_eq!(
            lines_of(&[b"+OK hel", b"lo\r\n-ERR", b" no\n"], 100),
            vec![("+OK hello".into(), 0, 11), ("-ERR no".into(), 11, 19)]
        );
    }

    #[test]
    fn every_split_gives_the_same_lines() {
        let text: &[u8] = b"220 ready\r\n250-a\r\n250 b\r\nno end";
        let whole = lines_of(&[text], 100);
        for size in 1..text.len() {
            let chunks: Vec<&[u8]> = text.chunks(size).collect();
            assert_eq!(lines_of(&chunks, 100), whole, "chunks of {size}");
        }
        let mut a = LineAssembler::new(100);
        a.push(text, |_| {});
        assert_eq!(a.pending(), b"no end");
        assert_eq!(a.pending_start(), 25);
        assert_eq!(a.take_pending().unwrap().bytes, b"no end");
    }

    #[test]
    fn an_endless_line_is_cut_at_the_limit() {
        let got = lines_of(&[b"abcdefg", b"h\n"], 3);
        assert_eq!(
            got,
            vec![
                ("abc".into(), 0, 3),
                ("def".into(), 3, 6),
                ("gh".into(), 6, 9)
            ]
        );
    }
}
