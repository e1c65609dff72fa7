//! A terminal's lines, each explained once when it arrives (not on every redraw), and the
//! fault-rule and strict-mode notes that go under them (issue 15).

use crate::learn::annotate::explain_lines;
use crate::sandbox::{FaultAction, GateMark, GateMarkKind, Speaker, TranscriptLine};
use crate::time::Instant;
use std::collections::VecDeque;

/// Lines a terminal keeps; older ones scroll away.
pub const MAX_LINES: usize = 2000;

/// Who a terminal line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Typed by the person (sent to the server).
    Client,
    /// Received from the server.
    Server,
    /// The terminal's own words ("Connected", "Connection closed by foreign host.").
    Info,
    /// The terminal's own error ("Not connected.", "Connection reset").
    Error,
}

/// One line of a terminal, with what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermLine {
    /// Unique in its terminal and never reused: the key its row is drawn under.
    pub id: u64,
    pub kind: LineKind,
    pub text: String,
    /// What the line means, with its RFC section (and a hint under an error reply).
    pub note: Option<String>,
}

/// A terminal's lines, newest last, at most [`MAX_LINES`].
#[derive(Debug, Clone, Default)]
pub struct TermLines {
    /// The port the terminal connected to (which protocol explains its lines).
    port: u16,
    lines: VecDeque<TermLine>,
    next_id: u64,
    /// The last line the person typed (an error reply's hint is about it).
    last_client: Option<String>,
}

impl TermLines {
    /// No lines yet, for a terminal connected to `port`.
    pub fn new(port: u16) -> TermLines {
        TermLines {
            port,
            ..TermLines::default()
        }
    }

