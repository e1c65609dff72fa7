//! Every workload once with fixed counts, timed with `std::time::Instant`: the native half of
//! the wasm/native table (`tests/wasm_bench.rs` is the wasm half; `scripts/bench.sh` joins
//! them). Prints `RESULT <workload> <ms> <units> <unit>` lines.

#[path = "workloads/mod.rs"]
mod workloads;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument (not starting with `-`) is ignored.
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64() * 1000.0;
    workloads::run_all(&clock, &mut |t| println!("{}", t.line()));
}
