//! The Leptos UI (wasm only).
