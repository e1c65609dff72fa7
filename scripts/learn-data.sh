#!/usr/bin/env bash
# Trunk.toml's post-build hook: copies learn-data.bin, the tours and challenges the page fetches
# after its first paint (issue 29), into the staging directory of the page being built. build.rs
# wrote it next to the wasm it built (<target>/wasm32-unknown-unknown/<profile>/), from every
# file of scenarios/ and challenges/, so a new file there is in the next build without any other
# change.
set -euo pipefail
cd "$(dirname "$0")/.."
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
profile=${TRUNK_PROFILE:-debug}
file="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$profile/learn-data.bin"
if [ ! -f "$file" ]; then
  echo "learn-data.sh: no $file (build.rs writes it when it builds for wasm32)" >&2
  exit 1
fi
cp "$file" "$staging/learn-data.bin"
