//! The world's side of fault rules and strict mode (issue 15): adding and removing rules,
//! switching hosts between strict and lenient, and the marks the gates left per connection.

use super::mark::{FaultAction, GateMark, GateMarkKind};
use super::{mask_secret, Service, Speaker, TranscriptLine, World};
use crate::fault::{
    parse_rule, DnsRecordKind, FaultOutcome, FaultRule, ReplyKind, RuleError, TlsFault,
};
use crate::net::{ConnId, HostId};

/// Why a rule was not added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddRuleError {
    /// The text does not parse (with where and what was expected).
    Syntax(RuleError),
    /// It parses but does not fit this world (its reply is not in the protocol of the service
    /// on that port, or there are too many rules).
    Unfit(String),
}

impl std::fmt::Display for AddRuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddRuleError::Syntax(e) => e.fmt(f),
            AddRuleError::Unfit(why) => f.write_str(why),
        }
    }
}

impl World {
    /// Parses and adds a fault rule; returns its number (1-based). Rules apply to connections
    /// opened later and to lines received later on open ones.
    pub fn add_fault(&mut self, text: &str) -> Result<usize, AddRuleError> {
        let rule = parse_rule(text).map_err(AddRuleError::Syntax)?;
        self.check_fits(&rule).map_err(AddRuleError::Unfit)?;
        self.faults.add(rule).map_err(AddRuleError::Unfit)
    }

    /// Removes rule number `n` (1-based); later rules move up by one.
    pub fn remove_fault(&mut self, n: usize) -> Option<FaultRule> {
        self.faults.remove(n)
    }

    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The TLS rule (its number and fault) for the server at `host:port`, if any: what that
    /// server offers or presents instead of its own TLS. The server side asks this when it
    /// decides whether to offer STARTTLS/STLS and which identity to start a handshake with.
    pub fn tls_fault(&self, host: HostId, port: u16) -> Option<(usize, TlsFault)> {
        self.faults.tls_fault(self.net.host_name(host), port)
    }

    /// The active rules; rule number n is `fault_rules()[n - 1]`.
    pub fn fault_rules(&self) -> &[FaultRule] {
        self.faults.rules()
    }

    /// The rules that name this host (as a server or, for DNS rules, as the MX of the
    /// domain), with their numbers: what the picture marks on a host.
    pub fn fault_rules_of(&self, host: HostId) -> Vec<(usize, &FaultRule)> {
        let name = self.net.host_name(host);
        self.faults
            .rules()
            .iter()
            .enumerate()
            .filter(|(_, r)| match r {
                FaultRule::Server { host, .. } | FaultRule::Tls { host, .. } => {
                    host.eq_ignore_ascii_case(name)
                }
                FaultRule::DnsNone { domain, .. } => self
                    .net
                    .dns
                    .mx(domain)
                    .iter()
                    .any(|mx| mx.exchange.eq_ignore_ascii_case(name)),
            })
            .map(|(i, r)| (i + 1, r))
            .collect()
    }

    /// Switches a host's servers to strict (true) or lenient (false, the default). Sessions
    /// already open follow the change from their next line.
    pub fn set_strict(&mut self, host: HostId, strict: bool) {
        let name = self.net.host_name(host).to_ascii_lowercase();
        if strict {
            self.strict_hosts.insert(name);
        } else {
            self.strict_hosts.remove(&name);
        }
    }

    pub fn is_strict(&self, host: HostId) -> bool {
        self.is_strict_name(self.net.host_name(host))
    }

    pub(super) fn is_strict_name(&self, name: &str) -> bool {
        self.strict_hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
    }

    /// What the gate in front of the server did on this connection: replies fault rules made
    /// (with the rule's number), delays, drops, and strict-mode findings, oldest first.
    pub fn gate_marks(&self, conn: ConnId) -> &[GateMark] {
        self.slots.get(conn).map_or(&[], |s| s.gate_marks())
    }

