//! The rule syntax, parsed by hand so that every error says where and what was expected.
//!
//! ```text
//! rule     = server SP trigger SP "=>" SP outcome [SP "after" SP count SP "per" SP duration]
//!          / "dns" SP domain SP ("MX" / "A") SP "=>" SP "none"
//!          / server SP "tls" SP "=>" SP tls-fault
//! tls-fault = "handshake" SP "failure" / "expired" / "wrong" SP "name" / "unknown" SP "CA"
//!          / "not" SP "offered"
//! server   = host ":" port                 ; mx.corp.example:25
//! trigger  = "greeting" / "after" SP "DATA" / verb [SP pattern]
//! pattern  = the rest up to "=>", "*" matches any run of characters
//! outcome  = "drop" / "delay" SP duration / "greylist" / reply   ; greylist: after RCPT only
//! reply    = 3DIGIT [SP text]              ; SMTP (RFC 5321 §4.2), codes 200-599
//!          / ("+OK" / "-ERR") [SP text]   ; POP3 (RFC 1939 §3)
//!          / ("OK" / "NO" / "BAD" / "BYE") [SP text] ; IMAP (RFC 3501 §7.1)
//! duration = digits ("ms" / "s" / "m" / "h")
//! ```
//! Keywords and verbs are case-insensitive; spaces are any run of spaces or tabs.

use super::{DnsRecordKind, FaultOutcome, FaultRule, Rate, ReplyKind, TlsFault, Trigger};
use crate::time::Duration;
use std::fmt;

/// Longest rule text.
pub const MAX_RULE_LEN: usize = 512;
/// Longest delay or rate window (a day).
const MAX_DURATION_MS: u64 = 24 * 3600 * 1000;

/// A syntax error: where (1-based character column) and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub column: usize,
    pub expected: String,
    /// What was there instead ("end of rule" at the end).
    pub found: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "column {}: expected {}, found {}",
            self.column, self.expected, self.found
        )
    }
}

impl std::error::Error for RuleError {}

/// The words of a rule with their byte offsets.
struct Words<'a> {
    text: &'a str,
    words: Vec<(usize, &'a str)>,
    next: usize,
}

impl<'a> Words<'a> {
    fn new(text: &'a str) -> Self {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in text.char_indices() {
            match (c == ' ' || c == '\t', start) {
                (true, Some(s)) => {
                    words.push((s, &text[s..i]));
                    start = None;
                }
                (false, None) => start = Some(i),
                _ => {}
            }
        }
        if let Some(s) = start {
            words.push((s, &text[s..]));
        }
        Words {
            text,
            words,
            next: 0,
        }
    }

    fn column(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].chars().count() + 1
    }

    fn error_at(&self, index: usize, expected: &str) -> RuleError {
        match self.words.get(index) {
            Some((off, w)) => RuleError {
                column: self.column(*off),
                expected: expected.to_string(),
                found: format!("`{w}`"),
            },
            None => RuleError {
                column: self.text.trim_end().chars().count() + 1,
                expected: expected.to_string(),
                found: "end of rule".into(),
            },
        }
    }

    fn error(&self, expected: &str) -> RuleError {
        self.error_at(self.next, expected)
    }

    fn peek(&self) -> Option<&'a str> {
        self.words.get(self.next).map(|(_, w)| *w)
    }

    fn take(&mut self, expected: &str) -> Result<&'a str, RuleError> {
        let w = self.peek().ok_or_else(|| self.error(expected))?;
        self.next += 1;
        Ok(w)
    }

    fn keyword(&mut self, kw: &str, expected: &str) -> Result<(), RuleError> {
        match self.peek() {
            Some(w) if w.eq_ignore_ascii_case(kw) => {
                self.next += 1;
                Ok(())
            }
            _ => Err(self.error(expected)),
        }
    }

    fn end(&self) -> Result<(), RuleError> {
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(self.error("end of rule")),
        }
    }

    /// The text from word `from` up to (not including) word `to`, as typed.
    fn span(&self, from: usize, to: usize) -> &'a str {
        let start = self.words.get(from).map_or(self.text.len(), |(o, _)| *o);
        let end = match to.checked_sub(1).and_then(|i| self.words.get(i)) {
            Some((o, w)) => o + w.len(),
            None => start,
        };
        &self.text[start..end.max(start)]
    }
}

