"""Time to interactive of the release page in headless Chromium (issue 17), printed, never
asserted: the full page (until `[data-testid=app-ready]`) and the embed
(`?scenario=seed-journey&compact=1`, until `[data-testid=tour]`), unthrottled and on a
throttled profile through the DevTools protocol (4x CPU slowdown with
`Emulation.setCPUThrottlingRate`; a "Fast 3G"-like network with `Network.emulateNetworkConditions`:
1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip). The files are served gzip'd, as a static
host does, with the browser cache off, so every load fetches everything. Each figure is the
median of several loads, from navigation start (`performance.now()` when the element appears).

Not a test (the file is not named test_*.py): run it with scripts/bench-load.sh."""

import functools
import gzip
import os
import socketserver
import statistics
import sys
import threading

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import DIST, _QuietHandler, chromium

LOADS = int(os.environ.get("BENCH_LOADS", "3"))
PAGES = [
    ("full page", "", "[data-testid=app-ready]"),
    ("embed", "?scenario=seed-journey&compact=1", "[data-testid=tour]"),
]
FAST_3G = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8,
           "uploadThroughput": 750_000 / 8}


class _GzipHandler(_QuietHandler):
    """Serves each file gzip'd (level 9, as scripts/size-budget.sh measures)."""

    _cache = {}

    def do_GET(self):
        path = self.translate_path(self.path.split("?", 1)[0])
        if os.path.isdir(path):
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return super().do_GET()
        if path not in self._cache:
            with open(path, "rb") as f:
                self._cache[path] = gzip.compress(f.read(), 9)
        body = self._cache[path]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def first_load_bytes():
    """The gzip'd bytes of what the page loads first: wasm, JS, CSS, HTML."""
    total = {}
    for name in os.listdir(DIST):
        ext = name.rsplit(".", 1)[-1]
        if ext in ("wasm", "js", "css", "html"):
            with open(os.path.join(DIST, name), "rb") as f:
                total[ext] = total.get(ext, 0) + len(gzip.compress(f.read(), 9))
    return total


def time_to(driver, url, selector):
    driver.get(url)
    WebDriverWait(driver, 120, poll_frequency=0.02).until(
        EC.presence_of_element_located((By.CSS_SELECTOR, selector)))
    return driver.execute_script("return performance.now()")


def main():
    sizes = first_load_bytes()
    print("first load, gzip: " + ", ".join(f"{k} {v:,} B" for k, v in sorted(sizes.items()))
          + f"; total {sum(sizes.values()):,} B")
    handler = functools.partial(_GzipHandler, directory=DIST)
    socketserver.TCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        for profile in ("unthrottled", "throttled (4x CPU, Fast 3G)"):
            with chromium() as driver:
                driver.execute_cdp_cmd("Network.enable", {})
                driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
                if profile != "unthrottled":
                    driver.execute_cdp_cmd("Network.emulateNetworkConditions", FAST_3G)
                    driver.execute_cdp_cmd("Emulation.setCPUThrottlingRate", {"rate": 4})
                for label, query, selector in PAGES:
                    times = [time_to(driver, base + query, selector) for _ in range(LOADS)]
                    print(f"{profile:>28} | {label:<9} | median {statistics.median(times):6.0f} ms "
                          f"(of {', '.join(f'{t:.0f}' for t in times)})")
                    sys.stdout.flush()
        httpd.shutdown()


if __name__ == "__main__":
    main()
