//! What Mailpit's API shows of one stored message, read with `mail-parser`: addresses, subject,
//! date, the text and HTML bodies, a snippet, and the attachments and inline parts with their
//! part ids (`1`, `2.1`: the MIME section numbers of RFC 3501 §6.4.5, which is what Mailpit's
//! `PartID`s look like too).

use crate::store::{Flag, StoredMessage};
use mail_parser::{Address, MessageParser, MimeHeaders, PartType};
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

fn addresses(a: Option<&Address<'_>>) -> Vec<MailAddress> {
    let one = |x: &mail_parser::Addr<'_>| MailAddress {
        name: x.name.as_deref().unwrap_or_default().to_string(),
        address: x.address.as_deref().unwrap_or_default().to_string(),
    };
    match a {
        None => Vec::new(),
        Some(Address::List(list)) => list.iter().map(one).collect(),
        Some(Address::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter().map(one))
            .collect(),
    }
}

impl MessageView {
    /// Parses a raw message (never fails: what cannot be read stays empty).
    pub fn new(raw: &[u8]) -> MessageView {
        let Some(msg) = MessageParser::default().parse(raw) else {
            return MessageView::default();
        };
        let mut view = MessageView {
            message_id: msg.message_id().unwrap_or_default().to_string(),
            subject: msg.subject().unwrap_or_default().to_string(),
            from: addresses(msg.from()).into_iter().next(),
            to: addresses(msg.to()),
            cc: addresses(msg.cc()),
            bcc: addresses(msg.bcc()),
            reply_to: addresses(msg.reply_to()),
            return_path: msg
                .return_path()
                .as_text()
                .unwrap_or_default()
                .trim_matches(['<', '>', ' '])
                .to_string(),
            date: msg.date().map(|d| d.to_timestamp()),
            ..MessageView::default()
        };
        // Only real text/plain and text/html parts (mail-parser would convert one into the
        // other when a message has only one).
        let first_of = |ids: &[u32], html: bool| {
            ids.iter()
                .find_map(|&i| match &msg.parts.get(i as usize)?.body {
                    PartType::Text(t) if !html => Some(t.to_string()),
                    PartType::Html(t) if html => Some(t.to_string()),
                    _ => None,
                })
        };
        view.text = first_of(&msg.text_body, false).unwrap_or_default();
        view.html = first_of(&msg.html_body, true).unwrap_or_default();
        let sections = section_numbers(&msg);
        for &i in &msg.attachments {
            let Some(part) = msg.parts.get(i as usize) else {
                continue;
            };
            let content_type = part.content_type().map_or_else(
                || "application/octet-stream".to_string(),
                |ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                    None => ct.ctype().to_ascii_lowercase(),
                },
            );
            let content_id = part
                .content_id()
                .unwrap_or_default()
                .trim_matches(['<', '>'])
                .to_string();
            let disposition_inline = part.content_disposition().is_some_and(|d| d.is_inline());
            let attached = AttachedPart {
                part_id: sections.get(i as usize).cloned().unwrap_or_default(),
                file_name: part.attachment_name().unwrap_or_default().to_string(),
                content_type,
                content_id: content_id.clone(),
                size: part.contents().len(),
            };
            // Mailpit's rule: an inline part is one shown in the body (inline disposition,
            // or a Content-ID the HTML can refer to); the rest are attachments.
            let is_inline = !content_id.is_empty()
                && (disposition_inline || part.content_disposition().is_none());
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

/// The MIME section number of every part, by index in `msg.parts` (RFC 3501 §6.4.5: a
/// non-multipart message is section `1`; the parts of a multipart are numbered from 1, their
/// sub-parts `1.1`, ...; the multipart containers themselves get their own numbers too).
fn section_numbers(msg: &mail_parser::Message<'_>) -> Vec<String> {
    let mut numbers = vec![String::new(); msg.parts.len()];
    let Some(root) = msg.parts.first() else {
        return numbers;
    };
    match &root.body {
        PartType::Multipart(children) => number_children(msg, children, "", &mut numbers, 0),
        _ => numbers[0] = "1".to_string(),
    }
    numbers
}

fn number_children(
    msg: &mail_parser::Message<'_>,
    children: &[u32],
    prefix: &str,
    numbers: &mut [String],
    depth: usize,
) {
    for (n, &id) in children.iter().enumerate() {
        let number = format!("{prefix}{}", n + 1);
        if let Some(slot) = numbers.get_mut(id as usize) {
            slot.clone_from(&number);
        }
        if let (Some(PartType::Multipart(sub)), true) =
            (msg.parts.get(id as usize).map(|p| &p.body), depth < 64)
        {
            number_children(msg, sub, &format!("{number}."), numbers, depth + 1);
        }
    }
}

/// The decoded content and content type of the part with MIME section number `part_id`.
pub fn part_content(raw: &[u8], part_id: &str) -> Option<(String, Vec<u8>)> {
    let msg = MessageParser::default().parse(raw)?;
    let sections = section_numbers(&msg);
    let index = sections.iter().position(|s| s == part_id)?;
    let part = msg.parts.get(index)?;
    if matches!(part.body, PartType::Multipart(_)) {
        return None;
    }
    let content_type = part.content_type().map_or_else(
        || "text/plain".to_string(),
        |ct| match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_string(),
        },
    );
    let content_type = match part.body {
        PartType::Text(_) | PartType::Html(_) => format!("{content_type}; charset=utf-8"),
        _ => content_type,
    };
    Some((content_type, part.contents().to_vec()))
}

/// The header fields, name -> values in the order they appear (values unfolded, as sent).
pub fn header_map(raw: &[u8]) -> serde_json::Map<String, Value> {
    let mut map = serde_json::Map::new();
    let Some(msg) = MessageParser::default().parse_headers(raw) else {
        return map;
    };
    let Some(root) = msg.parts.first() else {
        return map;
    };
    for h in &root.headers {
        let start = h.offset_start as usize;
        let end = (h.offset_end as usize).min(raw.len());
        let value = raw.get(start..end).unwrap_or_default();
        let value = String::from_utf8_lossy(value);
        let unfolded = value
            .split(['\r', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let entry = map
            .entry(h.name.as_str().to_string())
            .or_insert_with(|| Value::Array(Vec::new()));
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
}
