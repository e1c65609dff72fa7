"""The bridge as a test server: a --user sends with AUTH and reads with POP3 and IMAP, POP3's
lock goes with the socket, --all-hosts, --latency, and every endpoint of the JSON API (--http).
"""

import email.message
import email.utils
import imaplib
import json
import poplib
import os
import smtplib
import socket
import ssl
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from bridge import ROOT, BridgeTestCase, MAILBOX_HOST, SERVICES, read_until, wait_for

TIMEOUT = 10
CAROL = ("carol@example.org", "s3cret")


def message(subject, sender, to, body="Hello.\n"):
    m = email.message.EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate()
    m.set_content(body)
    return m.as_bytes()


class Api:
    """A small client of the bridge's JSON API."""

    def __init__(self, bridge):
        host, port = bridge.http_addr()
        self.base = f"http://{host}:{port}/api/v1"

    def call(self, method, path, body=None, raw=False):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT) as r:
                payload = r.read()
                return r.status, payload if raw else json.loads(payload)
        except urllib.error.HTTPError as e:
            payload = e.read()
            try:
                return e.code, json.loads(payload)
            except ValueError:  # Mailpit's endpoints answer errors as plain text
                return e.code, payload.decode()

    def get(self, path, **kw):
        return self.call("GET", path, **kw)


def quote(s):
    return urllib.parse.quote(s, safe="")


class ExtraUsers(BridgeTestCase):
    """A user from --user can do what a test does first: send, then read."""

    bridge_args = ("--user", f"{CAROL[0]}:{CAROL[1]}")

    def test_a_user_sends_with_auth_and_reads_with_pop3_and_imap(self):
        subject = f"Note to self {time.monotonic_ns()}"
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login(*CAROL)
            refused = s.sendmail(
                CAROL[0],
                [CAROL[0], "boss@corp.example"],
                message(subject, CAROL[0], f"{CAROL[0]}, boss@corp.example"),
            )
            self.assertEqual(refused, {})

        def pop3_has_it():
            p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
            try:
                p.user(CAROL[0])
                p.pass_(CAROL[1])
                count, _ = p.stat()
                for i in range(1, count + 1):
                    text = b"\r\n".join(p.retr(i)[1])
                    if subject.encode() in text:
                        return text
                return None
            finally:
                p.quit()

        text = wait_for(pop3_has_it)
        self.assertIsNotNone(text, "carol's message never reached her maildrop")
        self.assertIn(b"Return-Path: <carol@example.org>", text)
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        try:
            m.login(*CAROL)
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{subject}"')
            self.assertEqual(typ, "OK")
            self.assertEqual(len(data[0].split()), 1)
        finally:
            m.logout()
        # The copy for the boss arrived too.
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        try:
            m.login("boss", "boss")
            m.select("INBOX", readonly=True)
            typ, data = m.search(None, "SUBJECT", f'"{subject}"')
            self.assertEqual(len(data[0].split()), 1)
        finally:
            m.logout()

    def test_the_built_in_corp_users_can_submit_too(self):
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login("alice@corp.example", "alice")
            s.sendmail("alice@corp.example", [CAROL[0]], message("hi carol", "alice@corp.example", CAROL[0]))


class Pop3Lock(BridgeTestCase):
    def test_drop_without_quit_then_log_in_at_once(self):
        for _ in range(5):
            p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
            p.user("boss")
            p.pass_("boss")
            self.assertEqual(p.stat()[0], 3)
            p.sock.close()  # no QUIT: the lock must go with the socket
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        p.user("boss")
        self.assertTrue(p.pass_("boss").startswith(b"+OK"))
        p.quit()


