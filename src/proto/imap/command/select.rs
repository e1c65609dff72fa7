//! SELECT and EXAMINE (RFC 3501 §6.3.1, §6.3.2), CLOSE (§6.4.2) and UNSELECT (RFC 3691).

use super::prelude::*;
use super::ListOptions;
use crate::proto::imap::vanished::vanished_since;

pub(super) const SELECT: Spec = Spec::new(
    Verb::Select,
    Valid::Authenticated,
    "Open a mailbox read-write: the session enters the Selected state; (CONDSTORE) also reports HIGHESTMODSEQ; (QRESYNC (uidvalidity modseq)) also reports what vanished and changed since.",
    "RFC 3501 §6.3.1, RFC 7162 §3.1.8, §3.2.5",
    parse_select,
);
pub(super) const EXAMINE: Spec = Spec::new(
    Verb::Examine,
    Valid::Authenticated,
    "Open a mailbox read-only (with the same parameters as SELECT).",
    "RFC 3501 §6.3.2, RFC 7162 §3.2.5",
    parse_select,
);
pub(super) const CLOSE: Spec = Spec::new(
    Verb::Close,
    Valid::Selected,
    "Leave the Selected state; if the mailbox was selected read-write, first remove its \\Deleted messages, silently (no EXPUNGE responses). After EXAMINE nothing is removed.",
    "RFC 3501 §6.4.2",
    |_, _| Ok(Command::Close),
);
pub(super) const UNSELECT: Spec = Spec::new(
    Verb::Unselect,
    Valid::Selected,
    "Leave the Selected state without expunging.",
    "RFC 3691",
    |_, _| Ok(Command::Unselect),
);

/// SELECT's `(QRESYNC (uidvalidity modseq [known-uids [seq-match-data]]))` (RFC 7162
/// §3.2.5). The seq-match-data is read and not used: where the expunge log does not reach,
/// the answer is the conservative one of §3.2.5.1 instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QresyncParams {
    pub uidvalidity: u32,
    pub modseq: u64,
    pub known_uids: Option<SequenceSet>,
}

fn parse_select(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    let what = format!("mailbox name after {name}");
    p.sp(&what)?;
    let mailbox = p.mailbox(&what)?;
    // RFC 4466 §2.1 select parameters: (CONDSTORE) (RFC 7162 §3.1.8), (QRESYNC (...)) (§3.2.5).
    let mut condstore = false;
    let mut qresync = None;
    if EXTENSIONS && !p.at_end() {
        p.sp("select parameters, e.g. (CONDSTORE)")?;
        if !p.eat(b'(') {
            return Err(format!("{name} parameters go in parentheses, e.g. (CONDSTORE)").into());
        }
        loop {
            if p.eat_word("CONDSTORE") {
                condstore = true;
            } else if p.eat_word("QRESYNC") {
                qresync = Some(qresync_params(p)?);
            } else {
                return Err(format!(
                    "The {name} parameters are (CONDSTORE) and (QRESYNC (uidvalidity modseq [known-uids]))"
                )
                .into());
            }
            if p.eat(b')') {
                break;
            }
            p.sp("next select parameter")?;
        }
    }
    Ok(Command::Select {
        mailbox,
        read_only: name == "EXAMINE",
        condstore,
        qresync,
    })
}

/// After `QRESYNC`: ` (uidvalidity modseq [known-uids [(known-seqs known-uids)]])`.
fn qresync_params(p: &mut Parser<'_>) -> R<QresyncParams> {
    const FORM: &str = "QRESYNC takes (uidvalidity modseq [known-uids]), e.g. (QRESYNC (67890007 90060115194045000 41:211))";
    p.sp(FORM)?;
    if !p.eat(b'(') {
        return Err(FORM.into());
    }
    let uidvalidity = p.number("UIDVALIDITY in QRESYNC")?;
    p.sp(FORM)?;
    let modseq = p.number64("mod-sequence in QRESYNC")?;
    let mut known_uids = None;
    if p.eat(b' ') {
        known_uids = Some(p.sequence_set("known UIDs in QRESYNC")?);
        if p.eat(b' ') {
            if !p.eat(b'(') {
                return Err("QRESYNC's sequence match data is (sequence-set uid-set)".into());
            }
            p.sequence_set("known sequence numbers in QRESYNC")?;
            p.sp("known UIDs of the sequence match data")?;
            p.sequence_set("known UIDs of the sequence match data")?;
            if !p.eat(b')') {
                return Err("Expected ) after QRESYNC's sequence match data".into());
            }
        }
    }
    if !p.eat(b')') {
        return Err(FORM.into());
    }
    Ok(QresyncParams {
        uidvalidity,
        modseq,
        known_uids,
    })
}

