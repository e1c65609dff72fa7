//! STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, with .SILENT.

use super::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    Replace,
    Add,
    Remove,
}

pub(super) const STORE: Spec = Spec::new(
    Verb::Store,
    Valid::Selected,
    "Change flags: FLAGS, +FLAGS, -FLAGS (.SILENT); (UNCHANGEDSINCE n) leaves messages changed since, named in [MODIFIED].",
    "RFC 3501 §6.4.6, RFC 7162 §3.1.3",
    parse_store,
)
.with_uid();

fn parse_store(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    p.sp(&format!("message set after {name}"))?;
    let set = p.sequence_set("message set")?;
    let unchanged_since = if EXTENSIONS {
        p.modseq_modifier("UNCHANGEDSINCE")?
    } else {
        None
    };
    p.sp("FLAGS, +FLAGS or -FLAGS")?;
    let mode = if p.eat(b'+') {
        StoreMode::Add
    } else if p.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    let item = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
    let silent = match item.as_str() {
        "FLAGS" => false,
        "FLAGS.SILENT" => true,
        _ => {
            return Err(
                "Expected FLAGS, +FLAGS or -FLAGS (optionally .SILENT) after the message set"
                    .into(),
            )
        }
    };
    p.sp("flags, e.g. (\\Seen)")?;
    let flags = if p.peek() == Some(b'(') {
        p.flag_list()?
    } else {
        let mut f = Flags::new();
        loop {
            p.flag_into(&mut f)?;
            if p.at_end() {
                break;
            }
            p.sp("flag")?;
        }
        f
    };
    Ok(Command::Store {
        uid: u.uid,
        set,
        mode,
        silent,
        flags,
        unchanged_since,
    })
}

/// What a STORE changes.
pub(super) struct Change<'a> {
    pub mode: StoreMode,
    pub silent: bool,
    pub flags: &'a Flags,
    /// CONDSTORE's `UNCHANGEDSINCE` (RFC 7162 §3.1.3): leave messages changed after it.
    pub unchanged_since: Option<u64>,
}

impl ImapSession {
    pub(super) fn store(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        change: Change<'_>,
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let condstore = self.condstore();
        let qresync = self.qresync();
        let Some(sel) = self.mailbox_mut() else {
            return unselected();
        };
        if sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        let mut lines = Vec::new();
        let mut modified = Vec::new();
        for (seq, u) in targets {
            let Some(m) = f.by_uid(u) else { continue };
            if change.unchanged_since.is_some_and(|n| m.modseq > n) {
                modified.push(if uid { u } else { seq });
                continue;
            }
            let mut new = m.flags.clone();
            match change.mode {
                StoreMode::Replace => new = change.flags.clone(),
                StoreMode::Add => new.union(change.flags),
                StoreMode::Remove => new.subtract(change.flags),
            }
            let changed = new != m.flags;
            if changed {
                f.set_flags(u, new);
            }
            let Some(m) = f.by_uid(u) else { continue };
            sel.own.insert(u, m.modseq);
            sel.announce_keywords(&m.flags, &mut lines);
            // RFC 7162 §3.2.4: with QRESYNC on, every FETCH response carries the UID.
            let uid_part = if uid || qresync {
                format!("UID {u} ")
            } else {
                String::new()
            };
            if !change.silent {
                let modseq = if condstore {
                    format!(" MODSEQ ({})", m.modseq)
                } else {
                    String::new()
                };
                lines.push(format!(
                    "* {seq} FETCH ({uid_part}FLAGS {}{modseq})",
                    flag_list(m, sel.recent.contains(&u))
                ));
            } else if condstore && changed {
                // RFC 7162 §3.1.3: the new modseq is reported even with .SILENT.
                lines.push(format!("* {seq} FETCH ({uid_part}MODSEQ ({}))", m.modseq));
            }
        }
        for l in lines {
            self.send(l);
        }
        if !modified.is_empty() {
            crate::sorting::sort(&mut modified);
            return ok(format!(
                "[MODIFIED {}] Conditional STORE failed for some messages",
                compact_set(&modified)
            ));
        }
        ok(if uid {
            "UID STORE completed"
        } else {
            "STORE completed"
        })
    }
}
