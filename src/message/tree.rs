//! The MIME structure of a message (RFC 2045, RFC 2046): its parts with their places in the
//! raw bytes, read from the header fields and the multipart boundaries. What a part holds
//! is decoded elsewhere ([`super::content`]); here nothing is copied but the header values.

use super::bodystructure::split_params;
use super::envelope::{parse_addresses, EnvAddr};
use super::{charset, date, encoded_word::decode_words, header_end, Addr, HeaderBlock};
use super::{MessageInfo, Part};

/// How deep parts may nest before the rest is read as one opaque part: deeper than any real
/// message, shallow enough that a hostile one cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// The message in `raw[start..end]`, read as a whole message (RFC 5322 header fields and
/// a MIME structure).
pub fn message_info(raw: &[u8], start: usize, end: usize, depth: usize) -> MessageInfo {
    let span = raw.get(start..end).unwrap_or_default();
    let block = HeaderBlock::new(span);
    let list = |name: &str| addresses(block.get(name).as_deref().unwrap_or_default());
    MessageInfo {
        subject: block
            .get("Subject")
            .map(|s| decode_words(&s).trim().to_string()),
        from: list("From"),
        to: list("To"),
        cc: list("Cc"),
        date: block
            .get("Date")
            .and_then(|d| date::parse(&d))
            .map(|d| d.timestamp()),
        message_id: block.get("Message-ID").and_then(|v| first_id(&v)),
        root: part(raw, start, end, false, depth),
    }
}

/// RFC 5322 §3.6.4: the first `<id>` of a field, without its angle brackets (or the whole
/// value when it has none).
fn first_id(value: &str) -> Option<String> {
    let value = value.trim();
    let id = match value.split_once('<') {
        Some((_, rest)) => rest.split('>').next().unwrap_or(rest),
        None => value,
    };
    (!id.is_empty()).then(|| id.to_string())
}

/// An address list as the reader sees it: names decoded, each mailbox as `local@domain`, the
/// group it belongs to kept (RFC 5322 §3.4).
pub fn addresses(value: &str) -> Vec<Addr> {
    let mut group = None;
    let mut out = Vec::new();
    for entry in parse_addresses(value) {
        match entry {
            EnvAddr::GroupStart(name) => group = Some(decode_words(&name)),
            EnvAddr::GroupEnd => group = None,
            EnvAddr::Mailbox {
                name,
                mailbox,
                host,
                ..
            } => out.push(Addr {
                name: name
                    .map(|n| decode_words(&n).trim().to_string())
                    .filter(|n| !n.is_empty()),
                address: if host.is_empty() {
                    mailbox
                } else {
                    format!("{mailbox}@{host}")
                },
                group: group.clone(),
            }),
        }
    }
    out
}

/// Content-Type (RFC 2045 §5): lower-case type and subtype and the parameters. No field,
/// or one that is not `type/subtype`, means `text/plain` (§5.2), except in a
/// multipart/digest, whose parts are `message/rfc822` by default (RFC 2046 §5.1.5).
fn content_type(
    block: &HeaderBlock<'_>,
    in_digest: bool,
) -> (String, String, Vec<(String, String)>) {
    let default = |params| {
        let (t, s) = if in_digest {
            ("message", "rfc822")
        } else {
            ("text", "plain")
        };
        (t.to_string(), s.to_string(), params)
    };
    let Some(value) = block.get("Content-Type") else {
        return default(Vec::new());
    };
    let (kind, params) = split_params(&value);
    match kind.split_once('/') {
        Some((t, s)) if !t.trim().is_empty() && !s.trim().is_empty() => (
            t.trim().to_ascii_lowercase(),
            s.trim().to_ascii_lowercase(),
            params,
        ),
        _ => default(params),
    }
}

