//! Fault rules: failures chosen on purpose (issue 15), as opposed to the network's seeded
//! chaos. A rule names a server (`host:port`) and a command (with an optional argument pattern
//! with `*` wildcards) or a point of the session (`greeting`, `after DATA`), and an outcome: a
//! reply, a delay or a dropped link, optionally only past a rate (`after 3 per 60s`). A DNS
//! rule hides a record from the relay (`dns corp.example MX => none`). A TLS rule changes what
//! a server offers or presents when a client asks for TLS (`mx.corp.example:25 tls => expired`):
//! a failed handshake, a broken certificate (expired, wrong name, unknown CA) or no TLS offer.
//!
//! One text syntax (see [`parse`]) is used by the page, scenarios, share links and the bridge.
//! Rules live in the world ([`FaultBook`]) and are applied by the server layer in front of every
//! session (`sandbox::gate`), so the protocols know nothing of them. Application is
//! deterministic: it depends only on the rules, the lines received and virtual time.

mod greylist;
mod parse;

pub use greylist::{Greylist, Triple, GREYLIST_REPLY};
pub use parse::{parse_rule, RuleError};

use crate::time::{Duration, Instant};
use std::collections::VecDeque;
use std::fmt;

/// Which protocol a reply is written in; checked against the service on the rule's port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// `452 4.2.2 Mailbox full`: a three-digit code (RFC 5321 §4.2).
    Smtp,
    /// `-ERR [SYS/TEMP] Disk error` or `+OK` (RFC 1939 §3).
    Pop3,
    /// `NO [UNAVAILABLE] Try later`, sent with the command's tag (RFC 3501 §7.1); `BYE`
    /// is sent untagged and ends the session.
    Imap,
}

/// Where in a session a rule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A command line whose verb is `verb` (upper case; for IMAP the word after the tag, and
    /// also after `UID`), and whose arguments match `pattern` when there is one.
    Command {
        verb: String,
        pattern: Option<String>,
    },
    /// The server's greeting, when the connection opens.
    Greeting,
    /// SMTP: the final dot of DATA has arrived, before the server answers it.
    AfterData,
}

/// What happens when a rule fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultOutcome {
    /// The server answers this instead (the session never sees the command).
    Reply { kind: ReplyKind, text: String },
    /// The command (or greeting) is held this long, then goes on as usual.
    Delay(Duration),
    /// The link drops at once (the session sees a lost connection).
    Drop,
    /// `RCPT => greylist`: the first try of each (client, sender, recipient) triple is
    /// answered [`GREYLIST_REPLY`], a retry goes through (see `greylist`).
    Greylist,
}

/// A DNS record kind a rule can hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRecordKind {
    Mx,
    A,
}

/// What a TLS rule does to a server's TLS (the sandbox PKI's broken variants, issue 26).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsFault {
    /// The server answers the ClientHello with a fatal `handshake_failure` alert
    /// (RFC 8446 §6.2).
    HandshakeFailure,
    /// The server presents a certificate whose validity ended (RFC 5280 §4.1.2.5).
    Expired,
    /// The server presents a certificate for another name (RFC 6125 §6).
    WrongName,
    /// The server presents a certificate from a CA no client trusts (RFC 5280 §6).
    UnknownCa,
    /// The server does not offer TLS at all: no STARTTLS/STLS in its capabilities
    /// (RFC 3207 §4, RFC 3501 §6.2.1, and STLS for POP3), and an implicit-TLS port takes no
    /// handshake.
    NotOffered,
}

impl TlsFault {
    pub const ALL: [TlsFault; 5] = [
        TlsFault::HandshakeFailure,
        TlsFault::Expired,
        TlsFault::WrongName,
        TlsFault::UnknownCa,
        TlsFault::NotOffered,
    ];

    /// The words after `tls =>` in a rule (canonical form).
    pub fn keyword(self) -> &'static str {
        match self {
            TlsFault::HandshakeFailure => "handshake failure",
            TlsFault::Expired => "expired",
            TlsFault::WrongName => "wrong name",
            TlsFault::UnknownCa => "unknown CA",
            TlsFault::NotOffered => "not offered",
        }
    }

    /// True when the server still offers TLS but presents a certificate a verifying client
    /// refuses.
    pub fn is_certificate(self) -> bool {
        matches!(
            self,
            TlsFault::Expired | TlsFault::WrongName | TlsFault::UnknownCa
        )
    }
}

/// `after N per D`: the first `allowed` matches in any window of `per` pass untouched; the
/// outcome applies to the ones beyond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub allowed: u32,
    pub per: Duration,
}

