//! The hop player: the journey's hops wait in a queue and are shown on the picture one at a
//! time, each long enough for a person to read it (a world event longer than a command), the
//! quicker the more wait behind it. Real milliseconds come in; nothing here reads a clock.

use crate::sandbox::journey::Hop;
use std::collections::VecDeque;

/// How long a command label stays on its link, and a world event (queue, MX lookup, relay,
/// delivery) on the picture, when nothing waits behind it (real ms).
pub const COMMAND_MS: f64 = 650.0;
pub const EVENT_MS: f64 = 1600.0;
/// Shortest showing when many hops wait.
pub const HURRIED_MS: f64 = 160.0;
/// Most hops waiting; past it the oldest commands are skipped (events are kept).
pub const MAX_PENDING: usize = 60;

/// A hop on the picture now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownHop {
    pub hop: Hop,
    /// A counter that tells two showings of equal hops apart (for animations to restart).
    pub serial: u64,
}

/// What the player changed on the picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Played {
    /// This hop is on the picture now.
    Show(ShownHop),
    /// The last hop has been on long enough and nothing waits: the picture is clear.
    Clear,
}

/// Hops waiting and the one shown.
#[derive(Debug, Clone, Default)]
pub struct HopPlayer {
    pending: VecDeque<Hop>,
    /// Whether what is shown is a world event (`None`: nothing is shown).
    shown: Option<bool>,
    /// When it was shown (real ms).
    shown_at: f64,
    serial: u64,
}

impl HopPlayer {
    /// Queues hops to show; past [`MAX_PENDING`] the oldest commands are dropped first.
    pub fn queue(&mut self, hops: impl IntoIterator<Item = Hop>) {
        self.pending.extend(hops);
        while self.pending.len() > MAX_PENDING {
            match self
                .pending
                .iter()
                .position(|h| !matches!(h, Hop::Event(_)))
            {
                Some(i) => {
                    self.pending.remove(i);
                }
                None => {
                    self.pending.pop_front();
                }
            }
        }
    }

    /// Forgets every hop (the world was replaced).
    pub fn clear(&mut self) {
        self.pending.clear();
        self.shown = None;
    }

    pub fn waiting(&self) -> usize {
        self.pending.len()
    }

    /// When (real ms) the picture changes next; `None` when nothing is shown and nothing waits,
    /// so the page can rest.
    pub fn due(&self) -> Option<f64> {
        if self.shown.is_none() && self.pending.is_empty() {
            return None;
        }
        let waiting = self.pending.len();
        let base = match self.shown {
            Some(true) => EVENT_MS,
            Some(false) => COMMAND_MS,
            None => 0.0,
        };
        let hurried = if waiting > 0 { HURRIED_MS } else { base };
        Some(self.shown_at + (base / (1.0 + waiting as f64 / 3.0)).max(hurried))
    }

    /// At real time `now`: shows the next hop, or clears the picture, when the one shown has
    /// been on long enough.
    pub fn poll(&mut self, now: f64) -> Option<Played> {
        if now < self.due()? {
            return None;
        }
        match self.pending.pop_front() {
            Some(hop) => {
                self.serial += 1;
                self.shown = Some(matches!(hop, Hop::Event(_)));
                self.shown_at = now;
                Some(Played::Show(ShownHop {
                    hop,
                    serial: self.serial,
                }))
            }
            None => {
                self.shown = None;
                Some(Played::Clear)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::HostId;
    use crate::sandbox::WorldEvent;

    fn command(verb: &str) -> Hop {
        Hop::Command {
            client: HostId(0),
            server: HostId(1),
            port: 25,
            protocol: crate::proto::record::Protocol::Smtp,
            verb: crate::proto::verb::Verb::read(crate::proto::record::Protocol::Smtp, &[verb]),
            encrypted: false,
        }
    }

    fn event() -> Hop {
        Hop::Event(WorldEvent::Queued {
            id: "q1".into(),
            host: "smtp.isp.example".into(),
        })
    }

    #[test]
    fn a_hop_that_comes_to_a_clear_picture_waits_only_a_hurried_moment() {
        let mut p = HopPlayer::default();
        p.queue([command("EHLO")]);
        assert_eq!(p.due(), Some(HURRIED_MS));
        assert_eq!(p.poll(HURRIED_MS - 1.0), None);
        assert!(p.poll(HURRIED_MS).is_some());
    }

    #[test]
    fn an_idle_player_asks_for_no_wake() {
        let mut p = HopPlayer::default();
        assert_eq!(p.due(), None);
        assert_eq!(p.poll(1e9), None);
    }

    #[test]
    fn a_command_stays_on_long_enough_to_read_then_the_picture_clears() {
        let mut p = HopPlayer::default();
        p.queue([command("EHLO")]);
        let shown = p.poll(1000.0);
        assert!(matches!(
            shown,
            Some(Played::Show(ShownHop { serial: 1, .. }))
        ));
        assert_eq!(p.due(), Some(1000.0 + COMMAND_MS));
        assert_eq!(p.poll(1000.0 + COMMAND_MS - 1.0), None, "not yet");
        assert_eq!(p.poll(1000.0 + COMMAND_MS), Some(Played::Clear));
        assert_eq!(p.due(), None, "then the page may rest");
    }

    #[test]
    fn a_world_event_stays_longer_than_a_command() {
        let mut p = HopPlayer::default();
        p.queue([event()]);
        p.poll(1000.0);
        assert_eq!(p.due(), Some(1000.0 + EVENT_MS));
    }

    #[test]
    fn the_more_wait_the_quicker_each_goes_but_never_quicker_than_hurried() {
        let mut p = HopPlayer::default();
        p.queue([command("EHLO"), command("MAIL"), command("RCPT")]);
        p.poll(1000.0);
        // Two wait: 650 / (1 + 2/3) = 390 ms.
        assert_eq!(p.due(), Some(1000.0 + COMMAND_MS / (1.0 + 2.0 / 3.0)));
        p.queue((0..30).map(|_| command("NOOP")));
        assert_eq!(p.due(), Some(1000.0 + HURRIED_MS));
    }

    #[test]
    fn past_the_bound_commands_are_dropped_and_events_kept() {
        let mut p = HopPlayer::default();
        p.queue([event()]);
        p.queue((0..MAX_PENDING + 10).map(|_| command("NOOP")));
        assert_eq!(p.waiting(), MAX_PENDING);
        assert!(matches!(
            p.poll(1000.0),
            Some(Played::Show(ShownHop {
                hop: Hop::Event(_),
                ..
            }))
        ));
    }
}
