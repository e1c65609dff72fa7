//! STORE and UID STORE (RFC 3501 §6.4.6): FLAGS, +FLAGS, -FLAGS, with .SILENT.

use super::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreMode {
    Replace,
    Add,
    Remove,
}

pub(super) const STORE: Spec = Spec::new(
    "STORE",
    Valid::Selected,
    "Change flags: FLAGS, +FLAGS, -FLAGS (.SILENT).",
    "RFC 3501 §6.4.6",
    parse_store,
)
.with_uid();

fn parse_store(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    p.sp(&format!("message set after {name}"))?;
    let set = p.sequence_set("message set")?;
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
    })
}

impl ImapSession {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn store(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        mode: StoreMode,
        silent: bool,
        flags: &Flags,
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.selected.as_mut() else {
            return bad("No mailbox selected");
        };
        if sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        let mut lines = Vec::new();
        for (seq, u) in targets {
            let Some(m) = f.by_uid(u) else { continue };
            let mut new = m.flags.clone();
            match mode {
                StoreMode::Replace => new = flags.clone(),
                StoreMode::Add => new.union(flags),
                StoreMode::Remove => new.subtract(flags),
            }
            if new != m.flags {
                f.set_flags(u, new);
            }
            let Some(m) = f.by_uid(u) else { continue };
            sel.own.insert(u, m.modseq);
            sel.announce_keywords(&m.flags, &mut lines);
            if !silent {
                let uid_part = if uid {
                    format!("UID {u} ")
                } else {
                    String::new()
                };
                lines.push(format!(
                    "* {seq} FETCH ({uid_part}FLAGS {})",
                    flag_list(m, sel.recent.contains(&u))
                ));
            }
        }
        for l in lines {
            self.send(l);
        }
        ok(if uid {
            "UID STORE completed"
        } else {
            "STORE completed"
        })
    }
}
