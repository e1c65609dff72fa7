//! The `Date:` field (RFC 5322 §3.3, with the obsolete forms of §4.3 that old mail still
//! uses): `[day-of-week ","] day month year hour ":" minute [":" second] zone`.

use crate::time::{unix_from_civil, MONTH_NAMES};

/// A date-time as written: its own calendar day and time, and its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    /// Seconds since the day's 00:00 in the field's own zone.
    pub seconds: i64,
    /// The zone's offset from UTC in seconds (`+0100` is 3600).
    pub zone: i64,
}

impl DateTime {
    /// Unix seconds of the instant it names.
    pub fn timestamp(&self) -> i64 {
        self.day_start() + self.seconds - self.zone
    }

    /// Unix seconds at 00:00 UTC of its own calendar day (what SENTON compares, RFC 3501
    /// §6.4.4: the date "disregarding time and timezone").
    pub fn day_start(&self) -> i64 {
        unix_from_civil(self.year, self.month, self.day)
    }
}

/// RFC 5322 §4.3: the obsolete zone names and their offsets in hours; military letters
/// (one character) mean nothing reliable and count as `-0000`.
const ZONE_NAMES: [(&str, i64); 10] = [
    ("UT", 0),
    ("GMT", 0),
    ("EST", -5),
    ("EDT", -4),
    ("CST", -6),
    ("CDT", -5),
    ("MST", -7),
    ("MDT", -6),
    ("PST", -8),
    ("PDT", -7),
];

/// The text without its comments (RFC 5322 §3.2.2: `(...)`, nested), commas as spaces.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => out.push(' '),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn zone_of(word: &str) -> Option<i64> {
    let sign = match word.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => {
            if word.len() == 1 && word.as_bytes()[0].is_ascii_alphabetic() {
                return Some(0);
            }
            return ZONE_NAMES
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(word))
                .map(|(_, hours)| hours * 3600);
        }
    };
    let digits = &word[1..];
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = digits[2..].parse().ok()?;
    Some(sign * (hours * 3600 + minutes * 60))
}

/// Parses a `Date:` value; `None` when it is not a date.
pub fn parse(value: &str) -> Option<DateTime> {
    let text = without_comments(value);
    let mut words = text.split_whitespace().peekable();
    // The day of the week is optional and says nothing the date does not.
    if words.peek()?.starts_with(|c: char| c.is_ascii_alphabetic()) {
        words.next();
    }
    let day: u32 = words.next()?.parse().ok()?;
    let month_name = words.next()?;
    let month = MONTH_NAMES
        .iter()
        .position(|m| m.eq_ignore_ascii_case(month_name))? as u32
        + 1;
    let year_word = words.next()?;
    let year: i64 = year_word.parse().ok()?;
    // RFC 5322 §4.3: a two-digit year below 50 is 20xx, other two- and three-digit years
    // add 1900.
    let year = match year_word.len() {
        1 | 2 if year < 50 => year + 2000,
        1..=3 => year + 1900,
        _ => year,
    };
    let time = words.next()?;
    let mut hms = time.split(':').map(|x| x.parse::<i64>().ok());
    let hour = hms.next()??;
    let minute = hms.next()??;
    let second = hms.next().unwrap_or(Some(0))?;
    if hms.next().is_some()
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || hour < 0
        || minute < 0
        || second < 0
    {
        return None;
    }
    let zone = words.next().map_or(Some(0), zone_of)?;
    Some(DateTime {
        year,
        month,
        day,
        seconds: hour * 3600 + minute * 60 + second,
        zone,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_5322_form_and_its_zone() {
        let d = parse("Mon, 02 Nov 2026 09:00:00 +0000").expect("date");
        assert_eq!(d.timestamp(), 1_793_610_000);
        let east = parse("Tue, 3 Nov 2026 01:30:00 +0200").expect("date");
        assert_eq!(east.timestamp(), 1_793_610_000 + 14 * 3600 + 30 * 60);
        assert_eq!(east.day_start(), unix_from_civil(2026, 11, 3));
    }

    #[test]
    fn obsolete_forms_old_mail_still_uses() {
        let base = parse("2 Nov 2026 09:00 +0000").expect("date").timestamp();
        assert_eq!(base, 1_793_610_000);
        assert_eq!(
            parse("Mon, 2 Nov 26 04:00:00 EST").map(|d| d.timestamp()),
            Some(base)
        );
        assert_eq!(
            parse("Mon (Monday), 02 Nov 2026 09:00:00 GMT (zulu)").map(|d| d.timestamp()),
            Some(base)
        );
        assert_eq!(
            parse("02 Nov 99 09:00:00 +0000").map(|d| d.year),
            Some(1999)
        );
    }

    #[test]
    fn what_is_not_a_date_is_none() {
        for text in [
            "",
            "soon",
            "32 Nov 2026 09:00 +0000",
            "2 Foo 2026 09:00 +0000",
            "2 Nov 2026 25:00 +0000",
            "2 Nov 2026 09:00 +01",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
