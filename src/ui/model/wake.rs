//! When the page wakes. Virtual time runs at the chosen speed, but the world only needs
//! stepping at its own deadlines (a byte arriving, a retry, a session's timeout) or when a
//! person acts; between them the page sleeps. [`Pace`] maps real milliseconds to virtual time
//! at the speed in effect; [`next_wake`] says how long the page may sleep: until the world's
//! next deadline, the next hop to show, a lit link going dark, a save due, or (while the mail
//! client's sessions run) a short poll. With none of these it sleeps until something happens.

use crate::time::Duration;

/// While the mail client's sessions run, how often they are polled (real ms).
pub const TASK_POLL_MS: f64 = 100.0;
/// The longest single sleep (a timer far away is reached in several, each cheap).
pub const MAX_SLEEP_MS: f64 = 3_600_000.0;

/// Real time against virtual time: the real moment (ms) virtual time was last brought up to
/// date and the speed (virtual ms per real ms, 0 = paused) it has run at since.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pace {
    synced: f64,
    speed: u32,
}

impl Pace {
    /// Virtual time in step with real time `now`, at `speed`.
    pub fn new(now: f64, speed: u32) -> Pace {
        Pace { synced: now, speed }
    }

    pub fn speed(&self) -> u32 {
        self.speed
    }

    /// The virtual time that passed since the last call, at real time `now` (whole
    /// milliseconds: a fraction is carried to the next call).
    pub fn catch_up(&mut self, now: f64) -> Duration {
        let elapsed = now - self.synced;
        if self.speed == 0 || elapsed <= 0.0 || !elapsed.is_finite() {
            // Paused, or a clock that went back: nothing passed.
            self.synced = self.synced.max(now);
            return Duration::ZERO;
        }
        // (The epsilon keeps float noise from eating a whole millisecond: 0.3 ms at 10x is 3.)
        let virtual_ms = (elapsed * self.speed as f64 + 1e-6).floor();
        self.synced += virtual_ms / self.speed as f64;
        Duration::from_millis(virtual_ms as u64)
    }

    /// Changes the speed at real time `now`; returns the virtual time that passed at the old
    /// speed.
    pub fn set_speed(&mut self, now: f64, speed: u32) -> Duration {
        let passed = self.catch_up(now);
        self.synced = now;
        self.speed = speed;
        passed
    }

    /// The real moment (ms) virtual time will have moved `span` past where it was last
    /// brought up to date (`None` when paused: it never will by itself).
    pub fn real_at(&self, span: Duration) -> Option<f64> {
        (self.speed > 0).then(|| self.synced + span.as_millis() as f64 / self.speed as f64)
    }
}

/// What may want the page awake, at the moment the wake is planned.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wants {
    /// Virtual time from the world's present (where [`Pace`] last brought it) to its next
    /// deadline, if it has one.
    pub world_deadline_in: Option<Duration>,
    /// The mail client's sessions are running.
    pub tasks_running: bool,
    /// When (real ms) the picture's hop changes next.
    pub hop_due: Option<f64>,
    /// When (real ms) a lit link goes dark.
    pub link_dark: Option<f64>,
    /// When (real ms) an unsaved change is saved.
    pub save_due: Option<f64>,
}

