//! The mail client's model, native and tested (the page's `ui/client/` only lays it out):
//! composing a message with properly encoded and folded headers, mbox export that keeps every
//! byte, a message view parsed once, and an IMAP listing that keeps the bodies read.

pub mod compose;
pub mod listing;
pub mod mbox;
pub mod view;

pub use compose::{compose, recipients, Draft};
pub use listing::keep_bodies;
pub use mbox::mbox;
pub use view::{Attachment, MessageView, Summary};
