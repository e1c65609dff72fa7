"""Real SMTP clients against the TCP bridge: Python's smtplib and curl on the submission port
(smtp.isp.example:587, AUTH required) and on the SMTP port (mx.corp.example:25, the MX of
corp.example), with the relayed mail read back over POP3 and IMAP.
"""

import email.message
import email.utils
import imaplib
import os
import poplib
import smtplib
import subprocess
import tempfile
import time
import unittest
import uuid

from bridge import BridgeTestCase, Bridge, wait_for

TIMEOUT = 10
SMITH = ("smith@isp.example", "smith")


def make_message(subject, sender="smith@isp.example", to="boss@corp.example", body="Hello Robert.\n"):
    m = email.message.EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="isp.example")
    m.set_content(body)
    return m


def unique_subject(what):
    return f"{what} {uuid.uuid4().hex[:12]}"


def pop3_find(bridge, subject, user="boss", password="boss"):
    """The full text of the message with `subject` in the user's maildrop, or None."""
    p = poplib.POP3(*bridge.addr("pop3"), timeout=TIMEOUT)
    try:
        p.user(user)
        p.pass_(password)
        count, _ = p.stat()
        for i in range(count, 0, -1):
            headers = b"\r\n".join(p.top(i, 0)[1])
            if subject.encode() in headers:
                return b"\r\n".join(p.retr(i)[1])
        return None
    finally:
        p.quit()


def imap_find(bridge, subject, user="boss", password="boss"):
    """The RFC822 text of the message with `subject` in the user's INBOX, or None."""
    m = imaplib.IMAP4(*bridge.addr("imap"), timeout=TIMEOUT)
    try:
        m.login(user, password)
        m.select("INBOX", readonly=True)
        typ, data = m.search(None, "SUBJECT", f'"{subject}"')
        ids = data[0].split()
        if typ != "OK" or not ids:
            return None
        typ, data = m.fetch(ids[-1], "(RFC822)")
        return data[0][1]
    finally:
        m.logout()


def wait_for_delivery(bridge, subject, finder=pop3_find, **kw):
    return wait_for(lambda: finder(bridge, subject, **kw), timeout=5, interval=0.1)


ISP = "smtp.isp.example"


class SubmissionClients(BridgeTestCase):
    """Port 587 of smtp.isp.example (served with --all-hosts): Smith's outgoing mail, relayed
    to corp.example's MX."""

    bridge_args = ("--all-hosts",)

    def test_smtplib_sends_with_auth_and_the_mail_is_relayed(self):
        subject = unique_subject("Report draft")
        with smtplib.SMTP(*self.bridge.addr("submission", ISP), timeout=TIMEOUT) as s:
            code, _ = s.ehlo("pc.home.example")
            self.assertEqual(code, 250)
            self.assertTrue(s.has_extn("auth"))
            s.login(*SMITH)
            refused = s.sendmail(SMITH[0], ["boss@corp.example"], make_message(subject).as_bytes())
            self.assertEqual(refused, {})
        started = time.monotonic()
        text = wait_for_delivery(self.bridge, subject)
        self.assertIsNotNone(text, "the message did not reach boss's maildrop within 5 s")
        self.assertLess(time.monotonic() - started, 5)
        # It went through both hosts.
        self.assertIn(b"by smtp.isp.example", text)
        self.assertIn(b"by mx.corp.example", text)
        self.assertIn(b"Return-Path: <smith@isp.example>", text)
        self.assertIn(b"Hello Robert.", text)
        # And IMAP sees the same message.
        text = imap_find(self.bridge, subject)
        self.assertIsNotNone(text)
        self.assertIn(subject.encode(), text)

    def test_two_recipients_and_a_local_one(self):
        subject = unique_subject("For both")
        with smtplib.SMTP(*self.bridge.addr("submission", ISP), timeout=TIMEOUT) as s:
            s.login(*SMITH)
            s.sendmail(
                SMITH[0],
                ["boss@corp.example", "alice@corp.example"],
                make_message(subject, to="boss@corp.example, alice@corp.example").as_bytes(),
            )
        self.assertIsNotNone(wait_for_delivery(self.bridge, subject))
        self.assertIsNotNone(
            wait_for_delivery(self.bridge, subject, user="alice", password="alice")
        )

    def test_curl_sends_with_auth(self):
        subject = unique_subject("Sent with curl")
        with tempfile.NamedTemporaryFile("wb", suffix=".eml", delete=False) as f:
            f.write(make_message(subject).as_bytes().replace(b"\n", b"\r\n"))
        try:
            host, port = self.bridge.addr("submission", ISP)
            r = subprocess.run(
                [
                    "curl", "--silent", "--show-error", "--max-time", str(TIMEOUT),
                    f"smtp://{host}:{port}/pc.home.example",
                    "--user", "smith@isp.example:smith",
                    "--mail-from", "smith@isp.example",
                    "--mail-rcpt", "boss@corp.example",
                    "--upload-file", f.name,
                ],
                capture_output=True,
                timeout=TIMEOUT + 5,
            )
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNotNone(wait_for_delivery(self.bridge, subject))

    def test_curl_without_the_right_password_is_refused(self):
        with tempfile.NamedTemporaryFile("wb", suffix=".eml", delete=False) as f:
            f.write(make_message("never").as_bytes())
        try:
            r = subprocess.run(
                [
                    "curl", "--silent", "--max-time", str(TIMEOUT),
                    self.bridge.url("smtp", "submission", vhost=ISP),
                    "--user", "smith@isp.example:wrong",
                    "--mail-from", "smith@isp.example",
                    "--mail-rcpt", "boss@corp.example",
                    "--upload-file", f.name,
                ],
                capture_output=True,
                timeout=TIMEOUT + 5,
            )
        finally:
            os.unlink(f.name)
        self.assertNotEqual(r.returncode, 0)

    def test_wrong_password_is_refused(self):
        with smtplib.SMTP(*self.bridge.addr("submission", ISP), timeout=TIMEOUT) as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as cm:
                s.login("smith@isp.example", "not-her-password")
            self.assertEqual(cm.exception.smtp_code, 535)

    def test_mail_without_auth_is_refused(self):
        with smtplib.SMTP(*self.bridge.addr("submission", ISP), timeout=TIMEOUT) as s:
            with self.assertRaises(smtplib.SMTPSenderRefused) as cm:
                s.sendmail(SMITH[0], ["boss@corp.example"], make_message("no auth").as_bytes())
            self.assertEqual(cm.exception.smtp_code, 530)


