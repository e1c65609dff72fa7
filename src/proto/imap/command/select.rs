//! SELECT and EXAMINE (RFC 3501 §6.3.1, §6.3.2), CLOSE (§6.4.2) and UNSELECT (RFC 3691).

use super::prelude::*;

pub(super) const SELECT: Spec = Spec::new(
    "SELECT",
    Valid::Authenticated,
    "Open a mailbox read-write: the session enters the Selected state; (CONDSTORE) also reports HIGHESTMODSEQ.",
    "RFC 3501 §6.3.1, RFC 7162 §3.1.8",
    parse_select,
);
pub(super) const EXAMINE: Spec = Spec::new(
    "EXAMINE",
    Valid::Authenticated,
    "Open a mailbox read-only.",
    "RFC 3501 §6.3.2",
    parse_select,
);
pub(super) const CLOSE: Spec = Spec::new(
    "CLOSE",
    Valid::Selected,
    "Remove \\Deleted messages and leave the Selected state.",
    "RFC 3501 §6.4.2",
    |_, _| Ok(Command::Close),
);
pub(super) const UNSELECT: Spec = Spec::new(
    "UNSELECT",
    Valid::Selected,
    "Leave the Selected state without expunging.",
    "RFC 3691",
    |_, _| Ok(Command::Unselect),
);

fn parse_select(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    let what = format!("mailbox name after {name}");
    p.sp(&what)?;
    let mailbox = p.mailbox(&what)?;
    // RFC 7162 §3.1.8: `SELECT name (CONDSTORE)`.
    let condstore = !p.at_end();
    if condstore {
        p.sp("select parameters, e.g. (CONDSTORE)")?;
        if !(p.eat(b'(') && p.eat_word("CONDSTORE") && p.eat(b')')) {
            return Err(format!("The only {name} parameter is (CONDSTORE)").into());
        }
    }
    Ok(Command::Select {
        mailbox,
        read_only: name == "EXAMINE",
        condstore,
    })
}

impl ImapSession {
    pub(super) fn select(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
        read_only: bool,
    ) -> Done {
        // RFC 3501 §6.3.1: a SELECT deselects first, even when it fails.
        self.deselect();
        let name = crate::store::Store::canonical_name(mailbox);
        let Some(f) = ctx.store.folder_mut(user, &name) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                mutf7::encode(mailbox)
            ));
        };
        let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
        let recent: BTreeSet<u32> = if read_only {
            let n = f.unclaimed_recent();
            uids[uids.len().saturating_sub(n)..]
                .iter()
                .copied()
                .collect()
        } else {
            let from = f.claim_recent();
            uids.iter().copied().filter(|&u| u >= from).collect()
        };
        let mut keywords = Flags::new();
        for m in f.messages() {
            for k in m.flags.keywords() {
                keywords.insert_keyword(k);
            }
        }
        let first_unseen = f
            .messages()
            .iter()
            .position(|m| !m.flags.contains(Flag::Seen));
        let sel = Selected {
            name: name.clone(),
            read_only,
            uidvalidity: f.uidvalidity,
            modseq: f.highest_modseq,
            uidnext: f.uidnext,
            uids,
            recent,
            own: BTreeMap::new(),
            keywords,
            saved: Vec::new(),
        };
        self.send(flags_line(&sel.keywords));
        self.send(format!("* {} EXISTS", sel.exists()));
        self.send(format!("* {} RECENT", sel.recent.len()));
        if let Some(i) = first_unseen {
            self.send(format!("* OK [UNSEEN {}] First unseen message", i + 1));
        }
        self.send(format!("* OK [UIDVALIDITY {}] UIDs valid", sel.uidvalidity));
        self.send(format!("* OK [UIDNEXT {}] Predicted next UID", sel.uidnext));
        if self.condstore {
            self.send(format!("* OK [HIGHESTMODSEQ {}] Highest", sel.modseq));
        }
        if read_only {
            self.send("* OK [PERMANENTFLAGS ()] No permanent flags permitted");
        } else {
            self.send(permanent_flags_line(&sel.keywords));
        }
        self.selected = Some(sel);
        self.out.event(ImapEvent::Selected {
            folder: name,
            read_only,
        });
        self.set_state(ImapState::Selected);
        if read_only {
            ok("[READ-ONLY] EXAMINE completed")
        } else {
            ok("[READ-WRITE] SELECT completed")
        }
    }

    /// CLOSE expunges silently (unless read-only); both leave the Selected state.
    pub(super) fn run_close(&mut self, ctx: &mut HostCtx<'_>, user: &str, expunge: bool) -> Done {
        if let (true, Some(sel)) = (expunge, self.selected.as_ref()) {
            if !sel.read_only {
                if let Some(f) = ctx.store.folder_mut(user, &sel.name) {
                    let deleted = deleted_uids(f, None);
                    f.expunge(&deleted);
                }
            }
        }
        self.deselect();
        ok(if expunge {
            "CLOSE completed"
        } else {
            "UNSELECT completed"
        })
    }
}
