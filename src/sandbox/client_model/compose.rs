//! A new message as the mail client sends it (RFC 5322 with MIME, RFC 2045): headers whose
//! non-ASCII text becomes RFC 2047 encoded-words of at most 75 characters, lines folded at
//! 78 characters (RFC 5322 §2.1.1, §2.2.3), the body with CRLF line ends.

use crate::wire::sasl::b64_encode;

/// What the user wrote, and what the client adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
    /// The `Date:` value (RFC 5322 §3.3).
    pub date: String,
    /// The `Message-ID:` value, angle brackets included.
    pub message_id: String,
}

/// Longest header line the client writes, CRLF excluded (RFC 5322 §2.1.1 "SHOULD").
const MAX_LINE: usize = 78;
/// Longest encoded-word (RFC 2047 §2).
const MAX_WORD: usize = 75;
/// `=?UTF-8?B?` + `?=`.
const WORD_OVERHEAD: usize = 12;

/// The addresses in a To field as typed: separated by commas, semicolons or spaces, angle
/// brackets dropped; anything without an `@` is not an address.
pub fn recipients(s: &str) -> Vec<String> {
    s.split([',', ';', ' '])
        .map(|a| {
            a.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|a| a.contains('@'))
        .collect()
}

/// Splits text into encoded-words (RFC 2047 §4.1 "B" encoding), never splitting a character
/// between two words (§5 rule 3): the first at most `first` characters long, the others at most
/// 75 (§2).
fn encoded_words(text: &str, first: usize) -> Vec<String> {
    // The base64 of at most this many octets fits in a word of `len` characters.
    let octets = |len: usize| (len.saturating_sub(WORD_OVERHEAD) / 4 * 3).max(4);
    let mut max = octets(first.min(MAX_WORD));
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > max && end > start {
            words.push(&text[start..end]);
            start = i;
            max = octets(MAX_WORD);
        }
        end = i + c.len_utf8();
    }
    if end > start {
        words.push(&text[start..end]);
    }
    words
        .into_iter()
        .map(|w| format!("=?UTF-8?B?{}?=", b64_encode(w.as_bytes())))
        .collect()
}

/// One header field, folded: `name: value` with lines of at most 78 characters where the
/// value allows (a single word longer than that stays whole). Non-ASCII values (or ones with
/// control characters) are written as encoded-words.
pub fn header(name: &str, value: &str) -> String {
    let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
    let words: Vec<String> = if value.is_ascii() && !value.contains("=?") {
        value
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(String::from)
            .collect()
    } else {
        // A line holding encoded-words stays within 76 characters (RFC 2047 §2).
        encoded_words(&value, MAX_WORD + 1 - name.len() - 2)
    };
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for w in words {
        if line_len + 1 + w.len() > MAX_LINE && line_len > name.len() + 1 {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(&w);
        line_len += 1 + w.len();
    }
    out.push_str("\r\n");
    out
}

/// The message as bytes: headers, a blank line, the body (text/plain, UTF-8, 8bit) with CRLF
/// line ends.
pub fn compose(d: &Draft) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&header("From", &d.from));
    out.push_str(&header("To", &d.to.join(", ")));
    out.push_str(&header("Subject", &d.subject));
    out.push_str(&header("Date", &d.date));
    out.push_str(&header("Message-ID", &d.message_id));
    out.push_str("MIME-Version: 1.0\r\n");
    out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
    out.push_str("Content-Transfer-Encoding: 8bit\r\n\r\n");
    let body = d.body.replace("\r\n", "\n").replace('\r', "\n");
    out.push_str(&body.replace('\n', "\r\n"));
    out.push_str("\r\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(subject: &str, body: &str) -> Draft {
        Draft {
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into(), "alice@corp.example".into()],
            subject: subject.into(),
            body: body.into(),
            date: "Thu, 01 Jan 2026 00:00:00 +0000".into(),
            message_id: "<1.sender@isp.example>".into(),
        }
    }

    fn header_lines(raw: &[u8]) -> Vec<String> {
        let text = String::from_utf8(raw.to_vec()).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap().to_string();
        head.split("\r\n").map(String::from).collect()
    }

    #[test]
    fn a_long_non_ascii_subject_becomes_short_encoded_words_on_folded_lines() {
        let subject = "Rapport trimestriel: résultats, prévisions et café ☕ pour l'équipe de Zoë — à lire avant jeudi";
        let raw = compose(&draft(subject, "Bonjour"));
        for line in header_lines(&raw) {
            assert!(line.len() <= 78, "{line:?} is {} long", line.len());
            for word in line.split(' ').filter(|w| w.starts_with("=?")) {
                assert!(word.len() <= 75, "{word:?}");
            }
        }
        let parsed = crate::message::parse(&raw);
        assert_eq!(parsed.subject.as_deref(), Some(subject));
        assert_eq!(parsed.to.len(), 2);
    }

    #[test]
    fn ascii_headers_stay_readable_and_fold_at_spaces() {
        let subject = "word ".repeat(30);
        let raw = compose(&draft(subject.trim(), "x"));
        let lines = header_lines(&raw);
        assert!(lines.iter().any(|l| l.starts_with("Subject: word word")));
        assert!(lines.iter().all(|l| l.len() <= 78));
        let parsed = crate::message::parse(&raw);
        assert_eq!(parsed.subject.as_deref(), Some(subject.trim()));
        assert!(lines.contains(&"To: boss@corp.example, alice@corp.example".to_string()));
    }

    #[test]
    fn no_line_end_can_be_injected_and_the_body_gets_crlf() {
        let raw = compose(&draft("hi\r\nBcc: evil@x.example", "a\nb\r\nc"));
        let text = String::from_utf8(raw).unwrap();
        assert!(!text.contains("\r\nBcc:"), "{text}");
        assert!(text.ends_with("\r\n\r\na\r\nb\r\nc\r\n"), "{text:?}");
    }

    #[test]
    fn every_encoded_word_is_whole_characters() {
        for n in 1..60 {
            let s = "é".repeat(n) + "☕";
            for w in encoded_words(&s, MAX_WORD) {
                assert!(w.len() <= MAX_WORD);
                let b64 = &w[10..w.len() - 2];
                let bytes = crate::wire::sasl::b64_decode(b64.as_bytes()).unwrap();
                assert!(String::from_utf8(bytes).is_ok(), "{w}");
            }
        }
    }

    #[test]
    fn recipients_are_read_from_what_was_typed() {
        assert_eq!(
            recipients("<a@x.example>, b@y.example; nobody"),
            ["a@x.example", "b@y.example"]
        );
    }
}
