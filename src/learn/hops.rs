//! What each hop of a message's journey means, for the picture (a short label on the link or
//! host) and the explanation column (a sentence with the RFC section).

use super::enhanced::enhanced_meaning;
use crate::net::HostId;
use crate::proto::verb::{ImapVerb, Pop3Verb, SmtpVerb, Verb};
use crate::sandbox::journey::Hop;
use crate::sandbox::{mx_answer_text, WorldEvent};

/// How a hop is drawn and explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HopText {
    /// A short label on the picture (`RCPT`, `corp.example MX?`).
    pub label: String,
    /// A second line under the label (the DNS answer), if any.
    pub label2: Option<String>,
    /// One sentence for the explanation column.
    pub detail: String,
    /// The RFC section the step comes from.
    pub rfc: &'static str,
    /// Something went wrong (drawn in red).
    pub is_trouble: bool,
    /// It crossed the link inside TLS (drawn with a lock).
    pub is_encrypted: bool,
}

/// Where a hop is drawn: on the link between two hosts, or at one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HopPlace {
    /// From `from` toward `to` (host names).
    Link { from: String, to: String },
    /// At a host (by name).
    Host(String),
}

fn text(label: impl Into<String>, detail: String, rfc: &'static str) -> HopText {
    HopText {
        label: label.into(),
        label2: None,
        detail,
        rfc,
        is_trouble: false,
        is_encrypted: false,
    }
}

/// The link from `client` to `server`, by name.
fn link(name: &impl Fn(HostId) -> String, client: HostId, server: HostId) -> HopPlace {
    HopPlace::Link {
        from: name(client),
        to: name(server),
    }
}

/// What a client command does, in one sentence, and where its rule is: the verb as its
/// protocol's recorder typed it (POP3's LIST is not IMAP's).
fn command_meaning(verb: &Verb) -> (&'static str, &'static str) {
    use ImapVerb as I;
    use Pop3Verb as P;
    use SmtpVerb as S;
    match verb {
        Verb::Smtp(S::Ehlo | S::Helo) => (
            "the client greets the server and names itself",
            "RFC 5321 §4.1.1.1",
        ),
        Verb::Pop3(P::Auth) => ("the client logs in with SASL", "RFC 5034 §4"),
        Verb::Smtp(S::Auth) => ("the client logs in (SMTP AUTH)", "RFC 4954 §4"),
        Verb::Smtp(S::Mail) => ("the envelope sender: where bounces go", "RFC 5321 §4.1.1.2"),
        Verb::Smtp(S::Rcpt) => ("an envelope recipient", "RFC 5321 §4.1.1.3"),
        Verb::Smtp(S::Data) => (
            "the message itself follows, ended by a lone dot",
            "RFC 5321 §4.1.1.4",
        ),
        Verb::Smtp(S::EndOfData) => (
            "the lone dot: the server now takes responsibility",
            "RFC 5321 §6.1",
        ),
        Verb::Smtp(S::Bdat) => ("a chunk of the message", "RFC 3030 §2"),
        Verb::Pop3(P::User | P::Pass | P::Apop) => ("logging in to the mailbox", "RFC 1939 §7"),
        Verb::Pop3(P::Stat | P::List) => ("what is in the mailbox", "RFC 1939 §5"),
        Verb::Pop3(P::Uidl) => ("the lasting id of each message", "RFC 1939 §7"),
        Verb::Pop3(P::Retr) => ("downloading a message", "RFC 1939 §5"),
        Verb::Pop3(P::Top) => ("the headers and first lines of a message", "RFC 1939 §7"),
        Verb::Pop3(P::Dele) => ("marking a message for deletion at QUIT", "RFC 1939 §5"),
        Verb::Pop3(P::Quit) => (
            "the UPDATE state: marked messages are removed",
            "RFC 1939 §6",
        ),
        Verb::Smtp(S::Quit) => ("the client says goodbye", "RFC 5321 §4.1.1.10"),
        Verb::Imap { verb: I::Login, .. } => ("logging in to the mail store", "RFC 3501 §6.2.3"),
        Verb::Imap {
            verb: I::Authenticate,
            ..
        } => ("logging in to the mail store with SASL", "RFC 3501 §6.2.2"),
        Verb::Imap {
            verb: I::Select, ..
        } => ("opening a mailbox on the server", "RFC 3501 §6.3.1"),
        Verb::Imap {
            verb: I::Examine, ..
        } => ("opening a mailbox read-only", "RFC 3501 §6.3.2"),
        Verb::Imap {
            verb: I::List | I::Lsub,
            ..
        } => ("which mailboxes the account has", "RFC 3501 §6.3.8"),
        Verb::Imap { verb: I::Fetch, .. } => (
            "reading messages that stay on the server",
            "RFC 3501 §6.4.5",
        ),
        Verb::Imap { verb: I::Store, .. } => ("changing flags on the server", "RFC 3501 §6.4.6"),
        Verb::Imap {
            verb: I::Search, ..
        } => ("the server searches for the client", "RFC 3501 §6.4.4"),
        Verb::Imap { verb: I::Sort, .. } => ("the server sorts the messages", "RFC 5256 §3"),
        Verb::Imap {
            verb: I::Thread, ..
        } => ("the server groups the messages into threads", "RFC 5256 §3"),
        Verb::Imap {
            verb: I::GetQuota, ..
        } => ("the usage and limits of a quota root", "RFC 9208 §4.1.1"),
        Verb::Imap {
            verb: I::GetQuotaRoot,
            ..
        } => ("how much the account may store", "RFC 9208 §4.1.2"),
        Verb::Imap {
            verb: I::SetQuota, ..
        } => ("changing a quota", "RFC 9208 §4.1.3"),
        Verb::Imap { verb: I::Idle, .. } => {
            ("waiting for the server to tell of new mail", "RFC 2177 §3")
        }
        Verb::Imap {
            verb: I::Append, ..
        } => ("uploading a message into a mailbox", "RFC 3501 §6.3.11"),
        Verb::Imap {
            verb: I::Logout, ..
        } => ("the client says goodbye", "RFC 3501 §6.1.3"),
        _ => ("a protocol command", ""),
    }
}

