//! What a server session may say about TLS on its connection, given by the world from the
//! host's policy when the session starts (`sandbox::TlsPolicy`), and whether the connection
//! is already inside TLS. The sessions use it for their capability lists (EHLO, CAPA,
//! CAPABILITY), for the upgrade command (STARTTLS, RFC 3207; STLS, RFC 2595 §4; IMAP
//! STARTTLS, RFC 3501 §6.2.1) and for refusing plaintext logins where the host requires TLS.
//!
//! A session that accepts the upgrade emits its protocol's `StartTls` event right after the
//! positive reply and forgets what the client told it (RFC 3207 §4.2, RFC 2595 §4, RFC 3501
//! §6.2.1). Every byte that came after the command before TLS began was sent before the client
//! could see the reply, so it was never meant for the TLS session (the command-injection class
//! of bugs, CVE-2011-0411): the driver's gate (`sandbox::gate`), which hands the session one
//! command line at a time, drops it unread. The driver puts TLS between the connection and the
//! session and hands it only decrypted bytes from then on.

/// A connection's TLS situation, for the server session on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TlsOffer {
    /// The upgrade command is offered (the host has a certificate and TLS is not off).
    pub offered: bool,
    /// Nothing but the upgrade, capabilities, NOOP and QUIT before TLS (RFC 3207 §4).
    pub required: bool,
    /// Logins only over TLS (RFC 3207 §4, RFC 2595 §2.3, RFC 3501 §6.2.3).
    pub auth_needs_tls: bool,
    /// The connection is inside TLS already (implicit TLS, RFC 8314, or after the upgrade).
    pub secured: bool,
}

impl TlsOffer {
    /// TLS off: what every session had before issue 26.
    pub const OFF: TlsOffer = TlsOffer {
        offered: false,
        required: false,
        auth_needs_tls: false,
        secured: false,
    };

    /// The upgrade command may be accepted now.
    pub fn can_start(self) -> bool {
        self.offered && !self.secured
    }

    /// A login (AUTH, USER/PASS, APOP, LOGIN, AUTHENTICATE) may be attempted now.
    pub fn allows_login(self) -> bool {
        self.secured || !(self.auth_needs_tls || self.required)
    }

    /// Commands other than the upgrade, capabilities, NOOP and QUIT are refused now.
    pub fn blocks_commands(self) -> bool {
        self.required && !self.secured
    }

    /// After the upgrade: inside TLS.
    pub fn upgraded(self) -> TlsOffer {
        TlsOffer {
            secured: true,
            ..self
        }
    }
}
