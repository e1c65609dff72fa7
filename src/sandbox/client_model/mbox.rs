//! mbox export (the mboxrd flavour, RFC 4155 and its "From " quoting): every message after a
//! `From ` separator line, LF line ends, lines that start with `>`s and `From ` get one more
//! `>`. The message bytes are kept as they are (8-bit mail is not touched). The separator
//! line carries the message's own date (its `Date:` header, in UTC): RFC 4155 §2 asks for
//! the time the message was sent or received.

use crate::message;
use crate::sandbox::mail_client::Fetched;
use crate::time::{civil_from_unix, MONTH_NAMES};

/// The weekdays of `asctime`, from 1 January 1970 (a Thursday) on.
const DAY_NAMES: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// A time as the `From ` line writes it (C's `asctime`, RFC 4155 §2), in UTC:
/// `Mon Nov  2 09:00:00 2026`.
fn asctime(unix: i64) -> String {
    let (y, m, d, s) = civil_from_unix(unix);
    let dow = DAY_NAMES[unix.div_euclid(86_400).rem_euclid(7) as usize];
    let month = MONTH_NAMES[(m.clamp(1, 12) - 1) as usize];
    format!(
        "{dow} {month} {d:>2} {:02}:{:02}:{:02} {y}",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// An mbox file of the messages, in order.
pub fn mbox(msgs: &[Fetched]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        let info = message::parse(&m.raw);
        let from = info
            .from
            .first()
            .map(|a| a.address.clone())
            .filter(|a| !a.is_empty() && !a.contains(char::is_whitespace))
            .unwrap_or_else(|| "MAILER-DAEMON".into());
        // A message without a readable Date: keeps the epoch (nothing else about it is known
        // here: the page's client fetched only its bytes).
        let date = asctime(info.date.unwrap_or(0));
        out.extend_from_slice(format!("From {from} {date}\n").as_bytes());
        let raw = m.raw.strip_suffix(b"\n").unwrap_or(&m.raw);
        if !raw.is_empty() {
            for line in raw.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let unquoted = line.iter().position(|&b| b != b'>').map(|i| &line[i..]);
                if unquoted.is_some_and(|l| l.starts_with(b"From ")) {
                    out.push(b'>');
                }
                out.extend_from_slice(line);
                out.push(b'\n');
            }
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fetched(raw: &[u8]) -> Fetched {
        Fetched {
            id: 1,
            uidl: None,
            flags: Vec::new(),
            raw: raw.to_vec(),
            whole: true,
        }
    }

    #[test]
    fn eight_bit_bytes_are_kept_and_from_lines_quoted() {
        let latin1 = b"From: a@x.example\r\nSubject: caf\xe9\r\n\r\nFrom here\r\n>From there\r\nna\xefve\r\n";
        let out = mbox(&[fetched(latin1), fetched(b"Subject: two\r\n\r\nx")]);
        let expected: &[u8] = b"From a@x.example Thu Jan  1 00:00:00 1970\n\
From: a@x.example\nSubject: caf\xe9\n\n>From here\n>>From there\nna\xefve\n\n\
From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nSubject: two\n\nx\n\n";
        assert_eq!(out, expected, "{}", String::from_utf8_lossy(&out));
    }

    /// Each separator carries its message's Date: (in UTC), not 1970 for every message.
    #[test]
    fn the_from_line_carries_the_message_date() {
        let nov = b"From: a@x.example\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\nhi\r\n";
        let leap = b"From: b@x.example\r\nDate: Thu, 29 Feb 2024 23:59:58 -0500\r\n\r\nyo\r\n";
        let out = String::from_utf8(mbox(&[fetched(nov), fetched(leap)])).unwrap();
        let separators: Vec<&str> = out.lines().filter(|l| l.starts_with("From ")).collect();
        assert_eq!(
            separators,
            [
                "From a@x.example Mon Nov  2 09:00:00 2026",
                "From b@x.example Fri Mar  1 04:59:58 2024"
            ]
        );
        assert_eq!(asctime(0), "Thu Jan  1 00:00:00 1970");
    }
}