class SmtpPortClients(BridgeTestCase):
    """Port 25 of mx.corp.example: mail for corp.example from anywhere, and nothing else."""

    def test_mail_for_a_local_user_is_delivered(self):
        subject = unique_subject("Straight to the MX")
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.ehlo("pc.home.example")
            refused = s.sendmail(
                "stranger@far.example",
                ["alice@corp.example"],
                make_message(subject, sender="stranger@far.example", to="alice@corp.example").as_bytes(),
            )
            self.assertEqual(refused, {})
        text = wait_for_delivery(self.bridge, subject, user="alice", password="alice")
        self.assertIsNotNone(text)
        self.assertIn(b"Return-Path: <stranger@far.example>", text)

    def test_open_relay_is_refused(self):
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.ehlo("pc.home.example")
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                s.sendmail(
                    "spammer@far.example",
                    ["victim@elsewhere.example"],
                    make_message("relay?", sender="spammer@far.example", to="victim@elsewhere.example").as_bytes(),
                )
            code, _ = cm.exception.recipients["victim@elsewhere.example"]
            self.assertEqual(code, 554)

    def test_unknown_user_is_refused(self):
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.ehlo("pc.home.example")
            s.mail("someone@far.example")
            code, msg = s.rcpt("ghost@corp.example")
            self.assertEqual(code, 550, msg)
            # A known user in the same transaction is still fine.
            code, msg = s.rcpt("boss@corp.example")
            self.assertEqual(code, 250, msg)
            s.rset()

    def test_curl_delivers_without_auth(self):
        subject = unique_subject("curl to the MX")
        with tempfile.NamedTemporaryFile("wb", suffix=".eml", delete=False) as f:
            f.write(make_message(subject, sender="c@far.example").as_bytes().replace(b"\n", b"\r\n"))
        try:
            r = subprocess.run(
                [
                    "curl", "--silent", "--show-error", "--max-time", str(TIMEOUT),
                    self.bridge.url("smtp", "smtp"),
                    "--mail-from", "c@far.example",
                    "--mail-rcpt", "boss@corp.example",
                    "--upload-file", f.name,
                ],
                capture_output=True,
                timeout=TIMEOUT + 5,
            )
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNotNone(wait_for_delivery(self.bridge, subject, finder=imap_find))


if __name__ == "__main__":
    unittest.main()
