//! CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE (RFC 3501 §6.3.3-§6.3.7).

use super::prelude::*;
use crate::store::{Store, StoreError};

pub(super) const CREATE: Spec = Spec::new(
    "CREATE",
    Valid::Authenticated,
    "Create a mailbox on the server.",
    "RFC 3501 §6.3.3",
    parse_mailbox,
);
pub(super) const DELETE: Spec = Spec::new(
    "DELETE",
    Valid::Authenticated,
    "Delete a mailbox.",
    "RFC 3501 §6.3.4",
    parse_mailbox,
);
pub(super) const RENAME: Spec = Spec::new(
    "RENAME",
    Valid::Authenticated,
    "Rename a mailbox.",
    "RFC 3501 §6.3.5",
    parse_rename,
);
pub(super) const SUBSCRIBE: Spec = Spec::new(
    "SUBSCRIBE",
    Valid::Authenticated,
    "Add a mailbox to the subscribed list.",
    "RFC 3501 §6.3.6",
    parse_mailbox,
);
pub(super) const UNSUBSCRIBE: Spec = Spec::new(
    "UNSUBSCRIBE",
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
        "CREATE" => Command::Create(m),
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

impl ImapSession {
    pub(super) fn run_create(&mut self, ctx: &mut HostCtx<'_>, user: &str, name: &str) -> Done {
        let name = name.strip_suffix('/').unwrap_or(name);
        match ctx.store.create_folder(user, name) {
            Ok(()) => ok("CREATE completed"),
            Err(e) => store_no(e, name),
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
            Err(e) => store_no(e, name),
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
                if let Some(sel) = self.selected.as_mut() {
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
            Err(e @ (StoreError::FolderExists | StoreError::BadName)) => store_no(e, to),
            Err(e) => store_no(e, from),
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
            Err(e) => store_no(e, name),
        }
    }
}
