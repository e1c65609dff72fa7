//! STATUS (RFC 3501 §6.3.10): counters of a mailbox without selecting it.

use super::prelude::*;
use crate::store::Folder;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusItem {
    Messages,
    Recent,
    UidNext,
    UidValidity,
    Unseen,
    /// RFC 7162 §3.1.7.
    HighestModSeq,
    /// The mailbox's size in octets (RFC 8438, RFC 9051 §6.3.11).
    Size,
    /// How many messages have `\Deleted` (RFC 9051 §6.3.11).
    Deleted,
}

pub(super) const STATUS: Spec = Spec::new(
    Verb::Status,
    Valid::Authenticated,
    "Counters of a mailbox without selecting it (HIGHESTMODSEQ with CONDSTORE; SIZE and DELETED as in IMAP4rev2).",
    "RFC 3501 §6.3.10, RFC 7162 §3.1.7, RFC 8438, RFC 9051 §6.3.11",
    parse_status,
);

fn parse_status(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("mailbox name after STATUS")?;
    let mailbox = p.mailbox("mailbox name after STATUS")?;
    p.sp("status items, e.g. (MESSAGES UNSEEN)")?;
    let items = status_items(p)?;
    Ok(Command::Status { mailbox, items })
}

/// `(MESSAGES UNSEEN ...)`: the items of STATUS, and of LIST's `RETURN (STATUS (...))`.
pub(super) fn status_items(p: &mut Parser<'_>) -> R<Vec<StatusItem>> {
    if !p.eat(b'(') {
        return Err("Status items must be in parentheses, e.g. (MESSAGES UNSEEN)".into());
    }
    let mut items = Vec::new();
    loop {
        let a = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
        items.push(match a.as_str() {
            "MESSAGES" => StatusItem::Messages,
            "RECENT" => StatusItem::Recent,
            "UIDNEXT" => StatusItem::UidNext,
            "UIDVALIDITY" => StatusItem::UidValidity,
            "UNSEEN" => StatusItem::Unseen,
            "HIGHESTMODSEQ" if EXTENSIONS => StatusItem::HighestModSeq,
            "SIZE" => StatusItem::Size,
            "DELETED" => StatusItem::Deleted,
            "" => {
                return Err(
                    "Expected a status item (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED)".into(),
                )
            }
            other => {
                return Err(format!(
                    "Unknown status item {other} (use MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED)"
                )
                .into())
            }
        });
        if p.eat(b')') {
            return Ok(items);
        }
        if !p.eat(b' ') {
            return Err("Expected a space or ) in the status item list".into());
        }
    }
}

/// `* STATUS name (...)` for folder `f` (RFC 3501 §7.2.4).
pub(super) fn status_line(
    f: &Folder,
    mailbox: &str,
    items: &[StatusItem],
    names: NameEncoding,
) -> Vec<u8> {
    let values: Vec<String> = items
        .iter()
        .map(|i| match i {
            StatusItem::Messages => format!("MESSAGES {}", f.len()),
            StatusItem::Recent => format!("RECENT {}", f.unclaimed_recent()),
            StatusItem::UidNext => format!("UIDNEXT {}", f.uidnext),
            StatusItem::UidValidity => format!("UIDVALIDITY {}", f.uidvalidity),
            StatusItem::HighestModSeq => format!("HIGHESTMODSEQ {}", f.highest_modseq),
            StatusItem::Size => format!(
                "SIZE {}",
                f.messages().iter().map(|m| m.size() as u64).sum::<u64>()
            ),
            StatusItem::Deleted => format!(
                "DELETED {}",
                f.messages()
                    .iter()
                    .filter(|m| m.flags.contains(Flag::Deleted))
                    .count()
            ),
            StatusItem::Unseen => format!(
                "UNSEEN {}",
                f.messages()
                    .iter()
                    .filter(|m| !m.flags.contains(Flag::Seen))
                    .count()
            ),
        })
        .collect();
    let mut line = b"* STATUS ".to_vec();
    names.write(&mut line, mailbox);
    line.extend_from_slice(format!(" ({})\r\n", values.join(" ")).as_bytes());
    line
}

impl ImapSession {
    pub(super) fn status(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
        items: &[StatusItem],
    ) -> Done {
        let Some(f) = ctx.store.folder(user, mailbox) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                self.names.encode(mailbox)
            ));
        };
        self.out
            .transmit(status_line(f, mailbox, items, self.names));
        ok("STATUS completed")
    }
}
