//! The journey of a message as hops the picture can draw one by one: commands crossing a link
//! (`AUTH`, `MAIL`, `RCPT`, `DATA`, `RETR`...), the queue on a relay host, the MX lookup as a
//! DNS question and answer, the relay to the next hop, the delivery into a mailbox, deferrals
//! and bounces. It is a view over the trace log and the world's events (ARCHITECTURE.md,
//! property 4), read incrementally: [`Journey::poll`] returns what happened since the last call.
//!
//! Command verbs are read off the client's bytes the way a protocol analyser does, with the
//! one piece of state that needs: SMTP message content between `DATA` and the lone `.`
//! (RFC 5321 §4.1.1.4) is never taken for commands, and only the verbs of each protocol's
//! grammar count (RFC 5321 §4.1, RFC 1939 §5-7, RFC 3501 §6), so AUTH continuation lines and
//! IMAP literals draw nothing.

use super::{World, WorldEvent};
use crate::net::{ConnId, HostId, Side, TraceKind};
use crate::wire::sasl::decode_plain;
use std::collections::BTreeMap;

/// One thing to draw, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hop {
    /// A connection opened from `client` to `server:port`.
    Connect {
        client: HostId,
        server: HostId,
        port: u16,
    },
    /// A connection attempt failed (refused, host down, link cut).
    ConnectFailed {
        client: HostId,
        server: HostId,
        reason: String,
    },
    /// A client command crossed the link toward the server.
    Command {
        client: HostId,
        server: HostId,
        port: u16,
        verb: String,
    },
    /// Something the world did (queued, MX lookup, relayed, delivered, deferred, bounced).
    Event(WorldEvent),
}

/// Which grammar a connection's client speaks, from the port it reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Smtp,
    Pop3,
    Imap,
    Other,
}

impl Grammar {
    fn of_port(port: u16) -> Grammar {
        match port {
            25 | 587 | 465 => Grammar::Smtp,
            110 | 995 => Grammar::Pop3,
            143 | 993 => Grammar::Imap,
            _ => Grammar::Other,
        }
    }
}

/// RFC 5321 §4.1 commands (with RFC 4954 AUTH and RFC 3030 BDAT).
const SMTP_VERBS: &[&str] = &[
    "EHLO", "HELO", "AUTH", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "NOOP", "QUIT", "VRFY", "EXPN",
    "HELP", "STARTTLS",
];
/// RFC 1939 §5-7 commands (with RFC 2449 CAPA and RFC 5034 AUTH).
const POP3_VERBS: &[&str] = &[
    "USER", "PASS", "APOP", "AUTH", "CAPA", "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "NOOP",
    "RSET", "QUIT",
];
/// RFC 3501 §6 commands (and the extensions the server offers).
const IMAP_VERBS: &[&str] = &[
    "CAPABILITY",
    "NOOP",
    "LOGOUT",
    "LOGIN",
    "AUTHENTICATE",
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST",
    "LSUB",
    "STATUS",
    "APPEND",
    "CHECK",
    "CLOSE",
    "EXPUNGE",
    "SEARCH",
    "FETCH",
    "STORE",
    "COPY",
    "MOVE",
    "UID",
    "IDLE",
    "ENABLE",
    "UNSELECT",
    "NAMESPACE",
    "ID",
];

/// One client command read off the wire: its verb as [`Hop::Command`] names it, the IMAP tag,
/// and the arguments with single spaces, secrets left out (the password of `PASS`, `LOGIN` and
/// `APOP`, the initial response of `AUTH`/`AUTHENTICATE`: only the mechanism is kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClientCommand {
    pub tag: Option<String>,
    pub verb: String,
    pub args: String,
    /// The account a login command names: `USER`, `APOP` and `LOGIN`'s user name, or the
    /// authentication identity of a PLAIN initial response (RFC 4616 §2).
    pub login: Option<String>,
}

/// Per-connection reading state of the client's byte stream.
#[derive(Debug, Default)]
pub(crate) struct Reader {
    /// A partial line carried to the next chunk (bounded by [`MAX_PARTIAL`]).
    partial: Vec<u8>,
    /// Inside SMTP DATA content.
    in_data: bool,
}

