//! Command framing: lines and literals (RFC 3501 §2.2, §4.3; RFC 7888 LITERAL+), kept apart
//! from the grammar, in the manner of imap-codec's fragmentizer.
//!
//! A command is one line, unless a line ends with a literal announcement `{n}` (synchronizing:
//! the client waits for a `+` continuation) or `{n+}` (non-synchronizing). Then `n` octets of
//! literal data follow and the command goes on with another line. The framer hands the session
//! each announcement ([`Frame::Literal`]) so it can accept it (and send `+ Ready`) or refuse
//! it; refused data of a non-synchronizing literal is swallowed without being buffered.
//!
//! The framed command keeps literals in place, always as `{n}\r\n<data>`, so the parser sees
//! one byte string. Bare LF line ends are accepted like CRLF (the README's bare-LF rule).

/// What the framer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// A complete command without its final line end.
    Command(Vec<u8>),
    /// A line ended with a literal announcement; call [`Framer::accept_literal`] or
    /// [`Framer::reject_literal`] before pushing more bytes.
    Literal {
        size: u64,
        /// True for `{n}` (the client waits for a continuation request).
        sync: bool,
    },
    /// A line went over the line limit and its command was discarded; the tag, when it was
    /// readable, so that the answer can be tagged.
    TooLong(Option<String>),
    /// A refused literal and the rest of its command were swallowed.
    Discarded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Line,
    /// Waiting for the session to decide about an announced literal.
    Decide {
        size: u64,
        sync: bool,
    },
    Literal {
        left: u64,
    },
    /// Dropping a refused literal, then the rest of the command.
    DropLiteral {
        left: u64,
    },
    DropLine,
    /// Dropping an over-long line.
    SkipLine,
}

/// Buffers one command at a time, within limits.
#[derive(Debug, Clone)]
pub struct Framer {
    buf: Vec<u8>,
    /// Where the current line starts in `buf`.
    line_start: usize,
    state: State,
    max_line: usize,
    /// The tag of a command being skipped for its length.
    lost_tag: Option<String>,
}

impl Framer {
    pub fn new(max_line: usize) -> Self {
        Framer {
            buf: Vec::new(),
            line_start: 0,
            state: State::Line,
            max_line,
            lost_tag: None,
        }
    }

    /// The command bytes received so far (to find the tag and command name of a command whose
    /// literal is being decided on).
    pub fn partial(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes held.
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Accepts the announced literal: its data will be framed into the command.
    pub fn accept_literal(&mut self) {
        if let State::Decide { size, .. } = self.state {
            self.buf.extend_from_slice(b"\r\n");
            self.state = if size == 0 {
                self.line_start = self.buf.len();
                State::Line
            } else {
                State::Literal { left: size }
            };
        }
    }

    /// Refuses the announced literal. A synchronizing one will not be sent by the client, so
    /// the command simply ends; a non-synchronizing one is swallowed with the rest of its
    /// command, and [`Frame::Discarded`] reports the end of it.
    pub fn reject_literal(&mut self) {
        if let State::Decide { size, sync } = self.state {
            self.reset();
            if !sync {
                self.state = State::DropLiteral { left: size };
            }
        }
    }

    fn reset(&mut self) {
        self.buf.clear();
        self.line_start = 0;
        self.state = State::Line;
    }

    /// Takes bytes in; returns how many were consumed and a frame when one is complete. It
    /// stops after each frame so that the session can change how it reads between them.
    pub fn push(&mut self, bytes: &[u8]) -> (usize, Option<Frame>) {
        let mut i = 0;
        while i < bytes.len() {
            match self.state {
                State::Decide { .. } => return (i, None),
                State::Literal { left } => {
                    let take = (bytes.len() - i).min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.buf.extend_from_slice(&bytes[i..i + take]);
                    i += take;
                    let left = left - take as u64;
                    if left == 0 {
                        self.line_start = self.buf.len();
                        self.state = State::Line;
                    } else {
                        self.state = State::Literal { left };
                    }
                }
                State::DropLiteral { left } => {
                    let take = (bytes.len() - i).min(usize::try_from(left).unwrap_or(usize::MAX));
                    i += take;
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::DropLine
                    } else {
                        State::DropLiteral { left }
                    };
                }
                State::DropLine | State::SkipLine => {
                    let b = bytes[i];
                    i += 1;
                    if self.state == State::DropLine {
                        // Keep the tail of the line to see whether another literal follows.
                        self.buf.push(b);
                        if self.buf.len() > 32 {
                            self.buf.drain(..self.buf.len() - 32);
                        }
                    }
                    if b == b'\n' {
                        let dropping = self.state == State::DropLine;
                        let tail = std::mem::take(&mut self.buf);
                        self.reset();
                        if dropping {
                            let line = trim_eol(&tail);
                            if let Some((size, false)) = literal_announcement(line) {
                                self.state = State::DropLiteral { left: size };
                                continue;
                            }
                            return (i, Some(Frame::Discarded));
                        }
                        return (i, Some(Frame::TooLong(self.lost_tag.take())));
                    }
                }
                State::Line => {
                    let b = bytes[i];
                    i += 1;
                    if b == b'\n' {
                        let mut end = self.buf.len();
                        if end > self.line_start && self.buf[end - 1] == b'\r' {
                            end -= 1;
                        }
                        self.buf.truncate(end);
                        let line = &self.buf[self.line_start..];
                        if let Some((size, sync)) = literal_announcement(line) {
                            self.state = State::Decide { size, sync };
                            return (i, Some(Frame::Literal { size, sync }));
                        }
                        let cmd = std::mem::take(&mut self.buf);
                        self.reset();
                        return (i, Some(Frame::Command(cmd)));
                    }
                    if self.buf.len() - self.line_start + 2 > self.max_line {
                        self.lost_tag = tag_of(&self.buf);
                        self.reset();
                        self.state = State::SkipLine;
                        continue;
                    }
                    self.buf.push(b);
                }
            }
        }
        (i, None)
    }
}

