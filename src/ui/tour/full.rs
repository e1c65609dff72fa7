//! A guided tour in the full layout (`tour.html?scenario=...`, the `mail-sandbox-tour` binary):
//! the tour's card and the transcripts beside the picture and its explanation. Its own binary,
//! as the embed's and the live page's are, so the sandbox's page (`mail-sandbox-web`) does not
//! carry the tour runner (issue 29); index.html sends `?scenario=` links here.

use super::embed::PageOptions;
use super::TourCard;
use crate::ui::app::{frame, Frame};
use crate::ui::context::Ctx;
use crate::ui::{learn_data, runtime, theme, tls_module, transcripts};
use leptos::prelude::*;

/// Entry point of the `mail-sandbox-tour` binary: the tour is drawn when the tours are here.
pub fn start_tour() {
    console_error_panic_hook::set_once();
    learn_data::start();
    let options = PageOptions::from_location();
    theme::apply(options.theme);
    wasm_bindgen_futures::spawn_local(async move {
        learn_data::load_library(crate::learn::library::Library::decode_tours).await;
        crate::ui::mount_page(move || view! { <TourApp options=options/> });
    });
}

/// The tour over a fresh world; a tour that needs TLS gets the page's TLS module.
#[component]
fn TourApp(options: PageOptions) -> impl IntoView {
    let (world, ids) = crate::learn::scenario::Run::fresh_world_and_hosts();
    // A tour runs the world and draws it: no challenge to watch, nothing saved, no mail client
    // to poll (the embed's runtime: tours play the same in both).
    let ctx = Ctx::new(
        world,
        ids,
        0,
        None,
        runtime::EMBED,
        crate::ui::dom::now_ms(),
    );
    provide_context(ctx);
    runtime::start(ctx);
    let compact = options.compact;
    let work = view! {
        <section class="work" aria-label="Guided tour">
            <TourCard options=options install_tls=tls_module::install/>
            {(!compact).then(|| view! {
                <section class="pane transcript-pane" aria-labelledby="tr-h">
                    <h2 id="tr-h">"Transcripts"</h2>
                    <transcripts::Transcripts/>
                </section>
            })}
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
