"""Real clients over TLS through the bridge (issue 26), with certificate verification on and
no "insecure" switch: each trusts only the sandbox CA, written by `--ca-out` (and served at
/api/ca.pem). STARTTLS on the smtp/submission ports, STLS on pop3, STARTTLS on imap, and
implicit TLS on submissions (N+465), imaps (N+993) and pop3s (N+995), with Python's smtplib,
imaplib and poplib, curl, `openssl s_client`, and swaks and msmtp where installed. A client that requires TLS fails cleanly
against `--tls off`, and `--tls required` refuses AUTH in clear.
"""

import email.message
import imaplib
import os
import poplib
import shutil
import smtplib
import ssl
import subprocess
import tempfile
import unittest
import urllib.request
import uuid

from bridge import Bridge, BridgeTestCase, wait_for

TIMEOUT = 10
BOSS = ("boss@corp.example", "boss")


def ca_file():
    """A temporary path for --ca-out (removed at exit by the OS's tmp cleaning or the test)."""
    fd, path = tempfile.mkstemp(prefix="sandbox-ca-", suffix=".pem")
    os.close(fd)
    os.unlink(path)
    return path


def context(ca):
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def message(subject):
    m = email.message.EmailMessage()
    m["From"] = BOSS[0]
    m["To"] = "alice@corp.example"
    m["Subject"] = subject
    m.set_content("Sealed on the wire.\n")
    return m


def subject(what):
    return f"{what} {uuid.uuid4().hex[:10]}"


class TlsBridgeTestCase(BridgeTestCase):
    """A bridge with TLS offered (the default) and the CA written to a file."""

    tls = "offered"

    def setUp(self):
        self.ca = ca_file()
        self.bridge_args = ("--tls", self.tls, "--ca-out", self.ca, "--http", "0")
        super().setUp()

    def tearDown(self):
        super().tearDown()
        if os.path.exists(self.ca):
            os.unlink(self.ca)

    def alice_has(self, subj):
        """Alice's maildrop holds `subj` (read over POP3 inside TLS)."""

        def find():
            p = poplib.POP3_SSL(*self.bridge.addr("pop3s"), context=context(self.ca), timeout=TIMEOUT)
            try:
                p.user("alice@corp.example")
                p.pass_("alice")
                count, _ = p.stat()
                for i in range(count, 0, -1):
                    if subj.encode() in b"\r\n".join(p.top(i, 0)[1]):
                        return True
                return False
            finally:
                p.quit()

        return wait_for(find, timeout=5, interval=0.1)


