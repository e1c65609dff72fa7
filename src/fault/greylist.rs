//! Greylisting as a fault rule: `mx.corp.example:25 RCPT => greylist`.
//!
//! A greylisting server answers the first try of each (client address, sender, recipient)
//! triple with a temporary refusal, `451 4.7.1`, and accepts the same triple when it comes
//! back. A real sending server keeps the message in its queue and tries again later (RFC 5321
//! §4.5.4.1), so real mail arrives a little late; a spam program that never retries loses it.
//! The 4xx code is what makes this safe: 4 means "try again later" (RFC 5321 §4.2.1), and
//! 4.7.1 is "delivery not authorized" by the server's policy (RFC 3463 §3.8).
//!
//! Real greylisting also asks the retry to wait a few minutes; here any retry passes, since
//! the sandbox's queue already waits between tries.

use super::Trigger;
use std::collections::VecDeque;

/// What a greylisting server answers a triple's first try.
pub const GREYLIST_REPLY: &str = "451 4.7.1 Greylisted: please try again later";

/// Most triples remembered; the oldest is forgotten beyond this (it is greylisted again).
pub const MAX_TRIPLES: usize = 1024;

/// One try: who connects, for whom, to whom. Compared without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triple {
    /// The connecting client's address (`10.0.0.3`).
    pub client: String,
    /// The envelope sender (`MAIL FROM`), empty for the null sender.
    pub sender: String,
    /// The envelope recipient (`RCPT TO`).
    pub recipient: String,
}

impl Triple {
    fn lowercase(mut self) -> Triple {
        self.client.make_ascii_lowercase();
        self.sender.make_ascii_lowercase();
        self.recipient.make_ascii_lowercase();
        self
    }
}

/// The triples a greylisting server has seen (all greylist rules of a world share it, as a
/// server shares one list across its ports).
#[derive(Debug, Clone, Default)]
pub struct Greylist {
    seen: VecDeque<Triple>,
}

impl Greylist {
    /// True on the triple's first try (it is remembered from now on), false on a retry.
    pub fn is_first_try(&mut self, triple: Triple) -> bool {
        let triple = triple.lowercase();
        if self.seen.contains(&triple) {
            return false;
        }
        if self.seen.len() >= MAX_TRIPLES {
            self.seen.pop_front();
        }
        self.seen.push_back(triple);
        true
    }

    pub fn clear(&mut self) {
        self.seen.clear();
    }
}

/// Greylisting answers recipients: the rule's trigger must be `RCPT`.
pub(super) fn fits(trigger: &Trigger) -> bool {
    matches!(trigger, Trigger::Command { verb, .. } if verb == "RCPT")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triple(client: &str, sender: &str, recipient: &str) -> Triple {
        Triple {
            client: client.into(),
            sender: sender.into(),
            recipient: recipient.into(),
        }
    }

    #[test]
    fn only_the_first_try_of_a_triple_is_greylisted() {
        let mut g = Greylist::default();
        let t = triple("10.0.0.3", "smith@isp.example", "boss@corp.example");
        assert!(g.is_first_try(t.clone()));
        assert!(!g.is_first_try(t));
        assert!(!g.is_first_try(triple("10.0.0.3", "Smith@ISP.example", "boss@corp.example")));
        // Another recipient, sender or client is a new triple.
        assert!(g.is_first_try(triple("10.0.0.3", "smith@isp.example", "zoe@corp.example")));
        assert!(g.is_first_try(triple("10.0.0.3", "", "boss@corp.example")));
        assert!(g.is_first_try(triple("10.0.0.9", "smith@isp.example", "boss@corp.example")));
    }

    #[test]
    fn the_list_is_bounded() {
        let mut g = Greylist::default();
        for i in 0..MAX_TRIPLES + 10 {
            assert!(g.is_first_try(triple("c", "s", &format!("r{i}"))));
        }
        assert_eq!(g.seen.len(), MAX_TRIPLES);
        // The oldest were forgotten: greylisted again.
        assert!(g.is_first_try(triple("c", "s", "r0")));
    }
}
