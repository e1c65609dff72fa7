//! The `* ESEARCH` answer (RFC 4731 §3.1) that SEARCH RETURN (...) and, with ESORT, SORT
//! RETURN (...) (RFC 5267 §3.1) send: which results, and the mod-sequence CONDSTORE adds
//! (RFC 7162 §3.1.5); CONTEXT=SEARCH's PARTIAL (RFC 5267 §4.4).

use super::command::SearchReturn;
use super::response::{compact_set, string};
use crate::store::StoredMessage;

/// One match in answer order: its number (sequence number or UID) and its mod-sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub number: u32,
    pub modseq: u64,
}

/// The matches `found` (sequence number and message, in answer order) as hits: their UIDs
/// for a `UID` command, else their sequence numbers.
pub fn hits(found: &[(u32, &StoredMessage)], uid: bool) -> Vec<Hit> {
    found
        .iter()
        .map(|&(seq, m)| Hit {
            number: if uid { m.uid } else { seq },
            modseq: m.modseq,
        })
        .collect()
}

/// The answer without `RETURN`: `* SEARCH 2 5` (RFC 3501 §7.2.5) or `* SORT 5 2` (RFC 5256
/// §4), with the highest mod-sequence of the matches when the search used MODSEQ
/// (`(MODSEQ 9)`, RFC 7162 §3.1.5).
pub fn plain_line(name: &str, hits: &[Hit], with_modseq: bool) -> String {
    let mut line = format!("* {name}");
    for h in hits {
        line.push_str(&format!(" {}", h.number));
    }
    if let Some(m) = hits.iter().map(|h| h.modseq).max().filter(|_| with_modseq) {
        line.push_str(&format!(" (MODSEQ {m})"));
    }
    line
}

/// What to answer for `hits`, given in answer order: ascending for SEARCH, the requested
/// sort order for SORT (RFC 5267 §3.1: MIN and MAX are then the first and last sorted
/// message, and ALL keeps the order: `compact_set` only joins ascending runs).
pub struct Answer<'a> {
    pub tag: &'a str,
    pub uid: bool,
    pub ret: SearchReturn,
    pub hits: &'a [Hit],
    /// The search used MODSEQ (RFC 7162 §3.1.5): report a mod-sequence.
    pub with_modseq: bool,
}

/// RFC 5182 §2.4 and RFC 7162 §3.1.5: with MIN and/or MAX alone, the answer is about those
/// messages only (what SAVE keeps, whose mod-sequence is reported).
pub fn is_min_max_only(r: &SearchReturn) -> bool {
    (r.min || r.max) && !r.all && !r.count && r.partial.is_none()
}

/// The messages the answer reports: with MIN and/or MAX alone, the first and/or last hit;
/// otherwise every hit.
pub fn reported<'h>(ret: &SearchReturn, hits: &'h [Hit]) -> Vec<&'h Hit> {
    if is_min_max_only(ret) {
        let mut v: Vec<&Hit> = [
            hits.first().filter(|_| ret.min),
            hits.last().filter(|_| ret.max),
        ]
        .into_iter()
        .flatten()
        .collect();
        v.dedup_by_key(|h| h.number);
        v
    } else {
        hits.iter().collect()
    }
}

/// The `* ESEARCH (TAG "a") [UID] MIN .. MAX .. ALL .. COUNT .. [MODSEQ ..]` line.
pub fn line(a: &Answer<'_>) -> String {
    let mut out = b"* ESEARCH (TAG ".to_vec();
    string(&mut out, a.tag.as_bytes());
    out.push(b')');
    let mut line = String::from_utf8_lossy(&out).into_owned();
    if a.uid {
        line.push_str(" UID");
    }
    // RFC 4731 §3.1: MIN, MAX and ALL only when something matched.
    if let (Some(first), Some(last)) = (a.hits.first(), a.hits.last()) {
        if a.ret.min {
            line.push_str(&format!(" MIN {}", first.number));
        }
        if a.ret.max {
            line.push_str(&format!(" MAX {}", last.number));
        }
        if a.ret.all {
            let numbers: Vec<u32> = a.hits.iter().map(|h| h.number).collect();
            line.push_str(&format!(" ALL {}", compact_set(&numbers)));
        }
    }
    if a.ret.count {
        line.push_str(&format!(" COUNT {}", a.hits.len()));
    }
    if let Some(partial) = a.ret.partial {
        let numbers: Vec<u32> = a.hits.iter().map(|h| h.number).collect();
        line.push_str(&partial.render(&numbers));
    }
    let modseq = reported(&a.ret, a.hits).iter().map(|h| h.modseq).max();
    if let Some(m) = modseq.filter(|_| a.with_modseq) {
        line.push_str(&format!(" MODSEQ {m}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hits(numbers: &[u32]) -> Vec<Hit> {
        numbers
            .iter()
            .map(|&n| Hit {
                number: n,
                modseq: 100 + u64::from(n),
            })
            .collect()
    }

    fn answer(ret: SearchReturn, hits: &[Hit], with_modseq: bool) -> String {
        line(&Answer {
            tag: "t",
            uid: false,
            ret,
            hits,
            with_modseq,
        })
    }

    #[test]
    fn sorted_answers_keep_their_order_and_name_the_first_and_last_sorted() {
        let h = hits(&[7, 3, 4, 5, 1]);
        let ret = SearchReturn {
            min: true,
            max: true,
            all: true,
            count: true,
            ..SearchReturn::default()
        };
        assert_eq!(
            answer(ret, &h, false),
            "* ESEARCH (TAG \"t\") MIN 7 MAX 1 ALL 7,3:5,1 COUNT 5"
        );
    }

    #[test]
    fn min_alone_reports_that_messages_modseq_and_nothing_matched_only_counts() {
        let h = hits(&[7, 3, 9]);
        let min = SearchReturn {
            min: true,
            ..SearchReturn::default()
        };
        assert_eq!(
            answer(min, &h, true),
            "* ESEARCH (TAG \"t\") MIN 7 MODSEQ 107"
        );
        let count = SearchReturn {
            count: true,
            all: true,
            ..SearchReturn::default()
        };
        assert_eq!(answer(count, &[], true), "* ESEARCH (TAG \"t\") COUNT 0");
    }
}