/// How long (real ms) the page may sleep at real time `now`, or `None`: nothing will happen
/// until a person acts.
pub fn next_wake(now: f64, pace: &Pace, wants: &Wants) -> Option<f64> {
    let world = wants.world_deadline_in.and_then(|d| pace.real_at(d));
    let tasks = (wants.tasks_running && pace.speed() > 0).then_some(TASK_POLL_MS);
    let at = |t: Option<f64>| t.map(|t| t - now);
    [
        at(world),
        tasks,
        at(wants.hop_due),
        at(wants.link_dark),
        at(wants.save_due),
    ]
    .into_iter()
    .flatten()
    .reduce(f64::min)
    .map(|ms| ms.clamp(0.0, MAX_SLEEP_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_time_runs_at_the_speed_and_carries_fractions() {
        let mut pace = Pace::new(1000.0, 10);
        assert_eq!(pace.catch_up(1000.25), Duration::from_millis(2));
        // The 0.05 ms left over counts at the next call: 0.3 ms real in all is 3 ms virtual.
        assert_eq!(pace.catch_up(1000.3), Duration::from_millis(1));
        assert_eq!(pace.catch_up(2000.3), Duration::from_millis(10_000));
    }

    #[test]
    fn a_paused_clock_lets_no_time_pass_and_a_new_speed_counts_from_its_change() {
        let mut pace = Pace::new(0.0, 0);
        assert_eq!(pace.catch_up(5000.0), Duration::ZERO);
        assert_eq!(pace.set_speed(6000.0, 60), Duration::ZERO);
        assert_eq!(pace.catch_up(7000.0), Duration::from_secs(60));
        assert_eq!(pace.set_speed(8000.0, 1), Duration::from_secs(60));
        assert_eq!(pace.catch_up(9000.0), Duration::from_secs(1));
        assert_eq!(
            pace.catch_up(8500.0),
            Duration::ZERO,
            "a clock that went back"
        );
    }

    #[test]
    fn nothing_to_do_means_no_wake_at_all() {
        let pace = Pace::new(0.0, 1);
        assert_eq!(next_wake(0.0, &pace, &Wants::default()), None);
    }

    #[test]
    fn the_world_deadline_is_reached_in_real_time_at_the_speed() {
        let wants = Wants {
            world_deadline_in: Some(Duration::from_secs(10)),
            ..Wants::default()
        };
        assert_eq!(next_wake(0.0, &Pace::new(0.0, 1), &wants), Some(10_000.0));
        assert_eq!(next_wake(0.0, &Pace::new(0.0, 10), &wants), Some(1_000.0));
        assert_eq!(
            next_wake(0.0, &Pace::new(0.0, 0), &wants),
            None,
            "paused: the deadline never comes by itself"
        );
    }

    #[test]
    fn the_deadline_counts_from_where_virtual_time_was_last_brought_up_to_date() {
        // Synced at 1000 ms real; the page woke at 3000 ms for something else and left virtual
        // time alone: a deadline 5 s ahead is 3 s away now, not 5.
        let wants = Wants {
            world_deadline_in: Some(Duration::from_secs(5)),
            ..Wants::default()
        };
        assert_eq!(
            next_wake(3000.0, &Pace::new(1000.0, 1), &wants),
            Some(3000.0)
        );
    }

    #[test]
    fn the_earliest_want_wins_and_a_far_deadline_is_reached_in_steps() {
        let pace = Pace::new(0.0, 1);
        let wants = Wants {
            world_deadline_in: Some(Duration::from_secs(600)),
            hop_due: Some(1650.0),
            link_dark: Some(1800.0),
            save_due: Some(3000.0),
            tasks_running: false,
        };
        assert_eq!(next_wake(1000.0, &pace, &wants), Some(650.0));
        let overdue = Wants {
            hop_due: Some(900.0),
            ..wants
        };
        assert_eq!(next_wake(1000.0, &pace, &overdue), Some(0.0));
        let far = Wants {
            world_deadline_in: Some(Duration::from_secs(100_000)),
            ..Wants::default()
        };
        assert_eq!(next_wake(0.0, &pace, &far), Some(MAX_SLEEP_MS));
    }

    #[test]
    fn running_client_sessions_are_polled_while_time_runs() {
        let wants = Wants {
            tasks_running: true,
            ..Wants::default()
        };
        assert_eq!(
            next_wake(0.0, &Pace::new(0.0, 1), &wants),
            Some(TASK_POLL_MS)
        );
        assert_eq!(next_wake(0.0, &Pace::new(0.0, 0), &wants), None);
    }
}
