"""Time to interactive of the release page in headless Chromium, unthrottled and on a throttled
profile (4x CPU slowdown, a "Fast 3G"-like network: 1.6 Mbit/s down, 750 kbit/s up, 150 ms
RTT, through the DevTools protocol), for the full page, the embed (embed.html) and a tour in the
full layout (tour.html). Prints numbers;
asserts nothing (a benchmark, not a test). Files are served gzip-compressed, as static hosts do.

Interactive means the app has mounted (its root element exists, so its handlers are attached).
Also printed: when the wasm was asked for and when its last byte arrived (medians, ms from the
navigation), so what follows the download (compiling, starting the app) shows.

    MAIL_SANDBOX_DIST=target/test-dist python3 scripts/bench/throttled_load.py [runs]

`scripts/bench.sh` runs it on dist/ after `load_time.py`.
"""

import contextlib
import functools
import gzip
import http.server
import os
import socketserver
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "browser"))

from harness import DIST, chromium  # noqa: E402

PAGES = [
    ("full page", "", "[data-testid=app-ready]"),
    ("embed", "embed.html?scenario=seed-journey", "[data-testid=tour]"),
    ("tour page", "tour.html?scenario=seed-journey", "[data-testid=tour]"),
]
PROFILES = [
    ("unthrottled", None),
    ("4x CPU + Fast 3G", {"cpu": 4, "latency": 150, "down": 1.6e6 / 8, "up": 750e3 / 8}),
]
# Records when the app's root appears, from the first byte of the document.
PROBE = """
window.__ready = null;
new MutationObserver((_, obs) => {
  if (document.querySelector(%r)) { window.__ready = performance.now(); obs.disconnect(); }
}).observe(document, {childList: true, subtree: true});
"""


class GzipHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files gzip-compressed when the browser accepts it (cached per path)."""
    cache = {}

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path.split("?")[0].split("#")[0])
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if "gzip" not in self.headers.get("Accept-Encoding", "") or not os.path.isfile(path):
            return super().do_GET()
        if path not in self.cache:
            with open(path, "rb") as f:
                self.cache[path] = gzip.compress(f.read(), 9)
        body = self.cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve_gzip():
    handler = functools.partial(GzipHandler, directory=DIST)
    socketserver.TCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        finally:
            httpd.shutdown()


def load_once(url, selector, profile):
    with chromium(width=1280, height=900) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        if profile:
            driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": profile["cpu"]})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": False, "latency": profile["latency"],
                "downloadThroughput": profile["down"], "uploadThroughput": profile["up"]})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE % selector})
        driver.set_page_load_timeout(120)
        driver.get(url)
        for _ in range(1200):
            ready = driver.execute_script("return window.__ready")
            if ready is not None:
                break
            time.sleep(0.05)
        transferred = driver.execute_script(
            "return performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0)"
            " + performance.getEntriesByType('navigation').reduce((n, e) => n + e.transferSize, 0)")
        # When the wasm started and finished arriving: what is left after it is compiling and
        # starting the app.
        wasm = driver.execute_script(
            "const e = performance.getEntriesByType('resource').find(e => e.name.endsWith('.wasm'));"
            "return e ? [e.requestStart, e.responseEnd] : [null, null]")
        return ready, transferred, wasm


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(f"time to interactive, median of {runs} loads (gzip served, cache disabled), dist: {DIST}")
    print(f"{'page':<10} {'profile':<18} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'bytes over the wire':>20}"
          f" {'wasm asked ms':>14} {'wasm in ms':>11}")
    with serve_gzip() as base:
        for name, query, selector in PAGES:
            for pname, profile in PROFILES:
                times, sizes, asked, arrived = [], [], [], []
                for _ in range(runs):
                    t, size, (start, end) = load_once(base + query, selector, profile)
                    if t is not None:
                        times.append(t)
                    sizes.append(size)
                    if end is not None:
                        asked.append(start)
                        arrived.append(end)
                if times:
                    wasm = (f" {statistics.median(asked):>14.0f} {statistics.median(arrived):>11.0f}"
                            if arrived else "")
                    print(f"{name:<10} {pname:<18} {statistics.median(times):>10.0f} {min(times):>8.0f} "
                          f"{max(times):>8.0f} {int(statistics.median(sizes)):>20}{wasm}")
                else:
                    print(f"{name:<10} {pname:<18} {'never ready':>10}")


if __name__ == "__main__":
    main()
