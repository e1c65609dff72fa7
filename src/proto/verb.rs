//! A command's verb, typed by its protocol's recorder (see [`super::record::Command`]), so the
//! layers above `proto` compare enums and never read a protocol's grammar from strings
//! (ARCHITECTURE.md, "One protocol truth").
//!
//! Each protocol's verbs are the ones its server parses with: SMTP's
//! [`crate::proto::smtp::command::Verb`], POP3's [`crate::proto::pop3::command::Verb`], IMAP's
//! [`crate::proto::imap::command::Verb`] (the names of its command table). A word none of them
//! defines is kept as typed, for display and "did you mean" hints.

use super::record::Protocol;
use std::fmt;

pub use super::imap::command::Verb as ImapVerb;
pub use super::pop3::command::Verb as Pop3Verb;
pub use super::smtp::command::Verb as SmtpVerb;

/// What a command line (or an exchange, for SMTP's end of message text) is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Verb {
    Smtp(SmtpVerb),
    Pop3(Pop3Verb),
    /// An IMAP command, `uid` when `UID` prefixed it (`UID FETCH`, RFC 3501 §6.4.8).
    Imap {
        verb: ImapVerb,
        uid: bool,
    },
    /// A word its protocol does not define (a mistyped command, `UID` alone), upper case.
    Other(String),
}

impl Verb {
    /// Reads a verb the way `protocol`'s recorder does: the word, case-insensitive; for IMAP
    /// `UID` and the word after it. A word the protocol does not define is [`Verb::Other`].
    pub fn read(protocol: Protocol, words: &[&str]) -> Verb {
        let word = words.first().copied().unwrap_or("");
        let known = match protocol {
            Protocol::Smtp => SmtpVerb::parse(word).map(Verb::Smtp),
            Protocol::Pop3 => Pop3Verb::parse(word).map(Verb::Pop3),
            Protocol::Imap if word.eq_ignore_ascii_case("UID") => {
                let sub = words.get(1).copied().unwrap_or("");
                ImapVerb::parse(sub).map(|verb| Verb::Imap { verb, uid: true })
            }
            Protocol::Imap => ImapVerb::parse(word).map(|verb| Verb::Imap { verb, uid: false }),
        };
        known.unwrap_or_else(|| {
            let shown = match protocol {
                Protocol::Imap if word.eq_ignore_ascii_case("UID") => &words[..words.len().min(2)],
                _ => &words[..words.len().min(1)],
            };
            Verb::Other(shown.join(" ").to_ascii_uppercase())
        })
    }

    /// The protocol the verb belongs to (`None` for a word no protocol defines).
    pub fn protocol(&self) -> Option<Protocol> {
        match self {
            Verb::Smtp(_) => Some(Protocol::Smtp),
            Verb::Pop3(_) => Some(Protocol::Pop3),
            Verb::Imap { .. } => Some(Protocol::Imap),
            Verb::Other(_) => None,
        }
    }

    /// A command that starts a SASL exchange: SMTP's and POP3's `AUTH` (RFC 4954 §4, RFC 5034
    /// §4), IMAP's `AUTHENTICATE` (RFC 3501 §6.2.2).
    pub fn is_sasl(&self) -> bool {
        matches!(
            self,
            Verb::Smtp(SmtpVerb::Auth)
                | Verb::Pop3(Pop3Verb::Auth)
                | Verb::Imap {
                    verb: ImapVerb::Authenticate,
                    ..
                }
        )
    }
}

impl fmt::Display for Verb {
    /// As the client typed it, upper case: `EHLO`, `UID FETCH`, `end of DATA`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verb::Smtp(v) => f.write_str(v.name()),
            Verb::Pop3(v) => f.write_str(v.name()),
            Verb::Imap { verb, uid: true } => write!(f, "UID {}", verb.name()),
            Verb::Imap { verb, uid: false } => f.write_str(verb.name()),
            Verb::Other(word) => f.write_str(word),
        }
    }
}

