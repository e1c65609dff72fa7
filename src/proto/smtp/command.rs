//! SMTP command parsing (RFC 5321 §4.1), with the extension parameters this server knows:
//! SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), BDAT (RFC 3030), AUTH (RFC 4954).
//!
//! The parser is liberal where RFC 5321 §4.1.2 lets it be (verbs in any case, a space after
//! `FROM:`/`TO:`, source routes ignored), and lenient about a path typed without its angle
//! brackets (`MAIL FROM: a@b.example`, one word that is a whole mailbox): learners type that,
//! and a host in strict mode refuses it before the session sees it (`sandbox::strict`).

/// One parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Ehlo(String),
    Helo(String),
    /// `MAIL FROM:<path> params`; `path` is "" for the null reverse-path `<>`.
    Mail {
        path: String,
        params: Vec<Param>,
    },
    /// `RCPT TO:<path> params`; `path` may be domain-less (`<postmaster>`, §4.1.1.3).
    Rcpt {
        path: String,
        params: Vec<Param>,
    },
    Data,
    /// `BDAT size [LAST]` (RFC 3030 §2).
    Bdat {
        size: u64,
        last: bool,
    },
    Rset,
    Noop,
    Quit,
    Vrfy(String),
    Expn(String),
    Help,
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4).
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
}

/// A MAIL/RCPT parameter `KEYWORD[=value]`; the keyword is upper-cased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub key: String,
    pub value: Option<String>,
}

/// Why a line is not a command this server accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a command at all (`500 5.5.2`).
    Unknown,
    /// A known command with bad arguments (`501`), with the enhanced code and the text.
    Syntax(&'static str, &'static str),
}

const SYNTAX: &str = "5.5.4";

/// A command verb the server knows (RFC 5321 §4.1.1; BDAT RFC 3030, STARTTLS RFC 3207, AUTH
/// RFC 4954), and the lone dot that ends message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Ehlo,
    Helo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Vrfy,
    Expn,
    Noop,
    Quit,
    Help,
    StartTls,
    Auth,
    /// The lone dot that ends DATA's message text (RFC 5321 §4.1.1.4): no command word, but
    /// an exchange of its own, answered by the reply that takes responsibility (§6.1). Named
    /// `end of DATA`; never read from a command line.
    EndOfData,
}

impl Verb {
    /// The command verbs, in the order of RFC 5321 §4.1.1 and the extensions.
    const COMMANDS: [Verb; 14] = [
        Verb::Ehlo,
        Verb::Helo,
        Verb::Mail,
        Verb::Rcpt,
        Verb::Data,
        Verb::Bdat,
        Verb::Rset,
        Verb::Vrfy,
        Verb::Expn,
        Verb::Noop,
        Verb::Quit,
        Verb::Help,
        Verb::StartTls,
        Verb::Auth,
    ];

    /// Every command verb the server knows, upper-case: the one list the learning layer's
    /// hints use too.
    pub fn names() -> impl Iterator<Item = &'static str> {
        Verb::COMMANDS.iter().map(|v| v.name())
    }

    /// The verb, upper-case (`end of DATA` for the end of message text).
    pub fn name(self) -> &'static str {
        match self {
            Verb::Ehlo => "EHLO",
            Verb::Helo => "HELO",
            Verb::Mail => "MAIL",
            Verb::Rcpt => "RCPT",
            Verb::Data => "DATA",
            Verb::Bdat => "BDAT",
            Verb::Rset => "RSET",
            Verb::Vrfy => "VRFY",
            Verb::Expn => "EXPN",
            Verb::Noop => "NOOP",
            Verb::Quit => "QUIT",
            Verb::Help => "HELP",
            Verb::StartTls => "STARTTLS",
            Verb::Auth => "AUTH",
            Verb::EndOfData => "end of DATA",
        }
    }

    /// Looks a command verb up, case-insensitively (RFC 5321 §2.4).
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::COMMANDS
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(word))
    }
}

