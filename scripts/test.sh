#!/usr/bin/env bash
# Runs every test: formatting, lints (native and wasm), the engine tests, the release wasm
# build with its size budget, the browser tests in Debian's headless Chromium, and real mail
# clients (Python's smtplib/poplib/imaplib, curl) over the TCP bridge, the README's serve
# command on a fresh clone, and the tester's `cargo install` on a fresh clone.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh --browser

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native, all targets)"
cargo clippy --all-targets -- -D warnings

step "cargo clippy (wasm32: the engine and the UI)"
cargo clippy --lib --bin mail-sandbox-web --bin mail-sandbox-embed --bin mail-sandbox-tour --bin mail-sandbox-live --bin mail-sandbox-tls --features web --target wasm32-unknown-unknown -- -D warnings

step "cargo clippy (the embed's and the tour page's engine profile: no IMAP extensions, issue 29)"
cargo clippy --lib --bins --no-default-features --features tls -- -D warnings
cargo clippy --lib --bin mail-sandbox-embed --bin mail-sandbox-tour --target wasm32-unknown-unknown --no-default-features --features tls,web -- -D warnings

step "benchmarks compile (native ones are checked by clippy above; the wasm one here)"
cargo check --target wasm32-unknown-unknown --test wasm_bench

step "cargo test"
cargo test

step "cargo test (the embed's engine profile: the core IMAP server's transcript)"
cargo test --no-default-features --features tls --lib imap_core_profile

step "fuzz smoke run (every cargo-fuzz target a few seconds; scripts/fuzz.sh for longer)"
scripts/fuzz.sh 3

# The tests build and serve their own copy of the page (not dist/, which `scripts/serve.sh`
# writes and live-reloads), so they pass while the app is being served.
export MAIL_SANDBOX_DIST="$PWD/target/test-dist"

step "trunk build --release (the optimised pages users get: index.html, embed.html, tour.html, live.html)"
# On nightly with two size settings when the machine has it (scripts/release-toolchain.sh); a
# subshell, so nothing after this step builds on nightly.
(. scripts/release-toolchain.sh && trunk build --release --offline --dist "$MAIL_SANDBOX_DIST")

step "size budget (each page's first load: wasm, JS, CSS)"
scripts/size-budget.sh "$MAIL_SANDBOX_DIST"

step "browser tests (headless Chromium)"
(cd tests/browser && python3 -m unittest discover -v -p 'test_*.py')

step "real clients over the TCP bridge (smtplib, poplib, imaplib, curl, openssl, swaks, msmtp, fetchmail, mbsync, neomutt)"
# swaks, msmtp, fetchmail, mbsync (isync) and neomutt drive the TLS tests
# (tests/clients/test_tls_clients.py); Debian packages, installed when possible. Without them
# those tests skip, so a failed install breaks nothing.
_mail_clients="swaks msmtp fetchmail isync neomutt"
if ! command -v swaks >/dev/null || ! command -v msmtp >/dev/null || ! command -v fetchmail >/dev/null \
    || ! command -v mbsync >/dev/null || ! command -v neomutt >/dev/null; then
  (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $_mail_clients >/dev/null 2>&1 \
    || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $_mail_clients) \
    >/dev/null 2>&1) || echo "[test] $_mail_clients not all installed: their TLS tests skip" >&2
fi
(cd tests/clients && python3 -m unittest discover -v -p 'test_*.py')

step "the first run: a fresh clone with an empty target/ served by ./scripts/serve.sh (issue 29)"
scripts/first-run-test.sh

step "the tester's install: a fresh clone, cargo install --path ., the page served by the binary alone (issue 28)"
scripts/install-test.sh

echo
echo "all tests passed"