/// The label, sentence and place of `hop`; `name` gives a host's name.
pub fn describe(hop: &Hop, name: impl Fn(HostId) -> String) -> (HopText, HopPlace) {
    match hop {
        Hop::Connect {
            client,
            server,
            port,
        } => (
            text(
                format!("connect :{port}"),
                format!(
                    "{} opens a connection to {} port {port}.",
                    name(*client),
                    name(*server)
                ),
                "RFC 5321 §3.1",
            ),
            link(&name, *client, *server),
        ),
        Hop::ConnectFailed {
            client,
            server,
            reason,
        } => (
            HopText {
                is_trouble: true,
                ..text(
                    "✖ no connection",
                    format!(
                        "{} cannot reach {}: {reason}.",
                        name(*client),
                        name(*server)
                    ),
                    "RFC 5321 §4.5.4.1",
                )
            },
            link(&name, *client, *server),
        ),
        Hop::Command {
            client,
            server,
            verb,
            encrypted,
            ..
        } => {
            let (meaning, rfc) = command_meaning(verb);
            let (label, wire) = match encrypted {
                true => (
                    format!("🔒 {verb}"),
                    " Inside TLS: an eavesdropper on the link sees only ciphertext.",
                ),
                false => (verb.to_string(), ""),
            };
            (
                HopText {
                    is_encrypted: *encrypted,
                    ..text(
                        label,
                        format!(
                            "{} → {}: {verb}, {meaning}.{wire}",
                            name(*client),
                            name(*server)
                        ),
                        rfc,
                    )
                },
                link(&name, *client, *server),
            )
        }
        Hop::Tls {
            client,
            server,
            record,
            ..
        } => super::tls_hops::describe_tls(record, &name(*client), &name(*server)),
        Hop::Event(e) => describe_event(e),
    }
}

