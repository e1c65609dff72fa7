//! Criterion benchmarks of the engine, no network I/O (sessions driven directly, or a virtual
//! world). Keep runs short on shared machines:
//! `cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3`.
//! The workloads live in `benches/workloads/mod.rs` (shared with the wasm bench).

#[path = "workloads/mod.rs"]
mod workloads;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use workloads::*;

fn smtp(c: &mut Criterion) {
    let mut g = c.benchmark_group("smtp_ingest");
    g.sample_size(10);
    for (label, size, count) in [("4k", 4 * 1024, 200usize), ("1m", 1024 * 1024, 2)] {
        let fx = SmtpFixture::new(size);
        for pipelined in [true, false] {
            let name = format!(
                "{label}_{}",
                if pipelined { "pipelined" } else { "lockstep" }
            );
            g.throughput(Throughput::Elements(count as u64));
            g.bench_function(&name, |b| b.iter(|| black_box(fx.ingest(count, pipelined))));
        }
    }
    g.finish();

    let mut g = c.benchmark_group("world");
    g.sample_size(10);
    g.throughput(Throughput::Elements(50));
    g.bench_function("submit_relay_mx_mailbox", |b| {
        b.iter_batched_ref(
            WorldFixture::new,
            |w| black_box(w.submit_and_deliver(50)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn pop3(c: &mut Criterion) {
    let mut g = c.benchmark_group("pop3");
    g.sample_size(10);
    let mut store = mailbox_store(10_000);
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("retr_all_10k", |b| {
        b.iter(|| black_box(pop3_retr_all(&mut store)))
    });
    g.finish();
}

fn imap(c: &mut Criterion) {
    for (n, label) in [(10_000usize, "10k"), (100_000, "100k")] {
        let mut g = c.benchmark_group(format!("imap_{label}"));
        g.sample_size(10);
        let mut fx = ImapFixture::new(n);
        g.throughput(Throughput::Elements(1));
        g.bench_function("select", |b| b.iter(|| black_box(fx.run(SELECT))));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("fetch_flags_envelope_bodystructure", |b| {
            b.iter(|| black_box(fx.run(FETCH_ALL)))
        });
        g.bench_function("search_text", |b| b.iter(|| black_box(fx.run(SEARCH_TEXT))));
        g.bench_function("uid_search_subject", |b| {
            b.iter(|| black_box(fx.run(UID_SEARCH)))
        });
        g.finish();
    }
}

/// What the page pays per tick for an active challenge: `Watch::status` (the store's messages
/// parsed for the mailbox checks, the observed sessions walked), for all ten challenges after
/// an IMAP session of boss (LOGIN, SELECT, SEARCH, STORE) was observed.
fn challenge(c: &mut Criterion) {
    use mail_sandbox::learn::challenge::{builtin, Watch};
    use mail_sandbox::sandbox::journey::Journey;
    use mail_sandbox::time::Duration;
    let all = builtin();
    let (mut world, hosts) = all[0].fresh_world();
    let mut journey = Journey::new(&world);
    let mut watches: Vec<Watch> = all.iter().map(|ch| Watch::new(ch, &world)).collect();
    let conn = world
        .connect(hosts.recipient_pc, "mx.corp.example", 143)
        .expect("connect");
    for line in [
        "a1 LOGIN boss boss",
        "a2 SELECT INBOX",
        "a3 SEARCH TEXT figures.csv",
        "a4 STORE 2 +FLAGS (\\Flagged)",
    ] {
        world.send(conn, format!("{line}\r\n").as_bytes());
        let t = world.now() + Duration::from_millis(300);
        world.run_until(t);
    }
    let events: Vec<_> = std::iter::from_fn(|| world.poll_event_stamped()).collect();
    let hops = journey.poll(&world, &events);
    for w in &mut watches {
        w.observe(&world, &hops);
    }
    let mut g = c.benchmark_group("challenge");
    g.throughput(Throughput::Elements(watches.len() as u64));
    g.bench_function("status_of_all_ten", |b| {
        b.iter(|| {
            watches
                .iter()
                .filter(|w| black_box(w.status(&world)).is_solved())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, smtp, pop3, imap, challenge);
criterion_main!(benches);
