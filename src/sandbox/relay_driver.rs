//! Drives the relay queue over the virtual network: local delivery for local domains, MX lookup
//! and an SMTP client session for the others, retries and bounces (see [`crate::relay`]). TLS
//! under the client (opportunistic STARTTLS, RFC 7435) is in `relay_tls.rs`.

use super::{World, WorldEvent};
use crate::net::{ConnId, Side};
use crate::ordered::SortedMap;
use crate::proto::smtp::{ClientEvent, ClientJob, ClientOutcome, Envelope, Reply, SmtpClient};
use crate::relay::{bounce_message, HopPlan, HopTls, Outcome, QueueEntry};
use crate::session::{Output, Session};
use crate::store::{Flags, StoreError};
use crate::time::Instant;
use crate::tls_layer::{TlsLayer, TlsOutput};

/// One outgoing SMTP connection carrying one queue entry's recipients for one domain.
pub(crate) struct RelayAttempt {
    pub(super) entry: String,
    pub(super) rcpts: Vec<String>,
    pub(super) client: SmtpClient,
    /// The next hop's name.
    pub(super) hop: String,
    /// The destination domain (what a "require verified TLS" policy names).
    pub(super) domain: String,
    /// How this connection uses TLS.
    pub(super) plan: HopPlan,
    /// TLS under the client, after the next hop said 220 to STARTTLS.
    pub(super) tls: Option<Box<dyn TlsLayer>>,
}

fn reply_text(r: &Reply) -> String {
    format!("{} {}", r.code, r.text)
}

fn outcome_of(reply: &Reply) -> Outcome {
    if reply.code >= 500 {
        Outcome::Permanent(reply_text(reply))
    } else {
        Outcome::Temporary(reply_text(reply))
    }
}

fn domain_of(address: &str) -> String {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

impl RelayAttempt {
    /// The relay client's next deadline.
    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.client.poll_timeout()
    }
}

impl World {
    pub(super) fn relay_mut(&mut self, conn: ConnId) -> Option<&mut RelayAttempt> {
        self.slots.get_mut(conn).and_then(|s| s.relay.as_mut())
    }

    /// Fires due relay timers (from the slots' timer table) and starts due queue attempts.
    /// True when anything happened.
    pub(super) fn run_relay(&mut self, now: Instant) -> bool {
        let mut busy = false;
        for conn in self.slots.due(now) {
            let due = self
                .slots
                .get(conn)
                .and_then(|s| s.relay.as_ref())
                .and_then(RelayAttempt::poll_timeout)
                .is_some_and(|t| t <= now);
            if !due {
                continue;
            }
            busy = true;
            if let Some(r) = self.relay_mut(conn) {
                r.client.handle_timeout(&mut (), now);
            }
            self.flush_relay(conn);
        }
        for id in self.queue.due(now) {
            busy = true;
            self.attempt(now, &id);
        }
        busy
    }

