//! The POP3 recorder (see [`crate::proto::record`]): commands, status replies and multi-line
//! bodies of one connection, typed.
//!
//! Status lines pair with commands in order (RFC 1939 §3). Which `+OK` opens a multi-line body
//! is known from the command it answers: RETR, TOP, CAPA (RFC 2449 §5), and LIST, UIDL and
//! AUTH without an argument (§5, §7, RFC 5034 §4); the body runs to the lone dot and its lines
//! are data, however they look. After AUTH's `+` challenge, client lines are SASL responses.

use super::command::Verb;
use crate::proto::record::{
    shown_args, Answers, Command, Data, DataKind, LineSeen, Party, Protocol, Record, Reply,
    ReplyLine, Stream, Waiting,
};
use crate::wire::sasl::decode_plain;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Waiter {
    id: u32,
    /// A `+OK` to it opens a multi-line body.
    multi_line: bool,
    /// AUTH with the PLAIN mechanism (its SASL response names the login).
    auth_plain: Option<bool>,
}

#[derive(Debug, Default)]
pub struct Pop3Recorder {
    client: Stream,
    server: Stream,
    next_id: u32,
    waiting: Waiting<Waiter>,
    greeted: bool,
    /// Inside a multi-line body answering `id`, since `offset`.
    body: Option<(u32, u64)>,
    /// A `+` challenge came: client lines are SASL responses (PLAIN or not).
    sasl: Option<bool>,
}

impl Pop3Recorder {
    pub fn client_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            if let Some(line) = self.client.line(&mut bytes) {
                self.client_line(line, out);
            }
        }
    }

    fn client_line(&mut self, line: LineSeen, out: &mut Vec<Record>) {
        if let Some(plain) = self.sasl {
            out.push(line.sasl_response(plain, self.client.pos()));
            return;
        }
        let text = line.text();
        let words: Vec<&str> = text.split_ascii_whitespace().collect();
        let Some(first) = words.first() else {
            return;
        };
        let known = Verb::parse(first);
        let rest = &words[1..];
        // A mistyped verb keeps no arguments: they might be a password.
        let shown = match known {
            Some(Verb::Pass) | None => 0,
            Some(Verb::Apop | Verb::Auth) => 1,
            _ => usize::MAX,
        };
        let login = match (known, rest) {
            (Some(Verb::User | Verb::Apop), [user, ..]) => Some(user.to_string()),
            (Some(Verb::Auth), [mechanism, response, ..])
                if mechanism.eq_ignore_ascii_case("PLAIN") =>
            {
                decode_plain(response.as_bytes()).map(|c| c.authcid)
            }
            _ => None,
        };
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id;
        let multi_line = match known {
            Some(Verb::Retr | Verb::Top | Verb::Capa) => true,
            Some(Verb::List | Verb::Uidl | Verb::Auth) => rest.is_empty(),
            _ => false,
        };
        let auth_plain = match (known, rest) {
            (Some(Verb::Auth), [mechanism]) => Some(mechanism.eq_ignore_ascii_case("PLAIN")),
            _ => None,
        };
        self.waiting.push(Waiter {
            id,
            multi_line,
            auth_plain,
        });
        out.push(Record::Command(Command {
            id,
            offset: line.offset,
            tag: None,
            verb: crate::proto::verb::Verb::read(Protocol::Pop3, &words),
            args: shown_args(rest, shown),
            login,
            is_known: known.is_some(),
        }));
    }

    pub fn server_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            if let Some((id, offset)) = self.body {
                let Some((at, is_dot)) = self.server.dot_line(&mut bytes) else {
                    continue;
                };
                if !is_dot {
                    continue;
                }
                self.body = None;
                out.push(Record::Data(Data {
                    from: Party::Server,
                    offset,
                    len: at - offset,
                    kind: DataKind::ReplyBody,
                    id: None,
                }));
                out.push(reply(at, ReplyLine::Pop3End, Answers::Exchange(id)));
                continue;
            }
            let Some(line) = self.server.line(&mut bytes) else {
                continue;
            };
            let Some(parsed) = ReplyLine::parse_pop3(&line.text()) else {
                continue;
            };
            if !self.greeted {
                self.greeted = true;
                out.push(reply(line.offset, parsed, Answers::Greeting));
                continue;
            }
            let ok = match parsed {
                ReplyLine::Pop3Status { ok, .. } => ok,
                ReplyLine::Continuation => {
                    let front = self.waiting.front().copied();
                    if let Some(Waiter {
                        auth_plain: Some(plain),
                        ..
                    }) = front
                    {
                        self.sasl = Some(plain);
                    }
                    let answers = front.map_or(Answers::Unsolicited, |w| Answers::Exchange(w.id));
                    out.push(Record::Reply(Reply {
                        offset: line.offset,
                        line: parsed,
                        answers,
                        is_final: false,
                    }));
                    continue;
                }
                _ => continue,
            };
            self.sasl = None;
            let Some(w) = self.waiting.pop_front() else {
                out.push(reply(line.offset, parsed, Answers::Unsolicited));
                continue;
            };
            let multi = ok && w.multi_line;
            if multi {
                self.body = Some((w.id, self.server.pos()));
            }
            out.push(Record::Reply(Reply {
                offset: line.offset,
                line: parsed,
                answers: Answers::Exchange(w.id),
                is_final: !multi,
            }));
        }
    }
}

fn reply(offset: u64, line: ReplyLine, answers: Answers) -> Record {
    Record::Reply(Reply {
        offset,
        line,
        answers,
        is_final: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multi_line_body_is_data_up_to_its_dot_and_pass_keeps_its_secret() {
        let mut r = Pop3Recorder::default();
        let mut out = Vec::new();
        r.server_bytes(b"+OK ready\r\n", &mut out);
        r.client_bytes(b"USER boss\r\nPASS boss\r\n", &mut out);
        r.server_bytes(b"+OK\r\n+OK logged in\r\n", &mut out);
        r.client_bytes(b"RETR 1\r\nNOOP\r\n", &mut out);
        r.server_bytes(
            b"+OK 20 octets\r\n-ERR not a reply\r\n.\r\n-ERR no\r\n",
            &mut out,
        );
        let statuses: Vec<(Answers, bool)> = out
            .iter()
            .filter_map(|r| match r {
                Record::Reply(Reply {
                    line: ReplyLine::Pop3Status { ok, .. },
                    answers,
                    ..
                }) => Some((*answers, *ok)),
                _ => None,
            })
            .collect();
        assert_eq!(
            statuses,
            [
                (Answers::Greeting, true),
                (Answers::Exchange(1), true),
                (Answers::Exchange(2), true),
                (Answers::Exchange(3), true),
                (Answers::Exchange(4), false)
            ]
        );
        let pass = out.iter().find_map(|r| match r {
            Record::Command(c) if c.verb == crate::proto::verb::Verb::Pop3(Verb::Pass) => {
                Some(c.args.clone())
            }
            _ => None,
        });
        assert_eq!(pass.as_deref(), Some(""));
        assert!(out.iter().any(|r| matches!(
            r,
            Record::Data(Data {
                kind: DataKind::ReplyBody,
                len: 18,
                ..
            })
        )));
    }
}
