#!/usr/bin/env bash
# Trunk.toml's post-build hooks: builds a page beside index.html with its own Trunk file
# (Trunk.NAME.toml: embed.html, the lighter embed binary; tour.html, a tour in the full layout;
# live.html, the bridge's live page) and
# copies it into the staging directory of the page being built, so dist/ holds every page.
# Runs with Trunk's hook environment (TRUNK_PROFILE, TRUNK_STAGING_DIR).
#   scripts/build-side-page.sh NAME
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?which page: embed, tour or live}
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
profile=${TRUNK_PROFILE:-debug}
release=()
[ "$profile" = release ] && release=(--release)
out=target/$name-dist
# The inner build must not see the outer one's hook variables.
env -u TRUNK_STAGING_DIR -u TRUNK_DIST_DIR -u TRUNK_HTML_FILE -u TRUNK_SOURCE_DIR \
  -u TRUNK_PUBLIC_URL -u TRUNK_PROFILE \
  trunk --config "Trunk.$name.toml" build "${release[@]}" --offline --dist "$out"
# Trunk names its page index.html whatever its source: it becomes NAME.html. The module and its
# snippets are the page's own; the stylesheet and icon are the same files as the sandbox's.
cp "$out"/index.html "$staging/$name.html"
# The embed and a tour draw their first screen from learn-data.bin: it is preloaded with the
# wasm (the URL with its version tag, as build.rs wrote it), so it is here when the wasm runs
# instead of asked for one round trip later (issue 29: the throttled time to interactive).
if [ "$name" = embed ] || [ "$name" = tour ]; then
  dir=debug
  [ "$profile" = release ] && dir=release
  url_file="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/$dir/learn-data.url"
  if [ -f "$url_file" ]; then
    url=$(cat "$url_file")
    sed -i "s|</head>|<link rel=\"preload\" href=\"$url\" as=\"fetch\" crossorigin=\"anonymous\">\n</head>|" \
      "$staging/$name.html"
  fi
fi
cp -R "$out/mail-sandbox-$name"-* "$out"/snippets "$staging"/
