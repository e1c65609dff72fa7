#!/usr/bin/env python3
"""IMAP side by side: the bridge (mailsandbox-tcp) and Dovecot 2.3 answer the same command
scripts; their answers are compared by meaning and printed as tables (Markdown).

    python3 scripts/imap-side-by-side.py            # both servers, tables on stdout
    python3 scripts/imap-side-by-side.py --verbose  # and every differing answer in full

Needs Debian's dovecot-imapd (/usr/sbin/dovecot); it runs a throwaway Dovecot on loopback
(a temporary directory, a random high port, user boss/boss, separator `/`, the special-use
mailboxes and the quota plugin) as scripts/bench-bridge.sh does, and the bridge through
tests/clients/bridge.py (built with cargo). Not part of CI: Dovecot's start-up depends on
the machine.

"By meaning": for every command, the tagged status (OK/NO/BAD), its response code's name
(`[TRYCREATE]`, `[APPENDUID ...]` -> APPENDUID) and the untagged responses by name and count
(`* 3 EXISTS` -> EXISTS, `* OK [UIDNEXT 5]` -> OK[UIDNEXT]), in any order. Texts, numbers and
the order of untagged responses are not compared. Each script works in mailboxes of its own
(created, filled with APPEND and deleted again), so the two servers start alike.

Where the bridge answers differently on purpose, DELIBERATE says why; such a difference is
counted apart from the faults.
"""

import argparse
import collections
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "clients"))

MSG_A = (
    "From: Alice <alice@corp.example>\r\nTo: Boss <boss@corp.example>\r\nSubject: Hello\r\n"
    "Date: Mon, 02 Nov 2026 09:00:00 +0000\r\nMessage-ID: <1@corp.example>\r\n\r\n"
    "Hi boss.\r\nLunch?\r\n"
)
MSG_B = (
    "From: Bob <bob@isp.example>\r\nTo: boss@corp.example\r\nCc: carol@corp.example\r\n"
    "Subject: Re: Hello\r\nDate: Tue, 03 Nov 2026 10:00:00 +0100\r\n"
    "Message-ID: <2@isp.example>\r\nIn-Reply-To: <1@corp.example>\r\n"
    "References: <1@corp.example>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n"
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 and soft=\r\n line.\r\n"
    "--b1--\r\n"
)
MSG_C = (
    "From: carol@corp.example\r\nTo: boss@corp.example\r\nSubject: Big report\r\n"
    "Date: Wed, 04 Nov 2026 08:00:00 +0000\r\nMessage-ID: <3@corp.example>\r\n\r\n"
    "Quarterly numbers attached.\r\n"
)


def lit(text):
    """A non-synchronizing literal (RFC 7888), so a script needs no continuation handling."""
    data = text.encode()
    return f"{{{len(data)}+}}\r\n".encode() + data


def fill(box):
    """Commands that create `box` with the three messages (A unseen, B seen, C flagged)."""
    return [
        f"CREATE {box}",
        f"APPEND {box} () ".encode() + lit(MSG_A),
        f"APPEND {box} (\\Seen) ".encode() + lit(MSG_B),
        f"APPEND {box} (\\Flagged) ".encode() + lit(MSG_C),
    ]


def script(name, box, *commands, filled=True, cleanup=True):
    cmds = (fill(box) if filled else []) + list(commands)
    if cleanup:
        cmds += ["UNSELECT", f"DELETE {box}"]
    return name, [f"DELETE {box}"] + cmds


