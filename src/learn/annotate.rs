//! Annotates a conversation: each line with its explanation and RFC section, and error
//! replies with a "did you mean" hint for the command that caused them.

use super::{explain_client_line, explain_server_line, hint_for, Protocol};
use crate::sandbox::{Speaker, TranscriptLine};

/// One explained line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub speaker: Speaker,
    pub text: String,
    pub note: Option<String>,
}

fn is_error_reply(proto: Protocol, text: &str) -> bool {
    match proto {
        Protocol::Smtp => {
            text.starts_with("500") || text.starts_with("501") || text.starts_with("503")
        }
        Protocol::Pop3 => text.starts_with("-ERR"),
        Protocol::Imap => text.split_whitespace().nth(1).is_some_and(|w| w == "BAD"),
    }
}

/// Explains the lines of a conversation with a server on `port` (its protocol).
pub fn explain_lines(port: u16, lines: &[TranscriptLine]) -> Vec<Line> {
    let proto = Protocol::from_port(port);
    let mut last_client = String::new();
    lines
        .iter()
        .map(|l| {
            let text = l.text().into_owned();
            let note = proto.and_then(|p| {
                let e = match l.speaker {
                    Speaker::Client => explain_client_line(p, &text),
                    Speaker::Server => explain_server_line(p, &text),
                    Speaker::Net => None,
                };
                let mut note = e.map(|e| format!("{} ({})", e.text, e.rfc));
                if l.speaker == Speaker::Server && is_error_reply(p, &text) {
                    if let Some(h) = hint_for(p, &last_client) {
                        note = Some(format!("{} Hint: {h}", note.unwrap_or_default()));
                    }
                }
                note
            });
            if l.speaker == Speaker::Client {
                last_client.clone_from(&text);
            }
            Line {
                speaker: l.speaker,
                text,
                note,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Instant;

    #[test]
    fn lines_carry_explanations_and_hints() {
        let line = |speaker, text: &str| {
            TranscriptLine::new(Instant::ZERO, None, speaker, text.as_bytes().to_vec())
        };
        let lines = explain_lines(
            25,
            &[
                line(Speaker::Net, "connect mx 25"),
                line(Speaker::Server, "220 mx ready"),
                line(Speaker::Client, "RCTP TO:<a@b>"),
                line(Speaker::Server, "500 5.5.2 unknown"),
            ],
        );
        assert_eq!(lines.len(), 4);
        assert!(lines[1].note.as_deref().unwrap().contains("RFC 5321"));
        assert!(lines[3]
            .note
            .as_deref()
            .unwrap()
            .contains("did you mean RCPT TO"));
    }
}
