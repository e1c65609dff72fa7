//! CONTEXT=SEARCH (RFC 5267 §4): SEARCH RETURN (UPDATE) leaves an update context behind, and
//! while the mailbox stays selected the session tells the client how the result changes, in
//! `* ESEARCH (TAG "t") ADDTO (0 set)` and `REMOVEFROM (0 set)` lines (§4.3.2-§4.3.4;
//! position 0: the client keeps the result in mailbox order). CANCELUPDATE ends a context
//! (§4.3.5). PARTIAL's range is [`Partial`] (§4.4).
//!
//! What the search names by sequence number, `$` or `*` is fixed when the command arrives
//! (§4.3: "evaluated at the time the command is received"), so a context keeps its key with
//! those turned into UIDs. OLDER and YOUNGER are measured from that moment too.

use super::response::{compact_set, string};
use super::search::{matches, Candidate, SearchKey};
use super::sequence::{SeqNum, SequenceSet};
use crate::ordered::SortedSet;
use crate::store::Folder;

/// How many update contexts a session may hold; more get `NO [NOUPDATE "tag"]` (§4.3.1).
pub const MAX_CONTEXTS: usize = 8;

/// PARTIAL's range (RFC 5267 §4.4): positions in the result, counted from 1; `500:400` is
/// `400:500`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    pub first: u32,
    pub last: u32,
}

impl Partial {
    pub fn new(a: u32, b: u32) -> Partial {
        Partial {
            first: a.min(b),
            last: a.max(b),
        }
    }

    /// ` PARTIAL (first:last set)`, or `NIL` for no result in the range (§4.4, §5).
    pub fn render(&self, numbers: &[u32]) -> String {
        let from = (self.first as usize).saturating_sub(1);
        let to = (self.last as usize).min(numbers.len());
        let picked = numbers.get(from..to).unwrap_or(&[]);
        let set = if picked.is_empty() {
            "NIL".to_string()
        } else {
            compact_set(picked)
        };
        format!(" PARTIAL ({}:{} {set})", self.first, self.last)
    }
}

/// One SEARCH RETURN (UPDATE) whose result the client keeps.
#[derive(Debug, Clone)]
pub struct UpdateContext {
    /// The tag of the searching command, which every update names.
    pub tag: String,
    /// UID SEARCH: updates in UIDs, else in sequence numbers (§4.3.2).
    pub uid: bool,
    /// The search, with sequence numbers, `$` and `*` fixed as UIDs.
    pub key: SearchKey,
    /// The unix time OLDER and YOUNGER are measured from.
    pub now: i64,
    /// The UIDs in the result as last told, ascending.
    pub result: Vec<u32>,
}

/// The mailbox as a session sees it: UIDs in sequence order, its `\Recent` ones and `$`.
pub struct View<'a> {
    pub uids: &'a [u32],
    pub recent: &'a SortedSet<u32>,
    pub saved: &'a [u32],
}

impl View<'_> {
    /// The UIDs of the messages of `f` in this view that match `key`, ascending.
    pub fn matching(&self, f: &Folder, key: &SearchKey, now: i64) -> Vec<u32> {
        let max_uid = self.uids.last().copied().unwrap_or(0);
        let mut hits = Vec::new();
        for (i, &u) in self.uids.iter().enumerate() {
            let Some(m) = f.by_uid(u) else { continue };
            let c = Candidate {
                msg: m,
                seq: i as u32 + 1,
                recent: self.recent.contains(&u),
                exists: self.uids.len() as u32,
                max_uid,
                saved: self.saved,
                now,
            };
            if matches(key, &c) {
                hits.push(u);
            }
        }
        hits
    }

    /// `key` with what a sequence number, `$` or `*` names now written as UIDs (§4.3).
    pub fn freeze(&self, key: &SearchKey) -> SearchKey {
        use SearchKey as K;
        let max_uid = self.uids.last().copied().unwrap_or(0);
        match key {
            K::Seq(set) | K::Uid(set) if set.is_saved() => K::Uid(uid_set(self.saved)),
            K::Seq(set) => {
                let exists = self.uids.len() as u32;
                let named: Vec<u32> = (1..=exists)
                    .filter(|&n| set.contains(n, exists))
                    .filter_map(|n| self.uids.get(n as usize - 1).copied())
                    .collect();
                K::Uid(uid_set(&named))
            }
            K::Uid(set) => K::Uid(SequenceSet(
                set.0
                    .iter()
                    .map(|&(a, b)| (fix_star(a, max_uid), fix_star(b, max_uid)))
                    .collect(),
            )),
            K::Not(k) => K::Not(Box::new(self.freeze(k))),
            K::Or(a, b) => K::Or(Box::new(self.freeze(a)), Box::new(self.freeze(b))),
            K::And(keys) => K::And(keys.iter().map(|k| self.freeze(k)).collect()),
            other => other.clone(),
        }
    }
}

