//! The services a host can run, with their well-known ports.

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// RFC 862-style line echo, port 7.
    Echo,
    /// RFC 867 daytime, port 13.
    Daytime,
    /// POP3 (RFC 1939), port 110.
    Pop3,
}

impl Service {
    /// What a mail host runs (filled in as the protocols land).
    pub const MAIL_HOST: [Service; 1] = [Service::Pop3];

    pub fn default_port(self) -> u16 {
        match self {
            Service::Echo => 7,
            Service::Daytime => 13,
            Service::Pop3 => 110,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::Echo => "echo",
            Service::Daytime => "daytime",
            Service::Pop3 => "pop3",
        }
    }
}
