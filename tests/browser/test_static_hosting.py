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

from harness import DIST, REQUESTED, _QuietHandler, chromium, console_errors


class StaticHostingTest(unittest.TestCase):
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
                    # The whole page fetches its own wasm once (preloaded, then used), not the embed's.
                    wasm = [p for p in REQUESTED if p.endswith(".wasm")]
                    self.assertEqual(len(wasm), 1, wasm)
                    self.assertIn("/docs/mail/mail-sandbox-web-", wasm[0])
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
