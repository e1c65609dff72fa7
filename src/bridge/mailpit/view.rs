//! What Mailpit's API shows of one stored message, read with [`crate::message`]: addresses, subject,
//! date, the text and HTML bodies, a snippet, and the attachments and inline parts with their
//! part ids (`1`, `2.1`: the MIME section numbers of RFC 3501 §6.4.5, which is what Mailpit's
//! `PartID`s look like too).

use crate::message::{self, content, parsed::field_spans, tree, HeaderBlock};
use crate::store::{Flag, StoredMessage};
use serde_json::{json, Value};

/// Most characters of a snippet (Mailpit: "up to 250 characters").
const SNIPPET_CHARS: usize = 250;

/// A name and address, as Mailpit's `Address` object `{Name, Address}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailAddress {
    pub name: String,
    pub address: String,
}

impl MailAddress {
    pub fn json(&self) -> Value {
        json!({ "Name": self.name, "Address": self.address })
    }
}

/// One attachment or inline part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPart {
    pub part_id: String,
    pub file_name: String,
    pub content_type: String,
    pub content_id: String,
    pub size: usize,
}

impl AttachedPart {
    fn json(&self) -> Value {
        json!({
            "PartID": self.part_id,
            "FileName": self.file_name,
            "ContentType": self.content_type,
            "ContentID": self.content_id,
            "Size": self.size,
        })
    }
}

/// The parsed message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MessageView {
    pub message_id: String,
    pub subject: String,
    pub from: Option<MailAddress>,
    pub to: Vec<MailAddress>,
    pub cc: Vec<MailAddress>,
    pub bcc: Vec<MailAddress>,
    pub reply_to: Vec<MailAddress>,
    pub return_path: String,
    /// `Date:` as unix seconds.
    pub date: Option<i64>,
    pub text: String,
    pub html: String,
    pub attachments: Vec<AttachedPart>,
    pub inline: Vec<AttachedPart>,
}

/// An address list field (names decoded, group members flattened).
fn addresses(block: &HeaderBlock<'_>, field: &str) -> Vec<MailAddress> {
    tree::addresses(&block.get(field).unwrap_or_default())
        .into_iter()
        .map(|a| MailAddress {
            name: a.name.unwrap_or_default(),
            address: a.address,
        })
        .collect()
}

impl MessageView {
    /// Parses a raw message (never fails: what cannot be read stays empty).
    pub fn new(raw: &[u8]) -> MessageView {
        let info = message::parse(raw);
        let block = HeaderBlock::new(raw);
        let mut view = MessageView {
            message_id: info.message_id.clone().unwrap_or_default(),
            subject: info.subject.clone().unwrap_or_default(),
            from: addresses(&block, "From").into_iter().next(),
            to: addresses(&block, "To"),
            cc: addresses(&block, "Cc"),
            bcc: addresses(&block, "Bcc"),
            reply_to: addresses(&block, "Reply-To"),
            return_path: block
                .get("Return-Path")
                .unwrap_or_default()
                .trim_matches(['<', '>', ' '])
                .to_string(),
            date: info.date,
            ..MessageView::default()
        };
        // Only real text/plain and text/html parts (none is made of the other).
        let body = |subtype| {
            content::first_body(raw, &info.root, subtype)
                .map(|p| content::text(raw, p))
                .unwrap_or_default()
        };
        view.text = body("plain");
        view.html = body("html");
        for numbered in content::attachments(raw, &info.root) {
            let part = numbered.part;
            let content_id = content::content_id(raw, part).unwrap_or_default();
            let disposition = content::disposition(raw, part);
            let attached = AttachedPart {
                part_id: numbered.section,
                file_name: part.filename.clone().unwrap_or_default(),
                content_type: format!("{}/{}", part.media_type, part.subtype),
                content_id: content_id.clone(),
                size: content::bytes(raw, part).len(),
            };
            // Mailpit's rule: an inline part is one shown in the body (inline disposition,
            // or a Content-ID the HTML can refer to); the rest are attachments.
            let is_inline =
                !content_id.is_empty() && disposition.as_deref().is_none_or(|d| d == "inline");
            if is_inline {
                view.inline.push(attached);
            } else {
                view.attachments.push(attached);
            }
        }
        view
    }

    /// Up to 250 characters of the text (or of the HTML without its tags), white space
    /// squeezed.
    pub fn snippet(&self) -> String {
        let source = if self.text.trim().is_empty() {
            strip_tags(&self.html)
        } else {
            self.text.clone()
        };
        let squeezed = source.split_whitespace().collect::<Vec<_>>().join(" ");
        squeezed.chars().take(SNIPPET_CHARS).collect()
    }

    pub fn address_list(list: &[MailAddress]) -> Value {
        Value::from(list.iter().map(MailAddress::json).collect::<Vec<_>>())
    }

    /// `From` as Mailpit sends it: an object, or null when there is none.
    pub fn sender_json(&self) -> Value {
        self.from.as_ref().map_or(Value::Null, MailAddress::json)
    }

