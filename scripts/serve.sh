#!/usr/bin/env bash
# Serves the app (optimised release build) at http://127.0.0.1:8080/ with the default world.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec trunk serve --release --offline --address 127.0.0.1 --port "${PORT:-8080}"
