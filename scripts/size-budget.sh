#!/usr/bin/env bash
# Fails when a page's first load grows past its budget (README: "Size budget", issue 17).
# A first load is what the page fetches before it runs: its wasm, its JS glue and the stylesheet,
# each gzip'd (`gzip -9`), as a static host with compression serves them.
#   scripts/size-budget.sh [DIST]
set -euo pipefail
cd "$(dirname "$0")/.."
# Each about 2% above what it measures (README "Size budget"): a ceiling against accidents.
PAGE_BUDGET=${PAGE_BUDGET:-697344}    # 681 KiB: the sandbox (index.html), measured 683,160 B
EMBED_BUDGET=${EMBED_BUDGET:-417792}  # 408 KiB: the embed (embed.html), measured 409,324 B
TOUR_BUDGET=${TOUR_BUDGET:-562176}    # 549 KiB: a tour in the full layout (tour.html), 550,441 B
LIVE_BUDGET=${LIVE_BUDGET:-607232}    # 593 KiB: the bridge's live page (live.html), 595,122 B
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
