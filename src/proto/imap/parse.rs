//! The tokens of the command grammar (RFC 3501 §9), by hand, with readable reasons for every
//! `BAD`: tags, atoms, strings and literals, mailbox names, numbers, sequence sets, flags and
//! dates, and the command's head (tag and name). Each command's own grammar is in its module
//! under [`super::command`].
//!
//! Input is one framed command (see [`super::frame`]): literals sit in place as `{n}\r\n<data>`.

pub use super::command::{
    arguments, Command, FetchAtt, IdParams, ListOptions, Section, SectionText, StatusItem,
    StoreMode,
};
use super::mutf7::NameEncoding;
use super::response::is_atom_char;
use super::sequence::SequenceSet;
use crate::store::{Flag, Flags};
use crate::time::{unix_from_civil, MONTH_NAMES};

/// Reads the grammar's tokens from one command.
#[derive(Clone)]
pub struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    /// How mailbox names are written on this connection.
    names: NameEncoding,
}

pub(super) type R<T> = Result<T, ParseError>;

/// Why a command could not be parsed: the completion it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Malformed: `BAD` with this reason.
    Bad(String),
    /// `SEARCH CHARSET` names a charset we do not have (RFC 3501 §6.4.4): `NO [BADCHARSET]`.
    BadCharset(String),
    /// A well-formed mailbox name that is not valid modified UTF-7 (RFC 3501 §5.1.3): no
    /// mailbox can have it, so `NO`, as for any mailbox that does not exist.
    InvalidName(String),
}

impl ParseError {
    /// The reason in words.
    pub fn text(&self) -> &str {
        match self {
            ParseError::Bad(t) | ParseError::BadCharset(t) | ParseError::InvalidName(t) => t,
        }
    }
}

impl From<String> for ParseError {
    fn from(s: String) -> Self {
        ParseError::Bad(s)
    }
}

impl From<&str> for ParseError {
    fn from(s: &str) -> Self {
        ParseError::Bad(s.to_string())
    }
}

impl<'a> Parser<'a> {
    pub fn new(s: &'a [u8]) -> Self {
        Parser {
            s,
            pos: 0,
            names: NameEncoding::default(),
        }
    }

    /// Reads mailbox names in `names` (UTF-8 after ENABLE UTF8=ACCEPT, RFC 6855 §3).
    pub fn with_names(mut self, names: NameEncoding) -> Self {
        self.names = names;
        self
    }

    /// How this command's mailbox names are written.
    pub fn names(&self) -> NameEncoding {
        self.names
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(super) fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Case-insensitive keyword followed by a non-atom char.
    pub(super) fn eat_word(&mut self, w: &str) -> bool {
        let end = self.pos + w.len();
        if end <= self.s.len()
            && self.s[self.pos..end].eq_ignore_ascii_case(w.as_bytes())
            && !self.s.get(end).is_some_and(|&b| is_atom_char(b))
        {
            self.pos = end;
            true
        } else {
            false
        }
    }

    /// One space before `what`; a readable error naming `what` otherwise.
    pub fn sp(&mut self, what: &str) -> R<()> {
        if self.at_end() {
            return Err(format!("Missing {what}").into());
        }
        if !self.eat(b' ') {
            return Err(format!("Expected a space before {what}").into());
        }
        if self.peek() == Some(b' ') {
            return Err(format!("Too many spaces before {what}").into());
        }
        if self.at_end() {
            return Err(format!("Missing {what}").into());
        }
        Ok(())
    }

    /// Nothing may follow.
    pub fn end(&self) -> R<()> {
        if self.at_end() {
            Ok(())
        } else {
            let rest = String::from_utf8_lossy(&self.s[self.pos..self.s.len().min(self.pos + 40)]);
            Err(format!("Unexpected text at end of command: {}", rest.trim()).into())
        }
    }

    pub(super) fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    /// The tag: ASTRING-CHARs except `+` (RFC 3501 §9 `tag`).
    pub fn tag(&mut self) -> Option<String> {
        let t = self.take_while(|b| (is_atom_char(b) || b == b']') && b != b'+');
        if t.is_empty() {
            return None;
        }
        Some(String::from_utf8_lossy(t).into_owned())
    }

    pub fn atom(&mut self) -> &'a [u8] {
        self.take_while(is_atom_char)
    }

