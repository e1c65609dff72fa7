//! EXPUNGE (RFC 3501 §6.4.3) and UID EXPUNGE (RFC 4315 §2.1).

use super::prelude::*;

pub(super) const EXPUNGE: Spec = Spec::new(
    Verb::Expunge,
    Valid::Selected,
    "Remove every message flagged \\Deleted.",
    "RFC 3501 §6.4.3",
    parse_expunge,
)
.with_uid();

fn parse_expunge(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    if !u.uid {
        return Ok(Command::Expunge { uids: None });
    }
    p.sp("UID set after UID EXPUNGE")?;
    Ok(Command::Expunge {
        uids: Some(p.sequence_set("UID set after UID EXPUNGE")?),
    })
}

impl ImapSession {
    pub(super) fn run_expunge(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uids: Option<SequenceSet>,
    ) -> Done {
        let Some(sel) = self.mailbox() else {
            return unselected();
        };
        if sel.read_only {
            return no("[READ-ONLY] Mailbox is read-only (opened with EXAMINE)");
        }
        let known = match uids.as_ref().map(|set| self.targets(true, set)) {
            Some(Ok(targets)) => Some(crate::sorting::set_of(targets.into_iter().map(|(_, u)| u))),
            Some(Err(e)) => return bad(e),
            None => None,
        };
        if let Some(f) = ctx.store.folder_mut(user, &sel.name) {
            let deleted = deleted_uids(f, known.as_ref());
            f.expunge(&deleted);
        }
        ok(if uids.is_some() {
            "UID EXPUNGE completed"
        } else {
            "EXPUNGE completed"
        })
    }
}
