//! The message list, newest first, one row per message keyed by its id (POP3 number on this
//! PC, or IMAP UID) and what the row shows of it.

use super::Client;
use crate::sandbox::client_model::Summary;
use leptos::prelude::*;

#[component]
pub(super) fn MessageList(client: Client, summaries: Memo<Vec<Summary>>) -> impl IntoView {
    move || {
        if summaries.with(Vec::is_empty) {
            return view! { <p class="muted" data-testid="no-messages">"No messages."</p> }
                .into_any();
        }
        let rows = move || summaries.get().into_iter().rev().collect::<Vec<_>>();
        view! {
            <ul class="msg-list" aria-label="Messages">
                <For each=rows key=|s| s.clone() let:s>
                    <Row client=client summary=s />
                </For>
            </ul>
        }
        .into_any()
    }
}

#[component]
fn Row(client: Client, summary: Summary) -> impl IntoView {
    let Summary {
        id,
        subject,
        from,
        unseen,
        flagged,
    } = summary;
    let data_subject = subject.clone();
    view! {
        <li>
            <button type="button" class="msg-row" class:unseen=unseen class:on=move || client.selected.get() == Some(id)
                data-testid="msg-row" data-subject=data_subject on:click=move |_| client.open_msg(id)>
                <span class="star" aria-label=if flagged { "flagged" } else { "" }>{if flagged { "★" } else { "" }}</span>
                <span class="from">{from}</span>
                <span class="subj">{subject}</span>
            </button>
        </li>
    }
}
