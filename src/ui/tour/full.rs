//! A guided tour in the full layout (`tour.html?scenario=...`, the `mail-sandbox-tour` binary):
//! the tour's card and the transcripts beside the picture and its explanation. Its own binary,
//! as the embed's and the live page's are, so the sandbox's page (`mail-sandbox-web`) does not
//! carry the tour runner (issue 29); index.html sends `?scenario=` links here.

use super::embed::PageOptions;
use super::TourCard;
use crate::ui::app::{frame, Frame};
use crate::ui::{learn_data, tls_module, transcripts};
use leptos::prelude::*;

/// Entry point of the `mail-sandbox-tour` binary: the tour is drawn when the tours are here.
pub fn start_tour() {
    let options = crate::ui::begin_page();
    wasm_bindgen_futures::spawn_local(async move {
        learn_data::load_library(crate::learn::library::Library::decode_tours).await;
        crate::ui::mount_page(move || view! { <TourApp options=options/> });
    });
}

/// The tour over a fresh world; a tour that needs TLS gets the page's TLS module.
#[component]
fn TourApp(options: PageOptions) -> impl IntoView {
    let ctx = super::start_tour_world();
    let compact = options.compact;
    let work = view! {
        <section class="work" aria-label="Guided tour">
            <TourCard options=options install_tls=tls_module::install/>
            {(!compact).then(|| view! { <transcripts::TranscriptPane/> })}
        </section>
    }
    .into_any();
    frame(
        ctx,
        Frame {
            compact,
            touring: true,
            title: "Mail Sandbox: guided tour",
            clock: true,
            badge_title: None,
        },
        work,
    )
}
