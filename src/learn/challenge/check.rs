//! Evaluates a goal's checks against the world's state and what was observed, and words what
//! is missing in a plain sentence.

use super::data::{
    Check, EventKind, EventMatch, EventSequence, FolderRef, Goal, MessageMatch, ReplyClass,
    SessionMatch, StepMatch, TransactionMatch,
};
use super::watch::{Conversation, Exchange, Observed, Protocol};
use crate::fault::glob;
use crate::message::envelope::{parse_addresses, EnvAddr};
use crate::message::{self, Part};
use crate::proto::verb::{Pop3Verb, SmtpVerb, Verb, VerbName};
use crate::sandbox::{World, WorldEvent};

/// A goal entry, with the verbs its session steps name read once, when the watch starts
/// (see [`StepMatch::verb_name`]; a name no protocol defines matches nothing).
#[derive(Debug)]
pub struct Target {
    goal: Goal,
    verbs: Vec<Option<VerbName>>,
}

impl Target {
    pub fn new(goal: &Goal) -> Target {
        let verbs = match &goal.check {
            Check::Session(s) => s.steps.iter().map(|s| s.verb_name().ok()).collect(),
            _ => Vec::new(),
        };
        Target {
            goal: goal.clone(),
            verbs,
        }
    }
}

/// `Ok` when the goal entry is met, else the sentence of what is missing.
pub fn evaluate(target: &Target, world: &World, seen: &Observed) -> Result<(), String> {
    let Target { goal, verbs } = target;
    let met = match &goal.check {
        Check::MailboxHas(m) => count_matching(world, m) > 0,
        Check::MailboxLacks(m) => count_matching(world, m) == 0,
        Check::FolderExists(f) => world.store.folder(&f.user, &f.folder).is_some(),
        Check::Session(s) => best_progress(seen, s, verbs) == s.steps.len(),
        Check::SmtpTransaction(t) => seen.conversations().any(|c| carried(c, t)),
        Check::EventSeen(e) => seen.events().any(|ev| event_matches(ev, e)),
        Check::EventsInOrder(s) => events_in_order(seen, s),
    };
    if met {
        return Ok(());
    }
    Err(goal
        .missing
        .clone()
        .unwrap_or_else(|| sentence(&goal.check, verbs, world, seen)))
}

fn local(address: &str) -> &str {
    address.split('@').next().unwrap_or(address)
}

fn same_address(a: &str, b: &str) -> bool {
    let a = a.trim().trim_start_matches('<').trim_end_matches('>');
    let b = b.trim().trim_start_matches('<').trim_end_matches('>');
    a.eq_ignore_ascii_case(b) || (!b.contains('@') && local(a).eq_ignore_ascii_case(b))
}

// ---- the store ----

fn count_matching(world: &World, m: &MessageMatch) -> usize {
    let Some(folder) = world.store.folder(&m.user, &m.folder) else {
        return 0;
    };
    folder
        .messages()
        .iter()
        .filter(|msg| {
            if m.flag.is_some_and(|f| !msg.flags.contains(f.flag())) {
                return false;
            }
            // The subject comes from the store's search index (kept with the message), the
            // From address from the header block alone; only an attachment needs the whole
            // MIME structure.
            let subject_ok = m.subject.as_ref().is_none_or(|want| {
                msg.search_index()
                    .subject
                    .as_deref()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case(want.trim()))
            });
            let from_ok = m.from.as_ref().is_none_or(|want| {
                let from = message::header_value(&msg.raw, "From").unwrap_or_default();
                parse_addresses(&from).iter().any(|a| match a {
                    EnvAddr::Mailbox { mailbox, host, .. } => {
                        same_address(&format!("{mailbox}@{host}"), want)
                    }
                    EnvAddr::GroupStart(_) | EnvAddr::GroupEnd => false,
                })
            });
            let received_ok = m
                .received_lines
                .is_none_or(|want| message::count_fields(&msg.raw, "Received") == want);
            let all_match = subject_ok
                && from_ok
                && received_ok
                && m.attachment_type.as_ref().is_none_or(|want| {
                    has_part_of_type(&message::parse(&msg.raw).root, want, true)
                });
            all_match
        })
        .count()
}

/// A part (not the message itself) whose `type/subtype` is `want`.
fn has_part_of_type(part: &Part, want: &str, is_root: bool) -> bool {
    let own = format!("{}/{}", part.media_type, part.subtype);
    (!is_root && own.eq_ignore_ascii_case(want))
        || part
            .children
            .iter()
            .any(|c| has_part_of_type(c, want, false))
}

// ---- sessions ----

