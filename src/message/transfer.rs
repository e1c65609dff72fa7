//! Content-Transfer-Encodings undone (RFC 2045 §6): what a part's body says once its
//! transport form is taken off, for reading it (the mail client, SEARCH, the bridge's API).

use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Base64 as mail software writes it (RFC 2045 §6.8): line breaks and other white space are
/// ignored, and so are missing `=` padding and stray bits at the end (a reader wants the
/// text, not a refusal).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Base64 text to bytes, leniently (see [`LENIENT`]); `None` when it is not base64 at all.
pub fn decode_base64(text: &[u8]) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    // Anything after the padding is not part of the data.
    if let Some(at) = clean.iter().position(|&b| b == b'=') {
        clean.truncate(at);
    }
    LENIENT.decode(clean).ok()
}

/// A body in transfer encoding `encoding` (case-insensitive; empty for none) decoded; an
/// identity encoding (7bit, 8bit, binary) or one we do not know leaves the bytes as they are,
/// and so does base64 that cannot be read.
pub fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => decode_base64(body).unwrap_or_else(|| body.to_vec()),
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_vec(),
    }
}

/// `escape` and two hex digits (`=E9` in quoted-printable and encoded-words, `%E9` in RFC 2231
/// parameter values) is that octet; any other byte, and an `escape` not followed by two hex
/// digits, is itself.
pub fn decode_escapes(text: &[u8], escape: u8) -> Vec<u8> {
    let hex = |b: Option<&u8>| b.and_then(|&b| (b as char).to_digit(16));
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match (b == escape, hex(text.get(i + 1)), hex(text.get(i + 2))) {
            (true, Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7), line by line: white space at the end of a line is
/// dropped (rule 3: transport padding), a line that then ends in `=` is a soft line break
/// (rule 5: it joins the next line), `=XX` is an octet (rule 1), and a `=` followed by
/// anything else is kept as it is (the robust decoder of the rule's note).
pub fn decode_quoted_printable(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        let (text, eol) = match line.strip_suffix(b"\r\n") {
            Some(t) => (t, &b"\r\n"[..]),
            None => match line.strip_suffix(b"\n") {
                Some(t) => (t, &b"\n"[..]),
                None => (line, &b""[..]),
            },
        };
        let text = text.trim_ascii_end();
        let (text, soft) = match text.strip_suffix(b"=") {
            Some(t) => (t, true),
            None => (text, false),
        };
        out.extend(decode_escapes(text, b'='));
        if !soft {
            out.extend_from_slice(eol);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_across_lines_and_without_padding() {
        assert_eq!(decode("BASE64", b"SGVs\r\nbG8=\r\n"), b"Hello");
        assert_eq!(decode("base64", b"SGVsbG8"), b"Hello");
        assert_eq!(decode("base64", b"**"), b"**");
    }

    #[test]
    fn quoted_printable_soft_breaks_and_octets() {
        assert_eq!(
            decode("quoted-printable", b"R=C3=A9sum=\r\n=C3=A9  \r\n"),
            "Résumé\r\n".as_bytes()
        );
        assert_eq!(decode("7bit", b"a=b"), b"a=b");
    }
}
