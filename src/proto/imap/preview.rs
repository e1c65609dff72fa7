//! PREVIEW (RFC 8970): a short plain-text extract of a message for a mail client's listing.
//!
//! The text is the first text part ([`crate::message::text_body`]: `text/plain`, else the HTML
//! part with its markup removed), with quoted lines (`>`) left out and every run of white space
//! (line ends included) made one space, cut to [`PREVIEW_CHARS`] characters (§3.3: SHOULD be at
//! most 200, MUST NOT exceed 256). A message with no text part (an image, a PDF, an encrypted
//! body) has the empty preview (§3.2).

use crate::message::text_body;

/// How many characters a preview holds at most (RFC 8970 §3.3).
pub const PREVIEW_CHARS: usize = 200;

/// The preview of the raw message `raw` (RFC 8970 §3.3), empty when there is no text to show.
pub fn preview(raw: &[u8]) -> String {
    text_body(raw).map(|t| squeeze(&t)).unwrap_or_default()
}

/// `text` without quoted lines, its white space runs made one space, trimmed, and cut to
/// [`PREVIEW_CHARS`] characters.
fn squeeze(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut gap = false;
    for line in text.lines() {
        if line.trim_start().starts_with('>') {
            continue;
        }
        for c in line.chars() {
            if c.is_whitespace() || c.is_control() {
                gap = true;
                continue;
            }
            let need = if gap && count > 0 { 2 } else { 1 };
            if count + need > PREVIEW_CHARS {
                return out;
            }
            if need == 2 {
                out.push(' ');
            }
            out.push(c);
            count += need;
            gap = false;
        }
        gap = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_squeezed_and_quotes_are_left_out() {
        let raw = b"Subject: x\r\n\r\nHi Bob,\r\n\r\n> what about lunch?\r\nYes,\tat  noon.\r\n";
        assert_eq!(preview(raw), "Hi Bob, Yes, at noon.");
    }

    #[test]
    fn html_loses_its_markup_and_a_pdf_has_no_preview() {
        let html =
            b"Content-Type: text/html\r\n\r\n<html><body><p>Big <b>news</b></p></body></html>\r\n";
        assert_eq!(preview(html), "Big news");
        let pdf = b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n";
        assert_eq!(preview(pdf), "");
    }

    #[test]
    fn previews_stop_at_200_characters_not_bytes() {
        let long = format!("Subject: x\r\n\r\n{}\r\n", "\u{e9}t\u{e9} ".repeat(100));
        let p = preview(long.as_bytes());
        assert_eq!(p.chars().count(), 199, "{p}");
        assert!(p.ends_with("\u{e9}t\u{e9}"));
    }
}
