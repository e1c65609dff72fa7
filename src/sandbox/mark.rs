//! What the gate in front of a server session did to or noticed about a client line (a fault
//! rule answered, held or dropped it; strict mode refused it or would have), typed, for
//! transcripts and terminals. Kept apart from the gate so the sessions' notes can carry marks
//! without the gate and the sessions importing each other.

use crate::proto::strict::{StrictCheck, StrictFinding};
use crate::time::{Duration, Instant};

/// What a fault rule did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultAction {
    /// Answered this reply (as sent, without the IMAP tag or line end).
    Replied(String),
    /// Held the command (or greeting) this long.
    Delayed(Duration),
    /// Dropped the link.
    Dropped,
}

/// What the gate did to or noticed about one client line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateMarkKind {
    /// Fault rule number `rule` (1-based, as listed by `World::fault_rules`) fired.
    Fault { rule: usize, action: FaultAction },
    /// A strict server refuses this line (`refused`: this one did, being strict; otherwise
    /// the lenient server let it through and `finding.reply` is what a strict one answers).
    Strict {
        finding: StrictFinding,
        refused: bool,
    },
}

/// One mark, keyed to its connection by the world (`World::gate_marks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateMark {
    /// When the client line arrived (the reply, if any, was sent at the same instant).
    pub at: Instant,
    /// The client line, without its line end and with secrets masked; "" for the greeting,
    /// "." for the end of DATA.
    pub line: String,
    pub kind: GateMarkKind,
}

impl GateMark {
    /// The mark in words, for transcripts and terminals: "⚡ answered by fault rule 2",
    /// "strict mode refused it (RFC 5321 §2.3.8)", "lenient server: a strict one would answer
    /// ...".
    pub fn describe(&self) -> String {
        match &self.kind {
            GateMarkKind::Fault { rule, action } => match action {
                FaultAction::Replied(_) => format!("⚡ answered by fault rule {rule}"),
                FaultAction::Delayed(d) => {
                    format!("⚡ fault rule {rule} held this for {} s", d.as_secs())
                }
                FaultAction::Dropped => format!("⚡ fault rule {rule} dropped the link"),
            },
            GateMarkKind::Strict {
                finding,
                refused: true,
            } => format!("strict mode refused it ({})", finding.rfc),
            GateMarkKind::Strict { finding, .. } => format!(
                "lenient server: a strict one would answer \"{}\" ({})",
                finding.reply, finding.rfc
            ),
        }
    }
}

impl GateMark {
    /// The fault rule behind this mark, if a rule made it.
    pub fn fault_rule(&self) -> Option<usize> {
        match self.kind {
            GateMarkKind::Fault { rule, .. } => Some(rule),
            GateMarkKind::Strict { .. } => None,
        }
    }

    /// True when this mark is a strict finding of `check`.
    pub fn is_strict_check(&self, check: StrictCheck) -> bool {
        matches!(&self.kind, GateMarkKind::Strict { finding, .. } if finding.check == check)
    }
}
