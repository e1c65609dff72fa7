//! Views over the trace log: per-connection transcripts as `C:`/`S:` lines with virtual
//! timestamps, and link activity for the network picture.

use super::{Service, World};
use crate::net::{ConnId, HostId, Side, TraceKind};
use crate::session::SecretInput;
use crate::time::Instant;
use crate::wire::assemble::LineAssembler;

pub use crate::proto::secret::mask_secret;

/// Who a transcript line comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Client,
    Server,
    /// A network note: connect, close, refused, dropped.
    Net,
}

/// One line of a conversation, as the transcripts, the terminals and the learning layer see
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptLine {
    pub at: Instant,
    /// The connection (so the session) it belongs to, when there is one.
    pub conn: Option<ConnId>,
    pub speaker: Speaker,
    /// The line without its line end (with the secret replaced by `********` in a masked
    /// transcript).
    pub bytes: Vec<u8>,
    /// The line carries a secret: its session marked it (a password, a SASL response, an IMAP
    /// LOGIN literal), or it is a login command the session has not read yet.
    pub secret: bool,
    /// Where the line starts in its sender's byte stream, when known: the key to the typed
    /// records that say what it means (see [`crate::proto::record`]).
    pub offset: Option<u64>,
}

impl TranscriptLine {
    pub fn new(at: Instant, conn: Option<ConnId>, speaker: Speaker, bytes: Vec<u8>) -> Self {
        TranscriptLine {
            at,
            conn,
            speaker,
            bytes,
            secret: false,
            offset: None,
        }
    }

    /// The line, starting at `offset` of its sender's stream.
    pub fn at_offset(self, offset: u64) -> Self {
        TranscriptLine {
            offset: Some(offset),
            ..self
        }
    }

    /// The line as text (bytes that are not UTF-8 shown as U+FFFD).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.bytes)
    }
}

/// A connection as the transcript list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnSummary {
    pub conn: ConnId,
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    /// The service it reached (none when the connection was refused).
    pub service: Option<Service>,
    pub opened: Instant,
    pub bytes: usize,
}

/// Masks what follows the first `shown_words` words of a line a session marked as carrying a
/// secret. A lone `*` (the client cancelling a SASL exchange, RFC 4954 §4) is no secret.
fn mask_marked(line: &str, shown_words: u8) -> String {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let shown = usize::from(shown_words);
    match words.get(shown..) {
        None | Some([]) | Some(["*"]) => line.to_string(),
        Some(_) if shown == 0 => "********".into(),
        Some(_) => format!("{} ********", words[..shown].join(" ")),
    }
}

/// The secret marks that fall on the client line `[start, end)` of the stream (a mark names
/// the line holding byte `end - 1`); the fewest words shown wins.
pub fn marked_words(marks: &[SecretInput], start: u64, end: u64) -> Option<u8> {
    marks
        .iter()
        .filter(|m| m.end > start && m.end <= end)
        .map(|m| m.shown_words)
        .min()
}

/// A client line's text with its secret masked: after the first `shown_words` words when its
/// session marked it (see [`marked_words`]), else by the login-command rule of [`mask_secret`]
/// (for a line its session has not read yet). The page's transcripts and the bridge's
/// `--trace` both mask this way.
pub fn mask_client_line(text: &str, shown_words: Option<u8>) -> String {
    match shown_words {
        Some(w) => mask_marked(text, w),
        None => mask_secret(text, false),
    }
}

