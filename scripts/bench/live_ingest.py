#!/usr/bin/env python3
"""SMTP ingest of the TCP bridge with the live page's polling on and off (issue 28 item 1):
COUNT messages of 1 KiB from Python's smtplib over one connection to the mailbox host's port 25,
in three runs, each a fresh bridge with --empty:

    off      no --http (no live log kept)
    log      --http, the live log kept, nobody reading it
    polling  --http, and a reader fetching /api/live/log as the live page does (every 250 ms,
             at once while a batch comes full), as fast as the bridge answers

Prints one line per run (`<run> seconds S msgs_per_s N`, the polling run with the entries
and polls it read), the medians, then the ratios `log/off R polling/off R` (times; 1.0 = as
fast).

The three runs are repeated ROUNDS times, interleaved (the machine's load drifts), and the
ratios are of the medians.

usage: live_ingest.py BRIDGE_BINARY [COUNT] [ROUNDS]
"""

import json
import random
import smtplib
import subprocess
import sys
import threading
import time
import urllib.request


def start(binary, *args):
    for _ in range(10):
        offset = random.randint(20000, 40000)
        proc = subprocess.Popen([binary, "--port-offset", str(offset), "--empty", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        listen = {}
        for line in proc.stdout:
            line = line.decode().strip()
            if line == "READY":
                break
            parts = line.split()
            if len(parts) == 4:
                listen[parts[1]] = parts[3]
        if "smtp" in listen:
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
            return proc, listen
        proc.kill()
        proc.wait()
    sys.exit("the bridge did not start")


def send(addr, count):
    host, port = addr.rsplit(":", 1)
    body = ("x" * 70 + "\r\n") * 14
    start = time.perf_counter()
    with smtplib.SMTP(host, int(port), timeout=30) as s:
        for n in range(count):
            msg = f"From: app@shop.example\r\nTo: boss@corp.example\r\nSubject: n {n}\r\n\r\n{body}"
            s.sendmail("app@shop.example", ["boss@corp.example"], msg)
    return time.perf_counter() - start


class Poller(threading.Thread):
    def __init__(self, http):
        super().__init__(daemon=True)
        self.url = f"http://{http}/api/live/log"
        self.next = 0
        self.entries = 0
        self.polls = 0
        self.stop = False

    def run(self):
        while not self.stop:
            with urllib.request.urlopen(f"{self.url}?from={self.next}&limit=2000") as r:
                page = json.load(r)
            self.polls += 1
            self.entries += len(page["entries"])
            self.next = page["next"]
            if len(page["entries"]) < 2000:
                time.sleep(0.25)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    times = {"off": [], "log": [], "polling": []}
    for _ in range(rounds):
        for run, seconds in one_round(binary, count).items():
            times[run].append(seconds)
    median = {run: sorted(t)[len(t) // 2] for run, t in times.items()}
    for run, m in median.items():
        print(f"median {run} seconds {m:.3f} msgs_per_s {count / m:.0f}")
    print(f"log/off {median['log'] / median['off']:.3f} "
          f"polling/off {median['polling'] / median['off']:.3f}")


def one_round(binary, count):
    results = {}
    for run in ["off", "log", "polling"]:
        args = [] if run == "off" else ["--http", "0"]
        proc, listen = start(binary, *args)
        poller = None
        try:
            if run == "polling":
                poller = Poller(listen["http"])
                poller.start()
            seconds = send(listen["smtp"], count)
            if poller:
                time.sleep(0.6)
                poller.stop = True
                poller.join()
        finally:
            proc.kill()
            proc.wait()
        results[run] = seconds
        extra = f" entries {poller.entries} polls {poller.polls}" if poller else ""
        print(f"{run} seconds {seconds:.3f} msgs_per_s {count / seconds:.0f}{extra}")
    return results


if __name__ == "__main__":
    main()
