"""Real clients over TLS through the bridge (issue 26), with certificate verification on and
no "insecure" switch: each trusts only the sandbox CA, written by `--ca-out` (and served at
/api/ca.pem). STARTTLS on the smtp/submission ports, STLS on pop3, STARTTLS on imap, and
implicit TLS on submissions (N+465), imaps (N+993) and pop3s (N+995), with Python's smtplib,
imaplib and poplib, curl, `openssl s_client`, and swaks, msmtp, fetchmail, mbsync (isync) and
neomutt where installed (Debian packages; scripts/test.sh installs them). Each real client also
refuses the bridge when told to trust another CA (the system's roots). A client that requires
TLS fails cleanly against `--tls off`, and `--tls required` refuses AUTH in clear.
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


# The system's roots, which do not hold the sandbox CA: a client told to trust them must refuse.
SYSTEM_ROOTS = "/etc/ssl/certs/ca-certificates.crt"


def private_file(directory, name, text):
    """Writes a config file only its owner reads (fetchmail refuses others)."""
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def fetchmail(directory, port, protocol, implicit, ca, out):
    """fetchmail polls boss's mailbox at localhost:`port` (the certificate names localhost),
    TLS mandatory (`sslproto tls1.2+`: STLS/STARTTLS, or `ssl` for implicit TLS), the
    certificate checked against `ca`; every message is kept and appended to `out`."""
    rc = private_file(directory, "fetchmailrc", f"""set no syslog
poll localhost service {port} protocol {protocol} auth password
  user "boss@corp.example" there with password "boss" is "root" here
  {"ssl " if implicit else ""}sslproto "tls1.2+" sslcertck sslcertfile "{ca}"
  keep fetchall
  mda "cat >> {out}"
""")
    return subprocess.run(
        ["fetchmail", "--verbose", "-f", rc, "--idfile", os.path.join(directory, "ids")],
        capture_output=True, timeout=TIMEOUT * 3,
    )


def mbsync(directory, port, ssl_type, ca):
    """mbsync pulls boss's INBOX into a maildir under `directory` over IMAPS (or
    STARTTLS), with only `ca` trusted."""
    maildir = os.path.join(directory, "mail")
    os.makedirs(maildir, exist_ok=True)
    rc = private_file(directory, "mbsyncrc", f"""IMAPAccount bridge
Host localhost
Port {port}
User boss@corp.example
Pass boss
SSLType {ssl_type}
CertificateFile {ca}
SystemCertificates no

IMAPStore remote
Account bridge

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Near
Sync Pull
SyncState *
""")
    return subprocess.run(["mbsync", "-c", rc, "-a"], capture_output=True, timeout=TIMEOUT * 3)


def maildir_text(directory):
    text = b""
    for root, _, files in os.walk(os.path.join(directory, "mail")):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                text += f.read()
    return text


def neomutt(directory, url, ca, subj):
    """neomutt in batch mode sends a message to alice as boss through `url` (smtps:// or
    smtp:// with STARTTLS), TLS forced, host verified, only `ca` trusted."""
    rc = private_file(directory, "neomuttrc", f"""set from="boss@corp.example"
set smtp_url="{url}"
set smtp_pass="boss"
set ssl_ca_certificates_file="{ca}"
set certificate_file="{os.path.join(directory, 'certificates')}"
set ssl_verify_host=yes
set ssl_starttls=yes
set ssl_force_tls=yes
set record=""
""")
    return subprocess.run(
        ["neomutt", "-n", "-F", rc, "-s", subj, "alice@corp.example"],
        input=b"Sealed by neomutt.\n", capture_output=True, timeout=TIMEOUT * 3,
    )


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


@unittest.skipUnless(shutil.which("fetchmail"), "fetchmail not installed (Debian package fetchmail)")
class Fetchmail(TlsBridgeTestCase):
    def test_fetchmail_pop3_stls_pop3s_and_imap_starttls(self):
        subj = subject("for fetchmail")
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.send_message(message(subj), to_addrs=[BOSS[0]])
        for service, protocol, implicit in (("pop3", "POP3", False), ("pop3s", "POP3", True),
                                            ("imap", "IMAP", False)):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "fetched")
                r = fetchmail(d, self.bridge.addr(service)[1], protocol, implicit, self.ca, out)
                self.assertEqual(r.returncode, 0, (service, r.stdout, r.stderr))
                if not implicit:
                    self.assertIn(b"upgrade to TLS succeeded", r.stdout + r.stderr, service)
                with open(out, "rb") as f:
                    self.assertIn(subj.encode(), f.read(), service)

    def test_fetchmail_refuses_a_bridge_it_cannot_verify(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "fetched")
            r = fetchmail(d, self.bridge.addr("pop3")[1], "POP3", False, SYSTEM_ROOTS, out)
            self.assertEqual(r.returncode, 2, r.stderr)  # PS_SOCKET: the TLS upgrade failed
            self.assertIn(b"upgrade to TLS failed", r.stdout + r.stderr)
            self.assertFalse(os.path.exists(out), "nothing fetched")


