//! Explanations of protocol lines, each with the RFC section it comes from, looked up from
//! the typed records the servers' recorders write (a reply's code, a command's verb: see
//! [`crate::proto::record`]), never by searching a line's text. The texts are data
//! (`texts/explanations.txt`, read by [`super::texts`]): in the page they arrive after its first
//! paint, and an explanation asked for before is `None`.

use super::enhanced::enhanced_meaning;
use super::texts::{texts, Entry};
pub use crate::proto::record::Protocol;
use crate::proto::record::{read_command, Command, ImapStatus, ReplyLine};
use crate::proto::verb::Verb;

/// What a line means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub text: &'static str,
    /// Where the rule comes from, e.g. `RFC 5321 §4.2.3`.
    pub rfc: &'static str,
    /// An SMTP reply's enhanced status code in words, with its RFC 3463 section
    /// ([`crate::learn::enhanced`]).
    pub enhanced: Option<String>,
}

impl Explanation {
    /// The explanation as one note: the meaning, its RFC section, then the enhanced code's.
    pub fn note(&self) -> String {
        match &self.enhanced {
            Some(code) => format!("{} ({}). Enhanced code {code}.", self.text, self.rfc),
            None => format!("{} ({})", self.text, self.rfc),
        }
    }
}

/// The explanation with this key in `texts/explanations.txt` ([`super::texts`]); `None` while
/// the page has not received the file yet.
fn lookup(key: &str) -> Option<Explanation> {
    let (text, rfc) = texts()?.get(key)?;
    Some(Explanation {
        text,
        rfc,
        enhanced: None,
    })
}

fn of_entry(entry: &'static Entry) -> Explanation {
    Explanation {
        text: &entry.text,
        rfc: &entry.rfc,
        enhanced: None,
    }
}

/// Explains an extension an EHLO reply names (`250-PIPELINING`).
fn smtp_extension(keyword: &str) -> Option<Explanation> {
    lookup(&format!("smtp.ext.{keyword}"))
}

/// Finds a code's explanation among the keys starting with `table` (`imap.code.`): the rest of
/// a key names the code (`[UIDNEXT`) or the whole of it (`[READ-WRITE]`).
fn code_meaning(table: &'static str, code: &str) -> Option<Explanation> {
    texts()?
        .with_prefix(table)
        .find(|(name, _)| {
            code.strip_prefix(name)
                .is_some_and(|rest| name.ends_with(']') || rest.starts_with([' ', ']']))
        })
        .map(|(_, entry)| of_entry(entry))
}

/// Explains a line the server sent, parsed by its protocol's grammar (see
/// [`explain_reply`] for a line a recorder typed already).
pub fn explain_server_line(proto: Protocol, line: &str) -> Option<Explanation> {
    let parsed = match proto {
        Protocol::Smtp => ReplyLine::parse_smtp(line),
        Protocol::Pop3 => ReplyLine::parse_pop3(line),
        Protocol::Imap => ReplyLine::parse_imap(line),
    }?;
    explain_reply(proto, &parsed)
}

/// Explains a typed server line.
pub fn explain_reply(proto: Protocol, line: &ReplyLine) -> Option<Explanation> {
    match line {
        ReplyLine::Smtp {
            code,
            more,
            enhanced,
            extension,
        } => {
            if let Some(e) = extension.as_deref().and_then(smtp_extension) {
                return Some(e);
            }
            // A continuation line (`250-...`) is part of the reply its last line explains.
            if *more {
                return None;
            }
            // A code without its own line is explained by its class (RFC 5321 §4.2.1).
            let base = lookup(&format!("smtp.reply.{code}")).or_else(|| {
                let class = match code / 100 {
                    c @ 2..=4 => c,
                    _ => 5,
                };
                lookup(&format!("smtp.class.{class}"))
            })?;
            Some(Explanation {
                enhanced: enhanced.as_deref().and_then(enhanced_meaning),
                ..base
            })
        }
        ReplyLine::Pop3Status { ok, code } => {
            if let Some(e) = code.as_deref().and_then(|c| code_meaning("pop3.code.", c)) {
                return Some(e);
            }
            lookup(if *ok { "pop3.ok" } else { "pop3.err" })
        }
        ReplyLine::Pop3End => lookup("pop3.end"),
        ReplyLine::Continuation => lookup(match proto {
            Protocol::Imap => "imap.continue",
            _ => "sasl.continue",
        }),
        ReplyLine::ImapStatus {
            tagged,
            status,
            code,
        } => {
            if let Some(e) = code.as_deref().and_then(|c| code_meaning("imap.code.", c)) {
                return Some(e);
            }
            match (tagged, status) {
                (false, ImapStatus::Ok) => lookup("imap.untagged-ok"),
                (false, ImapStatus::Preauth) => lookup("imap.preauth"),
                (false, other) => untagged_meaning(other.name()),
                (true, ImapStatus::Ok) => lookup("imap.tagged-ok"),
                (true, ImapStatus::No) => lookup("imap.tagged-no"),
                (true, ImapStatus::Bad) => lookup("imap.tagged-bad"),
                (true, _) => None,
            }
        }
        ReplyLine::ImapData { name } => untagged_meaning(name),
    }
}

fn untagged_meaning(name: &str) -> Option<Explanation> {
    lookup(&format!("imap.data.{name}"))
}

/// IMAP's commands come from the server's own command table.
fn imap_command(word: &str) -> Option<Explanation> {
    crate::proto::imap::command::about(word).map(|(text, rfc)| Explanation {
        text,
        rfc,
        enhanced: None,
    })
}

/// Explains a line the client typed, read by its protocol's grammar (see
/// [`explain_command`] for a command a recorder typed already).
pub fn explain_client_line(proto: Protocol, line: &str) -> Option<Explanation> {
    explain_command(proto, &read_command(proto, line)?)
}

