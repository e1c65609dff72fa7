"""Time from navigation to an interactive page, for the release build in dist/, in Debian's
headless Chromium: the median of several loads with the HTTP cache disabled (every load fetches
the wasm, JS and CSS again, from loopback). "Interactive" means `[data-testid=app-ready]` is in
the document; when a terminal input exists by then, it must be there too.

A script injected before any page script records `performance.now()` (milliseconds since the
navigation started) the moment the condition holds, so polling from the test does not add
latency. Prints `LOAD <median ms> <min> <max> <n> <what was waited for>` and a RESULT line.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "browser"))

from harness import chromium, serve_dist  # noqa: E402

TERMINAL = "[data-testid=terminal-input], [data-testid=terminal] input, [data-testid=terminal] textarea"

PROBE = """
(function () {
  function check() {
    if (window.__readyAt !== undefined) return true;
    var ready = document.querySelector('[data-testid=app-ready]');
    if (!ready) return false;
    window.__readyAt = performance.now();
    window.__terminal = !!document.querySelector('%s');
    return true;
  }
  new MutationObserver(function (_, obs) { if (check()) obs.disconnect(); })
    .observe(document, { childList: true, subtree: true });
})();
""" % TERMINAL


def main():
    loads = int(os.environ.get("LOADS", "7"))
    times = []
    terminal = False
    with serve_dist() as url, chromium() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
        for i in range(loads + 1):
            driver.get("about:blank")
            driver.get(url)
            deadline = time.time() + 30
            at = None
            while time.time() < deadline:
                at = driver.execute_script("return window.__readyAt === undefined ? null : window.__readyAt")
                if at is not None:
                    break
                time.sleep(0.02)
            if at is None:
                print("page never became ready", file=sys.stderr)
                sys.exit(1)
            terminal = driver.execute_script("return window.__terminal") or terminal
            if i > 0:  # the first load warms up the browser process itself
                times.append(at)
    what = "app-ready + terminal input" if terminal else "app-ready (no terminal input in this build)"
    med = statistics.median(times)
    print(f"LOAD {med:.0f} {min(times):.0f} {max(times):.0f} {len(times)} {what}")
    print(f"RESULT page_load_to_interactive {med:.1f} 1 load")


if __name__ == "__main__":
    main()
