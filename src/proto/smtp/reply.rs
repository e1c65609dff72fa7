//! SMTP replies (RFC 5321 §4.2): formatting on the server side, parsing on the client side.
//!
//! A reply is one or more lines `ddd-text` ... `ddd text`, all with the same three-digit code
//! (§4.2.1). Enhanced status codes (RFC 3463, advertised as ENHANCEDSTATUSCODES, RFC 2034)
//! start the text of every reply except the greeting and the HELO/EHLO answers.

use crate::wire::line::{Line, LineReader};
use std::fmt;

/// True when a server reply ends the session: `421` closes the transmission channel (RFC 5321
/// §3.8); a greeting that is not 2yz refuses the connection (RFC 5321 §3.1, §4.2.1).
pub fn reply_closes_session(text: &str, greeting: bool) -> bool {
    text.starts_with("421") || greeting && !text.starts_with('2')
}

/// A reply as the client sees it. `text` is the reply lines' texts (after `ddd-`/`ddd `),
/// joined with a single space, enhanced status code included when the server sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    /// 2yz: the command was accepted (RFC 5321 §4.2.1).
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 5yz: permanent failure; do not retry.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.text)
    }
}

// ---------------------------------------------------------------- server side

/// Formats a one-line reply, e.g. `250 2.0.0 Ok`. `enhanced` is the RFC 3463 code, if any.
pub fn format_line(code: u16, enhanced: Option<&str>, text: &str) -> Vec<u8> {
    format_multi(code, enhanced, &[text])
}

/// Formats a multi-line reply: every line but the last uses `ddd-` (RFC 5321 §4.2.1).
/// Control characters in the texts are replaced so a reply can never break the framing.
pub fn format_multi(code: u16, enhanced: Option<&str>, lines: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    let count = lines.len().max(1);
    for i in 0..count {
        let text = lines.get(i).copied().unwrap_or("");
        let sep = if i + 1 == count { ' ' } else { '-' };
        out.push_str(&format!("{code:03}{sep}"));
        if let Some(e) = enhanced {
            out.push_str(e);
            if !text.is_empty() {
                out.push(' ');
            }
        }
        out.extend(text.chars().map(|c| if c.is_control() { ' ' } else { c }));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

// ---------------------------------------------------------------- client side

/// The longest reply line the client accepts (RFC 5321 §4.5.3.1.5 says 512; be liberal).
const MAX_REPLY_LINE: usize = 4096;
/// The most lines of one multi-line reply (EHLO lists are about a dozen).
const MAX_REPLY_LINES: usize = 256;

/// A complete reply with its separate lines (the EHLO keywords are read from them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReply {
    pub reply: Reply,
    pub lines: Vec<String>,
}

/// Frames and parses server replies from a byte stream, bounded in memory.
#[derive(Debug, Clone)]
pub struct ReplyReader {
    lines: LineReader,
    code: Option<u16>,
    texts: Vec<String>,
}

impl Default for ReplyReader {
    fn default() -> Self {
        ReplyReader {
            lines: LineReader::new(MAX_REPLY_LINE),
            code: None,
            texts: Vec::new(),
        }
    }
}

impl ReplyReader {
    /// Takes bytes; returns how many were consumed and, when a reply is complete, the reply or
    /// (for anything that is not a well-formed reply) an error describing the garbage.
    pub fn push(&mut self, bytes: &[u8]) -> (usize, Option<Result<ParsedReply, String>>) {
        let (n, line) = self.lines.push(bytes);
        let result = match line {
            None => None,
            Some(Line::TooLong) => Some(Err("over-long reply line".to_string())),
            Some(Line::Ok(l)) => self.on_line(&l),
        };
        if matches!(result, Some(Err(_))) {
            self.code = None;
            self.texts.clear();
        }
        (n, result)
    }

    fn on_line(&mut self, line: &[u8]) -> Option<Result<ParsedReply, String>> {
        let text = String::from_utf8_lossy(line);
        let shown: String = text.chars().take(80).collect();
        let code = match parse_code(line) {
            Some(c) => c,
            None => return Some(Err(format!("not an SMTP reply: {shown:?}"))),
        };
        let (last, rest) = match line.get(3) {
            None => (true, ""),
            Some(b' ') => (true, text.get(4..).unwrap_or("")),
            Some(b'-') => (false, text.get(4..).unwrap_or("")),
            Some(_) => return Some(Err(format!("not an SMTP reply: {shown:?}"))),
        };
        if self.code.is_some_and(|c| c != code) {
            return Some(Err(format!(
                "reply code changed inside a multi-line reply: {shown:?}"
            )));
        }
        if self.texts.len() >= MAX_REPLY_LINES {
            return Some(Err("multi-line reply too long".to_string()));
        }
        self.code = Some(code);
        self.texts.push(rest.trim_end().to_string());
        if !last {
            return None;
        }
        self.code = None;
        let lines = std::mem::take(&mut self.texts);
        let joined = lines
            .iter()
            .map(String::as_str)
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Some(Ok(ParsedReply {
            reply: Reply { code, text: joined },
            lines,
        }))
    }
}

/// The three-digit code at the start of a reply line; the first digit must be 2 to 5
/// (RFC 5321 §4.2.1; 1yz is not used by SMTP).
fn parse_code(line: &[u8]) -> Option<u16> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'2'..=b'5').contains(&digits[0]) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> Vec<Result<ParsedReply, String>> {
        let mut r = ReplyReader::default();
        let mut out = Vec::new();
        let mut rest = input;
        while !rest.is_empty() {
            let (n, res) = r.push(rest);
            rest = &rest[n..];
            out.extend(res);
        }
        out
    }

    #[test]
    fn formats_single_and_multi_line_replies() {
        assert_eq!(
            format_line(250, Some("2.0.0"), "Ok"),
            b"250 2.0.0 Ok\r\n".to_vec()
        );
        assert_eq!(
            format_multi(250, None, &["mx Hello", "SIZE 10", "8BITMIME"]),
            b"250-mx Hello\r\n250-SIZE 10\r\n250 8BITMIME\r\n".to_vec()
        );
        assert_eq!(
            format_line(451, Some("4.3.0"), "bad\r\nthing"),
            b"451 4.3.0 bad  thing\r\n".to_vec()
        );
    }

    #[test]
    fn parses_multi_line_replies_and_rejects_garbage() {
        let r = read_all(b"250-mx Hello\r\n250-SIZE 100\r\n250 8BITMIME\r\n354\r\n");
        let first = r[0].as_ref().expect("reply");
        assert_eq!(first.reply.code, 250);
        assert_eq!(first.reply.text, "mx Hello SIZE 100 8BITMIME");
        assert_eq!(first.lines, vec!["mx Hello", "SIZE 100", "8BITMIME"]);
        assert_eq!(r[1].as_ref().expect("reply").reply.code, 354);

        for garbage in [
            &b"HTTP/1.1 400 Bad\r\n"[..],
            b"25\r\n",
            b"250x\r\n",
            b"250-a\r\n550 b\r\n",
            b"099 x\r\n",
            b"\xff\xfe\r\n",
        ] {
            let r = read_all(garbage);
            assert!(r.iter().any(Result::is_err), "{garbage:?}");
        }
    }
}
