//! The MIME structure of a message as IMAP BODYSTRUCTURE describes it (RFC 3501 §7.4.2):
//! per part its type, parameters, Content-ID/Description/Transfer-Encoding, size in octets,
//! lines for text, the enclosed envelope and structure for message/rfc822, and the extension
//! data (MD5, disposition, language, location). Built on the [`Part`] tree of [`super::parse`].

use super::envelope::{envelope, Envelope};
use super::{HeaderBlock, Part};

/// The Content-* header fields of one part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MimeFields {
    pub id: Option<String>,
    pub description: Option<String>,
    /// Upper case; `7BIT` when absent.
    pub encoding: String,
    pub md5: Option<String>,
    /// Disposition type and its parameters.
    pub disposition: Option<(String, Vec<(String, String)>)>,
    pub language: Vec<String>,
    pub location: Option<String>,
}

/// One node of the structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Single {
        media_type: String,
        subtype: String,
        params: Vec<(String, String)>,
        fields: MimeFields,
        /// Body size in octets (as transferred, before any decoding).
        size: usize,
        /// Text lines (for `text/*` and `message/rfc822`).
        lines: usize,
        /// For message/rfc822: the enclosed message's envelope and structure.
        message: Option<(Box<Envelope>, Box<Body>)>,
    },
    Multi {
        parts: Vec<Body>,
        subtype: String,
        params: Vec<(String, String)>,
        fields: MimeFields,
    },
}

/// Number of lines of a body: line ends, plus one for a last line without one.
pub fn count_lines(body: &[u8]) -> usize {
    let n = body.iter().filter(|&&b| b == b'\n').count();
    n + usize::from(body.last().is_some_and(|&b| b != b'\n'))
}

/// Splits `type; a=b; c="d e"` into the value and its parameters (names lower-case; a
/// quoted value unquoted and kept exactly, white space included: RFC 2045 §5.1).
pub fn split_params(v: &str) -> (String, Vec<(String, String)>) {
    // The `;`-separated pieces, quotes still in them.
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            '\\' if quoted => {
                cur.push(c);
                cur.extend(chars.next());
            }
            ';' if !quoted => pieces.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    pieces.push(cur);
    let mut it = pieces.into_iter();
    let value = it.next().unwrap_or_default().trim().to_string();
    let params = it
        .filter_map(|p| {
            let (k, v) = p.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), unquote(v.trim())))
        })
        .collect();
    (value, params)
}

/// A parameter value: a quoted-string's content with its escapes undone (RFC 5322 §3.2.4),
/// else the token as written.
fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"') else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out
}

fn fields(raw: &[u8], part: &Part) -> MimeFields {
    let head = raw.get(part.header_start..part.body_start).unwrap_or(b"");
    let block = HeaderBlock::new(head);
    let h = |n: &str| block.get(n).filter(|v| !v.is_empty());
    MimeFields {
        id: h("Content-ID"),
        description: h("Content-Description"),
        encoding: h("Content-Transfer-Encoding")
            .map(|e| e.trim().to_ascii_uppercase())
            .unwrap_or_else(|| "7BIT".into()),
        md5: h("Content-MD5"),
        disposition: h("Content-Disposition").map(|d| {
            let (v, p) = split_params(&d);
            (v.to_ascii_lowercase(), p)
        }),
        language: h("Content-Language")
            .map(|l| {
                l.split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        location: h("Content-Location"),
    }
}

/// The structure of `part` (the root part of a message, or any part below it).
pub fn body_structure(raw: &[u8], part: &Part) -> Body {
    let fields = fields(raw, part);
    if part.is_multipart() && !part.children.is_empty() {
        return Body::Multi {
            parts: part
                .children
                .iter()
                .map(|c| body_structure(raw, c))
                .collect(),
            subtype: part.subtype.clone(),
            params: part.params.clone(),
            fields,
        };
    }
    let body = raw.get(part.body_start..part.end).unwrap_or(b"");
    let message = part.message.as_ref().map(|m| {
        let head = raw.get(m.root.header_start..).unwrap_or(b"");
        (
            Box::new(envelope(head)),
            Box::new(body_structure(raw, &m.root)),
        )
    });
    let (media_type, subtype) = if part.is_multipart() {
        // A multipart without parts cannot be described as one: call it what it holds.
        ("text".to_string(), "plain".to_string())
    } else if part.media_type == "message" && message.is_none() {
        // An enclosed message we cannot map (e.g. base64-encoded): the message/rfc822 form
        // needs an envelope and a structure, so describe it as opaque data instead.
        ("application".to_string(), "octet-stream".to_string())
    } else {
        (part.media_type.clone(), part.subtype.clone())
    };
    Body::Single {
        media_type,
        subtype,
        params: part.params.clone(),
        fields,
        size: body.len(),
        lines: count_lines(body),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_and_lines() {
        assert_eq!(
            split_params("attachment; filename=\"a; b.pdf\"; size=3"),
            (
                "attachment".to_string(),
                vec![
                    ("filename".to_string(), "a; b.pdf".to_string()),
                    ("size".to_string(), "3".to_string())
                ]
            )
        );
        assert_eq!(count_lines(b"a\r\nb\r\n"), 2);
        assert_eq!(count_lines(b"a\r\nb"), 2);
        assert_eq!(count_lines(b""), 0);
    }

    #[test]
    fn base64_enclosed_message_is_described_as_opaque_data() {
        let raw = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nU3ViamVjdDogeA0KDQpoaQ0K\r\n--b--\r\n";
        let info = super::super::parse(raw);
        let Body::Multi { parts, .. } = body_structure(raw, &info.root) else {
            panic!("multipart expected")
        };
        let Body::Single {
            media_type,
            subtype,
            message,
            fields,
            ..
        } = &parts[0]
        else {
            panic!("single part expected")
        };
        assert_eq!(
            (media_type.as_str(), subtype.as_str()),
            ("application", "octet-stream")
        );
        assert!(message.is_none());
        assert_eq!(fields.encoding, "BASE64");
    }
}
