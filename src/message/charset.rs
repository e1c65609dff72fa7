//! Text in a named charset (the `charset` parameter of a text part, RFC 2046 §4.1.2, or of an
//! encoded-word, RFC 2047 §2) to Rust text. What the sandbox's messages use is decoded here,
//! everywhere: UTF-8, US-ASCII, ISO-8859-1 and its superset Windows-1252, and ISO-8859-15.
//! Natively (the bridge, whose testers send mail in any charset) every other charset WHATWG
//! names is decoded by `encoding_rs`; the page does not download its tables, and reads any
//! other charset as UTF-8, bytes that are not UTF-8 becoming U+FFFD (a reader sees the ASCII
//! letters and a mark where the rest was, never a failure).

/// Windows-1252's characters for the bytes 0x80-0x9F (where ISO-8859-1 has C1 controls);
/// the five bytes it leaves undefined keep their ISO-8859-1 meaning.
const WINDOWS_1252_80_9F: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// The eight places where ISO-8859-15 differs from ISO-8859-1.
const ISO_8859_15_CHANGES: [(u8, char); 8] = [
    (0xA4, '€'),
    (0xA6, 'Š'),
    (0xA8, 'š'),
    (0xB4, 'Ž'),
    (0xB8, 'ž'),
    (0xBC, 'Œ'),
    (0xBD, 'œ'),
    (0xBE, 'Ÿ'),
];

/// The single-byte charsets decoded exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SingleByte {
    Latin1,
    Windows1252,
    Latin9,
}

fn single_byte(name: &str) -> Option<SingleByte> {
    let name = name.trim().to_ascii_lowercase().replace('_', "-");
    match name.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "cp819" | "ibm819" => {
            Some(SingleByte::Latin1)
        }
        "windows-1252" | "cp1252" | "x-cp1252" => Some(SingleByte::Windows1252),
        "iso-8859-15" | "iso8859-15" | "latin9" | "latin-9" => Some(SingleByte::Latin9),
        _ => None,
    }
}

fn char_of(set: SingleByte, b: u8) -> char {
    match set {
        SingleByte::Windows1252 if (0x80..0xA0).contains(&b) => {
            WINDOWS_1252_80_9F[usize::from(b - 0x80)]
        }
        SingleByte::Latin9 => ISO_8859_15_CHANGES
            .iter()
            .find(|(at, _)| *at == b)
            .map_or(char::from(b), |(_, c)| *c),
        _ => char::from(b),
    }
}

/// `bytes` read in the charset called `charset` (case-insensitive; `None` or an unknown name
/// reads UTF-8).
pub fn decode(charset: Option<&str>, bytes: &[u8]) -> String {
    if let Some(set) = charset.and_then(single_byte) {
        return bytes.iter().map(|&b| char_of(set, b)).collect();
    }
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(text) = charset.and_then(|name| decode_other(name, bytes)) {
        return text;
    }
    String::from_utf8_lossy(bytes).into_owned()
}

/// Any other charset with a WHATWG label (KOI8-R, ISO-8859-2, Shift_JIS, GB18030, ...);
/// `None` for UTF-8 and US-ASCII (read as UTF-8 above) and names it does not know.
#[cfg(not(target_arch = "wasm32"))]
fn decode_other(name: &str, bytes: &[u8]) -> Option<String> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("us-ascii") || name.eq_ignore_ascii_case("ascii") {
        return None;
    }
    let encoding = encoding_rs::Encoding::for_label(name.as_bytes())?;
    if encoding == encoding_rs::UTF_8 {
        return None;
    }
    Some(encoding.decode_without_bom_handling(bytes).0.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charsets_the_sandbox_sends_decode_exactly() {
        assert_eq!(decode(Some("UTF-8"), "Résumé".as_bytes()), "Résumé");
        assert_eq!(decode(Some("ISO-8859-1"), b"R\xe9sum\xe9"), "Résumé");
        assert_eq!(decode(Some("windows-1252"), b"\x80 \x93x\x94"), "€ “x”");
        assert_eq!(decode(Some("iso-8859-15"), b"\xa4"), "€");
        assert_eq!(decode(Some("iso_8859-1"), b"\xa4"), "¤");
    }

    #[test]
    fn an_unknown_charset_reads_as_utf8_with_marks_for_the_rest() {
        assert_eq!(decode(Some("x-unknown"), b"ab\xffc"), "ab\u{fffd}c");
        assert_eq!(decode(None, "ü".as_bytes()), "ü");
        assert_eq!(decode(Some("us-ascii"), b"a\xe9"), "a\u{fffd}");
    }

    /// The bridge reads every charset WHATWG names (natively only: the page reads these as
    /// UTF-8).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn natively_every_other_charset_too() {
        assert_eq!(
            decode(Some("KOI8-R"), b"\xf0\xd2\xc9\xd7\xc5\xd4"),
            "Привет"
        );
        assert_eq!(decode(Some("iso-8859-2"), b"\xb1"), "ą");
        assert_eq!(decode(Some("Shift_JIS"), b"\x93\xfa\x96\x7b"), "日本");
    }
}