/// One rule, as typed and as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultRule {
    Server {
        /// Lower-case host name.
        host: String,
        port: u16,
        trigger: Trigger,
        outcome: FaultOutcome,
        rate: Option<Rate>,
    },
    /// `dns DOMAIN MX => none`: the relay sees no such record for `domain`.
    DnsNone {
        domain: String,
        record: DnsRecordKind,
    },
    /// `HOST:PORT tls => FAULT`: the server's TLS on that port fails as `fault` says.
    Tls {
        /// Lower-case host name.
        host: String,
        port: u16,
        fault: TlsFault,
    },
}

impl FaultRule {
    /// The rule in the canonical text syntax (parses back to the same rule).
    pub fn text(&self) -> String {
        self.to_string()
    }

    /// The server `host:port` a rule is for (none for DNS rules).
    pub fn server(&self) -> Option<(&str, u16)> {
        match self {
            FaultRule::Server { host, port, .. } | FaultRule::Tls { host, port, .. } => {
                Some((host, *port))
            }
            FaultRule::DnsNone { .. } => None,
        }
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultRule::DnsNone { domain, record } => {
                let r = match record {
                    DnsRecordKind::Mx => "MX",
                    DnsRecordKind::A => "A",
                };
                write!(f, "dns {domain} {r} => none")
            }
            FaultRule::Tls { host, port, fault } => {
                write!(f, "{host}:{port} tls => {}", fault.keyword())
            }
            FaultRule::Server {
                host,
                port,
                trigger,
                outcome,
                rate,
            } => {
                write!(f, "{host}:{port} ")?;
                match trigger {
                    Trigger::Greeting => write!(f, "greeting")?,
                    Trigger::AfterData => write!(f, "after DATA")?,
                    Trigger::Command { verb, pattern } => {
                        write!(f, "{verb}")?;
                        if let Some(p) = pattern {
                            write!(f, " {p}")?;
                        }
                    }
                }
                write!(f, " => ")?;
                match outcome {
                    FaultOutcome::Reply { text, .. } => write!(f, "{text}")?,
                    FaultOutcome::Delay(d) => write!(f, "delay {}", format_duration(*d))?,
                    FaultOutcome::Drop => write!(f, "drop")?,
                    FaultOutcome::Greylist => write!(f, "greylist")?,
                }
                if let Some(r) = rate {
                    write!(f, " after {} per {}", r.allowed, format_duration(r.per))?;
                }
                Ok(())
            }
        }
    }
}

/// `250ms`, `30s`, `60s`, `5m`, `1h`: hours or minutes (from 5) when they divide the duration,
/// else seconds, else milliseconds.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 || !ms.is_multiple_of(1000) {
        format!("{ms}ms")
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms >= 300_000 {
        format!("{}m", ms / 60_000)
    } else {
        format!("{}s", ms / 1000)
    }
}

/// The examples of issue 15, for the page's pick list and the tests.
pub const EXAMPLES: [&str; 10] = [
    "mx.corp.example:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full",
    "mx.corp.example:25 RCPT TO:<alice@corp.example> => 550 5.1.1 No such user",
    "mx.corp.example:25 after DATA => drop",
    "mx.corp.example:25 greeting => delay 30s",
    "smtp.isp.example:587 AUTH => 535 5.7.8 Authentication credentials invalid",
    "smtp.isp.example:587 MAIL => 421 4.7.0 Try again later after 3 per 60s",
    "mx.corp.example:110 RETR => -ERR [SYS/TEMP] Disk error",
    "mx.corp.example:143 FETCH => NO [UNAVAILABLE] Try later",
    "mx.corp.example:143 APPEND => NO [OVERQUOTA] Quota exceeded",
    "dns corp.example MX => none",
];

/// One TLS rule per fault (issue 26), for the page's pick list and the tests.
pub const TLS_EXAMPLES: [&str; 5] = [
    "mx.corp.example:25 tls => handshake failure",
    "mx.corp.example:25 tls => expired",
    "mx.corp.example:25 tls => wrong name",
    "mx.corp.example:25 tls => unknown CA",
    "mx.corp.example:25 tls => not offered",
];

/// Most rules a world keeps (a share link could carry any number).
pub const MAX_RULES: usize = 64;

/// The world's rules, numbered from 1 in the order they were added, with the state of their
/// rates.
#[derive(Debug, Clone, Default)]
pub struct FaultBook {
    rules: Vec<FaultRule>,
    /// Per rule: the instants of the matches that passed (within its rate's window).
    passed: Vec<VecDeque<Instant>>,
    /// The triples greylist rules have seen.
    greylist: Greylist,
}

/// A rule that fired: its number (1-based) and outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub rule: usize,
    pub outcome: FaultOutcome,
}

impl FaultBook {
    pub fn rules(&self) -> &[FaultRule] {
        &self.rules
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Adds a rule; returns its number (1-based).
    pub fn add(&mut self, rule: FaultRule) -> Result<usize, String> {
        if self.rules.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules"));
        }
        self.rules.push(rule);
        self.passed.push(VecDeque::new());
        Ok(self.rules.len())
    }

