#!/usr/bin/env bash
# Fails when the gzip'd release wasm grows past the budget (README: "Size budget").
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_GZIP_BYTES=${BUDGET_GZIP_BYTES:-684032}   # 668 KiB: ~3% above the 665,411 B measured (README, issue 17)
dist="${1:-dist}"
wasm=$(ls "$dist"/*_bg.wasm | head -n1)
raw=$(stat -c %s "$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
printf 'wasm: %s raw %d bytes, gzip %d bytes (budget %d)\n' "$(basename "$wasm")" "$raw" "$gz" "$BUDGET_GZIP_BYTES"
if [ "$gz" -gt "$BUDGET_GZIP_BYTES" ]; then
  echo "size budget exceeded" >&2
  exit 1
fi
