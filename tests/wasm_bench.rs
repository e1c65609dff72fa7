//! The wasm half of the wasm/native table: the same workloads and counts as `benches/ratio.rs`,
//! timed with `performance.now()` in headless Chromium. Not part of `cargo test` natively (empty
//! there); `scripts/bench.sh` runs it with
//! `cargo test --profile bench --target wasm32-unknown-unknown --test wasm_bench`
//! through `wasm-bindgen-test-runner` and chromedriver.
#![cfg(target_arch = "wasm32")]

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn wasm_workloads() {
    // performance.now(): sub-millisecond (Date.now() counts whole milliseconds).
    let perf = js_sys::Reflect::get(&js_sys::global(), &"performance".into()).expect("performance");
    let now: js_sys::Function = js_sys::Reflect::get(&perf, &"now".into())
        .expect("performance.now")
        .into();
    let clock = move || {
        now.call0(&perf)
            .ok()
            .and_then(|t| t.as_f64())
            .unwrap_or(0.0)
    };
    workloads::run_all(&clock, &mut |t| console_log!("{}", t.line()), &|_| true);
}
