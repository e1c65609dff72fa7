//! The MIME structure of a message (RFC 2045, RFC 2046): its parts with their places in the
//! raw bytes, read from the header fields and the multipart boundaries. What a part holds
//! is decoded elsewhere ([`super::content`]); here nothing is copied but the header values.

use super::bodystructure::split_params;
use super::envelope::{parse_addresses, EnvAddr};
use super::{charset, date, encoded_word::decode_words, header_end, transfer, Addr, HeaderBlock};
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
            .map(|s| decode_words(&s).trim().to_string())
            .filter(|s| !s.is_empty()),
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

/// Content-Type (RFC 2045 §5): lower-case type and subtype and the parameters. A field that
/// is not `type/subtype` means `text/plain` (§5.2), and so does no field, except in a
/// multipart/digest, whose parts are `message/rfc822` by default (RFC 2046 §5.1.5).
fn content_type(
    block: &HeaderBlock<'_>,
    in_digest: bool,
) -> (String, String, Vec<(String, String)>) {
    let Some(value) = block.get("Content-Type") else {
        let (t, s) = if in_digest {
            ("message", "rfc822")
        } else {
            ("text", "plain")
        };
        return (t.to_string(), s.to_string(), Vec::new());
    };
    let (kind, params) = split_params(&value);
    match kind.split_once('/') {
        Some((t, s)) if !t.trim().is_empty() && !s.trim().is_empty() => (
            t.trim().to_ascii_lowercase(),
            s.trim().to_ascii_lowercase(),
            params,
        ),
        _ => ("text".to_string(), "plain".to_string(), params),
    }
}

/// A parameter's value with RFC 2231 undone: `name*=charset'lang'%XX` and the continued
/// `name*0`, `name*1*`, ... forms joined and decoded, else the plain `name`.
fn param_2231(params: &[(String, String)], name: &str) -> Option<String> {
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
            bytes.extend(transfer::decode_escapes(value.as_bytes(), b'%'));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn root(raw: &[u8]) -> Part {
        message_info(raw, 0, raw.len(), 0).root
    }

    #[test]
    fn file_names_in_rfc_2231_and_encoded_word_forms() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rate.pdf\r\n\r\nx\r\n--b\r\nContent-Type: text/plain; name*0=\"long \"; name*1=\"name.txt\"\r\n\r\ny\r\n--b\r\nContent-Type: image/png; name=\"=?utf-8?q?caf=C3=A9.png?=\"\r\n\r\nz\r\n--b--\r\n";
        let names: Vec<Option<String>> = root(raw)
            .children
            .iter()
            .map(|c| c.filename.clone())
            .collect();
        assert_eq!(
            names,
            [
                Some("€ rate.pdf".to_string()),
                Some("long name.txt".to_string()),
                Some("café.png".to_string())
            ]
        );
    }

    #[test]
    fn digest_parts_are_messages_and_a_bad_type_is_text_plain() {
        let raw = b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\nbody\r\n--d\r\nContent-Type: image\r\n\r\n?\r\n--d--\r\nepilogue\r\n";
        let r = root(raw);
        assert_eq!(r.children.len(), 2);
        let first = &r.children[0];
        assert_eq!(
            (first.media_type.as_str(), first.subtype.as_str()),
            ("message", "rfc822")
        );
        let inner = first.message.as_ref().expect("an enclosed message");
        assert_eq!(inner.subject.as_deref(), Some("one"));
        assert_eq!(&raw[inner.root.body_start..inner.root.end], b"body");
        let second = &r.children[1];
        assert_eq!(
            (second.media_type.as_str(), second.subtype.as_str()),
            ("text", "plain")
        );
        assert_eq!(&raw[second.body_start..second.end], b"?");
    }

    #[test]
    fn delimiters_need_a_line_of_their_own_and_an_open_list_runs_to_the_end() {
        let raw = b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble --b here\r\n--b  \r\n\r\none --b\r\n--bx\r\nstill one\r\n--b\r\n\r\ntwo";
        let r = root(raw);
        let bodies: Vec<&[u8]> = r
            .children
            .iter()
            .map(|c| &raw[c.body_start..c.end])
            .collect();
        assert_eq!(bodies, [&b"one --b\r\n--bx\r\nstill one"[..], b"two"]);
    }

    #[test]
    fn lf_only_messages_split_too() {
        let raw = b"Content-Type: multipart/alternative; boundary=a\n\n--a\nContent-Type: text/plain\n\nplain\n--a\nContent-Type: text/html\n\n<p>html</p>\n--a--\n";
        let r = root(raw);
        assert_eq!(r.children.len(), 2);
        assert_eq!(&raw[r.children[0].body_start..r.children[0].end], b"plain");
        assert_eq!(r.children[1].subtype, "html");
    }

    #[test]
    fn addresses_names_decoded_groups_kept() {
        let list = addresses(
            "=?utf-8?q?=C3=89mile?= <e@x.example>, Team: a@x.example, \"B, C\" <b@x.example>;",
        );
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].name.as_deref(), Some("Émile"));
        assert_eq!(list[1].group.as_deref(), Some("Team"));
        assert_eq!(list[2].name.as_deref(), Some("B, C"));
        assert_eq!(list[2].address, "b@x.example");
    }
}
