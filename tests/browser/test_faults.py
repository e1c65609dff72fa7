"""Faults on purpose and strict mode in the page (issue 15): a rule built in the host panel's
editor defers the relay with its 4xx, the queue retries, the message is delivered once the rule
is gone; a host switched to strict refuses a bare-LF line and says why."""

import time
import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, fresh_page, host_card, mbox_count, send_from_sender, text_of, wait

RULE = "mx.corp.example:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full"


def open_host(driver, name):
    css(driver, host_card(driver, name)).click()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'[data-testid=host-details][data-host="{name}"]'))


class FaultsTest(unittest.TestCase):
    def test_a_rule_from_the_editor_defers_then_removing_it_delivers(self):
        with serve_dist() as url, chromium(width=1440, height=1200) as driver:
            fresh_page(driver, url)
            open_host(driver, "mx.corp.example")
            # A syntax error says where and what was expected.
            inp = css(driver, "[data-testid=fault-input]")
            inp.send_keys("mx.corp.example:25 RCPT => 45")
            click(driver, "[data-testid=fault-add]")
            wait(driver, lambda d: "column" in text_of(d, "[data-testid=fault-error]"))
            inp.clear()
            inp.send_keys(RULE + Keys.ENTER)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=fault-rule]"))
            self.assertIn("452 4.2.2 Mailbox full", text_of(driver, "[data-testid=fault-rules]"))
            wait(driver, lambda d: "1 rule" in text_of(d, f'{host_card(d, "mx.corp.example")} [data-testid=rule-badge]'))
            send_from_sender(driver, "Into a full mailbox")
            wait(driver, lambda d: "452 4.2.2" in text_of(d, "[data-testid=event-log]")
                 and "deferred, will retry" in text_of(d, "[data-testid=event-log]"), msg="the 4xx defers")
            self.assertEqual(mbox_count(driver, "boss"), 3)
            screenshot(driver, "fault-deferred.png")
            open_host(driver, "smtp.isp.example")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=queue-row]"))
            self.assertIn("452", text_of(driver, "[data-testid=queue-error]"))
            # The queue retries: still deferred while the rule stands.
            click(driver, "[data-testid=skip]")
            wait(driver, lambda d: text_of(d, "[data-testid=event-log]").count("deferred, will retry") >= 2, msg="a retry")
            open_host(driver, "mx.corp.example")
            click(driver, "[data-testid=remove-fault-1]")
            wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid=fault-rule]"))
            for _ in range(10):
                if mbox_count(driver, "boss") == 4:
                    break
                click(driver, "[data-testid=skip]")
                time.sleep(0.5)
            wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="delivered once the rule is gone")
            wait(driver, lambda d: "delivered to boss's INBOX" in text_of(d, "[data-testid=event-log]"))
            self.assertEqual(console_errors(driver), [])

    def test_a_strict_host_refuses_a_bare_lf_line_and_says_why(self):
        with serve_dist() as url, chromium(width=1440, height=1200) as driver:
            fresh_page(driver, url)
            open_host(driver, "mx.corp.example")
            click(driver, "[data-testid=strict-toggle]")
            wait(driver, lambda d: "strict" in text_of(d, f'{host_card(d, "mx.corp.example")} [data-testid=rule-badge]'))
            Select(css(driver, "[data-testid=term-from]")).select_by_index(0)
            target = css(driver, "[data-testid=term-target]")
            target.clear()
            target.send_keys("mx.corp.example 25" + Keys.ENTER)
            out = "[data-testid=terminal][data-visible=true] [data-testid=term-output]"
            wait(driver, lambda d: "220 " in text_of(d, out))
            click(driver, "[data-testid=terminal][data-visible=true] [data-testid=term-bare-lf]")
            css(driver, "[data-testid=terminal][data-visible=true] [data-testid=term-input]").send_keys(
                "EHLO pc.corp.example" + Keys.ENTER)
            wait(driver, lambda d: "Bare LF" in text_of(d, out), msg="the strict refusal")
            self.assertIn("RFC 5321 §2.3.8", text_of(driver, out))
            notes = [n.text for n in driver.find_elements(By.CSS_SELECTOR, "[data-testid=fault-note]")]
            self.assertTrue(any("strict mode refused it" in n for n in notes), notes)
            screenshot(driver, "strict-bare-lf.png")
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
