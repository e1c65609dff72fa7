//! The IMAP commands, one module each (or one per family that shares a grammar, like SELECT
//! and EXAMINE): its grammar, the states it may run in, what it does, and a line for learners.
//! [`COMMANDS`] is the one table that the state check, the parser and the learning layer's
//! command lists (`crate::learn`) read; [`ImapSession::execute`] is the one place that runs
//! a parsed command, so that a layer may sit in front of it.

mod append;
mod auth;
mod basic;
#[cfg(feature = "imap-extensions")]
mod cancelupdate;
mod catenate;
mod copy;
mod dispatch;
mod expunge;
mod fetch;
mod idle;
mod imap_url;
mod list;
mod mailbox;
#[cfg(feature = "imap-extensions")]
mod notify;
#[cfg(feature = "imap-extensions")]
mod quota;
mod search;
mod select;
#[cfg(feature = "imap-extensions")]
mod sort;
#[cfg(feature = "imap-extensions")]
mod sort_display;
mod starttls;
mod status;
mod store;
mod verb;

pub use append::{AppendData, AppendMessage};
pub use basic::IdParams;
pub use catenate::CatPart;
pub use fetch::{FetchAtt, Section, SectionText};
pub use list::ListOptions;
#[cfg(feature = "imap-extensions")]
pub use notify::NotifyRequest;
pub use search::{is_saving, SearchReturn};
pub use select::QresyncParams;
#[cfg(feature = "imap-extensions")]
pub use sort::{base_subject, SortKey, ThreadAlgorithm};
pub use status::StatusItem;
pub use store::StoreMode;
pub use verb::Verb;

use super::completion::{bad, ok, Done};
use super::mutf7::NameEncoding;
use super::parse::{ParseError, Parser};
use super::search::SearchKey;
use super::sequence::SequenceSet;
use super::session::ImapSession;
use super::EXTENSIONS;
use crate::proto::HostCtx;
use crate::store::Flags;
use crate::time::Instant;

/// What the command modules share.
mod prelude {
    pub(super) use super::{Command, Spec, Use, Valid, Verb};
    pub(super) use crate::ordered::{SortedMap, SortedSet};
    pub(super) use crate::proto::imap::completion::{bad, no, ok, store_no, unselected, Done};
    pub(super) use crate::proto::imap::fetch::flag_list;
    pub(super) use crate::proto::imap::mutf7::NameEncoding;
    pub(super) use crate::proto::imap::parse::{ParseError, Parser, R};
    pub(super) use crate::proto::imap::response::compact_set;
    pub(super) use crate::proto::imap::sequence::SequenceSet;
    pub(super) use crate::proto::imap::session::{
        deleted_uids, flags_line, permanent_flags_line, ImapEvent, ImapSession, Mode, Selected,
        MAX_FAILED_LOGINS,
    };
    pub(super) use crate::proto::imap::{CAPABILITIES, EXTENSIONS};
    pub(super) use crate::proto::HostCtx;
    pub(super) use crate::store::{Flag, Flags};
    pub(super) use crate::time::Instant;
}