/// Explains a typed client command by its verb (IMAP's `UID` prefix by itself).
pub fn explain_command(proto: Protocol, command: &Command) -> Option<Explanation> {
    match (proto, &command.verb) {
        (Protocol::Smtp, Verb::Smtp(v)) => lookup(&format!("smtp.cmd.{}", v.name())),
        (Protocol::Pop3, Verb::Pop3(v)) => lookup(&format!("pop3.cmd.{}", v.name())),
        (Protocol::Imap, Verb::Imap { uid: true, .. }) => imap_command("UID"),
        (Protocol::Imap, Verb::Imap { verb, .. }) => imap_command(verb.name()),
        _ => None,
    }
}

/// Known command words of a protocol (for hints): the lists the protocol sessions parse with.
pub(crate) fn commands(proto: Protocol) -> Box<dyn Iterator<Item = &'static str>> {
    match proto {
        Protocol::Smtp => Box::new(crate::proto::smtp::command::Verb::names()),
        Protocol::Pop3 => Box::new(crate::proto::pop3::command::Verb::names()),
        Protocol::Imap => Box::new(crate::proto::imap::command::names()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the code names itself (the others are built from a code or a verb).
    #[test]
    fn every_key_the_code_names_is_in_the_file() {
        for key in [
            "smtp.class.2",
            "smtp.class.3",
            "smtp.class.4",
            "smtp.class.5",
            "pop3.ok",
            "pop3.err",
            "pop3.end",
            "imap.continue",
            "sasl.continue",
            "imap.untagged-ok",
            "imap.preauth",
            "imap.tagged-ok",
            "imap.tagged-no",
            "imap.tagged-bad",
        ] {
            assert!(
                lookup(key).is_some(),
                "{key} is not in texts/explanations.txt"
            );
        }
        assert!(explain_server_line(Protocol::Smtp, "199 odd")
            .is_some_and(|e| e.text.starts_with("Permanent")));
    }

    #[test]
    fn replies_are_explained_with_their_rfc() {
        let e = explain_server_line(Protocol::Smtp, "550 5.1.1 <x@corp.example>: user unknown")
            .unwrap();
        assert!(e.text.contains("no such user"));
        assert!(e.rfc.contains("5321"));
        // The enhanced code is decoded too, with its RFC 3463 section.
        let note = e.note();
        assert!(
            note.contains("Enhanced code 5.1.1: permanent failure")
                && note.contains("no such user there (address status, RFC 3463 §3.2)"),
            "{note}"
        );
        let full = explain_server_line(Protocol::Smtp, "452 4.2.2 Mailbox full").unwrap();
        assert!(
            full.note().contains("mailbox full: over its quota"),
            "{}",
            full.note()
        );
        assert_eq!(
            explain_server_line(Protocol::Smtp, "221 Bye")
                .unwrap()
                .enhanced,
            None
        );
        assert!(explain_server_line(Protocol::Smtp, "354 go")
            .unwrap()
            .text
            .contains("single dot"));
        assert!(explain_server_line(Protocol::Pop3, "-ERR [IN-USE] locked")
            .unwrap()
            .rfc
            .contains("2449"));
        assert!(explain_server_line(Protocol::Imap, "* 3 EXISTS")
            .unwrap()
            .rfc
            .contains("7.3.1"));
        assert!(explain_server_line(Protocol::Imap, "a1 BAD missing")
            .unwrap()
            .text
            .contains("syntax"));
        assert!(
            explain_server_line(Protocol::Imap, "* OK [UIDVALIDITY 7] x")
                .unwrap()
                .text
                .contains("UIDs")
        );
        assert!(explain_server_line(Protocol::Smtp, "hello").is_none());
        assert!(explain_server_line(Protocol::Smtp, "250-PIPELINING")
            .unwrap()
            .rfc
            .contains("2920"));
        assert!(explain_server_line(Protocol::Smtp, "250-mx.corp.example Hello x").is_none());
    }

    /// Regression: a response code counts only where the RFC puts it, after a status word;
    /// a FETCH'd subject holding "[ALERT]" is message data, not an alert.
    #[test]
    fn a_bracket_inside_data_is_not_a_response_code() {
        let fetch = explain_server_line(
            Protocol::Imap,
            "* 1 FETCH (ENVELOPE (NIL \"[ALERT] read me\" NIL))",
        )
        .unwrap();
        assert!(fetch.rfc.contains("7.4.2"), "{fetch:?}");
        let alert = explain_server_line(Protocol::Imap, "* OK [ALERT] disk full").unwrap();
        assert_eq!(alert.text, "A message the user must see.");
        assert!(explain_server_line(Protocol::Imap, "a1 NO [ALERT] x")
            .unwrap()
            .text
            .contains("must see"));
        let pop = explain_server_line(Protocol::Pop3, "+OK 2 messages [IN-USE]").unwrap();
        assert!(pop.text.starts_with("Positive status"), "{pop:?}");
        assert!(
            explain_server_line(Protocol::Imap, "a1 OK [READ-WRITE] done")
                .unwrap()
                .text
                .contains("read-write")
        );
    }

    #[test]
    fn commands_are_explained() {
        assert!(explain_client_line(Protocol::Smtp, "RCPT TO:<a@b>")
            .unwrap()
            .rfc
            .contains("4.1.1.3"));
        assert!(explain_client_line(Protocol::Imap, "a1 uid fetch 1 flags")
            .unwrap()
            .text
            .contains("UIDs"));
        assert!(explain_client_line(Protocol::Pop3, "dele 1")
            .unwrap()
            .text
            .contains("QUIT"));
    }
}
