#!/usr/bin/env bash
# What TLS adds to a wasm32 binary: builds the probe in tools/tls-weight for
# wasm32-unknown-unknown (release: opt-level z, LTO, panic=abort, as the page), runs
# wasm-opt -Oz and gzip -9, and prints each variant's size and its growth over the empty
# program:
#   full     rustls + rustls-rustcrypto's whole provider (every suite, group, signature)
#   trimmed  rustls + the sandbox's trimmed provider (src/tls/crypto)
#   layer    the engine's TLS layer as the page would link it (trimmed provider, PKI, events)
#   primitives  only the RustCrypto primitives the trimmed provider uses, without rustls
# Both sides (client and server) handshake in each, as they would in the page's world.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/.tools/node_modules/.bin:$PATH"
probe=tools/tls-weight
out="$probe/target/wasm32-unknown-unknown/release"
printf '%-8s %12s %12s %12s %12s\n' variant raw-bytes opt-Oz gzip-9 "+gzip"
base=0
for variant in none full trimmed layer primitives; do
  features=()
  [ "$variant" = none ] || features=(--features "$variant")
  cargo build -q --manifest-path "$probe/Cargo.toml" --release --target wasm32-unknown-unknown \
    "${features[@]}"
  raw="$out/tls-weight.wasm"
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals "$raw" -o "$out/$variant.opt.wasm"
  gz=$(gzip -9 -c "$out/$variant.opt.wasm" | wc -c)
  [ "$variant" = none ] && base=$gz
  printf '%-8s %12d %12d %12d %12d\n' "$variant" "$(wc -c <"$raw")" \
    "$(wc -c <"$out/$variant.opt.wasm")" "$gz" "$((gz - base))"
done
