//! Explanations of protocol lines, each with the RFC section it comes from, looked up from
//! the typed records the servers' recorders write (a reply's code, a command's verb: see
//! [`crate::proto::record`]), never by searching a line's text.

use super::enhanced::enhanced_meaning;
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

const fn ex(text: &'static str, rfc: &'static str) -> Explanation {
    Explanation {
        text,
        rfc,
        enhanced: None,
    }
}

const SMTP_CODES: &[(u16, Explanation)] = &[
    (211, ex("System status or help reply.", "RFC 5321 §4.2.3")),
    (214, ex("Help message for a human reader.", "RFC 5321 §4.2.3")),
    (220, ex("Service ready: the server greets you. Say EHLO next.", "RFC 5321 §4.2, §4.3.1")),
    (221, ex("Service closing the connection (after QUIT).", "RFC 5321 §4.1.1.10")),
    (235, ex("Authentication succeeded.", "RFC 4954 §6")),
    (250, ex("Requested action okay, completed. After the final dot of DATA it means the server has taken responsibility for the message.", "RFC 5321 §4.2.3, §6.1")),
    (251, ex("User not local; will forward.", "RFC 5321 §3.4")),
    (252, ex("Cannot verify the user, but will accept the message and try (a safe VRFY answer).", "RFC 5321 §3.5.3")),
    (334, ex("Server challenge during AUTH: answer with a base64 line (or * to cancel).", "RFC 4954 §4")),
    (354, ex("Start mail input: send the message, then a line with a single dot.", "RFC 5321 §4.1.1.4")),
    (421, ex("Service not available, closing the connection (too many errors, idle too long, shutting down).", "RFC 5321 §4.2.3")),
    (450, ex("Mailbox unavailable for now: try again later.", "RFC 5321 §4.2.3")),
    (451, ex("Local error in processing: try again later.", "RFC 5321 §4.2.3")),
    (452, ex("Insufficient storage, or too many recipients: try again later.", "RFC 5321 §4.2.3, §4.5.3.1.10")),
    (454, ex("Temporary authentication failure.", "RFC 4954 §6")),
    (500, ex("Syntax error, command unrecognized (or a line too long).", "RFC 5321 §4.2.3")),
    (501, ex("Syntax error in parameters or arguments (e.g. missing <> around an address).", "RFC 5321 §4.2.3")),
    (502, ex("Command not implemented.", "RFC 5321 §4.2.3")),
    (503, ex("Bad sequence of commands: e.g. RCPT before MAIL, DATA before RCPT.", "RFC 5321 §4.1.4")),
    (504, ex("Command parameter not implemented.", "RFC 5321 §4.2.3")),
    (530, ex("Authentication required: this is a submission port, log in with AUTH first.", "RFC 4954 §6, RFC 6409 §4.3")),
    (535, ex("Authentication credentials invalid.", "RFC 4954 §6")),
    (550, ex("Mailbox unavailable: no such user here (5.1.1), or the action is refused.", "RFC 5321 §4.2.3, RFC 3463")),
    (551, ex("User not local.", "RFC 5321 §3.4")),
    (552, ex("Exceeded storage allocation: the message is too big (SIZE).", "RFC 5321 §4.2.3, RFC 1870")),
    (553, ex("Mailbox name not allowed (bad address syntax).", "RFC 5321 §4.2.3")),
    (554, ex("Transaction failed. 5.7.1 means refused by the server's policy; here: relaying denied, this server passes on mail to other domains only for its own users (it is not an open relay).", "RFC 5321 §4.2.3, RFC 3463 §3.8")),
    (555, ex("MAIL FROM/RCPT TO parameters not recognized.", "RFC 5321 §4.2.3")),
];

const POP3_CODES: &[(&str, Explanation)] = &[
    (
        "[IN-USE]",
        ex(
            "Another POP3 session has this mailbox open (it is locked): only one session at a time.",
            "RFC 2449 §8.1.2",
        ),
    ),
    (
        "[AUTH]",
        ex(
            "The credentials were wrong (not a temporary problem).",
            "RFC 3206 §5",
        ),
    ),
    (
        "[LOGIN-DELAY]",
        ex("Logging in too often.", "RFC 2449 §8.1.1"),
    ),
    (
        "[SYS/TEMP]",
        ex("A temporary system problem.", "RFC 3206 §4"),
    ),
    (
        "[SYS/PERM]",
        ex("A permanent system problem.", "RFC 3206 §4"),
    ),
];

