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

criterion_group!(benches, smtp, pop3, imap);
criterion_main!(benches);