    /// One attempt for every pending recipient of entry `id`, grouped by domain.
    fn attempt(&mut self, now: Instant, id: &str) {
        let Some(entry) = self.queue.entry(id).cloned() else {
            return;
        };
        let from_host = self.net.host_by_name(&entry.host);
        let mut by_domain: SortedMap<String, Vec<String>> = SortedMap::new();
        for rcpt in entry.pending() {
            by_domain
                .entry(domain_of(rcpt))
                .or_default()
                .push(rcpt.to_string());
        }
        for (domain, rcpts) in by_domain {
            self.queue.start_attempt(id, &rcpts);
            if self.store.domain_host(&domain) == Some(entry.host.as_str()) {
                for r in &rcpts {
                    let outcome = self.deliver_locally(now, &entry, r);
                    if outcome == Outcome::Delivered {
                        self.push_event(WorldEvent::Delivered {
                            id: id.to_string(),
                            host: entry.host.clone(),
                            rcpt: r.clone(),
                            folder: "INBOX".into(),
                        });
                    }
                    self.note_outcome(id, r, &outcome);
                    self.queue.record(id, r, outcome);
                }
                continue;
            }
            let (mut exchangers, hidden_by) = self.exchangers_for(&domain);
            let mut answer = match self.dns_hidden(&domain, crate::fault::DnsRecordKind::Mx) {
                Some(_) => Vec::new(),
                None => self.net.dns.mx(&domain).to_vec(),
            };
            // A catch-all host takes every domain nobody else holds (`Store::set_catch_all`):
            // it answers as that domain's MX, so mail relayed from other hosts is caught too.
            if let Some(host) = self.caught_domain_host(&domain, &exchangers, hidden_by) {
                answer = vec![crate::net::MxRecord {
                    preference: 10,
                    exchange: host.clone(),
                }];
                exchangers = vec![host];
            }
            self.push_event(WorldEvent::MxLookup {
                host: entry.host.clone(),
                domain: domain.clone(),
                implicit_mx: answer.is_empty() && !exchangers.is_empty(),
                answer,
            });
            if exchangers.is_empty() {
                let why = match hidden_by {
                    Some(n) => format!(" (record hidden by fault rule {n})"),
                    None => String::new(),
                };
                for r in &rcpts {
                    let o = Outcome::Permanent(format!(
                        "550 5.1.2 no MX or A record for domain {domain}{why}"
                    ));
                    self.note_outcome(id, r, &o);
                    self.queue.record(id, r, o);
                }
                continue;
            }
            // RFC 5321 §5.1: try the exchangers in preference order; a host that finds itself
            // in the list tries only the ones more preferred than itself (a backup MX passes
            // mail on to the main one, never to itself or to a less preferred backup).
            let mut errors = Vec::new();
            let mut conn = None;
            let mut hop = String::new();
            for mx in &exchangers {
                if mx.eq_ignore_ascii_case(&entry.host) {
                    errors.push(format!("{mx} is this host (mail loops back to myself)"));
                    break;
                }
                let Some(from) = from_host else { break };
                match self.net.connect(now, from, mx, 25) {
                    Ok(c) => {
                        conn = Some(c);
                        hop = mx.clone();
                        break;
                    }
                    Err(e) => errors.push(format!("{mx}: {e}")),
                }
            }
            match conn {
                Some(c) => {
                    let plan = self.relay_plan(&entry.host, &domain);
                    self.open_relay(now, c, &entry, rcpts, (hop, domain), plan);
                }
                None => {
                    let why = format!("4.4.1 cannot reach {domain}: {}", errors.join("; "));
                    for r in &rcpts {
                        let o = Outcome::Temporary(why.clone());
                        self.note_outcome(id, r, &o);
                        self.queue.record(id, r, o);
                    }
                }
            }
        }
        self.settle(now, id);
    }

    /// Puts a relay client for `rcpts` of `entry` on the new connection `conn` to `hop`.
    pub(super) fn open_relay(
        &mut self,
        now: Instant,
        conn: ConnId,
        entry: &QueueEntry,
        rcpts: Vec<String>,
        (hop, domain): (String, String),
        plan: HopPlan,
    ) {
        let job = ClientJob {
            helo: entry.host.clone(),
            auth: None,
            envelope: Envelope {
                mail_from: entry.mail_from.clone(),
                rcpt_to: rcpts.clone(),
            },
            data: entry.data.to_vec(),
            starttls: plan.starttls,
        };
        self.slots.slot(conn).relay = Some(RelayAttempt {
            entry: entry.id.clone(),
            rcpts,
            client: SmtpClient::new(now, job),
            hop,
            domain,
            plan,
            tls: None,
        });
        self.slots.sync(conn);
    }

    /// The catch-all host, when it holds `domain` and no DNS record names another exchanger
    /// (nor a fault rule hides one).
    fn caught_domain_host(
        &self,
        domain: &str,
        exchangers: &[String],
        hidden_by: Option<usize>,
    ) -> Option<String> {
        let host = self.store.catch_all()?;
        let holds = self.store.domain_host(domain) == Some(host);
        (exchangers.is_empty() && hidden_by.is_none() && holds).then(|| host.to_string())
    }

    /// Final delivery into a mailbox on this host, with `Return-Path:` (RFC 5321 §4.4).
    fn deliver_locally(&mut self, now: Instant, entry: &QueueEntry, rcpt: &str) -> Outcome {
        let mut raw = format!("Return-Path: <{}>\r\n", entry.mail_from).into_bytes();
        raw.extend_from_slice(&entry.data);
        match self
            .store
            .deliver(rcpt, "INBOX", raw, Flags::new(), self.clock.unix(now))
        {
            Ok(_) => Outcome::Delivered,
            Err(StoreError::NoSuchUser) => {
                Outcome::Permanent(format!("550 5.1.1 <{rcpt}>: user unknown"))
            }
            Err(StoreError::TooLarge) => {
                Outcome::Permanent("552 5.3.4 message too large for the mailbox".into())
            }
            Err(StoreError::FolderFull) => Outcome::Temporary("452 4.2.2 mailbox full".into()),
            Err(e) => Outcome::Temporary(format!("451 4.3.0 {e}")),
        }
    }

    /// Tells the UI of a deferral (deliveries and relays are told where they happen).
    fn note_outcome(&mut self, id: &str, _rcpt: &str, outcome: &Outcome) {
        if let Outcome::Temporary(reason) = outcome {
            let host = self
                .queue
                .entry(id)
                .map(|e| e.host.clone())
                .unwrap_or_default();
            self.push_event(WorldEvent::Deferred {
                id: id.to_string(),
                host,
                reason: reason.clone(),
                status: crate::relay::reason_status(reason).map(str::to_string),
            });
        }
    }

