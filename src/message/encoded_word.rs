//! Encoded-words (RFC 2047): non-ASCII text in header fields, written as
//! `=?charset?B|Q?encoded-text?=`, decoded for reading (the mail client's subject line,
//! SEARCH, SORT=DISPLAY, the bridge's API).

use super::{charset, transfer};

/// One encoded-word found in a text.
struct Word<'a> {
    /// Text before it.
    before: &'a str,
    charset: &'a str,
    bytes: Vec<u8>,
    /// Text after it.
    after: &'a str,
}

/// The Q encoding (RFC 2047 §4.2): `_` is a space, `=XX` an octet, other characters
/// themselves.
fn decode_q(text: &str) -> Vec<u8> {
    // `_` is only ever a space: an underscore itself is written `=5F`.
    transfer::decode_escapes(text.replace('_', " ").as_bytes(), b'=')
}

/// The encoded-word at the start of `s` (which starts with `=?`): charset, bytes, and the
/// length it takes. RFC 2047 §2: no white space inside; RFC 2231 §5: a `*language` suffix
/// of the charset is dropped.
fn word_at(s: &str) -> Option<(&str, Vec<u8>, usize)> {
    let body = s.strip_prefix("=?")?;
    let (charset, rest) = body.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    if charset.is_empty() || text.contains(char::is_whitespace) || charset.contains(' ') {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => transfer::decode_base64(text.as_bytes())?,
        "Q" | "q" => decode_q(text),
        _ => return None,
    };
    let charset = charset.split('*').next().unwrap_or(charset);
    let len = 2 + body.len() - rest.len() + end + 2;
    Some((charset, bytes, len))
}

fn next_word(text: &str) -> Option<Word<'_>> {
    let mut from = 0;
    while let Some(at) = text[from..].find("=?") {
        let start = from + at;
        if let Some((charset, bytes, len)) = word_at(&text[start..]) {
            return Some(Word {
                before: &text[..start],
                charset,
                bytes,
                after: &text[start + len..],
            });
        }
        from = start + 2;
    }
    None
}

/// `text` with its encoded-words decoded. White space between two encoded-words is dropped
/// (RFC 2047 §6.2), and adjacent words in one charset are decoded together, so a character
/// split across two words comes out whole. Malformed words stay as they are.
pub fn decode_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Bytes of the encoded-words just read, in their charset, not decoded yet.
    let mut pending: Option<(&str, Vec<u8>)> = None;
    let mut rest = text;
    while let Some(word) = next_word(rest) {
        let between_words = pending.is_some() && word.before.trim().is_empty();
        match pending.as_mut() {
            Some((set, bytes)) if between_words && set.eq_ignore_ascii_case(word.charset) => {
                bytes.extend_from_slice(&word.bytes);
            }
            _ => {
                if let Some((set, bytes)) = pending.take() {
                    out.push_str(&charset::decode(Some(set), &bytes));
                }
                if !between_words {
                    out.push_str(word.before);
                }
                pending = Some((word.charset, word.bytes));
            }
        }
        rest = word.after;
    }
    if let Some((set, bytes)) = pending {
        out.push_str(&charset::decode(Some(set), &bytes));
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_and_q_words_in_their_charsets() {
        assert_eq!(decode_words("=?UTF-8?Q?R=C3=A9sum=C3=A9?="), "Résumé");
        assert_eq!(decode_words("=?utf-8?B?UsOpc3Vtw6k=?="), "Résumé");
        assert_eq!(decode_words("=?ISO-8859-1?Q?caf=E9_noir?="), "café noir");
        assert_eq!(decode_words("=?utf-8*fr?q?=C3=A9t=C3=A9?="), "été");
    }

    #[test]
    fn white_space_between_words_goes_and_around_them_stays() {
        assert_eq!(decode_words("=?utf-8?q?a?= =?utf-8?q?b?="), "ab");
        assert_eq!(decode_words("Re: =?utf-8?q?caf=C3=A9?= ok"), "Re: café ok");
        // A character split across two words.
        assert_eq!(decode_words("=?utf-8?q?=C3?=\r\n =?utf-8?q?=A9?="), "é");
    }

    #[test]
    fn malformed_words_stay_as_written() {
        for text in [
            "=?utf-8?x?abc?=",
            "=?utf-8?q?a b?=",
            "=?",
            "=?utf-8?q?open",
            "a =? b",
        ] {
            assert_eq!(decode_words(text), text);
        }
    }
}
