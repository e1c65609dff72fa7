//! TLS between a connection and its session, sans-IO like every session (ARCHITECTURE.md,
//! "TLS"): ciphertext in, plaintext and records out, `now` passed in, no clock and no I/O.
//! Real handshakes and records (TLS 1.3, RFC 8446, and TLS 1.2, RFC 5246) by rustls, over a
//! trimmed pure-Rust crypto provider ([`crypto`]) that builds for wasm32 as well as natively,
//! with certificates from the sandbox PKI ([`pki`]).
//!
//! The engine sees it only through the seam in [`crate::tls_layer`]: [`SandboxTls`]
//! implements its `TlsProvider` and [`TlsConnection`] its `TlsLayer`, so nothing outside this
//! module names a rustls type (the page's wasm binaries build without feature `tls`).
//!
//! | file | job |
//! |---|---|
//! | `connection.rs` | one connection, either side: `handle_input` / `write_plaintext` / `poll_output` |
//! | `server.rs`, `client.rs` | each side's configuration and how a connection starts |
//! | `event.rs` | outputs and the handshake's typed steps |
//! | `error.rs` | why a connection failed, typed |
//! | `random.rs`, `ambient.rs` | seeded or OS randomness, and lending it (and the virtual time) to rustls per call |
//! | `provider.rs` | [`SandboxTls`]: the engine's `TlsProvider` (PKI identities, seeded or OS randomness) |
//! | `module.rs` | the page's TLS module: layers by handle, answers in `tls_remote`'s byte formats |
//! | `crypto/` | the trimmed crypto provider |
//! | `pki.rs` | the shipped CA, host certificates and broken variants |

mod ambient;
mod client;
mod connection;
pub mod crypto;
mod error;
mod event;
pub mod module;
pub mod pki;
mod provider;
mod random;
#[cfg(test)]
mod tests;

pub use client::ClientTls;
pub use connection::{TlsConnection, PLAINTEXT_BUFFER_LIMIT};
pub use error::{Alert, TlsError};
pub use event::{TlsEvent, TlsOutput, TlsSuite, TlsVersion};
pub use provider::SandboxTls;
pub use random::RandomSource;
pub use server::ServerTls;

mod server;

/// Which protocol versions a side speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TlsVersions {
    /// TLS 1.3, falling back to TLS 1.2 (RFC 8446 §4.2.1).
    #[default]
    Both,
    Tls12Only,
    Tls13Only,
}

impl TlsVersions {
    fn rustls(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static BOTH: &[&rustls::SupportedProtocolVersion] =
            &[&rustls::version::TLS13, &rustls::version::TLS12];
        static TLS12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
        static TLS13: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
        match self {
            TlsVersions::Both => BOTH,
            TlsVersions::Tls12Only => TLS12,
            TlsVersions::Tls13Only => TLS13,
        }
    }
}
