//! SEARCH keys (RFC 3501 §6.4.4) and their evaluation against one message.
//!
//! String keys match case-insensitively as substrings, against both the raw header text and
//! its decoded form (encoded-words, RFC 2047), so `SUBJECT résumé` finds
//! `=?UTF-8?Q?R=C3=A9sum=C3=A9?=`. Dates compare by calendar day: BEFORE/ON/SINCE use the
//! INTERNALDATE (UTC), SENT* use the `Date:` header's own day, ignoring its time and zone.

use super::casemap;
use super::sequence::SequenceSet;
use crate::message::SearchIndex;
use crate::store::{Flag, StoredMessage};

/// A search key; a list of keys is their conjunction ([`SearchKey::And`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    All,
    Answered,
    Deleted,
    Draft,
    Flagged,
    New,
    Old,
    Recent,
    Seen,
    Unanswered,
    Undeleted,
    Undraft,
    Unflagged,
    Unseen,
    Keyword(String),
    Unkeyword(String),
    /// Header field name and substring (FROM, TO, CC, BCC, SUBJECT and HEADER).
    Header(String, String),
    Body(String),
    Text(String),
    /// Unix seconds at 00:00 UTC of the day given.
    Before(i64),
    On(i64),
    Since(i64),
    SentBefore(i64),
    SentOn(i64),
    SentSince(i64),
    Larger(u32),
    Smaller(u32),
    Uid(SequenceSet),
    Seq(SequenceSet),
    /// `MODSEQ n` (RFC 7162 §3.1.5): changed at or after modseq n.
    ModSeq(u64),
    /// `OLDER n` (RFC 5032): arrived (INTERNALDATE) at least n seconds ago.
    Older(u32),
    /// `YOUNGER n` (RFC 5032): arrived less than n seconds ago.
    Younger(u32),
    /// SAVEDBEFORE, SAVEDON, SAVEDSINCE (RFC 8514): the day the message was saved into the
    /// mailbox.
    SavedBefore(i64),
    SavedOn(i64),
    SavedSince(i64),
    /// SAVEDATESUPPORTED (RFC 8514): every message, as every mailbox keeps save dates.
    SaveDateSupported,
    Not(Box<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    And(Vec<SearchKey>),
}

impl SearchKey {
    /// It has a `MODSEQ` key (a CONDSTORE-enabling SEARCH, RFC 7162 §3.1).
    pub fn uses_modseq(&self) -> bool {
        match self {
            SearchKey::ModSeq(_) => true,
            SearchKey::Not(k) => k.uses_modseq(),
            SearchKey::Or(a, b) => a.uses_modseq() || b.uses_modseq(),
            SearchKey::And(keys) => keys.iter().any(SearchKey::uses_modseq),
            _ => false,
        }
    }
}

/// One message as a search sees it.
pub struct Candidate<'a> {
    pub msg: &'a StoredMessage,
    /// Message sequence number.
    pub seq: u32,
    pub recent: bool,
    /// Number of messages and the highest UID, for `*`.
    pub exists: u32,
    pub max_uid: u32,
    /// UIDs of the saved search result, for `$` (RFC 5182).
    pub saved: &'a [u32],
    /// The session's wall-clock time, unix seconds (OLDER and YOUNGER, RFC 5032).
    pub now: i64,
}

/// The message's parsed view, looked up only when a key needs it (most searches only look
/// at flags); the store parses each message once and keeps the result.
struct View<'a> {
    c: &'a Candidate<'a>,
}

impl<'a> View<'a> {
    fn parsed(&self) -> &'a SearchIndex {
        self.c.msg.search_index()
    }
}

/// True when the message matches `key`.
pub fn matches(key: &SearchKey, c: &Candidate<'_>) -> bool {
    let mut v = View { c };
    eval(key, &mut v)
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    needle.is_empty() || contains_ci_bytes(hay.as_bytes(), needle)
}

/// I18NLEVEL=1 (RFC 5255 §4.2, §4.6): whether `needle` is a substring of `hay` (read as lossy
/// UTF-8) under the `i;unicode-casemap` comparator (RFC 5051): both titlecased and decomposed
/// ([`casemap::key`]), so `é` written as one character or as `e` and a combining accent is the
/// same, and case is ignored. An ASCII needle is first looked for in the bytes directly, with no
/// allocation: ASCII maps to ASCII upper case, so a hit there is a hit in the keys; only a miss
/// in text that is not ASCII needs the keys.
fn contains_ci_bytes(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    if n.is_empty() {
        return true;
    }
    if needle.is_ascii() {
        if find_ascii_ci(hay, n) {
            return true;
        }
        if hay.is_ascii() {
            return false;
        }
    }
    casemap::key(&String::from_utf8_lossy(hay)).contains(&casemap::key(needle))
}

