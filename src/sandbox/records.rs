//! The typed records of every connection (see [`crate::proto::record`]), in the order they
//! were written, each stamped with the trace index it came after, so a view can put it between
//! the bytes and the world's events around it. Bounded: the oldest go first.

use super::Accepted;
use crate::net::ConnId;
use crate::proto::record::Record;
use std::collections::VecDeque;

/// Records kept for all connections together (the bridge makes many).
const MAX_RECORDS: usize = 50_000;

/// One record with where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StampedRecord {
    /// Its number in the log (see [`RecordLog::total`]).
    pub seq: u64,
    /// It came after the trace entries below this index (`Trace::total` then).
    pub trace_at: u64,
    pub conn: ConnId,
    /// The connection's ends and the service it reached.
    pub accepted: Accepted,
    pub record: Record,
}

#[derive(Debug, Default)]
pub(crate) struct RecordLog {
    entries: VecDeque<StampedRecord>,
    /// Records ever written.
    total: u64,
}

impl RecordLog {
    pub fn push(&mut self, trace_at: u64, conn: ConnId, accepted: Accepted, record: Record) {
        if self.entries.len() >= MAX_RECORDS {
            self.entries.pop_front();
        }
        self.entries.push_back(StampedRecord {
            seq: self.total,
            trace_at,
            conn,
            accepted,
            record,
        });
        self.total += 1;
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The records numbered `seq` and later that are still kept.
    pub fn since(&self, seq: u64) -> impl Iterator<Item = &StampedRecord> {
        let first = self.total - self.entries.len() as u64;
        let skip = usize::try_from(seq.saturating_sub(first)).unwrap_or(usize::MAX);
        self.entries.iter().skip(skip)
    }

    /// The records of one connection still kept, with where they happened, oldest first.
    pub fn stamped_of(&self, conn: ConnId) -> impl Iterator<Item = &StampedRecord> {
        self.entries.iter().filter(move |r| r.conn == conn)
    }

    /// The records of one connection still kept, oldest first.
    pub fn of(&self, conn: ConnId) -> impl Iterator<Item = &Record> {
        self.entries
            .iter()
            .filter(move |r| r.conn == conn)
            .map(|r| &r.record)
    }
}
