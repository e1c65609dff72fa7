//! Modified UTF-7 mailbox names (RFC 3501 §5.1.3): printable ASCII stands for itself except
//! `&`, written `&-`; other characters are UTF-16, base64-encoded with `,` for `/`, between
//! `&` and `-`. The store keeps UTF-8 names; the session decodes input and encodes output.

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
