//! The journey of a message as hops the picture can draw one by one: commands crossing a link
//! (`AUTH`, `MAIL`, `RCPT`, `DATA`, `RETR`...), the queue on a relay host, the MX lookup as a
//! DNS question and answer, the relay to the next hop, the delivery into a mailbox, deferrals
//! and bounces. It is a view over the trace log (connections), the typed records the servers'
//! recorders write (commands, see [`crate::proto::record`]) and the world's events
//! (ARCHITECTURE.md, property 4), read incrementally: [`Journey::poll`] returns what happened
//! since the last call.
//!
//! Nothing here reads a protocol: a command is what the recorder of the connection's own
//! protocol says it is, so SMTP message text, BDAT chunks, IMAP literals and SASL answers never
//! draw a hop, and a service on any port is drawn as what it is.

use super::{StampedRecord, World, WorldEvent};
use crate::net::ConnId;
use crate::net::{HostId, TraceKind};
use crate::ordered::SortedSet;
use crate::proto::record::{DataKind, Protocol, Record, TlsRecord};
use crate::proto::verb::{SmtpVerb, Verb};

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
    /// A client command crossed the link toward the server (`end of DATA` for the lone dot
    /// that ends SMTP message text).
    Command {
        client: HostId,
        server: HostId,
        port: u16,
        /// The protocol the server speaks, as its service says.
        protocol: Protocol,
        verb: Verb,
        /// It crossed inside TLS: an eavesdropper on the link saw only ciphertext.
        encrypted: bool,
    },
    /// TLS on a connection (the server's typed record): a handshake step crossing the link,
    /// the handshake's end, a failure, or bytes dropped at the upgrade.
    Tls {
        client: HostId,
        server: HostId,
        port: u16,
        record: TlsRecord,
    },
    /// Something the world did (queued, MX lookup, relayed, delivered, deferred, bounced).
    Event(WorldEvent),
}

/// Reads the world's trace, records and events into [`Hop`]s.
#[derive(Debug, Default)]
pub struct Journey {
    /// The trace index read up to (see `Trace::total`).
    next_trace: u64,
    /// The record number read up to (see `World::records_total`).
    next_record: u64,
    /// Connections whose TLS handshake finished (their later commands are encrypted).
    secured: SortedSet<ConnId>,
}

/// Secured connections remembered at most (a connection that never closes in view).
const MAX_SECURED: usize = 4096;

impl Journey {
    /// Starts reading at the current end of the trace (what happened before is not drawn).
    pub fn new(world: &World) -> Journey {
        Journey {
            next_trace: world.net.trace.total,
            next_record: world.records_total(),
            secured: SortedSet::new(),
        }
    }

    /// The hops since the last call, in the order they happened: `events` are the world's
    /// events the caller drained with `World::poll_event_stamped` for this step, each put
    /// before the first trace entry recorded after it (a command recorded at the same point
    /// comes first: the server read it before it acted).
    pub fn poll(&mut self, world: &World, events: &[(u64, WorldEvent)]) -> Vec<Hop> {
        let mut hops = Vec::new();
        let mut pending = events
            .iter()
            .filter(|(_, e)| !matches!(e, WorldEvent::SessionState { .. }))
            .map(|(at, e)| (*at, Hop::Event(e.clone())))
            .peekable();
        let secured = &mut self.secured;
        let mut commands = world
            .records_since(self.next_record)
            .filter_map(|r| {
                if let Record::Tls(TlsRecord::Started { .. }) = r.record {
                    if secured.len() >= MAX_SECURED {
                        secured.pop_first();
                    }
                    secured.insert(r.conn);
                }
                Some((r.trace_at, record_hop(r, secured.contains(&r.conn))?))
            })
            .collect::<Vec<_>>()
            .into_iter()
            .peekable();
        let first = self.next_trace.max(world.net.trace.discarded);
        for (k, e) in world.net.trace.since(self.next_trace).enumerate() {
            let index = first + k as u64;
            while let Some((_, hop)) = commands.next_if(|(at, _)| *at <= index) {
                hops.push(hop);
            }
            while let Some((_, hop)) = pending.next_if(|(at, _)| *at <= index) {
                hops.push(hop);
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
                TraceKind::Close | TraceKind::Dropped => {
                    self.secured.remove(&e.conn);
                }
                TraceKind::Data(_) => {}
            }
        }
        loop {
            let next_command = commands.peek().map(|(at, _)| *at);
            let next_event = pending.peek().map(|(at, _)| *at);
            let hop = match (next_command, next_event) {
                (Some(c), Some(e)) if c <= e => commands.next(),
                (Some(_), None) => commands.next(),
                (_, Some(_)) => pending.next(),
                (None, None) => break,
            };
            hops.extend(hop.map(|(_, h)| h));
        }
        self.next_trace = world.net.trace.total;
        self.next_record = world.records_total();
        hops
    }
}

/// The hop a record draws: a command the protocol defines, the end of SMTP message text
/// (`encrypted` when the connection's TLS handshake had finished), or a TLS step.
fn record_hop(stamped: &StampedRecord, encrypted: bool) -> Option<Hop> {
    let a = stamped.accepted;
    let verb = match &stamped.record {
        Record::Command(c) if c.is_known => c.verb.clone(),
        Record::Data(d) if d.kind == DataKind::MessageText => Verb::Smtp(SmtpVerb::EndOfData),
        Record::Tls(record) => {
            return Some(Hop::Tls {
                client: a.client,
                server: a.server,
                port: a.port,
                record: record.clone(),
            })
        }
        _ => return None,
    };
    Some(Hop::Command {
        client: a.client,
        server: a.server,
        port: a.port,
        protocol: a.service.protocol()?,
        verb,
        encrypted,
    })
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
        let verbs: Vec<String> = hops
            .iter()
            .filter_map(|h| match h {
                Hop::Command { client, verb, .. } if *client == d.sender_pc => {
                    Some(verb.to_string())
                }
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
        let data_end = at(
            &|h| matches!(h, Hop::Command { verb, .. } if *verb == Verb::Smtp(SmtpVerb::EndOfData)),
        );
        assert!(data_end < queued && queued < lookup && lookup < relay_connect);
        // The relay's own commands on the ISP -> MX link are drawn too.
        let relay_verbs: Vec<String> = hops
            .iter()
            .filter_map(|h| match h {
                Hop::Command { client, verb, .. } if *client == d.isp => Some(verb.to_string()),
                _ => None,
            })
            .collect();
        assert!(relay_verbs.starts_with(&["EHLO", "MAIL", "RCPT", "DATA"].map(String::from)));
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
}
