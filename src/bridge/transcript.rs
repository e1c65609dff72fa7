//! `--trace`: turns the world's trace log into transcript lines as it grows, e.g.
//! `[12.345s] #7 C: EHLO x`. Chunks are joined into lines per connection and direction; a
//! line is shown when its end arrives (or its connection closes), cut short past a limit.
//!
//! Secrets are masked as on the page ([`crate::sandbox::mask_client_line`]): from the marks
//! the server session puts on client input that carries one (a password, a SASL answer, an
//! IMAP LOGIN literal). A session marks a line only once it has read it, so the lines of a
//! connection wait until its server has been given all its client sent (a `--latency` link or
//! flow control can hold bytes back for a moment); past [`MAX_WAITING`] waiting lines they are
//! shown anyway, masked by the login-command rule alone.

use crate::net::{ConnId, Side, TraceKind};
use crate::sandbox::{marked_words, mask_client_line, World};
use crate::time::Instant;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most bytes of one line shown; the rest is counted, not printed.
const SHOWN: usize = 300;
/// Most lines waiting for their server to read them (see the module's doc).
const MAX_WAITING: usize = 10_000;
/// Most connections whose client stream position is followed at once.
const MAX_FOLLOWED: usize = 10_000;

#[derive(Default)]
struct Partial {
    shown: Vec<u8>,
    hidden: usize,
    /// Where the line starts in its client's stream (client lines of connections followed
    /// from their start).
    start: Option<u64>,
}

impl Partial {
    fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.hidden == 0
    }
}

/// A line of one connection: ready to print, or a client line whose mask depends on its
/// session's marks.
struct Line {
    conn: ConnId,
    kind: LineKind,
}

enum LineKind {
    Ready(String),
    Client {
        stamp: String,
        text: String,
        /// The line's bytes in the client's stream; the end is open for an unfinished line.
        range: Option<(u64, u64)>,
        suffix: &'static str,
    },
}

/// Follows [`crate::net::Network::trace`] from where it was when created.
pub struct Transcript {
    next: u64,
    partial: BTreeMap<(ConnId, Side), Partial>,
    /// Client bytes seen so far on each connection followed from its start.
    position: BTreeMap<ConnId, u64>,
    waiting: VecDeque<Line>,
}

impl Transcript {
    /// Starts at the trace's current end (nothing earlier is printed).
    pub fn new(world: &World) -> Self {
        Transcript {
            next: world.net.trace.total,
            partial: BTreeMap::new(),
            position: BTreeMap::new(),
            waiting: VecDeque::new(),
        }
    }

    /// Appends the transcript lines of every trace entry recorded since the last call (and of
    /// earlier ones that waited for their server to read them). A connection's lines keep
    /// their order; a connection whose server has not read everything yet holds back only its
    /// own lines.
    pub fn drain(&mut self, world: &World, out: &mut Vec<String>) {
        self.follow(world);
        let overflow = self.waiting.len() > MAX_WAITING;
        let mut held: BTreeSet<ConnId> = BTreeSet::new();
        let mut read: BTreeSet<ConnId> = BTreeSet::new();
        let mut kept = VecDeque::new();
        for line in std::mem::take(&mut self.waiting) {
            let conn = line.conn;
            if held.contains(&conn) {
                kept.push_back(line);
                continue;
            }
            let text = match line.kind {
                LineKind::Ready(text) => text,
                LineKind::Client { .. }
                    if !overflow && !read.contains(&conn) && !world.is_client_input_read(conn) =>
                {
                    held.insert(conn);
                    kept.push_back(line);
                    continue;
                }
                LineKind::Client {
                    stamp,
                    text,
                    range,
                    suffix,
                } => {
                    read.insert(conn);
                    let marks = world.secret_marks(conn);
                    let shown = match range {
                        Some((start, end)) => marked_words(marks, start, end),
                        // Not followed from its start: any mark masks the whole line.
                        None => (!marks.is_empty()).then_some(0),
                    };
                    format!("{stamp} C: {}{suffix}", mask_client_line(&text, shown))
                }
            };
            out.push(text);
        }
        self.waiting = kept;
    }

    /// Turns the new trace entries into waiting lines.
    fn follow(&mut self, world: &World) {
        let net = &world.net;
        if net.trace.total == self.next {
            return;
        }
        let entries: Vec<_> = net.trace.since(self.next).cloned().collect();
        self.next = net.trace.total;
        for e in entries {
            let stamp = stamp(e.at, e.conn);
            match e.kind {
                TraceKind::Connect => {
                    self.position.insert(e.conn, 0);
                    while self.position.len() > MAX_FOLLOWED {
                        self.position.pop_first();
                    }
                    self.push_ready(
                        e.conn,
                        format!(
                            "{stamp} connect {} -> {}:{}",
                            net.host_name(e.client),
                            net.host_name(e.server),
                            e.port
                        ),
                    )
                }
                TraceKind::Failed(why) => self.push_ready(
                    e.conn,
                    format!(
                        "{stamp} connect {} -> {}:{} failed: {why}",
                        net.host_name(e.client),
                        net.host_name(e.server),
                        e.port
                    ),
                ),
                TraceKind::Data(bytes) => {
                    let mut position = match e.from {
                        Side::Client => self.position.get(&e.conn).copied(),
                        Side::Server => None,
                    };
                    let key = (e.conn, e.from);
                    let mut p = self.partial.remove(&key).unwrap_or_default();
                    for &b in &bytes {
                        if p.is_empty() {
                            p.start = position;
                        }
                        position = position.map(|n| n + 1);
                        if b == b'\n' {
                            let line = std::mem::take(&mut p);
                            self.push_line(e.conn, e.from, &stamp, line, position, "");
                        } else if p.shown.len() < SHOWN {
                            p.shown.push(b);
                        } else {
                            p.hidden += 1;
                        }
                    }
                    if !p.is_empty() {
                        self.partial.insert(key, p);
                    }
                    if let (Some(n), Some(at)) = (position, self.position.get_mut(&e.conn)) {
                        *at = n;
                    }
                }
                TraceKind::Close => {
                    self.flush(e.conn, e.from, &stamp);
                    if e.from == Side::Client {
                        self.position.remove(&e.conn);
                    }
                    let who = if e.from == Side::Client { "C" } else { "S" };
                    self.push_ready(e.conn, format!("{stamp} {who}: <close>"));
                }
                TraceKind::Dropped => {
                    for side in [Side::Client, Side::Server] {
                        self.flush(e.conn, side, &stamp);
                    }
                    self.position.remove(&e.conn);
                    self.push_ready(e.conn, format!("{stamp} <link dropped>"));
                }
            }
        }
    }