/// A parameter's value with RFC 2231 undone: `name*=charset'lang'%XX` and the continued
/// `name*0`, `name*1*`, ... forms joined and decoded, else the plain `name`.
fn param_2231(params: &[(String, String)], name: &str) -> Option<String> {
    let pct = |text: &str| {
        let hex = |b: u8| (b as char).to_digit(16);
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            match (
                c,
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (b'%', Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        out
    };
    // (section number, extended?, value) of every piece of `name`.
    let mut pieces: Vec<(u32, bool, &str)> = params
        .iter()
        .filter_map(|(key, value)| {
            let rest = key.strip_prefix(name)?.strip_prefix('*')?;
            let (number, extended) = match rest.strip_suffix('*') {
                Some(n) => (n, true),
                None => (rest, false),
            };
            match number {
                "" => Some((0, true, value.as_str())),
                n => Some((n.parse().ok()?, extended, value.as_str())),
            }
        })
        .collect();
    if pieces.is_empty() {
        return params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
    }
    pieces.sort_by_key(|p| p.0);
    let mut charset_name = None;
    let mut bytes = Vec::new();
    for (i, (_, extended, value)) in pieces.into_iter().enumerate() {
        let mut value = value;
        if i == 0 && extended {
            let mut it = value.splitn(3, '\'');
            if let (Some(set), Some(_lang), Some(rest)) = (it.next(), it.next(), it.next()) {
                charset_name = Some(set).filter(|s| !s.is_empty());
                value = rest;
            }
        }
        if extended {
            bytes.extend(pct(value));
        } else {
            bytes.extend_from_slice(value.as_bytes());
        }
    }
    Some(charset::decode(charset_name, &bytes))
}

/// The file name of a part: Content-Disposition's `filename`, else Content-Type's `name`
/// (RFC 2183 §2.3, RFC 2231), encoded-words decoded (as mail clients write them too).
fn filename(block: &HeaderBlock<'_>, type_params: &[(String, String)]) -> Option<String> {
    let disposition = block.get("Content-Disposition").map(|d| split_params(&d).1);
    disposition
        .and_then(|p| param_2231(&p, "filename"))
        .or_else(|| param_2231(type_params, "name"))
        .map(|n| decode_words(&n).trim().to_string())
        .filter(|n| !n.is_empty())
}

/// True for the transfer encodings that leave the bytes as they are (RFC 2045 §6.2).
fn is_identity_encoding(block: &HeaderBlock<'_>) -> bool {
    block
        .get("Content-Transfer-Encoding")
        .map(|e| e.trim().to_ascii_lowercase())
        .is_none_or(|e| matches!(e.as_str(), "" | "7bit" | "8bit" | "binary"))
}

/// The part in `raw[start..end]`: header fields, then after the blank line its body.
fn part(raw: &[u8], start: usize, end: usize, in_digest: bool, depth: usize) -> Part {
    let end = end.min(raw.len()).max(start.min(raw.len()));
    let start = start.min(end);
    let span = &raw[start..end];
    let block = HeaderBlock::new(span);
    let (media_type, subtype, params) = content_type(&block, in_digest);
    let body_start = start + header_end(span);
    let mut part = Part {
        filename: filename(&block, &params),
        media_type,
        subtype,
        params,
        header_start: start,
        body_start,
        end,
        ..Part::default()
    };
    if depth >= MAX_DEPTH {
        return part;
    }
    if part.is_multipart() {
        if let Some(boundary) = part.param("boundary").filter(|b| !b.is_empty()) {
            let digest = part.subtype == "digest";
            part.children = child_spans(raw, body_start, end, boundary.as_bytes())
                .into_iter()
                .map(|(s, e)| self::part(raw, s, e, digest, depth + 1))
                .collect();
        }
    } else if part.media_type == "message"
        && part.subtype == "rfc822"
        && is_identity_encoding(&block)
    {
        part.message = Some(Box::new(message_info(raw, body_start, end, depth + 1)));
    }
    part
}

/// The spans of a multipart body's parts (RFC 2046 §5.1.1): a delimiter is a line that is
/// `--boundary` (white space may follow); the line break before it belongs to it, not to
/// the part above; `--boundary--` closes the list, and the epilogue after it is no part.
/// Without a closing delimiter the last part runs to the end.
fn child_spans(raw: &[u8], body_start: usize, end: usize, boundary: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    let mut line = body_start;
    while line < end {
        let line_end = raw[line..end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(end, |p| line + p + 1);
        let text = &raw[line..line_end];
        if let Some(after) = text
            .strip_prefix(b"--")
            .and_then(|t| t.strip_prefix(boundary))
        {
            let closing = after.starts_with(b"--");
            let rest = if closing { &after[2..] } else { after };
            if rest.iter().all(u8::is_ascii_whitespace) {
                if let Some(child) = open.take() {
                    let before = if raw[..line].ends_with(b"\r\n") {
                        2
                    } else {
                        usize::from(raw[..line].ends_with(b"\n"))
                    };
                    spans.push((child, (line - before).max(child)));
                }
                if closing {
                    return spans;
                }
                open = Some(line_end);
            }
        }
        line = line_end;
    }
    if let Some(child) = open {
        spans.push((child, end));
    }
    spans
}
