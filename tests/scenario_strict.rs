//! Strict and lenient servers (issue 15): for each difference, what a lenient host accepts
//! (noting what a strict one would answer, with the RFC section) and what a strict host
//! refuses.

mod common;

use common::*;
use mail_sandbox::net::{ConnId, HostId};
use mail_sandbox::sandbox::{DefaultWorld, GateMarkKind, StrictCheck, World};

/// The strict findings noted on a connection: (check, refused, reply).
fn findings(w: &World, conn: ConnId) -> Vec<(StrictCheck, bool, String)> {
    w.gate_marks(conn)
        .iter()
        .filter_map(|m| match &m.kind {
            GateMarkKind::Strict { finding, refused } => {
                Some((finding.check, *refused, finding.reply.clone()))
            }
            _ => None,
        })
        .collect()
}

/// Both modes: a fresh world, the MX strict or not.
fn both(mut f: impl FnMut(&mut World, &DefaultWorld, bool)) {
    for strict in [false, true] {
        let (mut w, d) = world();
        w.set_strict(d.corp, strict);
        assert_eq!(w.is_strict(d.corp), strict);
        f(&mut w, &d, strict);
    }
}

fn smtp(w: &mut World, from: HostId) -> Typed {
    let mut s = Typed::open(w, from, "mx.corp.example", 25);
    s.say(w, "EHLO pc.home.example");
    s
}

#[test]
fn bare_lf_after_a_command() {
    both(|w, d, strict| {
        let mut s = smtp(w, d.sender_pc);
        let r = s.raw(w, b"NOOP\n");
        let f = findings(w, s.conn);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, StrictCheck::BareLf);
        assert_eq!(f[0].1, strict);
        assert_eq!(
            f[0].2,
            "500 5.5.2 Bare LF line end: end lines with CRLF (RFC 5321 §2.3.8)"
        );
        if strict {
            assert_eq!(r, format!("{}\r\n", f[0].2));
        } else {
            assert_eq!(r, "250 2.0.0 Ok\r\n");
        }
    });
}

#[test]
fn missing_angle_brackets() {
    both(|w, d, strict| {
        let mut s = smtp(w, d.sender_pc);
        let r = s.say(w, "MAIL FROM: smith@isp.example");
        let f = findings(w, s.conn);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, StrictCheck::MissingAngleBrackets);
        assert!(f[0].2.ends_with("(RFC 5321 §4.1.2)"));
        if strict {
            assert!(r.starts_with("501 5.5.4 Syntax"), "{r}");
        } else {
            assert_eq!(r, "250 2.1.0 Ok\r\n");
        }
        let r = s.say(w, "MAIL FROM:<smith@isp.example>");
        assert_eq!(r.starts_with("250"), strict, "{r}");
    });
}

#[test]
fn bare_lf_inside_a_message() {
    both(|w, d, strict| {
        let before = messages(w, "boss@corp.example", "INBOX").len();
        let mut s = smtp(w, d.sender_pc);
        s.say(w, "MAIL FROM:<smith@isp.example>");
        s.say(w, "RCPT TO:<boss@corp.example>");
        s.say(w, "DATA");
        let r = s.raw(w, b"Subject: lf\n\nbody\r\n.\r\n");
        let f = findings(w, s.conn);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, StrictCheck::BareLfInMessage);
        let after = messages(w, "boss@corp.example", "INBOX").len();
        if strict {
            assert!(r.starts_with("554 5.6.0"), "{r}");
            assert_eq!(after, before);
            // The transaction is over: a new one works.
            assert!(s.say(w, "MAIL FROM:<smith@isp.example>").starts_with("250"));
        } else {
            assert!(r.starts_with("250 2.0.0"), "{r}");
            assert_eq!(after, before + 1);
        }
    });
}

#[test]
fn eight_bit_headers_need_smtputf8() {
    both(|w, d, strict| {
        let mut s = smtp(w, d.sender_pc);
        for utf8 in [false, true] {
            let param = if utf8 { " SMTPUTF8" } else { "" };
            s.say(w, &format!("MAIL FROM:<smith@isp.example>{param}"));
            s.say(w, "RCPT TO:<boss@corp.example>");
            s.say(w, "DATA");
            let r = s.raw(w, "Subject: Grüße\r\n\r\nHallo\r\n.\r\n".as_bytes());
            let refused = strict && !utf8;
            assert_eq!(r.starts_with("554 5.6.7"), refused, "{r}");
            assert_eq!(r.starts_with("250"), !refused, "{r}");
        }
        let f = findings(w, s.conn);
        assert_eq!(f.len(), 1, "only without SMTPUTF8: {f:?}");
        assert_eq!(f[0].0, StrictCheck::EightBitHeader);
        assert!(f[0].2.ends_with("(RFC 6531 §3.2)"));
    });
}

#[test]
fn pipelining_without_pipelining_offered() {
    both(|w, d, strict| {
        let mut s = Typed::open(w, d.sender_pc, "mx.corp.example", 25);
        let r = s.raw(
            w,
            b"HELO pc.home.example\r\nMAIL FROM:<smith@isp.example>\r\n",
        );
        let f = findings(w, s.conn);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, StrictCheck::Pipelining);
        assert_eq!(r.contains("554 5.5.0"), strict, "{r}");
        // After EHLO (PIPELINING offered) a group is fine in both modes.
        let r = s.raw(w, b"RSET\r\n");
        assert!(r.starts_with("250"));
        s.say(w, "EHLO pc.home.example");
        let r = s.raw(w, b"RSET\r\nNOOP\r\n");
        assert_eq!(r, "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
        assert_eq!(findings(w, s.conn).len(), 1);
    });
}

#[test]
fn pop3_spacing_and_line_length() {
    both(|w, d, strict| {
        let mut p = Typed::open(w, d.recipient_pc, "mx.corp.example", 110);
        let r = p.say(w, "USER  boss");
        assert_eq!(r.starts_with("-ERR Arguments"), strict, "{r}");
        if strict {
            p.say(w, "USER boss");
        }
        assert!(p.say(w, "PASS boss").starts_with("+OK"));
        let long = format!("NOOP {}", "x".repeat(300));
        let r = p.say(w, &long);
        assert_eq!(
            r.starts_with("-ERR Command line over 255 octets"),
            strict,
            "{r}"
        );
        let r = p.raw(w, b"STAT\n");
        assert_eq!(r.starts_with("-ERR Bare LF"), strict, "{r}");
        let f: Vec<StrictCheck> = findings(w, p.conn).iter().map(|f| f.0).collect();
        assert_eq!(
            f,
            vec![
                StrictCheck::ExtraSpaces,
                StrictCheck::LineTooLong,
                StrictCheck::BareLf
            ]
        );
    });
}

#[test]
fn imap_bare_lf() {
    both(|w, d, strict| {
        let mut i = Typed::open(w, d.recipient_pc, "mx.corp.example", 143);
        let r = i.raw(w, b"a1 NOOP\n");
        if strict {
            assert_eq!(
                r,
                "a1 BAD Bare LF line end: end lines with CRLF (RFC 3501 §2.2)\r\n"
            );
        } else {
            assert!(r.starts_with("a1 OK"), "{r}");
        }
        assert_eq!(findings(w, i.conn).len(), 1);
    });
}

#[test]
fn strict_hosts_are_kept_in_snapshots() {
    let (mut w, d) = world();
    w.set_strict(d.corp, true);
    let json = w.snapshot_json();
    let (mut fresh, _) = world();
    fresh.restore_json(&json).unwrap();
    assert!(fresh.is_strict(d.corp));
    assert!(!fresh.is_strict(d.isp));
}
