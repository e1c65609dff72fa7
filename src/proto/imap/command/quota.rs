//! QUOTA (RFC 9208), read from the store's limits: every user has the root `""` with the
//! MAILBOX resource (folders used of [`crate::store::Limits::max_folders`]), and every folder
//! is a root of its own with the MESSAGE resource (messages of `max_messages_per_folder`).
//! SETQUOTA is refused: the limits are the server's.

use super::prelude::*;

pub(super) const GETQUOTA: Spec = Spec::new(
    Verb::GetQuota,
    Valid::Authenticated,
    "Usage and limits of a quota root.",
    "RFC 9208 §4.1.1",
    parse_getquota,
);
pub(super) const GETQUOTAROOT: Spec = Spec::new(
    Verb::GetQuotaRoot,
    Valid::Authenticated,
    "The quota roots of a mailbox, with their usage and limits.",
    "RFC 9208 §4.1.2",
    parse_getquota,
);
pub(super) const SETQUOTA: Spec = Spec::new(
    Verb::SetQuota,
    Valid::Authenticated,
    "Change a quota (refused here: the limits are the server's).",
    "RFC 9208 §4.1.3",
    parse_setquota,
);

fn parse_getquota(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    if u.name == "GETQUOTAROOT" {
        p.sp("mailbox name after GETQUOTAROOT")?;
        return Ok(Command::GetQuotaRoot(
            p.mailbox("mailbox name after GETQUOTAROOT")?,
        ));
    }
    p.sp("quota root after GETQUOTA (e.g. \"\")")?;
    Ok(Command::GetQuota(p.mailbox("quota root after GETQUOTA")?))
}

/// `SETQUOTA root (RESOURCE limit ...)`.
fn parse_setquota(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("quota root after SETQUOTA")?;
    let root = p.mailbox("quota root after SETQUOTA")?;
    p.sp("resource limits, e.g. (STORAGE 512)")?;
    if !p.eat(b'(') {
        return Err("Resource limits go in parentheses, e.g. (STORAGE 512)".into());
    }
    while !p.eat(b')') {
        if p.atom().is_empty() {
            return Err("Expected a resource name like STORAGE or MESSAGE".into());
        }
        p.sp("limit")?;
        p.number64("limit")?;
        if p.peek() != Some(b')') {
            p.sp("next resource")?;
        }
    }
    Ok(Command::SetQuota(root))
}

impl ImapSession {
    /// `* QUOTA root (...)` for `root`, or `None` when there is no such root.
    fn quota_line(
        ctx: &HostCtx<'_>,
        user: &str,
        root: &str,
        names: NameEncoding,
    ) -> Option<Vec<u8>> {
        let limits = &ctx.store.limits;
        let resources = if root.is_empty() {
            let used = ctx.store.mailbox(user)?.folders.len();
            format!("MAILBOX {used} {}", limits.max_folders)
        } else {
            let used = ctx.store.folder(user, root)?.len();
            format!("MESSAGE {used} {}", limits.max_messages_per_folder)
        };
        let mut line = b"* QUOTA ".to_vec();
        names.write(&mut line, root);
        line.extend_from_slice(format!(" ({resources})\r\n").as_bytes());
        Some(line)
    }

    pub(super) fn run_getquota(&mut self, ctx: &mut HostCtx<'_>, user: &str, root: &str) -> Done {
        match Self::quota_line(ctx, user, root, self.names) {
            Some(line) => {
                self.out.transmit(line);
                ok("GETQUOTA completed")
            }
            None => no("[NONEXISTENT] No such quota root"),
        }
    }

    pub(super) fn run_getquotaroot(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        mailbox: &str,
    ) -> Done {
        let Some(mine) = Self::quota_line(ctx, user, mailbox, self.names) else {
            return no(format!(
                "[NONEXISTENT] Mailbox doesn't exist: {}",
                self.names.encode(mailbox)
            ));
        };
        let mut out = b"* QUOTAROOT ".to_vec();
        self.names.write(&mut out, mailbox);
        out.extend_from_slice(b" \"\" ");
        self.names.write(&mut out, mailbox);
        out.extend_from_slice(b"\r\n");
        out.extend(Self::quota_line(ctx, user, "", self.names).unwrap_or_default());
        out.extend(mine);
        self.out.transmit(out);
        ok("GETQUOTAROOT completed")
    }
}
