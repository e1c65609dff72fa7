"""Seeding mailboxes fast (issue 28 item 4): a bulk import of an mbox, or of several .eml files
in one multipart/form-data POST, through the bridge's HTTP API, then read with imaplib.
imaplib's own APPEND speed is a benchmark (scripts/bench/append.py), not a test.
"""

import imaplib
import json
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid

from bridge import BridgeTestCase

TIMEOUT = 10


def mbox_of(n):
    out = []
    for i in range(n):
        out.append(
            f"From seed@example.net Mon Nov  2 09:00:00 2026\n"
            f"From: seed@example.net\nTo: boss@corp.example\nSubject: seed {i}\n"
            f"Date: Mon, 02 Nov 2026 09:{i % 60:02d}:00 +0000\n\n"
            f"Body {i}.\n>From the mbox quoting.\n\n"
        )
    return "".join(out).encode()


def form_data(files):
    boundary = uuid.uuid4().hex
    body = b""
    for name, content in files:
        body += (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Seeding(BridgeTestCase):
    bridge_args = ("--http", "0")

    def post(self, path, body, content_type):
        host, port = self.bridge.http_addr()
        req = urllib.request.Request(
            f"http://{host}:{port}/api/v1{path}", data=body, method="POST"
        )
        req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def imap(self):
        imap = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        imap.login("boss", "boss")
        return imap

    def test_an_mbox_of_500_messages_lands_in_a_new_folder(self):
        status, v = self.post(
            "/users/boss%40corp.example/mailboxes/Seeded/import", mbox_of(500), "application/mbox"
        )
        self.assertEqual(status, 201, v)
        self.assertEqual(v["imported"], 500)
        imap = self.imap()
        typ, data = imap.select("Seeded")
        self.assertEqual((typ, data), ("OK", [b"500"]))
        typ, data = imap.fetch("500", "(INTERNALDATE BODY.PEEK[])")
        self.assertEqual(typ, "OK")
        raw = data[0][1]
        self.assertIn(b"Subject: seed 499\r\n", raw)
        # The mbox quoting undone, LF lines back to CRLF.
        self.assertIn(b"\r\nFrom the mbox quoting.\r\n", raw)
        self.assertIn(b'INTERNALDATE "02-Nov-2026 09:19:00 +0000"', data[0][0])
        imap.logout()

    def test_several_eml_files_in_one_post(self):
        files = [
            (f"m{i}.eml", f"From: a@x.example\r\nSubject: file {i}\r\n\r\nhi {i}\r\n".encode())
            for i in range(3)
        ]
        body, content_type = form_data(files)
        status, v = self.post("/users/boss%40corp.example/mailboxes/INBOX/import", body, content_type)
        self.assertEqual(status, 201, v)
        self.assertEqual(v["imported"], 3)
        imap = self.imap()
        imap.select("INBOX")
        typ, data = imap.search(None, "SUBJECT", '"file 2"')
        self.assertEqual(len(data[0].split()), 1, data)
        imap.logout()
        status, v = self.post("/users/nobody%40corp.example/mailboxes/INBOX/import", body, content_type)
        self.assertEqual(status, 404, v)


if __name__ == "__main__":
    unittest.main()