/// Where a check wants a connection: host, port, and who opened it.
struct Place<'a> {
    host: &'a Option<String>,
    port: Option<u16>,
    from_pc: bool,
    typed: bool,
}

impl Place<'_> {
    fn has(&self, c: &Conversation) -> bool {
        self.host
            .as_ref()
            .is_none_or(|h| c.server.eq_ignore_ascii_case(h))
            && self.port.is_none_or(|p| c.port == p)
            && (!self.from_pc || c.from_pc)
            && (!self.typed || c.typed)
    }
}

fn is_on(c: &Conversation, s: &SessionMatch) -> bool {
    Place {
        host: &s.host,
        port: s.port,
        from_pc: s.from_pc,
        typed: s.typed,
    }
    .has(c)
}

fn step_matches(e: &Exchange, s: &StepMatch, verb: &Option<VerbName>) -> bool {
    verb.as_ref().is_some_and(|v| v.matches(&e.verb))
        && s.args
            .as_ref()
            .is_none_or(|p| glob(p.trim().as_bytes(), e.args.as_bytes()))
        && s.reply.is_none_or(|r| e.reply == Some(r))
        && s.untagged
            .as_ref()
            .is_none_or(|u| e.untagged.iter().any(|x| x.eq_ignore_ascii_case(u)))
}

fn is_users(c: &Conversation, user: &Option<String>) -> bool {
    user.as_ref()
        .is_none_or(|u| c.user.as_deref().is_some_and(|got| same_address(got, u)))
}

/// `c` ended without QUIT: it sent none, and one of the `later` connections to the same server
/// logged in as the same account, which the maildrop's lock allows only once the first session
/// is gone (RFC 1939 §4: a session locks the maildrop until it ends).
fn was_dropped(c: &Conversation, later: &[&Conversation]) -> bool {
    let quit = c.exchanges().any(|e| {
        matches!(
            e.verb,
            Verb::Pop3(Pop3Verb::Quit) | Verb::Smtp(SmtpVerb::Quit)
        )
    });
    let logged_in_again = later.iter().any(|l| {
        l.server.eq_ignore_ascii_case(&c.server)
            && l.port == c.port
            && l.user.is_some()
            && l.user == c.user
    });
    !quit && logged_in_again
}

/// How many of the session's steps (their verbs read in `verbs`) one connection did in
/// order, at best.
fn best_progress(seen: &Observed, s: &SessionMatch, verbs: &[Option<VerbName>]) -> usize {
    let all: Vec<&Conversation> = seen.conversations().collect();
    all.iter()
        .enumerate()
        .filter(|(_, c)| is_on(c, s) && is_users(c, &s.user))
        .filter(|(i, c)| !s.dropped || was_dropped(c, &all[i + 1..]))
        .map(|(_, c)| {
            let mut done = 0;
            for e in c.exchanges() {
                match s.steps.get(done).zip(verbs.get(done)) {
                    Some((step, verb)) if step_matches(e, step, verb) => done += 1,
                    Some(_) => {}
                    None => break,
                }
            }
            done
        })
        .max()
        .unwrap_or(0)
}

