//! The challenge file format (`challenges/*.json`): the types and the reading of a file's
//! shape, shared with `build.rs`, which reads every file at build time and writes the values
//! into `learn-data.bin` (postcard: so the page ships no JSON reader for them). This file uses
//! only `serde`, `serde_json` and `std`, so the build script can include it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One challenge: a task, hints, the world it starts from and the checks that say it is done.
/// (Its serde derives are for `learn-data.bin`; a file is read by [`parse_shape`].)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Kebab-case, used in `?challenge=<id>`.
    pub id: String,
    pub title: String,
    /// The task in one or two sentences.
    pub task: String,
    /// Hints, shown one at a time in this order.
    pub hints: Vec<String>,
    /// What happened and why, shown once solved.
    pub solved: String,
    /// The RFC sections the challenge is about.
    pub links: Vec<Link>,
    /// Changes to the default world it starts from.
    pub world: WorldChanges,
    /// The checks, in the order their sentences are shown.
    pub goal: Vec<Goal>,
}

/// A link to the RFC section a challenge is about (`RFC 5321 §3.3`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// How the starting world differs from the default world (seed 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldChanges {
    /// Messages put into mailboxes before the challenge starts.
    #[serde(default)]
    pub messages: Vec<SeedMessage>,
    /// Hosts that start down.
    #[serde(default)]
    pub hosts_down: Vec<String>,
    /// Fault rules, in the rule syntax of `crate::fault`.
    #[serde(default)]
    pub faults: Vec<String>,
    /// Hosts whose servers start strict.
    #[serde(default)]
    pub strict: Vec<String>,
    /// corp.example has a backup MX: `mx2.corp.example` at preference 20
    /// (`sandbox::add_backup_mx`).
    #[serde(default)]
    pub backup_mx: bool,
    /// The world does TLS (issue 26): the sandbox's TLS provider is installed and every mail
    /// host offers STARTTLS and implicit TLS unless named below.
    #[serde(default)]
    pub tls: bool,
    /// Hosts whose servers require TLS: the upgrade first, AUTH only over TLS.
    #[serde(default)]
    pub tls_required: Vec<String>,
    /// Hosts whose servers offer no TLS.
    #[serde(default)]
    pub tls_off: Vec<String>,
    /// Passwords changed before the challenge starts.
    #[serde(default)]
    pub passwords: Vec<PasswordChange>,
    /// Sessions someone else typed before the challenge starts: their bytes are in the trace
    /// (the Transcripts list shows them), and they do not count toward the goal.
    #[serde(default)]
    pub sessions_before: Vec<PriorSession>,
}

/// A user's new password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub user: String,
    pub password: String,
}

/// A session typed before the challenge starts: from host `from` to `to:port`, these lines
/// (CRLF added), the connection left to close.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorSession {
    pub from: String,
    pub to: String,
    pub port: u16,
    pub lines: Vec<String>,
}

/// A message in a mailbox at the start: its lines (joined with CRLF) and flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMessage {
    pub user: String,
    #[serde(default = "inbox")]
    pub folder: String,
    pub lines: Vec<String>,
    #[serde(default)]
    pub flags: Vec<FlagName>,
}

/// One check of the goal, with the sentence shown while it is not met (`missing`; when absent
/// the check words its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    pub check: Check,
    pub missing: Option<String>,
}

/// The vocabulary of checks. State checks read the store; the others read what was observed
/// since the challenge started (commands and replies per connection, the world's events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A folder holds a message like this.
    MailboxHas(MessageMatch),
    /// A folder holds no message like this.
    MailboxLacks(MessageMatch),
    /// A user has this folder.
    FolderExists(FolderRef),
    /// One connection did these commands in this order (others may come between).
    Session(SessionMatch),
    /// One SMTP transaction (MAIL, RCPT..., DATA, RFC 5321 §3.3) carried a message to all
    /// these recipients and the server took it (250 after the final dot).
    SmtpTransaction(TransactionMatch),
    /// The world did this (a message queued, relayed, delivered, deferred, bounced).
    EventSeen(EventMatch),
    /// These events happened in this order (others may come between); with `same_message`,
    /// all to the same queue entry.
    EventsInOrder(EventSequence),
}

/// Which messages a mailbox check means: all the given fields must match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageMatch {
    /// The account's address.
    pub user: String,
    #[serde(default = "inbox")]
    pub folder: String,
    /// The decoded subject, compared without case and surrounding spaces.
    #[serde(default)]
    pub subject: Option<String>,
    /// The From address (`zoe@corp.example`), or its local part alone (`mailer-daemon`).
    #[serde(default)]
    pub from: Option<String>,
    /// A MIME part of this type (`text/csv`) other than the message's own.
    #[serde(default)]
    pub attachment_type: Option<String>,
    /// A flag the message carries.
    #[serde(default)]
    pub flag: Option<FlagName>,
    /// How many `Received:` trace lines it has, one per server that took it (RFC 5321 §4.4):
    /// 1 when it was handed straight to the server that delivered it, not relayed.
    #[serde(default)]
    pub received_lines: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolderRef {
    pub user: String,
    pub folder: String,
}

/// A connection that did `steps` in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionMatch {
    /// The server's host name.
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// The account logged in (USER/PASS, APOP, LOGIN, AUTH PLAIN), by address.
    #[serde(default)]
    pub user: Option<String>,
    /// Opened from a client PC (a terminal or the mail client), not by a relay.
    #[serde(default)]
    pub from_pc: bool,
    /// Typed in a terminal: from a client PC, and not the page's mail client.
    #[serde(default)]
    pub typed: bool,
    /// The connection ended without a QUIT, and the same account logged in again later on
    /// the same server (a POP3 maildrop is locked while a session holds it, so the first one
    /// had ended by then).
    #[serde(default)]
    pub dropped: bool,
    pub steps: Vec<StepMatch>,
}

