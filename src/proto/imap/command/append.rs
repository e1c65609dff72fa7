//! APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3), literal8 (RFC 3516 §4.4) and
//! the UTF8 data item (RFC 6855 §4).

use super::prelude::*;

pub(super) const APPEND: Spec = Spec::new(
    "APPEND",
    Valid::Authenticated,
    "Upload a message into a mailbox (the message is a literal {size}; UTF8 (~{size}) after ENABLE UTF8=ACCEPT for UTF-8 headers).",
    "RFC 3501 §6.3.11, RFC 6855 §4",
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
    // RFC 6855 §4: `UTF8 (~{n}...)` carries a message with UTF-8 headers.
    let utf8 = p.eat_word("UTF8");
    if utf8 {
        p.sp("(literal) after UTF8")?;
        if !p.eat(b'(') {
            return Err("UTF8 takes its message in parentheses: UTF8 (~{310}...)".into());
        }
    }
    // A literal8 `~{n}` may carry any octet, NUL included (RFC 3516 §4.4).
    p.eat(b'~');
    let message = p.string("the message (a literal like {310})")?;
    if utf8 && !p.eat(b')') {
        return Err("Expected ) after the UTF8 message literal".into());
    }
    Ok(Command::Append {
        mailbox,
        flags,
        date,
        message,
        utf8,
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
                self.names.encode(mailbox)
            ));
        }
        let date = date.unwrap_or_else(|| ctx.clock.unix(now));
        match ctx.store.deliver(user, mailbox, message, flags, date) {
            Ok((uv, uid)) => ok(format!("[APPENDUID {uv} {uid}] APPEND completed")),
            Err(e) => store_no(e, mailbox, self.names),
        }
    }
}
