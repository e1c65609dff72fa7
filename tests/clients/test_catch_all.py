"""--catch-all: an application under test sends to addresses nobody set up, and the tester reads
them (issue 28 item 2). Each address on a domain the world does not know gets an account on its
first delivery; its login and its password are the whole address. Without the flag, the bridge
keeps the learner's world's refusals.
"""

import email.message
import email.utils
import imaplib
import json
import poplib
import smtplib
import unittest
import urllib.parse
import urllib.request

from bridge import BridgeTestCase, wait_for

TIMEOUT = 10
CAUGHT = [
    "new-user-4711@customer.example",
    "Billing@Customer.Example",
    "ops@other-shop.test",
]


def message(subject, to):
    m = email.message.EmailMessage()
    m["From"] = "app@service.test"
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m.set_content(f"Hello {to}.\n")
    return m.as_bytes()


def api_get(bridge, path):
    host, port = bridge.http_addr()
    with urllib.request.urlopen(f"http://{host}:{port}/api/v1{path}", timeout=TIMEOUT) as r:
        return json.loads(r.read())


def quote(s):
    return urllib.parse.quote(s, safe="")


class CatchAll(BridgeTestCase):
    bridge_args = ("--catch-all", "--http", "0")

    def send_to_all(self, port_name):
        with smtplib.SMTP(*self.bridge.addr(port_name), timeout=TIMEOUT) as s:
            for to in CAUGHT:
                refused = s.sendmail("app@service.test", [to], message(f"for {to}", to))
                self.assertEqual(refused, {})

    def test_three_addresses_on_two_unknown_domains_are_readable_over_imap_pop3_and_the_api(self):
        self.send_to_all("smtp")
        for to in CAUGHT:
            login = to.lower()
            # Delivery goes through the relay queue: wait for it.
            got = wait_for(
                lambda: api_get(self.bridge, f"/users/{quote(login)}/mailboxes/INBOX/messages"),
                timeout=10,
            )
            self.assertTrue(got, f"no mailbox for {login}")
            self.assertEqual(got["total"], 1, got)
            self.assertEqual(got["messages"][0]["subject"], f"for {to}")
            imap = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
            imap.login(login, login)
            typ, data = imap.select("INBOX")
            self.assertEqual((typ, data), ("OK", [b"1"]))
            typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            self.assertIn(f"Subject: for {to}".encode(), data[0][1])
            imap.logout()
            pop = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
            pop.user(login)
            pop.pass_(login)
            self.assertEqual(pop.stat()[0], 1)
            pop.quit()
        users = api_get(self.bridge, "/users")
        self.assertEqual(users["catch_all"], "mx.corp.example")
        listed = {u["address"] for u in users["users"]}
        self.assertTrue({to.lower() for to in CAUGHT} <= listed, listed)
        hits = api_get(self.bridge, "/search?query=" + quote("new-user-4711"))
        self.assertGreaterEqual(hits["messages_count"], 1)

    def test_submission_with_auth_to_unknown_domains_is_caught_too(self):
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login("boss", "boss")
            s.sendmail("boss@corp.example", CAUGHT, message("to all", ", ".join(CAUGHT)))
        for to in CAUGHT:
            path = f"/users/{quote(to.lower())}/mailboxes/INBOX/messages"
            got = wait_for(lambda: api_get(self.bridge, path), timeout=10)
            self.assertTrue(got and got["total"] == 1, got)

    def test_a_wrong_password_is_still_refused(self):
        self.send_to_all("smtp")
        login = CAUGHT[0].lower()
        wait_for(lambda: api_get(self.bridge, f"/users/{quote(login)}/mailboxes"), timeout=10)
        imap = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        with self.assertRaises(imaplib.IMAP4.error):
            imap.login(login, "guess")
        imap.logout()


class CatchAllBehindTheIsp(BridgeTestCase):
    bridge_args = ("--catch-all", "--all-hosts", "--http", "0")

    def test_mail_relayed_by_the_isp_is_caught_too(self):
        # The ISP looks up the caught domain's MX: the catch-all host answers for it.
        with smtplib.SMTP(*self.bridge.addr("submission", "smtp.isp.example"), timeout=TIMEOUT) as s:
            s.login("smith", "smith")
            s.sendmail("smith@isp.example", [CAUGHT[2]], message("via the ISP", CAUGHT[2]))
        path = f"/users/{quote(CAUGHT[2])}/mailboxes/INBOX/messages"
        got = wait_for(lambda: api_get(self.bridge, path), timeout=10)
        self.assertTrue(got and got["total"] == 1, got)
        self.assertEqual(got["messages"][0]["subject"], "via the ISP")


class WithoutCatchAll(BridgeTestCase):
    bridge_args = ()

    def test_unknown_users_and_domains_are_refused_as_before(self):
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.ehlo()
            s.mail("app@service.test")
            code, text = s.rcpt("nobody@corp.example")
            self.assertEqual(code, 550, text)
            code, text = s.rcpt(CAUGHT[0])
            self.assertEqual(code, 554, text)
            self.assertIn(b"Relay access denied", text)
            s.rset()
            with self.assertRaises(smtplib.SMTPRecipientsRefused):
                s.sendmail("app@service.test", CAUGHT, message("x", CAUGHT[0]))


if __name__ == "__main__":
    unittest.main()