impl ImapSession {
    pub(super) fn select(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
        read_only: bool,
        qresync: Option<&QresyncParams>,
    ) -> Done {
        // RFC 7162 §3.2.11 (and RFC 9051 §6.3.2): a server that advertises QRESYNC sends
        // [CLOSED] where the old mailbox's responses end, whether or not it was enabled.
        if EXTENSIONS && self.mailbox().is_some() {
            self.send("* OK [CLOSED] Previous mailbox closed");
        }
        // RFC 3501 §6.3.1: a SELECT deselects first, even when it fails.
        self.deselect();
        let name = crate::store::Store::canonical_name(mailbox);
        // RFC 9051 §6.3.2: IMAP4rev2 names the mailbox in a LIST response, with its attributes.
        let list_line = if self.rev2() {
            ctx.store.mailbox(user).and_then(|mb| {
                crate::proto::imap::list::respond(
                    mb,
                    "",
                    std::slice::from_ref(&name),
                    false,
                    ListOptions::default(),
                    self.names,
                )
                .into_iter()
                .find(|(_, n)| *n == name)
                .map(|(line, _)| line)
            })
        } else {
            None
        };
        let Some(f) = ctx.store.folder_mut(user, &name) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                self.names.encode(mailbox)
            ));
        };
        let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
        // RFC 9051 has no \Recent: an IMAP4rev2 session sees and claims none.
        let recent: SortedSet<u32> = if self.rev2() {
            SortedSet::new()
        } else if read_only {
            let n = f.unclaimed_recent();
            crate::sorting::set_of(uids[uids.len().saturating_sub(n)..].iter().copied())
        } else {
            let from = f.claim_recent();
            crate::sorting::set_of(uids.iter().copied().filter(|&u| u >= from))
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
            own: SortedMap::new(),
            keywords,
            saved: Vec::new(),
            contexts: Vec::new(),
        };
        self.send(flags_line(&sel.keywords));
        self.send(format!("* {} EXISTS", sel.exists()));
        if !self.rev2() {
            self.send(format!("* {} RECENT", sel.recent.len()));
        }
        if let Some(line) = list_line {
            self.out.transmit(line);
        }
        // RFC 9051 §6.3.2 dropped [UNSEEN]: an IMAP4rev2 client searches for it.
        if let Some(i) = first_unseen.filter(|_| !self.rev2()) {
            self.send(format!("* OK [UNSEEN {}] First unseen message", i + 1));
        }
        self.send(format!("* OK [UIDVALIDITY {}] UIDs valid", sel.uidvalidity));
        self.send(format!("* OK [UIDNEXT {}] Predicted next UID", sel.uidnext));
        // RFC 7162 §3.1.2.1: every successful SELECT or EXAMINE of a mailbox with
        // mod-sequences reports its HIGHESTMODSEQ, CONDSTORE enabled or not (clients decide
        // from it whether to use CONDSTORE at all). Without CONDSTORE, not at all.
        if EXTENSIONS {
            self.send(format!("* OK [HIGHESTMODSEQ {}] Highest", sel.modseq));
        }
        if read_only {
            self.send("* OK [PERMANENTFLAGS ()] No permanent flags permitted");
        } else {
            self.send(permanent_flags_line(&sel.keywords));
        }
        // RFC 7162 §3.2.5: what the client missed since its modseq, when its UIDs still hold.
        if let Some(q) = qresync.filter(|q| q.uidvalidity == sel.uidvalidity) {
            let gone = vanished_since(f, q.modseq, q.known_uids.as_ref());
            if !gone.is_empty() {
                self.send(format!("* VANISHED (EARLIER) {gone}"));
            }
            for (i, m) in f.messages().iter().enumerate() {
                if m.modseq > q.modseq {
                    self.send(format!(
                        "* {} FETCH (UID {} FLAGS {} MODSEQ ({}))",
                        i + 1,
                        m.uid,
                        flag_list(m, sel.recent.contains(&m.uid)),
                        m.modseq
                    ));
                }
            }
        }
        self.out.event(ImapEvent::Selected {
            folder: name,
            read_only,
        });
        self.select_mailbox(sel);
        if read_only {
            ok("[READ-ONLY] EXAMINE completed")
        } else {
            ok("[READ-WRITE] SELECT completed")
        }
    }

    /// CLOSE expunges silently (unless read-only); both leave the Selected state.
    pub(super) fn run_close(&mut self, ctx: &mut HostCtx<'_>, user: &str, expunge: bool) -> Done {
        if let (true, Some(sel)) = (expunge, self.mailbox()) {
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