    /// After an attempt: schedule a retry, or finish the entry and bounce its failures.
    pub(super) fn settle(&mut self, now: Instant, id: &str) {
        let Some(done) = self.queue.finish_attempt(now, id) else {
            return;
        };
        let failed = done
            .recipients
            .iter()
            .any(|r| matches!(r.state, crate::relay::RcptState::Failed(_)));
        if !failed {
            return;
        }
        self.push_event(WorldEvent::Bounced {
            id: done.id.clone(),
            host: done.host.clone(),
            sender: done.mail_from.clone(),
            failures: crate::relay::failed_statuses(&done),
        });
        let bounce_id = format!("{}-B", done.id);
        if let Some(raw) = bounce_message(&done, &done.host, self.clock.unix(now), &bounce_id) {
            let envelope = Envelope {
                mail_from: String::new(),
                rcpt_to: vec![done.mail_from.clone()],
            };
            let _ = self.queue.enqueue(now, &done.host, &envelope, raw);
        }
    }

    pub(super) fn relay_input(&mut self, conn: ConnId, bytes: &[u8]) {
        let now = self.now;
        if let Some(r) = self.relay_mut(conn) {
            match r.tls.as_mut() {
                Some(tls) => tls.handle_input(now, bytes),
                None => r.client.handle_input(&mut (), now, bytes),
            }
        }
        self.flush_relay(conn);
    }

    /// The next hop closed or the link dropped.
    pub(super) fn relay_closed(&mut self, conn: ConnId) {
        let now = self.now;
        if let Some(r) = self.relay_mut(conn) {
            r.client.handle_close(&mut (), now);
        }
        self.flush_relay(conn);
        self.end_relay(conn);
    }

    /// Forgets a relay connection; a client that ended without an outcome leaves its
    /// recipients to retry.
    pub(super) fn end_relay(&mut self, conn: ConnId) {
        let now = self.now;
        self.net.close(now, conn, Side::Client);
        let note = self.fault_note(conn).unwrap_or_default();
        let relay = self.slots.get_mut(conn).and_then(|s| s.relay.take());
        self.slots.sync(conn);
        if let Some(r) = relay {
            for rcpt in &r.rcpts {
                let o = Outcome::Temporary(format!("4.4.2 connection lost{note}"));
                self.note_outcome(&r.entry, rcpt, &o);
                self.queue.record(&r.entry, rcpt, o);
            }
            self.settle(now, &r.entry);
        }
    }

    /// " (fault rule 2)" when fault rules acted on this relay connection, for the reasons
    /// the queue and the relay events show.
    fn fault_note(&self, conn: ConnId) -> Option<String> {
        let mut rules: Vec<usize> = self
            .gate_marks(conn)
            .iter()
            .filter_map(|m| m.fault_rule())
            .collect();
        rules.dedup();
        let list: Vec<String> = rules.iter().map(usize::to_string).collect();
        (!list.is_empty()).then(|| format!(" (fault rule {})", list.join(", ")))
    }

    fn flush_relay(&mut self, conn: ConnId) {
        self.flush_relay_output(conn);
        self.slots.sync(conn);
    }

    /// Carries out what the client and its TLS layer ask, until both are quiet: the client's
    /// bytes go to the wire or into TLS, TLS's records to the wire and its plaintext to the
    /// client.
    fn flush_relay_output(&mut self, conn: ConnId) {
        let now = self.now;
        loop {
            let Some(r) = self.relay_mut(conn) else {
                return;
            };
            if let Some(out) = r.client.poll_output() {
                match out {
                    Output::Transmit(bytes) => match r.tls.as_mut() {
                        Some(tls) => tls.write_plaintext(now, &bytes),
                        None => {
                            self.net.send(now, conn, Side::Client, bytes);
                        }
                    },
                    Output::Close => {
                        self.close_relay_tls(conn);
                        self.end_relay(conn);
                        return;
                    }
                    Output::Event(ClientEvent::UpgradeToTls) => self.start_relay_tls(conn),
                    Output::Event(ClientEvent::Done(outcome)) => {
                        let (entry, rcpts) = (r.entry.clone(), std::mem::take(&mut r.rcpts));
                        let hop = r.hop.clone();
                        self.note_relay_in_clear(conn, &outcome);
                        let note = self.fault_note(conn);
                        self.note_relayed(conn, &entry, &outcome);
                        self.apply_outcome(&entry, &rcpts, &hop, outcome, note.as_deref());
                        self.settle(now, &entry);
                    }
                }
                continue;
            }
            let Some(out) = r.tls.as_mut().and_then(|tls| tls.poll_output()) else {
                return;
            };
            match out {
                TlsOutput::Transmit(records) => {
                    self.net.send(now, conn, Side::Client, records);
                }
                TlsOutput::Plaintext(plain) => r.client.handle_input(&mut (), now, &plain),
                TlsOutput::Event(event) => {
                    if self.relay_tls_event(conn, event) {
                        return;
                    }
                }
                // The TLS connection ended under the client: it hears of a lost connection.
                TlsOutput::Close => {
                    r.tls = None;
                    r.client.handle_close(&mut (), now);
                    self.flush_relay_output(conn);
                    self.end_relay(conn);
                    return;
                }
            }
        }
    }

