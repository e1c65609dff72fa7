"""TLS in the page (issue 26): the TLS module arrives after the first paint (not in the first
load), and a STARTTLS typed in a port-25 terminal really encrypts: the terminal gets 220 and
types through TLS from then on, and the wire (the connection's transcript) after the upgrade
is records, not the plaintext typed (the eavesdropper's view). Runs against the release build in dist/."""

import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, fresh_page, text_of, wait

OUT = "[data-testid=terminal][data-visible=true] [data-testid=term-output]"


class TlsTest(unittest.TestCase):
    def test_starttls_in_a_terminal_encrypts_what_follows(self):
        with serve_dist() as url, chromium(height=1400) as driver:
            fresh_page(driver, url)
            # The module comes after the page is up, fetched on its own.
            wait(driver, lambda d: d.execute_script("return document.documentElement.dataset.tls") == "loaded",
                 msg="TLS module loaded")
            fetched = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)")
            self.assertTrue(any("tls/mail-sandbox-tls_bg.wasm" in n for n in fetched), fetched)
            Select(css(driver, "[data-testid=term-from]")).select_by_visible_text(
                "pc.home.example — Sender's PC (home)")
            target = css(driver, "[data-testid=term-target]")
            target.clear()
            target.send_keys("smtp.isp.example 25" + Keys.ENTER)
            wait(driver, lambda d: "220 " in text_of(d, OUT), msg="greeting")
            inp = css(driver, "[data-testid=term-input]")
            inp.send_keys("EHLO x" + Keys.ENTER)
            wait(driver, lambda d: "STARTTLS" in text_of(d, OUT), msg="STARTTLS offered")
            inp.send_keys("STARTTLS" + Keys.ENTER)
            wait(driver, lambda d: "220 2.0.0" in text_of(d, OUT), msg="220 to STARTTLS")
            # Through TLS now: the server's answer is decrypted for the person.
            before = text_of(driver, OUT).count("250-")
            inp.send_keys("EHLO secret-name.example" + Keys.ENTER)
            wait(driver, lambda d: text_of(d, OUT).count("250-") > before, msg="EHLO answered inside TLS")
            # The wire after STARTTLS is records (the eavesdropper's view beside the transcript
            # shows the bytes as they crossed): what was typed inside TLS is not on it.
            rows = driver.find_elements(
                By.CSS_SELECTOR, "[data-testid=conn][data-port='25'] [data-testid=conn-toggle]")
            self.assertTrue(rows)
            rows[-1].click()
            wait(driver, lambda d: "secret-name.example" in text_of(d, "[data-testid=transcript]"),
                 msg="the transcript reads the conversation inside TLS")
            wait(driver, lambda d: "STARTTLS" in text_of(d, "[data-testid=eavesdrop]"))
            wire = text_of(driver, "[data-testid=eavesdrop]")
            self.assertIn("220 2.0.0", wire)
            after = wire.split("220 2.0.0", 1)[1]
            self.assertNotIn("secret-name.example", after)
            self.assertNotIn("250-", after)
            screenshot(driver, "tls-terminal.png")
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
