"""The Mailpit-compatible subset of HTTP API v1 (issue 28 item 3), one test per endpoint, written
from Mailpit's API documentation (its OpenAPI file: MessagesSummary, MessageSummary, Message,
Attachment, Address, AppInformation, Triggers), plus a test written the way Mailpit users write
them: send with smtplib, poll the list, check the subject and a link in the HTML, delete all.

The bridge runs with --catch-all, as a tester runs it in place of Mailpit.
"""

import email.message
import email.utils
import json
import smtplib
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from bridge import BridgeTestCase, wait_for

TIMEOUT = 10
APP = "noreply@app.test"


class Mailpit:
    """What a Mailpit client library does: JSON over HTTP under /api/v1."""

    def __init__(self, bridge):
        host, port = bridge.http_addr()
        self.base = f"http://{host}:{port}/api/v1"

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                return r.status, r.headers.get("Content-Type", ""), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type", ""), e.read()

    def json(self, method, path, body=None):
        status, _, payload = self.request(method, path, body)
        assert status == 200, (status, payload)
        return json.loads(payload)

    def get(self, path):
        return self.json("GET", path)


def send(bridge, to, subject, text="Hello.\n", html=None, attachment=None, cc=None, reply_to=None):
    m = email.message.EmailMessage()
    m["From"] = f"The App <{APP}>"
    m["To"] = to
    if cc:
        m["Cc"] = cc
    if reply_to:
        m["Reply-To"] = reply_to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m["Message-ID"] = email.utils.make_msgid(domain="app.test")
    m.set_content(text)
    if html:
        m.add_alternative(html, subtype="html")
    if attachment:
        name, ctype, data = attachment
        maintype, subtype = ctype.split("/")
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    with smtplib.SMTP(*bridge.addr("smtp"), timeout=TIMEOUT) as s:
        s.send_message(m)
    return m["Message-ID"].strip("<>")


class MailpitTestCase(BridgeTestCase):
    bridge_args = ("--http", "0", "--catch-all")

    def setUp(self):
        super().setUp()
        self.api = Mailpit(self.bridge)
        # Start from an empty catch, as a Mailpit test suite does.
        self.assertEqual(self.api.request("DELETE", "/messages")[0], 200)

    def wait_for_subject(self, subject):
        def there():
            for m in self.api.get("/messages")["messages"]:
                if m["Subject"] == subject:
                    return m
            return None

        found = wait_for(there, timeout=10)
        self.assertIsNotNone(found, f"{subject!r} never arrived")
        return found


