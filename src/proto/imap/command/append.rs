//! APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3).

use super::prelude::*;

pub(super) const APPEND: Spec = Spec::new(
    "APPEND",
    Valid::Authenticated,
    "Upload a message into a mailbox (the message is a literal {size}).",
    "RFC 3501 §6.3.11",
    parse_append,
);

fn parse_append(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("mailbox name after APPEND")?;
    let mailbox = p.mailbox("mailbox name after APPEND")?;
    p.sp("message literal")?;
    let mut flags = Flags::new();
    if p.peek() == Some(b'(') {
        flags = p.flag_list()?;
        p.sp("message literal")?;
    }
    let mut date = None;
    if p.peek() == Some(b'"') {
        date = Some(p.date_time()?);
        p.sp("message literal")?;
    }
    // A literal8 `~{n}` may carry any octet, NUL included (RFC 3516 §4.4).
    p.eat(b'~');
    let message = p.string("the message (a literal like {310})")?;
    Ok(Command::Append {
        mailbox,
        flags,
        date,
        message,
    })
}

impl ImapSession {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_append(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        mailbox: &str,
        flags: Flags,
        date: Option<i64>,
        message: Vec<u8>,
    ) -> Done {
        if ctx.store.folder(user, mailbox).is_none() {
            return no(format!(
                "[TRYCREATE] Mailbox doesn't exist: {}",
                mutf7::encode(mailbox)
            ));
        }
        let date = date.unwrap_or_else(|| ctx.clock.unix(now));
        match ctx.store.deliver(user, mailbox, message, flags, date) {
            Ok((uv, uid)) => ok(format!("[APPENDUID {uv} {uid}] APPEND completed")),
            Err(e) => store_no(e, mailbox),
        }
    }
}
