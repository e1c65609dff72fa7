//! The live log: every input the bridge gives its world, kept (bounded) for the live page,
//! which replays it into its own copy of the world (see [`crate::sandbox::live`]), and served
//! at `GET /api/live/log?from=N[&limit=M]` as `{"next": N2, "end": E, "entries": [...]}` (`end`:
//! the index the next entry will get, so a reader knows how far behind it is).
//!
//! A reader asks from the index it has reached. Entries come in batches (at most
//! [`MAX_BATCH`] entries and about [`MAX_BATCH_BYTES`]); a reader that fell behind catches up
//! batch by batch. With `wait=1` a reader at the end of the log is held (long poll) until the
//! log grows, up to [`MAX_HOLD`], so a page at rest asks once a minute. A reader that asks from before the oldest entry kept (the log is bounded
//! by [`MAX_ENTRIES`] and [`MAX_BYTES`]), or past the end, or that reaches a change the API
//! made, gets one `state` entry instead (the whole world now) and goes on from the end.
//!
//! Virtual time is logged lazily: a clock step is written only when something fell due by
//! then, or before the next input (so an idle bridge whose loop wakes for API requests, the
//! page's polls among them, writes nothing and the page at rest gets empty answers).
//!
//! With TLS, what the world's TLS layers did is written too ([`LiveEntry::Tls`], from the
//! provider's [`TlsTap`]), before the entry whose call caused it, so the page's copy has each
//! step before its own layer asks for it (see [`crate::sandbox::live_tls`]).

use crate::sandbox::live::{LiveEntry, WorldSpec};
use crate::sandbox::live_tls::TlsTap;
use crate::sandbox::World;
use crate::time::Instant;
use serde_json::json;
use std::collections::VecDeque;

/// Longest a reader at the log's end is held (`wait=1`) before an empty answer. Each answer
/// costs the page at rest a few milliseconds of its main thread (the response, the next
/// request): once a minute keeps its idle cost at the sandbox page's (scripts/bench/idle_cpu.py;
/// at 20 s it was 0.13% against 0.01%). A page closed while held keeps its slot (of
/// [`MAX_WAITING`]) until then.
pub const MAX_HOLD: std::time::Duration = std::time::Duration::from_secs(60);
/// Most readers held at once; more are answered at once.
pub const MAX_WAITING: usize = 8;
/// Most entries kept.
pub const MAX_ENTRIES: usize = 200_000;
/// Most bytes (roughly, see [`LiveEntry::weight`]) kept.
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// Most entries in one answer.
pub const MAX_BATCH: usize = 2000;
/// An answer stops after the entry that takes it past this many bytes.
pub const MAX_BATCH_BYTES: usize = 2 * 1024 * 1024;

/// The log of one bridge's world.
pub(super) struct LiveLog {
    /// Off without `--http` (nobody can read it): nothing is kept.
    enabled: bool,
    entries: VecDeque<LiveEntry>,
    /// The index of `entries[0]`.
    first: u64,
    weight: usize,
    /// The last virtual time written.
    written_ms: u64,
    /// The spec of the world now (for `state` answers).
    spec: WorldSpec,
    /// Where the world's TLS provider records its layers' steps (TLS on).
    tap: Option<TlsTap>,
}

impl LiveLog {
    /// A log that starts with the world `spec` builds.
    pub fn new(spec: WorldSpec, tap: Option<TlsTap>, enabled: bool) -> LiveLog {
        let mut log = LiveLog {
            enabled,
            entries: VecDeque::new(),
            first: 0,
            weight: 0,
            written_ms: 0,
            spec: WorldSpec::default(),
            tap: None,
        };
        log.restart(spec, tap);
        log
    }

    /// A new world (a reset): readers build it from `spec`; `tap` is its TLS provider's.
    pub fn restart(&mut self, spec: WorldSpec, tap: Option<TlsTap>) {
        self.written_ms = 0;
        self.spec = spec.clone();
        self.tap = tap;
        self.write(LiveEntry::Start { spec });
    }

    /// The index the next entry gets.
    pub fn end(&self) -> u64 {
        self.first + self.entries.len() as u64
    }

    /// Records `entry`, given to the world at its time now (the clock is written first when
    /// it moved since).
    pub fn record(&mut self, world: &World, entry: LiveEntry) {
        if !self.enabled {
            return;
        }
        self.write_tls_steps();
        let now = world.now().as_millis();
        if now != self.written_ms {
            self.written_ms = now;
            self.write(LiveEntry::Clock { ms: now });
        }
        self.write(entry);
    }

    /// Runs the world until `t`, writing the step when something falls due by then.
    pub fn run_until(&mut self, world: &mut World, t: Instant) {
        let due = world.poll_timeout().is_some_and(|d| d <= t);
        world.run_until(t);
        self.write_tls_steps();
        if due && self.enabled {
            let now = world.now().as_millis();
            self.written_ms = now;
            self.write(LiveEntry::Clock { ms: now });
        }
    }

    /// The API changed the world: readers that get here are given its state.
    pub fn changed(&mut self) {
        self.write_tls_steps();
        self.write(LiveEntry::Changed);
    }

