#!/usr/bin/env bash
# Installs whatever is missing to build and test Mail Sandbox, from package registries only
# (crates.io, npm, PyPI, Debian). Safe to run again: each step checks first.
# Source it (`. scripts/setup.sh`) to get the tools on PATH; `--browser` adds the browser-test
# tools (Debian's chromium + chromium-driver, Python's selenium).
set -euo pipefail
_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$_root/.tools/node_modules/.bin:$PATH"

_say() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  _say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! trunk --version 2>/dev/null | grep -q '0\.21\.14'; then
  _say "installing trunk 0.21.14 (about 6 minutes)"
  cargo install trunk --version 0.21.14 --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
_wbg="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$_root/Cargo.lock")"
if ! wasm-bindgen --version 2>/dev/null | grep -q "$_wbg"; then
  _say "installing wasm-bindgen-cli $_wbg"
  cargo install wasm-bindgen-cli --version "$_wbg"
fi

# wasm-opt from npm's binaryen (Debian's binaryen 108 produces a broken page).
if ! "$_root/.tools/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q 'version 132'; then
  _say "installing wasm-opt (npm binaryen@132) into .tools/"
  mkdir -p "$_root/.tools"
  npm install --prefix "$_root/.tools" --no-audit --no-fund --silent binaryen@132 >/dev/null
fi

if [ "${1:-}" = "--browser" ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    _say "installing Debian's chromium and chromium-driver"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  # axe-core for the accessibility audit (tests/browser/test_a11y.py), from npm like binaryen.
  if [ ! -f "$_root/.tools/node_modules/axe-core/axe.min.js" ]; then
    _say "installing axe-core (npm axe-core@4.14.1) into .tools/"
    mkdir -p "$_root/.tools"
    npm install --prefix "$_root/.tools" --no-audit --no-fund --silent axe-core@4.14.1 >/dev/null
  fi
  if ! python3 -c 'import selenium' 2>/dev/null; then
    _say "installing selenium from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check selenium
  fi
fi
