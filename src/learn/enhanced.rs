//! Enhanced mail system status codes in plain words: the `class.subject.detail` a server that
//! offers ENHANCEDSTATUSCODES (RFC 2034) puts after its reply code, as in `550 5.1.1`.
//! RFC 3463 §2 gives the structure, §3.1-§3.8 one section per subject; RFC 4954 §6 adds the
//! authentication codes and RFC 6531 §3.5 the ones for non-ASCII addresses.

/// A parsed `class.subject.detail` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnhancedCode {
    class: u8,
    subject: u16,
    detail: u16,
}

/// What the class says (RFC 3463 §2).
fn class_words(class: u8) -> &'static str {
    match class {
        2 => "success",
        4 => "temporary failure, the sender may try again later",
        _ => "permanent failure, do not send it again as it is",
    }
}

/// What the subject is about, with its section of RFC 3463.
fn subject_words(subject: u16) -> Option<(&'static str, &'static str)> {
    Some(match subject {
        0 => ("other or undefined status", "RFC 3463 §3.1"),
        1 => ("address status", "RFC 3463 §3.2"),
        2 => ("mailbox status", "RFC 3463 §3.3"),
        3 => ("mail system status", "RFC 3463 §3.4"),
        4 => ("network and routing status", "RFC 3463 §3.5"),
        5 => ("mail delivery protocol status", "RFC 3463 §3.6"),
        6 => ("message content or media status", "RFC 3463 §3.7"),
        7 => ("security or policy status", "RFC 3463 §3.8"),
        _ => return None,
    })
}

/// The detail, where a standard names it: (subject, detail, words).
const DETAILS: &[(u16, u16, &str)] = &[
    (0, 0, "nothing more specific to say"),
    (1, 0, "something about an address"),
    (1, 1, "bad destination mailbox address: no such user there"),
    (
        1,
        2,
        "bad destination system: the domain has no mail server (no MX or A record)",
    ),
    (1, 3, "bad destination mailbox address syntax"),
    (1, 4, "destination mailbox address ambiguous"),
    (1, 5, "destination address valid: the recipient is accepted"),
    (1, 6, "destination mailbox has moved"),
    (1, 7, "bad sender's mailbox address syntax"),
    (1, 8, "bad sender's system address"),
    (2, 0, "something about the mailbox"),
    (2, 1, "mailbox disabled, not accepting messages"),
    (2, 2, "mailbox full: over its quota"),
    (2, 3, "message longer than the mailbox allows"),
    (2, 4, "mailing list expansion problem"),
    (3, 0, "something about the mail system"),
    (3, 1, "mail system full: out of storage"),
    (3, 2, "system not accepting network messages"),
    (3, 3, "system not capable of the selected features"),
    (3, 4, "message too big for the system"),
    (3, 5, "system incorrectly configured"),
    (4, 0, "something about the network or routing"),
    (4, 1, "no answer from the next host"),
    (4, 2, "bad connection: it dropped or timed out"),
    (4, 3, "directory server failure (DNS)"),
    (4, 4, "unable to route: nowhere to send it"),
    (4, 5, "mail system congestion"),
    (4, 6, "routing loop detected"),
    (4, 7, "delivery time expired: the sender gave up retrying"),
    (5, 0, "something about the protocol"),
    (5, 1, "invalid command, or a command in the wrong order"),
    (5, 2, "syntax error"),
    (5, 3, "too many recipients"),
    (5, 4, "invalid command arguments"),
    (5, 5, "wrong protocol version"),
    (5, 6, "authentication exchange line too long"),
    (6, 0, "something about the message content"),
    (6, 1, "media not supported"),
    (6, 2, "conversion required and prohibited"),
    (6, 3, "conversion required but not supported"),
    (6, 4, "conversion with loss performed"),
    (6, 5, "conversion failed"),
    (
        6,
        7,
        "non-ASCII address where the session did not allow it (SMTPUTF8)",
    ),
    (
        7,
        0,
        "something about security or policy (with 530: log in first)",
    ),
    (
        7,
        1,
        "delivery not authorized, message refused: the server's policy says no",
    ),
    (7, 2, "mailing list expansion prohibited"),
    (7, 3, "security conversion required but not possible"),
    (7, 4, "security features not supported"),
    (7, 5, "cryptographic failure"),
    (7, 6, "cryptographic algorithm not supported"),
    (7, 7, "message integrity failure"),
    (7, 8, "authentication credentials invalid"),
    (7, 9, "authentication mechanism too weak"),
];

