#!/usr/bin/env bash
# Sourced before a release Trunk build (scripts/serve.sh, scripts/test.sh): when the machine has
# a nightly toolchain, the page's wasm is built with it, rebuilding the standard library with
# size settings that stable Rust does not offer (issue 29, README "Size budget"):
#   -Cpanic=immediate-abort   a panic traps at once: no panic message formatting, no unwinding
#                             tables (a panic in wasm killed the page already; none is expected);
#   -Zlocation-detail=none    no file names and line numbers kept for panics;
#   std's optimize_for_size   the standard library's smaller variants (its sorts, its formatting).
# Measured on the embed's wasm (gzip -9 after wasm-opt -Oz): 395,265 B on stable, 361,987 B
# with the first two (-8.4%); optimize_for_size then took 3.3 KB more (327,288 -> 323,942 B).
# (-Zfmt-debug=none would take 3 KB more but empties every `{:?}`, some of which a person reads.)
# Only the release wasm builds see these variables: native builds, tests and lints stay on
# stable. Without a nightly toolchain (or when MAIL_SANDBOX_STABLE_WASM=1) everything is
# built on stable: the pages are 7-9% bigger, and scripts/size-budget.sh allows 10% more.
_say() { printf '[release-toolchain] %s\n' "$*" >&2; }
if [ "${MAIL_SANDBOX_STABLE_WASM:-0}" != 1 ] && rustup run nightly rustc --version >/dev/null 2>&1; then
  if ! rustup +nightly target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    _say "adding the wasm32-unknown-unknown target to the nightly toolchain"
    rustup +nightly target add wasm32-unknown-unknown >&2 || true
  fi
  if ! rustup +nightly component list --installed 2>/dev/null | grep -qx rust-src; then
    _say "adding rust-src to the nightly toolchain (the standard library is rebuilt)"
    rustup +nightly component add rust-src >&2 || true
  fi
  if rustup +nightly target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
      && rustup +nightly component list --installed 2>/dev/null | grep -qx rust-src; then
    export RUSTUP_TOOLCHAIN=nightly
    export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
    export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
    # Replaces .cargo/config.toml's rustflags for wasm32, so its flag is repeated here.
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--cfg erase_components -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none"
  else
    _say "the nightly toolchain lacks wasm32 or rust-src: building the pages on stable"
  fi
else
  _say "no nightly toolchain: building the pages on stable (7-9% bigger)"
fi
unset -f _say
