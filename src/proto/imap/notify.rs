//! NOTIFY (RFC 5465): what a session asked to hear about, and its delivery. Events of the
//! selected mailbox come as the usual untagged EXISTS/EXPUNGE/FETCH (§5.2-§5.4), now also
//! between commands; other mailboxes of the user that a filter names (INBOXES, PERSONAL,
//! SUBSCRIBED, SUBTREE, MAILBOXES, §6) are reported with STATUS (§5.2, §5.3), and new, gone
//! and renamed mailboxes or subscriptions with LIST (§5.4, §5.5). The session keeps, per
//! mailbox it watches, what it last reported; the store's change log says what is new.
//! A burst larger than [`MAX_PENDING`] ends notifications with `[NOTIFICATIONOVERFLOW]`
//! (§5.8), as if NOTIFY NONE had been sent.

use super::mutf7::NameEncoding;
use super::parse::FetchAtt;
use crate::ordered::{SortedMap, SortedSet};
use crate::store::{Flag, Folder, Store};

/// More notification lines than this at once: `[NOTIFICATIONOVERFLOW]` (RFC 5465 §5.8).
pub const MAX_PENDING: usize = 1000;

/// Which mailboxes an event group covers (RFC 5465 §6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailboxFilter {
    /// The selected mailbox; `delayed`: SELECTED-DELAYED (expunges wait for a command that
    /// may report them, §6).
    Selected {
        delayed: bool,
    },
    /// Every mailbox that may receive mail: here, INBOX (§6).
    Inboxes,
    /// Every mailbox of the user (§6).
    Personal,
    Subscribed,
    /// These mailboxes and all below them.
    Subtree(Vec<String>),
    /// These mailboxes only.
    Mailboxes(Vec<String>),
}

/// The events of one group (RFC 5465 §5); none at all is `NONE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Events {
    pub message_new: bool,
    /// `MessageNew (fetch-att ...)`: what to send of each new message (SELECTED only, §5.2).
    pub new_fetch: Vec<FetchAtt>,
    pub message_expunge: bool,
    pub flag_change: bool,
    pub mailbox_name: bool,
    pub subscription_change: bool,
}

/// `(filter events)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventGroup {
    pub filter: MailboxFilter,
    pub events: Events,
}

/// What a mailbox looked like when last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seen {
    uidvalidity: u32,
    modseq: u64,
    messages: usize,
}

/// A session's NOTIFY SET, and what it has reported so far.
#[derive(Debug, Clone, Default)]
pub struct Notify {
    pub groups: Vec<EventGroup>,
    seen: SortedMap<String, Seen>,
    names: SortedSet<String>,
    subscribed: SortedSet<String>,
}

impl Notify {
    /// A NOTIFY SET for `user`: starts from the store as it is now (RFC 5465 §3: events from
    /// here on).
    pub fn new(groups: Vec<EventGroup>, store: &Store, user: &str) -> Notify {
        let mut n = Notify {
            groups,
            ..Notify::default()
        };
        n.catch_up(store, user);
        n
    }

    /// The selected mailbox's group, when there is one.
    pub fn selected(&self) -> Option<&EventGroup> {
        self.groups
            .iter()
            .find(|g| matches!(g.filter, MailboxFilter::Selected { .. }))
    }

    /// Whether changes of the selected mailbox are pushed between commands (a SELECTED
    /// group with events); with SELECTED-DELAYED, expunges still wait for a command.
    pub fn pushes_selected(&self) -> Option<bool> {
        let g = self.selected()?;
        let e = &g.events;
        (e.message_new || e.message_expunge || e.flag_change).then_some(matches!(
            g.filter,
            MailboxFilter::Selected { delayed: false }
        ))
    }

    /// Records the store as it is, reporting nothing.
    fn catch_up(&mut self, store: &Store, user: &str) {
        let Some(mb) = store.mailbox(user) else {
            return;
        };
        self.names = crate::sorting::set_of(mb.folders.keys().cloned());
        self.subscribed = mb.subscribed.clone();
        self.seen =
            crate::sorting::map_of(mb.folders.iter().map(|(name, f)| (name.clone(), seen(f))));
    }