impl EnhancedCode {
    /// The code at the start of a reply's text (`5.1.1 <x@corp.example>: user unknown`): class
    /// 2, 4 or 5, then subject and detail of one to three digits each (RFC 3463 §2).
    pub fn parse(text: &str) -> Option<EnhancedCode> {
        let word = text.split_ascii_whitespace().next()?;
        let mut parts = word.split('.');
        let class = parts.next()?;
        let subject = parts.next()?;
        let detail = parts.next()?;
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse::<u16>().ok())
                .flatten()
        };
        let class = match class {
            "2" => 2,
            "4" => 4,
            "5" => 5,
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(EnhancedCode {
            class,
            subject: number(subject)?,
            detail: number(detail)?,
        })
    }

    /// The code in plain words with the RFC section of its subject, e.g. for `4.2.2`
    /// "4.2.2: temporary failure, the sender may try again later; mailbox full: over its
    /// quota (mailbox status, RFC 3463 §3.3)".
    pub fn meaning(&self) -> String {
        let code = format!("{}.{}.{}", self.class, self.subject, self.detail);
        let class = class_words(self.class);
        let Some((subject, section)) = subject_words(self.subject) else {
            return format!("{code}: {class}");
        };
        let detail = DETAILS
            .iter()
            .find(|(s, d, _)| *s == self.subject && *d == self.detail)
            .map_or("a detail no standard names", |(_, _, words)| words);
        format!("{code}: {class}; {detail} ({subject}, {section})")
    }
}

/// The plain-words meaning of the enhanced code that starts `text`, if it has one.
pub fn enhanced_meaning(text: &str) -> Option<String> {
    EnhancedCode::parse(text).map(|c| c.meaning())
}

/// The meaning of the status code in a failure reason the relay wrote (`452 4.2.2 mailbox
/// full`, `4.4.1 cannot reach ...`), as the queue shows it under "Last error".
pub fn reason_meaning(reason: &str) -> Option<String> {
    crate::relay::reason_status(reason).and_then(enhanced_meaning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_the_sandbox_sends_are_decoded() {
        for (text, words) in [
            ("5.1.1 <nobody@corp.example>: user unknown", "no such user"),
            ("4.2.2 Mailbox full", "mailbox full"),
            ("4.3.0 Spool error", "mail system"),
            ("4.5.3 Too many recipients", "too many recipients"),
            ("5.5.4 Bad parameter", "invalid command arguments"),
            ("5.6.7 Non-ASCII address", "SMTPUTF8"),
            ("5.7.1 Relaying denied", "policy says no"),
            ("5.3.4 Message too big", "too big"),
        ] {
            let meaning = enhanced_meaning(text).unwrap_or_default();
            assert!(meaning.contains(words), "{text}: {meaning}");
        }
        assert_eq!(
            enhanced_meaning("4.2.2 Mailbox full").as_deref(),
            Some(
                "4.2.2: temporary failure, the sender may try again later; mailbox full: over \
                 its quota (mailbox status, RFC 3463 §3.3)"
            )
        );
    }

    #[test]
    fn a_queue_error_is_decoded_with_or_without_its_reply_code() {
        let full = reason_meaning("452 4.2.2 mailbox full").unwrap_or_default();
        assert!(full.contains("mailbox full: over its quota"), "{full}");
        let down =
            reason_meaning("4.4.1 cannot reach corp.example: host is down").unwrap_or_default();
        assert!(down.contains("no answer from the next host"), "{down}");
        assert_eq!(reason_meaning("busy"), None);
    }

    #[test]
    fn text_without_a_code_has_no_meaning() {
        for text in [
            "",
            "Ok",
            "mx.corp.example ESMTP",
            "3.1.1 x",
            "5.1 x",
            "5.1.1.1 x",
            "5.a.1 x",
            "5.1.1234 x",
        ] {
            assert_eq!(enhanced_meaning(text), None, "{text}");
        }
        assert!(enhanced_meaning("5.9.9 x")
            .unwrap_or_default()
            .starts_with("5.9.9: permanent failure"));
        assert!(enhanced_meaning("5.1.99 x")
            .unwrap_or_default()
            .contains("a detail no standard names"));
    }
}