    /// The mark behind one transcript line of `conn`, for transcripts and terminals: for a
    /// server line, the reply a fault rule or a strict refusal sent (same instant, same text);
    /// for a client line, the mark about it (a rule that fired on it, or what a strict server
    /// would have answered), the first one received after it was sent.
    pub fn gate_mark_for(&self, conn: ConnId, line: &TranscriptLine) -> Option<&GateMark> {
        let marks = self.gate_marks(conn);
        match line.speaker {
            Speaker::Server => marks.iter().find(|m| {
                m.at == line.at
                    && match &m.kind {
                        GateMarkKind::Fault {
                            action: FaultAction::Replied(text),
                            ..
                        } => *text == line.text(),
                        GateMarkKind::Strict { finding, refused } => {
                            *refused && line.text().ends_with(finding.reply.as_str())
                        }
                        _ => false,
                    }
            }),
            Speaker::Client => {
                let text = line.text();
                let masked = mask_secret(&text, false);
                marks
                    .iter()
                    .find(|m| m.at >= line.at && (m.line == text || m.line == masked))
            }
            Speaker::Net => None,
        }
    }

    /// The rule number hiding a DNS record of `domain`, if any.
    pub(super) fn dns_hidden(&self, domain: &str, record: DnsRecordKind) -> Option<usize> {
        self.faults.hides_dns(domain, record)
    }

    /// Where the relay sends mail for `domain` (RFC 5321 §5.1), with DNS fault rules applied:
    /// the MX hosts, else the domain's own A record; and the rule that hid a record, if one did.
    pub(super) fn exchangers_for(&self, domain: &str) -> (Vec<String>, Option<usize>) {
        let hide_mx = self.dns_hidden(domain, DnsRecordKind::Mx);
        let hide_a = self.dns_hidden(domain, DnsRecordKind::A);
        if hide_mx.is_none() && hide_a.is_none() {
            return (self.net.dns.mail_exchangers(domain), None);
        }
        let mx = self.net.dns.mx(domain);
        if hide_mx.is_none() && !mx.is_empty() {
            return (mx.iter().map(|r| r.exchange.clone()).collect(), None);
        }
        if hide_a.is_none() && self.net.dns.resolve_a(domain).is_some() {
            return (vec![domain.to_ascii_lowercase()], hide_mx);
        }
        (Vec::new(), hide_mx.or(hide_a))
    }

    /// A reply must be in the protocol of the service it is for.
    fn check_fits(&self, rule: &FaultRule) -> Result<(), String> {
        let FaultRule::Server {
            host,
            port,
            outcome,
            ..
        } = rule
        else {
            return Ok(());
        };
        let kind = match outcome {
            FaultOutcome::Reply { kind, .. } => kind,
            FaultOutcome::Greylist => &ReplyKind::Smtp,
            _ => return Ok(()),
        };
        let Some(id) = self.net.host_by_name(host) else {
            return Ok(());
        };
        let service = self
            .services_of(id)
            .into_iter()
            .find(|(p, _)| p == port)
            .map(|(_, s)| s);
        let want = match service {
            Some(Service::Smtp | Service::Submission) => ReplyKind::Smtp,
            Some(Service::Pop3) => ReplyKind::Pop3,
            Some(Service::Imap) => ReplyKind::Imap,
            _ => return Ok(()),
        };
        if *kind == want {
            return Ok(());
        }
        let example = match want {
            ReplyKind::Smtp => "an SMTP reply such as `452 4.2.2 Mailbox full`",
            ReplyKind::Pop3 => "a POP3 reply such as `-ERR [SYS/TEMP] Disk error`",
            ReplyKind::Imap => "an IMAP reply such as `NO [UNAVAILABLE] Try later`",
        };
        Err(format!(
            "{host}:{port} speaks {want:?}: the reply must be {example}"
        ))
    }
}
