//! A message as the reader shows it, parsed once when it is opened: header fields for people,
//! the text body, the HTML part (with a policy that blocks remote content), attachments and
//! the MIME tree; and the one-line summary the message list shows.

use crate::message::{self, content, Addr, Part};
use crate::sandbox::mail_client::Fetched;

/// Put in front of every HTML part shown. The iframe's empty `sandbox` already stops scripts,
/// event handlers, `javascript:` links, forms and access to the page; this policy also stops
/// remote images, styles and fonts (tracking pixels): only inline styles and `data:` images.
pub const HTML_POLICY: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">";

/// What the message list shows of a message (the list's key: a row is redrawn only when
/// this changes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Summary {
    pub id: u32,
    pub subject: String,
    /// The sender's name, or address.
    pub from: String,
    pub unseen: bool,
    pub flagged: bool,
}

/// An attachment, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// A message as the reader shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageView {
    pub id: u32,
    pub subject: String,
    pub from: String,
    pub to: String,
    pub date: String,
    /// The text body (decoded), empty when there is none.
    pub text: String,
    /// The HTML part, decoded, behind [`HTML_POLICY`].
    pub html: Option<String>,
    pub attachments: Vec<Attachment>,
    /// The MIME tree.
    pub root: Part,
    /// A file name for "Save .eml", from the subject.
    pub eml_name: String,
    pub flagged: bool,
    /// The raw bytes (for the raw source and "Save .eml").
    pub raw: Vec<u8>,
}

fn has_flag(m: &Fetched, f: &str) -> bool {
    m.flags.iter().any(|x| x.eq_ignore_ascii_case(f))
}

fn addresses(v: &[Addr]) -> String {
    v.iter()
        .map(|a| match &a.name {
            Some(n) => format!("{n} <{}>", a.address),
            None => a.address.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Summary {
    /// `seen_matters`: IMAP keeps `\Seen` on the server; a POP3 download has no flags.
    pub fn of(m: &Fetched, seen_matters: bool) -> Summary {
        let info = message::parse(&m.raw);
        Summary {
            id: m.id,
            subject: info.subject.unwrap_or_else(|| "(no subject)".into()),
            from: info
                .from
                .first()
                .map(|a| a.name.clone().unwrap_or_else(|| a.address.clone()))
                .unwrap_or_default(),
            unseen: seen_matters && !has_flag(m, "\\Seen"),
            flagged: has_flag(m, "\\Flagged"),
        }
    }
}

impl MessageView {
    pub fn of(m: &Fetched) -> MessageView {
        let info = message::parse(&m.raw);
        // The HTML part as written (no HTML is made of a text part).
        let html = content::first_body(&m.raw, &info.root, "html")
            .map(|part| format!("{HTML_POLICY}{}", content::text(&m.raw, part)));
        let attachments = content::attachments(&m.raw, &info.root)
            .into_iter()
            .map(|a| Attachment {
                name: a
                    .part
                    .filename
                    .clone()
                    .unwrap_or_else(|| "attachment".into()),
                media_type: format!("{}/{}", a.part.media_type, a.part.subtype),
                bytes: content::bytes(&m.raw, a.part),
            })
            .collect();
        let subject = info
            .subject
            .clone()
            .unwrap_or_else(|| "(no subject)".into());
        let eml_name = format!(
            "{}.eml",
            subject
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == ' ')
                .collect::<String>()
                .trim()
                .replace(' ', "_")
        );
        MessageView {
            id: m.id,
            from: addresses(&info.from),
            to: addresses(&info.to),
            date: info
                .date
                .map(crate::time::format_rfc5322)
                .unwrap_or_default(),
            text: content::readable_text(&m.raw, &info.root).unwrap_or_default(),
            html,
            attachments,
            root: info.root,
            eml_name,
            flagged: has_flag(m, "\\Flagged"),
            subject,
            raw: m.raw.clone(),
        }
    }

    /// The raw source as text (bytes that are not UTF-8 shown as U+FFFD).
    pub fn raw_text(&self) -> String {
        String::from_utf8_lossy(&self.raw).into_owned()
    }
}

/// One line of the MIME tree: `text/plain; charset=utf-8 · name · 42 bytes`.
pub fn part_label(p: &Part) -> String {
    format!(
        "{}/{}{}{} · {} bytes",
        p.media_type,
        p.subtype,
        p.param("charset")
            .map(|c| format!("; charset={c}"))
            .unwrap_or_default(),
        p.filename
            .as_ref()
            .map(|f| format!(" · {f}"))
            .unwrap_or_default(),
        p.end.saturating_sub(p.body_start)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MULTI: &[u8] = b"From: Alice <alice@corp.example>\r\nTo: boss@corp.example\r\nSubject: =?UTF-8?B?Q2Fmw6k=?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=c\r\n\r\n--c\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n--c\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--c--\r\n--b\r\nContent-Type: text/csv; name=a.csv\r\nContent-Disposition: attachment; filename=a.csv\r\n\r\n1,2\r\n--b--\r\n";

    fn fetched(raw: &[u8], flags: &[&str]) -> Fetched {
        Fetched {
            id: 7,
            uidl: None,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            raw: raw.to_vec(),
            whole: true,
        }
    }

    #[test]
    fn the_view_has_everything_the_reader_shows() {
        let v = MessageView::of(&fetched(MULTI, &["\\Flagged"]));
        assert_eq!(v.subject, "Café");
        assert_eq!(v.from, "Alice <alice@corp.example>");
        assert_eq!(v.to, "boss@corp.example");
        assert!(v.text.contains("hello"));
        let html = v.html.as_deref().unwrap();
        assert!(html.starts_with(HTML_POLICY) && html.contains("<p>hi</p>"));
        assert_eq!(v.attachments.len(), 1);
        assert_eq!(v.attachments[0].name, "a.csv");
        assert_eq!(v.attachments[0].media_type, "text/csv");
        assert_eq!(v.eml_name, "Café.eml");
        assert!(v.flagged);
        assert_eq!(v.root.children.len(), 2);
        let plain = &v.root.children[0].children[0];
        assert!(part_label(plain).starts_with("text/plain; charset=utf-8"));
    }

    #[test]
    fn the_summary_names_the_sender_and_the_flags() {
        let s = Summary::of(&fetched(MULTI, &[]), true);
        assert_eq!((s.subject.as_str(), s.from.as_str()), ("Café", "Alice"));
        assert!(s.unseen && !s.flagged);
        let plain = Summary::of(&fetched(b"\r\nbody", &[]), false);
        assert_eq!(plain.subject, "(no subject)");
        assert!(!plain.unseen);
    }
}
