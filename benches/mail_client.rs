//! The page's IMAP client listing a big INBOX over the virtual network, natively: how long
//! until the list's rows are there (wall time, and the world's virtual time), how many bytes
//! crossed the network, and the heap the world held at its peak while it ran (a counting
//! allocator, not an estimate). Then opening the newest message (its body is fetched then).
//! For comparison, the old way of listing: `UID FETCH 1:* (UID FLAGS BODY.PEEK[])` on a raw
//! connection, every body downloaded. Prints `RESULT` lines; numbers, not assertions.
//!
//!   cargo bench --bench mail_client             # 5,000 and 100,000 messages
//!   cargo bench --bench mail_client -- 20000    # other sizes

#[path = "workloads/mod.rs"]
mod workloads;

use mail_sandbox::sandbox::mail_client::{run_task, ImapAction, Outcome, Task, TaskStatus};
use mail_sandbox::sandbox::{default_world, World};
use mail_sandbox::store::{Flag, Flags};
use mail_sandbox::time::Duration;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        grew(l.size());
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        grew(new);
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
        System.realloc(p, l, new)
    }
}

#[global_allocator]
static A: Counting = Counting;

const MB: f64 = 1024.0 * 1024.0;

/// A default world whose boss has `n` small messages in INBOX.
fn world_with(n: usize) -> (World, mail_sandbox::sandbox::DefaultWorld) {
    let (mut w, d) = default_world(1);
    for i in 0..n {
        let mut flags = Flags::new();
        if i % 10 != 0 {
            flags.insert(Flag::Seen);
        }
        w.store
            .deliver(
                "boss@corp.example",
                "INBOX",
                workloads::small_message(i),
                flags,
                workloads::T0 + i as i64 * 420,
            )
            .expect("deliver");
    }
    (w, d)
}

/// Bytes the trace saw on one connection (both ways).
fn wire_bytes(w: &World, conn: mail_sandbox::net::ConnId) -> usize {
    w.connections_seen()
        .iter()
        .filter(|c| c.conn == conn)
        .map(|c| c.bytes)
        .sum()
}

/// Runs `task` to its end: wall ms, virtual ms, peak heap above the start, wire bytes.
fn measure(w: &mut World, mut task: Task) -> (TaskStatus, f64, u64, usize, usize) {
    let conn = task.conn();
    let v0 = w.now();
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    let t0 = std::time::Instant::now();
    let st = run_task(w, &mut task);
    let wall = t0.elapsed().as_secs_f64() * 1000.0;
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let virt = (w.now() - v0).as_millis();
    (st, wall, virt, peak, wire_bytes(w, conn))
}

fn list_and_open(n: usize) {
    let (mut w, d) = world_with(n);
    let task = Task::imap(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        ImapAction::Open {
            folder: "INBOX".into(),
        },
    )
    .expect("connect");
    let (st, wall, virt, peak, bytes) = measure(&mut w, task);
    let TaskStatus::Done(Outcome::Mailbox {
        messages, total, ..
    }) = st
    else {
        panic!("listing failed: {st:?}")
    };
    println!(
        "LIST {n} msgs: {} rows of {total} in {wall:.1} ms wall ({virt} ms virtual), {:.2} MB on the wire, peak heap +{:.1} MB",
        messages.len(),
        bytes as f64 / MB,
        peak as f64 / MB
    );
    println!(
        "RESULT mail_client_list_{n} {wall:.1} {} rows",
        messages.len()
    );
    println!(
        "RESULT mail_client_list_{n}_peak_heap {:.1} 1 MB",
        peak as f64 / MB
    );
    let newest = messages.last().map(|m| m.id).expect("a row");
    let task = Task::imap(
        &mut w,
        d.recipient_pc,
        "mx.corp.example",
        "boss",
        "boss",
        ImapAction::Read {
            folder: "INBOX".into(),
            uid: newest,
        },
    )
    .expect("connect");
    let (st, wall, virt, _, bytes) = measure(&mut w, task);
    assert!(
        matches!(st, TaskStatus::Done(Outcome::Message(_))),
        "{st:?}"
    );
    println!(
        "READ {n} msgs: the newest message whole in {wall:.1} ms wall ({virt} ms virtual), {:.3} MB on the wire",
        bytes as f64 / MB
    );
    println!("RESULT mail_client_read_{n} {wall:.1} 1 msg");
}

/// The old listing: every body, on a raw connection that keeps only a count of the bytes.
fn every_body(n: usize) {
    let (mut w, d) = world_with(n);
    let conn = w
        .connect(d.recipient_pc, "mx.corp.example", 143)
        .expect("connect");
    if let Some(e) = w.endpoint_mut(conn) {
        e.inbox_limit = usize::MAX;
    }
    PEAK.store(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
    let base = LIVE.load(Ordering::Relaxed);
    let v0 = w.now();
    let t0 = std::time::Instant::now();
    w.send(
        conn,
        b"a LOGIN boss boss\r\nb SELECT INBOX\r\nc UID FETCH 1:* (UID FLAGS BODY.PEEK[])\r\nd LOGOUT\r\n",
    );
    let mut got = 0usize;
    let mut tail = Vec::new();
    for _ in 0..1_000_000 {
        let t = w.now() + Duration::from_millis(10);
        w.run_until(t);
        let chunk = w.take_received(conn);
        got += chunk.len();
        tail.extend_from_slice(&chunk);
        if tail.windows(4).any(|x| x == b"d OK") {
            break;
        }
        let keep = tail.len().saturating_sub(8);
        tail.drain(..keep);
    }
    let wall = t0.elapsed().as_secs_f64() * 1000.0;
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    println!(
        "EVERY BODY {n} msgs: {:.2} MB answered in {wall:.1} ms wall ({} ms virtual), peak heap +{:.1} MB",
        got as f64 / MB,
        (w.now() - v0).as_millis(),
        peak as f64 / MB
    );
    println!("RESULT mail_client_every_body_{n} {wall:.1} 1 listing");
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![5_000, 100_000]
    } else {
        sizes
    };
    for n in sizes {
        list_and_open(n);
        every_body(n);
    }
}
