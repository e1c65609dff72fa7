//! SORT=DISPLAY (RFC 5957): the DISPLAYFROM and DISPLAYTO sort keys order messages by what a
//! mail client shows for the first From or To address, its display name, rather than by its
//! mailbox as FROM and TO do (RFC 5256 §3).

use crate::message::encoded_word::decode_words;
use crate::message::envelope::{envelope, EnvAddr};
use crate::proto::imap::casemap;
use crate::store::StoredMessage;

/// The field a DISPLAY key reads (RFC 5957 §4: env-from or env-to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayField {
    From,
    To,
}

/// RFC 5957 §4: the DISPLAY sort value (§3) of the first address of the field in the
/// message's ENVELOPE, empty without one; as its `i;unicode-casemap` key (§7, RFC 5051).
pub fn display_key(m: &StoredMessage, field: DisplayField) -> String {
    let e = envelope(&m.raw);
    let list = match field {
        DisplayField::From => e.from,
        DisplayField::To => e.to,
    };
    casemap::key(&list.first().map(display_value).unwrap_or_default())
}

/// RFC 5957 §3: the addr-name with its encoded-words decoded (RFC 2047) when that is not
/// empty, else `mailbox@host`, else the mailbox alone (a group's first address is the group:
/// no name, its name as the mailbox, no host), else empty.
fn display_value(a: &EnvAddr) -> String {
    match a {
        EnvAddr::Mailbox {
            name,
            mailbox,
            host,
            ..
        } => {
            let shown = name
                .as_deref()
                .map(|n| decode_words(n).trim().to_string())
                .unwrap_or_default();
            if !shown.is_empty() {
                shown
            } else if host.is_empty() {
                mailbox.clone()
            } else {
                format!("{mailbox}@{host}")
            }
        }
        EnvAddr::GroupStart(group) => group.clone(),
        EnvAddr::GroupEnd => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(field: &str) -> String {
        let raw = format!("{field}\r\nSubject: x\r\n\r\nbody\r\n");
        let e = envelope(raw.as_bytes());
        e.from.first().map(display_value).unwrap_or_default()
    }

    #[test]
    fn the_display_value_is_the_decoded_name_else_the_address() {
        assert_eq!(value("From: \"Zed Alpha\" <a@x.example>"), "Zed Alpha");
        assert_eq!(
            value("From: =?UTF-8?Q?=C3=89mile?= <e@x.example>"),
            "\u{c9}mile"
        );
        assert_eq!(value("From: <bare@x.example>"), "bare@x.example");
        assert_eq!(value("From: \"\" <empty@x.example>"), "empty@x.example");
        assert_eq!(value("From: Team: a@x.example;"), "Team");
        assert_eq!(value("Sender: a@x.example"), "");
    }
}