const IMAP_UNTAGGED: &[(&str, Explanation)] = &[
    ("EXISTS", ex("The number of messages in the selected mailbox (a new message makes it grow).", "RFC 3501 §7.3.1")),
    ("RECENT", ex("How many messages are \\Recent: this session is the first to be told of them (another session sees them without \\Recent). IMAP4rev2 dropped \\Recent.", "RFC 3501 §7.3.2")),
    ("EXPUNGE", ex("The message with this sequence number is gone; the numbers after it shift down by one.", "RFC 3501 §7.4.1")),
    ("FETCH", ex("Data about a message (flags, envelope, body parts...).", "RFC 3501 §7.4.2")),
    ("FLAGS", ex("The flags that can be used in this mailbox.", "RFC 3501 §7.2.6")),
    ("LIST", ex("One mailbox matching LIST: attributes, hierarchy delimiter, name.", "RFC 3501 §7.2.2")),
    ("LSUB", ex("One subscribed mailbox.", "RFC 3501 §7.2.3")),
    ("STATUS", ex("Counters of a mailbox, without selecting it.", "RFC 3501 §7.2.4")),
    ("SEARCH", ex("The message numbers (or UIDs) that match the search.", "RFC 3501 §7.2.5")),
    ("CAPABILITY", ex("What this server can do: extensions and AUTH mechanisms.", "RFC 3501 §7.2.1")),
    ("BYE", ex("The server is closing the connection.", "RFC 3501 §7.1.5")),
    ("NAMESPACE", ex("The prefixes of mailbox names: your own mailboxes, other users' and shared ones (e.g. ((\"\" \"/\")) NIL NIL: all yours, / between levels).", "RFC 2342 §5")),
    ("ID", ex("Server identification.", "RFC 2971 §3.2")),
    ("ENABLED", ex("Extensions that ENABLE turned on.", "RFC 5161 §3.2")),
    ("VANISHED", ex("UIDs that are gone (QRESYNC's EXPUNGE: no sequence numbers to shift); (EARLIER) means they went while the client was away.", "RFC 7162 §3.2.10")),
    ("ESEARCH", ex("The results of SEARCH RETURN (...) or SORT RETURN (...): MIN, MAX, ALL (as a set; after SORT in sort order), COUNT, PARTIAL (positions m:n of the result), for the command with this TAG; ADDTO and REMOVEFROM tell how the result of a SEARCH RETURN (UPDATE) changed since.", "RFC 4731 §3.1, RFC 5267 §3.1, §4.3.3, §4.3.4, §4.4")),
    ("SORT", ex("The matching messages in the order SORT asked for.", "RFC 5256 §4")),
    ("THREAD", ex("The matches as threads: (parent child ...), several children each in parentheses; REFERENCES links replies by Message-ID, In-Reply-To and References; REFS does the same without grouping by subject, the thread with the newest message last.", "RFC 5256 §4")),
];

