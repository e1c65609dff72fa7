"""Browser smoke test: the optimised release build mounts, shows the default world, and logs no
console error. Run by scripts/test.sh after `trunk build --release`."""

import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import chromium, console_errors, screenshot, serve_dist


class SmokeTest(unittest.TestCase):
    def test_page_mounts_with_the_default_world(self):
        with serve_dist() as url, chromium() as driver:
            driver.get(url)
            WebDriverWait(driver, 30).until(
                EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=app-ready]"))
            )
            cards = driver.find_elements(By.CSS_SELECTOR, "[data-testid=host-card]")
            names = [c.find_element(By.CSS_SELECTOR, "[data-testid=host-name]").text for c in cards]
            self.assertEqual(
                names,
                ["pc.home.example", "smtp.isp.example", "mx.corp.example", "pc.corp.example"],
            )
            self.assertTrue(driver.find_elements(By.CSS_SELECTOR, '[data-testid="mbox-boss"]'))
            screenshot(driver, "smoke.png")
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
