//! IDLE (RFC 2177): the server pushes updates until the client sends DONE.

use super::prelude::*;

pub(super) const IDLE: Spec = Spec::new(
    "IDLE",
    Valid::Authenticated,
    "Wait for the server to push updates (new mail) until DONE.",
    "RFC 2177",
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
