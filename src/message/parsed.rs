//! What SEARCH needs from one message ([`SearchIndex`]), computed in a single pass, so a stored
//! message is parsed at most once however many SEARCH commands look at it. The store keeps it
//! next to the raw bytes (built on first use, never serialized).
//!
//! To stay small it keeps offsets into the raw bytes wherever the raw text is enough, and a
//! decoded copy only where decoding changed something (an encoded-word, an address list, a
//! base64 or quoted-printable text part).

use crate::time::unix_from_civil;
use mail_parser::{Address, HeaderValue, MessageParser, PartType};

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
    /// The top-level header fields (empty when `mail-parser` could not parse the message).
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

/// A header value as text, decoded (what SEARCH matches besides the raw text).
pub fn decoded_header(h: &HeaderValue<'_>) -> String {
    fn addr_text(a: &Address<'_>) -> String {
        let mut out = String::new();
        let mut push = |x: &mail_parser::Addr<'_>| {
            if let Some(n) = &x.name {
                out.push_str(n);
                out.push(' ');
            }
            if let Some(a) = &x.address {
                out.push('<');
                out.push_str(a);
                out.push_str("> ");
            }
        };
        match a {
            Address::List(l) => l.iter().for_each(&mut push),
            Address::Group(gs) => gs.iter().for_each(|g| {
                g.addresses.iter().for_each(&mut push);
            }),
        }
        out
    }
    match h {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(" "),
        HeaderValue::Address(a) => addr_text(a),
        HeaderValue::DateTime(d) => d.to_rfc822(),
        _ => String::new(),
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
    /// Parses `raw` once. Never fails: a message `mail-parser` cannot read has no fields.
    pub fn new(raw: &[u8]) -> SearchIndex {
        let Some(msg) = MessageParser::default().parse(raw) else {
            return SearchIndex::default();
        };
        let headers = msg
            .headers()
            .iter()
            .map(|h| {
                let (s, e) = (h.offset_start(), h.offset_end());
                let rawv = raw.get(s as usize..e as usize).unwrap_or(b"");
                let dec = decoded_header(h.value());
                HeaderField {
                    start: h.offset_field(),
                    value: (s, e),
                    decoded: (!verbatim_in(rawv, &dec)).then(|| dec.into()),
                }
            })
            .collect();
        // A decoded text that is the part's raw body (7bit/8bit text) is found by the raw
        // body search already: keep only the others.
        let texts = msg
            .parts
            .iter()
            .filter_map(|part| match &part.body {
                PartType::Text(t) | PartType::Html(t) => {
                    let own = raw
                        .get(part.offset_body as usize..part.offset_end as usize)
                        .unwrap_or(b"");
                    let verbatim = t.is_ascii() && own.starts_with(t.as_bytes());
                    (!t.is_empty() && !verbatim).then(|| t.as_ref().into())
                }
                _ => None,
            })
            .collect();
        let sent_day = msg
            .date()
            .map(|d| unix_from_civil(d.year as i64, d.month as u32, d.day as u32));
        SearchIndex {
            headers,
            texts,
            sent_day,
            sent_at: msg.date().map(|d| d.to_timestamp()),
            subject: msg.subject().map(Into::into),
        }
    }
}
