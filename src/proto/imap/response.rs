//! Writing response data (RFC 3501 §4, §9): atoms, quoted strings, literals, NIL, lists.
//!
//! A string goes out quoted (with `\` and `"` escaped) when it is short 7-bit text without
//! CR/LF/NUL, otherwise as a literal `{n}\r\n<bytes>` (RFC 3501 §4.3).

/// Appends an IMAP `string`: quoted when possible, else a literal.
/// True when a response text (without its tag) is `BYE`, which is always sent untagged and
/// ends the session (RFC 3501 §7.1.5).
pub fn is_bye(text: &str) -> bool {
    text.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("BYE"))
}

/// True when a server response ends the session: `BYE` (RFC 3501 §7.1.5), or a greeting
/// other than `OK` (RFC 3501 §7.1.1).
pub fn reply_closes_session(text: &str, greeting: bool) -> bool {
    is_bye(text) || greeting && !text.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("OK"))
}

pub fn string(out: &mut Vec<u8>, s: &[u8]) {
    let quotable = s.len() <= 1024
        && s.iter()
            .all(|&b| (0x01..0x80).contains(&b) && b != b'\r' && b != b'\n');
    if quotable {
        out.push(b'"');
        for &b in s {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        literal(out, s);
    }
}

/// Appends a literal.
pub fn literal(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("{{{}}}\r\n", s.len()).as_bytes());
    out.extend_from_slice(s);
}

/// Appends an `nstring`: the string or `NIL`.
pub fn nstring(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        Some(s) => string(out, s),
        None => out.extend_from_slice(b"NIL"),
    }
}

/// True when `s` can be sent as an atom (RFC 3501 §9 `ATOM-CHAR`).
pub fn is_atom(s: &[u8]) -> bool {
    !s.is_empty() && s.iter().all(|&b| is_atom_char(b))
}

/// `ATOM-CHAR`: any CHAR except atom-specials (`(){ %*"\]`, controls, space).
pub fn is_atom_char(b: u8) -> bool {
    (0x21..0x7f).contains(&b) && !b"(){%*\"\\]".contains(&b)
}

/// Appends an `astring`: an atom when possible, else a string.
pub fn astring(out: &mut Vec<u8>, s: &[u8]) {
    if is_atom(s) {
        out.extend_from_slice(s);
    } else {
        string(out, s);
    }
}

/// Formats a set of numbers as a compact sequence set, e.g. `1:3,7` (for COPYUID, APPENDUID).
pub fn compact_set(nums: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < nums.len() {
        let start = nums[i];
        let mut end = start;
        while i + 1 < nums.len() && nums[i + 1] == end.wrapping_add(1) {
            i += 1;
            end = nums[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl Fn(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8_lossy(&v).into_owned()
    }

    #[test]
    fn strings_are_quoted_escaped_or_literal() {
        assert_eq!(s(|o| string(o, b"a \"b\" \\c")), r#""a \"b\" \\c""#);
        assert_eq!(s(|o| string(o, "é".as_bytes())), "{2}\r\né");
        assert_eq!(s(|o| string(o, b"a\r\nb")), "{4}\r\na\r\nb");
        assert_eq!(s(|o| nstring(o, None)), "NIL");
        assert_eq!(s(|o| astring(o, b"INBOX")), "INBOX");
        assert_eq!(s(|o| astring(o, b"My Box")), "\"My Box\"");
        assert_eq!(s(|o| astring(o, b"")), "\"\"");
    }

    #[test]
    fn sets_are_compacted() {
        assert_eq!(compact_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(compact_set(&[]), "");
    }
}