/// One command of a session and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepMatch {
    /// The verb as the journey names it (`RCPT`, `end of DATA`, `TOP`, `SEARCH`); `SEARCH`
    /// also matches `UID SEARCH`.
    pub verb: String,
    /// The arguments, case-insensitive with `*` for any run of characters (`2 0`,
    /// `TO:<alice@corp.example>*`).
    #[serde(default)]
    pub args: Option<String>,
    /// How the server answered.
    #[serde(default)]
    pub reply: Option<ReplyClass>,
    /// An IMAP untagged response that came while the command ran (`EXISTS` during `IDLE`).
    #[serde(default)]
    pub untagged: Option<String>,
}

/// A server's answer, in any of the three protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyClass {
    /// SMTP 2xx/3xx, POP3 `+OK`, IMAP tagged `OK`.
    Ok,
    /// SMTP 4xx/5xx, POP3 `-ERR`, IMAP tagged `NO`/`BAD`.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionMatch {
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    /// Opened from a client PC (a terminal or the mail client), not by a relay.
    #[serde(default)]
    pub from_pc: bool,
    /// Typed in a terminal: from a client PC, and not the page's mail client.
    #[serde(default)]
    pub typed: bool,
    /// The SASL mechanism the session authenticated with first (`PLAIN`, RFC 4954).
    #[serde(default)]
    pub auth: Option<String>,
    /// Every one of these was accepted by a RCPT of the transaction.
    #[serde(default)]
    pub rcpts: Vec<String>,
    /// The login (when `auth` asks for one) and the message went inside TLS (STARTTLS or an
    /// implicit-TLS port, RFC 3207, RFC 8314).
    #[serde(default)]
    pub tls: bool,
}

/// A world event; the optional fields must match when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventMatch {
    pub kind: EventKind,
    /// The host it happened on (for `relayed`, the host that relayed).
    #[serde(default)]
    pub host: Option<String>,
    /// `relayed`: the next hop.
    #[serde(default)]
    pub to: Option<String>,
    /// `delivered`: the recipient; `relayed`: one of the recipients.
    #[serde(default)]
    pub rcpt: Option<String>,
    /// `bounced`: where the bounce went.
    #[serde(default)]
    pub sender: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Queued,
    Relayed,
    Delivered,
    Deferred,
    Bounced,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSequence {
    #[serde(default)]
    pub same_message: bool,
    pub events: Vec<EventMatch>,
}

/// A system flag by its plain name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagName {
    Seen,
    Answered,
    Flagged,
    Deleted,
    Draft,
}

fn inbox() -> String {
    "INBOX".into()
}

/// Why a challenge file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not JSON of the challenge's shape (serde's reason: the unknown field, the missing key).
    Json(String),
    /// The id is not kebab-case (`lower-case-words`).
    BadId(String),
    /// A field that must say something is empty.
    Empty(&'static str),
    /// Goal entry `index` (0-based) is not one check.
    BadCheck { index: usize, reason: String },
    /// A host name the default world does not have.
    UnknownHost(String),
    /// An address that is no account of the default world.
    UnknownUser(String),
    /// A fault rule that does not parse.
    BadFault { rule: String, reason: String },
    /// Two files share an id.
    DuplicateId(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Json(r) => write!(f, "not a challenge: {r}"),
            ParseError::BadId(id) => write!(f, "id {id:?} is not kebab-case"),
            ParseError::Empty(field) => write!(f, "{field} is empty"),
            ParseError::BadCheck { index, reason } => write!(f, "goal entry {index}: {reason}"),
            ParseError::UnknownHost(h) => write!(f, "no host {h} in the default world"),
            ParseError::UnknownUser(u) => write!(f, "no account {u} in the default world"),
            ParseError::BadFault { rule, reason } => write!(f, "fault rule {rule:?}: {reason}"),
            ParseError::DuplicateId(id) => write!(f, "two challenges have the id {id}"),
        }
    }
}

impl std::error::Error for ParseError {}

/// The file as written: the goal entries are read one by one (see [`parse_goal`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    id: String,
    title: String,
    task: String,
    #[serde(default)]
    hints: Vec<String>,
    solved: String,
    #[serde(default)]
    links: Vec<Link>,
    #[serde(default)]
    world: WorldChanges,
    goal: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Reads one challenge file: its shape only (the ids, hosts, users and fault rules are checked
/// by `data::parse`).
pub fn parse_shape(text: &str) -> Result<Challenge, ParseError> {
    let file: File = serde_json::from_str(text).map_err(|e| ParseError::Json(e.to_string()))?;
    let goal = file
        .goal
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            parse_goal(entry).map_err(|reason| ParseError::BadCheck { index, reason })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let c = Challenge {
        id: file.id,
        title: file.title,
        task: file.task,
        hints: file.hints,
        solved: file.solved,
        links: file.links,
        world: file.world,
        goal,
    };
    Ok(c)
}

/// A goal entry is one check (`{"mailbox_has": {...}}`) and, optionally, `"missing": "..."`.
fn parse_goal(mut entry: serde_json::Map<String, serde_json::Value>) -> Result<Goal, String> {
    let missing = match entry.remove("missing") {
        None => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(_) => return Err("missing must be a sentence".into()),
    };
    if entry.len() != 1 {
        return Err(format!("expected one check, found {} keys", entry.len()));
    }
    let check =
        serde_json::from_value(serde_json::Value::Object(entry)).map_err(|e| e.to_string())?;
    Ok(Goal { check, missing })
}
