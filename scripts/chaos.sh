#!/usr/bin/env bash
# Runs the chaos simulation (tests/chaos.rs) over many seeds.
#   scripts/chaos.sh            # 2000 seeds, from 1
#   scripts/chaos.sh 500 3000   # 500 seeds from 3000
#   CHAOS_SEED=42 cargo test --test chaos -- --nocapture   # replay one seed
# A failing seed prints its replay (the seed and the transcripts of the connections involved).
set -euo pipefail
cd "$(dirname "$0")/.."
# Release builds that never open the page: no page built into the bridge (README "Install").
export MAIL_SANDBOX_PAGE=off
export PATH="$HOME/.cargo/bin:$PATH"
CHAOS_SEEDS="${1:-2000}" CHAOS_SEED_START="${2:-1}" \
  cargo test --release --test chaos -- --nocapture
