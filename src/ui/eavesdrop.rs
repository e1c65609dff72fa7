//! Beside a transcript: the wire as an eavesdropper on that link sees it
//! ([`crate::learn::eavesdrop`]): the login readable before TLS, ciphertext after it.

use super::context::Ctx;
use crate::learn::eavesdrop::{eavesdrop, WireLine, WireView};
use crate::net::ConnId;
use crate::sandbox::Speaker;
use leptos::prelude::*;

fn row(line: WireLine) -> impl IntoView {
    let (cls, tag) = match line.speaker {
        Speaker::Client => ("c", "C: "),
        Speaker::Server => ("s", "S: "),
        Speaker::Net => ("n", "-- "),
    };
    match line.view {
        WireView::Clear(text) | WireView::Note(text) => {
            view! { <li class=cls>{tag}{text}</li> }.into_any()
        }
        WireView::Secret { line, reveals } => view! {
            <li class=format!("{cls} secret") data-testid="eavesdrop-secret">
                {tag}{line}<span class="reveal">" ⇒ "{reveals}</span>
            </li>
        }
        .into_any(),
        WireView::Cipher { hex, len } => view! {
            <li class=format!("{cls} cipher") data-testid="eavesdrop-cipher">
                {tag}"🔒 "{hex}{format!(" … ({len} bytes)")}
            </li>
        }
        .into_any(),
    }
}

/// The eavesdropper's view of `conn`, read again when the trace grew.
#[component]
pub fn Eavesdropper(conn: ConnId, trace: Memo<(u64, u64)>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lines = Memo::new(move |_| {
        trace.track();
        ctx.with(|w| eavesdrop(w, conn))
    });
    view! {
        <div class="wire-view" data-testid="eavesdrop">
            <h4>"What an eavesdropper on the link sees"</h4>
            <ol class="transcript wire" data-testid="eavesdrop-lines">
                {move || lines.get().into_iter().map(row).collect_view()}
            </ol>
        </div>
    }
}