/// Longest partial line kept; past it the line is skipped (content, not a command).
const MAX_PARTIAL: usize = 1024;
/// Most connections read at once; the oldest reader goes first (the bridge makes many).
const MAX_READERS: usize = 256;

/// Reads the world's trace and events into [`Hop`]s.
#[derive(Debug, Default)]
pub struct Journey {
    /// The trace index read up to (see `Trace::total`).
    next_trace: u64,
    readers: BTreeMap<ConnId, Reader>,
}

impl Journey {
    /// Starts reading at the current end of the trace (what happened before is not drawn).
    pub fn new(world: &World) -> Journey {
        Journey {
            next_trace: world.net.trace.total,
            readers: BTreeMap::new(),
        }
    }

    /// The hops since the last call, in the order they happened: `events` are the world's
    /// events the caller drained with `World::poll_event_stamped` for this step, each put
    /// before the first trace entry recorded after it.
    pub fn poll(&mut self, world: &World, events: &[(u64, WorldEvent)]) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut pending = events
            .iter()
            .filter(|(_, e)| !matches!(e, WorldEvent::SessionState { .. }))
            .peekable();
        let first = self.next_trace.max(world.net.trace.discarded);
        for (k, e) in world.net.trace.since(self.next_trace).enumerate() {
            let index = first + k as u64;
            while let Some((_, ev)) = pending.next_if(|(at, _)| *at <= index) {
                hops.push(Hop::Event(ev.clone()));
            }
            match &e.kind {
                TraceKind::Connect => hops.push(Hop::Connect {
                    client: e.client,
                    server: e.server,
                    port: e.port,
                }),
                TraceKind::Failed(reason) => hops.push(Hop::ConnectFailed {
                    client: e.client,
                    server: e.server,
                    reason: reason.clone(),
                }),
                TraceKind::Data(bytes) if e.from == Side::Client => {
                    let grammar = Grammar::of_port(e.port);
                    if grammar == Grammar::Other {
                        continue;
                    }
                    let reader = self.reader(e.conn);
                    for ClientCommand { verb, .. } in reader.commands(grammar, bytes) {
                        hops.push(Hop::Command {
                            client: e.client,
                            server: e.server,
                            port: e.port,
                            verb,
                        });
                    }
                }
                TraceKind::Close | TraceKind::Dropped => {
                    self.readers.remove(&e.conn);
                }
                TraceKind::Data(_) => {}
            }
        }
        self.next_trace = world.net.trace.total;
        hops.extend(pending.map(|(_, e)| Hop::Event(e.clone())));
        hops
    }

    fn reader(&mut self, conn: ConnId) -> &mut Reader {
        if !self.readers.contains_key(&conn) && self.readers.len() >= MAX_READERS {
            self.readers.pop_first();
        }
        self.readers.entry(conn).or_default()
    }
}

impl Reader {
    /// The commands in the next chunk of bytes a client sent to `port`.
    pub(crate) fn read(&mut self, port: u16, bytes: &[u8]) -> Vec<ClientCommand> {
        self.commands(Grammar::of_port(port), bytes)
    }

    #[cfg(test)]
    fn verbs(&mut self, grammar: Grammar, bytes: &[u8]) -> Vec<String> {
        let commands = self.commands(grammar, bytes);
        commands.into_iter().map(|c| c.verb).collect()
    }

    fn commands(&mut self, grammar: Grammar, bytes: &[u8]) -> Vec<ClientCommand> {
        let mut out = Vec::new();
        for &b in bytes {
            if b == b'\n' {
                let line = std::mem::take(&mut self.partial);
                if let Some(v) = self.line(grammar, &line) {
                    out.push(v);
                }
            } else if self.partial.len() < MAX_PARTIAL {
                self.partial.push(b);
            }
        }
        out
    }