fn fix_star(n: SeqNum, max_uid: u32) -> SeqNum {
    match n {
        SeqNum::Star => SeqNum::Value(max_uid),
        v => v,
    }
}

/// The ascending `uids` as a set of ranges (empty: a set nothing is in).
fn uid_set(uids: &[u32]) -> SequenceSet {
    let mut ranges: Vec<(SeqNum, SeqNum)> = Vec::new();
    for &u in uids {
        match ranges.last_mut() {
            Some((_, SeqNum::Value(end))) if end.checked_add(1) == Some(u) => *end = u,
            _ => ranges.push((SeqNum::Value(u), SeqNum::Value(u))),
        }
    }
    SequenceSet(ranges)
}

/// What changed in one context: the lines to send before the EXPUNGEs (removals, numbered in
/// the view before them: §4.3.4) and after EXISTS (additions, numbered in the new view:
/// §4.3.3).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Updates {
    pub before: Vec<String>,
    pub after: Vec<String>,
}

impl UpdateContext {
    /// Re-runs the search on the view `now_view` (the view `old` before this round of
    /// changes) and returns the ADDTO and REMOVEFROM lines for the difference.
    pub fn update(&mut self, f: &Folder, old: &[u32], now_view: &View<'_>) -> Updates {
        let result = now_view.matching(f, &self.key, self.now);
        let gone: Vec<u32> = self
            .result
            .iter()
            .copied()
            .filter(|u| result.binary_search(u).is_err())
            .collect();
        let added: Vec<u32> = result
            .iter()
            .copied()
            .filter(|u| self.result.binary_search(u).is_err())
            .collect();
        self.result = result;
        let mut out = Updates::default();
        let numbers = |uids: &[u32], view: &[u32]| -> Vec<u32> {
            if self.uid {
                return uids.to_vec();
            }
            uids.iter()
                .filter_map(|u| view.binary_search(u).ok().map(|i| i as u32 + 1))
                .collect()
        };
        let gone = numbers(&gone, old);
        if !gone.is_empty() {
            out.before.push(self.line("REMOVEFROM", &gone));
        }
        let added = numbers(&added, now_view.uids);
        if !added.is_empty() {
            out.after.push(self.line("ADDTO", &added));
        }
        out
    }

    fn line(&self, item: &str, numbers: &[u32]) -> String {
        let mut tag = Vec::new();
        string(&mut tag, self.tag.as_bytes());
        format!(
            "* ESEARCH (TAG {}){} {item} (0 {})",
            String::from_utf8_lossy(&tag),
            if self.uid { " UID" } else { "" },
            compact_set(numbers)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_ranges_count_from_one_and_say_nil_past_the_end() {
        let numbers = [4, 5, 6, 9, 12];
        assert_eq!(Partial::new(2, 4).render(&numbers), " PARTIAL (2:4 5:6,9)");
        assert_eq!(Partial::new(5, 3).render(&numbers), " PARTIAL (3:5 6,9,12)");
        assert_eq!(Partial::new(6, 9).render(&numbers), " PARTIAL (6:9 NIL)");
    }

    #[test]
    fn sequence_numbers_and_saved_results_are_fixed_as_uids() {
        let uids = [3, 7, 8, 20];
        let recent = SortedSet::new();
        let view = View {
            uids: &uids,
            recent: &recent,
            saved: &[8],
        };
        let seq = SearchKey::Seq(SequenceSet::parse(b"2:*").unwrap());
        assert_eq!(
            view.freeze(&seq),
            SearchKey::Uid(SequenceSet::parse(b"7:8,20").unwrap())
        );
        let saved = SearchKey::Not(Box::new(SearchKey::Seq(SequenceSet::saved())));
        assert_eq!(
            view.freeze(&saved),
            SearchKey::Not(Box::new(SearchKey::Uid(SequenceSet::parse(b"8").unwrap())))
        );
        let star = SearchKey::Uid(SequenceSet::parse(b"5:*").unwrap());
        assert_eq!(
            view.freeze(&star),
            SearchKey::Uid(SequenceSet::parse(b"5:20").unwrap())
        );
    }
}