    /// Queues one line; `end` is where a client line ends in its stream (`None`: unfinished,
    /// or not followed).
    fn push_line(
        &mut self,
        conn: ConnId,
        side: Side,
        stamp: &str,
        p: Partial,
        end: Option<u64>,
        suffix: &'static str,
    ) {
        let text = show(&p);
        let kind = match side {
            Side::Server => LineKind::Ready(format!("{stamp} S: {text}{suffix}")),
            Side::Client => LineKind::Client {
                stamp: stamp.to_string(),
                text,
                // An unfinished line is masked also when a mark points past its start (an
                // IMAP LOGIN literal still arriving).
                range: p.start.map(|start| (start, end.unwrap_or(u64::MAX))),
                suffix,
            },
        };
        self.waiting.push_back(Line { conn, kind });
    }

    fn push_ready(&mut self, conn: ConnId, text: String) {
        self.waiting.push_back(Line {
            conn,
            kind: LineKind::Ready(text),
        });
    }

    /// Shows an unfinished line (its connection end is closing).
    fn flush(&mut self, conn: ConnId, side: Side, stamp: &str) {
        if let Some(p) = self.partial.remove(&(conn, side)) {
            if !p.is_empty() {
                self.push_line(conn, side, stamp, p, None, " <no newline>");
            }
        }
    }
}

fn stamp(at: Instant, conn: ConnId) -> String {
    let ms = at.as_millis();
    format!("[{}.{:03}s] #{}", ms / 1000, ms % 1000, conn.0)
}

/// A line as text: UTF-8 where it is, escapes for control bytes and invalid sequences.
fn show(p: &Partial) -> String {
    let mut line = p.shown.as_slice();
    if line.last() == Some(&b'\r') && p.hidden == 0 {
        line = &line[..line.len() - 1];
    }
    let mut s = String::new();
    for chunk in line.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => s.push(c),
                c if c.is_control() => s.push_str(&format!("\\x{:02x}", c as u32)),
                c => s.push(c),
            }
        }
        for b in chunk.invalid() {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if p.hidden > 0 {
        s.push_str(&format!(" [... {} more bytes]", p.hidden));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_world;
    use crate::time::Duration;

    #[test]
    fn a_pop3_exchange_as_lines() {
        let (mut w, d) = default_world(1);
        let mut t = Transcript::new(&w);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(c, b"US");
        w.send(c, b"ER boss\r\nQUIT\r\n\x01\xff");
        w.close(c);
        w.run_until(w.now() + Duration::from_secs(1));
        let mut out = Vec::new();
        t.drain(&w, &mut out);
        let text = out.join("\n");
        assert!(
            out[0].starts_with("[0.000s] #1 connect pc.corp.example -> mx.corp.example:110"),
            "{text}"
        );
        assert!(text.contains("#1 C: USER boss\n"), "{text}");
        assert!(text.contains("#1 C: QUIT\n"), "{text}");
        assert!(text.contains("#1 C: \\x01\\xff <no newline>"), "{text}");
        assert!(text.contains("#1 C: <close>"), "{text}");
        // Nothing new: nothing printed.
        out.clear();
        t.drain(&w, &mut out);
        assert!(out.is_empty());
    }

    /// A password line waits until its server has read it (and marked it), then prints
    /// masked; meanwhile another connection's lines print.
    #[test]
    fn a_password_line_waits_for_its_server_and_prints_masked() {
        let (mut w, d) = default_world(1);
        let mx = w.net.host_by_name("mx.corp.example").unwrap();
        w.net
            .set_link_latency(d.recipient_pc, mx, Some(Duration::from_millis(50)));
        w.net
            .set_link_latency(d.sender_pc, mx, Some(Duration::ZERO));
        let mut t = Transcript::new(&w);
        let slow = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.run_until(w.now() + Duration::from_millis(200));
        let other = w.connect(d.sender_pc, "mx.corp.example", 25).unwrap();
        w.send(slow, b"USER boss\r\nPASS boss\r\n");
        w.send(other, b"NOOP\r\n");
        let mut out = Vec::new();
        t.drain(&w, &mut out);
        let text = out.join("\n");
        assert!(!text.contains("PASS"), "{text}");
        assert!(text.contains(&format!("#{} C: NOOP", other.0)), "{text}");
        w.run_until(w.now() + Duration::from_millis(200));
        out.clear();
        t.drain(&w, &mut out);
        let text = out.join("\n");
        assert!(
            text.contains(&format!("#{} C: PASS ********", slow.0)),
            "{text}"
        );
        assert!(!text.contains("PASS boss"), "{text}");
    }

    #[test]
    fn long_lines_are_cut() {
        let p = Partial {
            shown: vec![b'a'; SHOWN],
            hidden: 5,
            start: None,
        };
        assert!(show(&p).ends_with("a [... 5 more bytes]"));
    }
}
