//! What a message's parts hold, decoded for a reader: the text and HTML bodies and the
//! attachments, each part found by its MIME section number (RFC 3501 §6.4.5). Built on the
//! [`Part`] tree of [`super::parse`]; transfer encodings and charsets undone here.

use super::{charset, html_text, transfer, HeaderBlock, Part};

/// A part and its section number (`1`, `2.1`, ...; a message that is not multipart is `1`).
#[derive(Debug, Clone)]
pub struct Numbered<'a> {
    pub part: &'a Part,
    pub section: String,
}

/// Every part of the message (multiparts too, enclosed messages' parts not), depth first,
/// with its section number.
pub fn numbered(root: &Part) -> Vec<Numbered<'_>> {
    fn walk<'a>(part: &'a Part, prefix: &str, out: &mut Vec<Numbered<'a>>) {
        for (i, child) in part.children.iter().enumerate() {
            let section = format!("{prefix}{}", i + 1);
            let below = format!("{section}.");
            out.push(Numbered {
                part: child,
                section,
            });
            walk(child, &below, out);
        }
    }
    let mut out = Vec::new();
    if root.is_multipart() {
        walk(root, "", &mut out);
    } else {
        out.push(Numbered {
            part: root,
            section: "1".to_string(),
        });
    }
    out
}

/// The part's own header block.
fn header<'a>(raw: &'a [u8], part: &Part) -> HeaderBlock<'a> {
    HeaderBlock::new(
        raw.get(part.header_start..part.body_start)
            .unwrap_or_default(),
    )
}

/// The body as written (transfer encoding still on).
fn encoded(raw: &[u8], part: &Part) -> Vec<u8> {
    raw.get(part.body_start..part.end.max(part.body_start))
        .unwrap_or_default()
        .to_vec()
}

/// The body's bytes with its Content-Transfer-Encoding undone (RFC 2045 §6).
pub fn bytes(raw: &[u8], part: &Part) -> Vec<u8> {
    let body = encoded(raw, part);
    match header(raw, part).get("Content-Transfer-Encoding") {
        Some(encoding) => transfer::decode(&encoding, &body),
        None => body,
    }
}

/// A text part's body as text: transfer encoding undone, then read in its charset.
pub fn text(raw: &[u8], part: &Part) -> String {
    charset::decode(part.param("charset"), &bytes(raw, part))
}

/// The Content-Disposition type (RFC 2183), lower case.
pub fn disposition(raw: &[u8], part: &Part) -> Option<String> {
    let value = header(raw, part).get("Content-Disposition")?;
    let kind = value.split(';').next().unwrap_or_default().trim();
    Some(kind.to_ascii_lowercase())
}

/// The Content-ID (RFC 2045 §7) without its angle brackets.
pub fn content_id(raw: &[u8], part: &Part) -> Option<String> {
    let id = header(raw, part).get("Content-ID")?;
    let id = id.trim().trim_matches(['<', '>']);
    (!id.is_empty()).then(|| id.to_string())
}

/// True for a part the reader reads as the message's text: text/plain or text/html, not
/// named as a file and not marked as an attachment. Everything else that is not a
/// multipart is an attachment (an enclosed message too).
pub fn is_body_text(raw: &[u8], part: &Part) -> bool {
    part.media_type == "text"
        && matches!(part.subtype.as_str(), "plain" | "html")
        && part.filename.is_none()
        && disposition(raw, part).as_deref() != Some("attachment")
}

/// The parts that are not multiparts and not body text.
pub fn attachments<'a>(raw: &[u8], root: &'a Part) -> Vec<Numbered<'a>> {
    numbered(root)
        .into_iter()
        .filter(|n| !n.part.is_multipart() && !is_body_text(raw, n.part))
        .collect()
}

/// The first body text part of subtype `subtype` (`plain` or `html`).
pub fn first_body<'a>(raw: &[u8], root: &'a Part, subtype: &str) -> Option<&'a Part> {
    numbered(root)
        .into_iter()
        .map(|n| n.part)
        .find(|p| p.subtype == subtype && is_body_text(raw, p))
}

/// The message's text as a reader wants it: the first text/plain body, else the text of the
/// first HTML body ([`html_text::text_of`]).
/// `None` when there is no such part or it is empty.
pub fn readable_text(raw: &[u8], root: &Part) -> Option<String> {
    let found = match first_body(raw, root, "plain") {
        Some(plain) => Some(text(raw, plain)),
        None => first_body(raw, root, "html").map(|html| html_text::text_of(&text(raw, html))),
    };
    found.filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>caf&eacute;</p>\r\n--c--\r\n--b\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw==\r\n--b\r\nContent-Type: text/plain; name=notes.txt\r\n\r\nnotes\r\n--b--\r\n";

    #[test]
    fn sections_bodies_and_attachments() {
        let info = super::super::parse(MIXED);
        let sections: Vec<String> = numbered(&info.root)
            .into_iter()
            .map(|n| n.section)
            .collect();
        assert_eq!(sections, ["1", "1.1", "1.2", "2", "3"]);
        assert_eq!(readable_text(MIXED, &info.root).as_deref(), Some("café"));
        let html = first_body(MIXED, &info.root, "html").expect("html");
        assert_eq!(text(MIXED, html), "<p>caf&eacute;</p>");
        let att = attachments(MIXED, &info.root);
        assert_eq!(att.len(), 2);
        assert_eq!(att[0].section, "2");
        assert_eq!(bytes(MIXED, att[0].part), b"\x89PNG");
        assert_eq!(content_id(MIXED, att[0].part).as_deref(), Some("logo@x"));
        assert_eq!(att[1].part.filename.as_deref(), Some("notes.txt"));
    }

    #[test]
    fn a_single_part_message_is_section_one() {
        let raw = b"Subject: x\r\n\r\nhi\r\n";
        let info = super::super::parse(raw);
        let all = numbered(&info.root);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].section, "1");
        assert_eq!(readable_text(raw, &info.root).as_deref(), Some("hi\r\n"));
    }
}
