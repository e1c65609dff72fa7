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
pub mod thread;
pub mod vanished;

pub use session::{ImapEvent, ImapSession, ImapState};

/// What CAPABILITY reports (RFC 3501 §6.1.1), in every state.
/// One line per group, so that helpers adding capabilities at once touch different lines.
pub const CAPABILITIES: &str = concat!(
    "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR AUTH=PLAIN AUTH=LOGIN IDLE UIDPLUS MOVE NAMESPACE ID ENABLE UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED CONDSTORE QRESYNC ESEARCH LIST-STATUS CREATE-SPECIAL-USE QUOTA QUOTA=RES-MESSAGE QUOTA=RES-MAILBOX SEARCHRES SORT",
    " ESORT CONTEXT=SEARCH SORT=DISPLAY I18NLEVEL=1 PREVIEW",
    " THREAD=ORDEREDSUBJECT THREAD=REFERENCES THREAD=REFS BINARY UTF8=ACCEPT STATUS=SIZE MULTIAPPEND WITHIN SAVEDATE",
    " CATENATE URL-PARTIAL",
    " NOTIFY",
);
