//! APPEND (RFC 3501 §6.3.11) with APPENDUID (RFC 4315 §3), literal8 (RFC 3516 §4.4), the
//! UTF8 data item (RFC 6855 §4), MULTIAPPEND (RFC 3502): several messages in one command,
//! appended all or none, and CATENATE (RFC 4469, in [`super::catenate`]).

use super::catenate::{parse_catenate, CatPart};
use super::prelude::*;

pub(super) const APPEND: Spec = Spec::new(
    Verb::Append,
    Valid::Authenticated,
    "Upload messages into a mailbox (each a literal {size}, with its own flags and date; all or none; UTF8 (~{size}) after ENABLE UTF8=ACCEPT for UTF-8 headers; CATENATE (TEXT {size} URL \"/INBOX/;UID=1/;SECTION=1\") to build one from parts already on the server).",
    "RFC 3501 §6.3.11, RFC 3502, RFC 6855 §4, RFC 4469",
    parse_append,
);

/// What an APPEND message is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendData {
    /// The whole message in one literal.
    Literal(Vec<u8>),
    /// CATENATE's parts (RFC 4469 §5), put together when the command runs.
    Catenate(Vec<CatPart>),
}

/// One message of an APPEND: its flags, date and bytes (RFC 3502 `append-message`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendMessage {
    pub flags: Flags,
    pub date: Option<i64>,
    pub data: AppendData,
    /// Sent as `UTF8 (literal)` (RFC 6855 §4).
    pub utf8: bool,
}

fn parse_append(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("mailbox name after APPEND")?;
    let mailbox = p.mailbox("mailbox name after APPEND")?;
    let mut messages = vec![append_message(p)?];
    // RFC 3502: more messages follow, each with its own flags and date.
    while EXTENSIONS && !p.at_end() {
        messages.push(append_message(p)?);
    }
    Ok(Command::Append { mailbox, messages })
}

/// ` [flags] [date-time] literal` (or ` UTF8 (literal8)`).
fn append_message(p: &mut Parser<'_>) -> R<AppendMessage> {
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
    // RFC 4469 §5: `CATENATE (cat-part ...)` instead of the literal.
    if EXTENSIONS && p.eat_word("CATENATE") {
        return Ok(AppendMessage {
            flags,
            date,
            data: AppendData::Catenate(parse_catenate(p)?),
            utf8: false,
        });
    }
    // RFC 6855 §4: `UTF8 (~{n}...)` carries a message with UTF-8 headers.
    let utf8 = EXTENSIONS && p.eat_word("UTF8");
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
    Ok(AppendMessage {
        flags,
        date,
        data: AppendData::Literal(message),
        utf8,
    })
}

impl ImapSession {
    /// RFC 3502: every message is appended, or none (the store checks them all first).
    pub(super) fn run_append(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        mailbox: &str,
        messages: Vec<AppendMessage>,
    ) -> Done {
        if ctx.store.folder(user, mailbox).is_none() {
            return no(format!(
                "[TRYCREATE] Mailbox doesn't exist: {}",
                self.names.encode(mailbox)
            ));
        }
        let arrival = ctx.clock.unix(now);
        let limit = ctx.store.limits.max_message_size;
        let mut batch = Vec::with_capacity(messages.len());
        for m in messages {
            let raw = match m.data {
                AppendData::Literal(raw) => raw,
                AppendData::Catenate(parts) => match self.catenate(ctx, user, &parts, limit) {
                    Ok(raw) => raw,
                    Err(refused) => return refused,
                },
            };
            batch.push((raw, m.flags, m.date.unwrap_or(arrival)));
        }
        match ctx.store.deliver_all(user, mailbox, batch, arrival) {
            Ok((uv, uids)) => ok(format!(
                "[APPENDUID {uv} {}] APPEND completed",
                compact_set(&uids)
            )),
            Err(e) => store_no(e, mailbox, self.names),
        }
    }
}