class PythonClients(TlsBridgeTestCase):
    def test_smtplib_starttls_on_submission_then_auth_and_send(self):
        s = smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT)
        try:
            s.ehlo()
            self.assertTrue(s.has_extn("starttls"))
            code, _ = s.starttls(context=context(self.ca))
            self.assertEqual(code, 220)
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"), "not offered again inside TLS")
            s.login(*BOSS)
            subj = subject("smtplib starttls")
            s.send_message(message(subj))
        finally:
            s.quit()
        self.assertTrue(self.alice_has(subj))

    def test_smtplib_smtp_ssl_on_submissions(self):
        s = smtplib.SMTP_SSL(*self.bridge.addr("submissions"), context=context(self.ca), timeout=TIMEOUT)
        try:
            s.login(*BOSS)
            subj = subject("smtplib 465")
            s.send_message(message(subj))
        finally:
            s.quit()
        self.assertTrue(self.alice_has(subj))

    def test_smtplib_starttls_on_port_25(self):
        s = smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT)
        try:
            s.starttls(context=context(self.ca))
            subj = subject("port 25 starttls")
            s.send_message(message(subj), from_addr="someone@example.org")
        finally:
            s.quit()
        self.assertTrue(self.alice_has(subj))

    def test_imaplib_starttls_and_imap4_ssl(self):
        m = imaplib.IMAP4(*self.bridge.addr("imap"), timeout=TIMEOUT)
        try:
            self.assertIn("STARTTLS", m.capabilities)
            typ, _ = m.starttls(ssl_context=context(self.ca))
            self.assertEqual(typ, "OK")
            self.assertNotIn("STARTTLS", m.capabilities)
            m.login(*BOSS)
            typ, data = m.select("INBOX", readonly=True)
            self.assertEqual(typ, "OK")
        finally:
            m.logout()
        m = imaplib.IMAP4_SSL(*self.bridge.addr("imaps"), ssl_context=context(self.ca), timeout=TIMEOUT)
        try:
            m.login(*BOSS)
            self.assertEqual(m.select("INBOX", readonly=True)[0], "OK")
        finally:
            m.logout()

    def test_poplib_stls_and_pop3_ssl(self):
        p = poplib.POP3(*self.bridge.addr("pop3"), timeout=TIMEOUT)
        try:
            self.assertIn("STLS", p.capa())
            p.stls(context=context(self.ca))
            self.assertNotIn("STLS", p.capa())
            p.user(BOSS[0])
            p.pass_(BOSS[1])
            p.stat()
        finally:
            p.quit()
        p = poplib.POP3_SSL(*self.bridge.addr("pop3s"), context=context(self.ca), timeout=TIMEOUT)
        try:
            p.user(BOSS[0])
            p.pass_(BOSS[1])
            p.stat()
        finally:
            p.quit()

    def test_a_client_trusting_another_ca_refuses_the_bridge(self):
        ctx = ssl.create_default_context()  # the system's roots, not the sandbox's
        with self.assertRaises(ssl.SSLCertVerificationError):
            smtplib.SMTP_SSL(*self.bridge.addr("submissions"), context=ctx, timeout=TIMEOUT)

    def test_the_api_serves_the_same_ca(self):
        host, port = self.bridge.http_addr()
        with urllib.request.urlopen(f"http://{host}:{port}/api/ca.pem", timeout=TIMEOUT) as r:
            served = r.read()
        with open(self.ca, "rb") as f:
            self.assertEqual(served, f.read())
        self.assertTrue(served.startswith(b"-----BEGIN CERTIFICATE-----"))


@unittest.skipUnless(shutil.which("curl"), "curl not installed")
class CurlClients(TlsBridgeTestCase):
    def curl(self, *args):
        return subprocess.run(
            ["curl", "--silent", "--show-error", "--max-time", "10", "--cacert", self.ca, *args],
            capture_output=True,
        )

    def test_curl_smtp_with_ssl_reqd(self):
        subj = subject("curl starttls")
        with tempfile.NamedTemporaryFile("wb", suffix=".eml", delete=False) as f:
            f.write(bytes(message(subj)))
            path = f.name
        try:
            r = self.curl(
                "--ssl-reqd",
                self.bridge.url("smtp", "submission"),
                "--user", "boss@corp.example:boss",
                "--mail-from", BOSS[0],
                "--mail-rcpt", "alice@corp.example",
                "--upload-file", path,
            )
        finally:
            os.unlink(path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(self.alice_has(subj))

    def test_curl_imaps_and_pop3s(self):
        r = self.curl("--user", "boss@corp.example:boss", self.bridge.url("imaps", "imaps", "INBOX"))
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.curl("--user", "boss@corp.example:boss", self.bridge.url("pop3s", "pop3s"))
        self.assertEqual(r.returncode, 0, r.stderr)


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class OpensslStarttls(TlsBridgeTestCase):
    def s_client(self, proto, service, script):
        host, port = self.bridge.addr(service)
        return subprocess.run(
            [
                "openssl", "s_client", "-starttls", proto,
                "-connect", f"{host}:{port}",
                "-CAfile", self.ca, "-verify_return_error", "-verify_ip", host,
                "-quiet", "-ign_eof",
            ],
            input=script,
            capture_output=True,
            timeout=TIMEOUT,
        )

    def test_openssl_starttls_smtp_pop3_imap_verify(self):
        r = self.s_client("smtp", "smtp", b"EHLO openssl\r\nQUIT\r\n")
        self.assertIn(b"221 2.0.0", r.stdout, r.stderr)
        r = self.s_client("pop3", "pop3", b"USER alice@corp.example\r\nPASS alice\r\nQUIT\r\n")
        self.assertIn(b"+OK logged in as alice@corp.example", r.stdout, r.stderr)
        r = self.s_client("imap", "imap", b"a1 LOGIN alice@corp.example alice\r\na2 LOGOUT\r\n")
        self.assertIn(b"a1 OK", r.stdout, r.stderr)


@unittest.skipUnless(shutil.which("swaks"), "swaks not installed (Debian package swaks)")
class Swaks(TlsBridgeTestCase):
    def swaks(self, service, tls_flag, subj, ca=None):
        host, port = self.bridge.addr(service)
        return subprocess.run(
            [
                "swaks", "--server", f"{host}:{port}", tls_flag,
                "--tls-verify", "--tls-ca-path", ca or self.ca,
                "--auth", "PLAIN", "--auth-user", BOSS[0], "--auth-password", BOSS[1],
                "--from", BOSS[0], "--to", "alice@corp.example", "--header", f"Subject: {subj}",
            ],
            capture_output=True,
            timeout=TIMEOUT,
        )

    def test_swaks_starttls_and_tls_on_connect(self):
        subj = subject("swaks starttls")
        r = self.swaks("submission", "--tls", subj)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(b"TLS started with cipher", r.stdout)
        self.assertTrue(self.alice_has(subj))
        subj = subject("swaks 465")
        r = self.swaks("submissions", "--tlsc", subj)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(self.alice_has(subj))

    def test_swaks_refuses_a_bridge_it_cannot_verify(self):
        # The system roots, which do not include the sandbox CA.
        r = self.swaks("submission", "--tls", subject("unverified"), ca="/etc/ssl/certs")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"TLS startup failed", r.stdout + r.stderr)