/// True when the arguments of a `MAIL` command carry the `SMTPUTF8` parameter (RFC 6531 §3.4).
pub fn mail_requests_smtputf8(args: &str) -> bool {
    args.split_ascii_whitespace()
        .any(|w| w.eq_ignore_ascii_case("SMTPUTF8"))
}

/// Parses one command line (without its CRLF).
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let line = line.trim_end_matches([' ', '\t']);
    let (verb, rest) = match line.find([' ', '\t']) {
        Some(i) => (&line[..i], line[i + 1..].trim_start_matches([' ', '\t'])),
        None => (line, ""),
    };
    let verb = verb.to_ascii_uppercase();
    let no_args = |cmd: Command, usage: &'static str| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(ParseError::Syntax(SYNTAX, usage))
        }
    };
    match verb.as_str() {
        "EHLO" | "HELO" => {
            let name = rest.split_whitespace().next().unwrap_or("");
            if name.is_empty() {
                return Err(ParseError::Syntax(
                    SYNTAX,
                    if verb == "EHLO" {
                        "Syntax: EHLO hostname"
                    } else {
                        "Syntax: HELO hostname"
                    },
                ));
            }
            let name = name.to_string();
            Ok(if verb == "EHLO" {
                Command::Ehlo(name)
            } else {
                Command::Helo(name)
            })
        }
        "MAIL" => {
            let arg = strip_prefix_ci(rest, "FROM:")
                .ok_or(ParseError::Syntax(SYNTAX, "Syntax: MAIL FROM:<address>"))?;
            let (path, params) = parse_path_and_params(arg)?;
            Ok(Command::Mail { path, params })
        }
        "RCPT" => {
            let arg = strip_prefix_ci(rest, "TO:")
                .ok_or(ParseError::Syntax(SYNTAX, "Syntax: RCPT TO:<address>"))?;
            let (path, params) = parse_path_and_params(arg)?;
            if path.is_empty() {
                return Err(ParseError::Syntax(
                    SYNTAX,
                    "The null path <> is not a recipient",
                ));
            }
            Ok(Command::Rcpt { path, params })
        }
        "DATA" => no_args(Command::Data, "Syntax: DATA (no arguments)"),
        "BDAT" => parse_bdat(rest),
        "RSET" => no_args(Command::Rset, "Syntax: RSET (no arguments)"),
        "NOOP" => Ok(Command::Noop),
        "QUIT" => no_args(Command::Quit, "Syntax: QUIT (no arguments)"),
        "VRFY" | "EXPN" => {
            if rest.is_empty() {
                return Err(ParseError::Syntax(
                    SYNTAX,
                    if verb == "VRFY" {
                        "Syntax: VRFY address"
                    } else {
                        "Syntax: EXPN list"
                    },
                ));
            }
            Ok(if verb == "VRFY" {
                Command::Vrfy(rest.to_string())
            } else {
                Command::Expn(rest.to_string())
            })
        }
        "HELP" => Ok(Command::Help),
        "STARTTLS" => Ok(Command::StartTls),
        "AUTH" => {
            let mut words = rest.split_whitespace();
            let mechanism = words
                .next()
                .ok_or(ParseError::Syntax(SYNTAX, "Syntax: AUTH mechanism"))?
                .to_ascii_uppercase();
            let initial = words.next().map(str::to_string);
            if words.next().is_some() {
                return Err(ParseError::Syntax(
                    SYNTAX,
                    "Syntax: AUTH mechanism [initial-response]",
                ));
            }
            Ok(Command::Auth { mechanism, initial })
        }
        _ => Err(ParseError::Unknown),
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s[prefix.len()..].trim_start_matches([' ', '\t']))
}

fn parse_bdat(rest: &str) -> Result<Command, ParseError> {
    const USAGE: ParseError = ParseError::Syntax(SYNTAX, "Syntax: BDAT size [LAST]");
    let mut words = rest.split_whitespace();
    let size_word = words.next().ok_or(USAGE)?;
    if size_word.is_empty() || !size_word.bytes().all(|b| b.is_ascii_digit()) {
        return Err(USAGE);
    }
    let size = size_word.parse::<u64>().map_err(|_| USAGE)?;
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(USAGE),
    };
    if words.next().is_some() {
        return Err(USAGE);
    }
    Ok(Command::Bdat { size, last })
}