/// RFC 5321 §3.3: MAIL starts a transaction, RCPTs add recipients, the 250 after the final dot
/// ends it; RSET, EHLO and HELO abort it (§4.1.1.5, §4.1.4).
fn carried(c: &Conversation, t: &TransactionMatch) -> bool {
    let place = Place {
        host: &t.host,
        port: t.port,
        from_pc: t.from_pc,
        typed: t.typed,
    };
    if c.protocol != Protocol::Smtp || !place.has(c) {
        return false;
    }
    let mut authenticated = t.auth.is_none();
    let mut rcpts: Option<Vec<&str>> = None;
    for e in c.exchanges() {
        let ok = e.reply == Some(ReplyClass::Ok);
        let Verb::Smtp(verb) = e.verb else {
            continue;
        };
        // Asked for TLS: a login or a message in clear does not count.
        if t.tls && !e.encrypted && matches!(verb, SmtpVerb::Auth | SmtpVerb::EndOfData) {
            continue;
        }
        match verb {
            SmtpVerb::Auth if ok => {
                authenticated |= t
                    .auth
                    .as_ref()
                    .is_some_and(|m| e.args.eq_ignore_ascii_case(m));
            }
            SmtpVerb::Mail if ok => rcpts = Some(Vec::new()),
            SmtpVerb::Rcpt if ok => {
                if let Some(r) = rcpts.as_mut() {
                    r.push(path_address(&e.args));
                }
            }
            SmtpVerb::Rset | SmtpVerb::Ehlo | SmtpVerb::Helo => rcpts = None,
            SmtpVerb::EndOfData => {
                let got = rcpts.take().unwrap_or_default();
                let all = t
                    .rcpts
                    .iter()
                    .all(|want| got.iter().any(|g| same_address(g, want)));
                if ok && all && authenticated {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// The address of a `TO:<path>` or `FROM:<path>` argument (RFC 5321 §4.1.2), parameters after
/// it left out; a lenient server also takes it without the angle brackets.
fn path_address(args: &str) -> &str {
    let after_colon = args
        .split_once(':')
        .map_or(args, |(_, rest)| rest)
        .trim_start();
    match after_colon.strip_prefix('<') {
        Some(inner) => inner.split('>').next().unwrap_or(inner),
        None => after_colon.split_ascii_whitespace().next().unwrap_or(""),
    }
}

// ---- events ----

fn event_matches(ev: &WorldEvent, m: &EventMatch) -> bool {
    let host_is = |h: &str| {
        m.host
            .as_ref()
            .is_none_or(|want| want.eq_ignore_ascii_case(h))
    };
    match (m.kind, ev) {
        (EventKind::Queued, WorldEvent::Queued { host, .. }) => host_is(host),
        (
            EventKind::Relayed,
            WorldEvent::Relayed {
                from, to, rcpts, ..
            },
        ) => {
            host_is(from)
                && m.to.as_ref().is_none_or(|t| t.eq_ignore_ascii_case(to))
                && m.rcpt
                    .as_ref()
                    .is_none_or(|want| rcpts.iter().any(|r| same_address(r, want)))
        }
        (EventKind::Delivered, WorldEvent::Delivered { host, rcpt, .. }) => {
            host_is(host) && m.rcpt.as_ref().is_none_or(|want| same_address(rcpt, want))
        }
        (EventKind::Deferred, WorldEvent::Deferred { host, .. }) => host_is(host),
        (EventKind::Bounced, WorldEvent::Bounced { host, sender, .. }) => {
            host_is(host)
                && m.sender
                    .as_ref()
                    .is_none_or(|want| same_address(sender, want))
        }
        _ => false,
    }
}

fn event_id(ev: &WorldEvent) -> Option<&str> {
    match ev {
        WorldEvent::Queued { id, .. }
        | WorldEvent::Relayed { id, .. }
        | WorldEvent::Delivered { id, .. }
        | WorldEvent::Deferred { id, .. }
        | WorldEvent::Bounced { id, .. }
        | WorldEvent::RelayTls { id, .. } => Some(id),
        WorldEvent::SessionState { .. } | WorldEvent::MxLookup { .. } => None,
    }
}

fn events_in_order(seen: &Observed, s: &EventSequence) -> bool {
    let Some(first) = s.events.first() else {
        return true;
    };
    let events: Vec<&WorldEvent> = seen.events().collect();
    events.iter().enumerate().any(|(i, start)| {
        if !event_matches(start, first) {
            return false;
        }
        let id = event_id(start);
        let mut want = s.events.iter().skip(1).peekable();
        for ev in events.iter().skip(i + 1) {
            let Some(m) = want.peek() else {
                break;
            };
            if event_matches(ev, m) && (!s.same_message || event_id(ev) == id) {
                want.next();
            }
        }
        want.peek().is_none()
    })
}

// ---- sentences ----

fn describe_message(m: &MessageMatch) -> String {
    let mut parts = Vec::new();
    if let Some(s) = &m.subject {
        parts.push(format!("with the subject {s}"));
    }
    if let Some(f) = &m.from {
        parts.push(format!("from {f}"));
    }
    if let Some(t) = &m.attachment_type {
        parts.push(format!("with a {t} attachment"));
    }
    if let Some(f) = m.flag {
        parts.push(format!("flagged {}", f.flag().imap_name()));
    }
    let mut out = String::from("message");
    for (i, p) in parts.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { " and " });
        out.push_str(p);
    }
    match m.received_lines {
        Some(1) => out.push_str(" that came straight from the sender (one Received: line)"),
        Some(n) => out.push_str(&format!(" that passed {n} servers ({n} Received: lines)")),
        None => {}
    }
    out
}

fn describe_step(s: &StepMatch) -> String {
    let mut out = s.verb.clone();
    if let Some(a) = &s.args {
        out.push(' ');
        out.push_str(a);
    }
    match s.reply {
        Some(ReplyClass::Ok) => out.push_str(" (accepted)"),
        Some(ReplyClass::Error) => out.push_str(" (refused)"),
        None => {}
    }
    if let Some(u) = &s.untagged {
        out.push_str(&format!(" and got an untagged {u}"));
    }
    out
}

fn where_(host: &Option<String>, port: Option<u16>) -> String {
    match (host, port) {
        (Some(h), Some(p)) => format!(" on {h} port {p}"),
        (Some(h), None) => format!(" on {h}"),
        (None, Some(p)) => format!(" on port {p}"),
        (None, None) => String::new(),
    }
}

fn describe_event(e: &EventMatch) -> String {
    let at = e
        .host
        .as_ref()
        .map(|h| format!(" by {h}"))
        .unwrap_or_default();
    match e.kind {
        EventKind::Queued => format!("queued{at}"),
        EventKind::Relayed => {
            let to =
                e.to.as_ref()
                    .map(|t| format!(" to {t}"))
                    .unwrap_or_default();
            format!("relayed{at}{to}")
        }
        EventKind::Delivered => {
            let to = e
                .rcpt
                .as_ref()
                .map(|r| format!(" to {r}"))
                .unwrap_or_default();
            format!("delivered{at}{to}")
        }
        EventKind::Deferred => format!("deferred{at}"),
        EventKind::Bounced => {
            let to = e
                .sender
                .as_ref()
                .map(|s| format!(", with a bounce to {s}"))
                .unwrap_or_default();
            format!("bounced{at}{to}")
        }
    }
}

fn sentence(check: &Check, verbs: &[Option<VerbName>], world: &World, seen: &Observed) -> String {
    match check {
        Check::MailboxHas(m) => format!(
            "{}'s {} has no {} yet",
            local(&m.user),
            m.folder,
            describe_message(m)
        ),
        Check::MailboxLacks(m) => format!(
            "{}'s {} still has a {}",
            local(&m.user),
            m.folder,
            describe_message(m)
        ),
        Check::FolderExists(FolderRef { user, folder }) => {
            format!("{} has no folder {folder} yet", local(user))
        }
        Check::Session(s) => {
            // The protocol of the service the world runs there (never guessed from the port).
            let protocol = s
                .port
                .and_then(|port| world.service_at(s.host.as_deref(), port))
                .and_then(|service| service.protocol())
                .map_or("", |p| p.name());
            let who = s
                .user
                .as_ref()
                .map(|u| format!(" as {}", local(u)))
                .unwrap_or_default();
            let done = best_progress(seen, s, verbs);
            let steps: Vec<String> = s.steps.iter().map(describe_step).collect();
            let session = format!("{protocol} session{who}{}", where_(&s.host, s.port));
            let session = session.trim_start();
            match (done, steps.get(done)) {
                (0, _) | (_, None) => {
                    format!("no {session} did {} yet", steps.join(" then "))
                }
                (_, Some(next)) => format!(
                    "a {session} did {} but not {next} after it yet",
                    steps
                        .iter()
                        .take(done)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" then ")
                ),
            }
        }
        Check::SmtpTransaction(t) => {
            let how = match (t.typed, &t.auth) {
                (true, Some(m)) => format!(", typed in a terminal after AUTH {m},"),
                (true, None) => ", typed in a terminal,".to_string(),
                (false, Some(m)) => format!(" after AUTH {m}"),
                (false, None) => String::new(),
            };
            let how = match t.tls {
                true => format!("{how} inside TLS"),
                false => how,
            };
            let to = match t.rcpts.as_slice() {
                [] => String::new(),
                [one] => format!(" to {one}"),
                many => format!(" to {} at once", many.join(" and ")),
            };
            format!(
                "no SMTP transaction{}{how} has handed over a message{to} yet",
                where_(&t.host, t.port)
            )
        }
        Check::EventSeen(e) => format!("no message was {} yet", describe_event(e)),
        Check::EventsInOrder(s) => {
            let what: Vec<String> = s.events.iter().map(describe_event).collect();
            let which = if s.same_message {
                "no message was"
            } else {
                "nothing was"
            };
            format!("{which} {} yet", what.join(" and then "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_of_a_path_is_read_with_or_without_brackets_and_parameters() {
        assert_eq!(
            path_address("TO:<alice@corp.example>"),
            "alice@corp.example"
        );
        assert_eq!(
            path_address("TO: <alice@corp.example> NOTIFY=NEVER"),
            "alice@corp.example"
        );
        assert_eq!(path_address("to:alice@corp.example"), "alice@corp.example");
        assert_eq!(path_address("TO:"), "");
    }

    #[test]
    fn a_local_part_alone_matches_any_domain_and_a_full_address_only_itself() {
        assert!(same_address(
            "MAILER-DAEMON@smtp.isp.example",
            "mailer-daemon"
        ));
        assert!(same_address("<Boss@Corp.Example>", "boss@corp.example"));
        assert!(!same_address("boss@isp.example", "boss@corp.example"));
    }
}
