"""Real clients against the TCP bridge: POP3 (Python's poplib and curl), and robustness of the
bridge against garbage, over-long lines, clients that do not read, and many clients at once.

SMTP/submission and IMAP clients are in test_smtp_clients.py and test_imap_clients.py.
"""

import os
import poplib
import socket
import subprocess
import threading
import time
import unittest

from bridge import BridgeTestCase, Bridge, SERVICES, read_until, wait_for

TIMEOUT = 10


def pop3_login(bridge, user="boss", password="boss", retry_in_use=True):
    """A logged-in poplib session. A lock left by a session that has just closed is released
    within one virtual hop, so [IN-USE] is retried briefly."""
    deadline = time.monotonic() + 2
    while True:
        p = poplib.POP3(*bridge.addr("pop3"), timeout=TIMEOUT)
        try:
            p.user(user)
            p.pass_(password)
            return p
        except poplib.error_proto as e:
            p.close()
            if not (retry_in_use and b"IN-USE" in e.args[0] and time.monotonic() < deadline):
                raise
            time.sleep(0.05)


def curl(*args):
    r = subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", str(TIMEOUT), *args],
        capture_output=True,
        timeout=TIMEOUT + 5,
    )
    return r


class Pop3Clients(BridgeTestCase):
    def test_poplib_session(self):
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        self.assertTrue(p.getwelcome().startswith(b"+OK"))
        p.user("boss")
        p.pass_("boss")
        count, size = p.stat()
        self.assertEqual(count, 3)
        resp, listing, _ = p.list()
        self.assertTrue(resp.startswith(b"+OK"))
        self.assertEqual(len(listing), 3)
        self.assertEqual(sum(int(line.split()[1]) for line in listing), size)
        resp, uids, _ = p.uidl()
        self.assertEqual([u.split()[0] for u in uids], [b"1", b"2", b"3"])
        self.assertEqual(len({u.split()[1] for u in uids}), 3, "unique ids are unique")
        resp, lines, octets = p.retr(1)
        self.assertIn(b"Subject: Welcome to Mail Sandbox", lines)
        self.assertIn(b"Alice", lines)
        self.assertGreaterEqual(octets, int(listing[0].split()[1]))
        resp, lines, _ = p.top(2, 0)
        self.assertIn(b"Subject: Progress on the quarterly report", lines)
        self.assertNotIn(b"Hello Robert,", lines, "TOP n 0 gives headers only")
        resp, lines, _ = p.top(2, 20)
        self.assertIn(b"This is a multi-part message in MIME format.", lines)
        self.assertTrue(p.quit().startswith(b"+OK"))

    def test_curl_lists_and_retrieves(self):
        r = curl("--user", "boss:boss", self.bridge.url("pop3", "pop3"))
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.decode().split("\r\n")
        self.assertEqual([line.split()[0] for line in lines if line], ["1", "2", "3"])
        r = curl("--user", "boss:boss", self.bridge.url("pop3", "pop3", "1"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"Subject: Welcome to Mail Sandbox\r\n", r.stdout)
        self.assertIn(b"\r\nAlice\r\n", r.stdout)

    def test_curl_wrong_password_fails(self):
        r = curl("--user", "boss:nope", self.bridge.url("pop3", "pop3"))
        self.assertNotEqual(r.returncode, 0)

    def test_wrong_password_is_refused(self):
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        p.user("boss")
        with self.assertRaises(poplib.error_proto) as cm:
            p.pass_("not-the-password")
        self.assertTrue(cm.exception.args[0].startswith(b"-ERR"))
        p.close()
        # The failed attempt held no lock: the right password works at once.
        pop3_login(self.bridge, retry_in_use=False).quit()

    def test_unknown_user_is_refused(self):
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        with self.assertRaises(poplib.error_proto):
            p.user("nobody")
            p.pass_("nobody")
        p.close()

    def test_dele_without_quit_keeps_the_message(self):
        p = pop3_login(self.bridge)
        self.assertTrue(p.dele(1).startswith(b"+OK"))
        self.assertEqual(p.stat()[0], 2)
        p.close()  # no QUIT: no UPDATE state (RFC 1939 §6)
        p = pop3_login(self.bridge)
        self.assertEqual(p.stat()[0], 3)
        self.assertIn(b"Subject: Welcome to Mail Sandbox", p.retr(1)[1])
        p.quit()

    def test_dele_and_quit_removes_the_message(self):
        p = pop3_login(self.bridge)
        p.dele(1)
        p.quit()
        p = pop3_login(self.bridge)
        self.assertEqual(p.stat()[0], 2)
        self.assertNotIn(b"Subject: Welcome to Mail Sandbox", p.top(1, 0)[1])
        p.quit()

    def test_second_session_is_in_use(self):
        first = pop3_login(self.bridge)
        second = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        second.user("boss")
        with self.assertRaises(poplib.error_proto) as cm:
            second.pass_("boss")
        self.assertIn(b"[IN-USE]", cm.exception.args[0])
        second.close()
        # Another user is not locked out.
        pop3_login(self.bridge, "alice", "alice", retry_in_use=False).quit()
        first.quit()
        pop3_login(self.bridge).quit()

    def test_user_added_on_the_command_line(self):
        with Bridge("--user", "carol@example.org:s3cret", "--user", "boss@corp.example:new") as b:
            p = pop3_login(b, "carol@example.org", "s3cret")
            self.assertEqual(p.stat(), (0, 0))
            p.quit()
            p = pop3_login(b, "boss", "new")
            self.assertEqual(p.stat()[0], 3)
            p.quit()


class Robustness(BridgeTestCase):
    """Abuse on every port leaves the bridge serving everyone else promptly."""

    def assert_pop3_prompt(self, limit=2.0, user="boss", password="boss", messages=3):
        started = time.monotonic()
        p = pop3_login(self.bridge, user, password)
        self.assertEqual(p.stat()[0], messages)
        p.quit()
        elapsed = time.monotonic() - started
        self.assertLess(elapsed, limit, f"a POP3 login took {elapsed:.2f} s")

    def abuse(self, service, payload):
        """Connects to `service` and sends `payload` from a thread; returns (thread, socket)."""
        s = socket.create_connection(self.bridge.addr(service), timeout=TIMEOUT)

        def send():
            try:
                s.sendall(payload)
            except OSError:
                pass  # the server may close on us: fine

        t = threading.Thread(target=send, daemon=True)
        t.start()
        return t, s

    def test_garbage_and_huge_lines_on_every_port(self):
        rnd = os.urandom(256 * 1024)
        abusers = []
        for service in SERVICES:
            abusers.append(self.abuse(service, rnd))
            abusers.append(self.abuse(service, b"A" * (1024 * 1024)))
            abusers.append(self.abuse(service, b"\x00\xff\r\r\n\n" * 20000 + b"\r\n"))
        # While the abusers are connected (and some still sending), others are served.
        self.assert_pop3_prompt()
        for t, _ in abusers:
            t.join(TIMEOUT)
        self.assert_pop3_prompt()
        for _, s in abusers:
            s.close()
        self.assert_pop3_prompt()

    def test_huge_line_then_a_command_on_the_same_connection(self):
        s = socket.create_connection(self.bridge.addr("pop3"), timeout=TIMEOUT)
        self.assertTrue(read_until(s, b"\r\n").startswith(b"+OK"))
        s.sendall(b"X" * (1024 * 1024) + b"\r\nNOOP\r\nQUIT\r\n")
        data = read_until(s, b"signing off", timeout=TIMEOUT)
        self.assertIn(b"-ERR", data)
        s.close()
        self.assert_pop3_prompt()

    def test_a_client_that_does_not_read_its_answers(self):
        # Boss asks for a message 40000 times (about 48 MB of answers) and at first reads none of
        # them. The bridge stops reading his commands while his answers pile up (flow control),
        # and serves everyone else meanwhile.
        s = socket.create_connection(self.bridge.addr("pop3"), timeout=TIMEOUT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        t, _ = self.abuse_socket(s, b"USER boss\r\nPASS boss\r\n" + b"RETR 2\r\n" * 40000)
        time.sleep(0.5)
        self.assert_pop3_prompt(user="alice", password="alice", messages=0)
        time.sleep(0.5)
        self.assert_pop3_prompt(user="alice", password="alice", messages=0)
        # When he reads at last, every answer is there, in order, and the session still works.
        s.settimeout(TIMEOUT)
        data = bytearray()
        answers = 0
        while answers < 40000:
            chunk = s.recv(1 << 20)
            self.assertTrue(chunk, f"connection closed after {answers} answers")
            answers += (bytes(data[-4:]) + chunk).count(b"\r\n.\r\n")
            data += chunk
            del data[:-8]
        t.join(TIMEOUT)
        s.sendall(b"QUIT\r\n")
        self.assertTrue(read_until(s, b"\r\n").startswith(b"+OK"))
        s.close()
        self.assert_pop3_prompt()

    def abuse_socket(self, s, payload):
        def send():
            try:
                s.sendall(payload)
            except OSError:
                pass

        t = threading.Thread(target=send, daemon=True)
        t.start()
        return t, s

    def test_silent_and_half_open_clients(self):
        silent = [socket.create_connection(self.bridge.addr(svc), timeout=TIMEOUT) for svc in SERVICES * 5]
        half = socket.create_connection(self.bridge.addr("pop3"), timeout=TIMEOUT)
        half.sendall(b"CAPA\r\nQUIT\r\n")
        half.shutdown(socket.SHUT_WR)
        self.assert_pop3_prompt()
        # Having shut down writing, it still gets its answers, then the end of the stream.
        answers = read_until(half, b"never", timeout=TIMEOUT)
        self.assertTrue(answers.startswith(b"+OK"), answers)
        self.assertIn(b"\r\n.\r\n+OK", answers)
        for s in silent:
            s.close()
        half.close()
        self.assert_pop3_prompt()

    def test_many_clients_at_once(self):
        errors = []

        def client(i):
            try:
                s = socket.create_connection(self.bridge.addr("pop3"), timeout=TIMEOUT)
                if not read_until(s, b"\r\n").startswith(b"+OK"):
                    errors.append((i, "greeting"))
                s.sendall(b"CAPA\r\n")
                if not read_until(s, b"\r\n.\r\n").endswith(b"\r\n.\r\n"):
                    errors.append((i, "CAPA"))
                s.sendall(b"QUIT\r\n")
                if not read_until(s, b"\r\n").startswith(b"+OK"):
                    errors.append((i, "QUIT"))
                s.close()
            except OSError as e:
                errors.append((i, repr(e)))

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT * 2)
        self.assertEqual(errors, [])
        self.assertLess(time.monotonic() - started, 10)
        self.assert_pop3_prompt()

    def test_trace_prints_the_transcript(self):
        with Bridge(trace=True) as b:
            p = pop3_login(b)
            p.stat()
            p.quit()
            found = wait_for(lambda: any(" C: STAT" in line for line in b.output), timeout=3)
            self.assertTrue(found, b.output)
            text = "\n".join(b.output)
            self.assertRegex(text, r"\[\d+\.\d{3}s\] #\d+ connect pc\.corp\.example -> mx\.corp\.example:110")
            self.assertRegex(text, r"#\d+ S: \+OK")
            self.assertIn(" C: USER boss", text)


if __name__ == "__main__":
    unittest.main()
