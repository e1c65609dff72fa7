//! "What just happened": the hops drawn on the picture, newest first, each in a sentence with
//! the RFC section it comes from: the explanation beside the picture and the acting pane.

use super::context::Ctx;
use crate::learn::hops::describe;
use leptos::prelude::*;

/// The last `limit` hops explained.
#[component]
pub fn JourneyNotes(#[prop(default = 6)] limit: usize) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let rows = move || {
        ctx.picture.drawn.with(|d| {
            d.iter()
                .rev()
                .take(limit)
                .map(|s| {
                    let (t, _) = describe(&s.hop, |id| ctx.host_name(id));
                    (s.serial, t)
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="journey-notes" aria-labelledby="jn-h">
            <h2 id="jn-h" class="sub-h">"What just happened"</h2>
            <ol data-testid="journey-notes" aria-live="polite">
                <For each=rows key=|(serial, _)| *serial let:row>
                    <li class:trouble=row.1.is_trouble>
                        <span class="jn-label">{row.1.label.clone()}{row.1.label2.clone().map(|l| format!(" {l}"))}</span>
                        " "{row.1.detail.clone()}
                        {(!row.1.rfc.is_empty()).then(|| view! { <span class="rfc">{format!(" ({})", row.1.rfc)}</span> })}
                    </li>
                </For>
            </ol>
            {move || ctx.picture.drawn.with(|d| d.is_empty()).then(|| view! {
                <p class="hint">"Send a message or type in a terminal: each hop is drawn on the picture and explained here."</p>
            })}
        </section>
    }
}
