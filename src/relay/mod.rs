//! The relay MTA's queue (RFC 5321 §4.5.4): messages accepted by a host's SMTP server wait here
//! until every recipient is delivered (locally, or to the next hop found by MX lookup) or has
//! failed for good. Temporary failures are retried with backoff on the virtual clock; a message
//! leaves the queue only after a `250` (or local delivery) for each recipient. Permanent
//! failures, and retries that run out, send a delivery status notification (RFC 3464) back to
//! the sender: never for a message with the null reverse-path (no bounce for a bounce).
//!
//! This module is the bookkeeping; `sandbox` drives attempts over the virtual network.

mod bounce;
pub mod tls_policy;

pub use bounce::{bounce_message, failed_statuses, reason_status};
pub use tls_policy::{HopPlan, HopTls, OnTlsFailure, OnUnverified, RelayTlsPolicy};

use crate::ordered::{SortedMap, SortedSet};
use crate::proto::smtp::{Envelope, Spool, SpoolError};
use crate::time::{Duration, Instant};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

/// Where one recipient of a queued message stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RcptState {
    /// Waiting for the next attempt.
    Pending,
    /// An attempt is under way.
    InFlight,
    /// Handed over (`250`) or stored locally.
    Delivered,
    /// Failed for good; the reason is the reply or the explanation.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub address: String,
    pub state: RcptState,
    /// A next hop that an earlier attempt sent the whole message to, whose answer never
    /// arrived (the link dropped after the final dot): it may have delivered the message, so
    /// a later failure's bounce says so (RFC 5321 §6.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unanswered_hop: Option<String>,
}

/// One queued message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueEntry {
    pub id: String,
    /// The MTA host holding it.
    pub host: String,
    /// The reverse-path ("" for the null path `<>`).
    pub mail_from: String,
    pub recipients: Vec<Recipient>,
    #[serde(with = "crate::store::folder::raw_base64")]
    pub data: Arc<[u8]>,
    pub created: Instant,
    pub attempts: u32,
    pub next_attempt: Instant,
    pub last_error: Option<String>,
}

impl QueueEntry {
    pub fn is_finished(&self) -> bool {
        self.recipients
            .iter()
            .all(|r| matches!(r.state, RcptState::Delivered | RcptState::Failed(_)))
    }

    /// Recipients waiting for an attempt.
    pub fn pending(&self) -> impl Iterator<Item = &str> {
        self.recipients
            .iter()
            .filter(|r| r.state == RcptState::Pending)
            .map(|r| r.address.as_str())
    }

    fn set(&mut self, address: &str, state: RcptState) {
        if let Some(r) = self
            .recipients
            .iter_mut()
            .find(|r| r.address.eq_ignore_ascii_case(address))
        {
            r.state = state;
        }
    }
}

/// Retry schedule (RFC 5321 §4.5.4.1 suggests at least 30 minutes between tries and giving up
/// after 4-5 days; a sandbox is watched by a person, so it retries sooner and gives up sooner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Wait before the first retry; it doubles each time.
    pub first_retry: Duration,
    /// Longest wait between retries.
    pub max_interval: Duration,
    /// Give up (and bounce) once a message is this old.
    pub give_up_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            first_retry: Duration::from_secs(30),
            max_interval: Duration::from_secs(30 * 60),
            give_up_after: Duration::from_secs(4 * 3600),
        }
    }
}

impl RetryPolicy {
    /// Wait after the `attempts`-th failed attempt (1-based).
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(20);
        let d = self.first_retry.saturating_mul(factor);
        d.min(self.max_interval)
    }
}

/// The queue of every MTA host in the world (entries say which host holds them).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "QueueData")]
pub struct RelayQueue {
    entries: SortedMap<String, QueueEntry>,
    next_id: u64,
    pub policy: RetryPolicy,
    /// Most messages the queue holds (a full queue answers 451 at the end of DATA).
    pub capacity: usize,
    /// (next attempt, id) of every entry with a recipient waiting for an attempt, so finding
    /// what is due costs what is due, not the queue's length. Rebuilt on restore.
    #[serde(skip)]
    schedule: SortedSet<(Instant, String)>,
}