SCRIPTS = [
    script("capability and noop", "sbs-cap", "CAPABILITY", "NOOP", "CHECK", filled=False),
    script(
        "select, examine, status",
        "sbs-sel",
        "SELECT sbs-sel",
        "STATUS sbs-sel (MESSAGES UIDNEXT UNSEEN)",
        "EXAMINE sbs-sel",
        "SELECT sbs-nothing",
    ),
    script(
        "list, lsub, subscribe, rename",
        "sbs-list",
        "CREATE sbs-list/child",
        'LIST "" sbs-list*',
        'LIST "" "sbs-list/%"',
        "SUBSCRIBE sbs-list/child",
        'LSUB "" sbs-list*',
        'LIST (SUBSCRIBED) "" sbs-list*',
        'LIST "" sbs-list RETURN (CHILDREN)',
        'LIST "" sbs-list RETURN (STATUS (MESSAGES))',
        "RENAME sbs-list/child sbs-list/kid",
        "UNSUBSCRIBE sbs-list/child",
        "DELETE sbs-list/kid",
        'LIST "" "!#$&\'+,-.0123456789:;<=>?@^_`|[}%*"',
    ),
    script(
        "fetch",
        "sbs-fetch",
        "SELECT sbs-fetch",
        "FETCH 1:3 (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)",
        "FETCH 2 (BODYSTRUCTURE BODY)",
        "FETCH 2 (BODY.PEEK[HEADER.FIELDS (Subject From)] BODY.PEEK[1] BODY.PEEK[2.MIME])",
        "FETCH 1 BODY.PEEK[TEXT]<0.4>",
        "UID FETCH 1:* (UID FLAGS)",
        "FETCH 9 FLAGS",
        "FETCH 1 (FLAGS",
    ),
    script(
        "store, expunge",
        "sbs-store",
        "SELECT sbs-store",
        "STORE 1 +FLAGS (\\Deleted $Work)",
        "STORE 2 -FLAGS.SILENT (\\Seen)",
        "STORE 1 +FLAGS NIL",
        "FETCH 1:3 FLAGS",
        "UID STORE 3 FLAGS (\\Answered)",
        "EXPUNGE",
        "FETCH 1:* FLAGS",
        "UID EXPUNGE 1:*",
        "CLOSE",
    ),
    script(
        "search, esearch, searchres, within",
        "sbs-search",
        "SELECT sbs-search",
        "SEARCH UNSEEN",
        "SEARCH OR FROM bob SUBJECT report",
        "UID SEARCH SEEN",
        "SEARCH CHARSET UTF-8 BODY Caf\u00e9".encode(),
        "SEARCH CHARSET KOI8-R ALL",
        "SEARCH RETURN (MIN MAX COUNT) ALL",
        "SEARCH RETURN (SAVE) FLAGGED",
        "FETCH $ FLAGS",
        "SEARCH YOUNGER 100000000",
        "SEARCH BOGUS",
    ),
    script(
        "sort, thread",
        "sbs-sort",
        "SELECT sbs-sort",
        "SORT (SUBJECT) UTF-8 ALL",
        "SORT (REVERSE ARRIVAL) UTF-8 ALL",
        "SORT (CC) UTF-8 ALL",
        "UID SORT (DATE) UTF-8 ALL",
        "THREAD REFERENCES UTF-8 ALL",
        "THREAD ORDEREDSUBJECT UTF-8 ALL",
    ),
    script(
        "copy, move, uidplus",
        "sbs-copy",
        "CREATE sbs-copy2",
        "SELECT sbs-copy",
        "COPY 1:2 sbs-copy2",
        "UID MOVE 3 sbs-copy2",
        "COPY 1 sbs-nothing",
        "STATUS sbs-copy2 (MESSAGES)",
        "UNSELECT",
        "DELETE sbs-copy2",
    ),
    script(
        "condstore, qresync",
        "sbs-cond",
        "ENABLE QRESYNC",
        "SELECT sbs-cond",
        "FETCH 1:* (FLAGS) (CHANGEDSINCE 1)",
        "STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)",
        "SEARCH MODSEQ 1",
        "STATUS sbs-cond (HIGHESTMODSEQ)",
    ),
    script(
        "multiappend, catenate",
        "sbs-app",
        b"APPEND sbs-app (\\Seen) " + lit("Subject: one\r\n\r\nx\r\n") + b" " + lit("Subject: two\r\n\r\ny\r\n"),
        "APPEND sbs-nothing () " + "{1+}\r\nx",
        "SELECT sbs-app",
        "UNSELECT",
        b'APPEND sbs-app CATENATE (URL "/sbs-app/;UID=2/;SECTION=HEADER" TEXT '
        + lit("\r\nCATENATEd\r\n")
        + b' URL "/sbs-app/;UID=1/;SECTION=TEXT/;PARTIAL=0.5")',
        'APPEND sbs-app CATENATE (URL "/sbs-app/;UID=99")',
        "STATUS sbs-app (MESSAGES)",
    ),
    script(
        "binary",
        "sbs-bin",
        "SELECT sbs-bin",
        "FETCH 2 (BINARY.PEEK[2] BINARY.SIZE[2])",
        "FETCH 2 BINARY.PEEK[2]<2.4>",
    ),
    script(
        "idle",
        "sbs-idle",
        "SELECT sbs-idle",
        "IDLE\r\nDONE",
    ),
    script(
        "namespace, id, quota, status=size, enable",
        "sbs-misc",
        "NAMESPACE",
        'ID ("name" "side-by-side")',
        'GETQUOTAROOT INBOX',
        "STATUS sbs-misc (SIZE)",
        "ENABLE UTF8=ACCEPT",
    ),
    script(
        "notify",
        "sbs-notify",
        "SELECT sbs-notify",
        "NOTIFY SET STATUS (SELECTED (MessageNew (UID) MessageExpunge FlagChange)) (MAILBOXES sbs-notify2 (MessageNew MessageExpunge))",
        "NOTIFY SET (INBOXES (MessageNew MessageExpunge AnnotationChange))",
        "NOTIFY SET (PERSONAL (MessageNew (UID) MessageExpunge))",
        "NOTIFY SET (SELECTED (MessageNew MessageExpunge MailboxName))",
        "NOTIFY SET (INBOXES (MessageNew))",
        "NOTIFY SET (SUBTREE sbs-notify (MessageNew MessageExpunge MailboxName SubscriptionChange))",
        "NOTIFY NONE",
    ),
    script(
        "errors",
        "sbs-err",
        "FROB",
        "SELECT",
        "FETCH 1 FLAGS",
        "CREATE INBOX",
        "DELETE sbs-nothing",
        "LOGIN boss boss",
        filled=False,
        cleanup=False,
    ),
]

