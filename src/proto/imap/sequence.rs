//! Sequence sets (RFC 3501 §9 `sequence-set`): `1,3:5,7:*`. Ranges may be written in either
//! order; `*` is the largest number in use (the last message's sequence number or UID).

/// One end of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqNum {
    Value(u32),
    /// `*`
    Star,
}

impl SeqNum {
    fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNum::Value(v) => v,
            SeqNum::Star => largest,
        }
    }
}

/// A parsed sequence set: ranges, each `(a, b)` with `a == b` for a single number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSet(pub Vec<(SeqNum, SeqNum)>);

impl SequenceSet {
    /// `$`: the result SEARCH RETURN (SAVE) kept (RFC 5182 §2.1). Written as the one range
    /// `0:0`, which no parsed set can be (numbers start at 1).
    pub fn saved() -> SequenceSet {
        SequenceSet(vec![(SeqNum::Value(0), SeqNum::Value(0))])
    }

    /// This is `$` (see [`SequenceSet::saved`]).
    pub fn is_saved(&self) -> bool {
        self.0 == [(SeqNum::Value(0), SeqNum::Value(0))]
    }

    /// Parses `1,3:5,*`. Errors are readable reasons.
    pub fn parse(text: &[u8]) -> Result<SequenceSet, String> {
        let show = String::from_utf8_lossy(text);
        if text.is_empty() {
            return Err("Missing sequence set".into());
        }
        let mut ranges = Vec::new();
        for item in text.split(|&b| b == b',') {
            let mut ends = item.splitn(2, |&b| b == b':');
            let a = Self::num(ends.next().unwrap_or(b""), &show)?;
            let b = match ends.next() {
                Some(x) => Self::num(x, &show)?,
                None => a,
            };
            ranges.push((a, b));
        }
        Ok(SequenceSet(ranges))
    }

    fn num(t: &[u8], show: &str) -> Result<SeqNum, String> {
        if t == b"*" {
            return Ok(SeqNum::Star);
        }
        let n: u32 = std::str::from_utf8(t)
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("Invalid sequence set {show}"))?;
        if n == 0 {
            return Err(format!("Invalid sequence set {show}: numbers start at 1"));
        }
        Ok(SeqNum::Value(n))
    }

    /// True when `n` is in the set, with `*` meaning `largest`.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        self.0.iter().any(|&(a, b)| {
            let (a, b) = (a.resolve(largest), b.resolve(largest));
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            (lo..=hi).contains(&n)
        })
    }

    /// The largest explicit number in the set (to check message sequence numbers are in range).
    pub fn max_value(&self) -> u32 {
        self.0
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter_map(|n| match n {
                SeqNum::Value(v) => Some(v),
                SeqNum::Star => None,
            })
            .max()
            .unwrap_or(0)
    }

    /// The set as sorted, merged, inclusive intervals, `*` read as `largest`.
    pub fn intervals(&self, largest: u32) -> Vec<(u32, u32)> {
        let mut v: Vec<(u32, u32)> = self
            .0
            .iter()
            .map(|&(a, b)| {
                let (a, b) = (a.resolve(largest), b.resolve(largest));
                if a <= b {
                    (a, b)
                } else {
                    (b, a)
                }
            })
            .collect();
        crate::sorting::sort(&mut v);
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        merged
    }

    /// Message sequence numbers (1-based) selected from `exists` messages, ascending.
    /// Err when a number is beyond `exists` (RFC 3501 §9: an invalid message sequence number).
    pub fn seqs(&self, exists: u32) -> Result<Vec<u32>, String> {
        if self.max_value() > exists {
            return Err(format!(
                "Invalid message sequence number {} (the mailbox has {exists} messages)",
                self.max_value()
            ));
        }
        if exists == 0 {
            return Err("No messages in the mailbox".into());
        }
        Ok(self
            .intervals(exists)
            .into_iter()
            .flat_map(|(lo, hi)| lo.max(1)..=hi.min(exists))
            .collect())
    }

    /// Indexes (0-based) of the `uids` (ascending) that the set selects when read as UIDs.
    /// Non-existent UIDs are ignored (RFC 3501 §6.4.8).
    pub fn uid_indexes(&self, uids: &[u32]) -> Vec<usize> {
        let largest = uids.last().copied().unwrap_or(0);
        let mut out = Vec::new();
        for (lo, hi) in self.intervals(largest) {
            let start = uids.partition_point(|&u| u < lo);
            let end = uids.partition_point(|&u| u <= hi);
            out.extend(start..end);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_stars_and_reversed_ranges() {
        let s = SequenceSet::parse(b"2,4:3,7:*").unwrap();
        assert_eq!(s.seqs(8).unwrap(), vec![2, 3, 4, 7, 8]);
        let s = SequenceSet::parse(b"*:5").unwrap();
        assert_eq!(s.seqs(6).unwrap(), vec![5, 6]);
        assert!(SequenceSet::parse(b"9").unwrap().seqs(3).is_err());
        assert!(SequenceSet::parse(b"0").is_err());
        assert!(SequenceSet::parse(b"1:x").is_err());
        assert!(SequenceSet::parse(b"1,,2").is_err());
    }

    #[test]
    fn uid_sets_ignore_missing_uids_and_star_is_the_last_uid() {
        let uids = [3, 5, 9];
        let s = SequenceSet::parse(b"4:*").unwrap();
        assert_eq!(s.uid_indexes(&uids), vec![1, 2]);
        // `n:*` with n beyond the last UID still selects the last message.
        assert_eq!(
            SequenceSet::parse(b"100:*").unwrap().uid_indexes(&uids),
            vec![2]
        );
        assert!(SequenceSet::parse(b"1:2")
            .unwrap()
            .uid_indexes(&uids)
            .is_empty());
    }
}
