//! The command grammar (RFC 3501 §6, §9; RFC 2177 IDLE, RFC 2971 ID, RFC 4959 SASL-IR,
//! RFC 5161 ENABLE, RFC 2342 NAMESPACE, RFC 3691 UNSELECT, RFC 6851 MOVE, RFC 4315 UID
//! EXPUNGE), by hand, with readable reasons for every `BAD`.
//!
//! Input is one framed command (see [`super::frame`]): literals sit in place as `{n}\r\n<data>`.

use super::mutf7;
use super::response::is_atom_char;
use super::search::SearchKey;
use super::sequence::SequenceSet;
use crate::store::{Flag, Flags};
use crate::time::{unix_from_civil, MONTH_NAMES};

/// A parsed command (without its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capability,
    Noop,
    Logout,
    /// RFC 2971: the client's parameters, or `None` for `NIL`.
    Id(Option<IdParams>),
    Enable(Vec<String>),
    Starttls,
    Login {
        user: String,
        password: String,
    },
    Authenticate {
        mechanism: String,
        /// SASL-IR initial response (RFC 4959), base64 (`=` for empty).
        initial: Option<Vec<u8>>,
    },
    Select {
        mailbox: String,
        read_only: bool,
    },
    Create(String),
    Delete(String),
    Rename(String, String),
    Subscribe(String),
    Unsubscribe(String),
    /// LIST or LSUB; LIST may carry RFC 5258 options and several patterns.
    List {
        reference: String,
        patterns: Vec<String>,
        lsub: bool,
        options: ListOptions,
    },
    Namespace,
    Status {
        mailbox: String,
        items: Vec<StatusItem>,
    },
    Append {
        mailbox: String,
        flags: Flags,
        date: Option<i64>,
        message: Vec<u8>,
    },
    Idle,
    Check,
    Close,
    Unselect,
    Expunge {
        /// `UID EXPUNGE set` (RFC 4315 §2.1).
        uids: Option<SequenceSet>,
    },
    Search {
        uid: bool,
        key: SearchKey,
    },
    Fetch {
        uid: bool,
        set: SequenceSet,
        items: Vec<FetchAtt>,
    },
    Store {
        uid: bool,
        set: SequenceSet,
        mode: StoreMode,
        silent: bool,
        flags: Flags,
    },
    Copy {
        uid: bool,
        set: SequenceSet,
        mailbox: String,
        /// MOVE (RFC 6851) rather than COPY.
        moving: bool,
    },
}

/// ID field names and values (RFC 2971 §3.3).
pub type IdParams = Vec<(String, Option<String>)>;

/// LIST-EXTENDED selection and return options (RFC 5258 §3, RFC 6154 §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ListOptions {
    /// The extended syntax was used: report `\NonExistent` rather than `\Noselect`.
    pub extended: bool,
    /// `(SUBSCRIBED)`: only subscribed names.
    pub select_subscribed: bool,
    /// `(SPECIAL-USE)`: only mailboxes with a special use.
    pub select_special_use: bool,
    /// `RETURN (SUBSCRIBED)`: mark subscribed names `\Subscribed`.
    pub return_subscribed: bool,
    /// `(SUBSCRIBED RECURSIVEMATCH)`: also parents of subscribed names, with CHILDINFO.
    pub recursive_match: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    Replace,
    Add,
    Remove,
}

/// A FETCH data item (RFC 3501 §6.4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAtt {
    Flags,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    Rfc822Size,
    Envelope,
    /// `BODY` without a section: the non-extensible BODYSTRUCTURE.
    Body,
    BodyStructure,
    Uid,
    Section {
        section: Section,
        partial: Option<(u32, u32)>,
        peek: bool,
    },
}

/// `section` (RFC 3501 §6.4.5): a part path and what of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub path: Vec<u32>,
    pub text: Option<SectionText>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    Header,
    /// Field names as the client wrote them; `not` for HEADER.FIELDS.NOT.
    Fields {
        names: Vec<String>,
        not: bool,
    },
    Text,
    Mime,
}

/// Reads the grammar's tokens from one command.
pub struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

