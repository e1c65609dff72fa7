//! SMTP (RFC 5321): the server session for port 25 (relay/MX) and 587 (submission, RFC 6409),
//! and the client session the relay uses to hand a message to the next hop.
//!
//! Layout, one job per module:
//! - [`reply`]: reply formatting (server) and reply parsing (client), RFC 5321 §4.2.
//! - [`command`]: command-line and address parsing, RFC 5321 §4.1.
//! - [`trace`]: the `Received:` trace field (§4.4) and submission header fixes (RFC 6409 §8).
//! - [`server`]: [`SmtpServer`], the receiving side.
//! - [`client`]: [`SmtpClient`], the sending side.

pub mod client;
pub mod command;
pub mod record;
pub mod reply;
pub mod server;
pub mod trace;

#[cfg(test)]
mod client_starttls_tests;
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod server_tests;
#[cfg(test)]
pub(crate) mod test_support;

pub use client::{ClientEvent, ClientJob, ClientOutcome, SmtpClient, StartTlsPolicy};
pub use reply::Reply;
pub use server::{SmtpEvent, SmtpPhase, SmtpServer};

use crate::store::Store;
use crate::time::{Instant, WallClock};
use serde::{Deserialize, Serialize};

/// The SMTP envelope (RFC 5321 §2.3.1). `mail_from` is "" for the null reverse-path `<>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
}

/// Why a [`Spool`] refused a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpoolError {
    /// The message is larger than the queue will take (answered `552 5.3.4`).
    TooLarge,
    /// A passing problem (answered `451 4.3.0`); the client should retry later.
    Temporary(String),
}

/// Where an accepted message goes: the host's relay queue. `spool` must either take the whole
/// message (then the server answers 250 with the returned queue id) or take nothing.
pub trait Spool {
    fn spool(
        &mut self,
        now: Instant,
        envelope: &Envelope,
        data: Vec<u8>,
    ) -> Result<String, SpoolError>;
}

/// What the SMTP server session may touch.
pub struct SmtpCtx<'a> {
    /// This server's virtual host name, e.g. `mx.corp.example`.
    pub host: &'a str,
    /// Local domains (`store.domain_host(d) == Some(host)`), users, AUTH, the size limit
    /// (`store.limits.max_message_size`, advertised as SIZE).
    pub store: &'a Store,
    /// Maps virtual time to the calendar, for `Received:` and `Date:`.
    pub clock: WallClock,
    /// True on port 587 (RFC 6409): AUTH is required before MAIL.
    pub submission: bool,
    /// The relay queue accepted messages go to.
    pub spool: &'a mut dyn Spool,
}

/// The connecting host, for the `Received:` trace field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's address, e.g. `10.0.0.7`.
    pub addr: String,
    /// The peer's host name (reverse lookup), if known.
    pub name: Option<String>,
}
