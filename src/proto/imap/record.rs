//! The IMAP recorder (see [`crate::proto::record`]): commands, responses and literals of one
//! connection, typed.
//!
//! Tagged responses end the command with their tag; untagged ones report on the way
//! (RFC 3501 §2.2.2). A line ending in `{n}` or `{n+}` is followed by n octets of literal, then
//! the same command or response goes on (§4.3, RFC 7888): the literal is data, never a command
//! or a response, however it looks. A synchronizing literal follows only the server's `+`; a
//! tagged refusal cancels it (§7.5). After AUTHENTICATE, client lines are SASL responses until
//! the tagged answer (§6.2.2); during IDLE the client's line is `DONE` (RFC 2177).

use super::command::spec;
use super::frame::literal_announcement;
use crate::proto::record::{
    shown_args, Answers, Command, Data, DataKind, LineSeen, Party, Protocol, Record, Reply,
    ReplyLine, Stream, Waiting,
};
use crate::proto::verb::{ImapVerb, Verb};
use crate::wire::sasl::decode_plain;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Waiter {
    tag: String,
    id: u32,
}

/// Literal octets still to come on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Literal {
    offset: u64,
    left: u64,
}

#[derive(Debug, Default)]
pub struct ImapRecorder {
    client: Stream,
    server: Stream,
    next_id: u32,
    waiting: Waiting<Waiter>,
    greeted: bool,
    /// Client: a literal being sent for command `id`.
    client_literal: Option<(u32, Literal)>,
    /// A synchronizing literal announced by command `id`, waiting for the server's `+`.
    announced: Option<(u32, u64)>,
    /// The next client line goes on with command `id` (after its literal).
    continuing: Option<u32>,
    /// AUTHENTICATE `id` is under way; PLAIN or not.
    sasl: Option<(u32, bool)>,
    /// IDLE `id` is under way.
    idle: Option<u32>,
    /// Server: literal octets to skip, then the response goes on.
    server_literal: u64,
    server_continuing: bool,
}

