//! One sort for the whole crate (issue 29: the page's weight). Each `slice::sort_by` with its
//! own element type or closure, and each `collect()` into a `SortedMap` or `SortedSet` (which
//! sorts its input first), compiles the standard library's stable sort once more: about 4 KB
//! of wasm each, some 80 KB in the page. These helpers send every such sort through
//! [`sort_indices`], which is not generic and so is compiled once; what stays generic per
//! call is a few lines that move the elements into their places. Native builds (the bridge, the
//! benchmarks) sort in place with the standard library, where size does not matter and speed
//! does.

use crate::ordered::{SortedMap, SortedSet};
use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal elements in their order (as `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(target_arch = "wasm32")]
    sort_by_positions(items, compare);
    #[cfg(not(target_arch = "wasm32"))]
    items.sort_by(compare);
}

/// Sorts `items` in their own order (as `slice::sort`; where `sort_unstable` was used, the
/// order is total, so a stable sort gives the same result).
pub fn sort<T: Ord>(items: &mut [T]) {
    #[cfg(target_arch = "wasm32")]
    sort_by_positions(items, T::cmp);
    #[cfg(not(target_arch = "wasm32"))]
    items.sort_unstable();
}

/// [`sort_by`] through [`sort_indices`] (the wasm's way; natively only its test runs it).
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn sort_by_positions<T>(items: &mut [T], mut compare: impl FnMut(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    sort_indices(&mut order, &mut |a, b| compare(&items[a], &items[b]));
    permute(items, &mut order);
}

/// Sorts `items` by the key `key` gives each, keeping equal keys in their order (as
/// `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)))
}

/// The set of `items` (as `collect::<SortedSet<_>>()`, without its sort).
pub fn set_of<T: Ord>(items: impl IntoIterator<Item = T>) -> SortedSet<T> {
    let mut set = SortedSet::new();
    for item in items {
        set.insert(item);
    }
    set
}

/// The map of `pairs`, the last value kept for a key given twice (as
/// `collect::<SortedMap<_, _>>()`, without its sort).
pub fn map_of<K: Ord, V>(pairs: impl IntoIterator<Item = (K, V)>) -> SortedMap<K, V> {
    let mut map = SortedMap::new();
    for (key, value) in pairs {
        map.insert(key, value);
    }
    map
}

/// The crate's one stable sort: of positions, by what `compare` says of the elements there.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn sort_indices(order: &mut [usize], compare: &mut dyn FnMut(usize, usize) -> Ordering) {
    order.sort_by(|&a, &b| compare(a, b));
}

/// Puts `items[order[i]]` at `i`, following each cycle of the permutation with swaps;
/// `order` ends as the identity.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn permute<T>(items: &mut [T], order: &mut [usize]) {
    for start in 0..items.len() {
        let mut at = start;
        loop {
            let from = order[at];
            order[at] = at;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_as_the_standard_library_does_and_keeps_equal_elements_in_order() {
        let mut seed = 7u64;
        for len in 0..40 {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    ((seed >> 60) as u8, i)
                })
                .collect();
            let mut want = items.clone();
            want.sort_by_key(|x| x.0);
            sort_by_positions(&mut items, |a, b| a.0.cmp(&b.0));
            assert_eq!(items, want, "length {len}");
        }
    }

    #[test]
    fn collects_keep_the_last_value_of_a_key_as_collect_does() {
        let pairs = [(2, "a"), (1, "b"), (2, "c")];
        assert_eq!(
            map_of(pairs),
            pairs.into_iter().collect::<SortedMap<_, _>>()
        );
        assert_eq!(set_of([3, 1, 3]), SortedSet::from([1, 3]));
    }
}
