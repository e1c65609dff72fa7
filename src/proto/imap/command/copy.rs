//! COPY (RFC 3501 §6.4.7) and MOVE (RFC 6851), with COPYUID (RFC 4315 §3).

use super::prelude::*;

pub(super) const COPY: Spec = Spec::new(
    Verb::Copy,
    Valid::Selected,
    "Copy messages to another mailbox.",
    "RFC 3501 §6.4.7",
    parse_copy,
)
.with_uid();
pub(super) const MOVE: Spec = Spec::new(
    Verb::Move,
    Valid::Selected,
    "Move messages to another mailbox.",
    "RFC 6851",
    parse_copy,
)
.with_uid();

fn parse_copy(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    p.sp(&format!("message set after {name}"))?;
    let set = p.sequence_set("message set")?;
    p.sp("destination mailbox name")?;
    Ok(Command::Copy {
        uid: u.uid,
        set,
        mailbox: p.mailbox("destination mailbox name")?,
        moving: name.ends_with("MOVE"),
    })
}

impl ImapSession {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn copy(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        mailbox: &str,
        moving: bool,
    ) -> Done {
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.mailbox() else {
            return unselected();
        };
        if moving && sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let verb = if moving { "MOVE" } else { "COPY" };
        let sel_name = sel.name.clone();
        let Some(src) = ctx.store.folder(user, &sel_name) else {
            return no("The selected mailbox no longer exists");
        };
        let msgs: Vec<_> = targets
            .iter()
            .filter_map(|&(_, u)| src.by_uid(u).cloned())
            .collect();
        let max = ctx.store.limits.max_messages_per_folder;
        let Some(dst) = ctx.store.folder_mut(user, mailbox) else {
            return no(format!(
                "[TRYCREATE] Mailbox doesn't exist: {}",
                self.names.encode(mailbox)
            ));
        };
        if dst.len() + msgs.len() > max {
            return no("[LIMIT] The destination mailbox is full");
        }
        if msgs.is_empty() {
            return ok(format!("{verb} completed (no messages)"));
        }
        let uv = dst.uidvalidity;
        // The copies keep their INTERNALDATE and are saved now (SAVEDATE, RFC 8514).
        let saved = Some(ctx.clock.unix(now));
        let mut new_uids = Vec::new();
        for m in &msgs {
            new_uids.push(dst.append_saved(m.raw.clone(), m.flags.clone(), m.internal_date, saved));
        }
        let old: Vec<u32> = msgs.iter().map(|m| m.uid).collect();
        let code = format!(
            "COPYUID {uv} {} {}",
            compact_set(&old),
            compact_set(&new_uids)
        );
        if moving {
            // RFC 6851 §4.3: COPYUID goes in an untagged OK before the EXPUNGEs.
            self.send(format!("* OK [{code}] Moved"));
            if let Some(src) = ctx.store.folder_mut(user, &sel_name) {
                src.expunge(&old);
            }
            ok("MOVE completed")
        } else {
            ok(format!("[{code}] COPY completed"))
        }
    }
}
