#!/usr/bin/env python3
"""Builds the fuzz seed corpus from the protocol transcripts (tests/transcripts/*.txt).

Client lines (`C: ...`) become SMTP/POP3 command seeds and session inputs, server lines
(`S: ...`) become SmtpClient inputs. Each target's input layout (mode byte, chunk-size bytes)
is the one its harness in fuzz/fuzz_targets/ expects. Output: fuzz/corpus/<target>/, or
<dir>/<target>/ with `scripts/fuzz-corpus.py <dir>`.
"""
import hashlib
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parent.parent
out_dir = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root / "fuzz" / "corpus"
WHOLE = b"\x00\x00\x00\x00"  # chunk sizes: everything in one piece
SPLIT = b"\x03\x07\x01\x14"  # chunk sizes: 4, 8, 2, 21, ...


def lines(path, who):
    out = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith(who + ":"):
            out.append(raw[len(who) + 2 :].encode() if len(raw) > len(who) + 1 else b"")
    return out


def stream(ls):
    return b"".join(l + b"\r\n" for l in ls)


def put(target, data):
    d = out_dir / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def main():
    count = 0
    for path in sorted((root / "tests" / "transcripts").glob("*.txt")):
        name = path.stem
        client = lines(path, "C")
        server = lines(path, "S")
        cbytes = stream(client)
        submission = "#! submission" in path.read_text(encoding="utf-8")
        if name.startswith("smtp"):
            for l in client:
                put("smtp_command", l)
            for mode in (0, 1):
                m = mode | (1 if submission else 0)
                for sizes in (WHOLE, SPLIT):
                    put("smtp_server", bytes([m]) + sizes + cbytes)
                    put("smtp_server_auth", bytes([m]) + sizes + cbytes)
                    put("smtp_client", bytes([mode]) + sizes + stream(server))
            # World (mode % 6 picks 25/587/110/143/7/13, 0x10 the ISP): port 25 on the MX
            # (0x00), submission on the ISP (0x13).
            put("world", bytes([0x13 if submission else 0x00]) + WHOLE + cbytes)
            put("world", bytes([0x13]) + WHOLE + cbytes)
            for l in client:
                words = l.split()
                if len(words) >= 3 and words[0].upper() == b"AUTH":
                    put("sasl_roundtrip", words[2])
                elif l and b" " not in l and l.endswith(b"="):
                    put("sasl_roundtrip", l)
            # DATA bodies as messages.
            body, inside = [], False
            for l in client:
                if inside:
                    if l == b".":
                        put("message_parse", stream(body))
                        put("dot_roundtrip", b"\x05" + stream(body))
                        body, inside = [], False
                    else:
                        body.append(l[1:] if l.startswith(b".") else l)
                elif l.upper() == b"DATA":
                    inside = True
        elif name.startswith("pop3"):
            for l in client:
                put("pop3_command", l)
            for sizes in (WHOLE, SPLIT):
                put("pop3_session", sizes + cbytes)
                put("pop3_session_login", sizes + cbytes)
                for mode in (0, 1):
                    put("pop3_client", bytes([mode]) + sizes + stream(server))
            put("world", bytes([0x02]) + WHOLE + cbytes)
            for l in client:
                words = l.split()
                if len(words) >= 3 and words[0].upper() == b"AUTH":
                    put("sasl_roundtrip", words[2])
        elif name.startswith("imap"):
            put("imap_command", b"\x05" + cbytes)
            put("imap_command", b"\x1f" + cbytes)
            for l in client:
                put("imap_command", b"\x1f" + l + b"\r\n")
            for sizes in (WHOLE, SPLIT):
                put("imap_session", sizes + cbytes)
                put("imap_session_login", sizes + cbytes)
                for mode in (0, 1):
                    put("imap_client", bytes([mode]) + sizes + stream(server))
                # Past the greeting, LOGIN and SELECT the harness sends itself.
                fetches = [l for l in server if not l.startswith((b"* OK", b"a1 ", b"a2 "))]
                put("imap_responses", sizes + stream(fetches))
            put("world", bytes([0x03]) + WHOLE + cbytes)
        else:
            put("world", bytes([0x04]) + WHOLE + cbytes)
        put("line_framing", b"\x40\x05" + cbytes)
        put("dot_roundtrip", b"\x07" + cbytes)
        put("message_parse", path.read_bytes())
        count += 1
    # tls_server: mode byte (bit 0: a genuine ClientHello first), chunk sizes, then bytes.
    # Seeds: a plaintext command where a ClientHello belongs, a truncated handshake record,
    # and the genuine ClientHello followed by an alert and by garbage.
    for sizes in (WHOLE, SPLIT):
        put("tls_server", b"\x00" + sizes + b"EHLO pc.home.example\r\n")
        put("tls_server", b"\x00" + sizes + b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00")
        put("tls_server", b"\x01" + sizes)
        put("tls_server", b"\x01" + sizes + b"\x15\x03\x03\x00\x02\x02\x28")
        put("tls_server", b"\x01" + sizes + b"\x14\x03\x03\x00\x01\x01\x17\x03\x03\x00\x20" + bytes(32))
    total = sum(1 for _ in out_dir.rglob("*") if _.is_file())
    print(f"fuzz corpus: {total} seeds from {count} transcripts in {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