# Differences on purpose: (script, command prefix) -> why.
DELIBERATE = {
    ("capability and noop", "CAPABILITY"): "the capability lists differ; see the capability table",
    ("select, examine, status", "SELECT sbs-nothing"): "we add RFC 5530's [NONEXISTENT] for learners; "
    "Dovecot sends [CLOSED] where we send it too, before the NO",
    ("*", "SELECT sbs-"): "every SELECT reports [HIGHESTMODSEQ] (RFC 7162 §3.1.2.1; issue 27: "
    "desktop clients decide from it whether to use CONDSTORE); Dovecot only after CONDSTORE is on",
    ("*", "EXAMINE sbs-"): "every SELECT/EXAMINE reports [HIGHESTMODSEQ] (RFC 7162 §3.1.2.1)",
    ("select, examine, status", "STATUS sbs-sel"): "Dovecot adds [CLIENTBUG] to a STATUS of the "
    "selected mailbox (RFC 9051 §6.3.11 discourages it); we answer it plainly",
    ("condstore, qresync", "STATUS sbs-cond"): "as above: [CLIENTBUG] for STATUS of the selected "
    "mailbox",
    ("*", "EXPUNGE"): "Dovecot repeats RECENT after an expunge; EXPUNGE already implies the new "
    "counts (RFC 3501 §7.4.1)",
    ("*", "UID MOVE"): "as EXPUNGE: Dovecot repeats RECENT",
    ("search, esearch, searchres, within", "SEARCH CHARSET UTF-8 BODY"): "we take 8-bit text in an "
    "atom as UTF-8 (people type SUBJECT résumé); Dovecot answers BAD, as the grammar allows",
    ("search, esearch, searchres, within", "SEARCH CHARSET KOI8-R"): "we search in UTF-8 and US-ASCII "
    "only (NO [BADCHARSET], RFC 3501 §6.4.4); Dovecot converts any charset iconv knows",
    ("namespace, id, quota, status=size, enable", "GETQUOTAROOT"): "two quota roots here (message "
    "size/count and the mailbox count, QUOTA=RES-MAILBOX); one in the Dovecot set-up",
    ("notify", "NOTIFY SET (SELECTED (MessageNew MessageExpunge MailboxName)"): "RFC 5465 §6.1: "
    "SELECTED takes message events only, BAD; Dovecot 2.3 accepts it",
    ("notify", "NOTIFY SET (INBOXES (MessageNew))"): "RFC 5465 §5: MessageNew and MessageExpunge "
    "MUST go together, BAD; Dovecot 2.3 checks that for SELECTED only",
    ("namespace, id, quota, status=size, enable", "ENABLE UTF8=ACCEPT"): "Dovecot 2.3 has no "
    "UTF8=ACCEPT",
}


