//! `--trace`: turns the world's trace log into transcript lines as it grows, e.g.
//! `[12.345s] #7 C: EHLO x`. Chunks are joined into lines per connection and direction; a
//! line is shown when its end arrives (or its connection closes), cut short past a limit.

use crate::net::{ConnId, Network, Side, TraceKind};
use crate::time::Instant;
use std::collections::BTreeMap;

/// Most bytes of one line shown; the rest is counted, not printed.
const SHOWN: usize = 300;

#[derive(Default)]
struct Partial {
    shown: Vec<u8>,
    hidden: usize,
}

/// Follows [`Network::trace`] from where it was when created.
pub struct Transcript {
    next: u64,
    partial: BTreeMap<(ConnId, Side), Partial>,
}

impl Transcript {
    /// Starts at the trace's current end (nothing earlier is printed).
    pub fn new(net: &Network) -> Self {
        Transcript {
            next: net.trace.total,
            partial: BTreeMap::new(),
        }
    }

    /// Appends the transcript lines of every trace entry recorded since the last call.
    pub fn drain(&mut self, net: &Network, out: &mut Vec<String>) {
        if net.trace.total == self.next {
            return;
        }
        let entries: Vec<_> = net.trace.since(self.next).cloned().collect();
        self.next = net.trace.total;
        for e in entries {
            let stamp = stamp(e.at, e.conn);
            let who = match e.from {
                Side::Client => "C",
                Side::Server => "S",
            };
            match e.kind {
                TraceKind::Connect => out.push(format!(
                    "{stamp} connect {} -> {}:{}",
                    net.host_name(e.client),
                    net.host_name(e.server),
                    e.port
                )),
                TraceKind::Failed(why) => out.push(format!(
                    "{stamp} connect {} -> {}:{} failed: {why}",
                    net.host_name(e.client),
                    net.host_name(e.server),
                    e.port
                )),
                TraceKind::Data(bytes) => {
                    let p = self.partial.entry((e.conn, e.from)).or_default();
                    for &b in &bytes {
                        if b == b'\n' {
                            out.push(format!("{stamp} {who}: {}", show(p)));
                            *p = Partial::default();
                        } else if p.shown.len() < SHOWN {
                            p.shown.push(b);
                        } else {
                            p.hidden += 1;
                        }
                    }
                }
                TraceKind::Close => {
                    self.flush(e.conn, e.from, &stamp, out);
                    out.push(format!("{stamp} {who}: <close>"));
                }
                TraceKind::Dropped => {
                    for side in [Side::Client, Side::Server] {
                        self.flush(e.conn, side, &stamp, out);
                    }
                    out.push(format!("{stamp} <link dropped>"));
                }
            }
        }
    }

    /// Shows an unfinished line (its connection end is closing).
    fn flush(&mut self, conn: ConnId, side: Side, stamp: &str, out: &mut Vec<String>) {
        if let Some(p) = self.partial.remove(&(conn, side)) {
            if !p.shown.is_empty() || p.hidden > 0 {
                let who = if side == Side::Client { "C" } else { "S" };
                out.push(format!("{stamp} {who}: {} <no newline>", show(&p)));
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
        let mut t = Transcript::new(&w.net);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(c, b"US");
        w.send(c, b"ER boss\r\nQUIT\r\n\x01\xff");
        w.close(c);
        w.run_until(w.now() + Duration::from_secs(1));
        let mut out = Vec::new();
        t.drain(&w.net, &mut out);
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
        t.drain(&w.net, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn long_lines_are_cut() {
        let p = Partial {
            shown: vec![b'a'; SHOWN],
            hidden: 5,
        };
        assert!(show(&p).ends_with("a [... 5 more bytes]"));
    }
}
