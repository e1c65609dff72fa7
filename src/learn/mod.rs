//! The learning layer: what each reply and command means (with the RFC section it comes from),
//! hints for mistyped commands, and guided scenarios as data. The texts the page shows after
//! its first paint (explanations, tours, challenges) are data it fetches ([`texts`], [`library`]).

pub mod annotate;
pub mod challenge;
pub mod eavesdrop;
pub mod enhanced;
pub mod explain;
pub mod format;
pub mod hint;
pub mod hops;
pub mod library;
pub mod scenario;
pub mod texts;
pub mod tls_hops;

pub use explain::{
    explain_client_line, explain_command, explain_reply, explain_server_line, Explanation, Protocol,
};
pub use hint::hint_for;