@unittest.skipUnless(shutil.which("mbsync"), "mbsync not installed (Debian package isync)")
class Mbsync(TlsBridgeTestCase):
    def test_mbsync_over_imaps_with_the_ca_file(self):
        subj = subject("for mbsync")
        with smtplib.SMTP(*self.bridge.addr("smtp"), timeout=TIMEOUT) as s:
            s.send_message(message(subj), to_addrs=[BOSS[0]])
        with tempfile.TemporaryDirectory() as d:
            r = mbsync(d, self.bridge.addr("imaps")[1], "IMAPS", self.ca)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn(subj.encode(), maildir_text(d))

    def test_mbsync_refuses_a_bridge_it_cannot_verify(self):
        with tempfile.TemporaryDirectory() as d:
            r = mbsync(d, self.bridge.addr("imaps")[1], "IMAPS", SYSTEM_ROOTS)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(b"unable to get local issuer certificate", r.stdout + r.stderr)
            self.assertEqual(maildir_text(d), b"")


@unittest.skipUnless(shutil.which("neomutt"), "neomutt not installed (Debian package neomutt)")
class Neomutt(TlsBridgeTestCase):
    def url(self, scheme, service):
        return f"{scheme}://boss%40corp.example@localhost:{self.bridge.addr(service)[1]}/"

    def test_neomutt_sends_over_smtps_and_starttls(self):
        for scheme, service in (("smtps", "submissions"), ("smtp", "submission")):
            subj = subject(f"neomutt {scheme}")
            with tempfile.TemporaryDirectory() as d:
                r = neomutt(d, self.url(scheme, service), self.ca, subj)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertTrue(self.alice_has(subj), scheme)

    def test_neomutt_refuses_a_bridge_it_cannot_verify(self):
        subj = subject("neomutt unverified")
        with tempfile.TemporaryDirectory() as d:
            r = neomutt(d, self.url("smtps", "submissions"), SYSTEM_ROOTS, subj)
            self.assertNotEqual(r.returncode, 0)
            self.assertFalse(os.path.exists(os.path.join(d, "certificates")), "nothing accepted")
        self.assertFalse(self.alice_has(subj))


# The sandbox CA for clients pointed at a bridge with TLS off (which writes it all the same).
OFF_CA = os.path.join(tempfile.gettempdir(), f"sandbox-ca-off-{os.getpid()}.pem")


class TlsOff(BridgeTestCase):
    bridge_args = ("--tls", "off", "--ca-out", OFF_CA)

    def test_fetchmail_mbsync_and_neomutt_insist_on_tls(self):
        """The same configurations as above fail against a bridge that offers no TLS (none of
        them falls back to plaintext)."""
        with tempfile.TemporaryDirectory() as d:
            if shutil.which("fetchmail"):
                out = os.path.join(d, "fetched")
                r = fetchmail(d, self.bridge.addr("pop3")[1], "POP3", False, OFF_CA, out)
                self.assertNotEqual(r.returncode, 0, r.stderr)
                self.assertFalse(os.path.exists(out))
            if shutil.which("mbsync"):
                r = mbsync(d, self.bridge.addr("imap")[1], "STARTTLS", OFF_CA)
                self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertEqual(maildir_text(d), b"")
            if shutil.which("neomutt"):
                url = f"smtp://boss%40corp.example@localhost:{self.bridge.addr('submission')[1]}/"
                r = neomutt(d, url, OFF_CA, subject("neomutt in clear"))
                self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)

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
