//! NOTIFY (RFC 5465 §3, §8): `NOTIFY NONE` and `NOTIFY SET [STATUS] (filter events) ...`;
//! what a session was told to watch lives in [`crate::proto::imap::notify`], which also
//! delivers the events.

use super::fetch::fetch_items;
use super::prelude::*;
use crate::proto::imap::notify::{EventGroup, Events, MailboxFilter, Notify};

pub(super) const NOTIFY: Spec = Spec::new(
    Verb::Notify,
    Valid::Authenticated,
    "Ask to be told of changes without polling: NOTIFY SET (SELECTED (MessageNew MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge)) pushes the selected mailbox's changes and STATUS lines for other mailboxes; NOTIFY NONE stops.",
    "RFC 5465",
    parse_notify,
);

/// The events this server reports (`[BADEVENT (...)]` lists them, RFC 5465 §5).
pub const SUPPORTED_EVENTS: &str =
    "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange";

/// A parsed NOTIFY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyRequest {
    None,
    Set {
        /// `SET STATUS`: STATUS of every watched mailbox at once (§3).
        status: bool,
        groups: Vec<EventGroup>,
        /// Events named that this server does not report (a `NO [BADEVENT]`, §5).
        unsupported: Vec<String>,
    },
}

fn parse_notify(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("NONE or SET after NOTIFY")?;
    if p.eat_word("NONE") {
        return Ok(Command::Notify(NotifyRequest::None));
    }
    if !p.eat_word("SET") {
        return Err("NOTIFY takes NONE or SET (filter (events)) ...".into());
    }
    let mut status = false;
    let mut groups = Vec::new();
    let mut unsupported = Vec::new();
    while !p.at_end() {
        p.sp("an event group like (SELECTED (MessageNew MessageExpunge))")?;
        if groups.is_empty() && !status && p.eat_word("STATUS") {
            status = true;
            continue;
        }
        groups.push(event_group(p, &mut unsupported)?);
    }
    if groups.is_empty() {
        return Err("NOTIFY SET needs at least one event group".into());
    }
    // RFC 5465 §6.1: one SELECTED or SELECTED-DELAYED filter at most.
    let selected = groups
        .iter()
        .filter(|g| matches!(g.filter, MailboxFilter::Selected { .. }))
        .count();
    if selected > 1 {
        return Err(
            "NOTIFY SET names the selected mailbox once (SELECTED or SELECTED-DELAYED)".into(),
        );
    }
    Ok(Command::Notify(NotifyRequest::Set {
        status,
        groups,
        unsupported,
    }))
}

/// `"(" filter-mailboxes SP events ")"` (RFC 5465 §8).
fn event_group(p: &mut Parser<'_>, unsupported: &mut Vec<String>) -> R<EventGroup> {
    if !p.eat(b'(') {
        return Err(
            "An event group is (filter events), e.g. (SELECTED (MessageNew MessageExpunge))".into(),
        );
    }
    let word = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
    let filter = match word.as_str() {
        "SELECTED" => MailboxFilter::Selected { delayed: false },
        "SELECTED-DELAYED" => MailboxFilter::Selected { delayed: true },
        "INBOXES" => MailboxFilter::Inboxes,
        "PERSONAL" => MailboxFilter::Personal,
        "SUBSCRIBED" => MailboxFilter::Subscribed,
        "SUBTREE" => MailboxFilter::Subtree(mailboxes(p)?),
        "MAILBOXES" => MailboxFilter::Mailboxes(mailboxes(p)?),
        other => return Err(format!("Unknown mailbox filter {other} (SELECTED, SELECTED-DELAYED, INBOXES, PERSONAL, SUBSCRIBED, SUBTREE or MAILBOXES)").into()),
    };
    p.sp("events after the mailbox filter")?;
    let events = events(p, unsupported)?;
    if !p.eat(b')') {
        return Err("Expected ) to end the event group".into());
    }
    let selected = matches!(filter, MailboxFilter::Selected { .. });
    // RFC 5465 §6.1: the selected mailbox has message events only.
    if selected && (events.mailbox_name || events.subscription_change) {
        return Err(
            "SELECTED takes message events only (MessageNew, MessageExpunge, FlagChange)".into(),
        );
    }
    if !events.new_fetch.is_empty() && !selected {
        return Err(
            "MessageNew (fetch-att ...) is for the SELECTED filter only (RFC 5465 §5.2)".into(),
        );
    }
    // RFC 5465 §5: MessageNew and MessageExpunge go together; FlagChange needs both.
    if events.message_new != events.message_expunge || (events.flag_change && !events.message_new) {
        return Err(
            "MessageNew and MessageExpunge go together, and FlagChange needs both (RFC 5465 §5)"
                .into(),
        );
    }
    Ok(EventGroup { filter, events })
}