type R<T> = Result<T, ParseError>;

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
        Parser { s, pos: 0 }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Case-insensitive keyword followed by a non-atom char.
    fn eat_word(&mut self, w: &str) -> bool {
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

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
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

    fn quoted(&mut self, what: &str) -> R<Vec<u8>> {
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
    fn literal(&mut self, what: &str) -> R<Vec<u8>> {
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

    /// A mailbox name, decoded from modified UTF-7; `INBOX` (and an `INBOX/` prefix) in any
    /// case means INBOX (RFC 3501 §5.1).
    pub fn mailbox(&mut self, what: &str) -> R<String> {
        let raw = self.astring(what)?;
        let name = mutf7::decode(&raw).ok_or_else(|| {
            ParseError::InvalidName(format!(
                "Invalid {what} {:?}: not modified UTF-7 (RFC 3501 §5.1.3)",
                String::from_utf8_lossy(&raw)
            ))
        })?;
        Ok(match name.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("INBOX/") => format!("INBOX/{}", &name[6..]),
            _ if name.eq_ignore_ascii_case("INBOX") => "INBOX".to_string(),
            _ => name,
        })
    }

    /// `list-mailbox`: list-chars (atom chars plus `%*]`) or a string.
    fn list_mailbox(&mut self, what: &str) -> R<String> {
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
        mutf7::decode(&raw).ok_or_else(|| {
            ParseError::InvalidName(format!(
                "Invalid mailbox pattern {:?}: not modified UTF-7 (RFC 3501 §5.1.3)",
                String::from_utf8_lossy(&raw)
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

    pub fn sequence_set(&mut self, what: &str) -> R<SequenceSet> {
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
    fn flag_into(&mut self, flags: &mut Flags) -> R<()> {
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
        } else if name.eq_ignore_ascii_case("NIL") {
            // `flag-keyword` is an atom, and NIL is no atom (RFC 3501 §9).
            return Err("NIL is not a flag: use () for no flags".into());
        } else {
            flags.insert_keyword(&name);
        }
        Ok(())
    }

    /// `flag-list`: `(flag *(SP flag))`.
    fn flag_list(&mut self) -> R<Flags> {
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
    fn date(&mut self, what: &str) -> R<i64> {
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
    fn date_time(&mut self) -> R<i64> {
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

/// Parses the arguments of command `name` (upper case, from [`head`]).
pub fn arguments(name: &str, p: &mut Parser<'_>) -> R<Command> {
    let cmd = match name {
        "CAPABILITY" => Command::Capability,
        "NOOP" => Command::Noop,
        "LOGOUT" => Command::Logout,
        "STARTTLS" => Command::Starttls,
        "NAMESPACE" => Command::Namespace,
        "IDLE" => Command::Idle,
        "CHECK" => Command::Check,
        "CLOSE" => Command::Close,
        "UNSELECT" => Command::Unselect,
        "EXPUNGE" => Command::Expunge { uids: None },
        "UID EXPUNGE" => {
            p.sp("UID set after UID EXPUNGE")?;
            Command::Expunge {
                uids: Some(p.sequence_set("UID set after UID EXPUNGE")?),
            }
        }
        "ID" => {
            p.sp("parameter list or NIL after ID")?;
            Command::Id(id_params(p)?)
        }
        "ENABLE" => {
            let mut caps = Vec::new();
            p.sp("capability name after ENABLE")?;
            loop {
                let a = p.atom();
                if a.is_empty() {
                    return Err("Expected a capability name after ENABLE".into());
                }
                caps.push(String::from_utf8_lossy(a).to_ascii_uppercase());
                if p.at_end() {
                    break;
                }
                p.sp("capability name")?;
            }
            Command::Enable(caps)
        }
        "LOGIN" => {
            p.sp("user name after LOGIN")?;
            let user = p.astring_text("user name after LOGIN")?;
            p.sp("password after the user name")?;
            let password = p.astring_text("password after the user name")?;
            Command::Login { user, password }
        }
        "AUTHENTICATE" => {
            p.sp("mechanism after AUTHENTICATE (e.g. PLAIN)")?;
            let mechanism = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
            if mechanism.is_empty() {
                return Err("Missing mechanism after AUTHENTICATE (e.g. PLAIN)".into());
            }
            let initial = if p.at_end() {
                None
            } else {
                p.sp("initial response")?;
                Some(
                    p.take_while(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
                        .to_vec(),
                )
            };
            Command::Authenticate { mechanism, initial }
        }
        "SELECT" | "EXAMINE" => {
            let what = format!("mailbox name after {name}");
            p.sp(&what)?;
            Command::Select {
                mailbox: p.mailbox(&what)?,
                read_only: name == "EXAMINE",
            }
        }
        "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE" => {
            let what = format!("mailbox name after {name}");
            p.sp(&what)?;
            let m = p.mailbox(&what)?;
            match name {
                "CREATE" => Command::Create(m),
                "DELETE" => Command::Delete(m),
                "SUBSCRIBE" => Command::Subscribe(m),
                _ => Command::Unsubscribe(m),
            }
        }
        "RENAME" => {
            p.sp("existing mailbox name after RENAME")?;
            let from = p.mailbox("existing mailbox name after RENAME")?;
            p.sp("new mailbox name")?;
            let to = p.mailbox("new mailbox name")?;
            Command::Rename(from, to)
        }
        "LIST" | "LSUB" => {
            let what = format!("reference name after {name} (often \"\")");
            p.sp(&what)?;
            let mut options = ListOptions::default();
            if name == "LIST" && p.peek() == Some(b'(') {
                options.extended = true;
                let mut recursive = false;
                for opt in option_list(p, "selection option")? {
                    match opt.as_str() {
                        "SUBSCRIBED" => {
                            options.select_subscribed = true;
                            options.return_subscribed = true;
                        }
                        "SPECIAL-USE" => options.select_special_use = true,
                        "REMOTE" => {}
                        "RECURSIVEMATCH" => recursive = true,
                        other => return Err(format!("Unknown LIST selection option {other} (use SUBSCRIBED, SPECIAL-USE, REMOTE or RECURSIVEMATCH)").into()),
                    }
                }
                if recursive && !options.select_subscribed {
                    return Err("RECURSIVEMATCH needs another selection option, e.g. (SUBSCRIBED RECURSIVEMATCH)".into());
                }
                options.recursive_match = recursive;
                p.sp(&what)?;
            }
            let reference = p.mailbox(&what)?;
            let pat = "mailbox pattern (e.g. \"*\")";
            p.sp(pat)?;
            let mut patterns = Vec::new();
            if name == "LIST" && p.eat(b'(') {
                options.extended = true;
                loop {
                    patterns.push(p.list_mailbox(pat)?);
                    if p.eat(b')') {
                        break;
                    }
                    if !p.eat(b' ') {
                        return Err("Expected a space or ) in the pattern list".into());
                    }
                }
            } else {
                patterns.push(p.list_mailbox(pat)?);
            }
            if name == "LIST" && !p.at_end() {
                p.sp("RETURN options")?;
                if !p.eat_word("RETURN") {
                    return Err("Expected RETURN (...) after the LIST pattern".into());
                }
                options.extended = true;
                p.sp("return options, e.g. (SUBSCRIBED CHILDREN)")?;
                for opt in option_list(p, "return option")? {
                    match opt.as_str() {
                        "SUBSCRIBED" => options.return_subscribed = true,
                        "CHILDREN" | "SPECIAL-USE" => {}
                        other => return Err(format!("Unknown LIST return option {other} (use SUBSCRIBED, CHILDREN or SPECIAL-USE)").into()),
                    }
                }
            }
            Command::List {
                reference,
                patterns,
                lsub: name == "LSUB",
                options,
            }
        }
        "STATUS" => {
            p.sp("mailbox name after STATUS")?;
            let mailbox = p.mailbox("mailbox name after STATUS")?;
            p.sp("status items, e.g. (MESSAGES UNSEEN)")?;
            if !p.eat(b'(') {
                return Err("Status items must be in parentheses, e.g. (MESSAGES UNSEEN)".into());
            }
            let mut items = Vec::new();
            loop {
                let a = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
                items.push(match a.as_str() {
                    "MESSAGES" => StatusItem::Messages,
                    "RECENT" => StatusItem::Recent,
                    "UIDNEXT" => StatusItem::UidNext,
                    "UIDVALIDITY" => StatusItem::UidValidity,
                    "UNSEEN" => StatusItem::Unseen,
                    "" => return Err("Expected a status item (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)".into()),
                    other => return Err(format!("Unknown status item {other} (use MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)").into()),
                });
                if p.eat(b')') {
                    break;
                }
                if !p.eat(b' ') {
                    return Err("Expected a space or ) in the status item list".into());
                }
            }
            Command::Status { mailbox, items }
        }
        "APPEND" => {
            p.sp("mailbox name after APPEND")?;
            let mailbox = p.mailbox("mailbox name after APPEND")?;
            p.sp("message literal")?;
            let mut flags = Flags::new();
            if p.peek() == Some(b'(') {
                flags = p.flag_list()?;
                p.sp("message literal")?;
            }
            let mut date = None;
            if p.peek() == Some(b'"') {
                date = Some(p.date_time()?);
                p.sp("message literal")?;
            }
            let message = p.string("the message (a literal like {310})")?;
            Command::Append {
                mailbox,
                flags,
                date,
                message,
            }
        }
        "SEARCH" | "UID SEARCH" => {
            p.sp("search criteria after SEARCH (e.g. ALL)")?;
            let mut utf8_ok = true;
            if p.eat_word("CHARSET") {
                p.sp("charset name")?;
                let cs = p.astring_text("charset name")?;
                utf8_ok = cs.eq_ignore_ascii_case("UTF-8") || cs.eq_ignore_ascii_case("US-ASCII");
                if !utf8_ok {
                    return Err(ParseError::BadCharset(format!("Unsupported charset {cs}")));
                }
                p.sp("search criteria")?;
            }
            let _ = utf8_ok;
            let mut keys = Vec::new();
            loop {
                keys.push(search_key(p, 0)?);
                if p.at_end() {
                    break;
                }
                p.sp("search key")?;
            }
            Command::Search {
                uid: name == "UID SEARCH",
                key: if keys.len() == 1 {
                    keys.pop().unwrap_or(SearchKey::All)
                } else {
                    SearchKey::And(keys)
                },
            }
        }
        "FETCH" | "UID FETCH" => {
            p.sp(&format!("message set after {name}"))?;
            let set = p.sequence_set("message set")?;
            p.sp("fetch items, e.g. (FLAGS UID) or ALL")?;
            Command::Fetch {
                uid: name == "UID FETCH",
                set,
                items: fetch_items(p)?,
            }
        }
        "STORE" | "UID STORE" => {
            p.sp(&format!("message set after {name}"))?;
            let set = p.sequence_set("message set")?;
            p.sp("FLAGS, +FLAGS or -FLAGS")?;
            let mode = if p.eat(b'+') {
                StoreMode::Add
            } else if p.eat(b'-') {
                StoreMode::Remove
            } else {
                StoreMode::Replace
            };
            let item = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
            let silent = match item.as_str() {
                "FLAGS" => false,
                "FLAGS.SILENT" => true,
                _ => return Err(
                    "Expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT) after the message set"
                        .into(),
                ),
            };
            p.sp("flags, e.g. (\\Seen)")?;
            let flags = if p.peek() == Some(b'(') {
                p.flag_list()?
            } else {
                let mut f = Flags::new();
                loop {
                    p.flag_into(&mut f)?;
                    if p.at_end() {
                        break;
                    }
                    p.sp("flag")?;
                }
                f
            };
            Command::Store {
                uid: name == "UID STORE",
                set,
                mode,
                silent,
                flags,
            }
        }
        "COPY" | "UID COPY" | "MOVE" | "UID MOVE" => {
            p.sp(&format!("message set after {name}"))?;
            let set = p.sequence_set("message set")?;
            p.sp("destination mailbox name")?;
            Command::Copy {
                uid: name.starts_with("UID"),
                set,
                mailbox: p.mailbox("destination mailbox name")?,
                moving: name.ends_with("MOVE"),
            }
        }
        other => {
            return Err(ParseError::Bad(
                if let Some(sub) = other.strip_prefix("UID ") {
                    if sub.is_empty() {
                        "Missing command after UID (FETCH, STORE, SEARCH, COPY, MOVE or EXPUNGE)"
                            .into()
                    } else {
                        format!("UID {sub} is not a command: UID goes with FETCH, STORE, SEARCH, COPY, MOVE or EXPUNGE")
                    }
                } else {
                    format!("Unknown command {other}")
                },
            ))
        }
    };
    p.end()?;
    Ok(cmd)
}

/// `(OPT OPT ...)` of atoms, upper-cased (RFC 5258 option lists).
fn option_list(p: &mut Parser<'_>, what: &str) -> R<Vec<String>> {
    if !p.eat(b'(') {
        return Err(format!("Expected a {what} list in parentheses").into());
    }
    let mut out = Vec::new();
    if p.eat(b')') {
        return Ok(out);
    }
    loop {
        let a = p.atom();
        if a.is_empty() {
            return Err(format!("Expected a {what}").into());
        }
        out.push(String::from_utf8_lossy(a).to_ascii_uppercase());
        if p.eat(b')') {
            return Ok(out);
        }
        if !p.eat(b' ') {
            return Err(format!("Expected a space or ) in the {what} list").into());
        }
    }
}

fn id_params(p: &mut Parser<'_>) -> R<Option<IdParams>> {
    if p.eat_word("NIL") {
        return Ok(None);
    }
    if !p.eat(b'(') {
        return Err("ID takes NIL or a list like (\"name\" \"my client\")".into());
    }
    let mut out = Vec::new();
    if p.eat(b')') {
        return Ok(Some(out));
    }
    loop {
        let k = String::from_utf8_lossy(&p.string("ID field name")?).into_owned();
        p.sp("ID field value")?;
        let v = if p.eat_word("NIL") {
            None
        } else {
            Some(String::from_utf8_lossy(&p.string("ID field value")?).into_owned())
        };
        if out.len() < 30 {
            out.push((k, v));
        }
        if p.eat(b')') {
            return Ok(Some(out));
        }
        p.sp("next ID field")?;
    }
}

/// `fetch-att` list or macro (RFC 3501 §6.4.5).
fn fetch_items(p: &mut Parser<'_>) -> R<Vec<FetchAtt>> {
    use FetchAtt::*;
    if p.eat(b'(') {
        let mut items = Vec::new();
        loop {
            items.push(fetch_att(p)?);
            if p.eat(b')') {
                return Ok(items);
            }
            if !p.eat(b' ') {
                return Err("Expected a space or ) in the fetch item list".into());
            }
        }
    }
    if p.eat_word("ALL") {
        return Ok(vec![Flags, InternalDate, Rfc822Size, Envelope]);
    }
    if p.eat_word("FAST") {
        return Ok(vec![Flags, InternalDate, Rfc822Size]);
    }
    if p.eat_word("FULL") {
        return Ok(vec![Flags, InternalDate, Rfc822Size, Envelope, Body]);
    }
    Ok(vec![fetch_att(p)?])
}

fn fetch_att(p: &mut Parser<'_>) -> R<FetchAtt> {
    let name = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'.');
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    Ok(match name.as_str() {
        "FLAGS" => FetchAtt::Flags,
        "INTERNALDATE" => FetchAtt::InternalDate,
        "RFC822" => FetchAtt::Rfc822,
        "RFC822.HEADER" => FetchAtt::Rfc822Header,
        "RFC822.TEXT" => FetchAtt::Rfc822Text,
        "RFC822.SIZE" => FetchAtt::Rfc822Size,
        "ENVELOPE" => FetchAtt::Envelope,
        "BODYSTRUCTURE" => FetchAtt::BodyStructure,
        "UID" => FetchAtt::Uid,
        "BODY" if p.peek() != Some(b'[') => FetchAtt::Body,
        "BODY" | "BODY.PEEK" => {
            if !p.eat(b'[') {
                return Err("BODY.PEEK needs a section, e.g. BODY.PEEK[HEADER]".into());
            }
            let section = section(p)?;
            let mut partial = None;
            if p.eat(b'<') {
                let start = p.number("partial start")?;
                if !p.eat(b'.') {
                    return Err("A partial fetch is <start.count>, e.g. <0.100>".into());
                }
                let count = p.number("partial count")?;
                if count == 0 || !p.eat(b'>') {
                    return Err("A partial fetch is <start.count>, e.g. <0.100>".into());
                }
                partial = Some((start, count));
            }
            FetchAtt::Section {
                section,
                partial,
                peek: name == "BODY.PEEK",
            }
        }
        "" => return Err("Expected a fetch item (FLAGS, UID, ENVELOPE, BODY[], ...)".into()),
        other => return Err(format!("Unknown fetch item {other}").into()),
    })
}

/// After `[`: `section-spec` and `]`.
fn section(p: &mut Parser<'_>) -> R<Section> {
    let mut sec = Section::default();
    while p.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = p.number("part number")?;
        if n == 0 {
            return Err("Part numbers start at 1".into());
        }
        sec.path.push(n);
        if !p.eat(b'.') {
            break;
        }
    }
    let word = p.take_while(|b| b.is_ascii_alphabetic() || b == b'.');
    let word = String::from_utf8_lossy(word).to_ascii_uppercase();
    sec.text = match word.as_str() {
        "" => None,
        "HEADER" => Some(SectionText::Header),
        "TEXT" => Some(SectionText::Text),
        "MIME" if !sec.path.is_empty() => Some(SectionText::Mime),
        "MIME" => return Err("MIME needs a part number, e.g. BODY[1.MIME]".into()),
        "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => {
            p.sp("header field list, e.g. (From Subject)")?;
            if !p.eat(b'(') {
                return Err("Header fields go in parentheses, e.g. (From Subject)".into());
            }
            let mut names = Vec::new();
            loop {
                names.push(p.astring_text("header field name")?);
                if p.eat(b')') {
                    break;
                }
                if !p.eat(b' ') {
                    return Err("Expected a space or ) in the header field list".into());
                }
            }
            Some(SectionText::Fields {
                names,
                not: word.ends_with(".NOT"),
            })
        }
        other => {
            return Err(format!(
            "Unknown section {other} (use HEADER, HEADER.FIELDS (..), TEXT, MIME or part numbers)"
        )
            .into())
        }
    };
    if !p.eat(b']') {
        return Err("Expected ] to end the section".into());
    }
    Ok(sec)
}

/// One search key (RFC 3501 §6.4.4).
fn search_key(p: &mut Parser<'_>, depth: usize) -> R<SearchKey> {
    use SearchKey as K;
    if depth > 50 {
        return Err("Search criteria nested too deeply".into());
    }
    if p.eat(b'(') {
        let mut keys = Vec::new();
        loop {
            keys.push(search_key(p, depth + 1)?);
            if p.eat(b')') {
                break;
            }
            p.sp("search key or )")?;
        }
        return Ok(K::And(keys));
    }
    if p.peek().is_some_and(|b| b.is_ascii_digit() || b == b'*') {
        return Ok(K::Seq(p.sequence_set("message set")?));
    }
    let word = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
    let arg = |p: &mut Parser<'_>| -> R<String> {
        p.sp(&format!("argument after {word}"))?;
        p.astring_text(&format!("argument after {word}"))
    };
    Ok(match word.as_str() {
        "ALL" => K::All,
        "ANSWERED" => K::Answered,
        "DELETED" => K::Deleted,
        "DRAFT" => K::Draft,
        "FLAGGED" => K::Flagged,
        "NEW" => K::New,
        "OLD" => K::Old,
        "RECENT" => K::Recent,
        "SEEN" => K::Seen,
        "UNANSWERED" => K::Unanswered,
        "UNDELETED" => K::Undeleted,
        "UNDRAFT" => K::Undraft,
        "UNFLAGGED" => K::Unflagged,
        "UNSEEN" => K::Unseen,
        "KEYWORD" => K::Keyword(arg(p)?),
        "UNKEYWORD" => K::Unkeyword(arg(p)?),
        "BCC" | "BODY" | "CC" | "FROM" | "SUBJECT" | "TEXT" | "TO" => {
            let a = arg(p)?;
            match word.as_str() {
                "BCC" => K::Header("Bcc".into(), a),
                "CC" => K::Header("Cc".into(), a),
                "FROM" => K::Header("From".into(), a),
                "SUBJECT" => K::Header("Subject".into(), a),
                "TO" => K::Header("To".into(), a),
                "BODY" => K::Body(a),
                _ => K::Text(a),
            }
        }
        "HEADER" => {
            let name = arg(p)?;
            p.sp("string to look for in the header")?;
            let value = p.astring_text("string to look for in the header")?;
            K::Header(name, value)
        }
        "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => {
            let what = format!("date after {word}");
            p.sp(&what)?;
            let d = p.date(&what)?;
            match word.as_str() {
                "BEFORE" => K::Before(d),
                "ON" => K::On(d),
                "SINCE" => K::Since(d),
                "SENTBEFORE" => K::SentBefore(d),
                "SENTON" => K::SentOn(d),
                _ => K::SentSince(d),
            }
        }
        "LARGER" | "SMALLER" => {
            let what = format!("size after {word}");
            p.sp(&what)?;
            let n = p.number(&what)?;
            if word == "LARGER" {
                K::Larger(n)
            } else {
                K::Smaller(n)
            }
        }
        "UID" => {
            p.sp("UID set after UID")?;
            K::Uid(p.sequence_set("UID set after UID")?)
        }
        "NOT" => {
            p.sp("search key after NOT")?;
            K::Not(Box::new(search_key(p, depth + 1)?))
        }
        "OR" => {
            p.sp("first search key after OR")?;
            let a = search_key(p, depth + 1)?;
            p.sp("second search key after OR")?;
            let b = search_key(p, depth + 1)?;
            K::Or(Box::new(a), Box::new(b))
        }
        "" => return Err("Expected a search key (ALL, UNSEEN, FROM \"x\", ...)".into()),
        other => return Err(format!("Unknown search key {other}").into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let Command::Append {
            flags,
            date,
            message,
            ..
        } = c
        else {
            panic!()
        };
        assert_eq!(flags.to_imap(), "\\Seen $Work");
        assert_eq!(date, Some(1_793_610_000));
        assert_eq!(message, b"hello");
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
