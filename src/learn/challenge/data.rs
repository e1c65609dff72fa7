//! A challenge as data: what a file in `challenges/` holds (the types are in
//! [`crate::learn::format::challenge`], shared with `build.rs`), and how it is checked for
//! mistakes a test would otherwise find late (an unknown host, a fault rule that does not
//! parse, an empty goal).

pub use crate::learn::format::challenge::*;
use crate::proto::verb::VerbName;
use crate::sandbox::{BACKUP_MX, CORP_HOST, ISP_HOST, RECIPIENT_PC, SENDER_PC, USERS};
use crate::store::Flag;

impl FlagName {
    pub fn flag(self) -> Flag {
        match self {
            FlagName::Seen => Flag::Seen,
            FlagName::Answered => Flag::Answered,
            FlagName::Flagged => Flag::Flagged,
            FlagName::Deleted => Flag::Deleted,
            FlagName::Draft => Flag::Draft,
        }
    }
}

impl StepMatch {
    /// The step's verb read in every protocol: the one place a challenge's verb text is read
    /// (when a file is checked, and once when a watch starts).
    pub fn verb_name(&self) -> Result<VerbName, String> {
        VerbName::parse(&self.verb)
    }
}

/// Reads and checks one challenge file.
pub fn parse(text: &str) -> Result<Challenge, ParseError> {
    let c = parse_shape(text)?;
    validate(&c)?;
    Ok(c)
}

fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn known_host(h: &str) -> Result<(), ParseError> {
    [SENDER_PC, ISP_HOST, CORP_HOST, RECIPIENT_PC, BACKUP_MX]
        .iter()
        .any(|k| k.eq_ignore_ascii_case(h))
        .then_some(())
        .ok_or_else(|| ParseError::UnknownHost(h.to_string()))
}

fn known_user(u: &str) -> Result<(), ParseError> {
    USERS
        .iter()
        .any(|(a, _, _)| a.eq_ignore_ascii_case(u))
        .then_some(())
        .ok_or_else(|| ParseError::UnknownUser(u.to_string()))
}

/// The checks of a challenge that need the default world (a well-formed id, no empty text,
/// known hosts and users, fault rules that parse, event patterns that fit their kind).
pub fn validate(c: &Challenge) -> Result<(), ParseError> {
    if !is_kebab(&c.id) {
        return Err(ParseError::BadId(c.id.clone()));
    }
    for (field, text) in [
        ("title", &c.title),
        ("task", &c.task),
        ("solved", &c.solved),
    ] {
        if text.trim().is_empty() {
            return Err(ParseError::Empty(field));
        }
    }
    if c.goal.is_empty() {
        return Err(ParseError::Empty("goal"));
    }
    for m in &c.world.messages {
        known_user(&m.user)?;
    }
    let w = &c.world;
    for h in w
        .hosts_down
        .iter()
        .chain(&w.strict)
        .chain(&w.tls_required)
        .chain(&w.tls_off)
    {
        known_host(h)?;
    }
    for p in &w.passwords {
        known_user(&p.user)?;
        if p.password.is_empty() {
            return Err(ParseError::Empty("password"));
        }
    }
    for s in &w.sessions_before {
        known_host(&s.from)?;
        known_host(&s.to)?;
    }
    for rule in &c.world.faults {
        crate::fault::parse_rule(rule).map_err(|e| ParseError::BadFault {
            rule: rule.clone(),
            reason: e.to_string(),
        })?;
    }
    for (index, g) in c.goal.iter().enumerate() {
        match &g.check {
            Check::MailboxHas(m) | Check::MailboxLacks(m) => known_user(&m.user)?,
            Check::FolderExists(f) => known_user(&f.user)?,
            Check::Session(s) => {
                if let Some(h) = &s.host {
                    known_host(h)?;
                }
                if let Some(u) = &s.user {
                    known_user(u)?;
                }
                if s.steps.is_empty() {
                    return Err(ParseError::Empty("session steps"));
                }
                for step in &s.steps {
                    step.verb_name()
                        .map_err(|reason| ParseError::BadCheck { index, reason })?;
                }
            }
            Check::SmtpTransaction(t) => {
                if let Some(h) = &t.host {
                    known_host(h)?;
                }
            }
            Check::EventSeen(e) => event_fits(index, e)?,
            Check::EventsInOrder(s) => {
                if s.events.is_empty() {
                    return Err(ParseError::Empty("events"));
                }
                for e in &s.events {
                    event_fits(index, e)?;
                }
            }
        }
    }
    Ok(())
}

/// An event pattern names a known host and only fields its kind has (a `sender` on a
/// `deferred` would never be compared, and the check would pass without it).
fn event_fits(index: usize, e: &EventMatch) -> Result<(), ParseError> {
    if let Some(h) = &e.host {
        known_host(h)?;
    }
    let kind = e.kind;
    let misfit = [
        ("to", e.to.is_some(), kind == EventKind::Relayed),
        (
            "rcpt",
            e.rcpt.is_some(),
            matches!(kind, EventKind::Relayed | EventKind::Delivered),
        ),
        ("sender", e.sender.is_some(), kind == EventKind::Bounced),
    ]
    .into_iter()
    .find(|(_, given, fits)| *given && !fits);
    match misfit {
        Some((field, _, _)) => Err(ParseError::BadCheck {
            index,
            reason: format!("a {kind:?} event has no field {field}").to_lowercase(),
        }),
        None => Ok(()),
    }
}
