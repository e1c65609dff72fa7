//! The embed's own page (`embed.html`, the `mail-sandbox-embed` binary): a tour in the compact
//! layout and nothing else. It carries no storage, share links, challenges, mail client or
//! terminals, so a documentation page that embeds a demo downloads a lighter module than the
//! whole sandbox (issue 17).

use super::embed::PageOptions;
use super::TourCard;
use crate::ui::context::Ctx;
use crate::ui::{network, runtime};
use leptos::prelude::*;

/// The compact tour over a fresh world (the options' `compact` is implied).
#[component]
pub fn EmbedPage(options: PageOptions) -> impl IntoView {
    let (world, ids) = crate::learn::scenario::Run::fresh_world_and_hosts();
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
    let options = PageOptions {
        compact: true,
        ..options
    };
    view! {
        <main id="main" class="layout compact touring" data-testid="app-ready">
            <div class="stage">
                <div class="picture" aria-label="The network">
                    <network::NetworkPicture compact=true/>
                </div>
            </div>
            <section class="work" aria-label="Guided tour">
                <TourCard options=options/>
            </section>
        </main>
    }
}
