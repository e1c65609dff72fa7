//! mbox export (the mboxrd flavour, RFC 4155 and its "From " quoting): every message after a
//! `From ` separator line, LF line ends, lines that start with `>`s and `From ` get one more
//! `>`. The message bytes are kept as they are (8-bit mail is not touched).

use crate::message;
use crate::sandbox::mail_client::Fetched;

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
        out.extend_from_slice(format!("From {from} Thu Jan  1 00:00:00 1970\n").as_bytes());
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
}
