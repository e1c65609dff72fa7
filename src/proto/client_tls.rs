//! When a client session asks for TLS on a plain connection: SMTP STARTTLS (RFC 3207), POP3
//! STLS (RFC 2595 §4), IMAP STARTTLS (RFC 3501 §6.2.1). The driver that owns the connection
//! puts the TLS layer under the session when the session says the server agreed.

/// When a client upgrades its connection to TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartTlsPolicy {
    /// Never: the server's offer is ignored (no TLS provider, or TLS switched off).
    #[default]
    Never,
    /// When the server offers it; in clear otherwise, and in clear when the server answers
    /// the upgrade with an error (opportunistic security, RFC 7435 §3).
    WhenOffered,
    /// Always: a server that does not offer the upgrade or refuses it gets nothing; the job
    /// fails temporarily (retried later), never in clear (RFC 3207 §4.1, RFC 8461 §5).
    Required,
}
