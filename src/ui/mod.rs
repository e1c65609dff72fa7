//! The Leptos UI (wasm only). One module per job: [`app`] builds the page and the shared
//! [`Ctx`]; [`clock`] drives virtual time; [`network`] draws the hosts and links; [`host_panel`]
//! shows one host; [`terminal`] is telnet; [`client`] is the mail client; [`transcripts`] lists
//! connections and draws the sequence diagram; [`persist`] keeps the world in localStorage;
//! [`dom`] holds the few browser helpers (downloads, clipboard).

mod app;
mod client;
mod clock;
mod dom;
mod host_panel;
mod network;
mod persist;
mod terminal;
mod transcripts;

pub mod tour;

pub use app::Ctx;

/// Entry point called by the `mail-sandbox-web` binary. A `scenario=` in the URL opens the
/// guided tour alone (the embeddable demo); otherwise the whole sandbox.
pub fn start() {
    use leptos::prelude::*;
    console_error_panic_hook::set_once();
    let options = tour::embed::PageOptions::from_location();
    if options.scenario.is_some() {
        leptos::mount::mount_to_body(move || view! { <tour::Tour options=options.clone() /> });
    } else {
        leptos::mount::mount_to_body(app::App);
    }
}
