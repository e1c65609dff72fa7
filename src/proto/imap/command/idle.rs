//! IDLE (RFC 2177): the server pushes updates until the client sends DONE.

use super::prelude::*;

pub(super) const IDLE: Spec = Spec::new(
    Verb::Idle,
    Valid::Authenticated,
    "Wait for the server to push news of the selected mailbox (new mail, expunges) until you send DONE; clients send DONE and IDLE again within 29 minutes, before the server may drop them.",
    "RFC 2177 §3",
    |_, _| Ok(Command::Idle),
);

impl ImapSession {
    pub(super) fn run_idle(&mut self, ctx: &mut HostCtx<'_>, tag: &str) {
        self.sync(ctx, true);
        self.send("+ idling");
        self.mode = Mode::Idle {
            tag: tag.to_string(),
        };
    }
}
