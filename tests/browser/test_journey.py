"""One screen: the picture stays in view while a person sends and types, and draws the journey
hop by hop (commands on the links, the queue, the MX lookup as a DNS question and answer, the
relay, the delivery), explained beside it; phones get a sticky strip; dark theme and reduced
motion."""

import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, fresh_page, mbox_count, text_of, wait

# Records every label the picture shows, however briefly, in window.__hops.
RECORD_HOPS = """
window.__hops = [];
const last = new WeakMap();
const look = () => {
  for (const t of document.querySelectorAll('[data-testid=hop-label],[data-testid=hop-answer]')) {
    if (last.get(t) !== t.textContent) {
      last.set(t, t.textContent);
      window.__hops.push(t.textContent);
    }
  }
};
new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
"""


def hops(driver):
    """The hop labels drawn so far, without the lock a hop inside TLS carries (the mail client
    uses STARTTLS by default, so its commands are drawn as `🔒 AUTH ▶`)."""
    return [h.removeprefix("🔒 ") for h in driver.execute_script("return window.__hops || []")]


def in_viewport(driver, sel):
    """True when the element is wholly inside the window."""
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth && r.height > 0;",
        sel)


def no_horizontal_overflow(driver):
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


class JourneyTest(unittest.TestCase):
    def test_send_draws_every_hop_with_the_picture_in_view(self):
        with serve_dist() as url, chromium(width=1440, height=900) as driver:
            fresh_page(driver, url)
            driver.execute_script(RECORD_HOPS)
            click(driver, "[data-testid=client-tab-sender]")
            client = "[data-testid=client-sender]"
            to = css(driver, f"{client} [data-testid=compose-to]")
            to.clear()
            to.send_keys("boss@corp.example")
            css(driver, f"{client} [data-testid=compose-subject]").send_keys("Watch it travel")
            css(driver, f"{client} [data-testid=compose-body]").send_keys("Hop by hop.")
            send = css(driver, f"{client} [data-testid=compose-send]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", send)
            # Where the person acts, the picture is in view.
            self.assertTrue(in_viewport(driver, "[data-testid=network]"), "picture in view while composing")
            send.click()
            self.assertTrue(in_viewport(driver, "[data-testid=network]"), "picture in view when Send is pressed")
            wait(driver, lambda d: "AUTH ▶" in hops(d), msg="AUTH drawn on the submission link")
            for label in ["MAIL ▶", "RCPT ▶", "DATA ▶"]:
                wait(driver, lambda d: label in hops(d), msg=label)
            wait(driver, lambda d: "DNS: corp.example MX?" in hops(d), msg="the MX question")
            wait(driver, lambda d: "→ 10 mx.corp.example" in hops(d), msg="the MX answer")
            screenshot(driver, "journey-desktop.png")
            wait(driver, lambda d: "250 relayed ▶" in hops(d), msg="the relay on the ISP -> MX link")
            wait(driver, lambda d: "✉ +1 boss's INBOX" in hops(d), msg="the delivery")
            wait(driver, lambda d: mbox_count(d, "boss") == 4)
            seq = hops(driver)
            order = [seq.index(x) for x in ["AUTH ▶", "DATA ▶", "DNS: corp.example MX?", "✉ +1 boss's INBOX"]]
            self.assertEqual(order, sorted(order), f"hops drawn in journey order: {seq}")
            self.assertLess(seq.index("DNS: corp.example MX?"), seq.index("250 relayed ▶"))
            # The ISP hop is a relay, not a delivery, and names both hosts and the reply.
            log = text_of(driver, "[data-testid=event-log]")
            self.assertRegex(log, r"smtp\.isp\.example -> mx\.corp\.example: Q\d+ relayed \(250 ")
            self.assertRegex(log, r"mx\.corp\.example: Q\d+ delivered to boss's INBOX")
            self.assertRegex(log, r"smtp\.isp\.example: DNS corp\.example MX\? -> 10 mx\.corp\.example")
            notes = text_of(driver, "[data-testid=journey-notes]")
            self.assertIn("RFC 5321 §", notes)
            self.assertTrue(no_horizontal_overflow(driver))
            self.assertEqual(console_errors(driver), [])

    def test_typing_in_a_terminal_keeps_the_picture_in_view_at_1280x720(self):
        with serve_dist() as url, chromium(width=1280, height=720) as driver:
            fresh_page(driver, url)
            driver.execute_script(RECORD_HOPS)
            Select(css(driver, "[data-testid=term-from]")).select_by_index(0)
            target = css(driver, "[data-testid=term-target]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
            target.clear()
            target.send_keys("mx.corp.example 110" + Keys.ENTER)
            wait(driver, lambda d: "+OK" in text_of(d, "[data-testid=term-output]"))
            inp = css(driver, "[data-testid=term-input]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", inp)
            inp.send_keys("USER boss" + Keys.ENTER)
            inp.send_keys("PASS boss" + Keys.ENTER)
            inp.send_keys("RETR 1" + Keys.ENTER)
            wait(driver, lambda d: "RETR ▶" in hops(d), msg="RETR drawn on the link")
            self.assertTrue(in_viewport(driver, "[data-testid=network]"), "picture in view while typing")
            self.assertTrue(in_viewport(driver, "[data-testid=term-input]"))
            # Escape leaves the input (no keyboard trap).
            inp.send_keys(Keys.ESCAPE)
            self.assertNotEqual(driver.switch_to.active_element, inp)
            screenshot(driver, "terminal-1280x720.png")
            self.assertEqual(console_errors(driver), [])

    def test_phones_get_a_sticky_strip_and_no_horizontal_overflow(self):
        for width in (360, 375, 390):
            with serve_dist() as url, chromium(width=width, height=780) as driver:
                fresh_page(driver, url)
                wait(driver, lambda d: mbox_count(d, "boss") == 3)
                self.assertEqual(css(driver, "[data-testid=network]").get_attribute("data-layout"), "strip")
                self.assertTrue(no_horizontal_overflow(driver), f"no overflow at {width}px")
                inp = css(driver, "[data-testid=term-target]")
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", inp)
                time.sleep(0.3)
                self.assertTrue(in_viewport(driver, "[data-testid=network]"), f"strip reachable at {width}px")
                self.assertTrue(no_horizontal_overflow(driver), f"no overflow at {width}px after scrolling")
                if width == 360:
                    screenshot(driver, "phone.png")
                self.assertEqual(console_errors(driver), [])

    def test_dark_theme_and_reduced_motion(self):
        flags = ["--force-prefers-reduced-motion"]
        with serve_dist() as url, chromium(width=1280, height=900, extra_flags=flags) as driver:
            driver.get(url + "?theme=dark")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
            self.assertEqual(driver.execute_script("return document.documentElement.dataset.theme"), "dark")
            bg = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
            self.assertEqual(bg, "rgb(18, 22, 30)")
            driver.execute_script(RECORD_HOPS)
            Select(css(driver, "[data-testid=term-from]")).select_by_index(0)
            target = css(driver, "[data-testid=term-target]")
            target.clear()
            target.send_keys("mx.corp.example 110" + Keys.ENTER)
            wait(driver, lambda d: "+OK" in text_of(d, "[data-testid=term-output]"))
            css(driver, "[data-testid=term-input]").send_keys("USER boss" + Keys.ENTER)
            # The same information, without motion: labels appear, no envelope moves.
            wait(driver, lambda d: "USER ▶" in hops(d))
            moving = driver.execute_script(
                "return [...document.querySelectorAll('.envelope.moving')].filter(e => getComputedStyle(e).display !== 'none').length")
            self.assertEqual(moving, 0)
            screenshot(driver, "dark.png")
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
