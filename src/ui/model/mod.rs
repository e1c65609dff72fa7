//! The page's logic that is not DOM: plain values and functions the Leptos views and the
//! runtime use, compiled for both targets so native `#[test]`s check them. [`time_text`] writes
//! virtual time, [`target`] reads a terminal's `host port`, [`term_lines`] holds a terminal's
//! lines, what they mean and the fault-rule notes under them, [`term_state`] its badge, [`pacing`] plays hops at a pace a person can
//! follow, [`lit`] lights the links bytes crossed, [`mailbox_view`] lists a folder's messages and shows one's source and MIME tree (the live page), [`wake`] decides when the page must wake next (and nothing while it rests), [`tls_text`] says what a mail session's TLS was, [`num`] writes numbers into SVG and styles.

pub mod lit;
pub mod mailbox_view;
pub mod num;
pub mod pacing;
pub mod target;
pub mod term_lines;
pub mod term_state;
pub mod time_text;
pub mod tls_text;
pub mod wake;
