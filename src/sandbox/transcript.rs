//! Views over the trace log: per-connection transcripts as `C:`/`S:` lines with virtual
//! timestamps, and link activity for the network picture.

use super::World;
use crate::net::{ConnId, HostId, Side, TraceKind};
use crate::time::Instant;

/// Who a transcript line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Client,
    Server,
    /// A network note: connect, close, refused, dropped.
    Net,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    pub at: Instant,
    pub speaker: Speaker,
    pub text: String,
}

/// A connection as the transcript list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSummary {
    pub conn: ConnId,
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    pub opened: Instant,
    pub bytes: usize,
}

/// Masks the secret of a login line, so transcripts shown or exported never carry passwords:
/// `PASS x`, `LOGIN user pass`, `AUTH PLAIN <b64>` (any mechanism's initial response), `APOP
/// name digest`, and any answer to a challenge (`after_challenge`: base64 after `334`/`+ `).
/// Verbs are matched case-insensitively and words may be separated by any run of spaces or tabs,
/// as the servers accept them.
pub fn mask_secret(line: &str, after_challenge: bool) -> String {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let is = |i: usize, verb: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(verb));
    if is(0, "PASS") {
        return "PASS ********".into();
    }
    if is(0, "AUTH") && words.len() >= 3 {
        return format!("{} {} ********", words[0], words[1]);
    }
    // IMAP: tag LOGIN user pass / tag AUTHENTICATE mechanism initial-response
    if words.len() >= 4 && (is(1, "LOGIN") || is(1, "AUTHENTICATE")) {
        return format!("{} {} {} ********", words[0], words[1], words[2]);
    }
    if is(0, "APOP") && words.len() >= 3 {
        return format!("APOP {} ********", words[1]);
    }
    if after_challenge && !line.trim().is_empty() && line.trim() != "*" {
        return "********".into();
    }
    line.to_string()
}

/// How many of the client's next lines are SASL answers, after this client line: `AUTH PLAIN`
/// without an initial response is answered with one line, `AUTH LOGIN` with two (one with an
/// initial response), IMAP `AUTHENTICATE` likewise. Counting from the client's own lines keeps
/// answers masked when a client pipelines them before the challenge arrives.
fn sasl_answers_expected(line: &str) -> u8 {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let rest = match words.as_slice() {
        [v, rest @ ..] if v.eq_ignore_ascii_case("AUTH") => rest,
        [_, v, rest @ ..] if v.eq_ignore_ascii_case("AUTHENTICATE") => rest,
        _ => return 0,
    };
    match rest {
        [m] if m.eq_ignore_ascii_case("PLAIN") => 1,
        [m] if m.eq_ignore_ascii_case("LOGIN") => 2,
        [m, _] if m.eq_ignore_ascii_case("LOGIN") => 1,
        _ => 0,
    }
}

/// True when a client line is (part of) an IMAP LOGIN that announces a literal (`{n}` or
/// `{n+}`, RFC 3501 §4.3, RFC 7888): the literal's data, on the client's next line, is the user
/// name or the password.
fn announces_login_literal(line: &str, in_login: bool) -> bool {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let login = in_login
        || words
            .get(1)
            .is_some_and(|w| w.eq_ignore_ascii_case("LOGIN"));
    let literal = words.last().is_some_and(|w| {
        let inner = w.strip_prefix('{').and_then(|w| w.strip_suffix('}'));
        let inner = inner.map(|i| i.strip_suffix('+').unwrap_or(i));
        inner.is_some_and(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()))
    });
    login && literal
}

/// A server line that refuses (SMTP 4xx/5xx, POP3/IMAP `-ERR`/`NO`/`BAD`): a SASL exchange in
/// progress is over.
fn is_refusal(server_line: &str) -> bool {
    let b = server_line.as_bytes();
    (b.len() >= 3 && (b[0] == b'4' || b[0] == b'5') && b[1..3].iter().all(u8::is_ascii_digit))
        || server_line.starts_with("-ERR")
}

fn is_challenge(server_line: &str) -> bool {
    server_line.starts_with("334")
        || server_line == "+"
        || server_line.starts_with("+ ")
            && !server_line
                .to_ascii_lowercase()
                .contains("ready for literal")
            && !server_line.to_ascii_lowercase().contains("idling")
}

