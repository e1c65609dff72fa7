"""An accessibility audit with axe-core (npm's `axe-core`, installed into .tools/ by
`scripts/setup.sh --browser`): the page, a tour, a challenge and the embed have no serious or
critical violation, with the rules of WCAG 2.0-2.2 A and AA and the label-in-name rule (WCAG
2.5.3: a control's accessible name contains its visible text, so a person can press it by
saying what they see to voice control)."""

import json
import os
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from harness import ROOT, chromium, serve_dist

AXE = os.environ.get("AXE_CORE_JS") or os.path.join(ROOT, ".tools", "node_modules", "axe-core", "axe.min.js")

# What axe runs: the WCAG A/AA rule tags, plus label-content-name-mismatch (tagged
# experimental in axe, so off unless named).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "rules": {"label-content-name-mismatch": {"enabled": True}},
    "resultTypes": ["violations"],
}


def audit(driver):
    """Runs axe on the current page; returns its serious and critical violations as text."""
    with open(AXE, encoding="utf-8") as f:
        driver.execute_script(f.read())
    driver.set_script_timeout(120)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, arguments[0]).then(r => done(JSON.stringify(r.violations)),"
        " e => done(JSON.stringify([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));",
        AXE_OPTIONS)
    found = []
    for v in json.loads(result):
        if v.get("impact") in ("serious", "critical"):
            targets = "; ".join(
                f"{n.get('target')} {n.get('failureSummary', '')!r}" for n in v.get("nodes", [])[:4])
            found.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return found


def wait_for(driver, css, timeout=40):
    return WebDriverWait(driver, timeout).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


class AccessibilityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(AXE):
            raise AssertionError(f"axe-core is not installed at {AXE}: run scripts/setup.sh --browser")

    def test_the_page_a_tour_a_challenge_and_the_embed_have_no_serious_violation(self):
        pages = [
            ("page", "", "[data-testid=network] [data-testid=host-card]"),
            ("tour", "?scenario=seed-journey", "[data-testid=tour]"),
            ("challenge", "?challenge=deliver-by-hand", "[data-testid=challenge]"),
            ("embed", "embed.html?scenario=seed-journey", "[data-testid=tour]"),
        ]
        with serve_dist() as url, chromium(height=1000) as driver:
            problems = {}
            for name, path, ready in pages:
                driver.get(url + path)
                wait_for(driver, ready)
                wait_for(driver, "[data-testid=host-card]")
                found = audit(driver)
                if found:
                    problems[name] = found
            self.assertEqual(problems, {}, json.dumps(problems, indent=1))

    def test_a_host_box_is_named_by_its_visible_text(self):
        # WCAG 2.5.3: the name a screen reader hears starts with what the box shows.
        with serve_dist() as url, chromium(height=1000) as driver:
            driver.get(url)
            card = wait_for(driver, "[data-testid=host-card][data-host='pc.home.example']")
            name = driver.execute_script(
                "return arguments[0].getAttribute('aria-label') || arguments[0].textContent;", card)
            visible = " ".join(t.text for t in card.find_elements(By.CSS_SELECTOR, "text") if t.text)
            words = " ".join(name.split())
            self.assertTrue(words.startswith(" ".join(visible.split())), f"{words!r} vs {visible!r}")
            self.assertIn("pc.home.example", words)


if __name__ == "__main__":
    unittest.main()
