"""The learning layer in the sandbox's own terminals: every line explained in place with its
RFC section, a hint for a mistyped command, and the POP3 state diagram following the session;
the explanations, tours and challenges come after the first paint and nothing waits for them."""

import unittest

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from harness import REQUESTED, chromium, console_errors, held, screenshot, serve_dist
from test_ui import css, fresh_page, text_of, wait


def open_terminal(driver, target_text):
    select = Select(css(driver, "[data-testid=term-from]"))
    for option in select.options:
        if option.text.startswith("pc.corp.example"):
            select.select_by_visible_text(option.text)
            break
    target = css(driver, "[data-testid=term-target]")
    target.clear()
    target.send_keys(target_text + Keys.ENTER)


def visible(sel):
    return f"[data-testid=terminal][data-visible=true] {sel}"


class LearnTest(unittest.TestCase):
    def test_lines_are_explained_and_typos_get_a_hint(self):
        with serve_dist() as url, chromium() as driver:
            fresh_page(driver, url)
            open_terminal(driver, "mx.corp.example 25")
            wait(driver, lambda d: "220 " in text_of(d, visible("[data-testid=term-output]")))
            inp = css(driver, visible("[data-testid=term-input]"))
            inp.send_keys("EHLO pc.corp.example" + Keys.ENTER)
            inp.send_keys("MAIL FROM:<alice@corp.example>" + Keys.ENTER)
            inp.send_keys("RCTP TO:<boss@corp.example>" + Keys.ENTER)
            wait(driver, lambda d: "did you mean RCPT TO" in text_of(d, visible("[data-testid=term-output]")),
                 msg="a hint for the typo")
            notes = [n.text for n in driver.find_elements(By.CSS_SELECTOR, visible("[data-testid=explain]"))]
            self.assertTrue(any("RFC 5321" in n for n in notes), notes)
            self.assertTrue(any("RFC 2920" in n for n in notes), "EHLO extensions are explained")
            screenshot(driver, "terminal-explained.png")
            self.assertEqual(console_errors(driver), [])

    def test_a_command_is_answered_while_the_data_loads_and_explained_when_it_comes(self):
        """Issue 29: the explanations, tours and challenges are files the page fetches after its
        first paint. With them held back, the page is drawn and a typed command answered at
        once; its explanation and the challenges appear when the files arrive."""
        with serve_dist() as url, held("explanations.txt", "learn-data.bin") as release, \
                chromium() as driver:
            fresh_page(driver, url)
            open_terminal(driver, "mx.corp.example 25")
            wait(driver, lambda d: "220 " in text_of(d, visible("[data-testid=term-output]")))
            inp = css(driver, visible("[data-testid=term-input]"))
            inp.send_keys("EHLO pc.corp.example" + Keys.ENTER)
            wait(driver, lambda d: "250 " in text_of(d, visible("[data-testid=term-output]")),
                 msg="the server answers while the data is still on its way")
            asked = [p.split("?")[0] for p in REQUESTED]
            self.assertIn("/explanations.txt", asked)
            self.assertIn("/learn-data.bin", asked)

            def notes(d):
                return [n.text for n in d.find_elements(By.CSS_SELECTOR, visible("[data-testid=explain]"))]

            self.assertEqual(notes(driver), [], "no explanation before the data came")
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-item]"), [])
            release()
            wait(driver, lambda d: any("RFC 5321" in n for n in notes(d)),
                 msg="the EHLO exchange is explained once the data is here")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=challenge-item]"),
                 msg="the challenges are listed once the data is here")
            self.assertTrue(any("RFC 2920" in n for n in notes(driver)), "EHLO extensions are explained")
            self.assertEqual(console_errors(driver), [])

    def test_pop3_state_diagram_follows_the_session(self):
        with serve_dist() as url, chromium() as driver:
            fresh_page(driver, url)
            open_terminal(driver, "mx.corp.example 110")
            wait(driver, lambda d: "+OK" in text_of(d, visible("[data-testid=term-output]")))

            def active(d):
                return [e.text for e in d.find_elements(By.CSS_SELECTOR, visible(".state-diagram .st.active"))]

            wait(driver, lambda d: active(d) == ["Authorization"], msg="starts in Authorization")
            inp = css(driver, visible("[data-testid=term-input]"))
            inp.send_keys("USER boss" + Keys.ENTER)
            inp.send_keys("PASS boss" + Keys.ENTER)
            wait(driver, lambda d: active(d) == ["Transaction"], msg="Transaction after PASS")
            inp.send_keys("QUIT" + Keys.ENTER)
            wait(driver, lambda d: active(d) == ["Update"], msg="Update after QUIT")
            screenshot(driver, "pop3-states.png")


if __name__ == "__main__":
    unittest.main()
