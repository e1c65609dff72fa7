//! POP3 command lines: a keyword and its arguments (RFC 1939 §3).
//!
//! "Commands in the POP3 consist of a case-insensitive keyword, possibly followed by one or
//! more arguments ... separated by a single SPACE character" (RFC 1939 §3). Parsing is liberal
//! about runs of spaces and tabs; what the arguments mean is up to each command's handler.

use super::Pop3State;

/// The command keywords this server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// RFC 2449 §5: valid in every state.
    Capa,
    /// RFC 1939 §4 (AUTHORIZATION) and §6 (UPDATE).
    Quit,
    /// RFC 1939 §7 (optional command, AUTHORIZATION).
    User,
    /// RFC 1939 §7 (optional command, AUTHORIZATION).
    Pass,
    /// RFC 1939 §7 (optional command, AUTHORIZATION).
    Apop,
    /// RFC 5034 §4 (AUTHORIZATION).
    Auth,
    /// RFC 1939 §5 (TRANSACTION).
    Stat,
    /// RFC 1939 §5 (TRANSACTION).
    List,
    /// RFC 1939 §7 (optional command, TRANSACTION).
    Uidl,
    /// RFC 1939 §5 (TRANSACTION).
    Retr,
    /// RFC 1939 §7 (optional command, TRANSACTION).
    Top,
    /// RFC 1939 §5 (TRANSACTION).
    Dele,
    /// RFC 1939 §5 (TRANSACTION).
    Noop,
    /// RFC 1939 §5 (TRANSACTION).
    Rset,
    /// RFC 2595 §4 (AUTHORIZATION): start TLS.
    Stls,
}

impl Verb {
    const ALL: [Verb; 15] = [
        Verb::Capa,
        Verb::Quit,
        Verb::User,
        Verb::Pass,
        Verb::Apop,
        Verb::Auth,
        Verb::Stat,
        Verb::List,
        Verb::Uidl,
        Verb::Retr,
        Verb::Top,
        Verb::Dele,
        Verb::Noop,
        Verb::Rset,
        Verb::Stls,
    ];

    /// Every command keyword the server knows, upper-case (RFC 1939 §4-§7, CAPA RFC 2449,
    /// AUTH RFC 5034, STLS RFC 2595): the one list the learning layer's hints use too.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Verb::ALL.iter().map(|v| v.name())
    }

    /// The keyword, upper-case.
    pub fn name(self) -> &'static str {
        match self {
            Verb::Capa => "CAPA",
            Verb::Quit => "QUIT",
            Verb::User => "USER",
            Verb::Pass => "PASS",
            Verb::Apop => "APOP",
            Verb::Auth => "AUTH",
            Verb::Stat => "STAT",
            Verb::List => "LIST",
            Verb::Uidl => "UIDL",
            Verb::Retr => "RETR",
            Verb::Top => "TOP",
            Verb::Dele => "DELE",
            Verb::Noop => "NOOP",
            Verb::Rset => "RSET",
            Verb::Stls => "STLS",
        }
    }

    /// Looks a keyword up, case-insensitively (RFC 1939 §3).
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(word))
    }

    /// The state in which the command is allowed, or `None` when it is allowed in every state
    /// the client can still talk in (CAPA and QUIT).
    pub fn required_state(self) -> Option<Pop3State> {
        match self {
            Verb::Capa | Verb::Quit => None,
            Verb::User | Verb::Pass | Verb::Apop | Verb::Auth | Verb::Stls => {
                Some(Pop3State::Authorization)
            }
            Verb::Stat
            | Verb::List
            | Verb::Uidl
            | Verb::Retr
            | Verb::Top
            | Verb::Dele
            | Verb::Noop
            | Verb::Rset => Some(Pop3State::Transaction),
        }
    }
}

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub verb: Verb,
    /// The arguments, split at spaces.
    pub args: Vec<String>,
    /// Everything after the keyword and the space that follows it, verbatim (a PASS password
    /// may contain spaces, RFC 1939 §7).
    pub rest: String,
}

/// Why a line is not a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Empty,
    /// Not a keyword this server knows; carries the keyword as typed (already made printable).
    Unknown(String),
}

/// Splits a command line into keyword and arguments.
pub fn parse_line(line: &[u8]) -> Result<Request, ParseError> {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_start_matches([' ', '\t']);
    let (word, rest) = match text.find([' ', '\t']) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    if word.is_empty() {
        return Err(ParseError::Empty);
    }
    let verb = Verb::parse(word).ok_or_else(|| ParseError::Unknown(printable(word)))?;
    Ok(Request {
        verb,
        args: rest.split_ascii_whitespace().map(str::to_string).collect(),
        rest: rest.to_string(),
    })
}

/// Makes client text safe to quote in a reply: at most 20 characters, no control characters.
pub fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(20)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(20).is_some() {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_case_insensitive_and_arguments_split() {
        let r = parse_line(b"top 3  10").expect("parses");
        assert_eq!(r.verb, Verb::Top);
        assert_eq!(r.args, vec!["3", "10"]);
        let r = parse_line(b"PASS my secret").expect("parses");
        assert_eq!(r.rest, "my secret");
        assert_eq!(parse_line(b"   "), Err(ParseError::Empty));
        assert_eq!(
            parse_line(b"HELO\x01x"),
            Err(ParseError::Unknown("HELO?x".to_string()))
        );
    }

    #[test]
    fn printable_cuts_long_text() {
        assert_eq!(printable(&"x".repeat(50)), format!("{}...", "x".repeat(20)));
    }
}
