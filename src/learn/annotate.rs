//! Annotates a terminal's output: each line with its explanation and RFC section, and error
//! replies with a "did you mean" hint for the command that caused them.

use super::{explain_client_line, explain_server_line, hint_for, Protocol};

/// One rendered line of a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub speaker: char,
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

/// Splits a terminal's `C: `/`S: `/`-- ` output into lines with explanations.
pub fn explain_output(port: u16, output: &str) -> Vec<Line> {
    let proto = Protocol::from_port(port);
    let mut last_client = String::new();
    output
        .lines()
        .map(|l| {
            let (speaker, text) = match l.get(..3) {
                Some("C: ") => ('C', &l[3..]),
                Some("S: ") => ('S', &l[3..]),
                _ => ('-', l.trim_start_matches("-- ")),
            };
            let note = proto.and_then(|p| {
                let e = match speaker {
                    'C' => explain_client_line(p, text),
                    'S' => explain_server_line(p, text),
                    _ => None,
                };
                let mut note = e.map(|e| format!("{} ({})", e.text, e.rfc));
                if speaker == 'S' && is_error_reply(p, text) {
                    if let Some(h) = hint_for(p, &last_client) {
                        note = Some(format!("{} Hint: {h}", note.unwrap_or_default()));
                    }
                }
                note
            });
            if speaker == 'C' {
                last_client = text.to_string();
            }
            Line {
                speaker,
                text: text.to_string(),
                note,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_explanations_and_hints() {
        let lines = explain_output(
            25,
            "-- connect mx 25\nS: 220 mx ready\nC: RCTP TO:<a@b>\nS: 500 5.5.2 unknown\n",
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
