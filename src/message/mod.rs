//! A read-only RFC 5322 / MIME view of a stored message: its header fields, its MIME tree
//! with every part's place in the raw bytes ([`tree`]), and what the parts hold, decoded
//! ([`content`]). The view is owned and small, so it can be computed once and kept.
//!
//! The reader is our own, not a MIME library: it reads what IMAP, the mail client and the
//! bridge need and no more (a general MIME library was a tenth of the embed's download).

pub mod bodystructure;
pub mod charset;
pub mod content;
pub mod date;
pub mod encoded_word;
pub mod envelope;
pub mod html_text;
pub mod parsed;
pub mod transfer;
pub mod tree;

pub use parsed::SearchIndex;

/// One address of an address list (group members are flattened, group names kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addr {
    pub name: Option<String>,
    pub address: String,
    /// The group this address belongs to, if it came from group syntax (RFC 5322 §3.4).
    pub group: Option<String>,
}

/// A MIME part with its place in the raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Part {
    /// Lower-case media type and subtype, e.g. `text` / `plain`.
    pub media_type: String,
    pub subtype: String,
    /// Content-Type parameters (`charset`, `boundary`, `name`, ...), names lower-case.
    pub params: Vec<(String, String)>,
    /// Offsets into the raw message: where this part's header starts, its body starts, it ends.
    pub header_start: usize,
    pub body_start: usize,
    pub end: usize,
    /// Sub-parts of a multipart.
    pub children: Vec<Part>,
    /// For `message/rfc822`: the enclosed message.
    pub message: Option<Box<MessageInfo>>,
    /// File name from Content-Disposition or Content-Type `name`.
    pub filename: Option<String>,
}

impl Part {
    pub fn is_multipart(&self) -> bool {
        self.media_type == "multipart"
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The parts of a message a mail client or a SEARCH needs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageInfo {
    pub subject: Option<String>,
    pub from: Vec<Addr>,
    pub to: Vec<Addr>,
    pub cc: Vec<Addr>,
    /// `Date:` as unix seconds.
    pub date: Option<i64>,
    pub message_id: Option<String>,
    /// The root part (the message itself).
    pub root: Part,
}

/// Parses a raw message. Never fails: bytes that are not a message give an empty view whose
/// root part is `text/plain` (its body what follows a blank line, if there is one).
pub fn parse(raw: &[u8]) -> MessageInfo {
    tree::message_info(raw, 0, raw.len(), 0)
}

/// Offset just past the blank line that ends the header block (or the end of the input).
/// A blank line is an empty line, whatever its line break: `\r\n` or a bare `\n` (RFC 5322
/// §2.1 wants CRLF; mail written on Unix arrives with LF, and a mix of the two too).
pub fn header_end(raw: &[u8]) -> usize {
    let mut line = 0;
    while line < raw.len() {
        match raw[line..] {
            [b'\r', b'\n', ..] => return line + 2,
            [b'\n', ..] => return line + 1,
            _ => {}
        }
        match raw[line..].iter().position(|&b| b == b'\n') {
            Some(at) => line += at + 1,
            None => break,
        }
    }
    raw.len()
}

/// The decoded text of the first text body part: `text/plain`, else the HTML part's text
/// ([`html_text::text_of`]), for previews, the mail client and the bridge's API.
pub fn text_body(raw: &[u8]) -> Option<String> {
    content::readable_text(raw, &parse(raw).root)
}

/// The value of the first header field named `name` (unfolded, raw), if any.
pub fn header_value(raw: &[u8], name: &str) -> Option<String> {
    HeaderBlock::new(raw).get(name)
}

/// How many header fields are named `name` (`Received`: one per server that took the message).
pub fn count_fields(raw: &[u8], name: &str) -> usize {
    String::from_utf8_lossy(&raw[..header_end(raw)])
        .split("\r\n")
        .filter(|line| !line.starts_with([' ', '\t']))
        .filter_map(|line| line.split_once(':'))
        .filter(|(field, _)| field.trim().eq_ignore_ascii_case(name))
        .count()
}

/// A header block read once, for looking up several fields (ENVELOPE needs ten, a MIME
/// part's BODYSTRUCTURE seven) without finding its end, decoding it and splitting it into
/// lines again each time. Lookups answer exactly as [`header_value`] always did: every line
/// with a colon (a folded continuation line too) may name a field, the first match wins, and
/// its value runs on over the continuation lines that follow.
pub struct HeaderBlock<'a> {
    text: std::borrow::Cow<'a, str>,
    /// (start, end) of every line, CRLF excluded.
    lines: Vec<(usize, usize)>,
    /// (line index, offset of the colon) of every line that has a colon.
    fields: Vec<(usize, usize)>,
}

impl<'a> HeaderBlock<'a> {
    /// The header block at the start of `raw` (up to the blank line).
    pub fn new(raw: &'a [u8]) -> Self {
        let text = String::from_utf8_lossy(&raw[..header_end(raw)]);
        let mut lines = Vec::new();
        let mut fields = Vec::new();
        let mut start = 0;
        for line in text.split("\r\n") {
            if let Some(colon) = line.find(':') {
                fields.push((lines.len(), start + colon));
            }
            lines.push((start, start + line.len()));
            start += line.len() + 2;
        }
        HeaderBlock {
            text,
            lines,
            fields,
        }
    }

