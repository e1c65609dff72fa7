//! Annotates a conversation: each line with its explanation and RFC section, and error
//! replies with a "did you mean" hint for the command that caused them. What a line means
//! comes from the connection's typed records (see [`crate::proto::record`]), found by where the
//! line starts in its sender's byte stream; the line's text is only shown.

use super::{explain_command, explain_reply, hint_for, Protocol};
use crate::ordered::SortedMap;
use crate::proto::record::{Command, Record, Reply};
use crate::sandbox::{Speaker, TranscriptLine};

/// One explained line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub speaker: Speaker,
    pub text: String,
    pub note: Option<String>,
}

/// The commands and replies of a conversation, by where they start in their stream.
#[derive(Debug, Default)]
struct ByOffset<'a> {
    commands: SortedMap<u64, &'a Command>,
    replies: SortedMap<u64, &'a Reply>,
}

impl<'a> ByOffset<'a> {
    fn new(records: impl IntoIterator<Item = &'a Record>) -> Self {
        let mut by = ByOffset::default();
        for r in records {
            match r {
                Record::Command(c) => {
                    by.commands.insert(c.offset, c);
                }
                Record::Reply(r) => {
                    by.replies.insert(r.offset, r);
                }
                Record::Data(_) | Record::Tls(_) => {}
            }
        }
        by
    }
}

/// Explains the lines of a conversation in `protocol` (the one of the service it reached)
/// from its `records`.
pub fn explain_lines<'a>(
    protocol: Option<Protocol>,
    records: impl IntoIterator<Item = &'a Record>,
    lines: &[TranscriptLine],
) -> Vec<Line> {
    let by = ByOffset::new(records);
    let mut last_client = String::new();
    lines
        .iter()
        .map(|l| {
            let text = l.text().into_owned();
            let note = protocol
                .zip(l.offset)
                .and_then(|(p, offset)| match l.speaker {
                    Speaker::Client => by
                        .commands
                        .get(&offset)
                        .and_then(|c| explain_command(p, c))
                        .map(|e| e.note()),
                    Speaker::Server => {
                        let reply = by.replies.get(&offset)?;
                        let e = explain_reply(p, &reply.line);
                        let mut note = e.map(|e| e.note());
                        if reply.line.is_command_error() {
                            if let Some(h) = hint_for(p, &last_client) {
                                note = Some(format!("{} Hint: {h}", note.unwrap_or_default()));
                            }
                        }
                        note
                    }
                    Speaker::Net => None,
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
        let (mut w, d) = crate::sandbox::default_world(1);
        let c = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
        w.run_until(Instant::from_millis(300));
        w.send(c, b"RCTP TO:<a@b>\r\n");
        w.run_until(Instant::from_millis(600));
        let protocol = w.service_of(c).and_then(|s| s.protocol());
        let lines = explain_lines(protocol, w.records_of(c), &w.transcript(c, true));
        assert_eq!(lines.len(), 4);
        assert!(lines[1].note.as_deref().unwrap().contains("RFC 5321"));
        assert!(lines[3]
            .note
            .as_deref()
            .unwrap()
            .contains("did you mean RCPT TO"));
    }

    /// The mail client's IMAP LIST is IMAP's LIST, and a service on a port of its own is
    /// explained by its protocol.
    #[test]
    fn a_service_on_any_port_is_explained_by_its_protocol() {
        let (mut w, d) = crate::sandbox::default_world(1);
        w.add_service_on(d.corp, crate::sandbox::Service::Pop3, 2110);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 2110).unwrap();
        w.run_until(Instant::from_millis(300));
        w.send(c, b"USER boss\r\n");
        w.run_until(Instant::from_millis(600));
        let protocol = w.service_of(c).and_then(|s| s.protocol());
        assert_eq!(protocol, Some(Protocol::Pop3));
        let lines = explain_lines(protocol, w.records_of(c), &w.transcript(c, true));
        let user = lines.iter().find(|l| l.text == "USER boss").unwrap();
        assert!(
            user.note.as_deref().unwrap().contains("RFC 1939"),
            "{lines:?}"
        );
    }
}
