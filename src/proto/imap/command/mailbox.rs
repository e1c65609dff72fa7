//! CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.3-§6.3.7).

use super::prelude::*;
use crate::store::{SpecialUse, Store, StoreError};

pub(super) const CREATE: Spec = Spec::new(
    Verb::Create,
    Valid::Authenticated,
    "Create a mailbox on the server; (USE (\\Sent)) gives it a special use.",
    "RFC 3501 §6.3.3, RFC 6154 §3",
    parse_mailbox,
);
pub(super) const DELETE: Spec = Spec::new(
    Verb::Delete,
    Valid::Authenticated,
    "Delete a mailbox.",
    "RFC 3501 §6.3.4",
    parse_mailbox,
);
pub(super) const RENAME: Spec = Spec::new(
    Verb::Rename,
    Valid::Authenticated,
    "Rename a mailbox.",
    "RFC 3501 §6.3.5",
    parse_rename,
);
pub(super) const SUBSCRIBE: Spec = Spec::new(
    Verb::Subscribe,
    Valid::Authenticated,
    "Add a mailbox to the subscribed list.",
    "RFC 3501 §6.3.6",
    parse_mailbox,
);
pub(super) const UNSUBSCRIBE: Spec = Spec::new(
    Verb::Unsubscribe,
    Valid::Authenticated,
    "Remove a mailbox from the subscribed list.",
    "RFC 3501 §6.3.7",
    parse_mailbox,
);

fn parse_mailbox(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    let what = format!("mailbox name after {name}");
    p.sp(&what)?;
    let m = p.mailbox(&what)?;
    Ok(match name {
        "CREATE" => Command::Create(m, create_uses(p)?),
        "DELETE" => Command::Delete(m),
        "SUBSCRIBE" => Command::Subscribe(m),
        _ => Command::Unsubscribe(m),
    })
}

fn parse_rename(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("existing mailbox name after RENAME")?;
    let from = p.mailbox("existing mailbox name after RENAME")?;
    p.sp("new mailbox name")?;
    let to = p.mailbox("new mailbox name")?;
    Ok(Command::Rename(from, to))
}

/// CREATE-SPECIAL-USE's ` (USE (\\Sent ...))` (RFC 6154 §3), as written.
fn create_uses(p: &mut Parser<'_>) -> R<Vec<String>> {
    if p.at_end() {
        return Ok(Vec::new());
    }
    p.sp("(USE (\\Sent)) after the mailbox name")?;
    if !(p.eat(b'(') && p.eat_word("USE")) {
        return Err("The only CREATE parameter is USE, e.g. (USE (\\Sent))".into());
    }
    p.sp("special-use list, e.g. (\\Sent)")?;
    let mut uses = Vec::new();
    if !p.eat(b'(') {
        return Err("Special uses go in parentheses, e.g. (USE (\\Sent))".into());
    }
    while !p.eat(b')') {
        if !uses.is_empty() && !p.eat(b' ') {
            return Err("Expected a space or ) in the special-use list".into());
        }
        if !p.eat(b'\\') {
            return Err("A special use is a \\name, e.g. \\Sent".into());
        }
        uses.push(format!("\\{}", String::from_utf8_lossy(p.atom())));
    }
    if !p.eat(b')') {
        return Err("Expected ) after the USE list".into());
    }
    Ok(uses)
}

impl ImapSession {
    pub(super) fn run_create(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        name: &str,
        uses: &[String],
    ) -> Done {
        let name = name.strip_suffix('/').unwrap_or(name);
        // RFC 6154 §3: one of the uses this store keeps, or NO [USEATTR].
        let special_use = match uses {
            [] => None,
            [one] => match [SpecialUse::Sent, SpecialUse::Drafts, SpecialUse::Trash, SpecialUse::Junk]
                .into_iter()
                .find(|u| u.imap_attribute().eq_ignore_ascii_case(one))
            {
                Some(u) => Some(u),
                None => return no(format!("[USEATTR] {one} is not a use this server keeps (\\Sent \\Drafts \\Trash \\Junk)")),
            },
            _ => return no("[USEATTR] One special use per mailbox"),
        };
        match ctx.store.create_folder(user, name) {
            Ok(()) => {
                if let Some(f) = ctx.store.folder_mut(user, name) {
                    f.special_use = special_use;
                }
                ok("CREATE completed")
            }
            Err(e) => store_no(e, name, self.names),
        }
    }

    pub(super) fn run_delete(&mut self, ctx: &mut HostCtx<'_>, user: &str, name: &str) -> Done {
        match ctx.store.delete_folder(user, name) {
            Ok(()) => {
                let canonical = Store::canonical_name(name);
                if self.selected() == Some(canonical.as_str()) {
                    self.deselect();
                }
                ok("DELETE completed")
            }
            Err(e) => store_no(e, name, self.names),
        }
    }

    pub(super) fn run_rename(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        from: &str,
        to: &str,
    ) -> Done {
        match ctx.store.rename_folder(user, from, to) {
            Ok(()) => {
                let from = Store::canonical_name(from);
                if let Some(sel) = self.mailbox_mut() {
                    if from == "INBOX" && sel.name == "INBOX" {
                        self.deselect();
                    } else if sel.name == from {
                        sel.name = to.to_string();
                    } else if let Some(rest) = sel.name.strip_prefix(&format!("{from}/")) {
                        sel.name = format!("{to}/{rest}");
                    }
                }
                ok("RENAME completed")
            }
            Err(e @ (StoreError::FolderExists | StoreError::BadName)) => {
                store_no(e, to, self.names)
            }
            Err(e) => store_no(e, from, self.names),
        }
    }

    pub(super) fn run_subscribe(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        name: &str,
        on: bool,
    ) -> Done {
        match ctx.store.subscribe(user, name, on) {
            Ok(()) if on => ok("SUBSCRIBE completed"),
            Ok(()) => ok("UNSUBSCRIBE completed"),
            Err(e) => store_no(e, name, self.names),
        }
    }
}