/// A parsed command (without its tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capability,
    Noop,
    Logout,
    /// RFC 2971: the client's parameters, or `None` for `NIL`.
    Id(Option<IdParams>),
    #[cfg(feature = "imap-extensions")]
    Enable(Vec<String>),
    Starttls,
    Login {
        user: String,
        password: String,
    },
    Authenticate {
        mechanism: String,
        /// SASL-IR initial response (RFC 4959), base64 (`=` for empty).
        initial: Option<Vec<u8>>,
    },
    Select {
        mailbox: String,
        read_only: bool,
        /// `(CONDSTORE)` (RFC 7162 §3.1.8).
        condstore: bool,
        /// `(QRESYNC (...))` (RFC 7162 §3.2.5).
        qresync: Option<QresyncParams>,
    },
    /// The name and CREATE-SPECIAL-USE's uses (RFC 6154 §3).
    Create(String, Vec<String>),
    Delete(String),
    Rename(String, String),
    Subscribe(String),
    Unsubscribe(String),
    /// LIST or LSUB; LIST may carry RFC 5258 options and several patterns.
    List {
        reference: String,
        /// The patterns that can name a mailbox (one not in the session's name encoding
        /// names nothing and is left out, so `patterns` may be empty).
        patterns: Vec<String>,
        lsub: bool,
        options: ListOptions,
        /// LIST-STATUS's `RETURN (STATUS (...))` (RFC 5819).
        status: Vec<StatusItem>,
    },
    Namespace,
    /// QUOTA (RFC 9208): a root, a mailbox, and a refused change.
    #[cfg(feature = "imap-extensions")]
    GetQuota(String),
    #[cfg(feature = "imap-extensions")]
    GetQuotaRoot(String),
    #[cfg(feature = "imap-extensions")]
    SetQuota(String),
    Status {
        mailbox: String,
        items: Vec<StatusItem>,
    },
    /// APPEND of one message or, with MULTIAPPEND (RFC 3502), several.
    Append {
        mailbox: String,
        messages: Vec<AppendMessage>,
    },
    Idle,
    /// NOTIFY NONE or SET (RFC 5465).
    #[cfg(feature = "imap-extensions")]
    Notify(NotifyRequest),
    Check,
    Close,
    Unselect,
    Expunge {
        /// `UID EXPUNGE set` (RFC 4315 §2.1).
        uids: Option<SequenceSet>,
    },
    Search {
        uid: bool,
        key: SearchKey,
        /// ESEARCH's `RETURN (...)` (RFC 4731); `None` for a plain `* SEARCH` answer.
        ret: Option<SearchReturn>,
    },
    /// SORT (RFC 5256 §3): keys with their REVERSE, and the search.
    #[cfg(feature = "imap-extensions")]
    Sort {
        uid: bool,
        /// ESORT's `RETURN (...)` (RFC 5267 §3.1); `None` for a plain `* SORT` answer.
        ret: Option<SearchReturn>,
        keys: Vec<(SortKey, bool)>,
        key: SearchKey,
    },
    /// CANCELUPDATE (RFC 5267 §4.3.5): the tags of the UPDATE contexts to end.
    #[cfg(feature = "imap-extensions")]
    CancelUpdate(Vec<String>),
    /// THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4).
    #[cfg(feature = "imap-extensions")]
    Thread {
        uid: bool,
        algorithm: ThreadAlgorithm,
        key: SearchKey,
    },
    Fetch {
        uid: bool,
        set: SequenceSet,
        items: Vec<FetchAtt>,
        /// `(CHANGEDSINCE n)` (RFC 7162 §3.1.4.1).
        changed_since: Option<u64>,
        /// `(CHANGEDSINCE n VANISHED)` on UID FETCH (RFC 7162 §3.2.6).
        vanished: bool,
    },
    Store {
        uid: bool,
        set: SequenceSet,
        mode: StoreMode,
        silent: bool,
        flags: Flags,
        /// `(UNCHANGEDSINCE n)` (RFC 7162 §3.1.3).
        unchanged_since: Option<u64>,
    },
    Copy {
        uid: bool,
        set: SequenceSet,
        mailbox: String,
        /// MOVE (RFC 6851) rather than COPY.
        moving: bool,
    },
}

/// The connection states a command may run in (RFC 3501 §3, §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Valid {
    /// Any state (§6.1).
    Any,
    /// Before login only (§6.2).
    NotAuthenticated,
    /// After login, with or without a selected mailbox (§6.3).
    Authenticated,
    /// With a selected mailbox (§6.4).
    Selected,
}

/// How the client named a command: upper case, with `UID ` when it was given (`UID FETCH`).
#[derive(Debug, Clone, Copy)]
pub struct Use<'a> {
    pub name: &'a str,
    pub uid: bool,
}

/// One command: its name, where it may run, its grammar, and what it is for.
pub struct Spec {
    pub verb: Verb,
    pub valid: Valid,
    /// It also comes as `UID <name>` (RFC 3501 §6.4.8).
    pub uid: bool,
    /// One line for learners, and the RFC section it comes from.
    pub about: &'static str,
    pub rfc: &'static str,
    parse: fn(&mut Parser<'_>, Use<'_>) -> Result<Command, ParseError>,
}

