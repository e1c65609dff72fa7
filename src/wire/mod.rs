//! Codecs: framing with size limits, dot-stuffing, base64 helpers. No sessions, store or time.

pub mod assemble;
pub mod dot;
pub mod line;
pub mod sasl;
