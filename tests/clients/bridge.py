"""Builds and starts the TCP bridge (target/debug/mailsandbox-tcp) for the real-client tests.

    with Bridge() as b:
        poplib.POP3(*b.addr("pop3"))                        # the mailbox host's POP3
    with Bridge("--all-hosts") as b:
        smtplib.SMTP(*b.addr("submission", "smtp.isp.example"))

Each Bridge is a fresh world (its own process on a random port offset), so tests that change
mailboxes do not see each other.
"""

import os
import random
import select
import socket
import subprocess
import threading
import time
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "debug", "mailsandbox-tcp")
SERVICES = ["smtp", "submission", "pop3", "imap"]
MAILBOX_HOST = "mx.corp.example"

_built = False


def build():
    """`cargo build --bin mailsandbox-tcp`, once per test run."""
    global _built
    if not _built:
        subprocess.run(
            ["cargo", "build", "--quiet", "--bin", "mailsandbox-tcp"], cwd=ROOT, check=True
        )
        _built = True


class Bridge:
    """A running bridge: `addr(service, vhost)` is the (host, port) serving `service` of the
    virtual host `vhost` (the mailbox host by default); `http_addr` the JSON API's, with --http."""

    def __init__(self, *extra_args, trace=False):
        self.extra_args = list(extra_args) + (["--trace"] if trace else [])
        self.proc = None
        self.listen = {}
        self.output = []  # stdout lines after the LISTEN lines (the transcript, with --trace)
        self._reader = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        build()
        last_error = None
        for _ in range(10):
            offset = random.randint(20000, 40000)
            try:
                self._start_at(offset)
                return
            except RuntimeError as e:  # a port of that offset was taken: try another
                last_error = e
        raise RuntimeError(f"bridge did not start: {last_error}")

    def _start_at(self, offset):
        proc = subprocess.Popen(
            [BINARY, "--port-offset", str(offset), *self.extra_args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        listen = {}
        order = []
        deadline = time.monotonic() + 10
        buf = b""
        ready = False
        while not ready:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                raise RuntimeError("timed out waiting for LISTEN lines")
            ready_fds, _, _ = select.select([proc.stdout], [], [], left)
            if not ready_fds:
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                err = proc.stderr.read().decode(errors="replace")
                proc.wait()
                raise RuntimeError(f"exited with {proc.returncode}: {err.strip()}")
            buf += chunk
            while b"\n" in buf and not ready:
                line, buf = buf.split(b"\n", 1)
                if line == b"READY":
                    ready = True
                    break
                parts = line.decode().split()
                if len(parts) != 4 or parts[0] != "LISTEN":
                    proc.kill()
                    proc.wait()
                    raise AssertionError(f"unexpected start line: {line!r}")
                _, service, vhost, addr = parts
                host, port = addr.rsplit(":", 1)
                listen[(service, vhost)] = (host, int(port))
                order.append((service, vhost))
        if order[:4] != [(s, MAILBOX_HOST) for s in SERVICES]:
            proc.kill()
            proc.wait()
            raise AssertionError(f"LISTEN lines out of order: {order}")
        self.proc = proc
        self.offset = offset
        self.listen = listen
        self.order = order
        if buf:
            self.output.extend(buf.decode(errors="replace").splitlines())
        # Keep draining stdout (the transcript) so the bridge never blocks on a full pipe.
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line.decode(errors="replace").rstrip("\n"))

    def addr(self, service, vhost=MAILBOX_HOST):
        return self.listen[(service, vhost)]

    def http_addr(self):
        return self.listen[("http", "api")]

    def url(self, scheme, service, path="", vhost=MAILBOX_HOST):
        host, port = self.addr(service, vhost)
        return f"{scheme}://{host}:{port}/{path}"

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=2)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc = None


def wait_for(predicate, timeout=5.0, interval=0.05):
    """Polls `predicate` until it returns something truthy; returns that, or None on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = predicate()
        except Exception:  # the thing polled may not exist yet (no message, say)
            result = None
        if result:
            return result
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


def read_until(sock, marker, timeout=5.0, limit=1 << 20):
    """Reads from a socket until `marker` appears (or it closes); returns what was read."""
    sock.settimeout(timeout)
    data = b""
    deadline = time.monotonic() + timeout
    while marker not in data and len(data) < limit:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


class BridgeTestCase(unittest.TestCase):
    """A test case with a fresh bridge per test (started with `bridge_args`), checked still
    alive at the end."""

    bridge_args = ()

    def setUp(self):
        self.bridge = Bridge(*self.bridge_args)
        self.bridge.start()

    def tearDown(self):
        self.assertTrue(self.bridge.alive(), "the bridge died")
        self.bridge.stop()
