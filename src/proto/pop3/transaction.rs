//! The TRANSACTION state (RFC 1939 §5 and the optional commands of §7) and the UPDATE state
//! entered by QUIT (RFC 1939 §6).

use super::command::{Request, Verb};
use super::maildrop::{parse_count, top_of, Maildrop, MAILDROP_FOLDER};
use super::{Pop3Session, Pop3State};
use crate::store::Store;
use std::sync::Arc;

impl Pop3Session {
    /// Dispatches a TRANSACTION command (the state was checked by the caller).
    pub(super) fn handle_transaction(&mut self, store: &mut Store, request: Request) {
        let Some(mut maildrop) = self.maildrop.take() else {
            // Only reachable if the lock was released while still in TRANSACTION.
            return self.reply("-ERR [SYS/TEMP] maildrop is not open");
        };
        let args: Vec<&str> = request.args.iter().map(String::as_str).collect();
        let reply = match (request.verb, args.as_slice()) {
            (Verb::Stat, []) => Reply::Line(handle_stat(&maildrop)),
            (Verb::List, []) => handle_list_all(&maildrop),
            (Verb::List, [n]) => Reply::from(handle_list_one(&maildrop, n)),
            (Verb::Uidl, []) => handle_uidl_all(&maildrop),
            (Verb::Uidl, [n]) => Reply::from(handle_uidl_one(&maildrop, n)),
            (Verb::Retr, [n]) => Reply::from(handle_retr(&maildrop, store, n)),
            (Verb::Top, [n, lines]) => Reply::from(handle_top(&maildrop, store, n, lines)),
            (Verb::Dele, [n]) => Reply::from(handle_dele(&mut maildrop, n)),
            (Verb::Noop, []) => Reply::Line("+OK".to_string()),
            (Verb::Rset, []) => Reply::Line(handle_rset(&mut maildrop)),
            (verb, _) => Reply::Line(format!("-ERR usage: {}", usage(verb))),
        };
        self.maildrop = Some(maildrop);
        match reply {
            Reply::Line(line) => self.reply(line),
            Reply::Multi(status, body) => self.reply_multiline(status, &body),
        }
    }

    /// QUIT in TRANSACTION (RFC 1939 §6): enter UPDATE, remove every message marked deleted
    /// in one store call (all or nothing for the session), release the lock and close.
    pub(super) fn handle_update(&mut self, store: &mut Store) {
        self.set_state(Pop3State::Update);
        let reply = match self.maildrop.as_ref() {
            Some(maildrop) => apply_deletions(maildrop, store),
            None => "-ERR [SYS/TEMP] maildrop is not open, nothing deleted".to_string(),
        };
        self.reply(reply);
        self.close(store);
    }
}

/// A reply: one line, or a status line and a body to byte-stuff.
enum Reply {
    Line(String),
    /// The body is shared with the store (RETR sends the stored bytes without copying them
    /// first).
    Multi(String, Arc<[u8]>),
}

impl From<Result<Reply, String>> for Reply {
    fn from(result: Result<Reply, String>) -> Reply {
        result.unwrap_or_else(Reply::Line)
    }
}

fn usage(verb: Verb) -> &'static str {
    match verb {
        Verb::List => "LIST [msg]",
        Verb::Uidl => "UIDL [msg]",
        Verb::Retr => "RETR msg",
        Verb::Top => "TOP msg lines",
        Verb::Dele => "DELE msg",
        Verb::Stat => "STAT",
        Verb::Noop => "NOOP",
        Verb::Rset => "RSET",
        _ => "see CAPA",
    }
}

/// STAT (RFC 1939 §5): `+OK count octets` of the messages not marked deleted.
fn handle_stat(maildrop: &Maildrop) -> String {
    let (count, octets) = maildrop.count_and_size();
    format!("+OK {count} {octets}")
}

