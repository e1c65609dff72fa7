//! One typed protocol state for every server session, so the world, the learning layer and the
//! page share it instead of a string: SMTP's command phases (RFC 5321 §4.1.4), POP3's three
//! states (RFC 1939 §3), IMAP's four (RFC 3501 §3).

use super::imap::ImapState;
use super::pop3::Pop3State;
use super::smtp::SmtpPhase;
use std::fmt;

/// Where a server session is in its protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolState {
    Smtp(SmtpPhase),
    Pop3(Pop3State),
    Imap(ImapState),
}

const SMTP_PHASES: [SmtpPhase; 6] = [
    SmtpPhase::Greeted,
    SmtpPhase::Ready,
    SmtpPhase::Mail,
    SmtpPhase::Rcpt,
    SmtpPhase::Data,
    SmtpPhase::Quit,
];
const POP3_STATES: [Pop3State; 3] = [
    Pop3State::Authorization,
    Pop3State::Transaction,
    Pop3State::Update,
];
const IMAP_STATES: [ImapState; 4] = [
    ImapState::NotAuthenticated,
    ImapState::Authenticated,
    ImapState::Selected,
    ImapState::Logout,
];

impl ProtocolState {
    /// The protocol's name and the RFC section its states come from, e.g.
    /// `POP3 (RFC 1939 §3)`.
    pub fn protocol_title(self) -> &'static str {
        match self {
            ProtocolState::Smtp(_) => "SMTP (RFC 5321 §4.1.4)",
            ProtocolState::Pop3(_) => "POP3 (RFC 1939 §3)",
            ProtocolState::Imap(_) => "IMAP (RFC 3501 §3)",
        }
    }

    /// The RFC section that defines this state.
    pub fn rfc(self) -> &'static str {
        match self {
            ProtocolState::Smtp(_) => "RFC 5321 §4.1.4",
            ProtocolState::Pop3(_) => "RFC 1939 §3",
            ProtocolState::Imap(_) => "RFC 3501 §3",
        }
    }

    /// Every state of the same protocol, in the order a session walks through them.
    pub fn protocol_states(self) -> Vec<ProtocolState> {
        match self {
            ProtocolState::Smtp(_) => SMTP_PHASES.map(ProtocolState::Smtp).to_vec(),
            ProtocolState::Pop3(_) => POP3_STATES.map(ProtocolState::Pop3).to_vec(),
            ProtocolState::Imap(_) => IMAP_STATES.map(ProtocolState::Imap).to_vec(),
        }
    }

    /// The short name drawn in a state diagram ("Transaction", "EHLO done").
    pub fn short_label(self) -> &'static str {
        match self {
            ProtocolState::Smtp(p) => match p {
                SmtpPhase::Greeted => "Greeted",
                SmtpPhase::Ready => "EHLO done",
                SmtpPhase::Mail => "MAIL",
                SmtpPhase::Rcpt => "RCPT",
                SmtpPhase::Data => "DATA",
                SmtpPhase::Quit => "QUIT",
            },
            ProtocolState::Pop3(s) => match s {
                Pop3State::Authorization => "Authorization",
                Pop3State::Transaction => "Transaction",
                Pop3State::Update => "Update",
            },
            ProtocolState::Imap(s) => match s {
                ImapState::NotAuthenticated => "Not authenticated",
                ImapState::Authenticated => "Authenticated",
                ImapState::Selected => "Selected",
                ImapState::Logout => "Logout",
            },
        }
    }

    /// The label the page and the scenarios show, e.g. `POP3 Transaction`,
    /// `SMTP greeted (send EHLO)`.
    pub fn label(self) -> &'static str {
        match self {
            ProtocolState::Smtp(p) => match p {
                SmtpPhase::Greeted => "SMTP greeted (send EHLO)",
                SmtpPhase::Ready => "SMTP ready (MAIL FROM)",
                SmtpPhase::Mail => "SMTP mail (RCPT TO)",
                SmtpPhase::Rcpt => "SMTP rcpt (more RCPT TO or DATA)",
                SmtpPhase::Data => "SMTP data",
                SmtpPhase::Quit => "SMTP quit",
            },
            ProtocolState::Pop3(s) => match s {
                Pop3State::Authorization => "POP3 Authorization",
                Pop3State::Transaction => "POP3 Transaction",
                Pop3State::Update => "POP3 Update",
            },
            ProtocolState::Imap(s) => match s {
                ImapState::NotAuthenticated => "IMAP Not Authenticated",
                ImapState::Authenticated => "IMAP Authenticated",
                ImapState::Selected => "IMAP Selected",
                ImapState::Logout => "IMAP Logout",
            },
        }
    }
}

impl fmt::Display for ProtocolState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_state_belongs_to_its_protocols_list_once() {
        for s in [
            ProtocolState::Smtp(SmtpPhase::Rcpt),
            ProtocolState::Pop3(Pop3State::Update),
            ProtocolState::Imap(ImapState::Selected),
        ] {
            let all = s.protocol_states();
            assert_eq!(all.iter().filter(|x| **x == s).count(), 1);
            assert!(all.iter().all(|x| x.protocol_title() == s.protocol_title()));
        }
        assert_eq!(
            ProtocolState::Pop3(Pop3State::Transaction).to_string(),
            "POP3 Transaction"
        );
    }
}
