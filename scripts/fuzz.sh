#!/usr/bin/env bash
# Builds and runs every cargo-fuzz target in fuzz/ for a time budget each (default 180 s),
# then prints per target: executions, coverage (cov/ft of libFuzzer's final stats) and crashes.
#   scripts/fuzz.sh            # 180 s per target
#   scripts/fuzz.sh 5          # the short mode scripts/test.sh runs
#   FUZZ_TARGETS="smtp_server world" scripts/fuzz.sh 60
# Seeds come from tests/transcripts/*.txt (scripts/fuzz-corpus.py). Budgets of 10 s or more
# run on fuzz/corpus/, which keeps what libFuzzer finds; shorter ones (the test.sh smoke run)
# start from the transcript seeds alone in a temporary directory. A crash leaves its input in
# fuzz/artifacts/<target>/; replay it with
#   fuzz/target/x86_64-unknown-linux-gnu/release/<target> fuzz/artifacts/<target>/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
budget="${1:-180}"

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "[fuzz] installing the nightly toolchain (cargo-fuzz needs it)" >&2
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "[fuzz] installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked
fi

logs="$(mktemp -d)"
if [ "$budget" -ge 10 ]; then
  corpus="fuzz/corpus"
else
  corpus="$logs/corpus"
fi
python3 scripts/fuzz-corpus.py "$corpus"
echo "[fuzz] building the targets" >&2
cargo +nightly fuzz build -O -a >&2
bin_dir="fuzz/target/x86_64-unknown-linux-gnu/release"

max_len() {
  case "$1" in
    smtp_command | pop3_command | sasl_roundtrip) echo 1024 ;;
    line_framing | dot_roundtrip) echo 16384 ;;
    message_parse | snapshot_restore) echo 65536 ;;
    world) echo 4096 ;;
    world_ops) echo 2048 ;;
    *) echo 8192 ;;
  esac
}

targets="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
status=0
printf '\n%-20s %12s %8s %8s %8s\n' target executions cov ft crashes
for t in $targets; do
  mkdir -p "$corpus/$t" "fuzz/artifacts/$t"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  set +e
  SNAPSHOT_SEED_DIR="$corpus/snapshot_restore" "$bin_dir/$t" "$corpus/$t" \
    -max_total_time="$budget" -max_len="$(max_len "$t")" -rss_limit_mb=512 -timeout=5 \
    -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t/" >"$logs/$t.log" 2>&1
  rc=$?
  set -e
  after=$(find "fuzz/artifacts/$t" -type f | wc -l)
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$t.log" | awk '{print $2}' | tail -1)
  last=$(grep -E '^#[0-9]+' "$logs/$t.log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
  cov=$(echo "$last" | awk '{print $2}')
  ft=$(echo "$last" | awk '{print $4}')
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="rc=$rc"; fi
  printf '%-20s %12s %8s %8s %8s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$crashes"
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "---- $t failed; the end of its log:" >&2
    tail -40 "$logs/$t.log" >&2
    find "fuzz/artifacts/$t" -type f -newer "$logs" >&2 || true
  fi
done
rm -rf "$logs"
exit "$status"