/// Parses one rule.
pub fn parse_rule(text: &str) -> Result<FaultRule, RuleError> {
    if text.chars().count() > MAX_RULE_LEN {
        return Err(RuleError {
            column: MAX_RULE_LEN + 1,
            expected: format!("a rule of at most {MAX_RULE_LEN} characters"),
            found: "more".into(),
        });
    }
    if let Some((i, c)) = text
        .char_indices()
        .find(|(_, c)| c.is_control() && *c != '\t')
    {
        return Err(RuleError {
            column: text[..i].chars().count() + 1,
            expected: "printable text".into(),
            found: format!("{c:?}"),
        });
    }
    let mut w = Words::new(text);
    match w.peek() {
        None => Err(w.error("`HOST:PORT` or `dns`")),
        Some(first) if first.eq_ignore_ascii_case("dns") => {
            w.next += 1;
            parse_dns(&mut w)
        }
        Some(_) => parse_server(&mut w),
    }
}

fn parse_dns(w: &mut Words<'_>) -> Result<FaultRule, RuleError> {
    let domain = w.take("a domain name")?;
    if !is_host_name(domain) {
        return Err(w.error_at(w.next - 1, "a domain name"));
    }
    let record = match w.peek() {
        Some(r) if r.eq_ignore_ascii_case("MX") => DnsRecordKind::Mx,
        Some(r) if r.eq_ignore_ascii_case("A") => DnsRecordKind::A,
        _ => return Err(w.error("`MX` or `A`")),
    };
    w.next += 1;
    w.keyword("=>", "`=>`")?;
    w.keyword("none", "`none` (the record is missing)")?;
    w.end()?;
    Ok(FaultRule::DnsNone {
        domain: domain.trim_end_matches('.').to_ascii_lowercase(),
        record,
    })
}

fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !s.starts_with(['.', '-'])
}

fn parse_server(w: &mut Words<'_>) -> Result<FaultRule, RuleError> {
    const SERVER: &str = "`HOST:PORT` (e.g. `mx.corp.example:25`) or `dns`";
    let server = w.take(SERVER)?;
    let (host, port) = server
        .rsplit_once(':')
        .ok_or_else(|| w.error_at(0, SERVER))?;
    if !is_host_name(host) {
        return Err(w.error_at(0, "a host name before `:`"));
    }
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| RuleError {
            column: w.column(host.len() + 1),
            expected: "a port number (1-65535) after `:`".into(),
            found: format!("`{port}`"),
        })?;
    let host = host.to_ascii_lowercase();
    if w.peek().is_some_and(|t| t.eq_ignore_ascii_case("tls")) {
        w.next += 1;
        return parse_tls(w, host, port);
    }
    let trigger = parse_trigger(w)?;
    w.keyword("=>", "`=>`")?;
    let outcome_start = w.next;
    // The optional rate is the last four words: `after N per D`.
    let mut end = w.words.len();
    let mut rate = None;
    if end >= outcome_start + 5 && w.words[end - 4].1.eq_ignore_ascii_case("after") {
        let n_at = end - 3;
        let allowed: u32 = w.words[n_at]
            .1
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| w.error_at(n_at, "a count of 1 or more after `after`"))?;
        if !w.words[end - 2].1.eq_ignore_ascii_case("per") {
            return Err(w.error_at(end - 2, "`per`"));
        }
        let per = duration(w, end - 1)?;
        rate = Some(Rate { allowed, per });
        end -= 4;
    }
    let outcome = match w.peek() {
        Some(o) if o.eq_ignore_ascii_case("drop") => {
            w.next += 1;
            FaultOutcome::Drop
        }
        Some(o) if o.eq_ignore_ascii_case("greylist") && super::greylist::fits(&trigger) => {
            w.next += 1;
            FaultOutcome::Greylist
        }
        Some(o) if o.eq_ignore_ascii_case("delay") => {
            w.next += 1;
            if w.next >= end {
                return Err(w.error("a duration such as `30s`"));
            }
            let d = duration(w, w.next)?;
            w.next += 1;
            FaultOutcome::Delay(d)
        }
        Some(first) => {
            let kind = reply_kind(first).ok_or_else(|| {
                w.error(
                    "a reply (`452 ...`, `-ERR ...`, `NO ...`), `delay DURATION`, `drop` \
                     or (after `RCPT`) `greylist`",
                )
            })?;
            let text = w.span(outcome_start, end).to_string();
            w.next = end;
            FaultOutcome::Reply { kind, text }
        }
        None => return Err(w.error("a reply, `delay DURATION` or `drop`")),
    };
    if w.next < end {
        return Err(w.error("end of rule (or `after N per DURATION`)"));
    }
    if matches!(trigger, Trigger::AfterData) {
        if let FaultOutcome::Reply { kind, .. } = &outcome {
            if *kind != ReplyKind::Smtp {
                return Err(w.error_at(outcome_start, "an SMTP reply after DATA"));
            }
        }
    }
    Ok(FaultRule::Server {
        host,
        port,
        trigger,
        outcome,
        rate,
    })
}

