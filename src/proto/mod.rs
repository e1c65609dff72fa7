//! Protocol sessions: sans-IO state machines (see [`crate::session::Session`]).

pub mod client_tls;
pub mod echo;
pub mod imap;
pub mod pop3;
pub mod record;
pub mod secret;
pub mod smtp;
pub mod starttls;
pub mod state;
pub mod strict;
pub mod verb;

pub use state::ProtocolState;

use crate::store::Store;
use crate::time::WallClock;

/// What a mailbox-host service session (POP3, IMAP) may touch: the store and the name of the
/// virtual host it runs on (logins resolve against the accounts whose domain that host holds).
pub struct HostCtx<'a> {
    /// The virtual host name the service runs on, e.g. `mx.corp.example`.
    pub host: &'a str,
    pub store: &'a mut Store,
    /// Maps virtual time to calendar time (INTERNALDATE of APPENDed messages, APOP stamps).
    pub clock: WallClock,
}
