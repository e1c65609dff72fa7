#!/usr/bin/env bash
# Measures Mail Sandbox and prints one table: each engine workload natively and in wasm
# (headless Chromium) with the wasm/native ratio, memory per stored message, the release
# bundle sizes (raw, gzip, brotli), the time from navigation to an interactive page and what the
# page costs at rest.
#
#   scripts/bench.sh                 # everything (criterion first, then the table)
#   SKIP_CRITERION=1 scripts/bench.sh  # only the table
#
# Runs are kept short for shared machines (criterion: 1 s warm-up, 3 s measurement, 10
# samples). Not part of scripts/test.sh (too slow); test.sh only checks the benches compile.
set -euo pipefail
cd "$(dirname "$0")/.."
# Release builds that never open the page: no page built into the bridge (README "Install").
export MAIL_SANDBOX_PAGE=off
. scripts/setup.sh --browser
if ! command -v brotli >/dev/null; then
  echo "[bench] installing Debian's brotli" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
fi

out=target/bench-report
mkdir -p "$out"
step() { printf '\n==> %s\n' "$*" >&2; }

if [ -z "${SKIP_CRITERION:-}" ]; then
  step "criterion (cargo bench --bench engine)"
  cargo bench --bench engine -- --warm-up-time 1 --measurement-time 3 2>&1 | tee "$out/criterion.txt" |
    grep -E '^[a-z_0-9]+/|time:|thrpt:' >&2 || true
fi

step "native workloads (cargo bench --bench ratio)"
cargo bench --bench ratio 2>/dev/null | grep '^RESULT' | tee "$out/native-1.txt" >&2

step "memory per stored message (cargo bench --bench memory)"
cargo bench --bench memory 2>/dev/null | tee "$out/memory-full.txt" | grep '^MEMORY' >&2
grep '^RESULT' "$out/memory-full.txt" >"$out/memory.txt"

step "wasm workloads in headless Chromium (wasm-bindgen-test-runner)"
wasm=$(cargo test --profile bench --target wasm32-unknown-unknown --test wasm_bench --no-run \
  --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "wasm_bench" and m.get("executable"):
        print(m["executable"])' | tail -n1)
(cd scripts/bench && CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=900 \
  wasm-bindgen-test-runner "$wasm" --nocapture) 2>&1 | grep '^RESULT' | tee "$out/wasm.txt" >&2

# The native workloads again, right after the wasm ones: on a shared machine the load changes
# from minute to minute, so each workload keeps its faster native time of the two.
step "native workloads again (cargo bench --bench ratio)"
cargo bench --bench ratio 2>/dev/null | grep '^RESULT' | tee "$out/native-2.txt" >&2
python3 - "$out" <<'EOF2'
import os, sys
out = sys.argv[1]
runs = [dict((l.split()[1], l) for l in open(os.path.join(out, f))) for f in ("native-1.txt", "native-2.txt")]
with open(os.path.join(out, "native.txt"), "w") as f:
    for key, line in runs[0].items():
        other = runs[1].get(key, line)
        f.write(min(line, other, key=lambda l: float(l.split()[2])))
EOF2

step "release bundle (trunk build --release)"
trunk build --release --offline >"$out/trunk.txt" 2>&1
: >"$out/bundle.txt"
for f in dist/*_bg.wasm dist/*.js dist/*.css; do
  printf '%s %d %d %d\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(gzip -9 -c "$f" | wc -c)" \
    "$(brotli -q 11 -c "$f" | wc -c)" >>"$out/bundle.txt"
done

step "page load to interactive (headless Chromium)"
python3 scripts/bench/load_time.py | tee "$out/load.txt" >&2
step "time to interactive, unthrottled and 4x CPU + Fast 3G (headless Chromium)"
MAIL_SANDBOX_DIST="$PWD/dist" python3 scripts/bench/throttled_load.py 3 | tee "$out/throttled.txt" >&2
step "the page at rest: main-thread share, layouts and style recalculations over 10 s idle"
MAIL_SANDBOX_DIST="$PWD/dist" python3 scripts/bench/idle_cpu.py 3 | tee "$out/idle.txt" >&2

python3 - "$out" <<'EOF'
import os, sys, datetime, subprocess
out = sys.argv[1]

def results(name):
    r = {}
    for line in open(os.path.join(out, name)):
        _, key, ms, units, unit = line.split()
        r[key] = (float(ms), int(units), unit)
    return r

native, wasm = results("native.txt"), results("wasm.txt")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print()
load = open("/proc/loadavg").read().split()[0]
print(f"Machine: {nproc} cores, {cpu}; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; load average {load} (shared with other builds)")
print()
print("| workload | native | wasm (Chromium) | wasm/native |")
print("|---|---:|---:|---:|")

def rate(ms, units, unit):
    per_s = units / (ms / 1000) if ms > 0 else float("inf")
    if unit == "select":
        return f"{ms / units:.2f} ms/SELECT"
    shown = f"{ms:.2f}" if ms < 10 else f"{ms:.0f}"
    return f"{shown} ms / {units:,} {unit} ({per_s:,.0f} {unit}/s)"

for key, (ms, units, unit) in native.items():
    w = wasm.get(key)
    ratio = f"{w[0] / ms:.2f}x" if w and ms > 0 else "n/a"
    print(f"| {key} | {rate(ms, units, unit)} | {rate(*w) if w else 'n/a'} | {ratio} |")

mem = results("memory.txt")
stored, fetched, raw = (mem[k][0] for k in ("memory_per_msg_stored", "memory_per_msg_after_fetch", "memory_raw_per_msg"))
print(f"| heap per stored message (counting allocator, 10k msgs) | {stored:.0f} B for {raw:.0f} B raw (x{stored / raw:.2f}); {fetched:.0f} B after FETCH+SEARCH (x{fetched / raw:.2f}) | | |")
print()
print("| release bundle file | raw | gzip -9 | brotli -q 11 |")
print("|---|---:|---:|---:|")
for line in open(os.path.join(out, "bundle.txt")):
    name, raw_b, gz, br = line.split()
    kind = name.rsplit(".", 1)[1]
    print(f"| {kind} ({name}) | {int(raw_b):,} B | {int(gz):,} B | {int(br):,} B |")
load = open(os.path.join(out, "load.txt")).readline().split(maxsplit=5)
print()
print(f"Navigation to interactive ({load[5].strip()}): median {load[1]} ms over {load[4]} loads (min {load[2]}, max {load[3]}), cache disabled, loopback server.")
EOF
