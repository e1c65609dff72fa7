//! The embed's own page (`embed.html`, the `mail-sandbox-embed` binary): a tour in the compact
//! layout and nothing else. It carries no storage, share links, challenges, mail client or
//! terminals, so a documentation page that embeds a demo downloads a lighter module than the
//! whole sandbox (issue 17).

use super::embed::PageOptions;
use super::TourCard;
use crate::ui::network;
use leptos::prelude::*;

/// The compact tour over a fresh world (the options' `compact` is implied).
#[component]
pub fn EmbedPage(options: PageOptions) -> impl IntoView {
    super::start_tour_world();
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
