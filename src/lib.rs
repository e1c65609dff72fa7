//! Mail Sandbox: a complete mail system (SMTP submission and relay, a mailbox store, POP3 and
//! IMAP) as one sans-IO engine, driven by a web page, by native tests and by a TCP bridge.
//!
//! Layers, inner to outer (each uses only the ones before it): [`time`], [`wire`],
//! [`message`], [`store`], [`session`] + [`proto`], [`net`], [`relay`], [`sandbox`], [`learn`]
//! (explanations, hints, guided scenarios), and `ui` (wasm only, but for its native `ui::model`);
//! [`tls_layer`] is the seam the engine knows TLS by (traits and typed values, no rustls);
//! [`tls`] (feature `tls`) implements it and sits beside [`proto`], between a connection and
//! its session; the
//! native-only [`bridge`]
//! serves the world on real TCP ports. The README's "Map of the code" gives the reading order.

#[cfg(not(target_arch = "wasm32"))]
pub mod bridge;
pub mod fault;
pub mod learn;
pub mod message;
pub mod net;
pub mod ordered;
pub mod proto;
pub mod relay;
pub mod sandbox;
pub mod session;
pub mod sorting;
pub mod store;
#[cfg(test)]
pub(crate) mod testing;
pub mod time;
#[cfg(feature = "tls")]
pub mod tls;
pub mod tls_catalog;
pub mod tls_layer;
pub mod tls_remote;
pub mod wire;

pub mod ui;