/// ASCII case-insensitive search of the ASCII `needle` in `hay`.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> bool {
    if needle.len() > hay.len() {
        return false;
    }
    let (lo, up) = (
        needle[0].to_ascii_lowercase(),
        needle[0].to_ascii_uppercase(),
    );
    let rest = &needle[1..];
    let last = hay.len() - needle.len();
    let mut i = 0;
    while i <= last {
        match hay[i..=last].iter().position(|&b| b == lo || b == up) {
            None => return false,
            Some(p) => {
                let at = i + p;
                if hay[at + 1..at + needle.len()].eq_ignore_ascii_case(rest) {
                    return true;
                }
                i = at + 1;
            }
        }
    }
    false
}

fn day_of(unix: i64) -> i64 {
    unix.div_euclid(86_400) * 86_400
}

fn eval(key: &SearchKey, v: &mut View<'_>) -> bool {
    use SearchKey as K;
    let m = v.c.msg;
    let f = &m.flags;
    match key {
        K::All => true,
        K::Answered => f.contains(Flag::Answered),
        K::Deleted => f.contains(Flag::Deleted),
        K::Draft => f.contains(Flag::Draft),
        K::Flagged => f.contains(Flag::Flagged),
        K::Seen => f.contains(Flag::Seen),
        K::Unanswered => !f.contains(Flag::Answered),
        K::Undeleted => !f.contains(Flag::Deleted),
        K::Undraft => !f.contains(Flag::Draft),
        K::Unflagged => !f.contains(Flag::Flagged),
        K::Unseen => !f.contains(Flag::Seen),
        K::Recent => v.c.recent,
        K::Old => !v.c.recent,
        K::New => v.c.recent && !f.contains(Flag::Seen),
        K::Keyword(k) => f.has_keyword(k),
        K::ModSeq(n) => m.modseq >= *n,
        K::Unkeyword(k) => !f.has_keyword(k),
        K::Larger(n) => m.size() > *n as usize,
        K::Smaller(n) => m.size() < *n as usize,
        K::Before(d) => day_of(m.internal_date) < *d,
        K::On(d) => day_of(m.internal_date) == *d,
        K::Since(d) => day_of(m.internal_date) >= *d,
        K::SavedBefore(d) => day_of(m.save_date()) < *d,
        K::SavedOn(d) => day_of(m.save_date()) == *d,
        K::SavedSince(d) => day_of(m.save_date()) >= *d,
        K::SaveDateSupported => true,
        // RFC 5032: the age is now minus INTERNALDATE; OLDER and YOUNGER split at n.
        K::Older(n) => v.c.now.saturating_sub(m.internal_date) >= i64::from(*n),
        K::Younger(n) => v.c.now.saturating_sub(m.internal_date) < i64::from(*n),
        K::SentBefore(d) | K::SentOn(d) | K::SentSince(d) => {
            let Some(sent) = v.parsed().sent_day else {
                return false;
            };
            match key {
                K::SentBefore(_) => sent < *d,
                K::SentOn(_) => sent == *d,
                _ => sent >= *d,
            }
        }
        K::Uid(set) | K::Seq(set) if set.is_saved() => v.c.saved.contains(&m.uid),
        K::Uid(set) => set.contains(m.uid, v.c.max_uid),
        K::Seq(set) => set.contains(v.c.seq, v.c.exists),
        K::Not(k) => !eval(k, v),
        K::Or(a, b) => eval(a, v) || eval(b, v),
        K::And(keys) => keys.iter().all(|k| eval(k, v)),
        K::Header(name, needle) => {
            let raw: &[u8] = &m.raw;
            v.parsed().headers.iter().any(|h| {
                h.is_named(raw, name) && {
                    let rawv = raw
                        .get(h.value.0 as usize..h.value.1 as usize)
                        .unwrap_or(b"");
                    contains_ci_bytes(rawv, needle)
                        || h.decoded.as_deref().is_some_and(|d| contains_ci(d, needle))
                }
            })
        }
        K::Body(needle) => body_matches(v, needle),
        K::Text(needle) => {
            let head = &m.raw[..crate::message::header_end(&m.raw)];
            contains_ci_bytes(head, needle) || body_matches(v, needle)
        }
    }
}

