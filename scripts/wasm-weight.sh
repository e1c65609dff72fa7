#!/usr/bin/env bash
# Where the page's wasm bytes go (issue 17): builds the web binary with its function names kept,
# runs wasm-bindgen and `wasm-opt -Oz -g` as Trunk does (so inlining and dead-code removal are
# the shipped ones), and prints the table of scripts/wasm_weight.py. Needs twiggy
# (`cargo install twiggy`) and wasm-opt (binaryen) on PATH. Not part of scripts/test.sh.
#   scripts/wasm-weight.sh            the table
#   scripts/wasm-weight.sh GROUP [N]  the N biggest items of one group of the table
#   BIN=mail-sandbox-embed scripts/wasm-weight.sh   the embed's binary instead of the page's
set -euo pipefail
bin=${BIN:-mail-sandbox-web}
cd "$(dirname "$0")/.."
out=target/wasm-weight/$bin
mkdir -p "$out"
CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=false \
  cargo build --release --target wasm32-unknown-unknown --features web --bin "$bin"
wasm-bindgen --target web --keep-debug --out-dir "$out" \
  "target/wasm32-unknown-unknown/release/$bin.wasm"
wasm-opt -Oz -g --strip-dwarf "$out/${bin}_bg.wasm" -o "$out/named.wasm"
python3 scripts/wasm_weight.py "$out/named.wasm" "$@"