/// `one-or-more-mailbox`.
fn mailboxes(p: &mut Parser<'_>) -> R<Vec<String>> {
    p.sp("mailbox name")?;
    if !p.eat(b'(') {
        return Ok(vec![p.mailbox("mailbox name")?]);
    }
    let mut names = vec![p.mailbox("mailbox name")?];
    while !p.eat(b')') {
        p.sp("mailbox name or )")?;
        names.push(p.mailbox("mailbox name")?);
    }
    Ok(names)
}

/// `events`: `NONE` or `(event ...)`.
fn events(p: &mut Parser<'_>, unsupported: &mut Vec<String>) -> R<Events> {
    let mut e = Events::default();
    if p.eat_word("NONE") {
        return Ok(e);
    }
    if !p.eat(b'(') {
        return Err("Events are NONE or (MessageNew MessageExpunge ...)".into());
    }
    loop {
        let word = String::from_utf8_lossy(p.atom()).into_owned();
        match word.to_ascii_uppercase().as_str() {
            "MESSAGENEW" => {
                e.message_new = true;
                let mut ahead = p.clone();
                if ahead.sp("").is_ok() && ahead.peek() == Some(b'(') {
                    p.sp("fetch attributes")?;
                    e.new_fetch = fetch_items(p)?;
                }
            }
            "MESSAGEEXPUNGE" => e.message_expunge = true,
            "FLAGCHANGE" => e.flag_change = true,
            "MAILBOXNAME" => e.mailbox_name = true,
            "SUBSCRIPTIONCHANGE" => e.subscription_change = true,
            "" => return Err("Expected an event name, e.g. MessageNew".into()),
            _ => unsupported.push(word),
        }
        if p.eat(b')') {
            return Ok(e);
        }
        p.sp("next event or )")?;
    }
}

impl ImapSession {
    /// NOTIFY (RFC 5465 §3): replaces what the session watches; `SET STATUS` reports every
    /// watched mailbox at once.
    pub(super) fn run_notify(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        request: NotifyRequest,
    ) -> Done {
        let NotifyRequest::Set {
            status,
            groups,
            unsupported,
        } = request
        else {
            self.notify = None;
            return ok("NOTIFY completed");
        };
        if !unsupported.is_empty() {
            return no(format!(
                "[BADEVENT ({SUPPORTED_EVENTS})] Not reported here: {}",
                unsupported.join(" ")
            ));
        }
        let notify = Notify::new(groups, ctx.store, user);
        if status {
            let lines =
                notify.status_now(ctx.store, user, self.selected(), self.names, self.condstore);
            for l in lines {
                self.out.transmit(l);
            }
        }
        self.notify = Some(notify);
        ok("NOTIFY completed")
    }
}

#[cfg(test)]
mod tests {
    use crate::proto::imap::session::tests::{run_transcript, world};
    use crate::proto::imap::ImapSession;
    use crate::proto::HostCtx;
    use crate::session::{Output, Session};
    use crate::store::Store;
    use crate::time::{Instant, WallClock};

    #[test]
    fn transcript_notify_grammar_after_rfc_5465() {
        run_transcript(include_str!(
            "../../../../tests/transcripts/imap_notify.txt"
        ));
    }