/// LIST without argument (RFC 1939 §5): a scan listing per message not marked deleted.
fn handle_list_all(maildrop: &Maildrop) -> Reply {
    let (count, octets) = maildrop.count_and_size();
    let body: String = maildrop
        .live()
        .map(|(n, size)| format!("{n} {size}\r\n"))
        .collect();
    Reply::Multi(
        format!("+OK {count} messages ({octets} octets)"),
        body.into_bytes().into(),
    )
}

/// LIST msg (RFC 1939 §5).
fn handle_list_one(maildrop: &Maildrop, arg: &str) -> Result<Reply, String> {
    let n = maildrop.lookup(arg)?;
    Ok(Reply::Line(format!("+OK {n} {}", maildrop.size(n))))
}

/// UIDL without argument (RFC 1939 §7): a unique-id listing per message not marked deleted.
fn handle_uidl_all(maildrop: &Maildrop) -> Reply {
    let body: String = maildrop
        .live()
        .map(|(n, _)| format!("{n} {}\r\n", maildrop.unique_id(n)))
        .collect();
    Reply::Multi(
        "+OK unique-id listing follows".to_string(),
        body.into_bytes().into(),
    )
}

/// UIDL msg (RFC 1939 §7).
fn handle_uidl_one(maildrop: &Maildrop, arg: &str) -> Result<Reply, String> {
    let n = maildrop.lookup(arg)?;
    Ok(Reply::Line(format!("+OK {n} {}", maildrop.unique_id(n))))
}

/// RETR msg (RFC 1939 §5): the whole message, byte-stuffed.
fn handle_retr(maildrop: &Maildrop, store: &Store, arg: &str) -> Result<Reply, String> {
    let n = maildrop.lookup(arg)?;
    let raw = maildrop.raw(store, n).ok_or_else(|| vanished(n))?;
    Ok(Reply::Multi(format!("+OK {} octets", raw.len()), raw))
}

/// TOP msg n (RFC 1939 §7): the headers, the blank line, then `n` body lines.
fn handle_top(maildrop: &Maildrop, store: &Store, arg: &str, lines: &str) -> Result<Reply, String> {
    let n = maildrop.lookup(arg)?;
    let lines = parse_count(lines).ok_or_else(|| {
        "-ERR invalid line count (a number of body lines, 0 for headers only)".to_string()
    })?;
    let raw = maildrop.raw(store, n).ok_or_else(|| vanished(n))?;
    Ok(Reply::Multi(
        format!("+OK top of message {n} follows"),
        top_of(&raw, lines).into(),
    ))
}

/// DELE msg (RFC 1939 §5): only marks; the message goes away at QUIT.
fn handle_dele(maildrop: &mut Maildrop, arg: &str) -> Result<Reply, String> {
    let n = maildrop.lookup(arg)?;
    maildrop.mark_deleted(n);
    Ok(Reply::Line(format!("+OK message {n} marked for deletion")))
}

/// RSET (RFC 1939 §5): unmarks every message.
fn handle_rset(maildrop: &mut Maildrop) -> String {
    maildrop.unmark_all();
    let (count, octets) = maildrop.count_and_size();
    format!("+OK maildrop has {count} messages ({octets} octets)")
}

/// The reply for a message whose bytes the store no longer has.
fn vanished(n: usize) -> String {
    format!("-ERR message {n} no longer exists (removed by another session)")
}

/// Removes the marked messages with one `Folder::expunge` call, so IMAP sessions learn of it
/// from the change log, and describes the outcome (RFC 1939 §6).
fn apply_deletions(maildrop: &Maildrop, store: &mut Store) -> String {
    let uids = maildrop.deleted_uids();
    let folder = store
        .folder_mut(&maildrop.user, MAILDROP_FOLDER)
        .filter(|f| f.uidvalidity == maildrop.uidvalidity);
    match folder {
        Some(folder) => {
            if !uids.is_empty() {
                folder.expunge(&uids);
            }
            format!(
                "+OK POP3 server signing off ({} messages left)",
                folder.len()
            )
        }
        None if uids.is_empty() => "+OK POP3 server signing off".to_string(),
        None => "-ERR [SYS/PERM] INBOX was replaced meanwhile, some deleted messages not removed"
            .to_string(),
    }
}
