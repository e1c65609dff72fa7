#!/usr/bin/env bash
# Trunk.toml's post-build hook: builds the page's TLS module (src/bin/tls_module.rs, feature
# `tls`, and `web` like every page binary) for wasm32, binds it with wasm-bindgen (--target web: an ES module the page imports
# with import() when it first needs TLS, src/ui/tls_module.rs) and shrinks it with wasm-opt
# like the page's own module, into the staging directory's tls/ (README "TLS in the page").
# Runs with Trunk's hook environment (TRUNK_PROFILE, TRUNK_STAGING_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
profile=${TRUNK_PROFILE:-debug}
args=(--target wasm32-unknown-unknown --bin mail-sandbox-tls --features tls,web)
dir=debug
if [ "$profile" = release ]; then
  args+=(--release)
  dir=release
fi
cargo build "${args[@]}"
out="$staging"/tls
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name mail-sandbox-tls \
  target/wasm32-unknown-unknown/"$dir"/mail-sandbox-tls.wasm
if [ "$profile" = release ]; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types \
    -o "$out"/mail-sandbox-tls_bg.wasm "$out"/mail-sandbox-tls_bg.wasm
fi
