//! What QRESYNC reports as gone (RFC 7162 §3.2.5.1, §3.2.6, §3.2.10): the UIDs for
//! `* VANISHED (EARLIER)`.

use super::response::compact_set;
use super::sequence::SequenceSet;
use crate::store::Folder;

/// The UIDs expunged from `f` since `modseq` among `known` (every UID below UIDNEXT when
/// `None`), as a compact set (`41,43:116`; empty when none).
///
/// Exact while the folder's expunge log reaches back to `modseq`. Where it was trimmed, every
/// UID in the known range that no longer exists is reported: RFC 7162 §3.2.5.1 allows this
/// answer, and a client ignores UIDs it never had.
pub fn vanished_since(f: &Folder, modseq: u64, known: Option<&SequenceSet>) -> String {
    let largest = f.uidnext.saturating_sub(1);
    let ranges: Vec<(u32, u32)> = match known {
        Some(set) => set
            .intervals(largest)
            .into_iter()
            .map(|(lo, hi)| (lo.max(1), hi.min(largest)))
            .filter(|(lo, hi)| lo <= hi)
            .collect(),
        None => vec![(1, largest)]
            .into_iter()
            .filter(|r| r.0 <= r.1)
            .collect(),
    };
    // The ranges are sorted and apart: a binary search finds the one that may hold `u`.
    let in_known = |u: u32| {
        let i = ranges.partition_point(|r| r.1 < u);
        ranges.get(i).is_some_and(|r| r.0 <= u)
    };
    let changes = f.changes_since(modseq, f.uidnext);
    if !changes.truncated {
        let mut gone: Vec<u32> = changes
            .expunged
            .into_iter()
            .filter(|&u| in_known(u))
            .collect();
        crate::sorting::sort(&mut gone);
        gone.dedup();
        return compact_set(&gone);
    }
    // The gaps between existing UIDs inside each known range, without listing UIDs one by one.
    let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
    let mut parts: Vec<String> = Vec::new();
    for (lo, hi) in ranges {
        let mut next = lo;
        let start = uids.partition_point(|&u| u < lo);
        for &u in uids[start..].iter().take_while(|&&u| u <= hi) {
            if u > next {
                parts.push(range(next, u - 1));
            }
            next = u + 1;
        }
        if next <= hi {
            parts.push(range(next, hi));
        }
    }
    parts.join(",")
}

fn range(lo: u32, hi: u32) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}:{hi}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Flags;

    fn set(s: &str) -> SequenceSet {
        SequenceSet::parse(s.as_bytes()).unwrap()
    }

    /// Six messages; 2 and 3 expunged, then 5. Returns the folder and the modseq before.
    fn folder() -> (Folder, u64) {
        let mut f = Folder::new(7, None);
        for i in 0..6 {
            f.append(
                format!("Subject: {i}\r\n\r\nx").into_bytes(),
                Flags::new(),
                0,
            );
        }
        let before = f.highest_modseq;
        f.expunge(&[2, 3]);
        f.expunge(&[5]);
        (f, before)
    }

    #[test]
    fn the_expunge_log_gives_the_exact_uids_within_the_known_ones() {
        let (f, before) = folder();
        assert_eq!(vanished_since(&f, before, None), "2:3,5");
        assert_eq!(vanished_since(&f, before, Some(&set("1:2,5:*"))), "2,5");
        assert_eq!(vanished_since(&f, f.highest_modseq, None), "");
    }

    #[test]
    fn where_the_log_was_trimmed_every_missing_known_uid_is_reported() {
        let (f, _) = folder();
        // The same folder restored with its log trimmed past modseq 1.
        let mut data = serde_json::to_value(&f).unwrap();
        data["log_floor"] = f.highest_modseq.into();
        data["expunge_log"] = serde_json::json!([]);
        let trimmed: Folder = serde_json::from_value(data).unwrap();
        assert_eq!(vanished_since(&trimmed, 1, None), "2:3,5");
        assert_eq!(vanished_since(&trimmed, 1, Some(&set("3:4,100"))), "3");
        assert_eq!(vanished_since(&trimmed, 1, Some(&set("1,4,6"))), "");
    }
}