impl World {
    /// Every connection the trace still holds, oldest first.
    pub fn connections_seen(&self) -> Vec<ConnSummary> {
        let mut out: Vec<ConnSummary> = Vec::new();
        for e in self.net.trace.entries() {
            match out.iter_mut().rev().find(|c| c.conn == e.conn) {
                Some(c) => {
                    if let TraceKind::Data(b) = &e.kind {
                        c.bytes += b.len();
                    }
                }
                None => out.push(ConnSummary {
                    conn: e.conn,
                    client: e.client,
                    server: e.server,
                    port: e.port,
                    opened: e.at,
                    bytes: match &e.kind {
                        TraceKind::Data(b) => b.len(),
                        _ => 0,
                    },
                }),
            }
        }
        out
    }

    /// The transcript of one connection, secrets masked when `mask` is set.
    pub fn transcript(&self, conn: ConnId, mask: bool) -> Vec<TranscriptLine> {
        let mut lines = Vec::new();
        let mut partial: [(String, Instant); 2] = [
            (String::new(), Instant::ZERO),
            (String::new(), Instant::ZERO),
        ];
        let mut challenged = false;
        // Client lines still to come that are SASL answers (see `sasl_answers_expected`).
        let mut answers_due = 0u8;
        // The next client line is literal data of an IMAP LOGIN.
        let mut login_literal = false;
        for e in self.net.trace.of(conn) {
            let name = |h| self.net.host_name(h).to_string();
            match &e.kind {
                TraceKind::Connect => lines.push(TranscriptLine {
                    at: e.at,
                    speaker: Speaker::Net,
                    text: format!(
                        "connect {} -> {}:{}",
                        name(e.client),
                        name(e.server),
                        e.port
                    ),
                }),
                TraceKind::Failed(why) => lines.push(TranscriptLine {
                    at: e.at,
                    speaker: Speaker::Net,
                    text: format!(
                        "connect {} -> {}:{} failed: {why}",
                        name(e.client),
                        name(e.server),
                        e.port
                    ),
                }),
                TraceKind::Close => lines.push(TranscriptLine {
                    at: e.at,
                    speaker: Speaker::Net,
                    text: format!(
                        "{} closed",
                        if e.from == Side::Client {
                            "client"
                        } else {
                            "server"
                        }
                    ),
                }),
                TraceKind::Dropped => lines.push(TranscriptLine {
                    at: e.at,
                    speaker: Speaker::Net,
                    text: "link dropped".into(),
                }),
                TraceKind::Data(bytes) => {
                    let idx = if e.from == Side::Client { 0 } else { 1 };
                    let speaker = if idx == 0 {
                        Speaker::Client
                    } else {
                        Speaker::Server
                    };
                    let (buf, start) = &mut partial[idx];
                    if buf.is_empty() {
                        *start = e.at;
                    }
                    buf.push_str(&String::from_utf8_lossy(bytes));
                    while let Some(pos) = buf.find('\n') {
                        let raw: String = buf.drain(..=pos).collect();
                        let text = raw.trim_end_matches(['\r', '\n']).to_string();
                        let text = if speaker == Speaker::Client {
                            let secret = challenged || answers_due > 0 || login_literal;
                            login_literal = announces_login_literal(&text, login_literal);
                            answers_due = answers_due.saturating_sub(1);
                            if text.trim() == "*" {
                                answers_due = 0;
                            }
                            answers_due = answers_due.max(sasl_answers_expected(&text));
                            challenged = false;
                            if mask {
                                mask_secret(&text, secret)
                            } else {
                                text
                            }
                        } else {
                            challenged = is_challenge(&text);
                            if is_refusal(&text) {
                                answers_due = 0;
                            }
                            text
                        };
                        lines.push(TranscriptLine {
                            at: *start,
                            speaker,
                            text,
                        });
                        *start = e.at;
                    }
                }
            }
        }
        for (idx, (buf, at)) in partial.iter().enumerate() {
            if !buf.is_empty() {
                // A line still being typed is masked like a complete one.
                let text = if idx == 0 && mask {
                    mask_secret(buf, challenged || answers_due > 0 || login_literal)
                } else {
                    buf.clone()
                };
                lines.push(TranscriptLine {
                    at: *at,
                    speaker: if idx == 0 {
                        Speaker::Client
                    } else {
                        Speaker::Server
                    },
                    text,
                });
            }
        }
        lines
    }

    /// The transcript as text, one `[seconds] C: line` per line (for copy and download).
    pub fn transcript_text(&self, conn: ConnId, mask: bool) -> String {
        let mut out = String::new();
        for l in self.transcript(conn, mask) {
            let tag = match l.speaker {
                Speaker::Client => "C:",
                Speaker::Server => "S:",
                Speaker::Net => "--",
            };
            out.push_str(&format!(
                "[{:>9.3}s] {tag} {}\n",
                l.at.as_millis() as f64 / 1000.0,
                l.text
            ));
        }
        out
    }

