"""Shared browser-test harness: serves the release page the tests built for themselves
(`target/test-dist/`, or $MAIL_SANDBOX_DIST) on loopback and drives Debian's headless Chromium
through Debian's chromedriver (never a browser a test tool downloads). The tests never use
`dist/`, the folder `scripts/serve.sh` writes and live-reloads, so they pass while the app is
being served."""

import contextlib
import functools
import http.server
import os
import socketserver
import sys
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIST = os.environ.get("MAIL_SANDBOX_DIST") or os.path.join(ROOT, "target", "test-dist")
ARTIFACTS = os.path.join(ROOT, "artifacts")


# Every path the test servers were asked for, in order (tests check which wasm a page fetched).
REQUESTED = []

# Files held back: a request for a file of this name waits until its event is set (see held()).
HELD = {}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm"}

    def send_head(self):
        REQUESTED.append(self.path)
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        gate = HELD.get(name)
        if gate is not None:
            gate.wait(timeout=120)
        return super().send_head()

    def log_message(self, *args):
        pass

    def end_headers(self):
        # As static hosts such as GitHub Pages do: lets a sandboxed iframe (an opaque origin)
        # load the page's module script and wasm.
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


class _QuietServer(socketserver.ThreadingTCPServer):
    def handle_error(self, request, client_address):
        # A browser that leaves a page mid-download (index.html's redirects to tour.html,
        # embed.html and live.html stop() it) closes its connections: not the page's error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextlib.contextmanager
def serve_dist():
    """Serves dist/ on an ephemeral loopback port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=DIST)
    socketserver.TCPServer.allow_reuse_address = True
    with _QuietServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        finally:
            httpd.shutdown()


@contextlib.contextmanager
def held(*names):
    """Holds back the test servers' answers for these files (by file name), as a slow network
    would, until `release()` is called (or the block ends); yields `release`."""
    gate = threading.Event()
    for name in names:
        HELD[name] = gate
    try:
        yield gate.set
    finally:
        gate.set()
        for name in names:
            HELD.pop(name, None)


@contextlib.contextmanager
def chromium(width=1280, height=900, extra_flags=()):
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--window-size={width},{height}", *extra_flags,
    ]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    if width < 500:
        # Headless windows are at least 500 px wide: narrower phones are emulated.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver):
    """Console messages at SEVERE level (errors, uncaught exceptions, panics)."""
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def screenshot(driver, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    path = os.path.join(ARTIFACTS, name)
    driver.save_screenshot(path)
    return path
