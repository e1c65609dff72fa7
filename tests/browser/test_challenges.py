"""Challenges that check themselves: two solved by typing in a terminal, one with the mail
client pane; a partial attempt shows what is missing; hints come one at a time; progress is
remembered in the list."""

import os
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, text_of, wait

# The list counts every challenge file (challenges/*.json), so a new challenge does not break this.
CHALLENGES = len([f for f in os.listdir(os.path.join(os.path.dirname(__file__), "..", "..", "challenges")) if f.endswith(".json")])


def open_challenge(driver, url, cid):
    driver.get(f"{url}?challenge={cid}")
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=challenge]"))
    return lambda: text_of(driver, "[data-testid=challenge-status]")


def terminal(driver, from_text, target):
    """Opens a terminal session; returns a function that sends a line and waits for `want`."""
    Select(css(driver, "[data-testid=term-from]")).select_by_visible_text(from_text)
    box = css(driver, "[data-testid=term-target]")
    box.clear()
    box.send_keys(target + Keys.ENTER)
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=term-input]"))
    out = "[data-testid=term-output]"

    def say(line, want=None):
        before = text_of(driver, out).count(want) if want else 0
        css(driver, "[data-testid=term-input]").send_keys(line + Keys.ENTER)
        if want:
            wait(driver, lambda d: text_of(d, out).count(want) > before, msg=f"{line!r} -> {want!r}")
    wait(driver, lambda d: text_of(d, out).count("220 ") + text_of(d, out).count("+OK") > 0, msg="greeting")
    return say


HOME = "pc.home.example — Sender's PC (home)"
OFFICE = "pc.corp.example — Recipient's PC (office)"


def smtp_to_alice(say, subject):
    say("EHLO pc.home.example", "250 ")
    say("MAIL FROM:<smith@isp.example>", "250 2.1.0")
    say("RCPT TO:<alice@corp.example>", "250 2.1.5")
    say("DATA", "354 ")
    for line in ["From: smith@isp.example", "To: alice@corp.example", f"Subject: {subject}", "", "Typed by hand."]:
        say(line)
    say(".", "250 2.0.0")


class ChallengeTest(unittest.TestCase):
    def test_deliver_by_hand_typed_in_a_terminal_with_a_partial_attempt_first(self):
        with serve_dist() as url, chromium(height=1100) as driver:
            status = open_challenge(driver, url, "deliver-by-hand")
            self.assertTrue(status().startswith("Not yet"), status())
            # Hints one at a time.
            click(driver, "[data-testid=challenge-hint]")
            self.assertEqual(len(driver.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-hints] li")), 1)
            click(driver, "[data-testid=challenge-hint]")
            self.assertEqual(len(driver.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-hints] li")), 2)
            # A partial attempt: delivered, but with another subject.
            say = terminal(driver, HOME, "mx.corp.example 25")
            smtp_to_alice(say, "Hi")
            wait(driver, lambda d: "alice's INBOX has no message with the subject Hello that came straight" in status(),
                 msg="the missing part is named")
            self.assertTrue(status().startswith("Not yet"))
            screenshot(driver, "challenge-partial.png")
            smtp_to_alice(say, "Hello")
            wait(driver, lambda d: status().startswith("Solved"), msg="solved")
            # The status stays in view in the sticky column while the terminal is used.
            self.assertTrue(text_of(driver, "[data-testid=challenge-badge]").endswith("Solved ✓"))
            explain = text_of(driver, "[data-testid=challenge-explain]")
            self.assertIn("RFC 5321 §3.3", explain)
            screenshot(driver, "challenge-solved.png")
            # The list remembers it.
            driver.get(url)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-list]"))
            click(driver, "[data-testid=challenge-list] summary")
            item = css(driver, "[data-testid=challenge-item][data-id=deliver-by-hand]")
            self.assertIn("solved", item.get_attribute("class"))
            self.assertIn(f"1 of {CHALLENGES} solved", text_of(driver, "[data-testid=challenge-list] summary"))
            link = css(driver, "[data-testid=share-progress]").get_attribute("href")
            self.assertTrue(link.endswith("#progress=deliver-by-hand"), link)
            self.assertEqual(console_errors(driver), [])
        # The progress link carries the ticks to another browser.
        with serve_dist() as url, chromium() as driver:
            driver.get(url + "#progress=deliver-by-hand,no-such-challenge")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-list]"))
            self.assertIn(f"1 of {CHALLENGES} solved", text_of(driver, "[data-testid=challenge-list] summary"))
            self.assertEqual(console_errors(driver), [])

    def test_pop3_top_typed_in_a_terminal(self):
        with serve_dist() as url, chromium(height=1100) as driver:
            status = open_challenge(driver, url, "pop3-top")
            say = terminal(driver, OFFICE, "mx.corp.example 110")
            say("USER boss", "+OK")
            say("PASS boss", "+OK")
            say("RETR 2", "+OK")
            wait(driver, lambda d: "TOP 2 0" in status(), msg="RETR is not TOP")
            self.assertTrue(status().startswith("Not yet"))
            say("TOP 2 0", "+OK")
            wait(driver, lambda d: status().startswith("Solved"), msg="solved")
            say("QUIT", "+OK")
            self.assertEqual(console_errors(driver), [])

    def test_two_recipients_with_the_mail_client(self):
        with serve_dist() as url, chromium(height=1100) as driver:
            status = open_challenge(driver, url, "two-recipients")
            click(driver, "[data-testid=client-tab-sender]")
            client = "[data-testid=client-sender]"
            to = css(driver, f"{client} [data-testid=compose-to]")
            to.clear()
            to.send_keys("boss@corp.example, alice@corp.example")
            css(driver, f"{client} [data-testid=compose-subject]").send_keys("For you both")
            css(driver, f"{client} [data-testid=compose-body]").send_keys("One message, two mailboxes.")
            click(driver, f"{client} [data-testid=compose-send]")
            wait(driver, lambda d: status().startswith("Solved"), msg="solved", timeout=60)
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