    /// The events group that covers mailbox `name` (not the selected one, §6: the selected
    /// mailbox is SELECTED's alone).
    fn group_for(&self, name: &str, subscribed: &SortedSet<String>) -> Option<&Events> {
        self.groups
            .iter()
            .find(|g| match &g.filter {
                MailboxFilter::Selected { .. } => false,
                MailboxFilter::Inboxes => name == "INBOX",
                MailboxFilter::Personal => true,
                MailboxFilter::Subscribed => subscribed.contains(name),
                MailboxFilter::Subtree(roots) => roots.iter().any(|r| {
                    name == r
                        || name
                            .strip_prefix(r.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                }),
                MailboxFilter::Mailboxes(list) => list.iter().any(|m| m == name),
            })
            .map(|g| &g.events)
    }

    /// The STATUS lines of NOTIFY SET STATUS (RFC 5465 §3): every watched mailbox now.
    pub fn status_now(
        &self,
        store: &Store,
        user: &str,
        selected: Option<&str>,
        names: NameEncoding,
        condstore: bool,
    ) -> Vec<Vec<u8>> {
        let Some(mb) = store.mailbox(user) else {
            return Vec::new();
        };
        mb.folders
            .iter()
            .filter(|(name, _)| Some(name.as_str()) != selected)
            .filter(|(name, _)| {
                self.group_for(name, &mb.subscribed)
                    .is_some_and(|e| e.message_new || e.message_expunge)
            })
            .map(|(name, f)| status_line(f, name, names, condstore))
            .collect()
    }

    /// What changed in the user's other mailboxes since last time, as untagged lines; `None`
    /// when there is more than [`MAX_PENDING`] (the caller reports the overflow and drops
    /// NOTIFY, RFC 5465 §5.8).
    pub fn changes(
        &mut self,
        store: &Store,
        user: &str,
        selected: Option<&str>,
        names: NameEncoding,
        condstore: bool,
    ) -> Option<Vec<Vec<u8>>> {
        let mb = store.mailbox(user)?;
        let mut lines = Vec::new();
        let now: SortedSet<String> = crate::sorting::set_of(mb.folders.keys().cloned());
        // §5.4 MailboxName: new mailboxes are listed, gone ones listed \NonExistent.
        for name in now.symmetric_difference(&self.names) {
            let gone = !now.contains(name);
            let watched = self
                .group_for(name, &mb.subscribed)
                .is_some_and(|e| e.mailbox_name);
            if watched {
                lines.push(list_line(name, gone, mb.subscribed.contains(name), names));
            }
        }
        // §5.5 SubscriptionChange: a LIST with or without \Subscribed.
        for name in mb.subscribed.symmetric_difference(&self.subscribed) {
            let watched = self
                .group_for(name, &mb.subscribed)
                .or_else(|| self.group_for(name, &self.subscribed))
                .is_some_and(|e| e.subscription_change);
            if watched && now.contains(name) && self.names.contains(name) {
                lines.push(list_line(name, false, mb.subscribed.contains(name), names));
            }
        }
        // §5.2, §5.3: new and expunged messages (and flag changes) of other mailboxes.
        for (name, f) in &mb.folders {
            if Some(name.as_str()) == selected {
                continue;
            }
            let Some(e) = self.group_for(name, &mb.subscribed) else {
                continue;
            };
            let now = seen(f);
            // A mailbox new since last time is a MailboxName event (LIST above), not a STATUS.
            let Some(before) = self.seen.get(name).copied() else {
                continue;
            };
            if before == now {
                continue;
            }
            let counted = before.messages != now.messages || before.uidvalidity != now.uidvalidity;
            let wanted = (counted && (e.message_new || e.message_expunge))
                || (!counted && e.flag_change && condstore);
            if wanted {
                lines.push(status_line(f, name, names, condstore));
            }
            if lines.len() > MAX_PENDING {
                return None;
            }
        }
        self.catch_up(store, user);
        Some(lines)
    }
}

fn seen(f: &Folder) -> Seen {
    Seen {
        uidvalidity: f.uidvalidity,
        modseq: f.highest_modseq,
        messages: f.len(),
    }
}

/// `* STATUS name (MESSAGES n UIDNEXT n UNSEEN n [HIGHESTMODSEQ n])` (RFC 5465 §5.2, §5.3).
fn status_line(f: &Folder, name: &str, names: NameEncoding, condstore: bool) -> Vec<u8> {
    let unseen = f
        .messages()
        .iter()
        .filter(|m| !m.flags.contains(Flag::Seen))
        .count();
    let mut out = b"* STATUS ".to_vec();
    names.write(&mut out, name);
    out.extend_from_slice(
        format!(
            " (MESSAGES {} UIDNEXT {} UNSEEN {}",
            f.len(),
            f.uidnext,
            unseen
        )
        .as_bytes(),
    );
    if condstore {
        out.extend_from_slice(format!(" HIGHESTMODSEQ {}", f.highest_modseq).as_bytes());
    }
    out.extend_from_slice(b")\r\n");
    out
}

/// `* LIST (attributes) "/" name` for MailboxName and SubscriptionChange (RFC 5465 §5.4,
/// §5.5).
fn list_line(name: &str, gone: bool, subscribed: bool, names: NameEncoding) -> Vec<u8> {
    let attrs = match (gone, subscribed) {
        (true, _) => "\\NonExistent",
        (false, true) => "\\Subscribed",
        (false, false) => "",
    };
    let mut out = format!("* LIST ({attrs}) \"/\" ").into_bytes();
    names.write(&mut out, name);
    out.extend_from_slice(b"\r\n");
    out
}

impl super::session::ImapSession {
    /// Delivers NOTIFY's events (RFC 5465 §5) while idling or between commands (never in
    /// the middle of one, nor while an AUTHENTICATE exchange waits for its answer).
    pub(super) fn poll_notify(&mut self, ctx: &mut crate::proto::HostCtx<'_>) {
        let idle = matches!(self.mode, super::session::Mode::Idle { .. });
        if !super::EXTENSIONS || !(idle || self.is_reading_command()) {
            return;
        }
        let Some(user) = self.user().map(str::to_string) else {
            return;
        };
        let Some(notify) = &self.notify else {
            return;
        };
        let push = notify.pushes_selected();
        let new_fetch = notify
            .selected()
            .map(|g| g.events.new_fetch.clone())
            .unwrap_or_default();
        let last = self.mailbox().and_then(|s| s.uids.last().copied());
        if idle {
            self.sync(ctx, true);
        } else if let Some(expunges) = push {
            self.sync(ctx, expunges);
        }
        if push.is_some() && !new_fetch.is_empty() {
            self.fetch_new(ctx, &user, last, &new_fetch);
        }
        let selected = self.selected().map(str::to_string);
        let (names, condstore) = (self.names, self.condstore());
        let Some(notify) = &mut self.notify else {
            return;
        };
        match notify.changes(ctx.store, &user, selected.as_deref(), names, condstore) {
            Some(lines) => {
                for l in lines {
                    self.out.transmit(l);
                }
            }
            None => {
                self.notify = None;
                self.send("* OK [NOTIFICATIONOVERFLOW] Too many changes at once: NOTIFY is off, issue it again");
            }
        }
    }

