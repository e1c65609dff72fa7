//! The SMTP recorder (see [`crate::proto::record`]): commands, replies and data transfers of
//! one connection, typed.
//!
//! Replies pair with commands in order, one final reply each (RFC 5321 §4.2, RFC 2920 §3 for
//! pipelining). `334` is an AUTH challenge, not the final answer, and the lines the client
//! sends until AUTH's final reply are SASL responses (RFC 4954 §4). Message text starts only
//! when `354` answers DATA (a refused DATA, `503`/`554`, opens none: the next lines are
//! commands), and ends at the lone dot (§4.1.1.4). `BDAT n` is followed by exactly n octets of
//! chunk, whatever they look like (RFC 3030 §2).

use super::command::{parse, Command as Parsed, ParseError};
use crate::proto::record::{
    shown_args, Answers, Command, Data, DataKind, LineSeen, Party, Protocol, Record, Reply,
    ReplyLine, Stream, Waiting,
};
use crate::proto::verb::{SmtpVerb, Verb};
use crate::wire::sasl::decode_plain;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    Commands,
    /// DATA's text since `offset`, for exchange `id` (the reply after the dot answers it).
    MessageText {
        offset: u64,
    },
    /// A BDAT chunk since `offset`, `left` octets to go.
    Chunk {
        offset: u64,
        left: u64,
    },
}

/// What a waiting exchange is, as far as its reply changes what the client sends next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Data,
    Ehlo,
    Auth { plain: bool },
    Other,
}

#[derive(Debug, Default)]
pub struct SmtpRecorder {
    client: Stream,
    server: Stream,
    next_id: u32,
    waiting: Waiting<(u32, Kind)>,
    reading: Option<Reading>,
    /// A 334 came: client lines are SASL responses until AUTH's final reply.
    sasl: Option<bool>,
    greeted: bool,
    /// Lines of the reply being read so far (an EHLO reply's later lines name extensions).
    reply_lines: usize,
}

impl SmtpRecorder {
    fn new_id(&mut self) -> u32 {
        self.next_id = self.next_id.wrapping_add(1);
        self.next_id
    }

    pub fn client_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            match self.reading.unwrap_or(Reading::Commands) {
                Reading::Chunk { offset, left } => {
                    let took = self.client.skip(&mut bytes, left);
                    let left = left - took;
                    if left == 0 {
                        out.push(Record::Data(Data {
                            from: Party::Client,
                            offset,
                            len: self.client.pos() - offset,
                            kind: DataKind::BdatChunk,
                            id: None,
                        }));
                        self.reading = None;
                    } else {
                        self.reading = Some(Reading::Chunk { offset, left });
                    }
                }
                Reading::MessageText { offset } => {
                    let Some((_, is_dot)) = self.client.dot_line(&mut bytes) else {
                        continue;
                    };
                    if is_dot {
                        let id = self.new_id();
                        out.push(Record::Data(Data {
                            from: Party::Client,
                            offset,
                            len: self.client.pos() - offset,
                            kind: DataKind::MessageText,
                            id: Some(id),
                        }));
                        self.waiting.push((id, Kind::Other));
                        self.reading = None;
                    }
                }
                Reading::Commands => {
                    if let Some(line) = self.client.line(&mut bytes) {
                        self.client_line(line, out);
                    }
                }
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
        let verb = Verb::read(Protocol::Smtp, &[first.split(':').next().unwrap_or(first)]);
        let parsed = parse(&text);
        let is_known = !matches!(parsed, Err(ParseError::Unknown));
        let rest = &words[1..];
        let (args, login) = match &parsed {
            Ok(Parsed::Auth { mechanism, initial }) => {
                let login = match initial {
                    Some(i) if mechanism == "PLAIN" => {
                        decode_plain(i.as_bytes()).map(|c| c.authcid)
                    }
                    _ => None,
                };
                (shown_args(rest, 1), login)
            }
            _ if verb == Verb::Smtp(SmtpVerb::Auth) => (shown_args(rest, 1), None),
            // A mistyped verb keeps no arguments: they might be a password.
            _ if !is_known => (String::new(), None),
            _ => (shown_args(rest, usize::MAX), None),
        };
        let id = self.new_id();
        let kind = match &parsed {
            Ok(Parsed::Data) => Kind::Data,
            Ok(Parsed::Ehlo(_)) => Kind::Ehlo,
            Ok(Parsed::Auth { mechanism, .. }) => Kind::Auth {
                plain: mechanism == "PLAIN",
            },
            _ => Kind::Other,
        };
        self.waiting.push((id, kind));
        out.push(Record::Command(Command {
            id,
            offset: line.offset,
            tag: None,
            verb,
            args,
            login,
            is_known,
        }));
        if let Ok(Parsed::Bdat { size, .. }) = parsed {
            // The chunk follows whatever the reply will be (RFC 3030 §2).
            self.reading = Some(Reading::Chunk {
                offset: self.client.pos(),
                left: size,
            });
            if size == 0 {
                self.reading = None;
            }
        }
    }