class Endpoints(MailpitTestCase):
    def test_info(self):
        send(self.bridge, "a@customer.example", "one")
        self.wait_for_subject("one")
        info = self.api.get("/info")
        for key in ["Version", "LatestVersion", "Database", "DatabaseSize", "Messages", "Unread", "Tags", "RuntimeStats"]:
            self.assertIn(key, info)
        self.assertEqual((info["Messages"], info["Unread"]), (1, 1))
        self.assertIsInstance(info["RuntimeStats"]["Uptime"], (int, float))

    def test_messages_list_newest_first_with_paging(self):
        for i in range(3):
            send(self.bridge, f"user{i}@customer.example", f"number {i}", cc="boss@corp.example")
            self.wait_for_subject(f"number {i}")
        v = self.api.get("/messages")
        # The copies for boss (Cc) are caught too: 3 messages, each in two mailboxes.
        self.assertEqual((v["total"], v["unread"], v["messages_count"], v["start"]), (6, 6, 6, 0))
        self.assertEqual(v["count"], len(v["messages"]))
        self.assertEqual([m["Subject"] for m in v["messages"][::2]], ["number 2", "number 1", "number 0"])
        m = v["messages"][0]
        for key, kind in [("ID", str), ("MessageID", str), ("Read", bool), ("From", dict), ("To", list), ("Cc", list),
                          ("Bcc", list), ("ReplyTo", list), ("Subject", str), ("Created", str), ("Tags", list),
                          ("Size", int), ("Attachments", int), ("Snippet", str)]:
            self.assertIsInstance(m[key], kind, key)
        self.assertEqual(m["From"], {"Name": "The App", "Address": APP})
        self.assertEqual(m["Cc"], [{"Name": "", "Address": "boss@corp.example"}])
        self.assertEqual(m["Snippet"], "Hello.")
        self.assertRegex(m["Created"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        page = self.api.get("/messages?start=2&limit=2")
        self.assertEqual((page["start"], page["count"], page["messages_count"]), (2, 2, 6))
        self.assertEqual(page["messages"][0]["ID"], v["messages"][2]["ID"])
        self.assertEqual(self.api.request("GET", "/messages?limit=lots")[0], 400)

    def test_message_summary_marks_it_read(self):
        html = '<p>Hi! <a href="https://app.test/confirm?t=1">Confirm</a></p>'
        mid = send(self.bridge, "Ann Lee <ann@customer.example>", "welcome", "Hi, confirm.\n", html=html,
                   attachment=("terms.pdf", "application/pdf", b"%PDF-1.4\n"), reply_to="help@app.test")
        listed = self.wait_for_subject("welcome")
        self.assertFalse(listed["Read"])
        self.assertEqual(listed["Attachments"], 1)
        m = self.api.get(f"/message/{listed['ID']}")
        self.assertEqual(m["ID"], listed["ID"])
        self.assertEqual(m["MessageID"], mid)
        self.assertEqual(m["From"], {"Name": "The App", "Address": APP})
        self.assertEqual(m["To"], [{"Name": "Ann Lee", "Address": "ann@customer.example"}])
        self.assertEqual(m["ReplyTo"], [{"Name": "", "Address": "help@app.test"}])
        self.assertEqual(m["Subject"], "welcome")
        self.assertIn("Hi, confirm.", m["Text"])
        self.assertIn('href="https://app.test/confirm?t=1"', m["HTML"])
        self.assertEqual(m["Inline"], [])
        [a] = m["Attachments"]
        self.assertEqual((a["FileName"], a["ContentType"], a["Size"]), ("terms.pdf", "application/pdf", 9))
        self.assertIsInstance(a["PartID"], str)
        self.assertGreater(m["Size"], 100)
        self.assertRegex(m["Date"], r"^\d{4}-\d\d-\d\dT")
        # Reading it marked it read; "latest" names the newest.
        self.assertTrue(self.api.get("/messages")["messages"][0]["Read"])
        self.assertEqual(self.api.get("/message/latest")["ID"], listed["ID"])
        status, ctype, body = self.api.request("GET", "/message/NoSuchId")
        self.assertEqual(status, 404)

    def test_raw_source(self):
        send(self.bridge, "raw@customer.example", "raw one")
        listed = self.wait_for_subject("raw one")
        status, ctype, raw = self.api.request("GET", f"/message/{listed['ID']}/raw")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/plain"))
        self.assertIn(b"\r\nSubject: raw one\r\n", raw)
        self.assertEqual(len(raw), listed["Size"])

    def test_headers(self):
        send(self.bridge, "h@customer.example", "with headers", cc="one@customer.example")
        listed = self.wait_for_subject("with headers")
        h = self.api.get(f"/message/{listed['ID']}/headers")
        self.assertEqual(h["Subject"], ["with headers"])
        self.assertEqual(h["Cc"], ["one@customer.example"])
        self.assertTrue(all(isinstance(v, list) for v in h.values()))
        # Every hop adds its Received line: a list of values.
        self.assertGreaterEqual(len(h["Received"]), 1)

    def test_part(self):
        send(self.bridge, "p@customer.example", "with a part", html="<b>bold</b>",
             attachment=("data.bin", "application/octet-stream", bytes(range(256))))
        listed = self.wait_for_subject("with a part")
        m = self.api.get(f"/message/{listed['ID']}")
        [a] = m["Attachments"]
        status, ctype, body = self.api.request("GET", f"/message/{listed['ID']}/part/{a['PartID']}")
        self.assertEqual((status, ctype), (200, "application/octet-stream"))
        self.assertEqual(body, bytes(range(256)))
        self.assertEqual(self.api.request("GET", f"/message/{listed['ID']}/part/9.9")[0], 404)

    def test_view_html_and_text(self):
        html = '<p><a href="https://app.test/x">x</a></p>'
        send(self.bridge, "v@customer.example", "viewed", "plain words\n", html=html)
        listed = self.wait_for_subject("viewed")
        send(self.bridge, "w@customer.example", "text only", "only text\n")
        self.wait_for_subject("text only")
        host, port = self.bridge.http_addr()
        root = f"http://{host}:{port}/view"

        def fetch(path):
            try:
                with urllib.request.urlopen(root + path, timeout=TIMEOUT) as r:
                    return r.status, r.headers.get("Content-Type", ""), r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, "", ""

        status, ctype, body = fetch(f"/{listed['ID']}.html")
        self.assertEqual(status, 200)
        self.assertTrue(ctype.startswith("text/html"))
        self.assertIn('href="https://app.test/x"', body)
        self.assertIn("plain words", fetch(f"/{listed['ID']}.txt")[2])
        self.assertIn("only text", fetch("/latest.txt")[2])
        self.assertEqual(fetch("/latest.html")[0], 404)  # the newest has no HTML part
        self.assertEqual(fetch("/nothing.html")[0], 404)

    def test_search(self):
        send(self.bridge, "ann@customer.example", "Your invoice 42", "Total: 12 EUR\n")
        send(self.bridge, "bob@customer.example", "Password reset", "Click to reset.\n")
        self.wait_for_subject("Your invoice 42")
        reset = self.wait_for_subject("Password reset")
        self.api.get(f"/message/{reset['ID']}")  # now read

        def subjects(query):
            v = self.api.get("/search?query=" + urllib.parse.quote(query))
            self.assertEqual(v["messages_count"], len(v["messages"]))
            return sorted(m["Subject"] for m in v["messages"])

        self.assertEqual(subjects("to:ann@customer.example"), ["Your invoice 42"])
        self.assertEqual(subjects("from:noreply@app.test"), ["Password reset", "Your invoice 42"])
        self.assertEqual(subjects("subject:invoice"), ["Your invoice 42"])
        self.assertEqual(subjects('"12 EUR"'), ["Your invoice 42"])
        self.assertEqual(subjects('"EUR 12"'), [])
        self.assertEqual(subjects("reset"), ["Password reset"])
        self.assertEqual(subjects("is:unread"), ["Your invoice 42"])
        self.assertEqual(subjects("is:read"), ["Password reset"])
        self.assertEqual(subjects("-to:ann@customer.example"), ["Password reset"])
        self.assertEqual(self.api.request("GET", "/search")[0], 400)

    def test_delete_by_search(self):
        send(self.bridge, "ann@customer.example", "keep me")
        send(self.bridge, "bob@customer.example", "drop me")
        self.wait_for_subject("keep me")
        self.wait_for_subject("drop me")
        status, _, body = self.api.request("DELETE", "/search?query=" + urllib.parse.quote("subject:drop"))
        self.assertEqual((status, body), (200, b"ok"))
        self.assertEqual([m["Subject"] for m in self.api.get("/messages")["messages"]], ["keep me"])

    def test_delete_some_then_all(self):
        for s in ["a", "b", "c"]:
            send(self.bridge, f"{s}@customer.example", s)
            self.wait_for_subject(s)
        ids = {m["Subject"]: m["ID"] for m in self.api.get("/messages")["messages"]}
        status, _, body = self.api.request("DELETE", "/messages", {"IDs": [ids["a"], ids["c"]]})
        self.assertEqual((status, body), (200, b"ok"))
        self.assertEqual([m["Subject"] for m in self.api.get("/messages")["messages"]], ["b"])
        self.assertEqual(self.api.request("GET", f"/message/{ids['a']}")[0], 404)
        self.assertEqual(self.api.request("DELETE", "/messages")[0], 200)
        self.assertEqual(self.api.get("/messages")["total"], 0)

    def test_read_status(self):
        for s in ["x", "y"]:
            send(self.bridge, f"{s}@customer.example", s)
            self.wait_for_subject(s)
        ids = {m["Subject"]: m["ID"] for m in self.api.get("/messages")["messages"]}
        status, _, body = self.api.request("PUT", "/messages", {"IDs": [ids["x"]], "Read": True})
        self.assertEqual((status, body), (200, b"ok"))
        read = {m["Subject"]: m["Read"] for m in self.api.get("/messages")["messages"]}
        self.assertEqual(read, {"x": True, "y": False})
        self.assertEqual(self.api.get("/messages")["unread"], 1)
        # No IDs: all of them.
        self.api.request("PUT", "/messages", {"Read": True})
        self.assertEqual(self.api.get("/messages")["unread"], 0)
        self.api.request("PUT", "/messages", {"IDs": [ids["y"]], "Read": False})
        self.assertEqual(self.api.get("/search?query=is:unread")["messages"][0]["Subject"], "y")

    def test_chaos(self):
        v = self.api.get("/chaos")
        self.assertEqual(set(v), {"Sender", "Recipient", "Authentication"})
        self.assertEqual(v["Sender"], {"ErrorCode": 451, "Probability": 0})
        v = self.api.json("PUT", "/chaos", {"Recipient": {"ErrorCode": 550, "Probability": 100}})
        self.assertEqual(v["Recipient"], {"ErrorCode": 550, "Probability": 100})
        self.assertEqual(self.api.get("/chaos"), v)
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            with self.assertRaises(smtplib.SMTPRecipientsRefused) as refused:
                s.sendmail(APP, ["ann@customer.example"], b"Subject: no\r\n\r\nno\r\n")
            self.assertEqual(refused.exception.recipients["ann@customer.example"][0], 550)
        # An authentication trigger answers AUTH on submission.
        self.api.json("PUT", "/chaos", {"Authentication": {"ErrorCode": 535, "Probability": 100}})
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            with self.assertRaises(smtplib.SMTPAuthenticationError) as failed:
                s.login("boss", "boss")
            self.assertEqual(failed.exception.smtp_code, 535)
        # Probabilities other than 0 and 100 are refused (our rules are deterministic); {} resets.
        self.assertEqual(self.api.request("PUT", "/chaos", {"Sender": {"ErrorCode": 451, "Probability": 50}})[0], 400)
        self.assertEqual(self.api.json("PUT", "/chaos", {})["Authentication"]["Probability"], 0)
        send(self.bridge, "ann@customer.example", "after chaos")
        self.wait_for_subject("after chaos")


class AsMailpitUsersWriteIt(MailpitTestCase):
    """A signup test as it is written against Mailpit, run unchanged against the bridge."""

    def test_signup_sends_a_confirmation_link(self):
        to = f"new-user-{time.monotonic_ns()}@customer.example"
        # The application under test sends its mail.
        msg = email.message.EmailMessage()
        msg["From"] = "Shop <noreply@shop.test>"
        msg["To"] = to
        msg["Subject"] = "Confirm your account"
        msg.set_content("Open https://shop.test/confirm?token=abc123 to confirm.")
        msg.add_alternative('<p><a href="https://shop.test/confirm?token=abc123">Confirm</a></p>', subtype="html")
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as smtp:
            smtp.send_message(msg)
        base = self.api.base

        def get_json(path):
            with urllib.request.urlopen(base + path, timeout=TIMEOUT) as r:
                return json.load(r)

        # Wait for it to arrive.
        message_id = None
        deadline = time.monotonic() + 10
        while message_id is None and time.monotonic() < deadline:
            for m in get_json("/messages")["messages"]:
                if any(t["Address"] == to for t in m["To"]):
                    message_id = m["ID"]
            time.sleep(0.1)
        self.assertIsNotNone(message_id)
        message = get_json(f"/message/{message_id}")
        self.assertEqual(message["Subject"], "Confirm your account")
        self.assertIn('href="https://shop.test/confirm?token=abc123"', message["HTML"])
        # Clean up.
        req = urllib.request.Request(base + "/messages", method="DELETE")
        with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
            self.assertEqual(r.status, 200)
        self.assertEqual(get_json("/messages")["messages"], [])
        self.assertEqual(get_json("/messages")["total"], 0)


class StartsEmpty(BridgeTestCase):
    """With --empty the catch starts empty, as Mailpit's does: a suite asserting "exactly one
    message" after one send needs no clean-up first."""

    bridge_args = ("--http", "0", "--catch-all", "--empty")

    def test_the_list_is_empty_until_the_first_message(self):
        api = Mailpit(self.bridge)
        v = api.get("/messages")
        self.assertEqual((v["total"], v["unread"], v["messages"]), (0, 0, []))
        send(self.bridge, "first@customer.example", "the first")
        v = wait_for(lambda: api.get("/messages")["total"] == 1 and api.get("/messages"), timeout=10)
        self.assertTrue(v)
        self.assertEqual([m["Subject"] for m in v["messages"]], ["the first"])
        # A reset keeps the world empty (the flag holds for the rebuilt world).
        status, _, _ = api.request("POST", "/reset")
        self.assertEqual(status, 200)
        self.assertEqual(api.get("/messages")["total"], 0)


if __name__ == "__main__":
    unittest.main()