    /// `MessageNew (fetch-att ...)` (RFC 5465 §5.2): a FETCH of each message that arrived
    /// after UID `last`.
    fn fetch_new(
        &mut self,
        ctx: &mut crate::proto::HostCtx<'_>,
        user: &str,
        last: Option<u32>,
        items: &[FetchAtt],
    ) {
        let utf8 = self.names == NameEncoding::Utf8;
        let Some(sel) = self.mailbox() else { return };
        let Some(f) = ctx.store.folder(user, &sel.name) else {
            return;
        };
        let mut out = Vec::new();
        for (i, &uid) in sel.uids.iter().enumerate() {
            if last.is_some_and(|l| uid <= l) {
                continue;
            }
            if let Some(m) = f.by_uid(uid) {
                let recent = sel.recent.contains(&uid);
                out.push(super::fetch::fetch_response(
                    i as u32 + 1,
                    m,
                    items,
                    recent,
                    false,
                    false,
                    utf8,
                ));
            }
        }
        for line in out {
            self.out.transmit(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Flags;

    #[test]
    fn more_changes_than_the_bound_at_once_is_an_overflow() {
        let mut store = Store::new();
        store.limits.max_folders = MAX_PENDING + 10;
        store.add_domain("corp.example", "mx.corp.example");
        store
            .add_account("boss@corp.example", "pw", "Boss")
            .unwrap();
        for i in 0..=MAX_PENDING {
            store
                .create_folder("boss@corp.example", &format!("f{i}"))
                .unwrap();
        }
        let personal = EventGroup {
            filter: MailboxFilter::Personal,
            events: Events {
                message_new: true,
                message_expunge: true,
                ..Events::default()
            },
        };
        let mut n = Notify::new(vec![personal], &store, "boss@corp.example");
        let changes = |n: &mut Notify, s: &Store| {
            n.changes(
                s,
                "boss@corp.example",
                None,
                NameEncoding::ModifiedUtf7,
                false,
            )
        };
        store
            .deliver(
                "boss@corp.example",
                "f1",
                b"Subject: x\r\n\r\n".to_vec(),
                Flags::new(),
                0,
            )
            .unwrap();
        assert_eq!(changes(&mut n, &store).map(|l| l.len()), Some(1));
        for i in 0..=MAX_PENDING {
            let name = format!("f{i}");
            store
                .deliver("boss@corp.example", &name, b"x".to_vec(), Flags::new(), 0)
                .unwrap();
        }
        assert_eq!(changes(&mut n, &store), None);
    }
}
