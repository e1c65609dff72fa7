//! Protocol state diagrams that follow a session live: POP3's three states (RFC 1939 §3),
//! IMAP's four (RFC 3501 §3) and SMTP's command phases (RFC 5321 §4.1.4).

use crate::proto::ProtocolState;
use leptos::prelude::*;

/// A row of boxes, one per state of the session's protocol, the current one highlighted.
#[component]
pub fn StateDiagram(#[prop(into)] state: Signal<Option<ProtocolState>>) -> impl IntoView {
    move || {
        state.get().map(|current| {
            let title = current.protocol_title();
            let boxes = current
                .protocol_states()
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let active = s == current;
                    let class = if active { "st active" } else { "st" };
                    view! {
                        {(i > 0).then(|| view! { <span class="arrow" aria-hidden="true">"→"</span> })}
                        <span class=class aria-current=active.then_some("step")>{s.short_label()}</span>
                    }
                })
                .collect_view();
            view! {
                <figure class="state-diagram" data-testid="state-diagram" aria-label=title>
                    <figcaption>{title}</figcaption>
                    <div class="states">{boxes}</div>
                </figure>
            }
        })
    }
}
