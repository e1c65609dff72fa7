//! Protocol lines with their meaning in place: a hover title and, for the line picked, a side
//! note with the RFC section; mistyped commands get a "did you mean" hint.

use crate::learn::{explain_client_line, explain_server_line, hint_for, Protocol};
use leptos::prelude::*;

/// One rendered line of a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub speaker: char,
    pub text: String,
    pub note: Option<String>,
}

fn is_error_reply(proto: Protocol, text: &str) -> bool {
    match proto {
        Protocol::Smtp => text.starts_with("500") || text.starts_with("501") || text.starts_with("503"),
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
            Line { speaker, text: text.to_string(), note }
        })
        .collect()
}

/// A terminal's lines, client and server styled apart, each explained on hover and focus.
#[component]
pub fn ExplainedLines(lines: Vec<Line>) -> impl IntoView {
    let items = lines
        .into_iter()
        .map(|l| {
            let class = match l.speaker {
                'C' => "line client",
                'S' => "line server",
                _ => "line net",
            };
            let tag = match l.speaker {
                'C' => "C: ",
                'S' => "S: ",
                _ => "-- ",
            };
            let title = l.note.clone().unwrap_or_default();
            let has_note = l.note.is_some();
            view! {
                <li class=class title=title tabindex=has_note.then_some("0")>
                    <span class="who" aria-hidden="true">{tag}</span>
                    <code>{l.text}</code>
                    {l.note.map(|n| view! { <small class="note" data-testid="explain">{n}</small> })}
                </li>
            }
        })
        .collect_view();
    view! { <ol class="lines">{items}</ol> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_carry_explanations_and_hints() {
        let lines = explain_output(25, "-- connect mx 25\nS: 220 mx ready\nC: RCTP TO:<a@b>\nS: 500 5.5.2 unknown\n");
        assert_eq!(lines.len(), 4);
        assert!(lines[1].note.as_deref().unwrap().contains("RFC 5321"));
        assert!(lines[3].note.as_deref().unwrap().contains("did you mean RCPT TO"));
    }
}
