//! The trace log: every chunk that crosses the network, with virtual time, connection,
//! endpoints and direction. Transcripts, the sequence diagram and the network picture are
//! views over it. It is bounded: past its byte budget the oldest entries go.

use super::{ConnId, HostId, Side};
use crate::time::Instant;
use std::collections::VecDeque;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceKind {
    /// A connection was opened.
    Connect,
    /// A connection attempt failed (refused, host down, unreachable).
    Failed(String),
    /// Bytes sent by `from`.
    Data(Vec<u8>),
    /// `from` closed its end.
    Close,
    /// The link dropped.
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceEntry {
    pub at: Instant,
    pub conn: ConnId,
    pub client: HostId,
    pub server: HostId,
    pub port: u16,
    /// The end that acted (sent, closed).
    pub from: Side,
    pub kind: TraceKind,
}

#[derive(Debug, Clone)]
pub struct Trace {
    entries: VecDeque<TraceEntry>,
    bytes: usize,
    /// Byte budget for `Data` payloads held.
    pub max_bytes: usize,
    /// How many entries were discarded to stay in budget.
    pub discarded: u64,
    /// Total entries ever recorded (the index of the next one).
    pub total: u64,
}

impl Default for Trace {
    fn default() -> Self {
        Trace {
            entries: VecDeque::new(),
            bytes: 0,
            max_bytes: 16 * 1024 * 1024,
            discarded: 0,
            total: 0,
        }
    }
}

impl Trace {
    pub fn record(&mut self, entry: TraceEntry) {
        if let TraceKind::Data(b) = &entry.kind {
            self.bytes += b.len();
        }
        self.entries.push_back(entry);
        self.total += 1;
        while self.bytes > self.max_bytes || self.entries.len() > 1_000_000 {
            let Some(old) = self.entries.pop_front() else {
                break;
            };
            if let TraceKind::Data(b) = &old.kind {
                self.bytes -= b.len();
            }
            self.discarded += 1;
        }
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TraceEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Entries recorded at or after global index `from` (see [`Trace::total`]).
    pub fn since(&self, from: u64) -> impl Iterator<Item = &TraceEntry> {
        let skip = from.saturating_sub(self.discarded) as usize;
        self.entries.iter().skip(skip)
    }

    /// Entries of one connection.
    pub fn of(&self, conn: ConnId) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter().filter(move |e| e.conn == conn)
    }

    pub fn clear(&mut self) {
        self.discarded += self.entries.len() as u64;
        self.entries.clear();
        self.bytes = 0;
    }
}