fn describe_event(e: &WorldEvent) -> (HopText, HopPlace) {
    let summary = e.summary().unwrap_or_default();
    match e {
        WorldEvent::Queued { id, host } => (
            text(
                format!("queued {id}"),
                format!("{summary}: the host took responsibility and will relay it."),
                "RFC 5321 §6.1",
            ),
            HopPlace::Host(host.clone()),
        ),
        WorldEvent::MxLookup {
            host,
            domain,
            answer,
            implicit_mx,
        } => (
            HopText {
                label2: Some(format!(
                    "→ {}",
                    mx_answer_text(answer, *implicit_mx, domain)
                )),
                ..text(
                    format!("DNS: {domain} MX?"),
                    format!(
                        "{host} asks the DNS where mail for {domain} goes: {}.",
                        mx_answer_text(answer, *implicit_mx, domain)
                    ),
                    "RFC 5321 §5.1",
                )
            },
            HopPlace::Host(host.clone()),
        ),
        WorldEvent::Relayed { from, to, .. } => (
            text(
                "250 relayed",
                format!("{summary}: the next hop has the message now."),
                "RFC 5321 §6.1",
            ),
            HopPlace::Link {
                from: from.clone(),
                to: to.clone(),
            },
        ),
        WorldEvent::Delivered {
            host, rcpt, folder, ..
        } => {
            let user = rcpt.split('@').next().unwrap_or(rcpt);
            (
                text(
                    format!("✉ +1 {user}'s {folder}"),
                    format!("{summary}: final delivery, with Return-Path added."),
                    "RFC 5321 §4.4",
                ),
                HopPlace::Host(host.clone()),
            )
        }
        WorldEvent::Deferred { host, status, .. } => (
            HopText {
                is_trouble: true,
                ..text(
                    "deferred, will retry",
                    match status.as_deref().and_then(enhanced_meaning) {
                        Some(meaning) => format!("{summary}. The code in plain words: {meaning}."),
                        None => format!("{summary}."),
                    },
                    "RFC 5321 §4.5.4.1",
                )
            },
            HopPlace::Host(host.clone()),
        ),
        WorldEvent::Bounced {
            host,
            sender,
            failures,
            ..
        } => (
            HopText {
                is_trouble: true,
                ..text(
                    if sender.is_empty() {
                        "✖ failed".to_string()
                    } else {
                        format!("✖ bounce → {sender}")
                    },
                    bounce_sentence(&summary, failures),
                    "RFC 3464 §2",
                )
            },
            HopPlace::Host(host.clone()),
        ),
        WorldEvent::RelayTls { from, to, tls, .. } => (
            HopText {
                is_trouble: !tls.is_encrypted(),
                is_encrypted: tls.is_encrypted(),
                ..text(
                    if tls.is_encrypted() {
                        "🔒 STARTTLS"
                    } else {
                        "no TLS"
                    },
                    format!(
                        "{summary}. Each hop decrypts: {to} reads the message in clear, as {from} did."
                    ),
                    "RFC 7435 §3",
                )
            },
            HopPlace::Link {
                from: from.clone(),
                to: to.clone(),
            },
        ),
        WorldEvent::SessionState { .. } => (text("", summary, ""), HopPlace::Host(String::new())),
    }
}

