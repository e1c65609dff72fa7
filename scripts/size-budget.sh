#!/usr/bin/env bash
# Fails when a page's first load grows past its budget (README: "Size budget", issue 17).
# A first load is what the page fetches before it runs: its wasm, its JS glue and the stylesheet,
# each gzip'd (`gzip -9`), as a static host with compression serves them.
#   scripts/size-budget.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
# The embed's is issue 29's goal (320 KB); the others are about 2% above what they measure
# (README "Size budget"): a ceiling against accidents.
# Measured on the release build on nightly (scripts/release-toolchain.sh).
PAGE_BUDGET=${PAGE_BUDGET:-567296}    # 554 KiB: the sandbox (index.html), measured 555,789 B (goal 520 KB)
EMBED_BUDGET=${EMBED_BUDGET:-327680}  # 320 KiB: the embed (embed.html), measured 305,971 B
TOUR_BUDGET=${TOUR_BUDGET:-442368}    # 432 KiB: a tour in the full layout (tour.html), 433,745 B
LIVE_BUDGET=${LIVE_BUDGET:-482304}    # 471 KiB: the bridge's live page (live.html), 472,790 B
# Built on stable (no nightly toolchain here, or MAIL_SANDBOX_STABLE_WASM=1), the pages are
# 7-9% bigger: the budgets allow 10% more, and say so.
# Whether the pages were built on nightly: what scripts/release-toolchain.sh decides (in a
# subshell, so none of its variables stay here).
nightly_ready() {
  (. scripts/release-toolchain.sh 2>/dev/null && [ "${RUSTUP_TOOLCHAIN:-}" = nightly ])
}
if ! nightly_ready; then
  echo "[size-budget] the pages were built on stable: budgets 10% higher" >&2
  PAGE_BUDGET=$((PAGE_BUDGET * 11 / 10)); EMBED_BUDGET=$((EMBED_BUDGET * 11 / 10))
  TOUR_BUDGET=$((TOUR_BUDGET * 11 / 10)); LIVE_BUDGET=$((LIVE_BUDGET * 11 / 10))
fi
dist="${1:-dist}"
gz() { gzip -9 -c "$1" | wc -c; }
status=0
# check NAME BINARY BUDGET: the binary's wasm and JS plus the stylesheet.
check() {
  local name=$1 bin=$2 budget=$3 wasm js css
  wasm=$(ls "$dist"/"$bin"-*_bg.wasm)
  js=$(ls "$dist"/"$bin"-*.js)
  css=$(ls "$dist"/style-*.css)
  local w j c total
  w=$(gz "$wasm"); j=$(gz "$js"); c=$(gz "$css")
  total=$((w + j + c))
  printf '%-5s first load %d bytes gzip (wasm %d, raw %d; js %d; css %d), budget %d\n' \
    "$name" "$total" "$w" "$(stat -c %s "$wasm")" "$j" "$c" "$budget"
  if [ "$total" -gt "$budget" ]; then
    echo "size budget exceeded: $name" >&2
    status=1
  fi
}
check page mail-sandbox-web "$PAGE_BUDGET"
check embed mail-sandbox-embed "$EMBED_BUDGET"
check tour mail-sandbox-tour "$TOUR_BUDGET"
check live mail-sandbox-live "$LIVE_BUDGET"
exit $status
