"""What the release page costs while nobody touches it, in Debian's headless Chromium: for each
case below, the page is loaded and left alone until it settles, then Chrome's own counters
(`Performance.getMetrics` through the DevTools protocol) are read before and after 10 s of doing
nothing. Printed per case: the main thread's busy share (TaskDuration delta / wall time), and how
many layouts and style recalculations ran in those 10 s. A page at rest does none.

Before counting, a garbage collection is forced (`HeapProfiler.collectGarbage`) in every case:
what the page's start left behind is collected whenever V8 chooses, and a window that catches
that one-off collection (~30 ms for the live page, 14 MB of its start-up heap) says nothing of
what the page costs at rest.

Cases: (a) the whole page idle, (b) the embed (`embed.html?scenario=seed-journey`) idle, (b2) a
tour in the full layout (`tour.html?scenario=seed-journey`) idle, (c) the whole page with a POP3
terminal of 40 lines open (typed by hand, then left alone), (d) the live
page served by the TCP bridge (`mailsandbox-tcp --http`, target/debug's, built by
tests/clients/bridge.py) with an idle bridge (at rest the bridge holds the page's poll of its
log for 60 s: one request, answered empty, a minute).

Prints numbers; asserts nothing (a benchmark, not a test).

    trunk build --release --offline --dist target/test-dist
    MAIL_SANDBOX_DIST=target/test-dist python3 scripts/bench/idle_cpu.py [runs] [seconds] [live]

With `live` as third argument, only the live page is measured; with `page-and-live`, the whole
page idle and the live page.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "browser"))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from harness import DIST, chromium, serve_dist  # noqa: E402

# How long the page is left alone before counting (hops finish playing, lit links go dark).
# IDLE_SETTLE_S=40 leaves it alone longer (past V8's own collection of the start-up garbage).
SETTLE_S = float(os.environ.get("IDLE_SETTLE_S", "4"))
TERMINAL_LINES = 40


def wait_for(driver, cond, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if cond(driver):
                return True
        except Exception:  # noqa: BLE001 (an element re-rendered under us: look again)
            pass
        time.sleep(0.05)
    raise TimeoutError("the page never got there")


def metrics(driver):
    got = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {m["name"]: m["value"] for m in got}


def is_still(driver):
    """No hop on the picture and no lit link: what the page shows has stopped moving."""
    return not driver.find_elements(By.CSS_SELECTOR, "[data-testid=hop], g.link.active")


def open_fresh(driver, url):
    """Loads `url` with no saved world (the whole page otherwise resumes the last one)."""
    driver.get(url)
    driver.execute_script("localStorage.clear(); indexedDB.deleteDatabase('mail-sandbox')")
    driver.get(url)
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))


def whole_page(driver, base):
    open_fresh(driver, base)


def embed(driver, base):
    driver.get(base + "embed.html?scenario=seed-journey")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=tour]"))


def tour_page(driver, base):
    driver.get(base + "tour.html?scenario=seed-journey")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=tour]"))


def pop3_terminal(driver, base):
    """A POP3 session typed by hand until its terminal shows 40 lines, then left open."""
    open_fresh(driver, base)
    Select(driver.find_element(By.CSS_SELECTOR, "[data-testid=term-from]")).select_by_visible_text(
        "pc.corp.example — Recipient's PC (office)")
    target = driver.find_element(By.CSS_SELECTOR, "[data-testid=term-target]")
    target.clear()
    target.send_keys("mx.corp.example 110" + Keys.ENTER)
    out = "[data-testid=term-output]"
    wait_for(driver, lambda d: "+OK" in d.find_element(By.CSS_SELECTOR, out).text)
    lines = lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{out} .tl"))  # noqa: E731
    commands = iter(["USER boss", "PASS boss", "STAT", "LIST", "UIDL"] + ["NOOP"] * 40)
    while lines(driver) < TERMINAL_LINES:
        before = lines(driver)
        inp = driver.find_element(By.CSS_SELECTOR, "[data-testid=term-input]")
        inp.send_keys(next(commands) + Keys.ENTER)
        # The reply: at least the command and one line back.
        wait_for(driver, lambda d: lines(d) >= before + 2)


def live_page(driver, base):
    driver.get(base)
    note = "[data-testid=live-note]"
    wait_for(driver, lambda d: "Live: the bridge's world" in d.find_element(By.CSS_SELECTOR, note).text)


CASES = [
    ("whole page, idle", whole_page),
    ("embed, idle", embed),
    ("tour page (tour.html), idle", tour_page),
    (f"whole page, POP3 terminal of {TERMINAL_LINES} lines", pop3_terminal),
]


def measure(base, setup, seconds):
    with chromium(width=1280, height=900) as driver:
        driver.set_page_load_timeout(120)
        setup(driver, base)
        # Settle: whatever was still playing ends, then a little more.
        wait_for(driver, is_still, timeout=120)
        time.sleep(SETTLE_S)
        driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "timeTicks"})
        before = metrics(driver)
        time.sleep(seconds)
        after = metrics(driver)
        wall = after["Timestamp"] - before["Timestamp"]
        busy = (after["TaskDuration"] - before["TaskDuration"]) / wall
        layouts = int(after["LayoutCount"] - before["LayoutCount"])
        styles = int(after["RecalcStyleCount"] - before["RecalcStyleCount"])
        return busy, layouts, styles, wall


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    print(f"idle cost over {seconds:.0f} s of doing nothing, median of {runs} runs, dist: {DIST}")
    print(f"{'case':<40} {'main thread busy':>17} {'layouts':>8} {'style recalcs':>14}")
    if sys.argv[3:4] != ["live"]:
        with serve_dist() as base:
            cases = CASES[:1] if sys.argv[3:4] == ["page-and-live"] else CASES
            for name, setup in cases:
                report(name, [measure(base, setup, seconds) for _ in range(runs)])
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "clients"))
    from bridge import Bridge  # noqa: E402
    with Bridge("--http", "0", "--page-dir", DIST) as b:
        host, port = b.addr("http", "api")
        base = f"http://{host}:{port}/"
        report("live page (bridge idle)", [measure(base, live_page, seconds) for _ in range(runs)])


def report(name, results):
    busy = statistics.median(r[0] for r in results)
    layouts = statistics.median(r[1] for r in results)
    styles = statistics.median(r[2] for r in results)
    each = ", ".join(f"{r[0] * 100:.2f}%/{r[1]}/{r[2]}" for r in results)
    print(f"{name:<40} {busy * 100:>16.2f}% {layouts:>8.0f} {styles:>14.0f}   (runs: {each})")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
