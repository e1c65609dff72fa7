"""The live page (issue 28 item 1): `mailsandbox-tcp --http PORT` serves the page at `/`, which
shows the bridge's world as it runs. Python's smtplib sends and imaplib reads while the page is
open; the page draws that session's hops on the picture and explains its transcript."""

import imaplib
import json
import os
import smtplib
import sys
import time
import unittest
import urllib.request
from email.message import EmailMessage

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By

from harness import DIST, chromium, console_errors, screenshot
from test_journey import RECORD_HOPS, hops
from test_ui import click, text_of, wait

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "clients"))
from bridge import Bridge  # noqa: E402


def transcript_lines(driver):
    """(text, explanation) of every client line of the open transcripts."""
    return driver.execute_script(
        "return [...document.querySelectorAll('[data-testid=tr-c]')]"
        ".map(li => [li.textContent, li.getAttribute('title') || ''])")


def wait_hop(driver, label, whole=False):
    """Waits until the picture has shown a hop with the word `label` (the whole label with
    `whole`); fails with the hops seen."""
    def seen(d):
        return any(h == label if whole else label in h.split() for h in hops(d))
    try:
        wait(driver, seen)
    except TimeoutException:
        raise AssertionError(f"{label} not drawn on the picture; drawn: {hops(driver)}")


