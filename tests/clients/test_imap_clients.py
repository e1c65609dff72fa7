"""Real IMAP clients against the TCP bridge (mx.corp.example:143): Python's imaplib and curl."""

import imaplib
import re
import subprocess
import time
import unittest

from bridge import BridgeTestCase, Bridge

TIMEOUT = 10

NEW_MESSAGE = (
    b"From: Robert Boss <boss@corp.example>\r\n"
    b"To: Alice Archer <alice@corp.example>\r\n"
    b"Subject: Appended draft\r\n"
    b"Date: Mon, 02 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <appended-1@corp.example>\r\n"
    b"\r\n"
    b"A draft put in with APPEND.\r\n"
)


class ImapClients(BridgeTestCase):
    def login(self, user="boss", password="boss"):
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        typ, _ = m.login(user, password)
        self.assertEqual(typ, "OK")
        return m

    def test_read_flag_copy_expunge_append_search(self):
        m = self.login()
        self.assertIn("IMAP4REV1", m.capabilities)
        typ, data = m.select("INBOX")
        self.assertEqual(typ, "OK")
        self.assertEqual(int(data[0]), 3)

        typ, data = m.search(None, "SUBJECT", '"Welcome to Mail Sandbox"')
        self.assertEqual(typ, "OK")
        self.assertEqual(data[0].split(), [b"1"])

        typ, data = m.fetch("1", "(RFC822)")
        self.assertEqual(typ, "OK")
        raw = data[0][1]
        self.assertIn(b"Subject: Welcome to Mail Sandbox\r\n", raw)
        self.assertIn(b"\r\nAlice\r\n", raw)

        typ, data = m.store("1", "+FLAGS", r"(\Flagged)")
        self.assertEqual(typ, "OK")
        typ, data = m.fetch("1", "(FLAGS)")
        self.assertIn(rb"\Flagged", data[0])
        typ, data = m.search(None, "FLAGGED")
        self.assertEqual(data[0].split(), [b"1"])

        typ, _ = m.create("Archive")
        self.assertEqual(typ, "OK")
        typ, _ = m.copy("1", "Archive")
        self.assertEqual(typ, "OK")
        typ, data = m.status("Archive", "(MESSAGES)")
        self.assertEqual(typ, "OK")
        self.assertRegex(data[0].decode(), r"MESSAGES 1\b")

        typ, _ = m.store("1", "+FLAGS", r"(\Deleted)")
        self.assertEqual(typ, "OK")
        typ, data = m.expunge()
        self.assertEqual(typ, "OK")
        self.assertEqual(data, [b"1"])
        typ, data = m.search(None, "ALL")
        self.assertEqual(len(data[0].split()), 2)

        typ, data = m.append("INBOX", r"(\Seen)", imaplib.Time2Internaldate(time.time()), NEW_MESSAGE)
        self.assertEqual(typ, "OK")
        typ, data = m.search(None, "SUBJECT", '"Appended draft"')
        self.assertEqual(len(data[0].split()), 1)
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"Appended draft"')
        self.assertEqual(typ, "OK")
        uid = data[0].split()[0]
        typ, data = m.uid("FETCH", uid, "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn(rb"\Seen", data[0][0])
        self.assertIn(b"Subject: Appended draft", data[0][1])

        # The copy kept its flag in the other folder.
        typ, data = m.select("Archive", readonly=True)
        self.assertEqual(int(data[0]), 1)
        typ, data = m.fetch("1", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        self.assertIn(rb"\Flagged", data[0][0])
        self.assertIn(b"Welcome to Mail Sandbox", data[0][1])
        m.logout()

    def test_list_and_examine(self):
        m = self.login("alice", "alice")
        typ, data = m.list()
        self.assertEqual(typ, "OK")
        names = [re.search(rb'"([^"]*)"$|(\S+)$', line).group(0).strip(b'"') for line in data]
        for folder in [b"INBOX", b"Sent", b"Drafts", b"Trash", b"Junk"]:
            self.assertIn(folder, names)
        typ, data = m.select("INBOX", readonly=True)
        self.assertEqual(int(data[0]), 0)
        m.logout()

    def test_wrong_password_is_refused(self):
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        with self.assertRaises(imaplib.IMAP4.error):
            m.login("boss", "not-his-password")
        m.logout()

    def test_two_sessions_see_each_others_changes(self):
        a = self.login()
        b = self.login()
        a.select("INBOX")
        b.select("INBOX")
        a.append("INBOX", None, None, NEW_MESSAGE)
        # NOOP lets the other session learn of the new message.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            b.noop()
            typ, data = b.search(None, "ALL")
            if len(data[0].split()) == 4:
                break
            time.sleep(0.05)
        self.assertEqual(len(data[0].split()), 4)
        a.logout()
        b.logout()

    def curl(self, *args):
        return subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", str(TIMEOUT), *args],
            capture_output=True,
            timeout=TIMEOUT + 5,
        )

    def test_curl_lists_and_fetches(self):
        r = self.curl("--user", "boss:boss", self.bridge.url("imap", "imap"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"INBOX", r.stdout)
        r = self.curl("--user", "boss:boss", self.bridge.url("imap", "imap", "INBOX;UID=1"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"Subject: Welcome to Mail Sandbox", r.stdout)
        r = self.curl("--user", "boss:boss", self.bridge.url("imap", "imap", "INBOX?SUBJECT%20quarterly"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"SEARCH 2", r.stdout)

    def test_curl_wrong_password_fails(self):
        r = self.curl("--user", "boss:nope", self.bridge.url("imap", "imap"))
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
