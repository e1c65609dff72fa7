//! The open message: header fields, actions (flag, move, delete, raw source, save), the text
//! body, the HTML part in a sandboxed frame, and attachments.

use super::{dom, Client};
use crate::message::Part;
use crate::sandbox::client_model::view::part_label;
use crate::sandbox::client_model::MessageView;
use crate::sandbox::mail_client::ImapAction;
use leptos::prelude::*;

fn mime_tree(p: &Part, depth: usize) -> AnyView {
    let label = part_label(p);
    let kids = if depth < 16 {
        p.children
            .iter()
            .map(|c| mime_tree(c, depth + 1))
            .collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    view! {
        <li><code>{label}</code>{(!kids.is_empty()).then(|| view! { <ul>{kids}</ul> })}</li>
    }
    .into_any()
}

#[component]
pub(super) fn Reader(client: Client, open: Memo<Option<MessageView>>) -> impl IntoView {
    let show_raw = RwSignal::new(false);
    let move_to = RwSignal::new(String::new());
    // Another message opened: its raw source starts hidden.
    Effect::new(move |_| {
        client.selected.track();
        show_raw.set(false);
    });
    move || {
        let Some(v) = open.get() else {
            return view! { <p class="muted">"Select a message to read it."</p> }.into_any();
        };
        let folder = client.folder;
        let (id, flagged) = (v.id, v.flagged);
        let imap = client.is_imap();
        let folder_names: Vec<String> = client
            .folders
            .get_untracked()
            .into_iter()
            .map(|f| f.name)
            .filter(|n| *n != folder.get_untracked())
            .collect();
        let eml_name = v.eml_name.clone();
        let raw_bytes = v.raw.clone();
        let raw_text = v.raw_text();
        let root = v.root.clone();
        view! {
            <article class="reader" data-testid="reader" aria-label="Message">
                <h4 data-testid="reader-subject">{v.subject.clone()}</h4>
                <dl class="hdrs">
                    <dt>"From"</dt><dd data-testid="reader-from">{v.from.clone()}</dd>
                    <dt>"To"</dt><dd>{v.to.clone()}</dd>
                    <dt>"Date"</dt><dd>{v.date.clone()}</dd>
                </dl>
                <div class="actions">
                    {imap.then(|| view! {
                        <button type="button" data-testid="flag-msg" on:click=move |_| {
                            let f = folder.get_untracked();
                            client.imap_do(if flagged { "Unflag" } else { "Flag" }, ImapAction::Flag { folder: f, uid: id, flag: "\\Flagged".into(), on: !flagged }, true);
                        }>{if flagged { "☆ Unflag" } else { "★ Flag" }}</button>
                        <label>"Move to "
                            <select data-testid="move-to" on:change=move |ev| move_to.set(event_target_value(&ev))>
                                <option value="">"—"</option>
                                {folder_names.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <button type="button" data-testid="move-msg" on:click=move |_| {
                            let to = move_to.get_untracked();
                            if !to.is_empty() {
                                let f = folder.get_untracked();
                                client.selected.set(None);
                                client.imap_do("Move", ImapAction::Move { folder: f, uid: id, to }, true);
                            }
                        }>"Move"</button>
                    })}
                    <button type="button" class="danger" data-testid="delete-msg" on:click=move |_| {
                        client.selected.set(None);
                        if imap {
                            let f = folder.get_untracked();
                            client.imap_do("Delete", ImapAction::Delete { folder: f, uid: id }, true);
                        } else {
                            client.pop_msgs.update(|l| l.retain(|x| x.id != id));
                            client.status.set("Deleted from this PC.".into());
                        }
                    }>"Delete"</button>
                    <button type="button" on:click=move |_| show_raw.update(|r| *r = !*r) data-testid="toggle-raw"
                        aria-pressed=move || show_raw.get().to_string()>"Raw source & MIME tree"</button>
                    <button type="button" on:click=move |_| dom::download(&eml_name, "message/rfc822", &raw_bytes)>"Save .eml"</button>
                </div>
                {move || if show_raw.get() {
                    view! {
                        <h5>"MIME tree"</h5>
                        <ul class="mime" data-testid="mime-tree">{mime_tree(&root, 0)}</ul>
                        <h5>"Raw source"</h5>
                        <pre class="raw" data-testid="raw-source">{raw_text.clone()}</pre>
                    }.into_any()
                } else {
                    ().into_any()
                }}
                <pre class="body" data-testid="reader-body">{v.text.clone()}</pre>
                {v.html.clone().map(|h| view! {
                    <h5>"HTML part (sandboxed, scripts off)"</h5>
                    <iframe class="html" sandbox="" srcdoc=h title="HTML part of the message" data-testid="html-frame"></iframe>
                })}
                {(!v.attachments.is_empty()).then(|| view! {
                    <h5>"Attachments"</h5>
                    <ul class="atts">
                        {v.attachments.iter().map(|a| {
                            let size = a.bytes.len();
                            let url = dom::blob_url(&a.media_type, &a.bytes).unwrap_or_default();
                            view! { <li><a href=url download=a.name.clone() data-testid="attachment">{a.name.clone()}</a>" ("{a.media_type.clone()}", "{size}" bytes)"</li> }
                        }).collect_view()}
                    </ul>
                })}
            </article>
        }
        .into_any()
    }
}
