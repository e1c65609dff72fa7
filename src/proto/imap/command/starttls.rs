//! STARTTLS on the IMAP server (RFC 3501 §6.2.1, RFC 9051 §6.2.1), where the host offers TLS
//! (`TlsOffer`), and the capability list that depends on it: `STARTTLS` while it can be used
//! (not authenticated, not inside TLS), and `LOGINDISABLED` without any `AUTH=` where the host
//! wants logins only over TLS (RFC 3501 §6.2.3, §7.2.1). After the upgrade the client must ask
//! for CAPABILITY again (§6.2.1), and the list it gets then offers the logins.

use super::prelude::*;
use crate::proto::imap::frame::Framer;
use crate::proto::imap::session::MAX_LINE;
use crate::proto::imap::ImapState;

impl ImapSession {
    /// What CAPABILITY reports now.
    pub(in crate::proto::imap) fn capability_list(&self) -> String {
        let mut list = CAPABILITIES.to_string();
        if !self.tls.allows_login() {
            list = list.replace(" AUTH=PLAIN AUTH=LOGIN", "");
            list.push_str(" LOGINDISABLED");
        }
        if self.tls.can_start() && self.state() == ImapState::NotAuthenticated {
            list.push_str(" STARTTLS");
        }
        list
    }

    /// STARTTLS: the tagged OK, then the [`ImapEvent::StartTls`] event, and the framing starts
    /// over (RFC 3501 §6.2.1). What the client pipelined past it was sent before TLS; the
    /// driver's gate drops it unread (CVE-2011-0411).
    pub(super) fn run_starttls(&mut self, tag: &str) -> Option<Done> {
        if self.tls.secured {
            return Some(bad("TLS is already active"));
        }
        if !self.tls.offered {
            return Some(no("STARTTLS is not available: TLS is off on this host"));
        }
        self.send(format!("{tag} OK Begin TLS negotiation now"));
        self.out.event(ImapEvent::StartTls);
        self.tls = self.tls.upgraded();
        self.framer = Framer::new(MAX_LINE);
        None
    }

    /// LOGIN or AUTHENTICATE where logins need TLS first (RFC 5530 §3 `PRIVACYREQUIRED`).
    pub(super) fn refuse_plaintext_login(&mut self) -> Done {
        no("[PRIVACYREQUIRED] Logins are disabled here until STARTTLS")
    }
}
