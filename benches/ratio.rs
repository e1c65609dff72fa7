//! Every workload once with fixed counts, timed with `std::time::Instant`: the native half of
//! the wasm/native table (`tests/wasm_bench.rs` is the wasm half; `scripts/bench.sh` joins
//! them). Prints `RESULT <workload> <ms> <units> <unit>` lines.

#[path = "workloads/mod.rs"]
mod workloads;

fn main() {
    // `cargo bench --bench ratio -- NAME...` runs only the workloads whose names contain one
    // of the NAMEs (`cargo bench` itself passes `--bench`, ignored here).
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let want = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64() * 1000.0;
    workloads::run_all(&clock, &mut |t| println!("{}", t.line()), &want);
}