class Connection:
    """A plain IMAP client: sends a command, reads up to its tagged answer (literals included)."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.buf = b""
        self.n = 0
        self.greeting = self._line()

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed")
        self.buf += chunk

    def _line(self):
        """One response line, its literals inlined."""
        out = b""
        while True:
            while b"\r\n" not in self.buf:
                self._fill()
            line, self.buf = self.buf.split(b"\r\n", 1)
            out += line
            m = re.search(rb"\{(\d+)\}$", line)
            if not m:
                return out
            size = int(m.group(1))
            while len(self.buf) < size:
                self._fill()
            out += b"\r\n" + self.buf[:size]
            self.buf = self.buf[size:]

    def command(self, text):
        """Sends `text` (str or bytes; `IDLE\\r\\nDONE` waits for the continuation); returns
        (tagged line, untagged lines)."""
        self.n += 1
        tag = f"t{self.n}".encode()
        data = text.encode() if isinstance(text, str) else text
        untagged = []
        if data.startswith(b"IDLE\r\n"):
            self.sock.sendall(tag + b" IDLE\r\n")
            while True:
                line = self._line()
                if line.startswith(b"+"):
                    break
                untagged.append(line)
            self.sock.sendall(data[len(b"IDLE\r\n"):] + b"\r\n")
        else:
            self.sock.sendall(tag + b" " + data + b"\r\n")
        while True:
            line = self._line()
            if line.startswith(tag + b" "):
                return line, untagged
            if line.startswith(b"+"):
                continue
            untagged.append(line)


def meaning(tagged, untagged):
    """(status, code, Counter of untagged names) of one answer."""
    parts = tagged.split(b" ", 2)
    status = parts[1].decode(errors="replace") if len(parts) > 1 else "?"
    rest = parts[2] if len(parts) > 2 else b""
    m = re.match(rb"\[([A-Z0-9=.-]+)", rest)
    code = m.group(1).decode() if m else ""
    names = collections.Counter()
    for line in untagged:
        words = line.split(b" ")
        if len(words) < 2:
            continue
        w = words[1]
        if w.isdigit() and len(words) > 2:
            w = words[2]
        name = w.decode(errors="replace").upper()
        if name in ("OK", "NO", "BAD", "BYE", "PREAUTH"):
            m = re.match(rb"\* \w+ \[([A-Z0-9=.-]+)", line)
            name += f"[{m.group(1).decode()}]" if m else ""
        names[name] += 1
    return status, code, names


def show(meant):
    status, code, names = meant
    items = " ".join(f"{k}x{v}" if v > 1 else k for k, v in sorted(names.items()))
    return f"{status}{' [' + code + ']' if code else ''}{' / ' + items if items else ''}"


def run_scripts(host, port, user, password):
    """Every script on a fresh logged-in connection: {script: [(command, meaning, raw)]}."""
    results = {}
    caps = None
    for name, commands in SCRIPTS:
        c = Connection(host, port)
        tagged, untagged = c.command(f"LOGIN {user} {password}")
        if b" OK" not in tagged:
            raise RuntimeError(f"login failed on port {port}: {tagged!r}")
        if caps is None:
            t, u = c.command("CAPABILITY")
            caps = next((l for l in u if l.startswith(b"* CAPABILITY")), b"").split()[2:]
        answers = []
        for i, cmd in enumerate(commands):
            tagged, untagged = c.command(cmd)
            shown = cmd if isinstance(cmd, str) else cmd.decode(errors="replace")
            shown = shown.split("\r\n")[0]
            # The first command is the clean-up of an earlier run: not compared.
            if i > 0:
                answers.append((shown, meaning(tagged, untagged), tagged, untagged))
        try:
            c.command("LOGOUT")
        except (ConnectionError, OSError):
            pass
        results[name] = answers
    return results, {x.decode() for x in caps}


def start_dovecot(work):
    port = random.randint(21000, 39000)
    home = os.path.join(work, "home")
    run = os.path.join(work, "run")
    os.makedirs(home)
    os.makedirs(run)
    os.chmod(work, 0o755)
    os.chmod(home, 0o1777)
    with open(os.path.join(work, "passwd"), "w") as f:
        f.write("boss:{PLAIN}boss::::::\n")
    uid, gid = ("nobody", "nogroup") if os.getuid() == 0 else (os.getlogin(), os.getlogin())
    conf = os.path.join(work, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(
            f"""base_dir = {run}