    pub fn attachments_json(list: &[AttachedPart]) -> Value {
        Value::from(list.iter().map(AttachedPart::json).collect::<Vec<_>>())
    }
}

/// Whether a message is read (has `\Seen`, RFC 3501 §2.3.2).
pub fn is_read(m: &StoredMessage) -> bool {
    m.flags.contains(Flag::Seen)
}

/// The decoded content and content type of the part with MIME section number `part_id`.
pub fn part_content(raw: &[u8], part_id: &str) -> Option<(String, Vec<u8>)> {
    let info = message::parse(raw);
    let numbered = content::numbered(&info.root);
    let part = numbered.iter().find(|n| n.section == part_id)?.part;
    if part.is_multipart() {
        return None;
    }
    let content_type = format!("{}/{}", part.media_type, part.subtype);
    if part.media_type == "text" {
        // Text is sent as UTF-8, whatever its charset was.
        let text = content::text(raw, part);
        return Some((format!("{content_type}; charset=utf-8"), text.into_bytes()));
    }
    Some((content_type, content::bytes(raw, part)))
}

/// The header fields, name -> values in the order they appear (values unfolded, as sent).
pub fn header_map(raw: &[u8]) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    for (start, value_start, end) in field_spans(raw) {
        let name = String::from_utf8_lossy(&raw[start..value_start - 1])
            .trim()
            .to_string();
        let value = String::from_utf8_lossy(&raw[value_start..end]);
        let unfolded = value
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let entry = map.entry(name).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::from(unfolded));
        }
    }
    map
}

/// The text of an HTML document without its tags (for a snippet only: no entities decoded).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &[u8] = b"From: \"Ann Lee\" <ann@example.com>\r\n\
To: bob@example.com, Carl <carl@example.com>\r\n\
Cc: dee@example.com\r\n\
Subject: Your receipt\r\n\
Message-ID: <r1@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: multipart/alternative; boundary=\"b2\"\r\n\
\r\n\
--b2\r\n\
Content-Type: text/plain\r\n\
\r\n\
Thanks for   your order.\r\n\
--b2\r\n\
Content-Type: text/html\r\n\
\r\n\
<p>Thanks! <a href=\"https://shop.example/r/1\">Receipt</a></p>\r\n\
--b2--\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"receipt.pdf\"\r\n\
Content-Disposition: attachment; filename=\"receipt.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQK\r\n\
--b1--\r\n";

    #[test]
    fn a_multipart_message_reads_as_mailpit_shows_it() {
        let v = MessageView::new(MIXED);
        assert_eq!(v.subject, "Your receipt");
        assert_eq!(v.message_id, "r1@example.com");
        assert_eq!(v.from.as_ref().map(|a| a.name.as_str()), Some("Ann Lee"));
        assert_eq!(v.to.len(), 2);
        assert_eq!(v.to[1].address, "carl@example.com");
        assert_eq!(v.cc[0].address, "dee@example.com");
        assert!(v.text.starts_with("Thanks for"));
        assert!(v.html.contains("https://shop.example/r/1"));
        assert_eq!(v.snippet(), "Thanks for your order.");
        assert_eq!(v.attachments.len(), 1);
        let a = &v.attachments[0];
        assert_eq!(
            (a.part_id.as_str(), a.file_name.as_str()),
            ("2", "receipt.pdf")
        );
        assert_eq!((a.content_type.as_str(), a.size), ("application/pdf", 9));
        let (ct, body) = part_content(MIXED, "2").unwrap();
        assert_eq!(
            (ct.as_str(), body.as_slice()),
            ("application/pdf", &b"%PDF-1.4\n"[..])
        );
        assert!(part_content(MIXED, "1.2")
            .unwrap()
            .0
            .starts_with("text/html"));
        assert!(
            part_content(MIXED, "1").is_none(),
            "a multipart has no content"
        );
        assert!(part_content(MIXED, "9").is_none());
        let headers = header_map(MIXED);
        assert_eq!(headers["Subject"], json!(["Your receipt"]));
        assert_eq!(
            headers["To"],
            json!(["bob@example.com, Carl <carl@example.com>"])
        );
    }

    #[test]
    fn garbage_gives_an_empty_view() {
        let v = MessageView::new(b"");
        assert_eq!(v.subject, "");
        assert!(v.from.is_none());
        assert!(header_map(b"\xff\xfe").is_empty() || header_map(b"\xff\xfe").len() < 2);
    }

    #[test]
    fn text_in_any_charset_is_shown_as_utf8() {
        let raw = b"Subject: =?koi8-r?b?8NLJ18XU?=\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n";
        let v = MessageView::new(raw);
        assert_eq!(v.subject, "Привет");
        assert_eq!(v.text, "Привет\r\n");
        let (kind, bytes) = part_content(raw, "1").expect("the text part");
        assert_eq!(kind, "text/plain; charset=utf-8");
        assert_eq!(bytes, "Привет\r\n".as_bytes());
    }
}
