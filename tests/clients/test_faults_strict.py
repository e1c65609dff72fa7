"""Real clients against `mailsandbox-tcp --fault RULE` and `--strict` (issue 15)."""

import imaplib
import poplib
import smtplib
import socket
import subprocess
import unittest

from bridge import BINARY, Bridge, build, read_until

FULL = "mx.corp.example:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full"
AUTH = "mx.corp.example:587 AUTH => 535 5.7.8 Authentication credentials invalid"
RETR = "mx.corp.example:110 RETR => -ERR [SYS/TEMP] Disk error"
FETCH = "mx.corp.example:143 FETCH => NO [UNAVAILABLE] Try later"
MESSAGE = "From: alice@corp.example\r\nTo: boss@corp.example\r\nSubject: hi\r\n\r\nhello\r\n"


class FaultRules(unittest.TestCase):
    def test_smtp_and_submission_rules(self):
        with Bridge("--fault", FULL, "--fault", AUTH) as b:
            with smtplib.SMTP(*b.addr("smtp"), timeout=10) as s:
                with self.assertRaises(smtplib.SMTPRecipientsRefused) as cm:
                    s.sendmail("alice@corp.example", ["boss@corp.example"], MESSAGE)
                code, text = cm.exception.recipients["boss@corp.example"]
                self.assertEqual((code, text), (452, b"4.2.2 Mailbox full"))
            with smtplib.SMTP(*b.addr("submission"), timeout=10) as s:
                with self.assertRaises(smtplib.SMTPAuthenticationError) as cm:
                    s.login("alice@corp.example", "alice")
                self.assertEqual(cm.exception.smtp_code, 535)
            self.assertTrue(b.alive())

    def test_pop3_and_imap_rules(self):
        with Bridge("--fault", RETR, "--fault", FETCH) as b:
            p = poplib.POP3(*b.addr("pop3"), timeout=10)
            p.user("boss")
            p.pass_("boss")
            with self.assertRaises(poplib.error_proto) as cm:
                p.retr(1)
            self.assertEqual(cm.exception.args[0], b"-ERR [SYS/TEMP] Disk error")
            self.assertTrue(p.top(1, 0)[0].startswith(b"+OK"))
            p.quit()
            i = imaplib.IMAP4(*b.addr("imap"), timeout=10)
            i.login("boss", "boss")
            i.select("INBOX")
            typ, data = i.fetch("1", "(FLAGS)")
            self.assertEqual((typ, data), ("NO", [b"[UNAVAILABLE] Try later"]))
            typ, _ = i.search(None, "ALL")
            self.assertEqual(typ, "OK")
            i.logout()

    def test_a_bad_rule_stops_the_bridge_with_its_position(self):
        build()
        run = subprocess.run(
            [BINARY, "--fault", "mx.corp.example:25 RCPT => 45"],
            capture_output=True,
            timeout=30,
        )
        self.assertNotEqual(run.returncode, 0)
        self.assertIn(b"column 28: expected a reply", run.stderr)


def bare_lf_reply(addr):
    with socket.create_connection(addr, timeout=10) as s:
        read_until(s, b"\r\n")
        s.sendall(b"EHLO pc.home.example\r\n")
        read_until(s, b"250 SMTPUTF8\r\n")
        s.sendall(b"NOOP\n")
        return read_until(s, b"\r\n")


class StrictMode(unittest.TestCase):
    def test_strict_refuses_a_bare_lf_and_lenient_accepts_it(self):
        with Bridge("--strict") as b:
            reply = bare_lf_reply(b.addr("smtp"))
            self.assertEqual(
                reply,
                b"500 5.5.2 Bare LF line end: end lines with CRLF (RFC 5321 \xc2\xa72.3.8)\r\n",
            )
            # Real clients speak correctly: strict servers take their mail.
            with smtplib.SMTP(*b.addr("submission"), timeout=10) as s:
                s.login("alice@corp.example", "alice")
                refused = s.sendmail("alice@corp.example", ["boss@corp.example"], MESSAGE)
                self.assertEqual(refused, {})
        with Bridge() as b:
            self.assertEqual(bare_lf_reply(b.addr("smtp")), b"250 2.0.0 Ok\r\n")


if __name__ == "__main__":
    unittest.main()
