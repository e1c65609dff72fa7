//! Protocol sessions: sans-IO state machines (see [`crate::session::Session`]).

pub mod echo;
