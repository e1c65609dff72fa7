//! STLS on the POP3 server (RFC 2595 §4), where the host offers TLS (`TlsOffer`): `+OK Begin
//! TLS negotiation` and the [`Pop3Event::StartTls`] event, in AUTHORIZATION only; the session
//! stays in AUTHORIZATION; whatever was pipelined after the command is dropped unread by the
//! driver's gate (RFC 2595 §4, CVE-2011-0411). Where logins need TLS, USER, PASS, APOP and AUTH are refused before it
//! (RFC 2595 §2.3: clear-text passwords only where the host allows them).

use super::{Pending, Pop3Event, Pop3Session, MAX_LINE};
use crate::wire::line::LineReader;

impl Pop3Session {
    pub(super) fn handle_stls(&mut self) {
        if self.tls.secured {
            return self.reply("-ERR TLS already active");
        }
        if !self.tls.offered {
            return self.reply("-ERR STLS not available: TLS is off on this host");
        }
        self.reply("+OK Begin TLS negotiation");
        self.out.event(Pop3Event::StartTls);
        self.tls = self.tls.upgraded();
        self.pending = Pending::Command;
        self.lines = LineReader::new(MAX_LINE);
    }

    pub(super) fn refuse_plaintext_login(&mut self) {
        self.reply("-ERR [AUTH] Plaintext login is disabled here: issue STLS first");
    }
}
