//! Heap bytes held per stored message against its raw size, counted by a counting global
//! allocator (live bytes = allocated - freed), not estimated. Prints `MEMORY` lines.

#[path = "workloads/mod.rs"]
mod workloads;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size(), Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        LIVE.fetch_add(new, Ordering::Relaxed);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

fn live() -> usize {
    LIVE.load(Ordering::Relaxed)
}

fn main() {
    let n = 10_000;
    let before = live();
    let store = workloads::mailbox_store(n);
    let held = live() - before;
    let raw = workloads::raw_bytes(&store);
    let raw_per = raw as f64 / n as f64;
    let report = |what: &str, heap: usize| {
        let per = heap as f64 / n as f64;
        println!(
            "MEMORY {what}: {n} msgs, heap {heap} B, raw {raw} B; per message {per:.0} B heap vs {raw_per:.0} B raw ({:+.0} B, x{:.2})",
            per - raw_per,
            per / raw_per
        );
        per
    };
    let cold = report("stored", held);
    let mut store = store;
    let session = workloads::imap_login(&mut store);
    let mut fx = workloads::ImapFixture { store, session };
    fx.run(workloads::SELECT);
    report("after SELECT", live() - before);
    // Whatever the store caches next to the raw bytes once every message was FETCHed
    // (ENVELOPE, BODYSTRUCTURE) and searched is counted here.
    fx.run(workloads::FETCH_ALL);
    report(
        "after FETCH (FLAGS ENVELOPE BODYSTRUCTURE)",
        live() - before,
    );
    fx.run(workloads::SEARCH_TEXT);
    fx.run(workloads::UID_SEARCH);
    let warm = report("after FETCH and SEARCH", live() - before);
    println!("RESULT memory_per_msg_stored {cold:.0} 1 B");
    println!("RESULT memory_per_msg_after_fetch {warm:.0} 1 B");
    println!("RESULT memory_raw_per_msg {raw_per:.0} 1 B");
}