    fn say(s: &mut ImapSession, store: &mut Store, line: &str) -> String {
        let mut ctx = HostCtx {
            host: "mx.corp.example",
            store,
            clock: WallClock::default(),
        };
        if !line.is_empty() {
            s.handle_input(&mut ctx, Instant::ZERO, format!("{line}\r\n").as_bytes());
        }
        s.handle_timeout(&mut ctx, Instant::ZERO);
        let mut out = Vec::new();
        while let Some(o) = s.poll_output() {
            if let Output::Transmit(b) = o {
                out.extend(b);
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn another_sessions_changes_come_between_commands_and_stop_with_notify_none() {
        let mut store = world();
        let (mut a, mut b) = (
            ImapSession::new(Instant::ZERO),
            ImapSession::new(Instant::ZERO),
        );
        say(&mut a, &mut store, "a1 LOGIN boss pw");
        say(&mut a, &mut store, "a2 SELECT INBOX");
        let set = say(
            &mut a,
            &mut store,
            "a3 NOTIFY SET (SELECTED (MessageNew (UID BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge MailboxName))",
        );
        assert!(set.ends_with("a3 OK NOTIFY completed\r\n"), "{set}");
        say(&mut b, &mut store, "b1 LOGIN boss pw");
        say(
            &mut b,
            &mut store,
            "b2 APPEND INBOX {17+}\r\nSubject: new\r\n\r\nx",
        );
        say(&mut b, &mut store, "b3 APPEND Drafts {5+}\r\nhello");
        say(&mut b, &mut store, "b4 CREATE Projects");
        say(&mut b, &mut store, "b5 SELECT INBOX");
        say(&mut b, &mut store, "b6 STORE 1 +FLAGS (\\Flagged)");
        // No command from A: the events come on their own (RFC 5465 §5); a new mailbox is
        // a LIST (MailboxName), not a STATUS.
        let pushed = say(&mut a, &mut store, "");
        assert!(!pushed.contains("STATUS \"Projects\""), "{pushed}");
        for want in [
            "* 4 EXISTS\r\n",
            "* 4 FETCH (UID 4 BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: new\r\n\r\n)\r\n",
            "* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n",
            "* STATUS \"Drafts\" (MESSAGES 1 UIDNEXT 2 UNSEEN 1)\r\n",
            "* LIST () \"/\" \"Projects\"\r\n",
        ] {
            assert!(pushed.contains(want), "{want:?} missing from {pushed}");
        }
        // Nothing twice.
        assert_eq!(say(&mut a, &mut store, ""), "");
        assert!(say(&mut a, &mut store, "a4 NOTIFY NONE").contains("a4 OK"));
        say(&mut b, &mut store, "b7 APPEND Drafts {5+}\r\nhello");
        say(&mut b, &mut store, "b8 STORE 2 +FLAGS (\\Seen)");
        assert_eq!(say(&mut a, &mut store, ""), "");
    }

    #[test]
    fn selected_delayed_keeps_expunges_for_a_command_and_idle_still_hears_them() {
        let mut store = world();
        let (mut a, mut b) = (
            ImapSession::new(Instant::ZERO),
            ImapSession::new(Instant::ZERO),
        );
        say(&mut a, &mut store, "a1 LOGIN boss pw");
        say(&mut a, &mut store, "a2 SELECT INBOX");
        say(
            &mut a,
            &mut store,
            "a3 NOTIFY SET (SELECTED-DELAYED (MessageNew MessageExpunge))",
        );
        say(&mut b, &mut store, "b1 LOGIN boss pw");
        say(&mut b, &mut store, "b2 SELECT INBOX");
        say(&mut b, &mut store, "b3 EXPUNGE");
        say(&mut b, &mut store, "b4 APPEND INBOX {10+}\r\nSubject: 4");
        // The arrival is told at once; message 3 keeps its number until a command may
        // report the expunge.
        let pushed = say(&mut a, &mut store, "");
        assert!(pushed.contains("* 4 EXISTS"), "{pushed}");
        assert!(!pushed.contains("EXPUNGE"), "{pushed}");
        assert_eq!(say(&mut a, &mut store, ""), "");
        let idle = say(&mut a, &mut store, "a4 IDLE");
        assert!(idle.contains("* 3 EXPUNGE"), "{idle}");
        assert!(!idle.contains("EXISTS"), "{idle}");
    }
}
