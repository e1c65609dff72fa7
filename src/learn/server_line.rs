//! Server lines parsed as far as explaining them needs: SMTP reply codes (RFC 5321 §4.2),
//! POP3 status indicators with their response codes (RFC 1939 §3, RFC 2449 §8), IMAP status
//! responses with theirs, continuation requests and untagged data (RFC 3501 §7). A response
//! code is read only where the RFC puts it, so a bracket inside data is never one.

use super::Protocol;

/// The response code of a status response's text (`[IN-USE] locked` gives `[IN-USE]`): only
/// there does a bracket mean a code (RFC 2449 §8 for POP3, RFC 3501 §7.1 for IMAP), never
/// inside data such as a FETCH'd subject.
pub(crate) fn response_code(text: &str) -> Option<&str> {
    let text = text.trim_start();
    if !text.starts_with('[') {
        return None;
    }
    text.find(']').map(|i| &text[..=i])
}

/// A server line parsed as far as explaining it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerLine<'a> {
    /// `250-...` / `250 ...`: the code, whether more lines follow, the text.
    Smtp {
        code: u16,
        more: bool,
    },
    /// POP3 `+OK` / `-ERR` with the text after it.
    Pop3Status {
        ok: bool,
        text: &'a str,
    },
    /// POP3 `.` ending a multi-line reply.
    Pop3End,
    /// A continuation request: POP3/SMTP-AUTH `+ ...`, IMAP `+ ...`.
    Continuation,
    /// IMAP `*` or `tag` followed by OK/NO/BAD/BYE/PREAUTH and its text.
    ImapStatus {
        tagged: bool,
        status: &'a str,
        text: &'a str,
    },
    /// IMAP untagged data: `* 3 EXISTS`, `* FLAGS (...)`: its keyword.
    ImapData {
        keyword: &'a str,
    },
    Other,
}

impl<'a> ServerLine<'a> {
    pub(crate) fn parse(proto: Protocol, line: &'a str) -> ServerLine<'a> {
        match proto {
            Protocol::Smtp => {
                let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
                let sep = line.as_bytes().get(3).copied();
                match code {
                    Some(code) if matches!(sep, None | Some(b' ') | Some(b'-')) => {
                        ServerLine::Smtp {
                            code,
                            more: sep == Some(b'-'),
                        }
                    }
                    _ => ServerLine::Other,
                }
            }
            Protocol::Pop3 => {
                if line == "." {
                    ServerLine::Pop3End
                } else if let Some(text) = status_text(line, "+OK") {
                    ServerLine::Pop3Status { ok: true, text }
                } else if let Some(text) = status_text(line, "-ERR") {
                    ServerLine::Pop3Status { ok: false, text }
                } else if line.starts_with('+') {
                    ServerLine::Continuation
                } else {
                    ServerLine::Other
                }
            }
            Protocol::Imap => {
                if line.starts_with('+') {
                    return ServerLine::Continuation;
                }
                let mut parts = line.splitn(3, ' ');
                let (Some(tag), Some(word)) = (parts.next(), parts.next()) else {
                    return ServerLine::Other;
                };
                let rest = parts.next().unwrap_or("");
                let is_status = |w: &str| {
                    ["OK", "NO", "BAD", "BYE", "PREAUTH"]
                        .iter()
                        .any(|s| w.eq_ignore_ascii_case(s))
                };
                if is_status(word) {
                    return ServerLine::ImapStatus {
                        tagged: tag != "*",
                        status: word,
                        text: rest,
                    };
                }
                if tag != "*" {
                    return ServerLine::Other;
                }
                // `* 3 EXISTS`: the keyword follows the number.
                let keyword = if word.parse::<u32>().is_ok() {
                    rest.split(' ').next().unwrap_or("")
                } else {
                    word
                };
                ServerLine::ImapData { keyword }
            }
        }
    }
}

/// The text after a POP3 status indicator, when the line starts with it as a word.
fn status_text<'a>(line: &'a str, status: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(status)?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim_start())
}
