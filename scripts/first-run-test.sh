#!/usr/bin/env bash
# The README's first command, tried the way a new user runs it (issue 29): a fresh clone of this
# checkout with an empty target/, then `./scripts/serve.sh` on a free port, until `/`,
# `/embed.html`, `/tour.html` and `/live.html` answer 200 with their page and every wasm and JS file they reference answers 200.
# Fails if the server exits first (as Trunk did when its file watcher panicked on the flood of
# files of a first build) or nothing is served within FIRST_RUN_TIMEOUT seconds (default 3600).
# After the pages answer, it waits FIRST_RUN_SETTLE seconds (default 20) and fails if Trunk
# started another build meanwhile (its own output must not make it rebuild in a loop).
#
# The panic came from a race (an inotify event for a folder whose watch was just removed), so
# it came only sometimes, on a busy machine. To make the test fail every time Trunk's watcher
# sees target/, the test adds to cargo's own flood there: while the server starts, a small
# loop creates, renames and deletes folders of files in target/first-run-churn/, as rustc and
# Trunk's staging do (with Trunk.toml's old default watch, Trunk aborts within seconds).
#
# The clone compiles every wasm dependency from scratch in release mode (see the README for the
# time it takes). It shares what a new user has too: the cargo registry (~/.cargo) and the tools
# scripts/setup.sh installs (a copy of this checkout's .tools/, made just before, as setup.sh
# writes it just before on a first run).
# Usage: scripts/first-run-test.sh [--keep]   (FIRST_RUN_REV=<commit> tries another revision)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
. "$src/scripts/setup.sh"

timeout_s=${FIRST_RUN_TIMEOUT:-3600}
settle_s=${FIRST_RUN_SETTLE:-20}
keep=${1:-}

say() { printf '[first-run] %s\n' "$*" >&2; }

work="$(mktemp -d "${TMPDIR:-/tmp}/mail-sandbox-first-run.XXXXXX")"
server_pid=
churn_pid=
cleanup() {
  if [ -n "$churn_pid" ]; then kill "$churn_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    # serve.sh runs in its own process group (setsid): stop Trunk and the builds it started.
    kill -TERM -- "-$server_pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$server_pid" 2>/dev/null || true
  fi
  if [ "$keep" = --keep ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# The committed state of this checkout (HEAD), as `git clone` gives a new user.
rev="$(git -C "$src" rev-parse "${FIRST_RUN_REV:-HEAD}")"
say "cloning $src at ${rev:0:12} into $work/repo"
git clone --quiet --no-hardlinks --no-checkout "$src" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$rev"
clone="$work/repo"
[ ! -e "$clone/target" ] || { say "the clone has a target/"; exit 1; }
if [ -d "$src/.tools" ]; then cp -R "$src/.tools" "$clone/.tools"; fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
log="$work/serve.log"
say "running ./scripts/serve.sh on port $port (log: $log)"
start=$(date +%s)
# A new user's shell: no target directory of ours, no Trunk variables.
(cd "$clone" && exec env -u CARGO_TARGET_DIR -u CARGO_BUILD_TARGET_DIR -u MAIL_SANDBOX_DIST \
  PORT="$port" setsid ./scripts/serve.sh >"$log" 2>&1) &
server_pid=$!

# Folders of files created, renamed while being written and deleted in target/, until stopped.
python3 - "$clone/target/first-run-churn" <<'PY' &
import os, shutil, sys, threading, time
root = sys.argv[1]
def append(d):
    for j in range(6):
        try:
            with open(os.path.join(d, "a", "b", f"h{j}"), "a") as f:
                f.write("z")
        except OSError:
            pass
i = 0
while True:
    d = os.path.join(root, f"d{i % 5}")
    i += 1
    os.makedirs(os.path.join(d, "a", "b", "c"), exist_ok=True)
    for j in range(6):
        for name in (f"f{j}", os.path.join("a", "b", "c", f"g{j}")):
            with open(os.path.join(d, name), "w") as f:
                f.write("x")
    t = threading.Thread(target=append, args=(d,))
    t.start()
    try:
        os.rename(d, d + ".moved")
    except OSError:
        pass
    shutil.rmtree(d + ".moved", ignore_errors=True)
    shutil.rmtree(d, ignore_errors=True)
    t.join()
    time.sleep(0.01)
PY
churn_pid=$!

base="http://127.0.0.1:$port"
# Prints the body of $1 if it answers 200, else fails.
fetch() { curl --silent --show-error --fail --max-time 30 "$base/$1"; }
# The wasm and JS files a page references (Trunk writes them as ./name or name).
# Every quoted ./file.wasm or ./file.js the page names: in an attribute, in the module script's
# import and init call, or in the preload script (Trunk.toml's pattern_preload). `|| true`: no match
# is a failure the caller reports, not a silent exit under `set -e`.
assets() { { grep -oE "[\"'](\./)?[^\"'/ ]+\.(wasm|js)[\"']" || true; } | sed -E "s/^[\"'](\.\/)?//; s/[\"']$//" | sort -u; }

while :; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    say "FAIL: ./scripts/serve.sh exited before serving the page; its last lines:"
    tail -n 40 "$log" >&2
    exit 1
  fi
  if page="$(fetch "" 2>/dev/null)" && embed="$(fetch embed.html 2>/dev/null)" \
    && tour="$(fetch tour.html 2>/dev/null)" && live="$(fetch live.html 2>/dev/null)"; then
    break
  fi
  if [ $(($(date +%s) - start)) -ge "$timeout_s" ]; then
    say "FAIL: nothing served after ${timeout_s}s; the log's last lines:"
    tail -n 40 "$log" >&2
    exit 1
  fi
  sleep 2
done
served=$(($(date +%s) - start))
say "/, /embed.html, /tour.html and /live.html answered 200 after ${served}s"

fail=0
grep -q '<title>Mail Sandbox: watch e-mail travel</title>' <<<"$page" || { say "FAIL: / is not the whole page"; fail=1; }
grep -q '<title>Mail Sandbox: a guided tour</title>' <<<"$embed" || { say "FAIL: /embed.html is not the embed's page"; fail=1; }
grep -q '<title>Mail Sandbox: guided tour</title>' <<<"$tour" || { say "FAIL: /tour.html is not the tour's page"; fail=1; }
grep -q '<title>Mail Sandbox: live</title>' <<<"$live" || { say "FAIL: /live.html is not the live page"; fail=1; }
for name in page embed tour live; do
  files="$(assets <<<"${!name}")"
  grep -q '\.wasm$' <<<"$files" || { say "FAIL: the $name references no wasm"; fail=1; }
  for f in $files; do
    if fetch "$f" >/dev/null; then say "  $name: $f 200"; else say "FAIL: $name: $f"; fail=1; fi
  done
done

# Trunk logs "starting build" for each build (the embed hook's inner build too); once the pages
# are served, nothing may start another one without an edit.
builds_served="$(grep -c 'starting build' "$log" || true)"
sleep "$settle_s"
builds_later="$(grep -c 'starting build' "$log" || true)"
kill -0 "$server_pid" 2>/dev/null || { say "FAIL: the server exited after serving"; fail=1; }
if [ "$builds_later" != "$builds_served" ]; then
  say "FAIL: Trunk built again with no edit (a rebuild loop?); the log's last lines:"
  tail -n 20 "$log" >&2
  fail=1
fi

kill "$churn_pid" 2>/dev/null || true

[ "$fail" = 0 ] || exit 1
say "ok: the first run served every page in ${served}s"
