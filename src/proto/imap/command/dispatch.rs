//! From framed input to a command run: the decision on an announced literal (RFC 3501 §7.5,
//! RFC 7888) and a command line parsed, checked against the connection state (RFC 3501 §3)
//! and run by [`ImapSession::execute`], its tagged completion written after the untagged data.

use super::{check_state, is_saving};
use crate::proto::imap::completion::Status;
use crate::proto::imap::frame::tag_of;
use crate::proto::imap::parse::{self, Command, ParseError};
use crate::proto::imap::session::{ImapSession, Mode, MAX_LINE, MAX_LITERAL};
use crate::proto::HostCtx;
use crate::time::Instant;

/// A MULTIAPPEND (RFC 3502) holds at most this many largest messages' worth of octets.
pub const MULTIAPPEND_MESSAGES: u64 = 4;

impl ImapSession {
    /// Decides on an announced literal (RFC 3501 §7.5; RFC 7888 for `{n+}`).
    pub(in crate::proto::imap) fn on_literal(
        &mut self,
        ctx: &mut HostCtx<'_>,
        size: u64,
        sync: bool,
    ) {
        let partial = self.framer.partial();
        let tag = tag_of(partial).unwrap_or_else(|| "*".into());
        if self.mode != Mode::Commands {
            self.framer.reject_literal();
            let tag = match std::mem::replace(&mut self.mode, Mode::Commands) {
                Mode::Idle { tag } | Mode::AuthPlain { tag } | Mode::AuthLogin { tag, .. } => tag,
                Mode::Commands => tag,
            };
            self.send(format!("{tag} BAD Unexpected literal"));
            return;
        }
        let user = self.user().map(str::to_string);
        // For APPEND, the mailbox comes before the message literal: refuse the literal
        // right away when the mailbox is not there (RFC 3501 §6.3.11, TRYCREATE).
        let mut append_to: Option<Option<String>> = None;
        if let Ok((_, name, p)) = parse::head(partial) {
            let mut p = p.with_names(self.names);
            // A command that may not run now gets no literal either.
            if let Err(why) = self.may_run_now(&name) {
                self.framer.reject_literal();
                self.send(format!("{tag} BAD {why}"));
                return;
            }
            if name == "APPEND" {
                append_to = Some(
                    p.sp("mailbox")
                        .and_then(|_| p.mailbox("mailbox"))
                        .ok()
                        .filter(|_| !p.at_end()),
                );
            }
        }
        let is_append = append_to.is_some();
        if let (Some(Some(mailbox)), Some(user)) = (&append_to, &user) {
            if ctx.store.folder(user, mailbox).is_none() {
                self.framer.reject_literal();
                self.send(format!(
                    "{tag} NO [TRYCREATE] Mailbox doesn't exist: {}",
                    self.names.encode(mailbox)
                ));
                return;
            }
        }
        let max_message = ctx.store.limits.max_message_size as u64;
        let (limit, total_cap) = if is_append && user.is_some() {
            let all = max_message.saturating_mul(MULTIAPPEND_MESSAGES);
            (max_message, all + MAX_LITERAL + MAX_LINE as u64)
        } else {
            (MAX_LITERAL, 4 * MAX_LITERAL)
        };
        let total = partial.len() as u64 + size;
        if size > limit || total > total_cap {
            self.framer.reject_literal();
            if is_append && user.is_some() && size > limit {
                self.send(format!(
                    "{tag} NO [TOOBIG] Message too large: {size} octets (limit {limit})"
                ));
            } else if is_append && user.is_some() {
                self.send(format!(
                    "{tag} NO [LIMIT] Too much in one APPEND: at most {total_cap} octets"
                ));
            } else {
                self.send(format!(
                    "{tag} BAD Literal too large: {size} octets (limit {limit} for this command)"
                ));
            }
            return;
        }
        self.framer.accept_literal();
        if sync {
            self.send("+ Ready for literal data");
        }
    }

    // ---- commands ----

    /// Whether command `name` may run in the session's state ([`check_state`]); `Err` is
    /// the reason it may not.
    fn may_run_now(&self, name: &str) -> Result<(), String> {
        check_state(name, self.user().is_some(), self.mailbox().is_some())
    }

    pub(in crate::proto::imap) fn command(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        bytes: &[u8],
    ) {
        // Trailing blanks typed by hand are forgiven, unless they may be literal data.
        let has_literal = bytes.windows(3).any(|w| w == b"}\r\n");
        let bytes = if has_literal {
            bytes
        } else {
            bytes.trim_ascii_end()
        };
        let (tag, name, mut p) = match parse::head(bytes) {
            Ok((tag, name, p)) => (tag, name, p.with_names(self.names)),
            Err((tag, why)) => {
                self.send(format!("{} BAD {why}", tag.as_deref().unwrap_or("*")));
                return;
            }
        };
        if let Err(why) = self.may_run_now(&name) {
            self.send(format!("{tag} BAD {why}"));
            return;
        }
        let saving = is_saving(&name, p.clone());
        let parsed = parse::arguments(&name, &mut p);
        let cmd = match parsed {
            Ok(c) => c,
            Err(ParseError::BadCharset(why)) => {
                // RFC 5182 §2.1: a SAVE answered NO empties `$`; one answered BAD leaves it.
                if saving {
                    self.forget_saved();
                }
                self.send(format!("{tag} NO [BADCHARSET (UTF-8 US-ASCII)] {why}"));
                return;
            }
            Err(ParseError::InvalidName(why)) => {
                let code = if name == "CREATE" {
                    "CANNOT"
                } else {
                    "NONEXISTENT"
                };
                self.send(format!("{tag} NO [{code}] {why}"));
                return;
            }
            Err(ParseError::Bad(why)) => {
                self.send(format!("{tag} BAD {why}"));
                return;
            }
        };
        // RFC 3501 §7.4.1: no EXPUNGE responses during FETCH, STORE or SEARCH (nor SORT and
        // THREAD, which answer with sequence numbers like SEARCH, RFC 5256).
        let quiet = match &cmd {
            Command::Fetch { uid, .. }
            | Command::Store { uid, .. }
            | Command::Search { uid, .. } => !uid,
            #[cfg(feature = "imap-extensions")]
            Command::Sort { uid, .. } | Command::Thread { uid, .. } => !uid,
            _ => false,
        };
        let done = self.execute(ctx, now, &tag, cmd);
        let Some(done) = done else {
            return;
        };
        if !quiet && done.status != Status::Bad {
            self.sync(ctx, true);
        }
        if !self.out.is_closed() {
            self.send(format!("{tag} {} {}", done.status.word(), done.text));
        }
    }
}
