//! What SEARCH needs from one message ([`SearchIndex`]), computed in a single pass, so a stored
//! message is parsed at most once however many SEARCH commands look at it. The store keeps it
//! next to the raw bytes (built on first use, never serialized).
//!
//! To stay small it keeps offsets into the raw bytes wherever the raw text is enough, and a
//! decoded copy only where decoding changed something (an encoded-word, an address list, a
//! base64 or quoted-printable text part).

use super::{content, date, encoded_word::decode_words, header_end, tree, Addr, Part};

/// One header field of the message's own header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderField {
    /// Where the field starts (its name): `raw[start..value.0]` is the name and its colon.
    pub start: u32,
    /// The raw value: `raw[value.0..value.1]`.
    pub value: (u32, u32),
    /// The value decoded (encoded-words, address lists), when it is not already a substring of
    /// the raw value.
    pub decoded: Option<Box<str>>,
}

/// What SEARCH needs beyond the raw bytes: the header fields with their decoded values, the
/// decoded text parts, the day the message was sent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchIndex {
    /// The top-level header fields.
    pub headers: Vec<HeaderField>,
    /// Decoded text and HTML parts whose text does not appear verbatim in the raw body.
    pub texts: Vec<Box<str>>,
    /// The `Date:` field's own calendar day (its zone, not UTC), as unix seconds at 00:00.
    pub sent_day: Option<i64>,
    /// The `Date:` field as unix seconds (SORT by DATE, RFC 5256 §3).
    pub sent_at: Option<i64>,
    /// The `Subject:` field, encoded-words decoded (SORT by SUBJECT, THREAD).
    pub subject: Option<Box<str>>,
}

/// The address fields (RFC 5322 §3.6.2, §3.6.3, §3.6.6), whose decoded form is their list.
const ADDRESS_FIELDS: [&str; 11] = [
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "resent-from",
    "resent-sender",
    "resent-to",
    "resent-cc",
    "resent-bcc",
];

/// A header value as text, decoded (what SEARCH matches besides the raw text): an address
/// list as `name <address>` entries, any other field with its encoded-words decoded.
pub fn decoded_header(name: &str, value: &str) -> String {
    if !ADDRESS_FIELDS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name.trim()))
    {
        return decode_words(value).trim().to_string();
    }
    let mut out = String::new();
    for Addr { name, address, .. } in tree::addresses(value) {
        if let Some(n) = name {
            out.push_str(&n);
            out.push(' ');
        }
        out.push('<');
        out.push_str(&address);
        out.push_str("> ");
    }
    out
}

/// The header fields of the block at the start of `raw` (RFC 5322 §2.2): (where the field
/// starts, where its value starts after the colon, where the value ends before the line
/// break of its last line, continuation lines included).
pub fn field_spans(raw: &[u8]) -> Vec<(usize, usize, usize)> {
    let head = &raw[..header_end(raw)];
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    let mut line = 0;
    while line < head.len() {
        let next = head[line..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(head.len(), |p| line + p + 1);
        let text = head[line..next].trim_ascii_end();
        let text_end = line + text.len();
        if text.starts_with(b" ") || text.starts_with(b"\t") {
            if let Some(last) = out.last_mut() {
                last.2 = text_end.max(last.2);
            }
        } else if let Some(colon) = text.iter().position(|&b| b == b':') {
            out.push((line, line + colon + 1, text_end));
        }
        line = next;
    }
    out
}

/// Every text leaf of the tree, enclosed messages' too.
fn text_leaves<'a>(part: &'a Part, out: &mut Vec<&'a Part>) {
    if part.media_type == "text" && part.children.is_empty() {
        out.push(part);
    }
    part.children.iter().for_each(|c| text_leaves(c, out));
    if let Some(m) = &part.message {
        text_leaves(&m.root, out);
    }
}

/// True when `text` is found verbatim in `hay` and is ASCII (so a case-insensitive match in
/// `text` is always one in `hay` too: no context-dependent lower-casing).
fn verbatim_in(hay: &[u8], text: &str) -> bool {
    text.is_empty()
        || (text.is_ascii()
            && hay.len() >= text.len()
            && hay.windows(text.len()).any(|w| w == text.as_bytes()))
}

impl HeaderField {
    /// True when the field is called `name` (ASCII case-insensitive).
    pub fn is_named(&self, raw: &[u8], name: &str) -> bool {
        raw.get(self.start as usize..self.value.0 as usize)
            .and_then(|f| f.strip_suffix(b":"))
            .is_some_and(|n| n.trim_ascii().eq_ignore_ascii_case(name.as_bytes()))
    }
}

impl SearchIndex {
    /// Parses `raw` once. Never fails.
    pub fn new(raw: &[u8]) -> SearchIndex {
        let info = super::parse(raw);
        let headers = field_spans(raw)
            .into_iter()
            .map(|(start, value_start, end)| {
                let rawv = &raw[value_start..end];
                let name = String::from_utf8_lossy(&raw[start..value_start - 1]);
                let unfolded = String::from_utf8_lossy(rawv).replace(['\r', '\n'], "");
                let dec = decoded_header(&name, &unfolded);
                let at = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
                HeaderField {
                    start: at(start),
                    value: (at(value_start), at(end)),
                    decoded: (!verbatim_in(rawv, &dec)).then(|| dec.into()),
                }
            })
            .collect();
        // A decoded text that is the part's raw body (7bit/8bit text) is found by the raw
        // body search already: keep only the others.
        let mut leaves = Vec::new();
        text_leaves(&info.root, &mut leaves);
        let texts = leaves
            .into_iter()
            .filter_map(|part| {
                let t = content::text(raw, part);
                let own = raw.get(part.body_start..part.end).unwrap_or(b"");
                let verbatim = t.is_ascii() && own.starts_with(t.as_bytes());
                (!t.is_empty() && !verbatim).then(|| t.into())
            })
            .collect();
        let sent = super::header_value(raw, "Date").and_then(|d| date::parse(&d));
        SearchIndex {
            headers,
            texts,
            sent_day: sent.map(|d| d.day_start()),
            sent_at: sent.map(|d| d.timestamp()),
            subject: info.subject.map(Into::into),
        }
    }
}