    pub(super) fn quoted(&mut self, what: &str) -> R<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(format!("Unterminated quoted string in {what}").into()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => {
                            return Err(format!(
                                "In {what}: only \\\" and \\\\ may be escaped in a quoted string"
                            )
                            .into())
                        }
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `{n}\r\n<data>` (the framer has checked the size and normalised the line end).
    pub(super) fn literal(&mut self, what: &str) -> R<Vec<u8>> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        let n: usize = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .ok_or_else(|| format!("Invalid literal in {what}"))?;
        self.eat(b'+');
        if !self.eat(b'}') || !self.eat(b'\r') || !self.eat(b'\n') {
            return Err(format!("Invalid literal in {what}").into());
        }
        let data = self
            .s
            .get(self.pos..self.pos + n)
            .ok_or_else(|| format!("Literal too short in {what}"))?
            .to_vec();
        self.pos += n;
        Ok(data)
    }

    /// `string`: quoted or literal.
    pub fn string(&mut self, what: &str) -> R<Vec<u8>> {
        if self.eat(b'"') {
            self.quoted(what)
        } else if self.eat(b'{') {
            self.literal(what)
        } else {
            Err(format!("Expected a quoted string or literal for {what}").into())
        }
    }

    /// `astring`: atom (with `]`), quoted or literal.
    pub fn astring(&mut self, what: &str) -> R<Vec<u8>> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(what),
            _ => {
                // 8-bit bytes are not ATOM-CHARs, but people type `SUBJECT résumé` and
                // `SELECT Café`: take them (as UTF-8) rather than fail.
                let a = self.take_while(|b| is_atom_char(b) || b == b']' || b >= 0x80);
                if a.is_empty() {
                    return Err(format!("Missing {what}").into());
                }
                Ok(a.to_vec())
            }
        }
    }

    pub fn astring_text(&mut self, what: &str) -> R<String> {
        Ok(String::from_utf8_lossy(&self.astring(what)?).into_owned())
    }

    /// A mailbox name, decoded from modified UTF-7 (or UTF-8, see [`NameEncoding`]); `INBOX`
    /// (and an `INBOX/` prefix) in any case means INBOX (RFC 3501 §5.1).
    pub fn mailbox(&mut self, what: &str) -> R<String> {
        let raw = self.astring(what)?;
        let name = self.decode_name(&raw, what)?;
        Ok(match name.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("INBOX/") => format!("INBOX/{}", &name[6..]),
            _ if name.eq_ignore_ascii_case("INBOX") => "INBOX".to_string(),
            _ => name,
        })
    }

    /// `list-mailbox`: list-chars (atom chars plus `%*]`) or a string; `None` when it is
    /// well formed but not a name in the session's encoding (not modified UTF-7, or not UTF-8
    /// after UTF8=ACCEPT). Such a pattern names nothing: LIST answers OK with no match, as
    /// it does for any pattern that matches no mailbox (RFC 3501 §6.3.8).
    pub(super) fn list_mailbox(&mut self, what: &str) -> R<Option<String>> {
        let raw = match self.peek() {
            Some(b'"') | Some(b'{') => self.string(what)?,
            _ => {
                let a = self.take_while(|b| is_atom_char(b) || b"%*]".contains(&b));
                if a.is_empty() {
                    return Err(format!("Missing {what}").into());
                }
                a.to_vec()
            }
        };
        Ok(self.names.decode(&raw))
    }

    fn decode_name(&self, raw: &[u8], what: &str) -> R<String> {
        self.names.decode(raw).ok_or_else(|| {
            let rule = match self.names {
                NameEncoding::ModifiedUtf7 => "not modified UTF-7 (RFC 3501 §5.1.3)",
                NameEncoding::Utf8 => "not UTF-8 (RFC 6855 §3)",
            };
            ParseError::InvalidName(format!(
                "Invalid {what} {:?}: {rule}",
                String::from_utf8_lossy(raw)
            ))
        })
    }

    pub fn number(&mut self, what: &str) -> R<u32> {
        let d = self.take_while(|b| b.is_ascii_digit());
        std::str::from_utf8(d)
            .ok()
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("Expected a number for {what}").into())
    }

    /// A mod-sequence value (RFC 7162 §7: up to 2^63-1).
    pub fn number64(&mut self, what: &str) -> R<u64> {
        let d = self.take_while(|b| b.is_ascii_digit());
        std::str::from_utf8(d)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&n| n < 1 << 63)
            .ok_or_else(|| format!("Expected a mod-sequence number for {what}").into())
    }

    /// ` (NAME n)`: a CONDSTORE command modifier (RFC 7162 §3.1.3, §3.1.4.1), or nothing.
    pub fn modseq_modifier(&mut self, name: &str) -> R<Option<u64>> {
        let start = self.pos;
        if !(self.eat(b' ') && self.eat(b'(') && self.eat_word(name)) {
            self.pos = start;
            return Ok(None);
        }
        self.sp(&format!("mod-sequence after {name}"))?;
        let n = self.number64(name)?;
        if !self.eat(b')') {
            return Err(format!("Expected ) after {name} {n}").into());
        }
        Ok(Some(n))
    }

    /// A sequence set, or `$` for the saved search result (RFC 5182 §2.1).
    pub fn sequence_set(&mut self, what: &str) -> R<SequenceSet> {
        if self.eat(b'$') {
            return Ok(SequenceSet::saved());
        }
        let t = self.take_while(|b| b.is_ascii_digit() || b"*:,".contains(&b));
        if t.is_empty() {
            return Err(format!("Missing {what}").into());
        }
        if self.peek().is_some_and(|b| b != b' ' && b != b')') {
            return Err(
                format!("Invalid {what}: use numbers, ranges like 1:5, commas and *").into(),
            );
        }
        Ok(SequenceSet::parse(t)?)
    }

    /// A flag: `\Seen` etc. or a keyword atom. `\Recent` is read and dropped (clients cannot
    /// set it, RFC 3501 §2.3.2); unknown `\Flags` are refused.
    pub(super) fn flag_into(&mut self, flags: &mut Flags) -> R<()> {
        let backslash = self.eat(b'\\');
        let name = self.atom();
        if name.is_empty() {
            return Err("Expected a flag like \\Seen or a keyword".into());
        }
        let name = String::from_utf8_lossy(name);
        if backslash {
            if name.eq_ignore_ascii_case("Recent") {
                return Ok(());
            }
            let f = Flag::from_imap(&format!("\\{name}")).ok_or_else(|| {
                format!("Unknown system flag \\{name} (use \\Seen \\Answered \\Flagged \\Deleted \\Draft, or a keyword without \\)")
            })?;
            flags.insert(f);
        } else {
            // `flag-keyword` is an atom (RFC 3501 §9), and so is NIL here: a keyword.
            flags.insert_keyword(&name);
        }
        Ok(())
    }

    /// `flag-list`: `(flag *(SP flag))`.
    pub(super) fn flag_list(&mut self) -> R<Flags> {
        let mut flags = Flags::new();
        if !self.eat(b'(') {
            return Err("Expected a flag list in parentheses".into());
        }
        if self.eat(b')') {
            return Ok(flags);
        }
        loop {
            self.flag_into(&mut flags)?;
            if self.eat(b')') {
                return Ok(flags);
            }
            if !self.eat(b' ') {
                return Err("Expected a space or ) in the flag list".into());
            }
        }
    }

    /// `date` for SEARCH: `d-Mon-yyyy`, maybe quoted. Unix seconds at 00:00 UTC.
    pub(super) fn date(&mut self, what: &str) -> R<i64> {
        let quoted = self.eat(b'"');
        let t = self.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
        if quoted && !self.eat(b'"') {
            return Err(format!("Unterminated date for {what}").into());
        }
        parse_date(t).ok_or_else(|| {
            format!(
                "Invalid date {:?} for {what}: use day-Mon-year, e.g. 1-Feb-2026",
                String::from_utf8_lossy(t)
            )
            .into()
        })
    }

    /// `date-time` for APPEND: `"dd-Mon-yyyy hh:mm:ss +zzzz"`.
    pub(super) fn date_time(&mut self) -> R<i64> {
        let raw = self.string("date-time")?;
        parse_date_time(&raw).ok_or_else(|| {
            format!(
                "Invalid date-time {:?}: use \"02-Nov-2026 09:00:00 +0000\"",
                String::from_utf8_lossy(&raw)
            )
            .into()
        })
    }
}

