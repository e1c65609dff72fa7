//! Virtual time. Nothing in the engine reads a clock: every driver (the page, native tests,
//! the TCP bridge) passes `now` in. Time is counted in milliseconds since the world started.

use serde::{Deserialize, Serialize};
use std::ops::{Add, AddAssign, Sub};

/// A point on the virtual clock, in milliseconds since the world's epoch.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Instant(u64);

/// A span of virtual time, in milliseconds.
#[derive(
    Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Duration(u64);

impl Instant {
    /// The moment the world starts.
    pub const ZERO: Instant = Instant(0);

    pub const fn from_millis(ms: u64) -> Self {
        Instant(ms)
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`, or zero when `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_millis(ms: u64) -> Self {
        Duration(ms)
    }

    pub const fn from_secs(s: u64) -> Self {
        Duration(s.saturating_mul(1000))
    }

    pub const fn as_millis(self) -> u64 {
        self.0
    }

    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }

    pub fn saturating_mul(self, n: u64) -> Duration {
        Duration(self.0.saturating_mul(n))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0.saturating_add(d.0))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

impl Add for Duration {
    type Output = Duration;
    fn add(self, d: Duration) -> Duration {
        Duration(self.0.saturating_add(d.0))
    }
}

/// Maps virtual time to calendar time, for `Date:` headers, `Received:` stamps and IMAP
/// INTERNALDATE. The default world starts at a fixed moment so runs are reproducible; the TCP
/// bridge starts it at the real time.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallClock {
    /// Unix seconds at virtual time zero.
    pub epoch_unix: i64,
}

impl Default for WallClock {
    fn default() -> Self {
        // 2026-11-02 09:00:00 UTC.
        WallClock {
            epoch_unix: 1_793_610_000,
        }
    }
}

impl WallClock {
    /// Unix seconds at virtual instant `now`.
    pub fn unix(&self, now: Instant) -> i64 {
        self.epoch_unix
            .saturating_add((now.as_millis() / 1000) as i64)
    }

    /// RFC 5322 §3.3 date-time for `now`, e.g. `Mon, 02 Nov 2026 09:00:00 +0000`.
    pub fn rfc5322(&self, now: Instant) -> String {
        format_rfc5322(self.unix(now))
    }
}

const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
pub const MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Calendar date (year, month 1-12, day 1-31) and seconds-of-day for unix seconds (UTC).
pub fn civil_from_unix(unix: i64) -> (i64, u32, u32, u32) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400) as u32;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d, secs)
}

/// Unix seconds at 00:00 UTC of a calendar date.
pub fn unix_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400
}

/// RFC 5322 §3.3 date-time in UTC.
pub fn format_rfc5322(unix: i64) -> String {
    let (y, m, d, s) = civil_from_unix(unix);
    let dow = DAY_NAMES[unix.div_euclid(86_400).rem_euclid(7) as usize];
    format!(
        "{dow}, {d:02} {} {y} {:02}:{:02}:{:02} +0000",
        MONTH_NAMES[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// RFC 3501 §9 `date-time` (INTERNALDATE), e.g. `02-Nov-2026 09:00:00 +0000`.
pub fn format_imap_datetime(unix: i64) -> String {
    let (y, m, d, s) = civil_from_unix(unix);
    format!(
        "{d:02}-{}-{y} {:02}:{:02}:{:02} +0000",
        MONTH_NAMES[(m - 1) as usize],
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip() {
        assert_eq!(format_rfc5322(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            format_rfc5322(WallClock::default().epoch_unix),
            "Mon, 02 Nov 2026 09:00:00 +0000"
        );
        assert_eq!(unix_from_civil(2026, 11, 2), 1_793_577_600);
        assert_eq!(
            format_imap_datetime(951_782_400),
            "29-Feb-2000 00:00:00 +0000"
        );
    }

    #[test]
    fn instants_saturate() {
        let t = Instant::from_millis(5);
        assert_eq!(t.saturating_since(Instant::from_millis(9)), Duration::ZERO);
        assert_eq!((t + Duration::from_secs(1)).as_millis(), 1005);
    }
}
