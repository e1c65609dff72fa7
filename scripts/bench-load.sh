#!/usr/bin/env bash
# Time to interactive of the release page, unthrottled and throttled (4x CPU, Fast 3G), for the
# full page and the embed (issue 17). Prints numbers; asserts nothing. Uses the dist the browser
# tests use: `target/test-dist` (build it with `trunk build --release --dist target/test-dist`)
# or $MAIL_SANDBOX_DIST. BENCH_LOADS=n sets the loads per figure (default 3).
set -euo pipefail
cd "$(dirname "$0")/../tests/browser"
python3 bench_load.py