/// `d-Mon-yyyy` to unix seconds at 00:00 UTC.
pub fn parse_date(t: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(t).ok()?;
    let mut it = t.split('-');
    let day: u32 = it.next()?.trim().parse().ok()?;
    let mon = it.next()?;
    let year: i64 = it.next()?.parse().ok()?;
    if it.next().is_some() || !(1..=31).contains(&day) || !(1..=9999).contains(&year) {
        return None;
    }
    let m = MONTH_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(mon))? as u32
        + 1;
    Some(unix_from_civil(year, m, day))
}

/// `dd-Mon-yyyy hh:mm:ss +zzzz` (day may be space-padded) to unix seconds.
pub fn parse_date_time(raw: &[u8]) -> Option<i64> {
    let t = std::str::from_utf8(raw).ok()?.trim_start();
    let mut parts = t.split(' ');
    let date = parse_date(parts.next()?.as_bytes())?;
    let time = parts.next()?;
    let zone = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let hms: Vec<i64> = time
        .split(':')
        .map(|x| x.parse().ok().filter(|_| x.len() == 2))
        .collect::<Option<_>>()?;
    if hms.len() != 3 || hms[0] > 23 || hms[1] > 59 || hms[2] > 60 {
        return None;
    }
    let (sign, z) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if z.len() != 4 || !z.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let zh: i64 = z[..2].parse().ok()?;
    let zm: i64 = z[2..].parse().ok()?;
    Some(date + hms[0] * 3600 + hms[1] * 60 + hms[2] - sign * (zh * 3600 + zm * 60))
}