/// `tls => FAULT`, after the server.
fn parse_tls(w: &mut Words<'_>, host: String, port: u16) -> Result<FaultRule, RuleError> {
    const FAULTS: &str =
        "`handshake failure`, `expired`, `wrong name`, `unknown CA` or `not offered`";
    w.keyword("=>", "`=>` after `tls`")?;
    let start = w.next;
    let fault = TlsFault::ALL
        .into_iter()
        .find(|fault| {
            let words: Vec<&str> = fault.keyword().split(' ').collect();
            words.len() == w.words.len().saturating_sub(start)
                && words
                    .iter()
                    .zip(&w.words[start..])
                    .all(|(want, (_, got))| want.eq_ignore_ascii_case(got))
        })
        .ok_or_else(|| w.error(FAULTS))?;
    Ok(FaultRule::Tls { host, port, fault })
}

fn parse_trigger(w: &mut Words<'_>) -> Result<Trigger, RuleError> {
    const TRIGGER: &str = "a command (e.g. `RCPT`), `greeting` or `after DATA`";
    let first = w.take(TRIGGER)?;
    if first.eq_ignore_ascii_case("greeting") {
        return Ok(Trigger::Greeting);
    }
    if first.eq_ignore_ascii_case("after") {
        w.keyword("DATA", "`DATA` after `after`")?;
        return Ok(Trigger::AfterData);
    }
    if first == "=>" || !first.bytes().all(|b| b.is_ascii_alphabetic()) || first.len() > 16 {
        return Err(w.error_at(w.next - 1, TRIGGER));
    }
    let verb = first.to_ascii_uppercase();
    let from = w.next;
    while w.peek().is_some_and(|x| x != "=>") {
        w.next += 1;
    }
    let pattern = (w.next > from).then(|| w.span(from, w.next).to_string());
    Ok(Trigger::Command { verb, pattern })
}

fn reply_kind(first: &str) -> Option<ReplyKind> {
    let b = first.as_bytes();
    if b.len() == 3 && b.iter().all(u8::is_ascii_digit) && (b'2'..=b'5').contains(&b[0]) {
        return Some(ReplyKind::Smtp);
    }
    if first.eq_ignore_ascii_case("+OK") || first.eq_ignore_ascii_case("-ERR") {
        return Some(ReplyKind::Pop3);
    }
    ["OK", "NO", "BAD", "BYE"]
        .iter()
        .any(|k| first.eq_ignore_ascii_case(k))
        .then_some(ReplyKind::Imap)
}

fn duration(w: &Words<'_>, index: usize) -> Result<Duration, RuleError> {
    const EXPECTED: &str = "a duration such as `500ms`, `30s`, `5m` or `1h`";
    let word = w.words.get(index).map(|(_, s)| *s).unwrap_or("");
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let (n, unit) = word.split_at(digits);
    let n: u64 = n.parse().map_err(|_| w.error_at(index, EXPECTED))?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(w.error_at(index, EXPECTED)),
    };
    let ms = n.saturating_mul(scale);
    if ms == 0 || ms > MAX_DURATION_MS {
        return Err(w.error_at(index, "a duration between 1ms and 24h"));
    }
    Ok(Duration::from_millis(ms))
}