@unittest.skipUnless(shutil.which("msmtp"), "msmtp not installed (Debian package msmtp)")
class Msmtp(TlsBridgeTestCase):
    def msmtp(self, service, starttls, subj):
        host, port = self.bridge.addr(service)
        return subprocess.run(
            [
                "msmtp", f"--host={host}", f"--port={port}", "--tls=on",
                f"--tls-starttls={starttls}", f"--tls-trust-file={self.ca}",
                "--auth=plain", f"--user={BOSS[0]}", f"--passwordeval=echo {BOSS[1]}",
                f"--from={BOSS[0]}", "alice@corp.example",
            ],
            input=f"Subject: {subj}\n\nSealed.\n".encode(),
            capture_output=True,
            timeout=TIMEOUT,
        )

    def test_msmtp_starttls_and_465(self):
        for service, starttls in (("submission", "on"), ("submissions", "off")):
            subj = subject(f"msmtp {service}")
            r = self.msmtp(service, starttls, subj)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(self.alice_has(subj))


class TlsOff(BridgeTestCase):
    bridge_args = ("--tls", "off")

    def test_a_client_that_requires_tls_fails_cleanly(self):
        s = smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT)
        try:
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"))
            with self.assertRaises(smtplib.SMTPNotSupportedError):
                s.starttls(context=ssl.create_default_context())
        finally:
            s.quit()
        self.assertNotIn(("submissions", "mx.corp.example"), self.bridge.listen)
        if shutil.which("curl"):
            r = subprocess.run(
                ["curl", "--silent", "--max-time", "10", "--ssl-reqd",
                 self.bridge.url("smtp", "submission"), "--mail-from", BOSS[0],
                 "--mail-rcpt", "alice@corp.example", "--upload-file", os.devnull],
                capture_output=True,
            )
            self.assertEqual(r.returncode, 64, "CURLE_USE_SSL_FAILED: the server has no STARTTLS")


class TlsRequired(TlsBridgeTestCase):
    tls = "required"

    def test_auth_in_clear_is_refused_and_works_after_starttls(self):
        s = smtplib.SMTP(*self.bridge.addr("submission"), timeout=TIMEOUT)
        try:
            code, reply = s.docmd("AUTH", "PLAIN AGJvc3NAY29ycC5leGFtcGxlAGJvc3M=")
            self.assertEqual(code, 530, reply)
            s.starttls(context=context(self.ca))
            s.login(*BOSS)
        finally:
            s.quit()


if __name__ == "__main__":
    unittest.main()