class AllHosts(BridgeTestCase):
    bridge_args = ("--all-hosts",)

    def test_every_service_of_every_host_has_a_listen_line(self):
        implicit_tls = ["submissions", "pop3s", "imaps"]  # --tls offered, the default
        self.assertEqual(
            self.bridge.order,
            [(s, MAILBOX_HOST) for s in SERVICES]
            + [("echo", MAILBOX_HOST), ("daytime", MAILBOX_HOST)]
            + [(s, MAILBOX_HOST) for s in implicit_tls]
            + [(s, "smtp.isp.example") for s in SERVICES + implicit_tls],
        )
        sandbox_ca = ssl.create_default_context(cafile=os.path.join(ROOT, "pki", "ca.pem"))
        ports = {port for _, port in self.bridge.listen.values()}
        self.assertEqual(len(ports), len(self.bridge.listen))
        # Each one answers as its host does.
        for (service, vhost), addr in self.bridge.listen.items():
            with socket.create_connection(addr, timeout=TIMEOUT) as plain:
                s = plain
                if service in implicit_tls:  # the handshake first (RFC 8314 §3)
                    s = sandbox_ca.wrap_socket(plain, server_hostname=addr[0])
                if service == "echo":
                    s.sendall(b"ping\r\n")
                    self.assertIn(b"ping", read_until(s, b"ping"))
                    continue
                greeting = read_until(s, b"\n")
                self.assertTrue(greeting, f"{service} of {vhost} said nothing")
                if service in ("smtp", "submission"):
                    self.assertIn(vhost.encode(), greeting)

    def test_smith_reads_her_mail_on_the_isp(self):
        p = poplib.POP3(*self.bridge.addr("pop3", "smtp.isp.example"), timeout=TIMEOUT)
        p.user("smith@isp.example")
        p.pass_("smith")
        self.assertEqual(p.stat()[0], 1)
        p.quit()


def noop_round_trip(bridge):
    """Seconds for one IMAP NOOP, logged in."""
    m = imaplib.IMAP4(*bridge.addr("imap"), timeout=TIMEOUT)
    try:
        m.login("boss", "boss")
        started = time.monotonic()
        m.noop()
        return time.monotonic() - started
    finally:
        m.logout()


class Latency(BridgeTestCase):
    bridge_args = ("--latency", "40", "--http", "0")

    def test_a_simulated_wan_between_clients_and_hosts(self):
        # Each way takes 40 ms of virtual time, which follows real time (the bridge's clock
        # counts whole milliseconds, so the real round trip may read a hair under 80 ms).
        self.assertGreaterEqual(noop_round_trip(self.bridge), 0.078)
        api = Api(self.bridge)
        _, conns = api.get("/connections")
        imap = [c for c in conns["connections"] if c["port"] == 143][-1]
        _, conn = api.get(f"/connections/{imap['id']}")
        lines = conn["transcript"]
        noop = next(i for i, l in enumerate(lines) if l["speaker"] == "client" and "NOOP" in l["text"])
        answer = next(l for l in lines[noop:] if l["speaker"] == "server")
        self.assertEqual(answer["at_ms"] - lines[noop]["at_ms"], 40)

    def test_a_client_that_shuts_down_writing_gets_its_last_answers(self):
        with socket.create_connection(self.bridge.addr("pop3"), timeout=TIMEOUT) as s:
            s.sendall(b"USER boss\r\nPASS boss\r\nSTAT\r\nQUIT\r\n")
            s.shutdown(socket.SHUT_WR)
            data = read_until(s, b"never", timeout=TIMEOUT)
        self.assertEqual(data.count(b"+OK"), 5, data)


class NoLatency(BridgeTestCase):
    bridge_args = ("--http", "0")

    def test_real_clients_sit_next_to_the_host_and_relays_keep_their_delay(self):
        api = Api(self.bridge)
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        m.login("boss", "boss")
        m.noop()
        m.logout()
        _, conns = api.get("/connections")
        imap = [c for c in conns["connections"] if c["port"] == 143][-1]
        _, conn = api.get(f"/connections/{imap['id']}")
        lines = conn["transcript"]
        noop = next(i for i, l in enumerate(lines) if l["speaker"] == "client" and "NOOP" in l["text"])
        answer = next(l for l in lines[noop:] if l["speaker"] == "server")
        self.assertEqual(answer["at_ms"], lines[noop]["at_ms"])
        # Mail for another host still crosses a virtual link with its delay: the relay hop to
        # the ISP shows in the queue first.
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login("boss@corp.example", "boss")
            s.sendmail("boss@corp.example", ["smith@isp.example"], message("to smith", "boss@corp.example", "smith@isp.example"))
        _, q = api.get("/queue")
        self.assertEqual(q["total"], 1, q)
        self.assertEqual(q["entries"][0]["recipients"][0]["address"], "smith@isp.example")
        delivered = wait_for(
            lambda: any("to smith" == (m["subject"] or "") for m in api.get("/users/smith%40isp.example/mailboxes/INBOX/messages")[1]["messages"])
        )
        self.assertTrue(delivered)
        # The entry leaves the queue when the ISP's 250 is back (one more virtual hop).
        self.assertTrue(wait_for(lambda: api.get("/queue")[1]["total"] == 0))