impl ImapRecorder {
    pub fn client_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            if let Some((id, lit)) = self.client_literal {
                let took = self.client.skip(&mut bytes, lit.left);
                let left = lit.left - took;
                if left > 0 {
                    self.client_literal = Some((id, Literal { left, ..lit }));
                    continue;
                }
                self.client_literal = None;
                self.continuing = Some(id);
                out.push(Record::Data(Data {
                    from: Party::Client,
                    offset: lit.offset,
                    len: self.client.pos() - lit.offset,
                    kind: DataKind::Literal,
                    id: None,
                }));
                continue;
            }
            let Some(line) = self.client.line(&mut bytes) else {
                continue;
            };
            if let Some(id) = self.continuing.take() {
                self.announce(id, &line);
                continue;
            }
            let data = |kind| {
                Record::Data(Data {
                    from: Party::Client,
                    offset: line.offset,
                    len: self.client.pos() - line.offset,
                    kind,
                    id: None,
                })
            };
            if let Some((_, plain)) = self.sasl {
                out.push(line.sasl_response(plain, self.client.pos()));
                continue;
            }
            if self.idle.is_some() {
                out.push(data(DataKind::IdleDone));
                continue;
            }
            self.command_line(line, out);
        }
    }

    /// A command line (or the rest of one) that ends in a literal announcement.
    fn announce(&mut self, id: u32, line: &LineSeen) {
        match literal_announcement(&line.tail) {
            Some((size, true)) => self.announced = Some((id, size)),
            Some((left, false)) => {
                let offset = self.client.pos();
                self.client_literal = Some((id, Literal { offset, left }));
            }
            None => {}
        }
    }

    fn command_line(&mut self, line: LineSeen, out: &mut Vec<Record>) {
        let text = line.text();
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        let (Some(tag), Some(word)) = (words.first(), words.get(1)) else {
            return;
        };
        let verb = Verb::read(Protocol::Imap, &words[1..]);
        let (rest, is_known) = match verb {
            Verb::Imap { verb, uid: true } => {
                (&words[3..], spec(verb.name()).is_some_and(|s| s.uid))
            }
            Verb::Imap { uid: false, .. } => (&words[2..], true),
            _ if word.eq_ignore_ascii_case("UID") => (words.get(3..).unwrap_or(&[]), false),
            _ => (&words[2..], false),
        };
        let plain = |v: ImapVerb| {
            verb == Verb::Imap {
                verb: v,
                uid: false,
            }
        };
        // A mistyped verb keeps no arguments: they might be a password.
        let shown = if plain(ImapVerb::Login) || plain(ImapVerb::Authenticate) {
            1
        } else if is_known {
            usize::MAX
        } else {
            0
        };
        let login = match rest {
            [user, ..]
                if plain(ImapVerb::Login) && literal_announcement(user.as_bytes()).is_none() =>
            {
                Some(user.trim_matches('"').to_string())
            }
            [mechanism, response, ..]
                if plain(ImapVerb::Authenticate) && mechanism.eq_ignore_ascii_case("PLAIN") =>
            {
                decode_plain(response.as_bytes()).map(|c| c.authcid)
            }
            _ => None,
        };
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        match rest {
            [mechanism] if plain(ImapVerb::Authenticate) => {
                self.sasl = Some((id, mechanism.eq_ignore_ascii_case("PLAIN")));
            }
            _ if plain(ImapVerb::Idle) => self.idle = Some(id),
            _ => {}
        }
        self.waiting.push(Waiter {
            tag: tag.to_string(),
            id,
        });
        out.push(Record::Command(Command {
            id,
            offset: line.offset,
            tag: Some(tag.to_string()),
            verb,
            args: shown_args(rest, shown),
            login,
            is_known,
        }));
        self.announce(id, &line);
    }

    pub fn server_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            if self.server_literal > 0 {
                let took = self.server.skip(&mut bytes, self.server_literal);
                self.server_literal -= took;
                continue;
            }
            let Some(line) = self.server.line(&mut bytes) else {
                continue;
            };
            let continued = std::mem::take(&mut self.server_continuing);
            if let Some((size, _)) = literal_announcement(&line.tail) {
                self.server_literal = size;
                self.server_continuing = true;
            }
            if continued {
                continue;
            }
            let Some(parsed) = ReplyLine::parse_imap(&line.text()) else {
                continue;
            };
            let running = self.waiting.back().map(|w| w.id);
            let (answers, is_final) = match &parsed {
                _ if !self.greeted => (Answers::Greeting, true),
                ReplyLine::Continuation => {
                    if let Some((id, left)) = self.announced.take() {
                        let offset = self.client.line_start();
                        self.client_literal = Some((id, Literal { offset, left }));
                    }
                    (
                        running.map_or(Answers::Unsolicited, Answers::Exchange),
                        false,
                    )
                }
                ReplyLine::ImapStatus { tagged: true, .. } => {
                    let tag = line.text().split(' ').next().unwrap_or("").to_string();
                    match self.waiting.remove_where(|w| w.tag == tag) {
                        Some(w) => {
                            self.finished(w.id);
                            (Answers::Exchange(w.id), true)
                        }
                        None => (Answers::Unsolicited, true),
                    }
                }
                _ => (
                    running.map_or(Answers::Unsolicited, Answers::Exchange),
                    false,
                ),
            };
            self.greeted = true;
            out.push(Record::Reply(Reply {
                offset: line.offset,
                line: parsed,
                answers,
                is_final,
            }));
        }
    }

    /// Command `id` got its tagged answer: what it had under way ends.
    fn finished(&mut self, id: u32) {
        if self.sasl.is_some_and(|(s, _)| s == id) {
            self.sasl = None;
        }
        if self.idle == Some(id) {
            self.idle = None;
        }
        if self.announced.is_some_and(|(a, _)| a == id) {
            // A refused synchronizing literal is never sent (RFC 3501 §7.5).
            self.announced = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verbs(out: &[Record]) -> Vec<String> {
        out.iter()
            .filter_map(|r| match r {
                Record::Command(c) => Some(c.verb.to_string()),
                Record::Data(d) => Some(format!("{:?} {}", d.kind, d.len)),
                Record::Reply(_) | Record::Tls(_) => None,
            })
            .collect()
    }

    #[test]
    fn literals_are_data_and_responses_answer_by_tag() {
        let mut r = ImapRecorder::default();
        let mut out = Vec::new();
        r.server_bytes(b"* OK ready\r\n", &mut out);
        r.client_bytes(b"a1 LOGIN boss {6}\r\n", &mut out);
        r.server_bytes(b"+ Ready\r\n", &mut out);
        r.client_bytes(b"secret\r\n", &mut out);
        r.server_bytes(b"a1 OK done\r\n", &mut out);
        r.client_bytes(b"a2 APPEND INBOX {13+}\r\na3 OK fake\r\n\r\n", &mut out);
        r.server_bytes(b"a2 OK appended\r\n", &mut out);
        r.client_bytes(b"a3 uid sort (DATE) UTF-8 ALL\r\n", &mut out);
        let body = "a9 OK fake\r\n* 9 EXISTS\r\n";
        let fetch = format!(
            "* 1 FETCH (BODY[] {{{}}}\r\n{body})\r\n* SORT 1\r\na3 OK done\r\n",
            body.len()
        );
        r.server_bytes(fetch.as_bytes(), &mut out);
        assert_eq!(
            verbs(&out),
            ["LOGIN", "Literal 6", "APPEND", "Literal 13", "UID SORT"]
        );
        let Record::Command(login) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(
            (login.args.as_str(), login.login.as_deref()),
            ("boss", Some("boss"))
        );
        let replies: Vec<(ReplyLine, Answers)> = out
            .iter()
            .filter_map(|r| match r {
                Record::Reply(rep) => Some((rep.line.clone(), rep.answers)),
                _ => None,
            })
            .collect();
        let names: Vec<&ReplyLine> = replies.iter().map(|(l, _)| l).collect();
        assert_eq!(names.len(), 7, "{names:?}");
        assert_eq!(
            replies[5].0,
            ReplyLine::ImapData {
                name: "SORT".into()
            }
        );
        assert_eq!(replies[5].1, Answers::Exchange(3));
        assert_eq!(replies[6].1, Answers::Exchange(3));
    }

    #[test]
    fn authenticate_answers_and_idle_done_are_no_commands() {
        let mut r = ImapRecorder::default();
        let mut out = Vec::new();
        r.server_bytes(b"* OK ready\r\n", &mut out);
        r.client_bytes(b"a1 AUTHENTICATE PLAIN\r\n", &mut out);
        r.server_bytes(b"+ \r\n", &mut out);
        r.client_bytes(b"AGJvc3MAYm9zcw==\r\n", &mut out);
        r.server_bytes(b"a1 OK done\r\n", &mut out);
        r.client_bytes(b"a2 IDLE\r\n", &mut out);
        r.server_bytes(b"+ idling\r\n", &mut out);
        r.client_bytes(b"DONE\r\n", &mut out);
        r.server_bytes(b"a2 OK done\r\n", &mut out);
        r.client_bytes(b"a3 GETQUOTAROOT INBOX\r\na4 STARTTLS\r\n", &mut out);
        let v = verbs(&out);
        assert_eq!(v[0], "AUTHENTICATE");
        assert!(
            v[1].starts_with("SaslResponse { login: Some(\"boss\") }"),
            "{v:?}"
        );
        assert_eq!(&v[2..], ["IDLE", "IdleDone 6", "GETQUOTAROOT", "STARTTLS"]);
    }
}
