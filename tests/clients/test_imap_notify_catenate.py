"""NOTIFY (RFC 5465) and CATENATE (RFC 4469) through the TCP bridge, over real sockets: a
session that asked with NOTIFY hears of another session's APPENDs without sending a command,
and a CATENATE APPEND builds a message from parts of one already there."""

import imaplib
import re
import socket
import time
import unittest

from bridge import BridgeTestCase

TIMEOUT = 10


def read_until(sock, needle, seconds=5):
    """What the server sends until `needle` appears (or the time is up)."""
    sock.settimeout(0.2)
    data = b""
    deadline = time.monotonic() + seconds
    while needle not in data and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        data += chunk
    return data


class ImapNotifyCatenate(BridgeTestCase):
    def test_notify_pushes_another_sessions_appends_without_a_command(self):
        host, port = self.bridge.addr("imap")
        a = socket.create_connection((host, port), timeout=TIMEOUT)
        read_until(a, b"\r\n")
        a.sendall(
            b"a1 LOGIN boss boss\r\na2 SELECT INBOX\r\n"
            b"a3 NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge))"
            b" (PERSONAL (MessageNew MessageExpunge))\r\n"
        )
        self.assertIn(b"a3 OK", read_until(a, b"a3 "))
        b = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        b.login("boss", "boss")
        b.append("INBOX", None, None, b"Subject: pushed\r\n\r\nHi\r\n")
        b.append("Drafts", None, None, b"Subject: draft\r\n\r\nHi\r\n")
        b.logout()
        # `a` sends nothing: the server tells it on its own (RFC 5465 §5.2).
        pushed = read_until(a, b'* STATUS "Drafts"')
        self.assertRegex(pushed, rb"\* \d+ EXISTS\r\n")
        self.assertRegex(pushed, rb"\* \d+ FETCH \(UID \d+\)\r\n")
        self.assertIn(b'* STATUS "Drafts" (MESSAGES 1 ', pushed)
        a.close()

    def test_catenate_builds_a_message_from_a_part_already_there(self):
        host, port = self.bridge.addr("imap")
        m = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        m.login("boss", "boss")
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "ALL")
        uid = data[0].split()[0].decode()
        typ, data = m.status("INBOX", "(UIDVALIDITY)")
        uidvalidity = re.search(rb"UIDVALIDITY (\d+)", data[0]).group(1).decode()
        # imaplib has no CATENATE: the command goes as one line with a LITERAL+ text part.
        tag = m._new_tag().decode()
        url = f"/INBOX;UIDVALIDITY={uidvalidity}/;UID={uid}/;SECTION=HEADER.FIELDS%20(SUBJECT)"
        text = b"\r\nForwarded.\r\n"
        m.send(
            f'{tag} APPEND Drafts CATENATE (URL "{url}" TEXT {{{len(text)}+}}\r\n'.encode()
            + text
            + b")\r\n"
        )
        line = m.readline()
        while not line.startswith(tag.encode()):
            line = m.readline()
        self.assertRegex(line, rb" OK \[APPENDUID \d+ 1\]")
        m.select("Drafts")
        typ, data = m.fetch("1", "(BODY.PEEK[])")
        body = data[0][1]
        self.assertTrue(body.startswith(b"Subject: "), body)
        self.assertTrue(body.endswith(b"\r\n\r\nForwarded.\r\n"), body)
        # A URL naming a message that is not there fails the whole APPEND.
        tag = m._new_tag().decode()
        m.send(f'{tag} APPEND Drafts CATENATE (URL "/INBOX/;UID=99999")\r\n'.encode())
        line = m.readline()
        while not line.startswith(tag.encode()):
            line = m.readline()
        self.assertIn(b"NO [BADURL /INBOX/;UID=99999]", line)
        m.logout()


if __name__ == "__main__":
    unittest.main()