class LivePageTest(unittest.TestCase):
    def test_a_real_clients_session_is_drawn_and_explained_while_it_happens(self):
        with Bridge("--http", "0", "--page-dir", DIST) as b, chromium(width=1440, height=900) as driver:
            host, port = b.addr("http", "api")
            driver.get(f"http://{host}:{port}/")
            # `/` is the live page.
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
            self.assertIn("/live.html", driver.current_url)
            wait(driver, lambda d: "Live: the bridge's world" in text_of(d, "[data-testid=live-note]"))
            # The page only watches: no mail client or terminal of its own.
            self.assertEqual(driver.find_elements(By.CSS_SELECTOR, "[data-testid=client-tab-sender]"), [])
            driver.execute_script(RECORD_HOPS)

            msg = EmailMessage()
            msg["From"] = "app@shop.example"
            msg["To"] = "boss@corp.example"
            msg["Subject"] = "Watched live"
            msg.set_content("Sent by smtplib while the page looks on.")
            msg.add_alternative("<p>Sent by <b>smtplib</b> while the page looks on.</p>", subtype="html")
            with smtplib.SMTP(*b.addr("smtp"), timeout=10) as s:
                s.send_message(msg)
            # pc.corp.example is drawn right of mx.corp.example: commands go leftwards (◀ MAIL).
            for verb in ["MAIL", "RCPT", "DATA"]:
                wait_hop(driver, verb)
            wait_hop(driver, "✉ +1 boss's INBOX", whole=True)
            screenshot(driver, "live-smtp.png")

            imap = imaplib.IMAP4(*b.addr("imap"), timeout=10)
            imap.login("boss@corp.example", "boss")
            imap.select("INBOX")
            _, data = imap.search(None, "SUBJECT", '"Watched live"')
            num = data[0].split()[-1]
            _, fetched = imap.fetch(num, "(BODY[])")
            self.assertIn(b"Sent by smtplib", fetched[0][1])
            imap.logout()
            for verb in ["LOGIN", "SELECT", "FETCH"]:
                wait_hop(driver, verb)

            # Both sessions are in the transcripts, their lines explained.
            wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid=conn]")) >= 2)
            for toggle in driver.find_elements(By.CSS_SELECTOR, "[data-testid=conn-toggle]")[:2]:
                driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
                toggle.click()
            # smtplib writes its verbs in lower case: "mail FROM:<...>".
            wait(driver, lambda d: any("mail from" in t.lower() for t, _ in transcript_lines(d)))
            wait(driver, lambda d: any("FETCH" in t for t, _ in transcript_lines(d)))
            lines = dict(transcript_lines(driver))
            mail = next(t for t in lines if "mail from:<app@shop.example>" in t.lower())
            self.assertIn("RFC 5321", lines[mail], f"MAIL FROM explained: {lines[mail]!r}")
            fetch = next(t for t in lines if "FETCH" in t)
            self.assertIn("RFC 3501 §6.4.5", lines[fetch], f"FETCH explained: {lines[fetch]!r}")
            self.assertNotIn("LOGIN boss@corp.example boss", " ".join(lines), "the password is masked")
            first = driver.find_element(By.CSS_SELECTOR, "[data-testid=transcript]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
            screenshot(driver, "live-transcript.png")

            # The mailbox host's details show the message in boss's INBOX (4 = 3 samples + 1).
            click(driver, '[data-testid=host-card][data-host="mx.corp.example"]')
            wait(driver, lambda d: "INBOX 4" in text_of(d, "[data-testid=host-details]"))

            # The mailboxes are browsable (read-only): boss's INBOX, newest first; the message's
            # MIME tree, numbered as IMAP numbers parts, and its source.
            click(driver, '[data-testid=mb-folder][data-folder="boss@corp.example INBOX"]')
            wait(driver, lambda d: "Watched live" in text_of(d, "[data-testid=mb-messages]"))
            newest = driver.find_element(By.CSS_SELECTOR, "[data-testid=mb-message]")
            self.assertIn("Watched live", newest.text)
            self.assertIn("app@shop.example", newest.text)
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", newest)
            newest.click()
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=mime-part]"))
            parts = [p.text for p in driver.find_elements(By.CSS_SELECTOR, "[data-testid=mime-part]")]
            self.assertEqual(len(parts), 3, parts)
            self.assertIn("multipart/alternative", parts[0])
            self.assertTrue(parts[1].startswith("1 text/plain"), parts)
            self.assertTrue(parts[2].startswith("2 text/html"), parts)
            source = text_of(driver, "[data-testid=mb-source]")
            self.assertIn("Subject: Watched live", source)
            self.assertIn("Content-Type: multipart/alternative", source)
            # Nothing in it changes the world: no button but the folder and message pickers.
            buttons = driver.find_elements(By.CSS_SELECTOR, "[data-testid=mailbox-browser] button")
            self.assertTrue(all(b.get_attribute("data-testid") in ("mb-folder", "mb-message") for b in buttons))
            tree = driver.find_element(By.CSS_SELECTOR, "[data-testid=mime-tree]")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", tree)
            screenshot(driver, "live-mailbox.png")
            self.assertEqual(console_errors(driver), [])

    def test_an_old_live_link_opens_the_live_page_and_the_sandbox_page_carries_no_live_code(self):
        with Bridge("--http", "0", "--page-dir", DIST) as b, chromium() as driver:
            host, port = b.addr("http", "api")
            # `index.html?live=1` was the live page before it had its own binary (issue 29).
            driver.get(f"http://{host}:{port}/index.html?live=1&theme=dark")
            wait(driver, lambda d: "Live: the bridge's world" in text_of(d, "[data-testid=live-note]"))
            self.assertIn("/live.html?live=1&theme=dark", driver.current_url)
            self.assertEqual(driver.execute_script("return document.documentElement.dataset.theme"), "dark")
            # The sandbox's own page never fetched its wasm on the way.
            fetched = driver.execute_script(
                "return performance.getEntriesByType('resource').map(e => e.name)")
            self.assertEqual([n for n in fetched if "mail-sandbox-web" in n], [], fetched)
            self.assertEqual(console_errors(driver), [])

    def test_the_page_at_rest_asks_rarely(self):
        with Bridge("--http", "0", "--page-dir", DIST) as b, chromium() as driver:
            host, port = b.addr("http", "api")
            driver.get(f"http://{host}:{port}/")
            wait(driver, lambda d: "Live: the bridge's world" in text_of(d, "[data-testid=live-note]"))
            time.sleep(5)
            count = driver.execute_script(
                "return performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/api/live/log')).length")
            before = count
            time.sleep(6)
            count = driver.execute_script(
                "return performance.getEntriesByType('resource')"
                ".filter(e => e.name.includes('/api/live/log')).length")
            # Backed off to one poll every two seconds: about three in six seconds.
            self.assertLessEqual(count - before, 4, f"{count - before} polls in 6 s at rest")

    def test_a_thousand_messages_the_page_keeps_up(self):
        """Prints how far behind the page is once smtplib has sent 1,000 messages (a number,
        not a timed assertion; the page must catch up)."""
        with Bridge("--http", "0", "--page-dir", DIST, "--empty") as b, chromium() as driver:
            host, port = b.addr("http", "api")
            driver.get(f"http://{host}:{port}/")
            wait(driver, lambda d: "Live: the bridge's world" in text_of(d, "[data-testid=live-note]"))
            body = ("x" * 70 + "\r\n") * 14
            start = time.perf_counter()
            with smtplib.SMTP(*b.addr("smtp"), timeout=30) as s:
                for n in range(1000):
                    s.sendmail("app@shop.example", ["boss@corp.example"],
                               f"Subject: n {n}\r\n\r\n{body}")
            sent = time.perf_counter()
            with urllib.request.urlopen(f"http://{host}:{port}/api/live/log?from=0&limit=1") as r:
                end = json.load(r)["end"]

            def reached(d):
                return int(d.find_element(By.CSS_SELECTOR, "[data-testid=live-note]").get_attribute("data-next") or 0)
            wait(driver, lambda d: reached(d) >= end, timeout=120)
            caught_up = time.perf_counter()
            print(f"\nlive page: 1000 messages sent in {sent - start:.2f} s ({end} log entries); "
                  f"the page had replayed them all {caught_up - sent:.2f} s after the last one")
            click(driver, '[data-testid=host-card][data-host="mx.corp.example"]')
            wait(driver, lambda d: "INBOX 1000" in text_of(d, "[data-testid=host-details]"))
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