/// The bounce hop in words: the summary, then each failed recipient's status code decoded
/// (the `Status:` line the bounce carries, RFC 3464 §2.3.4).
fn bounce_sentence(summary: &str, failures: &[(String, String)]) -> String {
    let mut sentence = format!("{summary}.");
    for (rcpt, status) in failures {
        match enhanced_meaning(status) {
            Some(meaning) => sentence.push_str(&format!(" <{rcpt}> failed with {meaning}.")),
            None => sentence.push_str(&format!(" <{rcpt}> failed.")),
        }
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::MxRecord;
    use crate::proto::record::Protocol;

    fn names(id: HostId) -> String {
        format!("h{}", id.0)
    }

    #[test]
    fn the_mx_lookup_reads_as_a_dns_question_and_answer() {
        let hop = Hop::Event(WorldEvent::MxLookup {
            host: "smtp.isp.example".into(),
            domain: "corp.example".into(),
            answer: vec![MxRecord {
                preference: 10,
                exchange: "mx.corp.example".into(),
            }],
            implicit_mx: false,
        });
        let (t, place) = describe(&hop, names);
        assert_eq!(t.label, "DNS: corp.example MX?");
        assert_eq!(t.label2.as_deref(), Some("→ 10 mx.corp.example"));
        assert_eq!(t.rfc, "RFC 5321 §5.1");
        assert_eq!(place, HopPlace::Host("smtp.isp.example".into()));
    }

    #[test]
    fn commands_sit_on_their_link_and_pop3_quit_is_the_update_state() {
        let hop = Hop::Command {
            client: HostId(3),
            server: HostId(2),
            port: 110,
            protocol: Protocol::Pop3,
            verb: Verb::Pop3(Pop3Verb::Quit),
            encrypted: false,
        };
        let (t, place) = describe(&hop, names);
        assert_eq!(t.label, "QUIT");
        assert!(t.detail.contains("UPDATE"), "{}", t.detail);
        assert_eq!(
            place,
            HopPlace::Link {
                from: "h3".into(),
                to: "h2".into()
            }
        );
        let smtp_quit = Hop::Command {
            client: HostId(0),
            server: HostId(1),
            port: 587,
            protocol: Protocol::Smtp,
            verb: Verb::Smtp(SmtpVerb::Quit),
            encrypted: false,
        };
        assert!(!describe(&smtp_quit, names).0.detail.contains("UPDATE"));
    }

    #[test]
    fn deferrals_and_bounces_are_trouble() {
        let hop = Hop::Event(WorldEvent::Bounced {
            id: "Q1".into(),
            host: "smtp.isp.example".into(),
            sender: "smith@isp.example".into(),
            failures: vec![("nobody@corp.example".into(), "5.1.1".into())],
        });
        let (t, _) = describe(&hop, names);
        assert!(t.is_trouble);
        assert_eq!(t.label, "✖ bounce → smith@isp.example");
    }

    #[test]
    fn a_deferral_decodes_its_enhanced_status_code() {
        let hop = Hop::Event(WorldEvent::Deferred {
            id: "Q1".into(),
            host: "smtp.isp.example".into(),
            reason: "452 4.2.2 mailbox full".into(),
            status: Some("4.2.2".into()),
        });
        let (t, _) = describe(&hop, names);
        assert!(
            t.detail.contains("4.2.2: temporary failure"),
            "{}",
            t.detail
        );
        assert!(
            t.detail.contains("mailbox full: over its quota"),
            "{}",
            t.detail
        );
        assert!(t.detail.contains("RFC 3463 §3.3"), "{}", t.detail);
        let no_code = Hop::Event(WorldEvent::Deferred {
            id: "Q1".into(),
            host: "smtp.isp.example".into(),
            reason: "busy".into(),
            status: None,
        });
        assert!(!describe(&no_code, names).0.detail.contains("plain words"));
    }

    #[test]
    fn a_bounce_names_each_failed_recipient_and_decodes_its_status() {
        let hop = Hop::Event(WorldEvent::Bounced {
            id: "Q1".into(),
            host: "smtp.isp.example".into(),
            sender: "smith@isp.example".into(),
            failures: vec![("nobody@corp.example".into(), "5.1.1".into())],
        });
        let (t, _) = describe(&hop, names);
        assert!(
            t.detail.contains("<nobody@corp.example> failed with 5.1.1"),
            "{}",
            t.detail
        );
        assert!(t.detail.contains("no such user"), "{}", t.detail);
        assert!(t.detail.contains("RFC 3463 §3.2"), "{}", t.detail);
    }
}
