"""dist/ works from any static host and from a sub-path, with no server logic: the page is
copied under /docs/mail/ of a plain file server and must mount there (whole sandbox and tour).
Also prints the embed page's load time (median of several loads) for the record."""

import functools
import http.server
import os
import shutil
import socketserver
import statistics
import tempfile
import threading
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import DIST, REQUESTED, _QuietHandler, chromium, console_errors, screenshot, serve_dist


class StaticHostingTest(unittest.TestCase):
    def test_pages_say_what_is_loading_before_their_module_runs(self):
        # What a reader sees while the wasm downloads (seconds on a slow phone): a line about what
        # is coming, in the static HTML itself.
        for page, words in (("index.html", "Loading the mail system"), ("embed.html", "loading the live demo"),
                            ("live.html", "connecting to the bridge"), ("tour.html", "loading the guided tour")):
            with open(os.path.join(DIST, page), encoding="utf-8") as f:
                html = f.read()
            self.assertIn('id="loading"', html, page)
            self.assertIn(words, html, page)

    def test_a_slow_network_shows_the_loading_note_in_the_asked_theme(self):
        # At 200 KB/s the module takes seconds to arrive: meanwhile the reader sees the note, in
        # the dark theme the embed was asked for; once the tour is there the note is gone.
        with serve_dist() as url, chromium(width=500, height=560) as driver:
            driver.execute_cdp_cmd("Network.enable", {})
            driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
                "offline": False, "latency": 150, "downloadThroughput": 200_000, "uploadThroughput": 90_000})
            driver.get(url + "embed.html?scenario=seed-journey&theme=dark")
            note = driver.find_element(By.ID, "loading")
            self.assertTrue(note.is_displayed())
            self.assertIn("loading the live demo", note.text)
            self.assertEqual(driver.execute_script("return document.documentElement.dataset.theme"), "dark")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-testid=tour]"), [])
            screenshot(driver, "loading-embed-dark.png")
            WebDriverWait(driver, 60).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=tour]")))
            self.assertEqual(driver.find_elements(By.ID, "loading"), [])
            self.assertEqual(console_errors(driver), [])

    def test_page_works_from_a_sub_path(self):
        root = tempfile.mkdtemp()
        try:
            shutil.copytree(DIST, os.path.join(root, "docs", "mail"))
            handler = functools.partial(_QuietHandler, directory=root)
            with socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler) as httpd:
                threading.Thread(target=httpd.serve_forever, daemon=True).start()
                base = f"http://127.0.0.1:{httpd.server_address[1]}/docs/mail/"
                with chromium() as driver:
                    REQUESTED.clear()
                    driver.get(base)
                    WebDriverWait(driver, 30).until(
                        EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=app-ready]"))
                    )
                    # The note shown while the module loaded is gone once the app is there.
                    self.assertEqual(driver.find_elements(By.ID, "loading"), [])
                    # The whole page fetches its own wasm once (preloaded, then used), not the embed's;
                    # the TLS module comes after it, at idle, from the same sub-path.
                    WebDriverWait(driver, 30).until(
                        lambda d: d.execute_script("return document.documentElement.dataset.tls") == "loaded"
                    )
                    wasm = [p for p in REQUESTED if p.endswith(".wasm")]
                    self.assertEqual(len(wasm), 2, wasm)
                    self.assertIn("/docs/mail/mail-sandbox-web-", wasm[0])
                    self.assertEqual(wasm[1], "/docs/mail/tls/mail-sandbox-tls_bg.wasm")
                    times = []
                    for _ in range(5):
                        driver.get(base + "embed.html?scenario=seed-journey")
                        WebDriverWait(driver, 30).until(
                            EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=tour]"))
                        )
                        self.assertIn("compact", driver.find_element(By.CSS_SELECTOR, "[data-testid=tour]").get_attribute("class"))
                        times.append(driver.execute_script("return performance.now()"))
                    print(f"\nembed page load to interactive tour: median {statistics.median(times):.0f} ms "
                          f"(of {', '.join(f'{t:.0f}' for t in times)} ms)")
                    self.assertEqual(console_errors(driver), [])
                httpd.shutdown()
        finally:
            shutil.rmtree(root)


if __name__ == "__main__":
    unittest.main()