const IMAP_CODES: &[(&str, Explanation)] = &[
    ("[UIDVALIDITY", ex("UIDs are valid while this number stays the same; if it changes, a client must forget its cached UIDs.", "RFC 3501 §2.3.1.1")),
    ("[UIDNEXT", ex("The UID the next message will get.", "RFC 3501 §2.3.1.1")),
    ("[UNSEEN", ex("The message number of the first message without \\Seen (a position, not a count): [UNSEEN 3] means message 3.", "RFC 3501 §7.1")),
    ("[PERMANENTFLAGS", ex("Flags the client can change for good (\\* = new keywords allowed).", "RFC 3501 §7.1")),
    ("[READ-WRITE]", ex("The mailbox is selected read-write.", "RFC 3501 §6.3.1")),
    ("[READ-ONLY]", ex("The mailbox is selected read-only (EXAMINE).", "RFC 3501 §6.3.2")),
    ("[TRYCREATE]", ex("The target mailbox does not exist; CREATE it first.", "RFC 3501 §7.1")),
    ("[ALERT]", ex("A message the user must see.", "RFC 3501 §7.1")),
    ("[CAPABILITY", ex("The server's capabilities, sent along.", "RFC 3501 §7.1")),
    ("[APPENDUID", ex("The UIDVALIDITY and UID the appended message got (a set of UIDs when one APPEND carried several messages, MULTIAPPEND).", "RFC 4315 §3")),
    ("[BADURL", ex("A CATENATE URL does not name a message part here (gone, wrong UIDVALIDITY, another server or user): nothing was appended.", "RFC 4469 §4.1")),
    ("[TOOBIG]", ex("The message (or the one CATENATE would build) is larger than the server takes.", "RFC 4469 §4.2")),
    ("[BADEVENT", ex("NOTIFY named an event this server does not report; the list says which it does.", "RFC 5465 §5")),
    ("[NOTIFICATIONOVERFLOW]", ex("Too many changes to report one by one: notifications are off until the client sends NOTIFY again (and resynchronises).", "RFC 5465 §5.8")),
    ("[NOUPDATE", ex("The search answered, but the server keeps no more UPDATE contexts: CANCELUPDATE one, then search again.", "RFC 5267 §4.3.1")),
    ("[COPYUID", ex("Where the copied messages went (old and new UIDs).", "RFC 4315 §3")),
    ("[AUTHENTICATIONFAILED]", ex("Wrong user name or password.", "RFC 5530 §3")),
    ("[CLOSED]", ex("The previously selected mailbox is closed: what follows is about the new one.", "RFC 7162 §3.2.11")),
    ("[HIGHESTMODSEQ", ex("The highest mod-sequence in the mailbox: remember it to ask later what changed since (CONDSTORE, QRESYNC).", "RFC 7162 §3.1.2.1")),
    ("[UNKNOWN-CTE]", ex("BINARY cannot undo this part's Content-Transfer-Encoding; fetch it with BODY[] and decode it yourself.", "RFC 3516 §4.3")),
];

const SMTP_EXTENSIONS: &[(&str, Explanation)] = &[
    (
        "PIPELINING",
        ex(
            "Extension: the client may send several commands without waiting for each reply.",
            "RFC 2920",
        ),
    ),
    (
        "SIZE",
        ex(
            "Extension: the largest message accepted, in octets; MAIL FROM may declare SIZE=.",
            "RFC 1870",
        ),
    ),
    (
        "AUTH",
        ex(
            "Extension: the SASL mechanisms for logging in (PLAIN, LOGIN).",
            "RFC 4954",
        ),
    ),
    (
        "ENHANCEDSTATUSCODES",
        ex(
            "Extension: replies carry a detailed class.subject.detail code like 5.1.1.",
            "RFC 2034, RFC 3463",
        ),
    ),
    (
        "8BITMIME",
        ex(
            "Extension: message bodies may contain 8-bit bytes.",
            "RFC 6152",
        ),
    ),
    (
        "CHUNKING",
        ex(
            "Extension: BDAT sends the message in counted chunks instead of DATA.",
            "RFC 3030",
        ),
    ),
    (
        "SMTPUTF8",
        ex(
            "Extension: addresses and headers may use UTF-8.",
            "RFC 6531",
        ),
    ),
    (
        "STARTTLS",
        ex(
            "Extension: STARTTLS switches this connection to TLS; after it the client says EHLO again, inside the encryption.",
            "RFC 3207 §4",
        ),
    ),
];

/// Explains an extension an EHLO reply names (`250-PIPELINING`).
fn smtp_extension(keyword: &str) -> Option<Explanation> {
    SMTP_EXTENSIONS
        .iter()
        .find(|(k, _)| *k == keyword)
        .map(|(_, e)| e.clone())
}