    pub fn server_bytes(&mut self, mut bytes: &[u8], out: &mut Vec<Record>) {
        while !bytes.is_empty() {
            let Some(line) = self.server.line(&mut bytes) else {
                continue;
            };
            let text = line.text();
            let Some(ReplyLine::Smtp {
                code,
                more,
                enhanced,
                ..
            }) = ReplyLine::parse_smtp(&text)
            else {
                continue;
            };
            self.reply_lines += 1;
            let front = self.waiting.front().copied();
            let extension = (self.greeted
                && self.reply_lines > 1
                && code == 250
                && matches!(front, Some((_, Kind::Ehlo))))
            .then(|| {
                let word = text.get(4..).unwrap_or("");
                word.split([' ', '='])
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase()
            });
            let reply_line = ReplyLine::Smtp {
                code,
                more,
                enhanced,
                extension,
            };
            if more {
                let answers = match (self.greeted, front) {
                    (false, _) => Answers::Greeting,
                    (true, Some((id, _))) => Answers::Exchange(id),
                    (true, None) => Answers::Unsolicited,
                };
                out.push(reply(line.offset, reply_line, answers, false));
                continue;
            }
            self.reply_lines = 0;
            if !self.greeted {
                self.greeted = true;
                out.push(reply(line.offset, reply_line, Answers::Greeting, true));
                continue;
            }
            let Some((id, kind)) = front else {
                out.push(reply(line.offset, reply_line, Answers::Unsolicited, true));
                continue;
            };
            if code == 334 {
                // An AUTH challenge: the answer is a SASL response (RFC 4954 §4).
                if let Kind::Auth { plain } = kind {
                    self.sasl = Some(plain);
                }
                out.push(reply(line.offset, reply_line, Answers::Exchange(id), false));
                continue;
            }
            self.waiting.pop_front();
            self.sasl = None;
            if kind == Kind::Data && code == 354 {
                self.reading = Some(Reading::MessageText {
                    offset: self.client.line_start(),
                });
            }
            out.push(reply(line.offset, reply_line, Answers::Exchange(id), true));
        }
    }
}

fn reply(offset: u64, line: ReplyLine, answers: Answers, is_final: bool) -> Record {
    Record::Reply(Reply {
        offset,
        line,
        answers,
        is_final,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commands(records: &[Record]) -> Vec<String> {
        records
            .iter()
            .filter_map(|r| match r {
                Record::Command(c) => Some(c.verb.to_string()),
                Record::Data(d) if d.kind == DataKind::MessageText => Some("text".into()),
                Record::Data(d) if d.kind == DataKind::BdatChunk => {
                    Some(format!("chunk {}", d.len))
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_refused_data_opens_no_message_text_and_a_bdat_chunk_is_no_command() {
        let mut r = SmtpRecorder::default();
        let mut out = Vec::new();
        r.server_bytes(b"220 mx ready\r\n", &mut out);
        r.client_bytes(b"DATA\r\n", &mut out);
        r.server_bytes(b"503 5.5.1 Error: need RCPT command\r\n", &mut out);
        r.client_bytes(b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n", &mut out);
        r.server_bytes(b"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n", &mut out);
        r.client_bytes(b"BDAT 12 LAST\r\nQUIT\r\nRSET\r\n", &mut out);
        r.server_bytes(b"250 2.0.0 Ok: queued\r\n", &mut out);
        r.client_bytes(b"DATA\r\n", &mut out);
        r.server_bytes(b"354 go\r\n", &mut out);
        r.client_bytes(b"QUIT\r\n.\r\nNOOP\r\n", &mut out);
        assert_eq!(
            commands(&out),
            ["DATA", "MAIL", "RCPT", "BDAT", "chunk 12", "DATA", "text", "NOOP"]
        );
        let answered: Vec<Answers> = out
            .iter()
            .filter_map(|r| match r {
                Record::Reply(Reply { answers, .. }) => Some(*answers),
                _ => None,
            })
            .collect();
        assert_eq!(answered[0], Answers::Greeting);
        assert_eq!(answered[1], Answers::Exchange(1));
    }

    #[test]
    fn auth_answers_are_sasl_responses_and_secrets_are_left_out() {
        let mut r = SmtpRecorder::default();
        let mut out = Vec::new();
        r.server_bytes(b"220 mx ready\r\n", &mut out);
        r.client_bytes(b"AUTH PLAIN AGJvc3MAYm9zcw==\r\n", &mut out);
        r.server_bytes(b"235 2.7.0 ok\r\n", &mut out);
        r.client_bytes(b"AUTH PLAIN\r\n", &mut out);
        r.server_bytes(b"334 \r\n", &mut out);
        r.client_bytes(b"AGJvc3MAYm9zcw==\r\n", &mut out);
        r.server_bytes(b"235 2.7.0 ok\r\n", &mut out);
        r.client_bytes(b"NOOP\r\n", &mut out);
        let Record::Command(auth) = &out[1] else {
            panic!("{out:?}")
        };
        assert_eq!(
            (auth.args.as_str(), auth.login.as_deref()),
            ("PLAIN", Some("boss"))
        );
        assert!(out.iter().any(|r| matches!(r, Record::Data(Data {
            kind: DataKind::SaslResponse { login: Some(l) }, .. }) if l == "boss")));
        assert_eq!(commands(&out), ["AUTH", "AUTH", "NOOP"]);
    }
}
