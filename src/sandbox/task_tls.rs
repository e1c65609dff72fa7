//! TLS under a PC's mail-client task (issue 26): when its session says the server agreed to
//! STARTTLS or STLS, a client TLS layer from the world's provider goes between the session and
//! the connection, verifying the server's certificate against the sandbox CA (a client that
//! cannot verify fails, it never sends the password to an unverified server). Without a
//! provider the sessions never ask ([`client_starttls`]).

use super::World;
use crate::net::ConnId;
use crate::proto::client_tls::StartTlsPolicy;
use crate::time::Instant;
use crate::tls_layer::{client_stream, CertificateInfo, TlsError, TlsLayer, TlsVersion};

/// What a mail-client task asks for: STARTTLS/STLS when the server offers it, whenever the
/// world can do TLS at all (on by default; the page without its TLS module cannot).
pub fn client_starttls(world: &World) -> StartTlsPolicy {
    match world.tls_provider() {
        Some(_) => StartTlsPolicy::WhenOffered,
        None => StartTlsPolicy::Never,
    }
}

/// How an account of the page's mail client reaches its server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    /// The plain port (587, 110, 143), upgraded with STARTTLS/STLS when the server offers it
    /// (RFC 3207, RFC 2595 §4, RFC 3501 §6.2.1): the default.
    #[default]
    StartTls,
    /// The implicit-TLS port (465, 995, 993): TLS from the first byte (RFC 8314 §3).
    Implicit,
    /// The plain port, never upgraded: everything in clear.
    Off,
}

impl Security {
    /// The port for a service whose plain port is `plain` and implicit-TLS port `implicit`.
    pub fn port(self, plain: u16, implicit: u16) -> u16 {
        match self {
            Security::Implicit => implicit,
            Security::StartTls | Security::Off => plain,
        }
    }

    /// What the session says about STARTTLS.
    pub fn starttls(self, world: &World) -> StartTlsPolicy {
        match self {
            Security::StartTls => client_starttls(world),
            Security::Implicit | Security::Off => StartTlsPolicy::Never,
        }
    }
}

/// What a finished session's TLS was, for the mail client to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTls {
    pub version: Option<TlsVersion>,
    /// The sandbox certificate the server showed (subject, issuer, validity).
    pub certificate: Option<CertificateInfo>,
}

/// A task's TLS layer and what its handshake showed.
pub(super) struct TaskTls {
    pub layer: Box<dyn TlsLayer>,
    /// The negotiated version, once the handshake finished.
    pub version: Option<TlsVersion>,
    /// Which sandbox certificate the server showed.
    pub certificate: Option<CertificateInfo>,
}

impl std::fmt::Debug for TaskTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskTls")
            .field("version", &self.version)
            .field("certificate", &self.certificate)
            .finish_non_exhaustive()
    }
}

impl TaskTls {
    /// A verifying client layer for the connection `conn` to `server_name`; its ClientHello
    /// is its first output.
    pub fn start(
        world: &World,
        conn: ConnId,
        server_name: &str,
        now: Instant,
    ) -> Result<TaskTls, TlsError> {
        let provider = world
            .tls_provider()
            .filter(|p| p.is_ready())
            .ok_or(TlsError::Internal)?;
        let layer = provider.client(server_name, true, client_stream(conn.0), world.clock, now)?;
        Ok(TaskTls {
            layer,
            version: None,
            certificate: None,
        })
    }
}
