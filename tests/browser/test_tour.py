"""Guided tours and embedding: each scenario plays to its end in the real page, an embedded
page (an iframe in a small host page) loads the requested scenario, and a share link
reproduces the step it was made at."""

import os
import tempfile
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import DIST, chromium, console_errors, screenshot, serve_dist

SCENARIOS = ["smtp-by-hand", "seed-journey", "imap", "what-goes-wrong"]


def wait_for(driver, css, timeout=30):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


class TourTest(unittest.TestCase):
    def test_each_scenario_plays_to_its_end_with_the_expected_transcript(self):
        with serve_dist() as url, chromium() as driver:
            for sid in SCENARIOS:
                driver.get(f"{url}?scenario={sid}")
                wait_for(driver, "[data-testid=tour]")
                nxt = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-next]")
                for _ in range(30):
                    if not nxt.is_enabled():
                        break
                    nxt.click()
                    failures = driver.find_elements(By.CSS_SELECTOR, ".tour-failures li")
                    self.assertEqual([f.text for f in failures], [], f"{sid}: a step's expectation failed")
                wait_for(driver, "[data-testid=tour-done]")
                text = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour]").text
                expected = {
                    "smtp-by-hand": "250 2.0.0 Ok: queued as",
                    "seed-journey": "Subject: Progress update",
                    "imap": "* 4 EXISTS",
                    "what-goes-wrong": "554 5.7.1",
                }[sid]
                self.assertIn(expected, text, sid)
                # Lines carry explanations with their RFC section.
                notes = driver.find_elements(By.CSS_SELECTOR, "[data-testid=explain]")
                self.assertTrue(any("RFC" in n.text for n in notes), sid)
                screenshot(driver, f"tour-{sid}.png")
            # The POP3 state diagram followed the session to its last state.
            driver.get(f"{url}?scenario=seed-journey")
            wait_for(driver, "[data-testid=tour]")
            nxt = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-next]")
            for _ in range(5):
                nxt.click()
            active = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".state-diagram .st.active")]
            self.assertIn("Transaction", active)
            self.assertEqual(console_errors(driver), [])

    def test_autoplay_embedded_in_a_small_iframe(self):
        with serve_dist() as url, chromium(width=900, height=700) as driver:
            host = os.path.join(DIST, "embed-test-host.html")
            with open(host, "w") as f:
                f.write(
                    "<!doctype html><title>docs page</title><h1>Docs</h1>"
                    "<iframe id=demo title='Mail Sandbox demo' width=420 height=480 "
                    "src='./?scenario=smtp-by-hand&autoplay=1&compact=1'></iframe>"
                )
            try:
                driver.get(url + "embed-test-host.html")
                driver.switch_to.frame(wait_for(driver, "#demo"))
                wait_for(driver, "[data-testid=tour]")
                self.assertIn("compact", driver.find_element(By.CSS_SELECTOR, "[data-testid=tour]").get_attribute("class"))
                # Autoplay reaches the end by itself.
                wait_for(driver, "[data-testid=tour-done]", timeout=60)
                self.assertIn("221", driver.find_element(By.CSS_SELECTOR, "[data-testid=tour]").text)
                driver.switch_to.default_content()
                screenshot(driver, "embed.png")
            finally:
                os.remove(host)

    def test_share_link_round_trips(self):
        with serve_dist() as url, chromium() as driver:
            driver.get(f"{url}?scenario=seed-journey")
            wait_for(driver, "[data-testid=tour]")
            nxt = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-next]")
            for _ in range(3):
                nxt.click()
            progress = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-progress]").text
            store = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-store]").text
            link = driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-share]").get_attribute("href")
            self.assertIn("step=3", link)
            driver.get(link)
            wait_for(driver, "[data-testid=tour]")
            self.assertEqual(driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-progress]").text, progress)
            self.assertEqual(driver.find_element(By.CSS_SELECTOR, "[data-testid=tour-store]").text, store)


if __name__ == "__main__":
    unittest.main()
