//! The session's view of a maildrop: the INBOX as it was at login, with deletion marks.
//!
//! RFC 1939 §4: message numbers are assigned at login and stay fixed for the session; a
//! message marked deleted keeps its number but "may not be referenced" any more. The marks are
//! only applied in the UPDATE state (RFC 1939 §6).

use super::command::printable;
use crate::store::Store;
use std::sync::Arc;

/// The folder a POP3 maildrop maps to.
pub const MAILDROP_FOLDER: &str = "INBOX";

#[derive(Debug, Clone)]
struct Entry {
    uid: u32,
    size: usize,
    deleted: bool,
}

/// A snapshot of the INBOX taken at login.
#[derive(Debug, Clone)]
pub struct Maildrop {
    /// The account address owning the maildrop (and its lock).
    pub user: String,
    /// UIDVALIDITY of the INBOX at login: UIDs only mean something under the same value.
    pub uidvalidity: u32,
    entries: Vec<Entry>,
}

impl Maildrop {
    /// Snapshots `user`'s INBOX (UID and size of every message), or `None` without one.
    pub fn open(store: &Store, user: &str) -> Option<Maildrop> {
        let folder = store.folder(user, MAILDROP_FOLDER)?;
        let entries = folder
            .messages()
            .iter()
            .map(|m| Entry {
                uid: m.uid,
                size: m.size(),
                deleted: false,
            })
            .collect();
        Some(Maildrop {
            user: user.to_string(),
            uidvalidity: folder.uidvalidity,
            entries,
        })
    }

    /// Number and total size of the messages not marked deleted (the STAT drop listing,
    /// RFC 1939 §5).
    pub fn count_and_size(&self) -> (usize, usize) {
        self.live()
            .fold((0, 0), |(n, octets), (_, size)| (n + 1, octets + size))
    }

    /// `(message number, size)` of every message not marked deleted.
    pub fn live(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.deleted)
            .map(|(i, e)| (i + 1, e.size))
    }

    /// Resolves a message-number argument to a message that may be referenced, or the text
    /// of the `-ERR` reply (RFC 1939 §5: deleted messages may not be referenced).
    pub fn lookup(&self, arg: &str) -> Result<usize, String> {
        let n = parse_number(arg)
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("-ERR invalid message number \"{}\"", printable(arg)))?;
        match self.entries.get(n - 1) {
            None => Err(format!(
                "-ERR no such message: {n} (maildrop has {} messages)",
                self.entries.len()
            )),
            Some(e) if e.deleted => Err(format!("-ERR message {n} already deleted")),
            Some(_) => Ok(n),
        }
    }

    /// Size recorded at login of message `n` (already looked up).
    pub fn size(&self, n: usize) -> usize {
        self.entry(n).map_or(0, |e| e.size)
    }

    /// The unique-id listing value of message `n` (RFC 1939 §7: 1 to 70 characters in
    /// 0x21..=0x7E, the same for the same message in every session): `UIDVALIDITY.UID`.
    pub fn unique_id(&self, n: usize) -> String {
        let uid = self.entry(n).map_or(0, |e| e.uid);
        format!("{}.{uid}", self.uidvalidity)
    }

    /// Marks message `n` deleted (RFC 1939 §5, DELE).
    pub fn mark_deleted(&mut self, n: usize) {
        if let Some(e) = n.checked_sub(1).and_then(|i| self.entries.get_mut(i)) {
            e.deleted = true;
        }
    }

    /// Unmarks every message (RFC 1939 §5, RSET).
    pub fn unmark_all(&mut self) {
        for e in &mut self.entries {
            e.deleted = false;
        }
    }

    /// UIDs of the messages marked deleted.
    pub fn deleted_uids(&self) -> Vec<u32> {
        self.entries
            .iter()
            .filter(|e| e.deleted)
            .map(|e| e.uid)
            .collect()
    }

    /// The current bytes of message `n`, or `None` when the store no longer has them (another
    /// session, IMAP say, expunged it, or the INBOX was replaced).
    pub fn raw(&self, store: &Store, n: usize) -> Option<Arc<[u8]>> {
        let uid = self.entry(n)?.uid;
        let folder = store
            .folder(&self.user, MAILDROP_FOLDER)
            .filter(|f| f.uidvalidity == self.uidvalidity)?;
        folder.by_uid(uid).map(|m| Arc::clone(&m.raw))
    }

    fn entry(&self, n: usize) -> Option<&Entry> {
        self.entries.get(n.checked_sub(1)?)
    }
}

/// A decimal number of at most 9 digits (no sign, no spaces).
pub fn parse_number(arg: &str) -> Option<usize> {
    if arg.is_empty() || arg.len() > 9 || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    arg.parse().ok()
}

/// A line count for TOP: any run of decimal digits, saturating (a client asking for
/// 99999999999 lines wants the whole body).
pub fn parse_count(arg: &str) -> Option<usize> {
    if arg.is_empty() || !arg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(arg.parse().unwrap_or(usize::MAX))
}

/// The TOP reply body (RFC 1939 §7): the header lines, the blank line that ends them, and the
/// first `lines` lines of the body (the whole body when it has fewer). A message without a
/// blank line is all header.
pub fn top_of(raw: &[u8], lines: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len().min(64 * 1024));
    let mut parts = raw.split_inclusive(|&b| b == b'\n');
    for line in parts.by_ref() {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        out.extend_from_slice(line);
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    for line in parts.take(lines) {
        out.extend_from_slice(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_cuts_the_body_after_n_lines() {
        let raw = b"Subject: x\r\nFrom: a\r\n\r\none\r\ntwo\r\n";
        assert_eq!(top_of(raw, 0), b"Subject: x\r\nFrom: a\r\n\r\n".to_vec());
        assert_eq!(
            top_of(raw, 1),
            b"Subject: x\r\nFrom: a\r\n\r\none\r\n".to_vec()
        );
        assert_eq!(top_of(raw, 99), raw.to_vec());
    }

    #[test]
    fn top_of_a_message_without_body_adds_the_blank_line() {
        assert_eq!(top_of(b"Subject: x", 5), b"Subject: x\r\n\r\n".to_vec());
        assert_eq!(top_of(b"", 5), b"\r\n".to_vec());
    }

    #[test]
    fn numbers_are_plain_decimal() {
        assert_eq!(parse_number("12"), Some(12));
        for bad in ["", "-1", "+1", "1x", "1234567890"] {
            assert_eq!(parse_number(bad), None, "{bad}");
        }
        assert_eq!(parse_count("0"), Some(0));
        assert_eq!(parse_count("99999999999999999999999"), Some(usize::MAX));
        assert_eq!(parse_count("-1"), None);
    }
}
