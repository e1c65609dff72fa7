#!/usr/bin/env bash
# The tester's install, tried as a tester does it (issue 28 item 5): a fresh clone of this
# checkout, `cargo install --path . --root <tmp>`, then the installed `mailsandbox-tcp --http PORT`
# run from an empty directory, with no Trunk, no wasm-bindgen CLI, no wasm-opt and no dist/ on
# hand. Passes when the binary says it carries the page and serves, from nothing but itself:
# `/` (a redirect to the live mode), the page (text/html), its JS (text/javascript), its wasm
# (application/wasm, a wasm module), its stylesheet and icon.
#
# The build shares this checkout's target folder (INSTALL_TEST_TARGET, default target/) through
# CARGO_TARGET_DIR, so the release dependencies are compiled once and only the crate and the page
# recompile; the page's own wasm build keeps its folder inside it (release/page-build).
# Usage: scripts/install-test.sh   (INSTALL_TEST_REV=<commit> tries another revision)
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
say() { printf '[install-test] %s\n' "$*" >&2; }

# A tester's PATH: cargo and rustc, not this checkout's tools (.tools/, trunk, wasm-bindgen).
export PATH="$HOME/.cargo/bin:/usr/local/bin:/usr/bin:/bin"
for tool in trunk wasm-bindgen wasm-opt; do
  if p="$(command -v "$tool")" && [[ "$p" != "$HOME/.cargo/bin/"* ]]; then
    say "note: $tool is on PATH at $p (the build does not call it)"
  fi
done
unset MAIL_SANDBOX_PAGE MAIL_SANDBOX_PAGE_DIR MAIL_SANDBOX_DIST CARGO_BUILD_TARGET_DIR RUSTFLAGS

# Outside the checkout: cargo would merge this checkout's .cargo/config.toml into the clone's
# (the page's rustflags twice: another fingerprint, a cold page build every run).
work="$(mktemp -d "${TMPDIR:-/tmp}/mail-sandbox-install-test.XXXXXX")"
export CARGO_TARGET_DIR="${INSTALL_TEST_TARGET:-$src/target}"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/empty" "$CARGO_TARGET_DIR"

rev="$(git -C "$src" rev-parse "${INSTALL_TEST_REV:-HEAD}")"
say "cloning $src at ${rev:0:12} into $work/repo"
git clone --quiet --no-hardlinks --no-checkout "$src" "$work/repo"
git -C "$work/repo" checkout --quiet --detach "$rev"

say "cargo install --path . --root $work/root (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
start=$(date +%s)
(cd "$work/repo" && nice -n 5 cargo install --quiet --path . --root "$work/root") \
  || { say "FAIL: cargo install"; exit 1; }
say "installed in $(($(date +%s) - start))s: $(du -k "$work/root/bin/mailsandbox-tcp" | cut -f1) KiB"
# The bridge alone: the page's binaries (wasm32 builds) are not a tester's tools.
installed="$(ls "$work/root/bin")"
[ "$installed" = mailsandbox-tcp ] || { say "FAIL: installed $(echo $installed), not mailsandbox-tcp alone"; exit 1; }

# The clone goes before the binary runs: the page must come from the binary alone.
rm -rf "$work/repo"
cd "$work/empty"
python3 - "$work/root/bin/mailsandbox-tcp" "$work/bridge.stderr" <<'PY'
import random, socket, subprocess, sys, time, urllib.request, re

def free(port):
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False

# A port offset whose four mail ports and the HTTP port are free.
for _ in range(200):
    offset = random.randrange(20000, 60000)
    http = offset + 8025
    if all(free(offset + p) for p in (25, 110, 143, 587)) and http < 65536 and free(http):
        break
stderr = open(sys.argv[2], "w+")
bridge = subprocess.Popen([sys.argv[1], "--port-offset", str(offset), "--http", str(http)],
                          stdout=subprocess.PIPE, stderr=stderr, text=True)
failed = []
def check(ok, what):
    print(f"[install-test] {'ok  ' if ok else 'FAIL'} {what}", file=sys.stderr)
    if not ok:
        failed.append(what)

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None
opener = urllib.request.build_opener(NoRedirect)

def get(path, follow=True):
    try:
        r = (urllib.request.urlopen if follow else opener.open)(f"http://127.0.0.1:{http}{path}", timeout=30)
        return r.status, r.headers.get("Content-Type", ""), r.headers.get("Location"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.headers.get("Location"), e.read()

try:
    for line in bridge.stdout:
        if line.strip() == "READY":
            break
    else:
        check(False, "the bridge printed READY")
    # The bridge writes where its page comes from before READY.
    stderr.seek(0)
    page_line = stderr.readline().strip()
    check(page_line.startswith("PAGE built into this binary"), f"stderr says: {page_line}")
    status, _, location, _ = get("/", follow=False)
    check(status == 302 and location == "/live.html", f"/ redirects to the live page ({status} {location})")
    status, ctype, _, body = get("/live.html")
    html = body.decode("utf-8", "replace")
    check(status == 200 and ctype.startswith("text/html"), f"/live.html: {status} {ctype}")
    check("<title>Mail Sandbox: live" in html, "/live.html is the live page")
    js = re.search(r"from '\./([^']+\.js)'", html)
    wasm = re.search(r"module_or_path: '\./([^']+\.wasm)'", html)
    css = re.search(r'rel="stylesheet" href="\./([^"]+)"', html)
    icon = re.search(r'rel="icon" href="\./([^"]+)"', html)
    check(bool(js and wasm and css and icon), "the page names its JS, wasm, stylesheet and icon")
    for m, want in ((js, "text/javascript"), (wasm, "application/wasm"), (css, "text/css"), (icon, "image/svg+xml")):
        if not m:
            continue
        status, ctype, _, body = get("/" + m.group(1))
        check(status == 200 and ctype == want, f"/{m.group(1)}: {status} {ctype}, {len(body)} bytes")
        if want == "application/wasm":
            check(body[:4] == b"\0asm", "the wasm is a wasm module")
        if want == "text/javascript":
            for snippet in re.findall(r"from '\./(snippets/[^']+)'", body.decode("utf-8", "replace")):
                s, t, _, _ = get("/" + snippet)
                check(s == 200 and t == "text/javascript", f"/{snippet}: {s} {t}")
    status, _, _, _ = get("/api/v1/users")
    check(status == 200, f"the API answers beside it (/api/v1/users: {status})")
finally:
    bridge.kill()
    bridge.wait()
    stderr.close()
if failed:
    sys.exit(1)
PY
say "passed"
