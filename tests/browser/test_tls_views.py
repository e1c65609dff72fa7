"""TLS made visible (issue 26), on the release build: a terminal types STARTTLS and goes on
through TLS, the picture locks the encrypted link, the eavesdropper's view beside a transcript
shows ciphertext after STARTTLS and the decoded password without it, and the tour "What TLS
hides and what it does not" plays to its end. Screenshots at desktop and phone sizes go to
artifacts/ (tls-*.png)."""

import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import REQUESTED, chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, fresh_page, text_of, wait

SMITH_PLAIN = "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo"


def tls_loaded(driver, since):
    """The page fetched its TLS module (it comes at idle after the first paint) after the
    `since`-th request the test servers saw, and says it loaded it."""
    wait(driver, lambda d: any("/tls/" in p and p.endswith(".wasm") for p in REQUESTED[since:]),
         msg="TLS module fetched")
    wait(driver, lambda d: d.execute_script("return document.documentElement.dataset.tls") == "loaded",
         msg="TLS module loaded")


def open_terminal(driver, target_text, from_label=None):
    if from_label:
        Select(css(driver, "[data-testid=term-from]")).select_by_visible_text(from_label)
    target = css(driver, "[data-testid=term-target]")
    target.clear()
    target.send_keys(target_text + Keys.ENTER)
    out = "[data-testid=terminal][data-visible=true] [data-testid=term-output]"
    wait(driver, lambda d: any(g in text_of(d, out) for g in ("220 ", "+OK", "* OK")), msg="greeting")
    return out


def type_and_wait(driver, out, line, want):
    css(driver, "[data-testid=terminal][data-visible=true] [data-testid=term-input]").send_keys(line + Keys.ENTER)
    wait(driver, lambda d: want in text_of(d, out), msg=want)


def open_transcript(driver, port, nth=0):
    rows = driver.find_elements(By.CSS_SELECTOR, f"[data-testid=conn][data-port='{port}'] [data-testid=conn-toggle]")
    rows[nth].click()


class TlsPageTest(unittest.TestCase):
    def test_starttls_in_a_terminal_locks_the_link_and_hides_the_password_from_the_eavesdropper(self):
        with serve_dist() as url, chromium() as driver:
            since = len(REQUESTED)
            fresh_page(driver, url)
            tls_loaded(driver, since)
            out = open_terminal(driver, "smtp.isp.example 587")
            type_and_wait(driver, out, "EHLO pc.home.example", "STARTTLS")
            type_and_wait(driver, out, "STARTTLS", "typing through TLS")
            self.assertIn("TLS", text_of(driver, "[data-testid=terminal][data-visible=true] [data-testid=term-state]"))
            type_and_wait(driver, out, "EHLO pc.home.example", "250 ")
            type_and_wait(driver, out, SMITH_PLAIN, "235 ")
            # The picture: the submission link is locked once the handshake's hops are drawn.
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR,
                 '[data-testid="link-pc.home.example-smtp.isp.example"][data-locked=true] [data-testid=link-lock]'),
                 msg="lock on the submission link")
            notes = text_of(driver, "[data-testid=journey-notes]")
            self.assertIn("RFC 8446", notes)
            screenshot(driver, "tls-terminal.png")
            # The eavesdropper's view beside the transcript: ciphertext after STARTTLS.
            open_transcript(driver, 587)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=eavesdrop-cipher]"), msg="ciphertext")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-testid=eavesdrop-secret]"), [])
            view = text_of(driver, "[data-testid=eavesdrop]")
            self.assertIn("STARTTLS", view)
            self.assertNotIn("AHNtaXRo", view)
            transcript = text_of(driver, "[data-testid=transcript]")
            self.assertIn("AUTH PLAIN ********", transcript)
            self.assertNotIn("\ufffd", transcript)
            driver.execute_script("document.querySelector('[data-testid=eavesdrop]').scrollIntoView({block: 'end'})")
            screenshot(driver, "tls-eavesdrop-cipher.png")
            self.assertEqual(console_errors(driver), [])

    def test_without_starttls_the_eavesdropper_reads_the_decoded_password(self):
        with serve_dist() as url, chromium() as driver:
            fresh_page(driver, url)
            out = open_terminal(driver, "smtp.isp.example 587")
            type_and_wait(driver, out, "EHLO pc.home.example", "250 ")
            type_and_wait(driver, out, SMITH_PLAIN, "235 ")
            open_transcript(driver, 587)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=eavesdrop-secret]"), msg="secret shown")
            secret = text_of(driver, "[data-testid=eavesdrop-secret]")
            self.assertIn(SMITH_PLAIN, secret)
            self.assertIn("password smith", secret)
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-testid=eavesdrop-cipher]"), [])
            # Masked everywhere else.
            self.assertIn("AUTH PLAIN ********", text_of(driver, "[data-testid=transcript]"))
            driver.execute_script("document.querySelector('[data-testid=eavesdrop]').scrollIntoView({block: 'end'})")
            screenshot(driver, "tls-eavesdrop-clear.png")
            self.assertEqual(console_errors(driver), [])

    def test_the_password_found_in_the_eavesdroppers_view_solves_its_challenge(self):
        with serve_dist() as url, chromium() as driver:
            driver.get(f"{url}?challenge=eavesdrop-a-password")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=challenge]"))
            open_transcript(driver, 110)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=eavesdrop-secret]"), msg="secret")
            secret = text_of(driver, "[data-testid=eavesdrop-secret]")
            password = secret.rsplit("as typed: ", 1)[-1].strip()
            self.assertEqual(password, "tulip-7-march")
            self.assertNotIn(password, text_of(driver, "[data-testid=transcript]"))
            out = open_terminal(driver, "mx.corp.example 143", "pc.corp.example — Recipient's PC (office)")
            type_and_wait(driver, out, f"a1 LOGIN alice {password}", "a1 OK")
            wait(driver, lambda d: text_of(d, "[data-testid=challenge-status]").startswith("Solved"), msg="solved")
            screenshot(driver, "tls-challenge-eavesdrop.png")
            self.assertEqual(console_errors(driver), [])

    def test_the_tls_tour_plays_to_its_end_at_desktop_and_phone_sizes(self):
        for width, height, name in [(1280, 900, "desktop"), (390, 844, "phone")]:
            with self.subTest(name), serve_dist() as url, chromium(width, height) as driver:
                since = len(REQUESTED)
                driver.get(f"{url}?scenario=what-tls-hides")
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=tour]"))
                tls_loaded(driver, since)
                nxt = css(driver, "[data-testid=tour-next]")
                for i in range(20):
                    if not nxt.is_enabled():
                        break
                    nxt.click()
                    time.sleep(0.3)
                    failures = driver.find_elements(By.CSS_SELECTOR, ".tour-failures li")
                    self.assertEqual([f.text for f in failures], [], f"step {i + 1}")
                    if i == 2:
                        time.sleep(2.5)  # let the picture draw the handshake's hops
                        wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=link-lock]"), msg="lock")
                        screenshot(driver, f"tls-tour-{name}-handshake.png")
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=tour-done]"))
                text = text_of(driver, "[data-testid=tour]")
                self.assertIn("with ESMTPSA", text)
                # Nothing sticks out sideways at this size.
                overflow = driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 1, name)
                screenshot(driver, f"tls-tour-{name}.png")
                self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
