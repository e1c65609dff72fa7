#!/usr/bin/env python3
"""APPEND throughput of Python's imaplib, as a test suite seeding a mailbox does it (issue 28
item 4): COUNT APPENDs of a 1 KiB message into INBOX over one connection, default socket
options (Nagle on), synchronizing literals (imaplib writes the literal, then the CRLF that ends
the command, in two sends). Prints one line:

    appends 1000 seconds 0.812 per_append_ms 0.812

usage: append.py HOST PORT USER PASSWORD [COUNT]
"""

import imaplib
import sys
import time


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    count = int(sys.argv[5]) if len(sys.argv) > 5 else 1000
    body = ("x" * 70 + "\r\n") * 14
    message = (
        "From: seed@example.net\r\nTo: {user}\r\nSubject: seed {n}\r\n"
        "Date: Mon, 02 Nov 2026 09:00:00 +0000\r\n\r\n" + body
    )
    imap = imaplib.IMAP4(host, port, timeout=30)
    imap.login(user, password)
    start = time.perf_counter()
    for n in range(count):
        raw = message.format(user=user, n=n).encode()
        typ, data = imap.append("INBOX", None, None, raw)
        if typ != "OK":
            sys.exit(f"APPEND {n} failed: {typ} {data}")
    seconds = time.perf_counter() - start
    imap.logout()
    print(f"appends {count} seconds {seconds:.3f} per_append_ms {seconds * 1000 / count:.3f}")


if __name__ == "__main__":
    main()
