//! The file formats of the learning layer's data (`scenarios/*.json`, `challenges/*.json`).
//! `build.rs` includes these files too: it reads every data file at build time and writes it
//! out as Rust values, so the page carries the values and no JSON reader for them (issue 17).

pub mod challenge;
pub mod scenario;