    /// Removes rule number `n` (1-based); later rules move up by one.
    pub fn remove(&mut self, n: usize) -> Option<FaultRule> {
        let i = n.checked_sub(1).filter(|i| *i < self.rules.len())?;
        self.passed.remove(i);
        Some(self.rules.remove(i))
    }

    pub fn clear(&mut self) {
        self.rules.clear();
        self.passed.clear();
        self.greylist.clear();
    }

    /// True on a triple's first try at a greylisting server (see [`Greylist`]).
    pub fn is_greylisted(&mut self, triple: Triple) -> bool {
        self.greylist.is_first_try(triple)
    }

    /// The first rule for `host:port` whose trigger `is_hit` accepts and whose rate lets it
    /// fire now. A match that a rate lets pass is counted.
    pub fn fire(
        &mut self,
        host: &str,
        port: u16,
        now: Instant,
        is_hit: impl Fn(&Trigger) -> bool,
    ) -> Option<Fired> {
        for (i, rule) in self.rules.iter().enumerate() {
            let FaultRule::Server {
                host: h,
                port: p,
                trigger,
                outcome,
                rate,
            } = rule
            else {
                continue;
            };
            if *p != port || !h.eq_ignore_ascii_case(host) || !is_hit(trigger) {
                continue;
            }
            if let (Some(rate), Some(passed)) = (rate, self.passed.get_mut(i)) {
                while passed
                    .front()
                    .is_some_and(|t| now.saturating_since(*t) >= rate.per)
                {
                    passed.pop_front();
                }
                if passed.len() < rate.allowed as usize {
                    passed.push_back(now);
                    continue;
                }
            }
            return Some(Fired {
                rule: i + 1,
                outcome: outcome.clone(),
            });
        }
        None
    }

    /// The first TLS rule for `host:port`, with its number: what that server offers or
    /// presents instead of its own TLS. The server side asks this before it offers TLS or
    /// starts a handshake; TLS rules have no rate and no state.
    pub fn tls_fault(&self, host: &str, port: u16) -> Option<(usize, TlsFault)> {
        self.rules
            .iter()
            .enumerate()
            .find_map(|(i, rule)| match rule {
                FaultRule::Tls {
                    host: h,
                    port: p,
                    fault,
                } if *p == port && h.eq_ignore_ascii_case(host) => Some((i + 1, *fault)),
                _ => None,
            })
    }

    /// The number of the first rule hiding `record` of `domain` from the relay.
    pub fn hides_dns(&self, domain: &str, record: DnsRecordKind) -> Option<usize> {
        let domain = domain.trim_end_matches('.');
        self.rules
            .iter()
            .position(|r| {
                matches!(r, FaultRule::DnsNone { domain: d, record: k }
                if *k == record && d.eq_ignore_ascii_case(domain))
            })
            .map(|i| i + 1)
    }
}

/// True when a command line (without its line end; for IMAP without the tag) is hit by a
/// command trigger: same verb (case-insensitive; IMAP's `UID FETCH` counts as `FETCH`), and
/// the arguments match the pattern, whole or up to a space (so `TO:<a@b>` also matches
/// `TO:<a@b> NOTIFY=NEVER`). Spaces after a colon are ignored (`TO: <a@b>`).
pub fn command_hits(verb: &str, pattern: Option<&str>, line: &str, imap: bool) -> bool {
    let mut words = line.trim_start().splitn(2, [' ', '\t']);
    let mut first = words.next().unwrap_or("");
    let mut rest = words.next().unwrap_or("");
    if imap && first.eq_ignore_ascii_case("UID") && !verb.eq_ignore_ascii_case("UID") {
        let mut w = rest.trim_start().splitn(2, [' ', '\t']);
        first = w.next().unwrap_or("");
        rest = w.next().unwrap_or("");
    }
    if !first.eq_ignore_ascii_case(verb) {
        return false;
    }
    let Some(pattern) = pattern else {
        return true;
    };
    let args = squeeze_after_colons(rest.trim());
    let pattern = squeeze_after_colons(pattern.trim());
    if glob(pattern.as_bytes(), args.as_bytes()) {
        return true;
    }
    // Up to a space: the arguments are "<a match> <anything>", one pass over the line (not
    // one per space of it).
    let up_to_a_space = format!("{pattern} *");
    glob(up_to_a_space.as_bytes(), args.as_bytes())
}

fn squeeze_after_colons(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut after_colon = false;
    for c in s.chars() {
        if after_colon && (c == ' ' || c == '\t') {
            continue;
        }
        after_colon = c == ':';
        out.push(c);
    }
    out
}

/// Case-insensitive (ASCII) match with `*` for any run of bytes.
pub(crate) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if c.eq_ignore_ascii_case(&text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests;
