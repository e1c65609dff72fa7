//! SEARCH keys (RFC 3501 §6.4.4) and their evaluation against one message.
//!
//! String keys match case-insensitively as substrings, against both the raw header text and
//! its decoded form (encoded-words, RFC 2047), so `SUBJECT résumé` finds
//! `=?UTF-8?Q?R=C3=A9sum=C3=A9?=`. Dates compare by calendar day: BEFORE/ON/SINCE use the
//! INTERNALDATE (UTC), SENT* use the `Date:` header's own day, ignoring its time and zone.

use super::sequence::SequenceSet;
use crate::store::{Flag, StoredMessage};
use crate::time::unix_from_civil;
use mail_parser::{Address, HeaderValue, Message, MessageParser, PartType};

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
    Not(Box<SearchKey>),
    Or(Box<SearchKey>, Box<SearchKey>),
    And(Vec<SearchKey>),
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
}

/// Parsed lazily: most searches only look at flags.
struct View<'a> {
    c: &'a Candidate<'a>,
    parsed: Option<Option<Message<'a>>>,
}

impl<'a> View<'a> {
    fn parsed(&mut self) -> Option<&Message<'a>> {
        let raw: &'a [u8] = &self.c.msg.raw;
        self.parsed
            .get_or_insert_with(|| MessageParser::default().parse(raw))
            .as_ref()
    }
}

/// True when the message matches `key`.
pub fn matches(key: &SearchKey, c: &Candidate<'_>) -> bool {
    let mut v = View { c, parsed: None };
    eval(key, &mut v)
}

fn contains_ci(hay: &str, needle: &str) -> bool {
    needle.is_empty() || hay.to_lowercase().contains(&needle.to_lowercase())
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
        K::Unkeyword(k) => !f.has_keyword(k),
        K::Larger(n) => m.size() > *n as usize,
        K::Smaller(n) => m.size() < *n as usize,
        K::Before(d) => day_of(m.internal_date) < *d,
        K::On(d) => day_of(m.internal_date) == *d,
        K::Since(d) => day_of(m.internal_date) >= *d,
        K::SentBefore(d) | K::SentOn(d) | K::SentSince(d) => {
            let Some(sent) = v
                .parsed()
                .and_then(|p| p.date())
                .map(|d| unix_from_civil(d.year as i64, d.month as u32, d.day as u32))
            else {
                return false;
            };
            match key {
                K::SentBefore(_) => sent < *d,
                K::SentOn(_) => sent == *d,
                _ => sent >= *d,
            }
        }
        K::Uid(set) => set.contains(m.uid, v.c.max_uid),
        K::Seq(set) => set.contains(v.c.seq, v.c.exists),
        K::Not(k) => !eval(k, v),
        K::Or(a, b) => eval(a, v) || eval(b, v),
        K::And(keys) => keys.iter().all(|k| eval(k, v)),
        K::Header(name, needle) => {
            let raw: &[u8] = &m.raw;
            match v.parsed() {
                Some(p) => p.headers().iter().any(|h| {
                    h.name().eq_ignore_ascii_case(name) && {
                        let rawv = raw
                            .get(h.offset_start() as usize..h.offset_end() as usize)
                            .unwrap_or(b"");
                        contains_ci(&String::from_utf8_lossy(rawv), needle)
                            || contains_ci(&decoded(h.value()), needle)
                    }
                }),
                None => false,
            }
        }
        K::Body(needle) => body_matches(v, needle),
        K::Text(needle) => {
            let head = &m.raw[..crate::message::header_end(&m.raw)];
            contains_ci(&String::from_utf8_lossy(head), needle) || body_matches(v, needle)
        }
    }
}

fn body_matches(v: &mut View<'_>, needle: &str) -> bool {
    let raw: &[u8] = &v.c.msg.raw;
    let body = &raw[crate::message::header_end(raw)..];
    if contains_ci(&String::from_utf8_lossy(body), needle) {
        return true;
    }
    let Some(p) = v.parsed() else {
        return false;
    };
    p.parts.iter().any(|part| match &part.body {
        PartType::Text(t) | PartType::Html(t) => contains_ci(t, needle),
        _ => false,
    })
}

/// A header value as text, decoded.
fn decoded(h: &HeaderValue<'_>) -> String {
    fn addr_text(a: &Address<'_>) -> String {
        let mut out = String::new();
        let mut push = |x: &mail_parser::Addr<'_>| {
            if let Some(n) = &x.name {
                out.push_str(n);
                out.push(' ');
            }
            if let Some(a) = &x.address {
                out.push('<');
                out.push_str(a);
                out.push_str("> ");
            }
        };
        match a {
            Address::List(l) => l.iter().for_each(&mut push),
            Address::Group(gs) => gs.iter().for_each(|g| {
                g.addresses.iter().for_each(&mut push);
            }),
        }
        out
    }
    match h {
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(" "),
        HeaderValue::Address(a) => addr_text(a),
        HeaderValue::DateTime(d) => d.to_rfc822(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Flags;
    use std::sync::Arc;

    fn msg(raw: &str, flags: Flags, date: i64) -> StoredMessage {
        StoredMessage {
            uid: 7,
            flags,
            modseq: 1,
            internal_date: date,
            raw: Arc::from(raw.as_bytes()),
        }
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