impl Spec {
    const fn new(
        verb: Verb,
        valid: Valid,
        about: &'static str,
        rfc: &'static str,
        parse: fn(&mut Parser<'_>, Use<'_>) -> Result<Command, ParseError>,
    ) -> Spec {
        Spec {
            verb,
            valid,
            uid: false,
            about,
            rfc,
            parse,
        }
    }

    const fn with_uid(mut self) -> Spec {
        self.uid = true;
        self
    }

    /// The command's name, upper case.
    pub fn name(&self) -> &'static str {
        self.verb.name()
    }
}

/// Every command the server knows, in the order a learner meets them.
pub const COMMANDS: &[Spec] = &[
    basic::CAPABILITY,
    basic::NOOP,
    basic::LOGOUT,
    auth::LOGIN,
    auth::AUTHENTICATE,
    basic::STARTTLS,
    select::SELECT,
    select::EXAMINE,
    mailbox::CREATE,
    mailbox::DELETE,
    mailbox::RENAME,
    mailbox::SUBSCRIBE,
    mailbox::UNSUBSCRIBE,
    list::LIST,
    list::LSUB,
    status::STATUS,
    append::APPEND,
    basic::CHECK,
    select::CLOSE,
    select::UNSELECT,
    expunge::EXPUNGE,
    search::SEARCH,
    #[cfg(feature = "imap-extensions")]
    sort::SORT,
    #[cfg(feature = "imap-extensions")]
    sort::THREAD,
    #[cfg(feature = "imap-extensions")]
    cancelupdate::CANCELUPDATE,
    fetch::FETCH,
    store::STORE,
    copy::COPY,
    copy::MOVE,
    idle::IDLE,
    #[cfg(feature = "imap-extensions")]
    notify::NOTIFY,
    basic::NAMESPACE,
    basic::ID,
    #[cfg(feature = "imap-extensions")]
    basic::ENABLE,
    #[cfg(feature = "imap-extensions")]
    quota::GETQUOTA,
    #[cfg(feature = "imap-extensions")]
    quota::GETQUOTAROOT,
    #[cfg(feature = "imap-extensions")]
    quota::SETQUOTA,
];

/// The `UID` prefix, for learners (RFC 3501 §6.4.8).
pub const UID_ABOUT: (&str, &str) = (
    "Use UIDs instead of sequence numbers for the command that follows.",
    "RFC 3501 §6.4.8",
);

/// The command named `name` (upper case, without `UID`).
pub fn spec(name: &str) -> Option<&'static Spec> {
    COMMANDS.iter().find(|s| s.name() == name)
}

/// Every command word, `UID` included (for the learning layer's hints).
pub fn names() -> impl Iterator<Item = &'static str> {
    COMMANDS.iter().map(|s| s.name()).chain(["UID"])
}

/// What a command word is for and where it is defined (for the learning layer).
pub fn about(word: &str) -> Option<(&'static str, &'static str)> {
    if word == "UID" {
        return Some(UID_ABOUT);
    }
    spec(word).map(|s| (s.about, s.rfc))
}

/// Whether command `name` (upper case, `UID FETCH` with its prefix) may run now; `Err` is the
/// reason in words. Unknown names pass: the parser says what is wrong with them.
pub fn check_state(name: &str, logged_in: bool, selected: bool) -> Result<(), String> {
    // Every `UID` form needs a selected mailbox, even a mistaken one (`UID SELECT`).
    let valid = if name.starts_with("UID") {
        Valid::Selected
    } else {
        match spec(name) {
            Some(s) => s.valid,
            None => return Ok(()),
        }
    };
    match valid {
        Valid::Any => Ok(()),
        Valid::NotAuthenticated if logged_in => Err(format!(
            "{name} is only allowed before logging in: already logged in"
        )),
        Valid::NotAuthenticated => Ok(()),
        _ if !logged_in => Err(format!(
            "{name} needs you to log in first (LOGIN user password, or AUTHENTICATE PLAIN)"
        )),
        Valid::Selected if !selected => {
            Err(format!("{name} needs a selected mailbox: SELECT one first"))
        }
        _ => Ok(()),
    }
}

