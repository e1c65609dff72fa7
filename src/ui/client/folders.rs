//! The IMAP folder list (from LIST); POP3 has none.

use super::{Client, Proto};
use leptos::prelude::*;

#[component]
pub(super) fn FolderList(client: Client) -> impl IntoView {
    move || {
        if client.proto.get() != Proto::Imap {
            return ().into_any();
        }
        let cur = client.folder.get();
        view! {
            <nav class="folders" aria-label="Folders (IMAP LIST)">
                {client.folders.get().into_iter().map(|f| {
                    let name = f.name.clone();
                    let on = name == cur;
                    view! {
                        <button type="button" class="folder" class:on=on data-testid="folder" data-folder=name.clone()
                            title=f.attributes.join(" ")
                            on:click=move |_| { client.folder.set(name.clone()); client.selected.set(None); client.refresh(); }>
                            {f.name.clone()}
                        </button>
                    }
                }).collect_view()}
            </nav>
        }
        .into_any()
    }
}