    /// Links (client host, server host, port) that carried bytes in `[since, now]`, for the
    /// animation of the network picture.
    pub fn active_links(&self, since: Instant) -> Vec<(HostId, HostId, u16, Side)> {
        let mut out = Vec::new();
        for e in self.net.trace.entries().rev() {
            if e.at < since {
                break;
            }
            if matches!(e.kind, TraceKind::Data(_) | TraceKind::Connect) {
                let key = (e.client, e.server, e.port, e.from);
                if !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_secret("PASS hunter2", false), "PASS ********");
        assert_eq!(
            mask_secret("a1 LOGIN boss secret", false),
            "a1 LOGIN boss ********"
        );
        assert_eq!(
            mask_secret("AUTH PLAIN AGJvc3MAYm9zcw==", false),
            "AUTH PLAIN ********"
        );
        assert_eq!(mask_secret("dXNlcg==", true), "********");
        assert_eq!(mask_secret("NOOP", false), "NOOP");
    }

    /// Regression (security tests): the servers accept these spellings, so the mask must too.
    #[test]
    fn secrets_are_masked_whatever_the_spacing_and_case() {
        assert_eq!(mask_secret("  PASS hunter2", false), "PASS ********");
        assert_eq!(mask_secret("PASS\thunter2", false), "PASS ********");
        assert_eq!(mask_secret("pass  hunter2", false), "PASS ********");
        assert_eq!(
            mask_secret("AUTH  PLAIN AGJvc3MAYm9zcw==", false),
            "AUTH PLAIN ********"
        );
        assert_eq!(
            mask_secret("auth\tplain\tAGJvc3MAYm9zcw==", false),
            "auth plain ********"
        );
        assert_eq!(mask_secret("AUTH PLAIN", false), "AUTH PLAIN");
        assert_eq!(mask_secret("*", true), "*");
    }

    /// Regression (security tests): SASL answers pipelined before the challenge, and a
    /// password line not yet terminated, were shown in clear.
    #[test]
    fn pipelined_sasl_answers_and_unfinished_lines_are_masked() {
        let (mut w, d) = crate::sandbox::default_world(1);
        let c = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
        w.send(
            c,
            b"EHLO x\r\nAUTH LOGIN\r\nYm9zcw==\r\nc2VjcmV0\r\nNOOP\r\n",
        );
        w.run_until(Instant::from_millis(500));
        let text = w.transcript_text(c, true);
        assert!(
            !text.contains("Ym9zcw==") && !text.contains("c2VjcmV0"),
            "{text}"
        );
        assert!(text.contains("C: NOOP"), "{text}");
        // IMAP LOGIN with the password as a literal, synchronizing or not (RFC 7888).
        let i = w.connect(d.recipient_pc, "mx.corp.example", 143).unwrap();
        w.send(i, b"a1 LOGIN boss {6}\r\n");
        w.run_until(Instant::from_millis(300));
        w.send(
            i,
            b"secret\r\na2 LOGIN {4+}\r\nboss {7+}\r\nsecret2\r\na3 NOOP\r\n",
        );
        w.run_until(Instant::from_millis(600));
        let text = w.transcript_text(i, true);
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("C: a3 NOOP"), "{text}");
        let p = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(p, b"USER boss\r\nPASS sec");
        w.run_until(Instant::from_millis(1000));
        let text = w.transcript_text(p, true);
        assert!(
            !text.contains("sec\n") && text.contains("PASS ********"),
            "{text}"
        );
    }

    #[test]
    fn a_pop3_transcript_reads_as_c_and_s_lines_with_the_password_masked() {
        let (mut w, d) = crate::sandbox::default_world(1);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(c, b"USER boss\r\nPA");
        w.send(c, b"SS boss\r\nQUIT\r\n");
        w.run_until(Instant::from_millis(500));
        let text = w.transcript_text(c, true);
        assert!(
            text.contains("-- connect pc.corp.example -> mx.corp.example:110"),
            "{text}"
        );
        assert!(text.contains("C: USER boss\n"));
        assert!(text.contains("C: PASS ********\n"), "{text}");
        assert!(!text.contains("PASS boss"));
        assert!(text.contains("S: +OK"));
        assert!(w.transcript_text(c, false).contains("C: PASS boss\n"));
        let seen = w.connections_seen();
        assert_eq!(seen.last().unwrap().port, 110);
        assert!(!w.active_links(Instant::ZERO).is_empty());
    }
}