/// Finds a code's explanation: a table key names the code (`[UIDNEXT`) or the whole of it
/// (`[READ-WRITE]`).
fn code_meaning(table: &[(&str, Explanation)], code: &str) -> Option<Explanation> {
    table
        .iter()
        .find(|(key, _)| {
            code.strip_prefix(key)
                .is_some_and(|rest| key.ends_with(']') || rest.starts_with([' ', ']']))
        })
        .map(|(_, e)| e.clone())
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
            let base = SMTP_CODES
                .iter()
                .find(|(c, _)| c == code)
                .map(|(_, e)| e.clone());
            let general = || match code / 100 {
                2 => ex("Positive completion.", "RFC 5321 §4.2.1"),
                3 => ex("Positive intermediate: send more.", "RFC 5321 §4.2.1"),
                4 => ex("Transient failure: try again later.", "RFC 5321 §4.2.1"),
                _ => ex("Permanent failure: do not repeat as is.", "RFC 5321 §4.2.1"),
            };
            Some(Explanation {
                enhanced: enhanced.as_deref().and_then(enhanced_meaning),
                ..base.unwrap_or_else(general)
            })
        }
        ReplyLine::Pop3Status { ok, code } => {
            if let Some(e) = code.as_deref().and_then(|c| code_meaning(POP3_CODES, c)) {
                return Some(e);
            }
            Some(if *ok {
                ex("Positive status: the command worked.", "RFC 1939 §3")
            } else {
                ex(
                    "Negative status: the command failed (the text says why).",
                    "RFC 1939 §3",
                )
            })
        }
        ReplyLine::Pop3End => Some(ex(
            "End of a multi-line reply: a line holding only a dot. A line of the message that starts with a dot is sent with a second dot in front (..hidden for .hidden), so it cannot be taken for the end.",
            "RFC 1939 §3",
        )),
        ReplyLine::Continuation => Some(match proto {
            Protocol::Imap => ex(
                "Continuation request: the server is ready for the rest (a literal, IDLE, SASL).",
                "RFC 3501 §7.5",
            ),
            _ => ex(
                "Continuation: send the next piece of the SASL exchange.",
                "RFC 5034 §4",
            ),
        }),
        ReplyLine::ImapStatus {
            tagged,
            status,
            code,
        } => {
            if let Some(e) = code.as_deref().and_then(|c| code_meaning(IMAP_CODES, c)) {
                return Some(e);
            }
            match (tagged, status) {
                (false, ImapStatus::Ok) => Some(ex(
                    "Untagged OK: information (or the greeting).",
                    "RFC 3501 §7.1.1",
                )),
                (false, ImapStatus::Preauth) => {
                    Some(ex("Already authenticated.", "RFC 3501 §7.1.4"))
                }
                (false, other) => untagged_meaning(other.name()),
                (true, ImapStatus::Ok) => Some(ex(
                    "Tagged OK: the command with this tag completed.",
                    "RFC 3501 §7.1.1",
                )),
                (true, ImapStatus::No) => Some(ex(
                    "Tagged NO: the command was understood but failed.",
                    "RFC 3501 §7.1.2",
                )),
                (true, ImapStatus::Bad) => Some(ex(
                    "Tagged BAD: a protocol or syntax error in the command; the text says what.",
                    "RFC 3501 §7.1.3",
                )),
                (true, _) => None,
            }
        }
        ReplyLine::ImapData { name } => untagged_meaning(name),
    }
}

fn untagged_meaning(name: &str) -> Option<Explanation> {
    IMAP_UNTAGGED
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, e)| e.clone())
}

const SMTP_COMMANDS: &[(&str, Explanation)] = &[
    (
        "EHLO",
        ex(
            "Extended hello: the client names itself and asks which extensions the server has.",
            "RFC 5321 §4.1.1.1",
        ),
    ),
    (
        "HELO",
        ex("Hello, without extensions.", "RFC 5321 §4.1.1.1"),
    ),
    (
        "MAIL",
        ex(
            "MAIL FROM:<address> starts a transaction and gives the bounce address (reverse-path).",
            "RFC 5321 §4.1.1.2",
        ),
    ),
    (
        "RCPT",
        ex(
            "RCPT TO:<address> adds one recipient (forward-path). Repeat for more.",
            "RFC 5321 §4.1.1.3",
        ),
    ),
    (
        "DATA",
        ex(
            "The message follows, ended by a line with a single dot. A line of the message that starts with a dot is sent with one more dot in front (..hidden for .hidden, dot-stuffing); the server takes it away again.",
            "RFC 5321 §4.1.1.4, §4.5.2",
        ),
    ),
    (
        "BDAT",
        ex(
            "A chunk of the message of exactly this many octets (CHUNKING); LAST ends it.",
            "RFC 3030 §2",
        ),
    ),
    (
        "RSET",
        ex("Abort the current transaction.", "RFC 5321 §4.1.1.5"),
    ),
    (
        "VRFY",
        ex(
            "Ask whether a user exists (servers usually answer 252 to protect privacy).",
            "RFC 5321 §4.1.1.6",
        ),
    ),
    (
        "NOOP",
        ex("Do nothing; the server says 250.", "RFC 5321 §4.1.1.9"),
    ),
    ("QUIT", ex("Close the session.", "RFC 5321 §4.1.1.10")),
    ("HELP", ex("Ask for help text.", "RFC 5321 §4.1.1.8")),
    (
        "AUTH",
        ex(
            "Log in with a SASL mechanism. PLAIN sends base64 of \\0user\\0password: base64 is an encoding, not encryption, so anyone who sees the line can read the password.",
            "RFC 4954 §4, RFC 4616",
        ),
    ),
    (
        "STARTTLS",
        ex(
            "Start TLS on this connection: after 220 the TLS handshake runs, then everything (AUTH included) travels encrypted, and the client says EHLO again. Commands sent after STARTTLS before the handshake are thrown away.",
            "RFC 3207 §4",
        ),
    ),
];

