//! STARTTLS on the SMTP server (RFC 3207), where the host offers TLS (`TlsOffer`): the
//! `220 2.0.0 Ready to start TLS` reply and the [`SmtpEvent::StartTls`] event; then the
//! session is as just after the greeting (§4.2: the client must EHLO again, and AUTH, the
//! EHLO name and any transaction are forgotten); whatever was pipelined after the command is
//! dropped unread by the driver's gate (the command-injection class of bugs, CVE-2011-0411). A host requiring TLS
//! refuses other commands with `530 5.7.0 Must issue a STARTTLS command first` (§4).

use super::command::Command;
use super::{SmtpEvent, SmtpServer, MAX_COMMAND_LINE};
use crate::wire::line::LineReader;

/// Commands a host that requires TLS still takes before it (RFC 3207 §4: "the server SHOULD
/// return the reply code 530 ... to every command other than NOOP, EHLO, STARTTLS, or QUIT";
/// HELO, RSET and HELP change nothing either).
pub(super) fn allowed_before_tls(command: &Command) -> bool {
    matches!(
        command,
        Command::Ehlo(_)
            | Command::Helo(_)
            | Command::StartTls
            | Command::Noop
            | Command::Quit
            | Command::Rset
            | Command::Help
    )
}

impl SmtpServer {
    pub(super) fn on_starttls(&mut self) {
        if self.tls.secured {
            return self.error(503, "5.5.1", "Error: TLS already active");
        }
        if !self.tls.offered {
            return self.error(
                502,
                "5.5.1",
                "STARTTLS not available: TLS is off on this host (see HELP)",
            );
        }
        self.reply(220, "2.0.0", "Ready to start TLS");
        self.out.event(SmtpEvent::StartTls);
        self.tls = self.tls.upgraded();
        // §4.2: discard any knowledge obtained from the client.
        self.helo = None;
        self.user = None;
        self.tx = None;
        self.lines = LineReader::new(MAX_COMMAND_LINE);
    }

    pub(super) fn must_starttls(&mut self) {
        self.error(530, "5.7.0", "Must issue a STARTTLS command first");
    }
}
