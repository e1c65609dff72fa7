use super::*;

fn rule(text: &str) -> FaultRule {
    parse_rule(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn reply(kind: ReplyKind, text: &str) -> FaultOutcome {
    FaultOutcome::Reply {
        kind,
        text: text.into(),
    }
}

fn cmd(verb: &str, pattern: Option<&str>) -> Trigger {
    Trigger::Command {
        verb: verb.into(),
        pattern: pattern.map(Into::into),
    }
}

fn server(host: &str, port: u16, trigger: Trigger, outcome: FaultOutcome) -> FaultRule {
    FaultRule::Server {
        host: host.into(),
        port,
        trigger,
        outcome,
        rate: None,
    }
}

#[test]
fn every_example_of_the_issue_parses_with_its_meaning() {
    let mx = "mx.corp.example";
    let expected = [
        server(
            mx,
            25,
            cmd("RCPT", Some("TO:<*@corp.example>")),
            reply(ReplyKind::Smtp, "452 4.2.2 Mailbox full"),
        ),
        server(
            mx,
            25,
            cmd("RCPT", Some("TO:<alice@corp.example>")),
            reply(ReplyKind::Smtp, "550 5.1.1 No such user"),
        ),
        server(mx, 25, Trigger::AfterData, FaultOutcome::Drop),
        server(
            mx,
            25,
            Trigger::Greeting,
            FaultOutcome::Delay(Duration::from_secs(30)),
        ),
        server(
            "smtp.isp.example",
            587,
            cmd("AUTH", None),
            reply(
                ReplyKind::Smtp,
                "535 5.7.8 Authentication credentials invalid",
            ),
        ),
        FaultRule::Server {
            host: "smtp.isp.example".into(),
            port: 587,
            trigger: cmd("MAIL", None),
            outcome: reply(ReplyKind::Smtp, "421 4.7.0 Try again later"),
            rate: Some(Rate {
                allowed: 3,
                per: Duration::from_secs(60),
            }),
        },
        server(
            mx,
            110,
            cmd("RETR", None),
            reply(ReplyKind::Pop3, "-ERR [SYS/TEMP] Disk error"),
        ),
        server(
            mx,
            143,
            cmd("FETCH", None),
            reply(ReplyKind::Imap, "NO [UNAVAILABLE] Try later"),
        ),
        server(
            mx,
            143,
            cmd("APPEND", None),
            reply(ReplyKind::Imap, "NO [OVERQUOTA] Quota exceeded"),
        ),
        FaultRule::DnsNone {
            domain: "corp.example".into(),
            record: DnsRecordKind::Mx,
        },
    ];
    for (text, want) in EXAMPLES.iter().zip(expected) {
        let got = rule(text);
        assert_eq!(got, want, "{text}");
        assert_eq!(
            got.text(),
            *text,
            "the canonical text is the example itself"
        );
    }
}

#[test]
fn case_and_spacing_are_free() {
    assert_eq!(
        rule("MX.Corp.Example:25   rcpt\tTO:<*@corp.example>  =>  452 4.2.2 Mailbox full"),
        rule(EXAMPLES[0])
    );
    assert_eq!(rule("DNS Corp.Example. mx => NONE"), rule(EXAMPLES[9]));
    assert_eq!(
        rule("h:25 greeting => delay 1500ms after 2 per 10m").text(),
        "h:25 greeting => delay 1500ms after 2 per 10m"
    );
}

#[test]
fn syntax_errors_say_where_and_what_was_expected() {
    let cases: [(&str, usize, &str); 12] = [
        ("", 1, "`HOST:PORT` or `dns`"),
        ("mx.corp.example RCPT => 452 x", 1, "`HOST:PORT`"),
        ("mx.corp.example:99999 RCPT => 452 x", 17, "a port number"),
        ("mx.corp.example:25", 19, "a command"),
        ("mx.corp.example:25 RCPT 452 x", 30, "`=>`"),
        ("mx.corp.example:25 RCPT => 999 nope", 28, "a reply"),
        ("mx.corp.example:25 RCPT =>", 27, "a reply"),
        (
            "mx.corp.example:25 greeting => delay soon",
            38,
            "a duration",
        ),
        ("mx.corp.example:25 after RCPT => drop", 26, "`DATA`"),
        (
            "mx.corp.example:25 MAIL => 421 x after 0 per 60s",
            40,
            "a count",
        ),
        ("dns corp.example TXT => none", 18, "`MX` or `A`"),
        (
            "mx.corp.example:25 after DATA => -ERR no",
            34,
            "an SMTP reply",
        ),
    ];
    for (text, column, expected) in cases {
        let e = parse_rule(text).expect_err(text);
        assert_eq!(e.column, column, "{text}: {e}");
        assert!(e.expected.starts_with(expected), "{text}: {e}");
        assert!(e
            .to_string()
            .starts_with(&format!("column {column}: expected")));
    }
    assert!(parse_rule("h:25 drop => drop extra").is_err());
    assert!(parse_rule("dns corp.example MX => none please").is_err());
}

#[test]
fn command_patterns_match_verbs_and_wildcards() {
    let rcpt = Some("TO:<*@corp.example>");
    assert!(command_hits(
        "RCPT",
        rcpt,
        "rcpt to:<boss@corp.example>",
        false
    ));
    assert!(command_hits(
        "RCPT",
        rcpt,
        "RCPT TO: <boss@Corp.Example>",
        false
    ));
    assert!(command_hits(
        "RCPT",
        rcpt,
        "RCPT TO:<boss@corp.example> NOTIFY=NEVER",
        false
    ));
    assert!(!command_hits(
        "RCPT",
        rcpt,
        "RCPT TO:<boss@isp.example>",
        false
    ));
    assert!(!command_hits(
        "RCPT",
        rcpt,
        "MAIL FROM:<boss@corp.example>",
        false
    ));
    assert!(command_hits("MAIL", None, "MAIL FROM:<>", false));
    assert!(!command_hits("MAIL", None, "MAILX", false));
    assert!(command_hits("FETCH", None, "UID FETCH 1:* FLAGS", true));
    assert!(!command_hits("FETCH", None, "UID FETCH 1:* FLAGS", false));
    assert!(command_hits(
        "UID",
        Some("FETCH *"),
        "UID FETCH 1 FLAGS",
        true
    ));
    assert!(glob(b"a*b*c", b"aXXbYc"));
    assert!(!glob(b"a*b*c", b"aXXbY"));
    assert!(glob(b"*", b""));
}

/// A 64 KiB line with a space between every two bytes is matched in one pass: the rule
/// "up to a space" once ran the glob again for every space (some 10^9 steps on this line).
#[test]
fn a_64_kib_line_of_spaces_is_matched_in_one_pass() {
    let rcpt = Some("TO:<*@corp.example>");
    let spaces = " ".repeat(64 * 1024);
    let miss = format!("RCPT TO:<boss@isp.example>{spaces}x{spaces}y");
    assert!(!command_hits("RCPT", rcpt, &miss, false));
    let after = format!("RCPT TO:<boss@corp.example>{spaces}NOTIFY=NEVER{spaces}x");
    assert!(command_hits("RCPT", rcpt, &after, false));
    let inside = format!("RCPT TO:<b{spaces}oss@corp.example>");
    assert!(command_hits("RCPT", rcpt, &inside, false));
    let only_spaces = format!("RCPT{spaces}");
    assert!(!command_hits("RCPT", rcpt, &only_spaces, false));
    let other = " x".repeat(32 * 1024);
    assert!(!command_hits(
        "RCPT",
        rcpt,
        &format!("RCPT TO:<a>{other}"),
        false
    ));
}

#[test]
fn a_rate_lets_the_first_matches_pass_in_each_window() {
    let mut book = FaultBook::default();
    book.add(rule(EXAMPLES[5])).unwrap();
    let mail = |t: &Trigger| matches!(t, Trigger::Command { verb, .. } if verb == "MAIL");
    let at = |s: u64| Instant::from_millis(s * 1000);
    let fired: Vec<bool> = [0, 1, 2, 3, 4, 61, 62, 63, 64]
        .iter()
        .map(|s| book.fire("smtp.isp.example", 587, at(*s), mail).is_some())
        .collect();
    assert_eq!(
        fired,
        [false, false, false, true, true, false, false, false, true]
    );
    assert!(book.fire("smtp.isp.example", 25, at(100), mail).is_none());
    assert_eq!(book.remove(1).map(|r| r.text()), Some(EXAMPLES[5].into()));
    assert!(book.remove(1).is_none());
}

#[test]
fn dns_rules_hide_records() {
    let mut book = FaultBook::default();
    book.add(rule(EXAMPLES[0])).unwrap();
    book.add(rule(EXAMPLES[9])).unwrap();
    assert_eq!(book.hides_dns("Corp.Example.", DnsRecordKind::Mx), Some(2));
    assert_eq!(book.hides_dns("corp.example", DnsRecordKind::A), None);
    assert_eq!(book.hides_dns("isp.example", DnsRecordKind::Mx), None);
}

#[test]
fn rules_print_back_to_text_that_parses_to_the_same_rule() {
    for text in [
        "H.Example.:25 x\tTO:<a b> =>\t452 a => b",
        "h:25 X => 452 a after 3 per 60s after 2 per 5s",
        "h:143 uid FETCH 1:* => BYE   going away",
        "h:110 retr => -ERR x after 1 per 61m",
        "h:25 greeting => drop after 1 per 3600000ms",
    ] {
        let rule = rule(text);
        assert_eq!(parse_rule(&rule.text()), Ok(rule.clone()), "{text}");
    }
}

#[test]
fn every_tls_rule_parses_with_its_meaning_and_prints_back() {
    for (text, fault) in TLS_EXAMPLES.iter().zip(TlsFault::ALL) {
        let got = rule(text);
        assert_eq!(
            got,
            FaultRule::Tls {
                host: "mx.corp.example".into(),
                port: 25,
                fault,
            },
            "{text}"
        );
        assert_eq!(got.text(), *text);
        assert_eq!(got.server(), Some(("mx.corp.example", 25)));
    }
    assert_eq!(
        rule("MX.corp.example:25  TLS =>  Unknown\tca"),
        rule(TLS_EXAMPLES[3])
    );
}

#[test]
fn a_tls_rule_with_an_unknown_fault_says_which_are_known() {
    for bad in [
        "mx.corp.example:25 tls => broken",
        "mx.corp.example:25 tls => expired now",
        "mx.corp.example:25 tls =>",
        "mx.corp.example:25 tls expired",
    ] {
        let error = parse_rule(bad).expect_err(bad);
        assert!(
            error.expected.contains("`=>`") || error.expected.contains("`not offered`"),
            "{bad}: {error}"
        );
    }
}

#[test]
fn the_book_answers_the_first_tls_rule_for_a_host_and_port_only() {
    let mut book = FaultBook::default();
    book.add(rule(EXAMPLES[0])).unwrap();
    book.add(rule("mx.corp.example:143 tls => not offered"))
        .unwrap();
    book.add(rule(TLS_EXAMPLES[1])).unwrap();
    book.add(rule(TLS_EXAMPLES[2])).unwrap();
    assert_eq!(
        book.tls_fault("MX.corp.example", 25),
        Some((3, TlsFault::Expired))
    );
    assert_eq!(
        book.tls_fault("mx.corp.example", 143),
        Some((2, TlsFault::NotOffered))
    );
    assert_eq!(book.tls_fault("mx.corp.example", 110), None);
    assert_eq!(book.tls_fault("smtp.isp.example", 25), None);
    book.remove(3);
    assert_eq!(
        book.tls_fault("mx.corp.example", 25),
        Some((3, TlsFault::WrongName))
    );
}