    fn line(&mut self, grammar: Grammar, line: &[u8]) -> Option<ClientCommand> {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches('\r');
        if self.in_data {
            if text == "." {
                self.in_data = false;
                return Some(ClientCommand {
                    tag: None,
                    verb: "end of DATA".into(),
                    args: String::new(),
                    login: None,
                });
            }
            return None;
        }
        let mut words = text.split_ascii_whitespace();
        let mut tag = None;
        let verb = match grammar {
            Grammar::Imap => {
                tag = Some(words.next()?.to_string());
                let v = words.next()?.to_ascii_uppercase();
                if v == "UID" {
                    format!("UID {}", words.next()?.to_ascii_uppercase())
                } else {
                    v
                }
            }
            _ => words.next()?.to_ascii_uppercase(),
        };
        let known = match grammar {
            Grammar::Smtp => SMTP_VERBS,
            Grammar::Pop3 => POP3_VERBS,
            Grammar::Imap => IMAP_VERBS,
            Grammar::Other => return None,
        };
        let head = verb.split(' ').next_back().unwrap_or("");
        if !known.contains(&head) && !known.contains(&verb.as_str()) {
            return None;
        }
        if grammar == Grammar::Smtp && verb == "DATA" {
            self.in_data = true;
        }
        let words: Vec<&str> = words.collect();
        let login = match (head, words.as_slice()) {
            ("USER" | "APOP" | "LOGIN", [user, ..]) => Some(user.trim_matches('"').to_string()),
            ("AUTH" | "AUTHENTICATE", [mechanism, response, ..])
                if mechanism.eq_ignore_ascii_case("PLAIN") =>
            {
                decode_plain(response.as_bytes()).map(|c| c.authcid)
            }
            _ => None,
        };
        let shown = match head {
            "PASS" => 0,
            "AUTH" | "AUTHENTICATE" | "LOGIN" | "APOP" => 1,
            _ => usize::MAX,
        };
        let args = words
            .iter()
            .take(shown)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        Some(ClientCommand {
            tag,
            verb,
            args,
            login,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_world;
    use crate::time::Duration;
    use crate::wire::sasl::encode_plain;

    fn wait(w: &mut World, ms: u64) {
        let t = w.now() + Duration::from_millis(ms);
        w.run_until(t);
    }

    fn drain(w: &mut World) -> Vec<(u64, WorldEvent)> {
        std::iter::from_fn(|| w.poll_event_stamped()).collect()
    }

    fn submit(w: &mut World, from: HostId, lines: &[&str]) {
        let c = w.connect(from, "smtp.isp.example", 587).unwrap();
        wait(w, 200);
        for l in lines {
            w.send(c, format!("{l}\r\n").as_bytes());
            wait(w, 200);
        }
        w.take_received(c);
    }

    #[test]
    fn a_submission_is_drawn_as_commands_then_queue_mx_lookup_relay_and_delivery() {
        let (mut w, d) = default_world(1);
        let mut j = Journey::new(&w);
        let auth = format!("AUTH PLAIN {}", encode_plain("smith@isp.example", "smith"));
        submit(
            &mut w,
            d.sender_pc,
            &[
                "EHLO pc.home.example",
                &auth,
                "MAIL FROM:<smith@isp.example>",
                "RCPT TO:<boss@corp.example>",
                "DATA",
                "Subject: rcpt data quit",
                "",
                "MAIL FROM lines in the body are content, not commands",
                ".",
                "QUIT",
            ],
        );
        wait(&mut w, 3000);
        let events = drain(&mut w);
        let hops = j.poll(&w, &events);
        let verbs: Vec<&str> = hops
            .iter()
            .filter_map(|h| match h {
                Hop::Command { client, verb, .. } if *client == d.sender_pc => Some(verb.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            verbs,
            [
                "EHLO",
                "AUTH",
                "MAIL",
                "RCPT",
                "DATA",
                "end of DATA",
                "QUIT"
            ]
        );
        let summaries: Vec<String> = hops
            .iter()
            .filter_map(|h| match h {
                Hop::Event(e) => e.summary(),
                _ => None,
            })
            .collect();
        assert_eq!(summaries.len(), 5, "{summaries:?}");
        assert!(summaries[0].starts_with("smtp.isp.example: Q"));
        assert!(summaries[0].ends_with("queued for relay"));
        assert_eq!(
            summaries[1],
            "smtp.isp.example: DNS corp.example MX? -> 10 mx.corp.example"
        );
        // The MX queues and delivers the message before its 250 reaches the ISP.
        assert!(summaries[2].starts_with("mx.corp.example: Q"));
        assert!(summaries[2].ends_with("queued for relay"));
        assert!(
            summaries[3].starts_with("mx.corp.example: Q")
                && summaries[3].ends_with("delivered to boss's INBOX"),
            "{}",
            summaries[3]
        );
        assert!(
            summaries[4].starts_with("smtp.isp.example -> mx.corp.example: Q")
                && summaries[4].contains("relayed (250 2.0.0"),
            "{}",
            summaries[4]
        );
        // In the order it happened: queued and looked up before the relay connects.
        let at = |f: &dyn Fn(&Hop) -> bool| hops.iter().position(f).unwrap();
        let queued = at(
            &|h| matches!(h, Hop::Event(WorldEvent::Queued { host, .. }) if host == "smtp.isp.example"),
        );
        let lookup = at(&|h| matches!(h, Hop::Event(WorldEvent::MxLookup { .. })));
        let relay_connect = at(&|h| matches!(h, Hop::Connect { client, .. } if *client == d.isp));
        let data_end = at(&|h| matches!(h, Hop::Command { verb, .. } if verb == "end of DATA"));
        assert!(data_end < queued && queued < lookup && lookup < relay_connect);
        // The relay's own commands on the ISP -> MX link are drawn too.
        let relay_verbs: Vec<&str> = hops
            .iter()
            .filter_map(|h| match h {
                Hop::Command { client, verb, .. } if *client == d.isp => Some(verb.as_str()),
                _ => None,
            })
            .collect();
        assert!(relay_verbs.starts_with(&["EHLO", "MAIL", "RCPT", "DATA"]));
        // Read once: the next poll starts where this one ended.
        assert!(j.poll(&w, &[]).is_empty());
    }

    #[test]
    fn a_mail_host_down_is_drawn_as_a_failed_connect_and_a_deferral() {
        let (mut w, d) = default_world(1);
        w.set_host_up(d.corp, false);
        let mut j = Journey::new(&w);
        let auth = format!("AUTH PLAIN {}", encode_plain("smith", "smith"));
        submit(
            &mut w,
            d.sender_pc,
            &[
                "EHLO x",
                &auth,
                "MAIL FROM:<smith@isp.example>",
                "RCPT TO:<boss@corp.example>",
                "DATA",
                "Subject: x",
                "",
                "x",
                ".",
            ],
        );
        wait(&mut w, 2000);
        let events = drain(&mut w);
        let hops = j.poll(&w, &events);
        assert!(hops.iter().any(|h| matches!(h,
            Hop::Event(WorldEvent::Deferred { host, .. }) if host == "smtp.isp.example")));
    }

    #[test]
    fn pop3_and_imap_verbs_are_read_and_literals_and_auth_lines_are_not() {
        let mut r = Reader::default();
        assert_eq!(
            r.verbs(
                Grammar::Pop3,
                b"USER boss\r\nPASS boss\r\nRETR 1\r\nhello\r\n"
            ),
            ["USER", "PASS", "RETR"]
        );
        let mut r = Reader::default();
        assert_eq!(
            r.verbs(
                Grammar::Imap,
                b"a1 LOGIN boss boss\r\na2 uid fetch 1:* FLAGS\r\nxyz\r\na3 sel"
            ),
            ["LOGIN", "UID FETCH"]
        );
        assert_eq!(r.verbs(Grammar::Imap, b"ect INBOX\r\n"), ["SELECT"]);
        let mut r = Reader::default();
        let got = r.read(143, b"a1 LOGIN boss secret\r\na2 uid  search FROM  zoe\r\n");
        assert_eq!(got[0].args, "boss", "the password is left out");
        assert_eq!(got[1].tag.as_deref(), Some("a2"));
        assert_eq!(
            (got[1].verb.as_str(), got[1].args.as_str()),
            ("UID SEARCH", "FROM zoe")
        );
        assert_eq!(got[0].login.as_deref(), Some("boss"));
        let got = r.read(587, b"AUTH PLAIN AGJvc3MAYm9zcw==\r\n");
        assert_eq!(got[0].args, "PLAIN");
        assert_eq!(got[0].login.as_deref(), Some("boss"));
        let got = Reader::default().read(110, b"PASS boss\r\n");
        assert_eq!(got[0].args, "");
        let mut r = Reader::default();
        let long = vec![b'A'; 5000];
        assert!(r.verbs(Grammar::Smtp, &long).is_empty());
        assert_eq!(r.partial.len(), MAX_PARTIAL);
    }
}
