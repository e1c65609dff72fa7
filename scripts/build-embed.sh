#!/usr/bin/env bash
# Trunk.toml's post-build hook: builds embed.html (the lighter embed binary) with
# Trunk.embed.toml and copies it into the staging directory of the page being built, so dist/
# holds both pages. Runs with Trunk's hook environment (TRUNK_PROFILE, TRUNK_STAGING_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
staging=${TRUNK_STAGING_DIR:?run by trunk as a post_build hook}
profile=${TRUNK_PROFILE:-debug}
release=()
[ "$profile" = release ] && release=(--release)
out=target/embed-dist
# The inner build must not see the outer one's hook variables.
env -u TRUNK_STAGING_DIR -u TRUNK_DIST_DIR -u TRUNK_HTML_FILE -u TRUNK_SOURCE_DIR \
  -u TRUNK_PUBLIC_URL -u TRUNK_PROFILE \
  trunk --config Trunk.embed.toml build "${release[@]}" --offline --dist "$out"
# Trunk names its page index.html whatever its source: it becomes embed.html. The module and its
# snippets are the embed's own; the stylesheet and icon are the same files as the page's.
cp "$out"/index.html "$staging"/embed.html
cp -R "$out"/mail-sandbox-embed-* "$out"/snippets "$staging"/
