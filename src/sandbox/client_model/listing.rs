//! An IMAP listing brings header fields only (`proto::imap::client`): the bodies the client
//! already read are kept across a refresh, with the listing's flags.

use crate::sandbox::mail_client::Fetched;

/// The new listing `fresh`, where each message whose whole text `old` holds keeps it (and
/// takes the listing's flags).
pub fn keep_bodies(old: &[Fetched], fresh: Vec<Fetched>) -> Vec<Fetched> {
    fresh
        .into_iter()
        .map(
            |m| match old.iter().find(|o| o.id == m.id && o.whole && !m.whole) {
                Some(read) => Fetched {
                    flags: m.flags,
                    ..read.clone()
                },
                None => m,
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: u32, raw: &str, whole: bool, flags: &[&str]) -> Fetched {
        Fetched {
            id,
            uidl: None,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            raw: raw.as_bytes().to_vec(),
            whole,
        }
    }

    #[test]
    fn a_refresh_keeps_what_was_read_with_the_new_flags() {
        let old = vec![
            msg(4, "Subject: a\r\n\r\nbody", true, &[]),
            msg(5, "Subject: b\r\n\r\n", false, &[]),
        ];
        let fresh = vec![
            msg(4, "Subject: a\r\n\r\n", false, &["\\Flagged"]),
            msg(5, "Subject: b\r\n\r\n", false, &["\\Seen"]),
            msg(6, "Subject: c\r\n\r\n", false, &[]),
        ];
        let got = keep_bodies(&old, fresh);
        assert_eq!(got[0].raw, b"Subject: a\r\n\r\nbody");
        assert!(got[0].whole);
        assert_eq!(got[0].flags, ["\\Flagged"]);
        assert!(!got[1].whole && got[1].flags == ["\\Seen"]);
        assert_eq!(got.len(), 3);
    }
}