fn body_matches(v: &mut View<'_>, needle: &str) -> bool {
    let raw: &[u8] = &v.c.msg.raw;
    let body = &raw[crate::message::header_end(raw)..];
    if contains_ci_bytes(body, needle) {
        return true;
    }
    // Decoded text parts that differ from their raw form (base64, quoted-printable, ...).
    v.parsed().texts.iter().any(|t| contains_ci(t, needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Flags;
    use crate::time::unix_from_civil;
    use std::sync::Arc;

    fn msg(raw: &str, flags: Flags, date: i64) -> StoredMessage {
        StoredMessage::new(7, flags, 1, date, Arc::from(raw.as_bytes()))
    }

    fn hit(key: SearchKey, m: &StoredMessage) -> bool {
        matches(
            &key,
            &Candidate {
                msg: m,
                seq: 2,
                recent: true,
                exists: 3,
                max_uid: 9,
                saved: &[],
                now: 0,
            },
        )
    }

    #[test]
    fn string_keys_match_raw_and_decoded_case_insensitively() {
        let m = msg(
            "From: \"Ann\" <ann@x.example>\r\nSubject: =?UTF-8?Q?R=C3=A9sum=C3=A9?= attached\r\nDate: Mon, 02 Nov 2026 23:30:00 -0500\r\n\r\nHello World\r\n",
            Flags::new(),
            1_793_610_000,
        );
        assert!(hit(
            SearchKey::Header("Subject".into(), "RÉSUMÉ".into()),
            &m
        ));
        assert!(hit(
            SearchKey::Header("subject".into(), "q?r=c3".into()),
            &m
        ));
        assert!(hit(SearchKey::Header("From".into(), "ANN@X".into()), &m));
        assert!(!hit(SearchKey::Header("To".into(), "ann".into()), &m));
        assert!(hit(SearchKey::Body("world".into()), &m));
        assert!(!hit(SearchKey::Body("ann@x".into()), &m));
        assert!(hit(SearchKey::Text("ann@x".into()), &m));
        // Sent on 2 Nov in its own zone, whatever UTC says.
        let nov2 = unix_from_civil(2026, 11, 2);
        assert!(hit(SearchKey::SentOn(nov2), &m));
        assert!(hit(SearchKey::On(nov2), &m));
        assert!(!hit(SearchKey::Before(nov2), &m));
        assert!(hit(SearchKey::Since(nov2), &m));
    }

    #[test]
    fn search_matches_substrings_under_unicode_casemap() {
        let cases: [(&str, &str); 10] = [
            ("Hello World", "WORLD"),
            ("Hello World", "worlds"),
            ("abc", ""),
            ("", "a"),
            ("aaab", "AAB"),
            ("Kelvin \u{212A}elvin", "kelvin kelvin"),
            ("\u{130}stanbul", "i\u{307}stanbul"),
            ("R\u{e9}sum\u{e9}", "R\u{c9}SUM\u{c9}"),
            ("x\u{212A}", "k"),
            ("ends with a", "a"),
        ];
        for (hay, needle) in cases {
            let want = casemap::key(hay).contains(&casemap::key(needle));
            assert_eq!(
                contains_ci_bytes(hay.as_bytes(), needle),
                want,
                "{hay:?} {needle:?}"
            );
        }
        assert!(contains_ci_bytes(b"caf\xff FOO", "foo"));
        // RFC 5051: precomposed and decomposed accents are the same; the Kelvin sign is K.
        assert!(contains_ci_bytes(
            "R\u{e9}sum\u{e9}".as_bytes(),
            "RE\u{301}SUM"
        ));
        assert!(contains_ci_bytes(
            "Re\u{301}sume\u{301}".as_bytes(),
            "\u{e9}sum\u{e9}"
        ));
        assert!(contains_ci_bytes("x\u{212A}".as_bytes(), "k"));
        assert!(!contains_ci_bytes("R\u{e9}sum\u{e9}".as_bytes(), "resume"));
    }

    #[test]
    fn flags_sets_and_logic() {
        let m = msg(
            "Subject: x\r\n\r\nbody\r\n",
            Flags::new().with(Flag::Seen),
            0,
        );
        assert!(hit(SearchKey::Seen, &m));
        assert!(!hit(SearchKey::New, &m));
        assert!(hit(SearchKey::Recent, &m));
        assert!(hit(SearchKey::Uid(SequenceSet::parse(b"5:*").unwrap()), &m));
        assert!(hit(SearchKey::Seq(SequenceSet::parse(b"2").unwrap()), &m));
        assert!(hit(
            SearchKey::Or(Box::new(SearchKey::Deleted), Box::new(SearchKey::Larger(5))),
            &m
        ));
        assert!(!hit(SearchKey::Not(Box::new(SearchKey::All)), &m));
        assert!(hit(SearchKey::Smaller(100), &m));
    }
}
