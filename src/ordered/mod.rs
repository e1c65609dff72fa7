//! The crate's sorted maps and sets (issue 29: the page's weight). In the wasm they are
//! [`VecMap`] and [`VecSet`], one sorted vector each, whose code is a fraction of a B-tree's
//! for each key and value type; native builds (the bridge under load, the benchmarks) keep the
//! standard library's `BTreeMap` and `BTreeSet`, whose inserts and removes stay O(log n) in a
//! mailbox of a hundred thousand messages. Both iterate in key order and serialize alike, so
//! the code above sees one type; this module's tests hold the vector ones to the B-tree's
//! answers.

#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod vec_map;
mod vec_set;

pub use vec_map::VecMap;
pub use vec_set::VecSet;

// `--cfg sorted_vec` gives a native build the wasm's maps, so the engine's tests can run on
// them: `RUSTFLAGS="--cfg sorted_vec" cargo test --lib --target-dir target/sorted-vec`.
#[cfg(any(target_arch = "wasm32", sorted_vec))]
pub use {VecMap as SortedMap, VecSet as SortedSet};

#[cfg(not(any(target_arch = "wasm32", sorted_vec)))]
pub use std::collections::{BTreeMap as SortedMap, BTreeSet as SortedSet};

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// A small pseudo-random generator, so the test is the same on every run.
    fn next(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn the_vector_map_answers_as_the_btree_map_does() {
        let mut seed = 11;
        let mut ours = VecMap::new();
        let mut theirs = BTreeMap::new();
        for step in 0..4000 {
            let key = (next(&mut seed) % 64) as u32;
            let value = next(&mut seed);
            match next(&mut seed) % 7 {
                0 | 1 => assert_eq!(ours.insert(key, value), theirs.insert(key, value)),
                2 => assert_eq!(ours.remove(&key), theirs.remove(&key)),
                3 => {
                    *ours.entry(key).or_insert(value) += 1;
                    *theirs.entry(key).or_insert(value) += 1;
                }
                4 => {
                    ours.retain(|k, v| !(*k as u64 + *v).is_multiple_of(5));
                    theirs.retain(|k, v| !(*k as u64 + *v).is_multiple_of(5));
                }
                5 => assert_eq!(ours.pop_first(), theirs.pop_first()),
                _ => assert_eq!(ours.get(&key), theirs.get(&key)),
            }
            assert!(ours.iter().eq(theirs.iter()), "step {step}");
        }
        let low = 10u32;
        let high = 40u32;
        assert!(ours.range(low..high).eq(theirs.range(low..high)));
        assert!(ours.range(low..=high).eq(theirs.range(low..=high)));
        assert!(ours.range(low..).eq(theirs.range(low..)));
        assert!(ours.range(..high).eq(theirs.range(..high)));
        assert!(ours.range(high..high).eq(theirs.range(high..high)));
        let open_low = (
            std::ops::Bound::Excluded(low),
            std::ops::Bound::Included(high),
        );
        assert!(ours.range(open_low).eq(theirs.range(open_low)));
        assert_eq!(ours.first_key_value(), theirs.first_key_value());
        assert_eq!(ours.last_key_value(), theirs.last_key_value());
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value_as_the_btree_map_does() {
        let pairs = [(2, "a"), (1, "b"), (2, "c")];
        let ours: VecMap<_, _> = pairs.into_iter().collect();
        let theirs: BTreeMap<_, _> = pairs.into_iter().collect();
        assert!(ours.iter().eq(theirs.iter()));
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
        assert_eq!(ours[&2], "c");
    }

    #[test]
    fn string_keys_are_found_by_str() {
        let mut map = VecMap::new();
        map.insert("corp.example".to_string(), 1);
        assert_eq!(map.get("corp.example"), Some(&1));
        assert!(map.contains_key("corp.example"));
        assert_eq!(map.remove("corp.example"), Some(1));
        assert!(map.is_empty());
    }

    #[test]
    fn the_vector_set_answers_as_the_btree_set_does() {
        let mut seed = 5;
        let mut ours = VecSet::new();
        let mut theirs = BTreeSet::new();
        for step in 0..2000 {
            let item = (next(&mut seed) % 50) as u16;
            match next(&mut seed) % 4 {
                0 | 1 => assert_eq!(ours.insert(item), theirs.insert(item)),
                2 => assert_eq!(ours.remove(&item), theirs.remove(&item)),
                _ => assert_eq!(ours.contains(&item), theirs.contains(&item)),
            }
            assert!(ours.iter().eq(theirs.iter()), "step {step}");
        }
        assert_eq!(ours.first(), theirs.first());
        assert_eq!(ours.last(), theirs.last());
        assert!(ours.range(10..20).eq(theirs.range(10..20)));
        assert_eq!(ours.pop_first(), theirs.pop_first());
        let other: VecSet<u16> = (0..50).filter(|n| n % 3 == 0).collect();
        let other_theirs: BTreeSet<u16> = other.iter().copied().collect();
        assert!(ours
            .symmetric_difference(&other)
            .eq(theirs.symmetric_difference(&other_theirs)));
    }

    #[test]
    fn both_serialize_as_the_btree_ones_do() {
        let ours: VecMap<String, VecSet<u32>> = VecMap::from([
            ("b".into(), VecSet::from([3, 1])),
            ("a".into(), VecSet::new()),
        ]);
        let theirs: BTreeMap<String, BTreeSet<u32>> = BTreeMap::from([
            ("b".into(), BTreeSet::from([3, 1])),
            ("a".into(), BTreeSet::new()),
        ]);
        let json = serde_json::to_string(&ours).unwrap();
        assert_eq!(json, serde_json::to_string(&theirs).unwrap());
        let back: VecMap<String, VecSet<u32>> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ours);
        // Out of order and repeated on the way in: sorted, the last value kept.
        let read: VecMap<u32, u32> = serde_json::from_str(r#"{"2":1,"1":2,"2":3}"#).unwrap();
        assert!(read.iter().eq(BTreeMap::from([(1, 2), (2, 3)]).iter()));
    }
}
