//! A small reader of IMAP responses for the client: atoms, strings (quoted or literal), NIL
//! and parenthesised lists (RFC 3501 §4, §9), plus quoting for commands. Responses come framed
//! by [`crate::proto::imap::frame::Framer`], literals inline as `{n}\r\n<data>`.

/// A token of an IMAP response: atoms, strings (quoted or literal), NIL and lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Atom(String),
    Str(Vec<u8>),
    Nil,
    List(Vec<Tok>),
}

impl Tok {
    pub fn text(&self) -> String {
        match self {
            Tok::Atom(a) => a.clone(),
            Tok::Str(s) => String::from_utf8_lossy(s).to_string(),
            Tok::Nil => String::new(),
            Tok::List(_) => String::new(),
        }
    }
}

/// Parses an IMAP response (without the CRLF at its end) into tokens.
pub fn tokenize(bytes: &[u8]) -> Vec<Tok> {
    let mut pos = 0;
    parse_list(bytes, &mut pos, 0)
}

fn parse_list(b: &[u8], pos: &mut usize, depth: usize) -> Vec<Tok> {
    let mut out = Vec::new();
    while *pos < b.len() {
        match b[*pos] {
            b' ' | b'\r' | b'\n' => *pos += 1,
            b')' => {
                *pos += 1;
                if depth > 0 {
                    return out;
                }
            }
            b'(' => {
                *pos += 1;
                if depth < 32 {
                    out.push(Tok::List(parse_list(b, pos, depth + 1)));
                }
            }
            b'"' => {
                *pos += 1;
                let mut s = Vec::new();
                while *pos < b.len() && b[*pos] != b'"' {
                    if b[*pos] == b'\\' && *pos + 1 < b.len() {
                        *pos += 1;
                    }
                    s.push(b[*pos]);
                    *pos += 1;
                }
                *pos += 1;
                out.push(Tok::Str(s));
            }
            b'{' => {
                let close = b[*pos..].iter().position(|&c| c == b'}');
                let n = close.and_then(|c| {
                    let d = &b[*pos + 1..*pos + c];
                    let d = d.strip_suffix(b"+").unwrap_or(d);
                    std::str::from_utf8(d).ok()?.parse::<usize>().ok()
                });
                match (close, n) {
                    (Some(c), Some(n)) => {
                        let start = (*pos + c + 3).min(b.len());
                        let end = start.saturating_add(n).min(b.len());
                        out.push(Tok::Str(b[start..end].to_vec()));
                        *pos = end;
                    }
                    _ => {
                        *pos += 1;
                    }
                }
            }
            _ => {
                let start = *pos;
                let mut bracket = 0;
                while *pos < b.len() {
                    let c = b[*pos];
                    if c == b'[' {
                        bracket += 1;
                    } else if c == b']' {
                        bracket -= 1;
                    } else if bracket <= 0 && matches!(c, b' ' | b'(' | b')') {
                        break;
                    }
                    *pos += 1;
                }
                let atom = String::from_utf8_lossy(&b[start..*pos]).to_string();
                if atom.eq_ignore_ascii_case("NIL") {
                    out.push(Tok::Nil);
                } else {
                    out.push(Tok::Atom(atom));
                }
            }
        }
    }
    out
}

/// Quotes a string for an IMAP command (RFC 3501 quoted string).
pub fn imap_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::imap::frame::literal_announcement;

    #[test]
    fn imap_tokens_with_literals_and_brackets() {
        let toks = tokenize(b"* 2 FETCH (UID 7 FLAGS (\\Seen) BODY[] {5}\r\nab)cd)");
        assert_eq!(toks[2], Tok::Atom("FETCH".into()));
        let Tok::List(items) = &toks[3] else { panic!() };
        assert_eq!(items[1], Tok::Atom("7".into()));
        assert_eq!(items[3], Tok::List(vec![Tok::Atom("\\Seen".into())]));
        assert_eq!(items[4], Tok::Atom("BODY[]".into()));
        assert_eq!(items[5], Tok::Str(b"ab)cd".to_vec()));
        let toks = tokenize(b"* LIST (\\HasNoChildren) \"/\" \"Sent \\\"x\\\"\"");
        assert_eq!(toks[4].text(), "Sent \"x\"");
        let size = |l: &[u8]| literal_announcement(l).map(|(n, _)| n);
        assert_eq!(size(b"a1 APPEND x {12}"), Some(12));
        assert_eq!(size(b"* 1 FETCH (BODY[] {3+}"), Some(3));
        assert_eq!(size(b"{x}"), None);
    }

    #[test]
    fn quoting_escapes_quotes_and_backslashes() {
        assert_eq!(imap_quote("Sent \"x\" \\"), "\"Sent \\\"x\\\" \\\\\"");
    }
}