state_dir = {run}
log_path = {work}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_plugins = quota
protocol imap {{
  mail_plugins = $mail_plugins imap_quota
}}
plugin {{
  quota = count:User quota
  quota_rule = *:storage=100M
  quota_vsizes = yes
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {work}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={home}/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    auto = subscribe
    special_use = \\Drafts
  }}
  mailbox Sent {{
    auto = subscribe
    special_use = \\Sent
  }}
  mailbox Trash {{
    auto = subscribe
    special_use = \\Trash
  }}
  mailbox Junk {{
    auto = subscribe
    special_use = \\Junk
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        )
    subprocess.run(["/usr/sbin/dovecot", "-c", conf], check=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return conf, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen; see {work}/dovecot.log")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--verbose", action="store_true", help="print differing answers in full")
    args = ap.parse_args()
    if not os.path.exists("/usr/sbin/dovecot"):
        sys.exit("needs Debian's dovecot-imapd (/usr/sbin/dovecot)")
    from bridge import Bridge

    work = tempfile.mkdtemp(prefix="imap-sbs-")
    conf = None
    try:
        conf, dport = start_dovecot(work)
        dovecot, dcaps = run_scripts("127.0.0.1", dport, "boss", "boss")
        with Bridge() as b:
            host, bport = b.addr("imap")
            bridge, bcaps = run_scripts(host, bport, "boss", "boss")
    finally:
        if conf:
            subprocess.run(["doveadm", "-c", conf, "stop"], stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)

    print("## Capabilities\n")
    print("| capability | bridge | Dovecot 2.3 |")
    print("|---|:-:|:-:|")
    for cap in sorted(bcaps | dcaps, key=lambda c: (c.split("=")[0], c)):
        print(f"| {cap} | {'yes' if cap in bcaps else '-'} | {'yes' if cap in dcaps else '-'} |")

    print("\n## Command scripts\n")
    print("| script | commands | same meaning | deliberate | differ |")
    print("|---|--:|--:|--:|--:|")
    details = []
    totals = [0, 0, 0, 0]
    for name, _ in SCRIPTS:
        same = deliberate = differ = 0
        for (cmd, bm, bt, bu), (_, dm, dt, du) in zip(bridge[name], dovecot[name]):
            if bm == dm:
                same += 1
                continue
            why = next(
                (w for (s, p), w in DELIBERATE.items() if s in (name, "*") and cmd.startswith(p)),
                None,
            )
            if why:
                deliberate += 1
            else:
                differ += 1
            details.append((name, cmd, show(bm), show(dm), why, bt, bu, dt, du))
        n = len(bridge[name])
        totals = [t + x for t, x in zip(totals, (n, same, deliberate, differ))]
        print(f"| {name} | {n} | {same} | {deliberate} | {differ} |")
    print(f"| **all** | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} |")

    if details:
        print("\n## Differences\n")
        print("| script | command | bridge | Dovecot | why |")
        print("|---|---|---|---|---|")
        for name, cmd, b, d, why, bt, bu, dt, du in details:
            esc = lambda s: s.replace("|", "\\|")
            print(f"| {name} | `{esc(cmd[:60])}` | {esc(b)} | {esc(d)} | {why or '**fault?**'} |")
            if args.verbose:
                for who, t, u in (("bridge", bt, bu), ("dovecot", dt, du)):
                    for line in u + [t]:
                        print(f"    {who}: {line[:200]!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