/// Parses the arguments of command `name` (upper case, from [`super::parse::head`]); nothing
/// may follow them.
pub fn arguments(name: &str, p: &mut Parser<'_>) -> Result<Command, ParseError> {
    let (uid, base) = match name.strip_prefix("UID ") {
        Some(base) => (true, base),
        None => (false, name),
    };
    let Some(spec) = spec(base).filter(|s| s.uid || !uid) else {
        return Err(ParseError::Bad(if base.is_empty() && uid {
            "Missing command after UID (FETCH, STORE, SEARCH, COPY, MOVE or EXPUNGE)".into()
        } else if uid {
            format!("UID {base} is not a command: UID goes with FETCH, STORE, SEARCH, COPY, MOVE or EXPUNGE")
        } else {
            format!("Unknown command {name}")
        }));
    };
    let cmd = (spec.parse)(p, Use { name, uid })?;
    p.end()?;
    Ok(cmd)
}

impl ImapSession {
    /// Runs a parsed command; `None` when it answered (or will answer) by itself.
    pub(super) fn execute(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        tag: &str,
        cmd: Command,
    ) -> Option<Done> {
        let user = self.user().unwrap_or_default().to_string();
        Some(match cmd {
            Command::Capability => self.run_capability(),
            Command::Noop => ok("NOOP completed"),
            Command::Check => ok("CHECK completed"),
            Command::Logout => {
                self.run_logout(tag);
                return None;
            }
            Command::Id(_) => self.run_id(),
            #[cfg(feature = "imap-extensions")]
            Command::Enable(caps) => self.run_enable(&caps),
            Command::Namespace => self.run_namespace(),
            Command::Starttls => return self.run_starttls(tag),
            Command::Login { .. } | Command::Authenticate { .. } if !self.tls.allows_login() => {
                self.refuse_plaintext_login()
            }
            Command::Login { user, password } => {
                self.login(ctx, tag, &user, &password);
                return None;
            }
            Command::Authenticate { mechanism, initial } => {
                return self.run_authenticate(ctx, tag, &mechanism, initial)
            }
            Command::Select {
                mailbox,
                read_only,
                condstore,
                qresync,
            } => {
                // RFC 7162 §3.2.5: QRESYNC parameters without ENABLE QRESYNC are an error.
                if qresync.is_some() && !self.qresync() {
                    return Some(bad("QRESYNC parameters need ENABLE QRESYNC first"));
                }
                self.condstore |= condstore;
                let qresync = qresync.filter(|_| EXTENSIONS);
                self.select(ctx, &user, &mailbox, read_only, qresync.as_ref())
            }
            Command::Create(name, uses) => self.run_create(ctx, &user, &name, &uses),
            Command::Delete(name) => self.run_delete(ctx, &user, &name),
            Command::Rename(from, to) => self.run_rename(ctx, &user, &from, &to),
            Command::Subscribe(name) => self.run_subscribe(ctx, &user, &name, true),
            Command::Unsubscribe(name) => self.run_subscribe(ctx, &user, &name, false),
            Command::List {
                reference,
                patterns,
                lsub,
                options,
                status,
            } => self.run_list(ctx, &user, &reference, &patterns, lsub, options, &status),
            Command::Status { mailbox, items } => {
                if items.contains(&StatusItem::HighestModSeq) {
                    self.enable_condstore();
                }
                self.status(ctx, &user, &mailbox, &items)
            }
            Command::Append { mailbox, messages } => {
                // RFC 6855 §4: the UTF8 form is for clients that enabled UTF8=ACCEPT.
                if messages.iter().any(|m| m.utf8) && self.names != NameEncoding::Utf8 {
                    return Some(bad("APPEND ... UTF8 (...) needs ENABLE UTF8=ACCEPT first"));
                }
                self.run_append(ctx, now, &user, &mailbox, messages)
            }
            #[cfg(feature = "imap-extensions")]
            Command::GetQuota(root) => self.run_getquota(ctx, &user, &root),
            #[cfg(feature = "imap-extensions")]
            Command::GetQuotaRoot(mailbox) => self.run_getquotaroot(ctx, &user, &mailbox),
            #[cfg(feature = "imap-extensions")]
            Command::SetQuota(_) => {
                super::completion::no("[CANNOT] Quotas follow the server's limits here")
            }
            #[cfg(feature = "imap-extensions")]
            Command::Notify(request) => self.run_notify(ctx, &user, request),
            Command::Idle => {
                self.run_idle(ctx, tag);
                return None;
            }
            Command::Close => self.run_close(ctx, &user, true),
            Command::Unselect => self.run_close(ctx, &user, false),
            Command::Expunge { uids } => self.run_expunge(ctx, &user, uids),
            Command::Search { uid, key, mut ret } => {
                // Without the extensions there is no RETURN (the parser knows none): say so
                // here too, so that the optimiser leaves ESEARCH's code out.
                ret = ret.filter(|_| EXTENSIONS);
                if key.uses_modseq() {
                    self.enable_condstore();
                }
                // RFC 9051 §6.4.4: IMAP4rev2 answers a plain SEARCH with ESEARCH, ALL assumed.
                if self.rev2() && ret.is_none() {
                    ret = Some(SearchReturn {
                        all: true,
                        ..SearchReturn::default()
                    });
                }
                self.search(ctx, now, &user, tag, uid, &key, ret)
            }
            #[cfg(feature = "imap-extensions")]
            Command::Sort {
                uid,
                ret,
                keys,
                key,
            } => {
                if key.uses_modseq() {
                    self.enable_condstore();
                }
                let order = sort::Order {
                    uid,
                    ret,
                    keys: &keys,
                };
                self.run_sort(ctx, now, &user, tag, order, &key)
            }
            #[cfg(feature = "imap-extensions")]
            Command::CancelUpdate(tags) => self.run_cancelupdate(&tags),
            #[cfg(feature = "imap-extensions")]
            Command::Thread {
                uid,
                algorithm,
                key,
            } => self.run_thread(ctx, now, &user, uid, algorithm, &key),
            Command::Fetch {
                uid,
                set,
                mut items,
                changed_since,
                vanished,
            } => {
                if vanished && !self.qresync() {
                    return Some(bad("The VANISHED modifier needs ENABLE QRESYNC first"));
                }
                if changed_since.is_some() && !items.contains(&FetchAtt::ModSeq) {
                    items.push(FetchAtt::ModSeq);
                }
                if items.contains(&FetchAtt::ModSeq) {
                    self.enable_condstore();
                }
                let since = changed_since.filter(|_| EXTENSIONS).map(|m| fetch::Since {
                    modseq: m,
                    vanished,
                });
                self.fetch(ctx, &user, uid, &set, &items, since)
            }
            Command::Store {
                uid,
                set,
                mode,
                silent,
                flags,
                unchanged_since,
            } => {
                if unchanged_since.is_some() {
                    self.enable_condstore();
                }
                let change = store::Change {
                    mode,
                    silent,
                    flags: &flags,
                    unchanged_since: unchanged_since.filter(|_| EXTENSIONS),
                };
                self.store(ctx, &user, uid, &set, change)
            }
            Command::Copy {
                uid,
                set,
                mailbox,
                moving,
            } => self.copy(ctx, now, &user, uid, &set, &mailbox, moving),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_names_each_command_once_and_drives_the_state_check() {
        for (i, s) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS[i + 1..].iter().all(|o| o.verb != s.verb),
                "{} twice",
                s.name()
            );
            assert!(s.rfc.starts_with("RFC "), "{}", s.name());
            assert_eq!(Verb::parse(&s.name().to_lowercase()), Some(s.verb));
        }
        assert_eq!(check_state("FETCH", true, true), Ok(()));
        assert!(check_state("FETCH", true, false)
            .unwrap_err()
            .contains("needs a selected mailbox"));
        assert!(check_state("LOGIN", true, false)
            .unwrap_err()
            .contains("only allowed before logging in"));
        assert!(check_state("UID FETCH", false, false)
            .unwrap_err()
            .contains("log in first"));
        assert_eq!(check_state("FROB", false, false), Ok(()));
        assert_eq!(about("MOVE").map(|a| a.1), Some("RFC 6851"));
        assert!(names().any(|n| n == "UID"));
    }
}
