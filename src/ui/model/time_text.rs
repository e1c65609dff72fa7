//! Virtual time in words, as the clock bar, the queue panels and the transcripts write it.

use crate::time::{Duration, Instant};

/// Virtual time as `h:mm:ss.t`.
pub fn fmt_time(t: Instant) -> String {
    let ms = t.as_millis();
    let s = ms / 1000;
    format!(
        "{}:{:02}:{:02}.{}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000 / 100
    )
}

/// A span in words: `28 s`, `4 min 10 s`, `2 h 5 min`.
pub fn fmt_span(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, s / 60 % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_hours_minutes_seconds_and_tenths() {
        assert_eq!(fmt_time(Instant::ZERO), "0:00:00.0");
        assert_eq!(
            fmt_time(Instant::ZERO + Duration::from_millis(61_250)),
            "0:01:01.2"
        );
        assert_eq!(
            fmt_time(Instant::ZERO + Duration::from_millis(3_723_999)),
            "1:02:03.9"
        );
    }

    #[test]
    fn spans_use_the_largest_units_that_fit() {
        assert_eq!(fmt_span(Duration::from_millis(28_900)), "28 s");
        assert_eq!(fmt_span(Duration::from_secs(250)), "4 min 10 s");
        assert_eq!(fmt_span(Duration::from_secs(7_500)), "2 h 5 min");
    }
}
