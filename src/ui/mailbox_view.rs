//! The live page's mailbox browser (issue 28 item 1), under the details of the host clicked:
//! its mailboxes, a folder's messages (newest first), and one message's source and MIME tree
//! ([`super::model::mailbox_view`]). It reads the page's copy of the bridge's world and
//! changes nothing: the live page only watches (a real client reads mail over IMAP or POP3;
//! this is the operator's look into the store, like a test mail server's web page).

use super::context::Ctx;
use super::model::mailbox_view::{message_rows, mime_tree, source_text, MAX_ROWS};
use crate::net::HostId;
use leptos::prelude::*;

/// The browser of host `id`'s mailboxes, as [`super::context::Extras::host_extra`] draws it.
pub fn browser(id: HostId) -> AnyView {
    view! { <MailboxBrowser id=id/> }.into_any()
}

#[component]
pub fn MailboxBrowser(id: HostId) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // (account, folder) open, and the message shown (its UID there).
    let open = RwSignal::new(None::<(String, String)>);
    let shown = RwSignal::new(None::<u32>);
    let folders = Memo::new(move |_| {
        ctx.stepped.get();
        ctx.with(|w| {
            let host = w.net.host_name(id).to_string();
            w.store
                .accounts_on_host(&host)
                .flat_map(|a| {
                    w.store.folder_names(&a.address).into_iter().map(|f| {
                        let n = w.store.folder(&a.address, &f).map_or(0, |x| x.len());
                        (a.address.clone(), f, n)
                    })
                })
                .collect::<Vec<_>>()
        })
    });
    let rows = Memo::new(move |_| {
        ctx.stepped.get();
        let Some((user, folder)) = open.get() else {
            return Vec::new();
        };
        ctx.with(|w| {
            w.store
                .folder(&user, &folder)
                .map(|f| message_rows(f.messages()))
                .unwrap_or_default()
        })
    });
    let message = Memo::new(move |_| {
        ctx.stepped.get();
        let (user, folder) = open.get()?;
        let uid = shown.get()?;
        ctx.with(|w| {
            let m = w.store.folder(&user, &folder)?.by_uid(uid)?;
            Some((source_text(&m.raw), mime_tree(&m.raw)))
        })
    });
    view! {
        <section class="mailbox-browser" data-testid="mailbox-browser" aria-label="Mailboxes">
            <h4>"Mailboxes (read-only)"</h4>
            {move || {
                let list = folders.get();
                if list.is_empty() {
                    return view! { <p class="muted">"No mailboxes on this host."</p> }.into_any();
                }
                view! {
                    <ul class="folders">
                        {list.into_iter().map(|(user, folder, n)| {
                            let key = (user.clone(), folder.clone());
                            let is_open = {
                                let key = key.clone();
                                move || open.with(|o| o.as_ref() == Some(&key))
                            };
                            let pick = move |_| {
                                open.set(Some(key.clone()));
                                shown.set(None);
                            };
                            view! {
                                <li>
                                    <button type="button" data-testid="mb-folder" data-folder=format!("{user} {folder}")
                                        aria-pressed=move || is_open().to_string() on:click=pick>
                                        <code>{user.clone()}</code>" "{folder.clone()}" "<span class="muted">{n}</span>
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {move || open.get().map(|(user, folder)| {
                let list = rows.get();
                view! {
                    <h4>{format!("{user} {folder}")}<span class="muted">{format!(" (newest first, at most {MAX_ROWS})")}</span></h4>
                    {if list.is_empty() {
                        view! { <p class="muted">"Empty."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="messages" data-testid="mb-messages">
                                {list.into_iter().map(|row| {
                                    let uid = row.uid;
                                    view! {
                                        <li>
                                            <button type="button" data-testid="mb-message" data-uid=uid.to_string()
                                                aria-pressed=move || (shown.get() == Some(uid)).to_string()
                                                on:click=move |_| shown.set(Some(uid))>
                                                <span class="subject">{row.subject}</span>" "
                                                <span class="muted">{format!("{} · UID {} · {} bytes", row.from, row.uid, row.size)}</span>
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                }
            })}
            {move || message.get().map(|(source, tree)| view! {
                <h4>"MIME tree"</h4>
                <ul class="mime-tree" data-testid="mime-tree">
                    {tree.into_iter().map(|part| view! {
                        <li data-testid="mime-part" style=format!("padding-left: {}em", crate::ui::model::num::num(part.depth as f64 * 1.5))>
                            <code>{if part.number.is_empty() { "message".to_string() } else { part.number }}</code>" "
                            <strong>{part.media}</strong>" "
                            <span class="muted">{format!("{} bytes", part.size)}</span>" "
                            {part.detail}
                        </li>
                    }).collect_view()}
                </ul>
                <h4>"Source"</h4>
                <pre class="source" data-testid="mb-source">{source}</pre>
            })}
        </section>
    }
}
