//! What the mailbox browser shows of stored messages (the live page, issue 28 item 1): a
//! folder's messages as rows, and one message's source and MIME tree. Read-only views of the
//! store, built with [`crate::message::parse`]; nothing here changes
//! the world.

use crate::message::{self, Addr, MessageInfo, Part};
use crate::store::StoredMessage;

/// Most messages listed for one folder (the newest).
pub const MAX_ROWS: usize = 200;
/// Most bytes of a message's source shown; the rest is counted, not shown.
pub const MAX_SOURCE: usize = 64 * 1024;

/// One message in a folder's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRow {
    pub uid: u32,
    pub from: String,
    pub subject: String,
    pub size: usize,
}

/// The newest [`MAX_ROWS`] messages of a folder, newest first.
pub fn message_rows(messages: &[StoredMessage]) -> Vec<MessageRow> {
    messages
        .iter()
        .rev()
        .take(MAX_ROWS)
        .map(|m| {
            let info = message::parse(&m.raw);
            MessageRow {
                uid: m.uid,
                from: addresses(&info.from),
                subject: info.subject.unwrap_or_else(|| "(no subject)".into()),
                size: m.raw.len(),
            }
        })
        .collect()
}

fn addresses(list: &[Addr]) -> String {
    let shown: Vec<String> = list
        .iter()
        .map(|a| match &a.name {
            Some(name) => format!("{name} <{}>", a.address),
            None => a.address.clone(),
        })
        .collect();
    match shown.is_empty() {
        true => "(no sender)".into(),
        false => shown.join(", "),
    }
}

/// A message's source as text: at most [`MAX_SOURCE`] bytes (bytes that are not UTF-8 shown
/// as U+FFFD), with a last line saying how much was left out.
pub fn source_text(raw: &[u8]) -> String {
    let shown = &raw[..raw.len().min(MAX_SOURCE)];
    let mut text = String::from_utf8_lossy(shown).into_owned();
    if raw.len() > shown.len() {
        text.push_str(&format!(
            "\n[... {} more bytes not shown]",
            raw.len() - shown.len()
        ));
    }
    text
}

/// One node of a message's MIME tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MimeRow {
    /// Nesting depth (0: the message itself).
    pub depth: usize,
    /// The part's number as IMAP names it in `BODY[n]` (RFC 3501 §6.4.5): `1.2` is the
    /// second part of the first; empty for the message itself when it is a multipart.
    pub number: String,
    /// `type/subtype`.
    pub media: String,
    /// Parameters worth reading (charset, name), the file name, or the enclosed message's
    /// subject.
    pub detail: String,
    /// The body's size in bytes (as stored, before any decoding).
    pub size: usize,
}

/// The MIME tree of a raw message, depth first, as [`MimeRow`]s.
pub fn mime_tree(raw: &[u8]) -> Vec<MimeRow> {
    let info = message::parse(raw);
    let mut rows = Vec::new();
    let root = &info.root;
    // A single-part message is part 1 (RFC 3501 §6.4.5); a multipart's parts count from 1.
    let number = if root.is_multipart() { "" } else { "1" };
    walk(root, number, 0, &mut rows);
    rows
}

/// Bounds the rows of a hostile message (the MIME reader already bounds nesting).
const MAX_MIME_ROWS: usize = 500;

fn walk(part: &Part, number: &str, depth: usize, rows: &mut Vec<MimeRow>) {
    if rows.len() >= MAX_MIME_ROWS {
        return;
    }
    rows.push(MimeRow {
        depth,
        number: number.to_string(),
        media: format!("{}/{}", part.media_type, part.subtype),
        detail: detail(part),
        size: part.end.saturating_sub(part.body_start),
    });
    let child_number = |i: usize| match number {
        "" => (i + 1).to_string(),
        n => format!("{n}.{}", i + 1),
    };
    for (i, child) in part.children.iter().enumerate() {
        walk(child, &child_number(i), depth + 1, rows);
    }
    if let Some(inner) = &part.message {
        enclosed(inner, number, depth + 1, rows);
    }
}

/// The message a `message/rfc822` part encloses: its parts are numbered under the part's
/// own number (RFC 3501 §6.4.5: `n.1` and on for a multipart, `n.1` for a single part).
fn enclosed(inner: &MessageInfo, number: &str, depth: usize, rows: &mut Vec<MimeRow>) {
    let root = &inner.root;
    if root.is_multipart() {
        for (i, child) in root.children.iter().enumerate() {
            walk(child, &format!("{number}.{}", i + 1), depth, rows);
        }
    } else {
        walk(root, &format!("{number}.1"), depth, rows);
    }
}

fn detail(part: &Part) -> String {
    let mut bits: Vec<String> = ["charset", "format", "delsp"]
        .iter()
        .filter_map(|name| part.param(name).map(|v| format!("{name}={v}")))
        .collect();
    if let Some(file) = &part.filename {
        bits.push(format!("file \"{file}\""));
    }
    if let Some(subject) = part.message.as_ref().and_then(|m| m.subject.as_ref()) {
        bits.push(format!("subject \"{subject}\""));
    }
    bits.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIXED: &str = "From: Ann <ann@example.org>\r\nSubject: Report\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
        --b1\r\nContent-Type: multipart/alternative; boundary=\"b2\"\r\n\r\n\
        --b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\n\
        --b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello</p>\r\n--b2--\r\n\
        --b1\r\nContent-Type: text/csv; name=\"q3.csv\"\r\n\
        Content-Disposition: attachment; filename=\"q3.csv\"\r\n\r\na,b\r\n1,2\r\n--b1--\r\n";

    #[test]
    fn a_multipart_message_is_a_tree_numbered_as_imap_numbers_its_parts() {
        let rows = mime_tree(MIXED.as_bytes());
        let shape: Vec<(usize, &str, &str)> = rows
            .iter()
            .map(|r| (r.depth, r.number.as_str(), r.media.as_str()))
            .collect();
        assert_eq!(
            shape,
            [
                (0, "", "multipart/mixed"),
                (1, "1", "multipart/alternative"),
                (2, "1.1", "text/plain"),
                (2, "1.2", "text/html"),
                (1, "2", "text/csv"),
            ]
        );
        assert_eq!(rows[2].detail, "charset=utf-8");
        assert!(rows[4].detail.contains("file \"q3.csv\""), "{:?}", rows[4]);
    }

    #[test]
    fn a_plain_message_is_part_one_and_a_forwarded_one_nests() {
        let rows = mime_tree(b"Subject: hi\r\n\r\nbody\r\n");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].number.as_str(), rows[0].media.as_str()),
            ("1", "text/plain")
        );
        let forwarded = "Subject: Fwd\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n\
            --x\r\nContent-Type: text/plain\r\n\r\nsee below\r\n\
            --x\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\nold text\r\n--x--\r\n";
        let rows = mime_tree(forwarded.as_bytes());
        let numbers: Vec<&str> = rows.iter().map(|r| r.number.as_str()).collect();
        assert_eq!(numbers, ["", "1", "2", "2.1"]);
        assert!(
            rows[2].detail.contains("subject \"inner\""),
            "{:?}",
            rows[2]
        );
    }

    #[test]
    fn a_long_source_is_cut_and_says_how_much_is_left_out() {
        let raw = vec![b'x'; MAX_SOURCE + 10];
        let text = source_text(&raw);
        assert!(
            text.ends_with("[... 10 more bytes not shown]"),
            "{}",
            &text[text.len() - 40..]
        );
        assert_eq!(
            source_text(b"Subject: a\r\n\r\nb\r\n"),
            "Subject: a\r\n\r\nb\r\n"
        );
    }
}