    /// The value of the first field named `name` (unfolded, raw), as [`header_value`].
    pub fn get(&self, name: &str) -> Option<String> {
        let text: &str = &self.text;
        let &(i, colon) = self.fields.iter().find(|&&(i, colon)| {
            text[self.lines[i].0..colon]
                .trim()
                .eq_ignore_ascii_case(name)
        })?;
        let mut value = text[colon + 1..self.lines[i].1].trim_start().to_string();
        for &(s, e) in &self.lines[i + 1..] {
            let line = &text[s..e];
            if !(line.starts_with(' ') || line.starts_with('\t')) {
                break;
            }
            value.push_str(line);
        }
        Some(value.trim_end().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &[u8] = b"From: \"Smith, J\" <smith@isp.example>\r\nTo: Team: boss@corp.example, al@corp.example;\r\nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9?=\r\nDate: Mon, 02 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n--b1\r\nContent-Type: application/pdf; name=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b1--\r\n";

    #[test]
    fn multipart_structure_addresses_and_encoded_words() {
        let info = parse(MULTI);
        assert_eq!(info.subject.as_deref(), Some("Résumé"));
        assert_eq!(info.from[0].name.as_deref(), Some("Smith, J"));
        assert_eq!(info.to.len(), 2);
        assert_eq!(info.to[0].group.as_deref(), Some("Team"));
        assert_eq!(info.date, Some(1_793_610_000));
        assert!(info.root.is_multipart());
        assert_eq!(info.root.param("boundary"), Some("b1"));
        let kids = &info.root.children;
        assert_eq!(kids.len(), 2);
        assert_eq!(
            (kids[0].media_type.as_str(), kids[0].subtype.as_str()),
            ("text", "plain")
        );
        assert_eq!(&MULTI[kids[0].body_start..kids[0].body_start + 5], b"Hello");
        assert_eq!(kids[1].filename.as_deref(), Some("r.pdf"));
    }

    #[test]
    fn enclosed_message_offsets_point_into_the_raw_message() {
        let raw: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nbody\r\n--b--\r\n";
        let info = parse(raw);
        let part = &info.root.children[0];
        let inner = part.message.as_ref().expect("enclosed message");
        assert_eq!(inner.subject.as_deref(), Some("inner"));
        assert_eq!(inner.root.header_start, part.body_start);
        assert_eq!(&raw[inner.root.body_start..inner.root.end], b"body");
    }

    /// The lookup as it was before [`HeaderBlock`]: one scan per field.
    fn header_value_by_scan(raw: &[u8], name: &str) -> Option<String> {
        let head = &raw[..header_end(raw)];
        let text = String::from_utf8_lossy(head);
        let mut value: Option<String> = None;
        for line in text.split("\r\n") {
            if let Some(v) = value.as_mut() {
                if line.starts_with(' ') || line.starts_with('\t') {
                    v.push_str(line);
                    continue;
                }
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                if n.trim().eq_ignore_ascii_case(name) {
                    value = Some(v.trim_start().to_string());
                }
            }
        }
        value.map(|v| v.trim_end().to_string())
    }

    #[test]
    fn header_block_answers_as_a_scan_does() {
        let raws: [&[u8]; 6] = [
            MULTI,
            b"Subject: a\r\n folded: not a field\r\n\tmore\r\nTo: x\r\n\r\nbody",
            b"Subject : spaced \r\nSUBJECT: second\r\n\r\n",
            b"no colon\r\n\r\n",
            b"",
            b"X: \xff\xfe\r\nY:\r\n\r\n",
        ];
        for raw in raws {
            let block = HeaderBlock::new(raw);
            for name in [
                "subject",
                "To",
                "folded",
                "X",
                "y",
                "from",
                "content-type",
                "",
            ] {
                assert_eq!(block.get(name), header_value_by_scan(raw, name), "{name}");
            }
        }
    }

    #[test]
    fn garbage_never_panics() {
        for raw in [
            &b""[..],
            b"\r\n",
            b"no header",
            b"\xff\xfe\x00",
            b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n",
        ] {
            let info = parse(raw);
            assert!(info.root.end <= raw.len().max(info.root.end));
        }
        assert_eq!(header_value(MULTI, "mime-version").as_deref(), Some("1.0"));
        assert_eq!(header_end(b"A: b\r\n\r\nbody"), 8);
        // A blank line with any line break: LF, or a LF line then a CRLF one.
        assert_eq!(header_end(b"A: b\n\nbody"), 6);
        assert_eq!(header_end(b"A: b\n\r\nbody"), 7);
        assert_eq!(header_end(b"\nbody"), 1);
        assert_eq!(header_end(b"A: b\r\nC: d"), 10);
    }
}
