//! IMAP4rev1 server session (RFC 3501) and IMAP4rev2 (RFC 9051, after `ENABLE IMAP4rev2`),
//! with the extensions listed in [`CAPABILITIES`].
//!
//! Layers, each in its own module: [`frame`] cuts the byte stream into commands (lines and
//! literals, with limits), [`parse`] reads a command's grammar, [`sequence`] and [`search`]
//! select messages, [`fetch`] renders FETCH data ([`downgrade`] for sessions without UTF-8), [`list`] answers LIST/LSUB, [`response`]
//! quotes strings, [`mutf7`] converts mailbox names, and [`session`] runs the state machine
//! of RFC 3501 §3 against the store.

pub mod casemap;
pub mod client;
pub mod command;
mod completion;
pub mod context;
pub mod downgrade;
pub mod esearch;
pub mod fetch;
pub mod frame;
pub mod list;
pub mod mutf7;
pub mod notify;
pub mod parse;
pub mod preview;
pub mod record;
pub mod response;
pub mod search;
mod secret;
pub mod sequence;
pub mod session;
#[cfg(feature = "imap-extensions")]
pub mod thread;
pub mod vanished;

pub use session::{ImapEvent, ImapSession, ImapState};

/// Whether the server is built with the extensions beyond the guided tours' core (feature
/// `imap-extensions`, on by default; the embed is built without it, README "Size budget").
/// Without them the server does not advertise them and their commands are unknown (BAD, RFC 3501
/// §6); their grammar in shared commands (SELECT's parameters, FETCH's BINARY, PREVIEW and
/// MODSEQ, SEARCH's RETURN, APPEND's CATENATE and UTF8, STORE's UNCHANGEDSINCE) is unknown too.
pub const EXTENSIONS: bool = cfg!(feature = "imap-extensions");

/// What CAPABILITY reports (RFC 3501 §6.1.1), in every state.
/// One line per group, so that helpers adding capabilities at once touch different lines.
#[cfg(feature = "imap-extensions")]
pub const CAPABILITIES: &str = concat!(
    "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR AUTH=PLAIN AUTH=LOGIN IDLE UIDPLUS MOVE NAMESPACE ID ENABLE UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED CONDSTORE QRESYNC ESEARCH LIST-STATUS CREATE-SPECIAL-USE QUOTA QUOTA=RES-MESSAGE QUOTA=RES-MAILBOX SEARCHRES SORT",
    " ESORT CONTEXT=SEARCH SORT=DISPLAY I18NLEVEL=1 PREVIEW",
    " THREAD=ORDEREDSUBJECT THREAD=REFERENCES THREAD=REFS BINARY UTF8=ACCEPT STATUS=SIZE MULTIAPPEND WITHIN SAVEDATE",
    " CATENATE URL-PARTIAL",
    " NOTIFY",
);

/// What CAPABILITY reports without the extensions (see [`EXTENSIONS`]): the core the tours use.
#[cfg(not(feature = "imap-extensions"))]
pub const CAPABILITIES: &str = "IMAP4rev1 LITERAL+ SASL-IR AUTH=PLAIN AUTH=LOGIN IDLE UIDPLUS MOVE NAMESPACE ID UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS CREATE-SPECIAL-USE I18NLEVEL=1 STATUS=SIZE WITHIN";
