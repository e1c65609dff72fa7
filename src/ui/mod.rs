//! The Leptos UI (wasm only), over [`model`], the logic that is not DOM (native too, tested
//! natively). One module per job: [`context`] holds the handles every view
//! shares and [`runtime`] the work on them (the clock, the hop player, autosave); [`app`] lays
//! the page out; [`network`] draws the hosts, links and hops; [`journey`] explains the hops;
//! [`host_panel`] shows one host (on the live page with [`mailbox_view`], its mailboxes and a
//! message's source and MIME tree); [`clock`] is the clock bar and event log; [`terminal`] is
//! telnet; [`client`] is the mail client; [`transcripts`] lists connections and draws the
//! sequence diagram, [`eavesdrop`] the wire beside a transcript; [`challenge`] lists challenges and shows the active one; [`tour`] plays guided scenarios over the sandbox and serves embeds;
//! [`persist`] keeps the world in IndexedDB; [`share`] makes and reads share links;
//! [`world_file`] is the header's save status, share, export, import and reset; [`live`] feeds
//! the live page the TCP bridge's world; [`theme`] applies `?theme=`; [`tls_module`] loads the page's TLS; [`dom`] holds
//! the few browser helpers (downloads, clipboard).

pub mod model;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod challenge;
#[cfg(target_arch = "wasm32")]
mod client;
#[cfg(target_arch = "wasm32")]
mod clock;
#[cfg(target_arch = "wasm32")]
mod context;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
mod eavesdrop;
#[cfg(target_arch = "wasm32")]
mod host_panel;
#[cfg(target_arch = "wasm32")]
mod journey;
#[cfg(target_arch = "wasm32")]
mod learn_data;
#[cfg(target_arch = "wasm32")]
mod live;
#[cfg(target_arch = "wasm32")]
mod mailbox_view;
#[cfg(target_arch = "wasm32")]
mod network;
#[cfg(target_arch = "wasm32")]
mod persist;
#[cfg(target_arch = "wasm32")]
mod runtime;
#[cfg(target_arch = "wasm32")]
mod share;
#[cfg(target_arch = "wasm32")]
mod terminal;
#[cfg(target_arch = "wasm32")]
mod theme;
#[cfg(target_arch = "wasm32")]
mod tls_module;
#[cfg(target_arch = "wasm32")]
mod transcripts;
#[cfg(target_arch = "wasm32")]
mod world_file;

#[cfg(target_arch = "wasm32")]
pub mod tour;

#[cfg(target_arch = "wasm32")]
pub use context::Ctx;

#[cfg(target_arch = "wasm32")]
pub use live::start_live;
#[cfg(target_arch = "wasm32")]
pub use tour::full::start_tour;

#[cfg(target_arch = "wasm32")]
/// What every page's entry point does first: panics reported in the console, the learning
/// data's fetch started, the URL's options read and their theme applied.
fn begin_page() -> tour::embed::PageOptions {
    console_error_panic_hook::set_once();
    learn_data::start();
    let options = tour::embed::PageOptions::from_location();
    theme::apply(options.theme);
    options
}

#[cfg(target_arch = "wasm32")]
/// Mounts the page's view in place of the HTML's loading note.
fn mount_page<F, N>(view: F)
where
    F: FnOnce() -> N + 'static,
    N: leptos::prelude::IntoView,
{
    dom::remove_loading_note();
    leptos::mount::mount_to_body(view);
}

#[cfg(target_arch = "wasm32")]
/// Entry point of the `mail-sandbox-embed` binary (`embed.html`): the compact tour only.
pub fn start_embed() {
    use leptos::prelude::*;
    let options = begin_page();
    // The embed's first screen is its tour: it is drawn when the tours are here.
    wasm_bindgen_futures::spawn_local(async move {
        learn_data::load_library(crate::learn::library::Library::decode_tours).await;
        mount_page(move || view! { <tour::page::EmbedPage options=options/> });
    });
}

#[cfg(target_arch = "wasm32")]
/// Entry point called by the `mail-sandbox-web` binary. The URL says what opens: the whole
/// sandbox, a tour over it (`scenario=`), a challenge (`challenge=`), in the compact layout with
/// `compact=1` (index.html sends a compact tour on to embed.html before this runs).
pub fn start() {
    use leptos::prelude::*;
    let options = begin_page();
    if options.challenge.is_some() {
        // A challenge starts from its own fresh world and leaves the saved one alone. Its
        // first screen is the challenge: it is drawn when its data is here. (Tours have their
        // own page, tour.html: index.html sends `?scenario=` there before this runs.)
        wasm_bindgen_futures::spawn_local(async move {
            let library =
                learn_data::load_library(crate::learn::library::Library::decode_challenges).await;
            let mut options = options;
            challenge::absorb_progress(&library, &options.progress);
            if options
                .challenge
                .as_deref()
                .is_some_and(|id| library.challenge(id).is_none())
            {
                options.challenge = None;
            }
            if options.challenge.is_none() {
                // An unknown challenge: the sandbox, as without one.
                let loaded = persist::load().await;
                mount_page(move || view! { <app::App options=options loaded=Some(loaded)/> });
            } else {
                mount_page(move || view! { <app::App options=options loaded=None/> });
            }
        });
        return;
    }
    // The sandbox's first screen needs no tour or challenge: they come after it.
    let progress = options.progress.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let library =
            learn_data::load_library(crate::learn::library::Library::decode_challenges).await;
        challenge::absorb_progress(&library, &progress);
    });
    wasm_bindgen_futures::spawn_local(async move {
        let loaded = persist::load().await;
        mount_page(move || view! { <app::App options=options loaded=Some(loaded)/> });
        // The saved world offers TLS: its code comes after the first paint.
        tls_module::load_when_idle();
    });
}