    /// Writes the steps the TLS layers took since the last entry.
    fn write_tls_steps(&mut self) {
        let steps = self.tap.as_ref().map(TlsTap::drain).unwrap_or_default();
        for step in steps {
            self.write(LiveEntry::Tls { step });
        }
    }

    fn write(&mut self, entry: LiveEntry) {
        if !self.enabled {
            return;
        }
        self.weight += entry.weight();
        self.entries.push_back(entry);
        while self.entries.len() > 1
            && (self.entries.len() > MAX_ENTRIES || self.weight > MAX_BYTES)
        {
            if let Some(old) = self.entries.pop_front() {
                self.weight -= old.weight();
                self.first += 1;
            }
        }
    }

    /// The answer to `GET /api/live/log?from=N&limit=M`: entries from `from` on (at most
    /// `limit`, and within [`MAX_BATCH`] and [`MAX_BATCH_BYTES`]), stopping before a change
    /// the API made; or, for a reader that cannot go on from `from`, the world's state.
    pub fn read(&self, world: &World, from: u64, limit: usize) -> serde_json::Value {
        let end = self.end();
        let index = from.checked_sub(self.first).map(|i| i as usize);
        let state_now = || {
            let state = LiveEntry::State {
                spec: self.spec.clone(),
                snapshot: world.snapshot_json(),
                tls_next_layer: self.tap.as_ref().map_or(0, TlsTap::next_layer),
            };
            json!({ "next": end, "end": end, "entries": [state] })
        };
        let Some(start) = index.filter(|_| from <= end) else {
            return state_now();
        };
        if matches!(self.entries.get(start), Some(LiveEntry::Changed)) {
            return state_now();
        }
        let mut out = Vec::new();
        let mut bytes = 0;
        for entry in self.entries.iter().skip(start) {
            if out.len() >= limit.clamp(1, MAX_BATCH)
                || bytes >= MAX_BATCH_BYTES
                || matches!(entry, LiveEntry::Changed)
            {
                break;
            }
            bytes += entry.weight();
            out.push(entry);
        }
        json!({ "next": from + out.len() as u64, "end": end, "entries": out })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::live::build_world;

    fn kinds(v: &serde_json::Value) -> Vec<String> {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap().to_string())
            .collect()
    }

    #[test]
    fn readers_page_through_the_log_and_late_ones_get_the_state() {
        let spec = WorldSpec::default();
        let mut world = build_world(&spec).unwrap();
        let mut log = LiveLog::new(spec, None, true);
        for i in 0..10u64 {
            world.run_until(Instant::from_millis(i * 10));
            log.record(&world, LiveEntry::Take { conn: i });
        }
        // Start, then (clock, take) ten times but the first take (at time 0).
        assert_eq!(log.end(), 20);
        let first = log.read(&world, 0, 5);
        assert_eq!(first["next"], 5);
        assert_eq!(kinds(&first), ["start", "take", "clock", "take", "clock"]);
        let rest = log.read(&world, 5, 1000);
        assert_eq!(rest["next"], 20);
        assert_eq!(rest["end"], 20);
        assert_eq!(kinds(&log.read(&world, 20, 10)), Vec::<String>::new());
        // Past the end: the state, and the end to go on from.
        let lost = log.read(&world, 99, 10);
        assert_eq!(kinds(&lost), ["state"]);
        assert_eq!(lost["next"], 20);
        // A change by the API: readers stop before it, then get the state.
        log.changed();
        log.record(&world, LiveEntry::Take { conn: 1 });
        assert_eq!(log.read(&world, 18, 10)["next"], 20);
        let at = log.read(&world, 20, 10);
        assert_eq!(kinds(&at), ["state"]);
        assert_eq!(at["next"], 22);
    }

    #[test]
    fn the_log_is_bounded_and_a_reader_behind_it_gets_the_state() {
        let spec = WorldSpec::default();
        let world = build_world(&spec).unwrap();
        let mut log = LiveLog::new(spec, None, true);
        let big = vec![b'x'; 1024 * 1024];
        for _ in 0..100 {
            log.record(
                &world,
                LiveEntry::Send {
                    conn: 1,
                    data: big.clone(),
                },
            );
        }
        assert!(log.weight <= MAX_BYTES);
        assert!(log.first > 0);
        assert_eq!(kinds(&log.read(&world, 0, 10)), ["state"]);
        // One answer stops after the entry that takes it past its byte bound (two of 1 MiB).
        let batch = log.read(&world, log.first, MAX_BATCH);
        assert_eq!(kinds(&batch).len(), 2);
    }

    #[test]
    fn an_idle_world_stepped_on_writes_nothing() {
        let spec = WorldSpec::default();
        let mut world = build_world(&spec).unwrap();
        let mut log = LiveLog::new(spec, None, true);
        let end = log.end();
        // The default world has nothing due: stepping it, as every turn does, writes no entry.
        for ms in 1..100 {
            log.run_until(&mut world, Instant::from_millis(ms * 1000));
        }
        assert_eq!(log.end(), end);
    }
}