    /// Adds a line and explains it (once: the note stays with it).
    pub fn push(&mut self, kind: LineKind, text: String) {
        let speaker = match kind {
            LineKind::Client => Speaker::Client,
            LineKind::Server => Speaker::Server,
            LineKind::Info | LineKind::Error => Speaker::Net,
        };
        let line = |speaker, text: &str| {
            TranscriptLine::new(Instant::ZERO, None, speaker, text.as_bytes().to_vec())
        };
        // The explainer reads a reply after the command it answers.
        let mut context = Vec::with_capacity(2);
        if let Some(last) = &self.last_client {
            context.push(line(Speaker::Client, last));
        }
        context.push(line(speaker, &text));
        let note = explain_lines(self.port, &context)
            .pop()
            .and_then(|l| l.note);
        if kind == LineKind::Client {
            self.last_client = Some(text.clone());
        }
        self.lines.push_back(TermLine {
            id: self.next_id,
            kind,
            text,
            note,
        });
        self.next_id += 1;
        while self.lines.len() > MAX_LINES {
            self.lines.pop_front();
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &TermLine> {
        self.lines.iter()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// What a fault rule or strict mode did to each line, by line id: "answered by fault rule 2"
/// under the reply a rule sent, "a strict server would answer ..." under a line a lenient
/// server let through. Each mark is used once, in order; lines without one are left out.
pub fn gate_notes<'a>(
    marks: &[GateMark],
    lines: impl IntoIterator<Item = &'a TermLine>,
) -> Vec<(u64, String)> {
    let mut used = vec![false; marks.len()];
    let mut notes = Vec::new();
    for l in lines {
        let found = marks.iter().enumerate().find(|(i, m)| {
            !used[*i]
                && match (&l.kind, &m.kind) {
                    (
                        LineKind::Server,
                        GateMarkKind::Fault {
                            action: FaultAction::Replied(text),
                            ..
                        },
                    ) => l.text.ends_with(text.as_str()),
                    (
                        LineKind::Server,
                        GateMarkKind::Strict {
                            finding,
                            refused: true,
                        },
                    ) => l.text.ends_with(finding.reply.as_str()),
                    (LineKind::Client, GateMarkKind::Strict { refused: false, .. }) => {
                        l.text.trim_end() == m.line
                    }
                    (
                        LineKind::Client,
                        GateMarkKind::Fault {
                            action: FaultAction::Delayed(_) | FaultAction::Dropped,
                            ..
                        },
                    ) => l.text.trim_end() == m.line,
                    _ => false,
                }
        });
        if let Some((i, mark)) = found {
            used[i] = true;
            notes.push((l.id, mark.describe()));
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{StrictCheck, StrictFinding};
    use crate::time::Duration;

    fn terminal(port: u16, lines: &[(LineKind, &str)]) -> TermLines {
        let mut t = TermLines::new(port);
        for (kind, text) in lines {
            t.push(*kind, text.to_string());
        }
        t
    }

    #[test]
    fn lines_are_explained_once_by_the_protocol_of_their_port() {
        let t = terminal(
            110,
            &[
                (LineKind::Info, "Connected"),
                (LineKind::Server, "+OK POP3 ready"),
                (LineKind::Client, "STAT"),
                (LineKind::Server, "+OK 3 1200"),
            ],
        );
        let notes: Vec<_> = t.iter().map(|l| l.note.clone()).collect();
        assert_eq!(notes[0], None, "the terminal's own words mean nothing");
        assert!(notes[2].as_deref().is_some_and(|n| n.contains("RFC 1939")));
    }

    #[test]
    fn an_error_reply_gets_a_hint_about_the_command_before_it() {
        let t = terminal(
            25,
            &[
                (LineKind::Client, "MAIL FROM:<a@b.example>"),
                (LineKind::Server, "503 5.5.1 Send HELO/EHLO first"),
            ],
        );
        let last = t.iter().last().and_then(|l| l.note.clone());
        assert!(last.is_some_and(|n| n.contains("Hint:")), "{t:?}");
    }

    #[test]
    fn ids_stay_unique_when_old_lines_scroll_away() {
        let mut t = TermLines::new(25);
        for i in 0..MAX_LINES + 5 {
            t.push(LineKind::Client, format!("NOOP {i}"));
        }
        assert_eq!(t.len(), MAX_LINES);
        let first = t.iter().next().map(|l| (l.id, l.text.clone()));
        assert_eq!(first, Some((5, "NOOP 5".to_string())));
    }

    fn mark(line: &str, kind: GateMarkKind) -> GateMark {
        GateMark {
            at: Instant::ZERO,
            line: line.into(),
            kind,
        }
    }

    #[test]
    fn each_mark_goes_under_the_first_line_it_fits_and_only_once() {
        let t = terminal(
            25,
            &[
                (LineKind::Client, "RCPT TO:<a@corp.example>"),
                (LineKind::Server, "452 4.2.2 Mailbox full"),
                (LineKind::Client, "RCPT TO:<a@corp.example>"),
                (LineKind::Server, "452 4.2.2 Mailbox full"),
                (LineKind::Client, "NOOP"),
            ],
        );
        let full = || GateMarkKind::Fault {
            rule: 1,
            action: FaultAction::Replied("452 4.2.2 Mailbox full".into()),
        };
        let delayed = GateMarkKind::Fault {
            rule: 2,
            action: FaultAction::Delayed(Duration::from_secs(5)),
        };
        let marks = [
            mark("RCPT TO:<a@corp.example>", full()),
            mark("NOOP", delayed),
        ];
        let ids: Vec<u64> = gate_notes(&marks, t.iter())
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        // The reply of the first RCPT (id 1), not the second (id 3); the delayed NOOP (id 4).
        assert_eq!(ids, vec![1, 4]);
    }

    #[test]
    fn a_lenient_server_notes_what_a_strict_one_would_refuse() {
        let t = terminal(
            25,
            &[
                (LineKind::Client, "MAIL FROM:a@b.example"),
                (LineKind::Server, "250 2.1.0 Ok"),
            ],
        );
        let finding = StrictFinding {
            check: StrictCheck::MissingAngleBrackets,
            reply: "501 5.1.7 Address must be in <>".into(),
            rfc: "RFC 5321 §4.1.2",
        };
        let marks = [mark(
            "MAIL FROM:a@b.example",
            GateMarkKind::Strict {
                finding,
                refused: false,
            },
        )];
        let notes = gate_notes(&marks, t.iter());
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].0, 0, "under the client's line");
    }
}
