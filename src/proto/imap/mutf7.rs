//! Modified UTF-7 mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself except
//! `&`, written `&-`; other characters are UTF-16, base64-encoded with `,` for `/`, between
//! `&` and `-`. The store keeps UTF-8 names; the session decodes input and encodes output.
//!
//! [`NameEncoding`] is the one seam names cross: modified UTF-7, or UTF-8 once the client
//! enabled UTF8=ACCEPT (RFC 6855 §3) or IMAP4rev2 (RFC 9051 §5.1).

use super::response::{literal, string};
use std::borrow::Cow;

/// How mailbox names travel on one connection, in both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum NameEncoding {
    /// RFC 3501 §5.1.3.
    #[default]
    ModifiedUtf7,
    /// RFC 6855 §3: names are UTF-8 (a `&` is just a `&`), sent in quoted strings.
    Utf8,
}

impl NameEncoding {
    /// A store name as the client should see it (in texts and in strings).
    pub fn encode(self, name: &str) -> Cow<'_, str> {
        match self {
            NameEncoding::ModifiedUtf7 => Cow::Owned(encode(name)),
            NameEncoding::Utf8 => Cow::Borrowed(name),
        }
    }

    /// A name as the client sent it, or `None` when it is not valid in this encoding.
    pub fn decode(self, raw: &[u8]) -> Option<String> {
        match self {
            NameEncoding::ModifiedUtf7 => decode(raw),
            NameEncoding::Utf8 => std::str::from_utf8(raw).ok().map(str::to_string),
        }
    }

    /// Appends the name as an IMAP string. With UTF-8 names, a quoted string may carry UTF-8
    /// (RFC 6855 §3); a name with a control character still goes as a literal.
    pub fn write(self, out: &mut Vec<u8>, name: &str) {
        match self {
            NameEncoding::ModifiedUtf7 => string(out, encode(name).as_bytes()),
            NameEncoding::Utf8 if name.len() <= 1024 && !name.chars().any(char::is_control) => {
                out.push(b'"');
                for &b in name.as_bytes() {
                    if b == b'"' || b == b'\\' {
                        out.push(b'\\');
                    }
                    out.push(b);
                }
                out.push(b'"');
            }
            NameEncoding::Utf8 => literal(out, name.as_bytes()),
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes a UTF-8 name for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    let flush = |pending: &mut Vec<u16>, out: &mut String| {
        if pending.is_empty() {
            return;
        }
        out.push('&');
        let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
        for chunk in bytes.chunks(3) {
            let n =
                chunk.iter().fold(0u32, |acc, &b| acc << 8 | b as u32) << (8 * (3 - chunk.len()));
            let chars = chunk.len() + 1;
            for k in 0..chars {
                out.push(B64[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
        }
        out.push('-');
        pending.clear();
    };
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut pending, &mut out);
    out
}

/// Decodes a wire name. A name with 8-bit bytes that is valid UTF-8 is taken as it is (RFC 9051
/// clients and people typing by hand send UTF-8). `None` for malformed modified UTF-7.
pub fn decode(wire: &[u8]) -> Option<String> {
    if !wire.is_ascii() {
        return String::from_utf8(wire.to_vec()).ok();
    }
    let mut out = String::with_capacity(wire.len());
    let mut i = 0;
    while i < wire.len() {
        let b = wire[i];
        if b != b'&' {
            out.push(b as char);
            i += 1;
            continue;
        }
        let end = i + 1 + wire[i + 1..].iter().position(|&c| c == b'-')?;
        let run = &wire[i + 1..end];
        i = end + 1;
        if run.is_empty() {
            out.push('&');
            continue;
        }
        let mut bits = 0u32;
        let mut nbits = 0;
        let mut units = Vec::new();
        for &c in run {
            let v = B64.iter().position(|&x| x == c)? as u32;
            bits = bits << 6 | v;
            nbits += 6;
            if nbits >= 16 {
                nbits -= 16;
                units.push((bits >> nbits) as u16);
                bits &= (1 << nbits) - 1;
            }
        }
        if nbits >= 6 || bits != 0 {
            return None;
        }
        let s = String::from_utf16(&units).ok()?;
        // Printable ASCII must not be encoded (RFC 3501 §5.1.3).
        if s.chars().any(|c| (' '..='~').contains(&c)) {
            return None;
        }
        out.push_str(&s);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples_round_trip() {
        let name = "~peter/mail/台北/日本語";
        let wire = "~peter/mail/&U,BTFw-/&ZeVnLIqe-";
        assert_eq!(encode(name), wire);
        assert_eq!(decode(wire.as_bytes()).as_deref(), Some(name));
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode(b"Tom &- Jerry").as_deref(), Some("Tom & Jerry"));
        assert_eq!(encode("Café"), "Caf&AOk-");
        assert_eq!(decode(b"Caf&AOk-").as_deref(), Some("Café"));
        assert_eq!(encode("😀"), "&2D3eAA-");
        assert_eq!(decode(b"&2D3eAA-").as_deref(), Some("😀"));
        assert_eq!(decode("Café".as_bytes()).as_deref(), Some("Café"));
    }

    #[test]
    fn malformed_is_refused() {
        assert_eq!(decode(b"a&b"), None);
        assert_eq!(decode(b"&AGE-"), None, "encoded ASCII");
        assert_eq!(decode(b"&!!-"), None);
    }
}

#[cfg(test)]
mod name_encoding_tests {
    use super::*;

    #[test]
    fn utf8_names_pass_as_they_are_and_go_quoted() {
        let u = NameEncoding::Utf8;
        assert_eq!(u.encode("Tom & Jerry"), "Tom & Jerry");
        assert_eq!(u.decode(b"Tom &- Jerry").as_deref(), Some("Tom &- Jerry"));
        assert_eq!(u.decode(b"\xff"), None);
        let mut out = Vec::new();
        u.write(&mut out, "Caf\u{e9} \"1\"");
        assert_eq!(out, "\"Caf\u{e9} \\\"1\\\"\"".as_bytes());
        let mut out = Vec::new();
        NameEncoding::ModifiedUtf7.write(&mut out, "Caf\u{e9}");
        assert_eq!(out, b"\"Caf&AOk-\"");
    }
}