/// A verb named without its protocol, as a challenge file names a step (`TOP`, `SEARCH`,
/// `end of DATA`): read once, when the file is loaded, as each protocol would read it. It
/// matches a command of any protocol that defines the word; `SEARCH` also matches IMAP's
/// `UID SEARCH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerbName {
    text: String,
    readings: Vec<Verb>,
}

impl VerbName {
    /// Reads `text` in every protocol; an error names a word no protocol defines.
    pub fn parse(text: &str) -> Result<VerbName, String> {
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        let mut readings: Vec<Verb> = [Protocol::Smtp, Protocol::Pop3, Protocol::Imap]
            .into_iter()
            .map(|p| Verb::read(p, &words))
            .filter(|v| !matches!(v, Verb::Other(_)))
            .collect();
        if text.trim().eq_ignore_ascii_case(SmtpVerb::EndOfData.name()) {
            readings.push(Verb::Smtp(SmtpVerb::EndOfData));
        }
        if readings.is_empty() {
            return Err(format!(
                "{text:?} is no SMTP, POP3 or IMAP command (nor `end of DATA`)"
            ));
        }
        Ok(VerbName {
            text: text.trim().to_string(),
            readings,
        })
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `verb` is this one, in its protocol (IMAP's `UID` form counts as the command it
    /// prefixes, unless the name asks for `UID` itself).
    pub fn matches(&self, verb: &Verb) -> bool {
        self.readings.iter().any(|r| match (r, verb) {
            (
                Verb::Imap {
                    verb: want,
                    uid: false,
                },
                Verb::Imap { verb: got, .. },
            ) => want == got,
            _ => r == verb,
        })
    }
}

impl TryFrom<String> for VerbName {
    type Error = String;
    fn try_from(text: String) -> Result<VerbName, String> {
        VerbName::parse(&text)
    }
}

impl From<VerbName> for String {
    fn from(name: VerbName) -> String {
        name.text
    }
}

impl fmt::Display for VerbName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbs_are_read_in_their_protocol_and_unknown_words_kept_for_display() {
        assert_eq!(
            Verb::read(Protocol::Imap, &["uid", "fetch", "1:*"]),
            Verb::Imap {
                verb: ImapVerb::Fetch,
                uid: true
            }
        );
        assert_eq!(
            Verb::read(Protocol::Imap, &["uid", "frob"]),
            Verb::Other("UID FROB".into())
        );
        assert_eq!(
            Verb::read(Protocol::Pop3, &["list"]),
            Verb::Pop3(Pop3Verb::List)
        );
        assert_ne!(
            Verb::read(Protocol::Pop3, &["LIST"]),
            Verb::read(Protocol::Imap, &["LIST"]),
            "POP3's LIST is not IMAP's"
        );
        assert_eq!(Verb::read(Protocol::Smtp, &["STLS"]).to_string(), "STLS");
        assert_eq!(
            Verb::Imap {
                verb: ImapVerb::Search,
                uid: true
            }
            .to_string(),
            "UID SEARCH"
        );
    }

    #[test]
    fn a_step_name_matches_the_verb_in_any_protocol_that_defines_it() {
        let search = VerbName::parse("SEARCH").unwrap();
        for uid in [false, true] {
            assert!(search.matches(&Verb::Imap {
                verb: ImapVerb::Search,
                uid
            }));
        }
        let uid_search = VerbName::parse("UID SEARCH").unwrap();
        assert!(!uid_search.matches(&Verb::Imap {
            verb: ImapVerb::Search,
            uid: false
        }));
        let quit = VerbName::parse("quit").unwrap();
        assert!(quit.matches(&Verb::Pop3(Pop3Verb::Quit)));
        assert!(quit.matches(&Verb::Smtp(SmtpVerb::Quit)));
        assert!(!quit.matches(&Verb::Imap {
            verb: ImapVerb::Logout,
            uid: false
        }));
        let end = VerbName::parse("end of DATA").unwrap();
        assert!(end.matches(&Verb::Smtp(SmtpVerb::EndOfData)));
        assert!(!end.matches(&Verb::Smtp(SmtpVerb::Data)));
        assert!(VerbName::parse("FROB").is_err());
        assert!(VerbName::parse("end").is_err());
    }
}
