#!/usr/bin/env bash
# Serves the app (optimised release build) at http://127.0.0.1:8080/ with the default world
# (PORT=... for another port), and rebuilds both pages when a source changes. Trunk watches only
# the build's inputs (Trunk.toml's [watch]), never target/: see issue 29 and the README.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
# The release wasm on nightly with two size settings, when the machine has it (issue 29).
. scripts/release-toolchain.sh
if [ ! -d target/wasm32-unknown-unknown/release ]; then
  printf '[serve] first build: compiling the wasm dependencies in release mode takes a few minutes;\n' >&2
  printf '[serve] the page is served at http://127.0.0.1:%s/ when Trunk prints "success".\n' "${PORT:-8080}" >&2
fi
exec trunk serve --release --offline --address 127.0.0.1 --port "${PORT:-8080}"