/// A client line as a transcript shows it (see [`mask_client_line`]).
fn client_line(mut line: TranscriptLine, shown: Option<u8>, mask: bool) -> TranscriptLine {
    let text = line.text().into_owned();
    let masked = mask_client_line(&text, shown);
    line.secret = masked != text;
    if mask && line.secret {
        line.bytes = masked.into_bytes();
    }
    line
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
                    service: self.service_on(e.server, e.port),
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

    /// The transcript of one connection, secrets masked when `mask` is set. Client lines are
    /// masked where the server session marked secret input (see [`SecretInput`]).
    pub fn transcript(&self, conn: ConnId, mask: bool) -> Vec<TranscriptLine> {
        let mut lines = Vec::new();
        let marks = self.secret_marks(conn);
        // Marks count bytes from the connection's start: they apply only while the trace
        // still holds the whole connection; otherwise every marked connection is masked whole.
        let whole = self
            .net
            .trace
            .of(conn)
            .next()
            .is_some_and(|e| e.kind == TraceKind::Connect);
        let shown_on = |start: u64, end: u64| match whole {
            true => marked_words(marks, start, end),
            false => (!marks.is_empty()).then_some(0),
        };
        let mut client = LineAssembler::default();
        let mut server = LineAssembler::default();
        let mut started = [Instant::ZERO; 2];
        let mut data = |at: Instant, from: Side, bytes: &[u8], lines: &mut Vec<TranscriptLine>| {
            let (assembler, speaker, started) = match from {
                Side::Client => (&mut client, Speaker::Client, &mut started[0]),
                Side::Server => (&mut server, Speaker::Server, &mut started[1]),
            };
            if assembler.pending().is_empty() {
                *started = at;
            }
            assembler.push(bytes, |l| {
                let mut line = TranscriptLine::new(*started, Some(conn), speaker, l.bytes);
                if whole {
                    line = line.at_offset(l.start);
                }
                lines.push(match speaker {
                    Speaker::Client => client_line(line, shown_on(l.start, l.end), mask),
                    _ => line,
                });
                *started = at;
            });
        };
        // From where its server started TLS the wire holds records: the conversation comes
        // from the plaintext the TLS layer handed over instead (kept per connection).
        let tls_at = self.tls_started_at(conn);
        let plaintext = self.tls_plaintext(conn);
        let mut plain = plaintext.iter().peekable();
        let mut tls_noted = false;
        let first = self.net.trace.discarded;
        for (k, e) in self.net.trace.entries().enumerate() {
            if e.conn != conn {
                continue;
            }
            while let Some(chunk) = plain.next_if(|c| c.at <= e.at) {
                data(chunk.at, chunk.from, &chunk.bytes, &mut lines);
            }
            let name = |h| self.net.host_name(h).to_string();
            let note = |text: String| {
                TranscriptLine::new(e.at, Some(conn), Speaker::Net, text.into_bytes())
            };
            let in_tls = tls_at.is_some_and(|at| first + k as u64 >= at);
            if in_tls && !tls_noted {
                tls_noted = true;
                lines.push(note(
                    "TLS: from here the link carries encrypted records; the lines below are what the TLS layer decrypted".into(),
                ));
            }
            match &e.kind {
                TraceKind::Connect => lines.push(note(format!(
                    "connect {} -> {}:{}",
                    name(e.client),
                    name(e.server),
                    e.port
                ))),
                TraceKind::Failed(why) => lines.push(note(format!(
                    "connect {} -> {}:{} failed: {why}",
                    name(e.client),
                    name(e.server),
                    e.port
                ))),
                TraceKind::Close => lines.push(note(format!(
                    "{} closed",
                    if e.from == Side::Client {
                        "client"
                    } else {
                        "server"
                    }
                ))),
                TraceKind::Dropped => lines.push(note("link dropped".into())),
                TraceKind::Data(_) if in_tls => {}
                TraceKind::Data(bytes) => data(e.at, e.from, bytes, &mut lines),
            }
        }
        for chunk in plain {
            data(chunk.at, chunk.from, &chunk.bytes, &mut lines);
        }
        // Lines still being typed; a client line is masked like a complete one, and also
        // when a mark points past its start (an IMAP LOGIN literal still arriving).
        if let Some(l) = client.take_pending() {
            let line = TranscriptLine::new(started[0], Some(conn), Speaker::Client, l.bytes);
            let shown = match whole {
                true => marks
                    .iter()
                    .filter(|m| m.end > l.start)
                    .map(|m| m.shown_words)
                    .min(),
                false => shown_on(l.start, l.end),
            };
            lines.push(client_line(line, shown, mask));
        }
        if let Some(l) = server.take_pending() {
            lines.push(TranscriptLine::new(
                started[1],
                Some(conn),
                Speaker::Server,
                l.bytes,
            ));
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
            // Seconds to the millisecond, in integers (no float formatting in the page's wasm).
            let ms = l.at.as_millis();
            out.push_str(&format!(
                "[{:>5}.{:03}s] {tag} {}\n",
                ms / 1000,
                ms % 1000,
                l.text()
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

    /// Masking follows the session's marks, not the server's wording: an APPEND literal after
    /// "+ Ready" and IDLE's DONE stay readable, a LOGIN literal after the same "+ Ready" does
    /// not, and each line says whether it carries a secret.
    #[test]
    fn only_input_the_session_marked_is_masked() {
        let (mut w, d) = crate::sandbox::default_world(1);
        let i = w.connect(d.recipient_pc, "mx.corp.example", 143).unwrap();
        w.send(i, b"a1 LOGIN boss {4}\r\n");
        w.run_until(Instant::from_millis(300));
        w.send(i, b"boss\r\na2 APPEND INBOX {5}\r\n");
        w.run_until(Instant::from_millis(600));
        w.send(i, b"hello\r\na3 IDLE\r\n");
        w.run_until(Instant::from_millis(900));
        w.send(i, b"DONE\r\n");
        w.run_until(Instant::from_millis(1200));
        let lines = w.transcript(i, true);
        let client: Vec<(String, bool)> = lines
            .iter()
            .filter(|l| l.speaker == Speaker::Client)
            .map(|l| (l.text().into_owned(), l.secret))
            .collect();
        assert_eq!(
            client,
            [
                // The login-command rule hides whatever follows the user name.
                ("a1 LOGIN boss ********".to_string(), true),
                ("********".to_string(), true),
                ("a2 APPEND INBOX {5}".to_string(), false),
                ("hello".to_string(), false),
                ("a3 IDLE".to_string(), false),
                ("DONE".to_string(), false),
            ]
        );
        assert!(lines.iter().all(|l| l.conn == Some(i)));
        let plain = w.transcript(i, false);
        assert!(plain.iter().any(|l| l.text() == "boss" && l.secret));
    }

    #[test]
    fn a_marked_line_keeps_its_first_words() {
        assert_eq!(mask_marked("a1 LOGIN boss pw", 3), "a1 LOGIN boss ********");
        assert_eq!(mask_marked("PASS  a b", 1), "PASS ********");
        assert_eq!(mask_marked("c2VjcmV0", 0), "********");
        assert_eq!(mask_marked("*", 0), "*");
        assert_eq!(mask_marked("AUTH PLAIN", 2), "AUTH PLAIN");
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
