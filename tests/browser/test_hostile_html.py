"""Hostile HTML mail cannot run script or reach the page or the network: a message with
<script>, event handlers, a javascript: link and a remote image is imported and opened in the
recipient's client; nothing runs and the "remote" server gets no request."""

import functools
import http.server
import os
import socketserver
import tempfile
import threading
import time
import unittest

from selenium.webdriver.common.by import By

from harness import chromium, console_errors, serve_dist
from test_ui import click, css, fresh_page, text_of, wait


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits = []

    def do_GET(self):
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


class HostileHtmlTest(unittest.TestCase):
    def test_hostile_html_does_nothing(self):
        with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder) as remote:
            threading.Thread(target=remote.serve_forever, daemon=True).start()
            remote_url = f"http://127.0.0.1:{remote.server_address[1]}"
            html = (
                "<html><body onload=\"parent.__pwned='onload'\">"
                "<script>parent.__pwned='script'; top.__pwned='script';</script>"
                "<img src=\"nonexistent.png\" onerror=\"parent.__pwned='onerror'\">"
                f"<img src=\"{remote_url}/pixel.gif\">"
                "<a id=js href=\"javascript:parent.__pwned='link'\">click me</a>"
                "<p>Hostile but harmless</p></body></html>"
            )
            eml = os.path.join(tempfile.mkdtemp(), "hostile.eml")
            with open(eml, "w") as f:
                f.write("From: mallory@evil.example\r\nTo: boss@corp.example\r\n"
                        "Subject: Hostile HTML\r\nMIME-Version: 1.0\r\n"
                        "Content-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n")
            with serve_dist() as url, chromium(height=1400) as driver:
                fresh_page(driver, url)
                click(driver, "[data-testid=client-tab-recipient]")
                rc = "[data-testid=client-recipient]"
                click(driver, f"{rc} [data-testid=proto-imap]")
                click(driver, f"{rc} [data-testid=login]")
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"{rc} [data-testid=folder][data-folder=INBOX]"))
                css(driver, f"{rc} [data-testid=import-eml]").send_keys(eml)
                row = f'{rc} [data-testid=msg-row][data-subject="Hostile HTML"]'
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, row), msg="imported")
                click(driver, row)
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f"{rc} [data-testid=html-frame]"))
                frame = css(driver, f"{rc} [data-testid=html-frame]")
                self.assertEqual(frame.get_attribute("sandbox"), "")
                # Try the javascript: link too.
                driver.switch_to.frame(frame)
                self.assertIn("Hostile but harmless", driver.find_element(By.TAG_NAME, "body").text)
                driver.find_element(By.ID, "js").click()
                driver.switch_to.default_content()
                time.sleep(1.0)
                self.assertIsNone(driver.execute_script("return window.__pwned === undefined ? null : window.__pwned"))
                self.assertEqual(_Recorder.hits, [], "the remote image was fetched")
                errors = [e for e in console_errors(driver)
                          if "Content Security Policy" not in e["message"] and "sandboxed" not in e["message"]
                          and "nonexistent.png" not in e["message"]]
                self.assertEqual(errors, [])
            remote.shutdown()


if __name__ == "__main__":
    unittest.main()
