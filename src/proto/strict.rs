//! Strict and lenient servers (issue 15). Every server is lenient by default: it accepts what
//! learners type (bare LF line ends, `MAIL FROM: a@b` without angle brackets, runs of spaces
//! in POP3, commands pipelined without PIPELINING). A host switched to strict refuses those as
//! strict real servers do; a lenient one accepts them and the world notes what a strict server
//! would have answered, with the RFC section, for the terminal to show in place.
//!
//! The checks look at whole lines in front of the sessions (`sandbox::gate` calls them), so
//! the protocol sessions stay as they are. Text lines over 1000 octets are refused in both modes already
//! (RFC 5321 §4.5.3.1.6, by the SMTP session itself).

/// What a strict server refuses that a lenient one lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrictCheck {
    /// A line ended by LF alone (RFC 5321 §2.3.8; RFC 1939 §3; RFC 3501 §2.2).
    BareLf,
    /// `MAIL FROM:` / `RCPT TO:` without `<...>` (RFC 5321 §4.1.2).
    MissingAngleBrackets,
    /// A message whose lines end with LF alone (RFC 5321 §2.3.8).
    BareLfInMessage,
    /// A header field with 8-bit bytes in a transaction without SMTPUTF8 (RFC 6531 §3.2,
    /// RFC 5322 §2.2).
    EightBitHeader,
    /// A command sent before the previous reply (it had arrived when the previous command was
    /// handled) while PIPELINING was not offered (a HELO session, RFC 2920 §3.1; RFC 5321
    /// §4.3.1).
    Pipelining,
    /// POP3 arguments separated by more than a single space (RFC 1939 §3).
    ExtraSpaces,
    /// A POP3 command line over 255 octets (RFC 2449 §4).
    LineTooLong,
}

/// What a strict server answers, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictFinding {
    pub check: StrictCheck,
    /// The reply a strict server sends (for IMAP without the tag).
    pub reply: String,
    /// Where the rule comes from, e.g. "RFC 5321 §2.3.8".
    pub rfc: &'static str,
}

/// Which protocol a gate's session speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proto {
    Smtp,
    Pop3,
    Imap,
    Other,
}

fn finding(check: StrictCheck, reply: &str, rfc: &'static str) -> Option<StrictFinding> {
    Some(StrictFinding {
        check,
        reply: format!("{reply} ({rfc})"),
        rfc,
    })
}

/// Checks one command line (without its line end). `line_len` counts the line end too.
pub(crate) fn check_command(
    proto: Proto,
    body: &[u8],
    line_len: usize,
    bare_lf: bool,
    pipelined: bool,
) -> Option<StrictFinding> {
    use StrictCheck::*;
    match proto {
        Proto::Other => None,
        Proto::Smtp if bare_lf => finding(
            BareLf,
            "500 5.5.2 Bare LF line end: end lines with CRLF",
            "RFC 5321 §2.3.8",
        ),
        Proto::Pop3 if bare_lf => finding(
            BareLf,
            "-ERR Bare LF line end: end lines with CRLF",
            "RFC 1939 §3",
        ),
        Proto::Imap if bare_lf => finding(
            BareLf,
            "BAD Bare LF line end: end lines with CRLF",
            "RFC 3501 §2.2",
        ),
        Proto::Smtp if pipelined => finding(
            Pipelining,
            "554 5.5.0 Command sent before the previous reply, and PIPELINING was not offered",
            "RFC 2920 §3.1",
        ),
        Proto::Smtp => {
            let text = String::from_utf8_lossy(body);
            let (verb, rest) = text.split_once(':')?;
            let verb: Vec<&str> = verb.split_ascii_whitespace().collect();
            let is = |a: &str, b: &str| {
                verb.len() == 2
                    && verb[0].eq_ignore_ascii_case(a)
                    && verb[1].eq_ignore_ascii_case(b)
            };
            let path = rest.trim_start();
            if (is("MAIL", "FROM") || is("RCPT", "TO")) && !path.starts_with('<') {
                return finding(
                    MissingAngleBrackets,
                    "501 5.5.4 Syntax: the address goes in angle brackets, e.g. MAIL FROM:<you@example>",
                    "RFC 5321 §4.1.2",
                );
            }
            None
        }
        Proto::Pop3 if line_len > 255 => finding(
            LineTooLong,
            "-ERR Command line over 255 octets",
            "RFC 2449 §4",
        ),
        Proto::Pop3 => {
            let extra = body.windows(2).any(|w| w == b"  ")
                || body.contains(&b'\t')
                || body.last() == Some(&b' ')
                || body.first() == Some(&b' ');
            if extra {
                return finding(
                    ExtraSpaces,
                    "-ERR Arguments are separated by a single space",
                    "RFC 1939 §3",
                );
            }
            None
        }
        Proto::Imap => None,
    }
}

/// What the gate saw of the DATA text of one message.
#[derive(Debug, Clone, Default)]
pub(crate) struct MessageSeen {
    pub in_body: bool,
    pub bare_lf: bool,
    pub eight_bit_header: bool,
}

impl MessageSeen {
    /// Notes one text line (without its line end).
    pub fn line(&mut self, body: &[u8], bare_lf: bool) {
        self.bare_lf |= bare_lf;
        if !self.in_body {
            if body.is_empty() {
                self.in_body = true;
            } else if !body.is_ascii() {
                self.eight_bit_header = true;
            }
        }
    }

    /// At the final dot: what a strict server answers instead of taking the message.
    pub fn check_end(&self, smtputf8: bool) -> Option<StrictFinding> {
        if self.bare_lf {
            return finding(
                StrictCheck::BareLfInMessage,
                "554 5.6.0 Message refused: it has lines ended by a bare LF",
                "RFC 5321 §2.3.8",
            );
        }
        if self.eight_bit_header && !smtputf8 {
            return finding(
                StrictCheck::EightBitHeader,
                "554 5.6.7 Non-ASCII header without SMTPUTF8",
                "RFC 6531 §3.2",
            );
        }
        None
    }
}