const POP3_COMMANDS: &[(&str, Explanation)] = &[
    (
        "USER",
        ex("Name the mailbox to log in to (the RFC calls it the maildrop), e.g. USER boss; PASS follows.", "RFC 1939 §7"),
    ),
    (
        "PASS",
        ex(
            "The password; on success the session enters the TRANSACTION state.",
            "RFC 1939 §7",
        ),
    ),
    (
        "APOP",
        ex(
            "Log in with an MD5 digest of the greeting's timestamp and the password.",
            "RFC 1939 §7",
        ),
    ),
    ("AUTH", ex("Log in with SASL: AUTH PLAIN with base64 of \\0user\\0password (an encoding, not encryption).", "RFC 5034 §4")),
    ("CAPA", ex("List the server's capabilities.", "RFC 2449 §5")),
    (
        "STAT",
        ex("Number of messages and total size.", "RFC 1939 §5"),
    ),
    (
        "LIST",
        ex("Size of each message (or of one).", "RFC 1939 §5"),
    ),
    (
        "UIDL",
        ex(
            "A unique id per message that stays the same across sessions.",
            "RFC 1939 §7",
        ),
    ),
    ("RETR", ex("Download a whole message.", "RFC 1939 §5")),
    (
        "TOP",
        ex(
            "The header and the first n lines of the body.",
            "RFC 1939 §7",
        ),
    ),
    (
        "DELE",
        ex(
            "Mark a message deleted; it is removed only at QUIT (UPDATE state).",
            "RFC 1939 §5",
        ),
    ),
    ("RSET", ex("Unmark all deletions.", "RFC 1939 §5")),
    (
        "STLS",
        ex(
            "Start TLS on this connection: after +OK the TLS handshake runs, then USER/PASS and the mail travel encrypted.",
            "RFC 2595 §4",
        ),
    ),
    ("NOOP", ex("Do nothing.", "RFC 1939 §5")),
    (
        "QUIT",
        ex(
            "In TRANSACTION: enter UPDATE, remove the marked messages, close.",
            "RFC 1939 §6",
        ),
    ),
];

/// IMAP's commands come from the server's own command table.
fn imap_command(word: &str) -> Option<Explanation> {
    crate::proto::imap::command::about(word).map(|(text, rfc)| ex(text, rfc))
}

/// Explains a line the client typed, read by its protocol's grammar (see
/// [`explain_command`] for a command a recorder typed already).
pub fn explain_client_line(proto: Protocol, line: &str) -> Option<Explanation> {
    explain_command(proto, &read_command(proto, line)?)
}

/// Explains a typed client command by its verb (IMAP's `UID` prefix by itself).
pub fn explain_command(proto: Protocol, command: &Command) -> Option<Explanation> {
    let (table, name) = match (proto, &command.verb) {
        (Protocol::Smtp, Verb::Smtp(v)) => (SMTP_COMMANDS, v.name()),
        (Protocol::Pop3, Verb::Pop3(v)) => (POP3_COMMANDS, v.name()),
        (Protocol::Imap, Verb::Imap { uid: true, .. }) => return imap_command("UID"),
        (Protocol::Imap, Verb::Imap { verb, .. }) => return imap_command(verb.name()),
        _ => return None,
    };
    table
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, e)| e.clone())
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
