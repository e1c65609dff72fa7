//! CANCELUPDATE (RFC 5267 §4.3.5): ends the UPDATE contexts of CONTEXT=SEARCH that the given
//! tags made; the contexts themselves are [`crate::proto::imap::context`].

use super::prelude::*;

pub(super) const CANCELUPDATE: Spec = Spec::new(
    Verb::CancelUpdate,
    Valid::Selected,
    "Stop the updates of SEARCH RETURN (UPDATE) commands, named by their tags: CANCELUPDATE \"a1\".",
    "RFC 5267 §4.3.5",
    parse_cancelupdate,
);

/// `CANCELUPDATE "tag" ["tag" ...]` (RFC 5267 §5: `1*(SP quoted)`; an atom is taken too).
fn parse_cancelupdate(p: &mut Parser<'_>, _: Use<'_>) -> R<Command> {
    let mut tags = Vec::new();
    loop {
        p.sp("the tag of a SEARCH RETURN (UPDATE), e.g. CANCELUPDATE \"a1\"")?;
        tags.push(p.astring_text("tag")?);
        if p.at_end() {
            return Ok(Command::CancelUpdate(tags));
        }
    }
}

impl ImapSession {
    /// Ends the contexts named; a tag that names none is no error (the context may have
    /// ended with a new selection already).
    pub(super) fn run_cancelupdate(&mut self, tags: &[String]) -> Done {
        let Some(sel) = self.mailbox_mut() else {
            return unselected();
        };
        sel.contexts.retain(|c| !tags.contains(&c.tag));
        ok("CANCELUPDATE completed, no further updates")
    }
}
