//! What a session that never enabled UTF8=ACCEPT gets of a message whose header carries raw
//! UTF-8 (received with SMTPUTF8): the downgrade of RFC 6858 §3, applied to the ENVELOPE
//! (RFC 6855 §7: such a session sees only what IMAP4rev1 and RFC 5322 allow).
//!
//! - unstructured text (Subject) and display names become RFC 2047 encoded words;
//! - an address whose mailbox or domain is not ASCII cannot be written in ASCII at all: it
//!   becomes an empty group whose display name is the encoded original (RFC 6858 §3.1);
//! - a Message-ID or In-Reply-To that is not ASCII is left out (NIL), as no encoding exists
//!   for a msg-id (RFC 6858 §3.2).

use crate::message::envelope::{EnvAddr, Envelope};
use crate::wire::sasl::b64_encode;

/// The envelope as an ASCII-only session may see it; `None` when it is ASCII already.
pub fn ascii_envelope(e: &Envelope) -> Option<Envelope> {
    if is_ascii(e) {
        return None;
    }
    let text = |s: &Option<String>| s.as_deref().map(encoded_words);
    let id = |s: &Option<String>| s.clone().filter(|v| v.is_ascii());
    Some(Envelope {
        date: text(&e.date),
        subject: text(&e.subject),
        from: addresses(&e.from),
        sender: addresses(&e.sender),
        reply_to: addresses(&e.reply_to),
        to: addresses(&e.to),
        cc: addresses(&e.cc),
        bcc: addresses(&e.bcc),
        in_reply_to: id(&e.in_reply_to),
        message_id: id(&e.message_id),
    })
}

fn is_ascii(e: &Envelope) -> bool {
    let text = [&e.date, &e.subject, &e.in_reply_to, &e.message_id]
        .into_iter()
        .all(|s| s.as_deref().is_none_or(str::is_ascii));
    let lists = [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc];
    text && lists.into_iter().flatten().all(|a| match a {
        EnvAddr::Mailbox {
            name,
            adl,
            mailbox,
            host,
        } => {
            name.as_deref().is_none_or(str::is_ascii)
                && adl.as_deref().is_none_or(str::is_ascii)
                && mailbox.is_ascii()
                && host.is_ascii()
        }
        EnvAddr::GroupStart(name) => name.is_ascii(),
        EnvAddr::GroupEnd => true,
    })
}

fn addresses(list: &[EnvAddr]) -> Vec<EnvAddr> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        match a {
            EnvAddr::Mailbox {
                name,
                adl,
                mailbox,
                host,
            } if mailbox.is_ascii() && host.is_ascii() => out.push(EnvAddr::Mailbox {
                name: name.as_deref().map(encoded_words),
                adl: adl.clone().filter(|a| a.is_ascii()),
                mailbox: mailbox.clone(),
                host: host.clone(),
            }),
            EnvAddr::Mailbox {
                name,
                mailbox,
                host,
                ..
            } => {
                // RFC 6858 §3.1: `=?UTF-8?...?= :;`, the original address kept in the name.
                let original = match name {
                    Some(n) => format!("{n} <{mailbox}@{host}>"),
                    None => format!("{mailbox}@{host}"),
                };
                out.push(EnvAddr::GroupStart(encoded_words(&original)));
                out.push(EnvAddr::GroupEnd);
            }
            EnvAddr::GroupStart(name) => out.push(EnvAddr::GroupStart(encoded_words(name))),
            EnvAddr::GroupEnd => out.push(EnvAddr::GroupEnd),
        }
    }
    out
}

/// `text` as RFC 2047 encoded words (`=?UTF-8?B?...?=`, each at most 75 characters, §2),
/// or unchanged when it is ASCII.
pub fn encoded_words(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    // 45 octets make 60 base64 characters: 72 with `=?UTF-8?B?` and `?=`. Words are cut
    // between characters, as RFC 2047 §5 asks.
    let mut words = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + 45).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        words.push(format!(
            "=?UTF-8?B?{}?=",
            b64_encode(&text.as_bytes()[start..end])
        ));
        start = end;
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::envelope::envelope;

    #[test]
    fn an_ascii_envelope_is_left_alone() {
        let e = envelope(b"From: Ann <a@x.example>\r\nSubject: Hi\r\n\r\n");
        assert_eq!(ascii_envelope(&e), None);
    }

    #[test]
    fn text_and_names_become_encoded_words_and_utf8_addresses_empty_groups() {
        let raw = "From: Zoë <zoe@corp.example>\r\nTo: José <josé@exämple.example>\r\nSubject: Café\r\nMessage-ID: <ü@x>\r\n\r\n";
        let e = ascii_envelope(&envelope(raw.as_bytes())).unwrap();
        assert_eq!(e.subject.as_deref(), Some("=?UTF-8?B?Q2Fmw6k=?="));
        let EnvAddr::Mailbox { name, mailbox, .. } = &e.from[0] else {
            panic!("{:?}", e.from)
        };
        assert_eq!(name.as_deref(), Some("=?UTF-8?B?Wm/Dqw==?="));
        assert_eq!(mailbox, "zoe");
        assert!(matches!(&e.to[0], EnvAddr::GroupStart(n) if n.starts_with("=?UTF-8?B?")));
        assert_eq!(e.to[1], EnvAddr::GroupEnd);
        assert_eq!(e.message_id, None);
    }

    #[test]
    fn long_text_is_cut_into_words_between_characters() {
        let text = "é".repeat(40);
        let words = encoded_words(&text);
        assert!(words.split(' ').all(|w| w.len() <= 75), "{words}");
        assert_eq!(words.split(' ').count(), 2);
    }
}