    /// Logs how the hop went when the message went in clear (or TLS was required and
    /// missing); an encrypted hop was logged when its handshake ended.
    fn note_relay_in_clear(&mut self, conn: ConnId, outcome: &ClientOutcome) {
        let Some(r) = self.relay_mut(conn) else {
            return;
        };
        if r.client.is_upgraded() || r.plan == HopPlan::CLEAR && !r.client.is_starttls_offered() {
            return;
        }
        let tls = if r.client.is_missing_tls() {
            HopTls::Deferred { error: None }
        } else if matches!(outcome, ClientOutcome::Sent { .. }) {
            HopTls::Clear {
                offered: r.client.is_starttls_offered(),
            }
        } else {
            return;
        };
        let (id, hop) = (r.entry.clone(), r.hop.clone());
        self.note_hop_tls(&id, &hop, tls);
    }

    /// Tells the UI that the next hop took the message (its `250`), naming both hosts.
    fn note_relayed(&mut self, conn: ConnId, entry: &str, outcome: &ClientOutcome) {
        let ClientOutcome::Sent {
            accepted, reply, ..
        } = outcome
        else {
            return;
        };
        let Some(link) = self.net.connection(conn) else {
            return;
        };
        let (from, to) = (link.client, link.server);
        self.push_event(WorldEvent::Relayed {
            id: entry.to_string(),
            from: self.net.host_name(from).to_string(),
            to: self.net.host_name(to).to_string(),
            rcpts: accepted.clone(),
            reply: reply_text(reply),
        });
    }

    fn apply_outcome(
        &mut self,
        entry: &str,
        rcpts: &[String],
        hop: &str,
        outcome: ClientOutcome,
        fault_note: Option<&str>,
    ) {
        // Each recipient's outcome, the last one said for it winning: a few recipients, so a
        // list rather than a map type of its own in the wasm (issue 29).
        let mut results: Vec<(String, Outcome)> = Vec::new();
        let mut say = |rcpt: &str, o: Outcome| {
            let rcpt = rcpt.to_ascii_lowercase();
            results.retain(|(r, _)| *r != rcpt);
            results.push((rcpt, o));
        };
        let mut answer_lost = false;
        match outcome {
            ClientOutcome::Sent {
                accepted, rejected, ..
            } => {
                for a in accepted {
                    say(&a, Outcome::Delivered);
                }
                for (a, reply) in rejected {
                    say(&a, outcome_of(&reply));
                }
            }
            ClientOutcome::Failed {
                permanent,
                reason,
                reply,
                per_recipient,
                answer_lost: lost,
            } => {
                answer_lost = lost;
                let why = match reply.as_ref() {
                    Some(reply) => reply_text(reply),
                    // RFC 5321 §6.1: the next hop may have taken it; retrying is still right
                    // (better a duplicate than a lost message).
                    None if lost => format!(
                        "4.4.2 {reason} after the whole message was sent to {hop}, before its \
                         answer: {hop} may have delivered it (RFC 5321 §6.1)"
                    ),
                    None => reason,
                };
                for r in rcpts {
                    let o = if permanent {
                        Outcome::Permanent(why.clone())
                    } else {
                        Outcome::Temporary(why.clone())
                    };
                    say(r, o);
                }
                for (a, reply) in per_recipient {
                    say(&a, outcome_of(&reply));
                }
            }
        }
        for r in rcpts {
            let rcpt = r.to_ascii_lowercase();
            let mut o = results
                .iter()
                .position(|(k, _)| *k == rcpt)
                .map(|i| results.swap_remove(i).1)
                .unwrap_or_else(|| Outcome::Temporary("4.4.0 no answer for this recipient".into()));
            if let (Some(note), Outcome::Temporary(why) | Outcome::Permanent(why)) =
                (fault_note, &mut o)
            {
                why.push_str(note);
            }
            if answer_lost {
                self.queue.note_unanswered_hop(entry, r, hop);
            }
            self.note_outcome(entry, r, &o);
            self.queue.record(entry, r, o);
        }
    }
}
