//! The services a host can run, with their well-known ports.

use crate::proto::record::Protocol;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// RFC 862-style line echo, port 7.
    Echo,
    /// RFC 867 daytime, port 13.
    Daytime,
    /// POP3 (RFC 1939), port 110.
    Pop3,
    /// SMTP relay/MX (RFC 5321), port 25.
    Smtp,
    /// Message submission (RFC 6409), port 587: AUTH required.
    Submission,
    /// IMAP4rev1 (RFC 3501), port 143.
    Imap,
}

impl Service {
    /// What a mail host runs: SMTP on 25, submission on 587, POP3 on 110, IMAP on 143.
    pub const MAIL_HOST: [Service; 4] = [
        Service::Smtp,
        Service::Submission,
        Service::Pop3,
        Service::Imap,
    ];

    pub fn default_port(self) -> u16 {
        match self {
            Service::Echo => 7,
            Service::Daytime => 13,
            Service::Pop3 => 110,
            Service::Smtp => 25,
            Service::Submission => 587,
            Service::Imap => 143,
        }
    }

    /// The mail protocol it speaks (echo and daytime speak none).
    pub fn protocol(self) -> Option<Protocol> {
        match self {
            Service::Echo | Service::Daytime => None,
            Service::Smtp | Service::Submission => Some(Protocol::Smtp),
            Service::Pop3 => Some(Protocol::Pop3),
            Service::Imap => Some(Protocol::Imap),
        }
    }

    /// Its name for people: `SMTP`, `Submission`, `POP3`, `IMAP`, `echo`, `daytime`.
    pub fn label(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Daytime => "daytime",
            Service::Pop3 => "POP3",
            Service::Smtp => "SMTP",
            Service::Submission => "Submission",
            Service::Imap => "IMAP",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Daytime => "daytime",
            Service::Pop3 => "pop3",
            Service::Smtp => "smtp",
            Service::Submission => "submission",
            Service::Imap => "imap",
        }
    }
}