/// The serialized form of a [`RelayQueue`] (everything but the derived schedule).
#[derive(Deserialize)]
struct QueueData {
    entries: SortedMap<String, QueueEntry>,
    next_id: u64,
    policy: RetryPolicy,
    capacity: usize,
}

impl From<QueueData> for RelayQueue {
    fn from(d: QueueData) -> RelayQueue {
        let mut q = RelayQueue {
            entries: d.entries,
            next_id: d.next_id,
            policy: d.policy,
            capacity: d.capacity,
            schedule: SortedSet::new(),
        };
        q.rebuild_schedule();
        q
    }
}

impl RelayQueue {
    pub fn new() -> Self {
        RelayQueue {
            capacity: 50_000,
            ..Default::default()
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = &QueueEntry> {
        self.entries.values()
    }

    pub fn entry(&self, id: &str) -> Option<&QueueEntry> {
        self.entries.get(id)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds a message for `host` to deliver at once.
    pub fn enqueue(
        &mut self,
        now: Instant,
        host: &str,
        envelope: &Envelope,
        data: Vec<u8>,
    ) -> Result<String, SpoolError> {
        if self.entries.len() >= self.capacity.max(1) {
            return Err(SpoolError::Temporary("queue full, try again later".into()));
        }
        self.next_id += 1;
        let id = format!("Q{:05X}", self.next_id);
        let entry = QueueEntry {
            id: id.clone(),
            host: host.to_string(),
            mail_from: envelope.mail_from.clone(),
            recipients: envelope
                .rcpt_to
                .iter()
                .map(|a| Recipient {
                    address: a.clone(),
                    state: RcptState::Pending,
                    unanswered_hop: None,
                })
                .collect(),
            data: data.into(),
            created: now,
            attempts: 0,
            next_attempt: now,
            last_error: None,
        };
        self.entries.insert(id.clone(), entry);
        self.reschedule(&id);
        Ok(id)
    }

    /// When the next attempt is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.schedule.first().map(|(t, _)| *t)
    }

    /// Ids of entries with recipients due for an attempt at `now`, in id order.
    pub fn due(&self, now: Instant) -> Vec<String> {
        let mut ids: Vec<String> = self
            .schedule
            .iter()
            .take_while(|(t, _)| *t <= now)
            .map(|(_, id)| id.clone())
            .collect();
        crate::sorting::sort(&mut ids);
        ids
    }

    /// Changes an entry in place (its schedule follows).
    pub fn update(&mut self, id: &str, f: impl FnOnce(&mut QueueEntry)) {
        self.unschedule(id);
        if let Some(e) = self.entries.get_mut(id) {
            f(e);
        }
        self.reschedule(id);
    }

    fn unschedule(&mut self, id: &str) {
        if let Some(e) = self.entries.get(id) {
            self.schedule.remove(&(e.next_attempt, e.id.clone()));
        }
    }

    fn reschedule(&mut self, id: &str) {
        if let Some(e) = self.entries.get(id) {
            if e.pending().next().is_some() {
                self.schedule.insert((e.next_attempt, e.id.clone()));
            }
        }
    }

    fn rebuild_schedule(&mut self) {
        self.schedule = crate::sorting::set_of(
            self.entries
                .values()
                .filter(|e| e.pending().next().is_some())
                .map(|e| (e.next_attempt, e.id.clone())),
        );
    }

    /// Marks recipients as being attempted now.
    pub fn start_attempt(&mut self, id: &str, recipients: &[String]) {
        self.update(id, |e| {
            for r in recipients {
                e.set(r, RcptState::InFlight);
            }
        });
    }

    /// Records the outcome for some recipients of an entry.
    pub fn record(&mut self, id: &str, address: &str, outcome: Outcome) {
        self.update(id, |e| match outcome {
            Outcome::Delivered => e.set(address, RcptState::Delivered),
            Outcome::Permanent(why) => e.set(address, RcptState::Failed(why)),
            Outcome::Temporary(why) => {
                e.set(address, RcptState::Pending);
                e.last_error = Some(why);
            }
        });
    }

    /// Notes that `hop` was sent the whole message for `address` and its answer never came
    /// (see [`Recipient::unanswered_hop`]).
    pub fn note_unanswered_hop(&mut self, id: &str, address: &str, hop: &str) {
        if let Some(r) = self.entries.get_mut(id).and_then(|e| {
            e.recipients
                .iter_mut()
                .find(|r| r.address.eq_ignore_ascii_case(address))
        }) {
            r.unanswered_hop = Some(hop.to_string());
        }
    }

    /// After an attempt on `id` finished (all its in-flight recipients recorded): schedules the
    /// retry, or gives up on what is still pending once the message is too old. Returns the
    /// entry when it is finished (removed from the queue), so the caller can bounce failures.
    pub fn finish_attempt(&mut self, now: Instant, id: &str) -> Option<QueueEntry> {
        self.unschedule(id);
        let done = self.finish_attempt_inner(now, id);
        self.reschedule(id);
        done
    }

    fn finish_attempt_inner(&mut self, now: Instant, id: &str) -> Option<QueueEntry> {
        let policy = self.policy;
        let e = self.entries.get_mut(id)?;
        if e.recipients.iter().any(|r| r.state == RcptState::InFlight) {
            return None;
        }
        if e.pending().next().is_some() {
            e.attempts += 1;
            if now.saturating_since(e.created) >= policy.give_up_after {
                let why = format!(
                    "retry period expired ({} attempts); last error: {}",
                    e.attempts,
                    e.last_error.clone().unwrap_or_default()
                );
                for r in e.recipients.iter_mut() {
                    if r.state == RcptState::Pending {
                        r.state = RcptState::Failed(why.clone());
                    }
                }
            } else {
                e.next_attempt = now + policy.backoff(e.attempts);
            }
        }
        if e.is_finished() {
            return self.entries.remove(id);
        }
        None
    }

    /// Checks a queue that comes from outside (a snapshot): a retry schedule that waits at
    /// least a second and gives up within 30 days (a zero wait would retry without end), and
    /// room for at least one message.
    pub fn check(&self) -> Result<(), String> {
        let p = self.policy;
        let second = Duration::from_secs(1);
        if p.first_retry < second || p.max_interval < p.first_retry {
            return Err("retry intervals out of range".into());
        }
        if p.give_up_after > Duration::from_secs(30 * 24 * 3600) {
            return Err("give-up time out of range".into());
        }
        if self.capacity == 0 {
            return Err("queue capacity 0".into());
        }
        Ok(())
    }

    /// After a restore, attempts that were under way are lost: retry them.
    pub fn reset_in_flight(&mut self) {
        for e in self.entries.values_mut() {
            for r in e.recipients.iter_mut() {
                if r.state == RcptState::InFlight {
                    r.state = RcptState::Pending;
                }
            }
        }
        self.rebuild_schedule();
    }
}

/// The result of one attempt for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Give up on this recipient (5xx).
    Permanent(String),
    /// Try again later (4xx, refused connection, host down, dropped link).
    Temporary(String),
}

/// The queue as the SMTP server of one host sees it.
pub struct HostSpool<'a> {
    pub queue: &'a mut RelayQueue,
    pub host: &'a str,
}

