//! A terminal's lines, each under a key of its own (its row is drawn once), what each means
//! (from the connection's typed records, see [`crate::learn::annotate`]) and the fault-rule and
//! strict-mode notes that go under them (issue 15).

use crate::learn::annotate::explain_lines;
use crate::ordered::SortedMap;
use crate::proto::record::{Protocol, Record};
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

/// One line of a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermLine {
    /// Unique in its terminal and never reused: the key its row is drawn under.
    pub id: u64,
    pub kind: LineKind,
    pub text: String,
    /// Where a client or server line starts in its sender's byte stream (the key to the
    /// connection's typed records).
    pub offset: Option<u64>,
}

/// A terminal's lines, newest last, at most [`MAX_LINES`].
#[derive(Debug, Clone, Default)]
pub struct TermLines {
    lines: VecDeque<TermLine>,
    next_id: u64,
}

/// Notes by line id (only lines that have one).
pub type Notes = SortedMap<u64, String>;

impl TermLines {
    /// Adds a line; `offset` is where it starts in its sender's stream, when it was sent or
    /// received.
    pub fn push(&mut self, kind: LineKind, text: String, offset: Option<u64>) {
        self.lines.push_back(TermLine {
            id: self.next_id,
            kind,
            text,
            offset,
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

    /// What each line means (with its RFC section), from the connection's typed records in
    /// `protocol` (the one of the service it reached); error replies get a "did you mean" hint.
    pub fn explain<'a>(
        &self,
        protocol: Option<Protocol>,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Notes {
        let typed: Vec<TranscriptLine> = self
            .lines
            .iter()
            .map(|l| {
                let speaker = match l.kind {
                    LineKind::Client => Speaker::Client,
                    LineKind::Server => Speaker::Server,
                    LineKind::Info | LineKind::Error => Speaker::Net,
                };
                let line =
                    TranscriptLine::new(Instant::ZERO, None, speaker, l.text.clone().into_bytes());
                match l.offset {
                    Some(o) => line.at_offset(o),
                    None => line,
                }
            })
            .collect();
        explain_lines(protocol, records, &typed)
            .into_iter()
            .zip(&self.lines)
            .filter_map(|(explained, l)| Some((l.id, explained.note?)))
            .collect()
    }
}

/// What a fault rule or strict mode did to each line, by line id: "answered by fault rule 2"
/// under the reply a rule sent, "a strict server would answer ..." under a line a lenient
/// server let through. Each mark is used once, in order; lines without one are left out.
pub fn gate_notes<'a>(marks: &[GateMark], lines: impl IntoIterator<Item = &'a TermLine>) -> Notes {
    let mut used = vec![false; marks.len()];
    let mut notes = Notes::new();
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
            notes.insert(l.id, mark.describe());
        }
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::{StrictCheck, StrictFinding};
    use crate::time::Duration;

    fn terminal(lines: &[(LineKind, &str)]) -> TermLines {
        let mut t = TermLines::default();
        for (kind, text) in lines {
            t.push(*kind, text.to_string(), None);
        }
        t
    }

    /// A terminal as the page fills it: the server's lines as they arrive, the person's as
    /// they are sent, each with where it starts in its stream.
    #[test]
    fn lines_are_explained_from_the_connection_records_with_a_hint_under_an_error() {
        let (mut w, d) = crate::sandbox::default_world(1);
        let c = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
        let mut t = TermLines::default();
        t.push(LineKind::Info, "Connected".into(), None);
        w.run_until(Instant::from_millis(300));
        let greeting = w.take_received(c);
        let text = String::from_utf8_lossy(&greeting).trim_end().to_string();
        t.push(LineKind::Server, text, Some(0));
        t.push(LineKind::Client, "RCTP TO:<a@b>".into(), Some(0));
        w.send(c, b"RCTP TO:<a@b>\r\n");
        w.run_until(Instant::from_millis(600));
        let reply = w.take_received(c);
        let text = String::from_utf8_lossy(&reply).trim_end().to_string();
        t.push(LineKind::Server, text, Some(greeting.len() as u64));
        let protocol = w.service_of(c).and_then(|s| s.protocol());
        let notes = t.explain(protocol, w.records_of(c));
        assert_eq!(notes.get(&0), None, "the terminal's own words mean nothing");
        assert!(
            notes.get(&1).is_some_and(|n| n.contains("RFC 5321")),
            "{notes:?}"
        );
        assert!(
            notes
                .get(&3)
                .is_some_and(|n| n.contains("did you mean RCPT TO")),
            "{notes:?}"
        );
    }

    #[test]
    fn ids_stay_unique_when_old_lines_scroll_away() {
        let mut t = TermLines::default();
        for i in 0..MAX_LINES + 5 {
            t.push(LineKind::Client, format!("NOOP {i}"), None);
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
        let t = terminal(&[
            (LineKind::Client, "RCPT TO:<a@corp.example>"),
            (LineKind::Server, "452 4.2.2 Mailbox full"),
            (LineKind::Client, "RCPT TO:<a@corp.example>"),
            (LineKind::Server, "452 4.2.2 Mailbox full"),
            (LineKind::Client, "NOOP"),
        ]);
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
        let ids: Vec<u64> = gate_notes(&marks, t.iter()).into_keys().collect();
        // The reply of the first RCPT (id 1), not the second (id 3); the delayed NOOP (id 4).
        assert_eq!(ids, vec![1, 4]);
    }

    #[test]
    fn a_lenient_server_notes_what_a_strict_one_would_refuse() {
        let t = terminal(&[
            (LineKind::Client, "MAIL FROM:a@b.example"),
            (LineKind::Server, "250 2.1.0 Ok"),
        ]);
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
        assert!(notes.contains_key(&0), "under the client's line");
    }
}