/// The tag and command name of a command, for the state check before the arguments.
pub fn head(cmd: &[u8]) -> Result<(String, String, Parser<'_>), (Option<String>, String)> {
    let mut p = Parser::new(cmd);
    let Some(tag) = p.tag() else {
        return Err((
            None,
            if cmd.is_empty() {
                "Empty command line: expected a tag and a command, e.g. a1 CAPABILITY".into()
            } else {
                "Missing tag: commands start with a tag, e.g. a1 NOOP".into()
            },
        ));
    };
    if p.sp("command name").is_err() {
        return Err((
            Some(tag),
            "Missing command after the tag, e.g. a1 CAPABILITY".into(),
        ));
    }
    let name = p.atom();
    if name.is_empty() {
        return Err((Some(tag), "Missing command name".into()));
    }
    let mut name = String::from_utf8_lossy(name).to_ascii_uppercase();
    if name == "UID" {
        p.sp("command after UID (FETCH, STORE, SEARCH, COPY, MOVE or EXPUNGE)")
            .map_err(|e| (Some(tag.clone()), e.text().to_string()))?;
        let sub = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
        name = format!("UID {sub}");
    }
    Ok((tag, name, p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::imap::command::AppendData;
    use crate::proto::imap::search::SearchKey;

    fn parse(line: &str) -> Result<(String, Command), String> {
        let (tag, name, mut p) = head(line.as_bytes()).map_err(|(_, e)| e)?;
        let cmd = arguments(&name, &mut p).map_err(|e| e.text().to_string())?;
        Ok((tag, cmd))
    }

    #[test]
    fn login_takes_atoms_quoted_strings_and_literals() {
        let want = Command::Login {
            user: "bo\"ss".into(),
            password: "p w".into(),
        };
        assert_eq!(
            parse("a1 LOGIN \"bo\\\"ss\" {3}\r\np w").unwrap(),
            ("a1".into(), want)
        );
        assert_eq!(
            parse("a1 login boss pw").unwrap().1,
            Command::Login {
                user: "boss".into(),
                password: "pw".into()
            }
        );
    }

    #[test]
    fn readable_errors() {
        assert_eq!(
            parse("a SELECT").unwrap_err(),
            "Missing mailbox name after SELECT"
        );
        assert_eq!(parse("a FROB").unwrap_err(), "Unknown command FROB");
        assert_eq!(
            parse("a NOOP now").unwrap_err(),
            "Unexpected text at end of command: now"
        );
        assert!(parse("a FETCH 1 (FLAGS").is_err());
        assert!(parse("a FETCH 1 BODY[1.TXT]").is_err());
        assert!(parse("a STORE 1 +FLAGS (\\Bogus)")
            .unwrap_err()
            .contains("Unknown system flag"));
        assert!(head(b"").is_err());
        assert!(head(b"+ x").is_err());
    }

    #[test]
    fn fetch_items_and_sections() {
        let (_, c) =
            parse("a UID FETCH 1:* (UID BODY.PEEK[1.2.HEADER.FIELDS (From \"X-A\")]<0.10> FLAGS)")
                .unwrap();
        let Command::Fetch { uid, items, .. } = c else {
            panic!("not fetch")
        };
        assert!(uid);
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[1],
            FetchAtt::Section {
                section: Section {
                    path: vec![1, 2],
                    text: Some(SectionText::Fields {
                        names: vec!["From".into(), "X-A".into()],
                        not: false
                    })
                },
                partial: Some((0, 10)),
                peek: true
            }
        );
        let (_, c) = parse("a FETCH 2 FULL").unwrap();
        assert!(matches!(c, Command::Fetch { items, .. } if items.len() == 5));
    }

    #[test]
    fn append_store_search() {
        let (_, c) =
            parse("a APPEND Sent (\\Seen $Work) \" 2-Nov-2026 10:00:00 +0100\" {5}\r\nhello")
                .unwrap();
        let Command::Append { messages, .. } = c else {
            panic!()
        };
        let [m] = &messages[..] else { panic!() };
        assert_eq!(m.flags.to_imap(), "\\Seen $Work");
        assert_eq!(m.date, Some(1_793_610_000));
        assert_eq!(m.data, AppendData::Literal(b"hello".to_vec()));
        let (_, c) = parse("a STORE 1:2 -FLAGS.SILENT \\Deleted \\Seen").unwrap();
        assert!(matches!(
            c,
            Command::Store {
                mode: StoreMode::Remove,
                silent: true,
                ..
            }
        ));
        let (_, c) =
            parse("a SEARCH CHARSET UTF-8 OR (FROM bob UNSEEN) NOT 1:3 SINCE 1-Feb-2026").unwrap();
        assert!(matches!(c, Command::Search { key: SearchKey::And(k), .. } if k.len() == 2));
        let (_, name, mut p) = head(b"a SEARCH CHARSET KOI8-R ALL").unwrap();
        assert!(matches!(
            arguments(&name, &mut p),
            Err(ParseError::BadCharset(_))
        ));
    }
}