impl Spool for HostSpool<'_> {
    fn spool(
        &mut self,
        now: Instant,
        envelope: &Envelope,
        data: Vec<u8>,
    ) -> Result<String, SpoolError> {
        self.queue.enqueue(now, self.host, envelope, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Envelope {
        Envelope {
            mail_from: "smith@isp.example".into(),
            rcpt_to: vec!["boss@corp.example".into(), "x@corp.example".into()],
        }
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1), Duration::from_secs(30));
        assert_eq!(p.backoff(2), Duration::from_secs(60));
        assert_eq!(p.backoff(30), Duration::from_secs(1800));
    }

    #[test]
    fn an_entry_leaves_only_when_every_recipient_is_settled() {
        let mut q = RelayQueue::new();
        let t = Instant::ZERO;
        let id = q
            .enqueue(t, "smtp.isp.example", &env(), b"x".to_vec())
            .unwrap();
        assert_eq!(q.due(t), vec![id.clone()]);
        let rcpts: Vec<String> = q.entry(&id).unwrap().pending().map(String::from).collect();
        q.start_attempt(&id, &rcpts);
        assert!(q.due(t).is_empty());
        q.record(&id, "boss@corp.example", Outcome::Delivered);
        q.record(&id, "x@corp.example", Outcome::Temporary("421 busy".into()));
        assert!(q.finish_attempt(t, &id).is_none());
        let e = q.entry(&id).unwrap();
        assert_eq!(e.next_attempt, t + Duration::from_secs(30));
        assert_eq!(e.last_error.as_deref(), Some("421 busy"));
        // Too old: the pending recipient fails and the entry comes out for a bounce.
        let late = t + Duration::from_secs(5 * 3600);
        q.start_attempt(&id, &["x@corp.example".into()]);
        q.record(&id, "x@corp.example", Outcome::Temporary("421 busy".into()));
        let done = q.finish_attempt(late, &id).expect("finished");
        assert!(
            matches!(done.recipients[1].state, RcptState::Failed(ref w) if w.contains("expired"))
        );
        assert!(q.is_empty());
    }

    #[test]
    fn a_full_queue_refuses_with_a_temporary_error() {
        let mut q = RelayQueue::new();
        q.capacity = 1;
        q.enqueue(Instant::ZERO, "h", &env(), vec![]).unwrap();
        assert!(matches!(
            q.enqueue(Instant::ZERO, "h", &env(), vec![]),
            Err(SpoolError::Temporary(_))
        ));
    }

    /// The schedule always agrees with a scan of every entry.
    #[test]
    fn the_schedule_agrees_with_a_scan() {
        fn scan(q: &RelayQueue, now: Instant) -> (Option<Instant>, Vec<String>) {
            let pending = || q.entries().filter(|e| e.pending().next().is_some());
            (
                pending().map(|e| e.next_attempt).min(),
                pending()
                    .filter(|e| e.next_attempt <= now)
                    .map(|e| e.id.clone())
                    .collect(),
            )
        }
        let mut q = RelayQueue::new();
        let t0 = Instant::from_millis(0);
        let ids: Vec<String> = (0..5)
            .map(|_| q.enqueue(t0, "mx", &env(), b"x".to_vec()).unwrap())
            .collect();
        let check = |q: &RelayQueue, now: Instant| {
            assert_eq!((q.poll_timeout(), q.due(now)), scan(q, now));
        };
        check(&q, t0);
        for (k, id) in ids.iter().enumerate() {
            let rcpts: Vec<String> = q.entry(id).unwrap().pending().map(String::from).collect();
            q.start_attempt(id, &rcpts);
            check(&q, t0);
            for r in &rcpts {
                let o = if k % 2 == 0 {
                    Outcome::Temporary("busy".into())
                } else {
                    Outcome::Delivered
                };
                q.record(id, r, o);
            }
            q.finish_attempt(t0 + Duration::from_secs(k as u64), id);
            check(&q, t0);
            check(&q, t0 + Duration::from_secs(100));
        }
        let json = serde_json::to_string(&q).unwrap();
        let restored: RelayQueue = serde_json::from_str(&json).unwrap();
        check(&restored, t0 + Duration::from_secs(100));
        assert_eq!(restored.poll_timeout(), q.poll_timeout());
    }
}