/// Longest path (RFC 5321 §4.5.3.1.3: 256 octets with the brackets).
const MAX_PATH: usize = 256;

/// Parses `<path> params...` after `FROM:`/`TO:`.
fn parse_path_and_params(arg: &str) -> Result<(String, Vec<Param>), ParseError> {
    let bad = |text| ParseError::Syntax(SYNTAX, text);
    if !arg.starts_with('<') {
        // Lenient: one bare mailbox (with a domain), then the parameters.
        let (path, rest) = arg.split_once([' ', '\t']).unwrap_or((arg, ""));
        if path.is_empty() || !path.contains('@') || path.len() + 2 > MAX_PATH {
            return Err(bad(
                "Address must be in angle brackets, e.g. <user@example.com>",
            ));
        }
        validate_mailbox(path).map_err(bad)?;
        let params = parse_params(rest)?;
        return Ok((path.to_string(), params));
    }
    // Find the closing bracket, skipping quoted strings and quoted pairs (§4.1.2).
    let mut in_quote = false;
    let mut escaped = false;
    let mut end = None;
    for (i, c) in arg.char_indices().skip(1) {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quote = !in_quote;
        } else if c == '>' && !in_quote {
            end = Some(i);
            break;
        }
    }
    let end = end.ok_or(bad("Missing > at the end of the address"))?;
    if end + 1 > MAX_PATH {
        return Err(bad("Address too long"));
    }
    let inner = &arg[1..end];
    let path = strip_source_route(inner);
    if !path.is_empty() {
        validate_mailbox(path).map_err(bad)?;
    }
    let params = parse_params(&arg[end + 1..])?;
    Ok((path.to_string(), params))
}

/// Drops an obsolete source route `@a,@b:` (RFC 5321 §4.1.2 and Appendix C: MUST accept, SHOULD
/// ignore).
fn strip_source_route(inner: &str) -> &str {
    if inner.starts_with('@') {
        if let Some(i) = inner.find(':') {
            return &inner[i + 1..];
        }
    }
    inner
}

/// Checks `local@domain` (or a domain-less local part). Non-ASCII is allowed here; whether it
/// is allowed in this transaction (SMTPUTF8) is the server's call.
fn validate_mailbox(path: &str) -> Result<(), &'static str> {
    let (local, domain) = match path.rfind('@') {
        Some(i) => (&path[..i], Some(&path[i + 1..])),
        None => (path, None),
    };
    if local.is_empty() {
        return Err("Empty local part in address");
    }
    if local.len() > 64 && !local.starts_with('"') {
        return Err("Local part too long");
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    if !quoted
        && local
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || "<>()[]\\,;:@\"".contains(c))
    {
        return Err("Bad character in the local part of the address");
    }
    if quoted && local.chars().any(char::is_control) {
        return Err("Bad character in the local part of the address");
    }
    if let Some(domain) = domain {
        if domain.is_empty() {
            return Err("Empty domain in address");
        }
        if domain.len() > 255 {
            return Err("Domain too long");
        }
        let literal = domain.starts_with('[') && domain.ends_with(']');
        if !literal
            && (domain.starts_with('.')
                || domain.ends_with('.')
                || domain.contains("..")
                || domain
                    .chars()
                    .any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-' || c == '.')))
        {
            return Err("Bad domain in address");
        }
        if literal && domain.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err("Bad address literal");
        }
    }
    Ok(())
}