class HttpApi(BridgeTestCase):
    bridge_args = ("--http", "0", "--user", f"{CAROL[0]}:{CAROL[1]}")

    def setUp(self):
        super().setUp()
        self.api = Api(self.bridge)

    def test_users_mailboxes_and_messages(self):
        status, v = self.api.get("/users")
        self.assertEqual(status, 200)
        hosts = {u["address"]: u["host"] for u in v["users"]}
        self.assertEqual(hosts["carol@example.org"], MAILBOX_HOST)
        self.assertEqual(hosts["smith@isp.example"], "smtp.isp.example")
        status, v = self.api.get("/users/boss%40corp.example/mailboxes")
        self.assertEqual(status, 200)
        inbox = next(m for m in v["mailboxes"] if m["name"] == "INBOX")
        self.assertEqual((inbox["messages"], inbox["unseen"]), (3, 2))
        self.assertEqual({m["name"] for m in v["mailboxes"]}, {"INBOX", "Sent", "Drafts", "Trash", "Junk"})
        status, v = self.api.get("/users/boss@corp.example/mailboxes/INBOX/messages")
        self.assertEqual(v["total"], 3)
        first = v["messages"][0]
        self.assertEqual(first["subject"], "Welcome to Mail Sandbox")
        self.assertEqual(first["from"], {"name": "Alice Archer", "address": "alice@corp.example"})
        self.assertEqual(first["flags"], ["\\Seen"])
        self.assertRegex(first["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertGreater(first["size"], 100)
        # The encoded-word subject comes decoded.
        self.assertIn("Zürich", v["messages"][2]["subject"])
        status, one = self.api.get(f"/users/boss@corp.example/mailboxes/INBOX/messages/{first['uid']}")
        self.assertEqual(status, 200)
        self.assertIn("this mailbox lives on mx.corp.example", one["text"])
        status, raw = self.api.get(f"/users/boss@corp.example/mailboxes/INBOX/messages/{first['uid']}/raw", raw=True)
        self.assertEqual(status, 200)
        self.assertTrue(raw.startswith(b"Return-Path: <alice@corp.example>\r\n"))
        self.assertEqual(len(raw), first["size"])
        for path in [
            "/users/ghost@corp.example/mailboxes",
            "/users/boss@corp.example/mailboxes/Nope/messages",
            "/users/boss@corp.example/mailboxes/INBOX/messages/999",
            "/users/boss@corp.example/mailboxes/INBOX/messages/x/raw",
            "/nothing",
        ]:
            self.assertEqual(self.api.get(path)[0], 404, path)

    def test_a_message_sent_over_smtp_shows_in_the_api(self):
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login(*CAROL)
            s.sendmail(CAROL[0], ["alice@corp.example"], message("Lunch?", CAROL[0], "alice@corp.example", "Kangaroo burgers at noon.\n"))
        path = "/users/alice@corp.example/mailboxes/INBOX/messages"
        msgs = wait_for(lambda: self.api.get(path)[1]["messages"])
        self.assertEqual(msgs[0]["subject"], "Lunch?")
        self.assertEqual(msgs[0]["from"]["address"], CAROL[0])
        self.assertEqual(msgs[0]["flags"], [])

    def test_delete_one_and_all(self):
        base = "/users/boss@corp.example/mailboxes/INBOX/messages"
        uid = self.api.get(base)[1]["messages"][0]["uid"]
        self.assertEqual(self.api.call("DELETE", f"{base}/{uid}"), (200, {"deleted": 1}))
        self.assertEqual(self.api.call("DELETE", f"{base}/{uid}")[0], 404)
        self.assertEqual(self.api.get(base)[1]["total"], 2)
        # POP3 sees what is left.
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        p.user("boss")
        p.pass_("boss")
        self.assertEqual(p.stat()[0], 2)
        p.quit()
        self.assertEqual(self.api.call("DELETE", base), (200, {"deleted": 2}))
        self.assertEqual(self.api.get(base)[1]["total"], 0)

    def test_search(self):
        # Mailpit's search (test_mailpit_api.py), plus our user= filter and where each hit lives.
        status, v = self.api.get("/search?query=QUARTERLY")
        self.assertEqual(status, 200)
        self.assertEqual(v["messages_count"], 2)
        self.assertEqual({(m["User"], m["Mailbox"]) for m in v["messages"]}, {("boss@corp.example", "INBOX"), ("smith@isp.example", "INBOX")})
        v = self.api.get("/search?query=quarterly&user=smith%40isp.example")[1]
        self.assertEqual(v["messages_count"], 1)
        v = self.api.get("/search?query=" + quote('"Grüße aus"'))[1]
        self.assertEqual(v["messages_count"], 1)
        self.assertEqual(self.api.get("/search")[0], 400)

    def test_add_a_user_then_log_in(self):
        status, v = self.api.call("POST", "/users", {"address": "dave@example.net", "password": "pw"})
        self.assertEqual(status, 201, v)
        self.assertEqual(v["host"], MAILBOX_HOST)
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        m.login("dave@example.net", "pw")
        m.logout()
        # Again: the password changes, nothing is created.
        status, v = self.api.call("POST", "/users", {"address": "dave@example.net", "password": "pw2"})
        self.assertEqual((status, v["created"]), (200, False))
        self.assertEqual(self.api.call("POST", "/users", {"address": "nobody"})[0], 400)
        self.assertEqual(self.api.call("POST", "/users", {"address": "x y@z", "password": "p"})[0], 400)

    def test_reset_puts_the_world_back(self):
        self.api.call("POST", "/users", {"address": "dave@example.net", "password": "pw"})
        self.api.call("DELETE", "/users/boss@corp.example/mailboxes/INBOX/messages")
        self.assertEqual(self.api.call("POST", "/reset"), (200, {"reset": True}))
        users = {u["address"] for u in self.api.get("/users")[1]["users"]}
        self.assertNotIn("dave@example.net", users)
        self.assertIn(CAROL[0], users)
        self.assertEqual(self.api.get("/users/boss@corp.example/mailboxes/INBOX/messages")[1]["total"], 3)
        # And the mail services still work after it.
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        p.user(CAROL[0])
        p.pass_(CAROL[1])
        p.quit()

    def test_queue_and_transcripts(self):
        self.assertEqual(self.api.get("/queue")[1], {"total": 0, "entries": []})
        with smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT) as s:
            s.login(*CAROL)
            s.sendmail(CAROL[0], ["smith@isp.example"], message("queued", CAROL[0], "smith@isp.example"))
        q = self.api.get("/queue")[1]
        self.assertEqual(q["total"], 1)
        entry = q["entries"][0]
        self.assertEqual((entry["host"], entry["from"]), (MAILBOX_HOST, CAROL[0]))
        self.assertEqual(entry["recipients"][0]["address"], "smith@isp.example")
        _, v = self.api.get("/connections")
        sub = [c for c in v["connections"] if c["port"] == 587][-1]
        self.assertEqual((sub["client"], sub["server"]), ("pc.corp.example", MAILBOX_HOST))
        status, c = self.api.get(f"/connections/{sub['id']}")
        self.assertEqual(status, 200)
        text = "\n".join(f"{l['speaker']}: {l['text']}" for l in c["transcript"])
        self.assertIn("client: ehlo", text.lower())
        self.assertIn("server: 235", text)
        self.assertNotIn(CAROL[1], text)  # the AUTH line is masked
        self.assertEqual(self.api.get("/connections/999999")[0], 404)

    def test_methods_and_index(self):
        status, v = self.api.get("")
        self.assertEqual(status, 200)
        self.assertIn("GET /api/v1/users", v["endpoints"])
        self.assertEqual(self.api.call("DELETE", "/users")[0], 405)
        self.assertEqual(self.api.get("/reset")[0], 405)


if __name__ == "__main__":
    unittest.main()
