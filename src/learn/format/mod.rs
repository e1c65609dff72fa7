//! The file formats of the learning layer's data (`scenarios/*.json`, `challenges/*.json`).
//! `build.rs` includes these files too: it reads every data file at build time and writes the
//! values into one compact file, `learn-data.bin` (postcard), which the native build includes
//! and the page fetches after its first paint ([`crate::learn::library`], issue 29); neither
//! carries a JSON reader for them (issue 17).

pub mod challenge;
pub mod scenario;