fn parse_params(s: &str) -> Result<Vec<Param>, ParseError> {
    let mut params = Vec::new();
    for word in s.split([' ', '\t']).filter(|w| !w.is_empty()) {
        let (key, value) = match word.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (word, None),
        };
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(ParseError::Syntax(SYNTAX, "Bad parameter syntax"));
        }
        params.push(Param {
            key: key.to_ascii_uppercase(),
            value,
        });
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, value: Option<&str>) -> Param {
        Param {
            key: key.to_string(),
            value: value.map(str::to_string),
        }
    }

    #[test]
    fn mail_from_with_params_and_liberal_spacing() {
        assert_eq!(
            parse("mail from: <a@b.example> SIZE=123 BODY=8BITMIME smtputf8"),
            Ok(Command::Mail {
                path: "a@b.example".into(),
                params: vec![
                    p("SIZE", Some("123")),
                    p("BODY", Some("8BITMIME")),
                    p("SMTPUTF8", None)
                ]
            })
        );
        assert_eq!(
            parse("MAIL FROM:<>"),
            Ok(Command::Mail {
                path: String::new(),
                params: vec![]
            })
        );
        assert_eq!(
            parse("RCPT TO:<@relay.example,@b.example:joe@c.example>"),
            Ok(Command::Rcpt {
                path: "joe@c.example".into(),
                params: vec![]
            })
        );
        assert_eq!(
            parse("RCPT TO:<\"odd > name\"@c.example>"),
            Ok(Command::Rcpt {
                path: "\"odd > name\"@c.example".into(),
                params: vec![]
            })
        );
        assert_eq!(
            parse("RCPT TO:<Postmaster>"),
            Ok(Command::Rcpt {
                path: "Postmaster".into(),
                params: vec![]
            })
        );
    }

    #[test]
    fn rejects_bad_paths() {
        assert_eq!(
            parse("MAIL FROM: a@b.example SIZE=10"),
            Ok(Command::Mail {
                path: "a@b.example".into(),
                params: vec![Param {
                    key: "SIZE".into(),
                    value: Some("10".into())
                }]
            }),
            "lenient: a bare mailbox"
        );
        for bad in [
            "MAIL FROM:ab.example",
            "MAIL FROM:a@b.example>",
            "MAIL FROM:<a@b.example",
            "MAIL FROM:<@b.example>",
            "MAIL FROM:<a@>",
            "MAIL FROM:<a b@c.example>",
            "MAIL FROM:<a@b..example>",
            "MAIL FROM",
            "MAIL TO:<a@b.example>",
            "RCPT TO:<>",
            "MAIL FROM:<a@b.example> =x",
        ] {
            assert!(
                matches!(parse(bad), Err(ParseError::Syntax(..))),
                "{bad} -> {:?}",
                parse(bad)
            );
        }
        let long = format!("MAIL FROM:<{}@b.example>", "x".repeat(300));
        assert!(matches!(parse(&long), Err(ParseError::Syntax(..))));
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            parse("ehlo client.example"),
            Ok(Command::Ehlo("client.example".into()))
        );
        assert!(matches!(parse("EHLO"), Err(ParseError::Syntax(..))));
        assert_eq!(
            parse("BDAT 0 LAST"),
            Ok(Command::Bdat {
                size: 0,
                last: true
            })
        );
        assert_eq!(
            parse("bdat 12"),
            Ok(Command::Bdat {
                size: 12,
                last: false
            })
        );
        assert!(matches!(parse("BDAT -1"), Err(ParseError::Syntax(..))));
        assert!(matches!(parse("BDAT 1 FIRST"), Err(ParseError::Syntax(..))));
        assert!(matches!(
            parse("BDAT 99999999999999999999999"),
            Err(ParseError::Syntax(..))
        ));
        assert_eq!(
            parse("AUTH plain AGEAYg=="),
            Ok(Command::Auth {
                mechanism: "PLAIN".into(),
                initial: Some("AGEAYg==".into())
            })
        );
        assert_eq!(parse("NOOP whatever"), Ok(Command::Noop));
        assert!(matches!(parse("DATA now"), Err(ParseError::Syntax(..))));
        assert_eq!(parse("FROB"), Err(ParseError::Unknown));
        for verb in Verb::names() {
            assert_ne!(parse(verb), Err(ParseError::Unknown), "{verb}");
            assert_eq!(Verb::parse(verb).map(Verb::name), Some(verb));
        }
        assert_eq!(Verb::parse("end"), None);
        assert_eq!(parse(""), Err(ParseError::Unknown));
    }
}