/// The tag at the start of a command, if it looks like one.
pub fn tag_of(cmd: &[u8]) -> Option<String> {
    let end = cmd.iter().position(|&b| b == b' ')?;
    let tag = &cmd[..end];
    let ok = !tag.is_empty()
        && tag.len() <= 64
        && tag
            .iter()
            .all(|&b| (super::response::is_atom_char(b) || b == b']') && b != b'+');
    ok.then(|| String::from_utf8_lossy(tag).into_owned())
}

/// A command line's text after its tag (RFC 3501 §2.2.1: `tag SP command`); empty when the
/// line has no space.
pub fn command_after_tag(line: &str) -> &str {
    line.split_once(' ').map_or("", |(_, rest)| rest)
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `{n}` or `{n+}` at the end of a line: the size and whether it is synchronizing.
pub fn literal_announcement(line: &[u8]) -> Option<(u64, bool)> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let mut digits = &inner[open + 1..];
    let sync = match digits.strip_suffix(b"+") {
        Some(d) => {
            digits = d;
            false
        }
        None => true,
    };
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((size, sync))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames `input` fed in `chunk`-byte pieces, accepting literals up to `max_lit`.
    fn frames(input: &[u8], chunk: usize, max_lit: u64) -> Vec<Frame> {
        let mut f = Framer::new(100);
        let mut out = Vec::new();
        for piece in input.chunks(chunk) {
            let mut piece = piece;
            while !piece.is_empty() {
                let (n, frame) = f.push(piece);
                piece = &piece[n..];
                if let Some(fr) = frame {
                    if let Frame::Literal { size, .. } = fr {
                        if size <= max_lit {
                            f.accept_literal();
                        } else {
                            f.reject_literal();
                        }
                    }
                    out.push(fr);
                }
            }
            assert!(f.pending() < 200);
        }
        out
    }

    #[test]
    fn literals_are_framed_into_the_command_at_any_split() {
        let input = b"a LOGIN {3}\r\nbob {2+}\npw\r\nb NOOP\n";
        for chunk in 1..=input.len() {
            assert_eq!(
                frames(input, chunk, 10),
                vec![
                    Frame::Literal {
                        size: 3,
                        sync: true
                    },
                    Frame::Literal {
                        size: 2,
                        sync: false
                    },
                    Frame::Command(b"a LOGIN {3}\r\nbob {2+}\r\npw".to_vec()),
                    Frame::Command(b"b NOOP".to_vec()),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn refused_literals_and_long_lines_are_swallowed() {
        let mut input = b"a APPEND x {500+}\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 500));
        input.extend_from_slice(b" more {3+}\r\nabc\r\nb NOOP\r\nc APPEND x {900}\r\n");
        input.extend(std::iter::repeat_n(b'y', 300));
        input.extend_from_slice(b"\r\nd NOOP\r\n");
        for chunk in [1, 7, 1000] {
            assert_eq!(
                frames(&input, chunk, 10),
                vec![
                    Frame::Literal {
                        size: 500,
                        sync: false
                    },
                    Frame::Discarded,
                    Frame::Command(b"b NOOP".to_vec()),
                    Frame::Literal {
                        size: 900,
                        sync: true
                    },
                    Frame::TooLong(None),
                    Frame::Command(b"d NOOP".to_vec()),
                ]
            );
        }
    }

    #[test]
    fn announcements() {
        assert_eq!(literal_announcement(b"x {12}"), Some((12, true)));
        assert_eq!(literal_announcement(b"x {0+}"), Some((0, false)));
        assert_eq!(literal_announcement(b"x {}"), None);
        assert_eq!(literal_announcement(b"x {1a}"), None);
        assert_eq!(literal_announcement(b"x {99999999999999999999}"), None);
    }
}
