//! Details of the host clicked in the picture: services and ports, mailboxes, queue entries
//! (next attempt, last error), buttons to take it down or bring it up and to cut links.

use super::context::Ctx;
use super::runtime::{fmt_span, fmt_time, step_world};
use crate::relay::RcptState;
use leptos::prelude::*;

#[derive(Clone, PartialEq)]
struct HostData {
    host: crate::net::Host,
    label: String,
    services: Vec<(u16, crate::sandbox::Service)>,
    boxes: Vec<(String, Vec<(String, usize)>)>,
    queue: Vec<(String, String, String, u32, String, String)>,
    others: Vec<(crate::net::HostId, String, bool)>,
    /// MX records, for mail hosts (what their relay looks up).
    mx: Vec<String>,
}

#[component]
pub fn HostPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        let Some(id) = ctx.selected.get() else {
            return view! {
                <p class="hint" data-testid="host-hint">"Click a host (or focus it and press Enter) to see its services, mailboxes and queue, and to take it down."</p>
            }
            .into_any();
        };
        let data = Memo::new(move |_| {
            ctx.tick.get();
            ctx.with(|w| {
                let host = w.net.host(id).cloned();
                let label = w.host_info(id).map(|i| i.label.clone()).unwrap_or_default();
                let host = host?;
                let services = w.services_of(id);
                let boxes: Vec<(String, Vec<(String, usize)>)> = w
                    .store
                    .accounts_on_host(&host.name)
                    .map(|a| {
                        let folders = w
                            .store
                            .folder_names(&a.address)
                            .into_iter()
                            .map(|f| {
                                let n =
                                    w.store.folder(&a.address, &f).map(|x| x.len()).unwrap_or(0);
                                (f, n)
                            })
                            .collect();
                        (a.address.clone(), folders)
                    })
                    .collect();
                let now = w.now();
                let queue: Vec<_> = w
                    .queue
                    .entries()
                    .filter(|e| e.host == host.name)
                    .map(|e| {
                        let rcpts = e
                            .recipients
                            .iter()
                            .map(|r| {
                                let st = match &r.state {
                                    RcptState::Pending => "pending".to_string(),
                                    RcptState::InFlight => "sending".to_string(),
                                    RcptState::Delivered => "delivered".to_string(),
                                    RcptState::Failed(why) => format!("failed: {why}"),
                                };
                                format!("{} ({st})", r.address)
                            })
                            .collect::<Vec<_>>()
                            .join(", ");
                        (
                            e.id.clone(),
                            e.mail_from.clone(),
                            rcpts,
                            e.attempts,
                            format!(
                                "{} (in {})",
                                fmt_time(e.next_attempt),
                                fmt_span(e.next_attempt.saturating_since(now))
                            ),
                            e.last_error.clone().unwrap_or_else(|| "—".into()),
                        )
                    })
                    .collect();
                let others: Vec<_> = w
                    .net
                    .hosts()
                    .iter()
                    .filter(|h| h.id != id)
                    .map(|h| (h.id, h.name.clone(), w.net.is_link_cut(id, h.id)))
                    .collect();
                let mail_host = w
                    .host_info(id)
                    .is_some_and(|i| i.role == crate::sandbox::HostRole::MailServer);
                let mx = if mail_host {
                    w.net
                        .dns
                        .mx_records()
                        .flat_map(|(domain, recs)| {
                            recs.iter().map(move |r| {
                                format!("{domain} MX {} {}", r.preference, r.exchange)
                            })
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                Some(HostData {
                    host,
                    label,
                    services,
                    boxes,
                    queue,
                    others,
                    mx,
                })
            })
        });
        let body = move || {
            let Some(HostData {
                host,
                label,
                services,
                boxes,
                queue,
                others,
                mx,
            }) = data.get()
            else {
                return ().into_any();
            };
            {
                let up = host.up;
                let toggle_up = move |_| {
                    let since = ctx.with(|w| w.now());
                    ctx.world.update_value(|w| w.set_host_up(id, !up));
                    ctx.touch();
                    step_world(ctx, since);
                };
                view! {
                    <div class="host-details" data-testid="host-details" data-host=host.name.clone()>
                        <div class="hd-head">
                            <h3>{label}" — "<code>{host.name.clone()}</code>" "{host.addr.clone()}</h3>
                            <span class=if up { "state up" } else { "state down" } data-testid="host-state">
                                {if up { "up" } else { "down" }}
                            </span>
                            <button type="button" data-testid="toggle-host" on:click=toggle_up>
                                {if up { "Take down" } else { "Bring up" }}
                            </button>
                            <button type="button" class="close" aria-label="Close details" on:click=move |_| ctx.selected.set(None)>"✕"</button>
                        </div>
                        <div class="hd-grid">
                            <div>
                                <h4>"Services"</h4>
                                {if services.is_empty() {
                                    view! { <p class="muted">"None: a client host (it only connects out)."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="services">
                                            {services.into_iter().map(|(p, s)| view! { <li>{s.name()}" :"{p}</li> }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <h4>"Links"</h4>
                                <ul class="links">
                                    {others.into_iter().map(|(other, name, cut)| {
                                        let flip = move |_| {
                                            let since = ctx.with(|w| w.now());
                                            ctx.world.update_value(|w| { let now = w.now(); w.net.set_link_cut(now, id, other, !cut) });
                                            ctx.touch();
                                            step_world(ctx, since);
                                        };
                                        view! {
                                            <li>
                                                "to "<code>{name.clone()}</code>": "{if cut { "cut" } else { "ok" }}" "
                                                <button type="button" data-testid=format!("cut-{name}") on:click=flip>
                                                    {if cut { "Restore link" } else { "Cut link" }}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </div>
                            <div>
                                {(!mx.is_empty()).then(|| view! {
                                    <h4>"DNS: where the relay sends mail"</h4>
                                    <ul class="links" data-testid="mx-records">
                                        {mx.into_iter().map(|r| view! { <li><code>{r}</code></li> }).collect_view()}
                                    </ul>
                                })}
                                <h4>"Mailboxes"</h4>
                                {if boxes.is_empty() {
                                    view! { <p class="muted">"No mailboxes on this host."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="boxes">
                                            {boxes.into_iter().map(|(addr, folders)| view! {
                                                <li>
                                                    <code>{addr}</code>": "
                                                    {folders.into_iter().map(|(f, n)| format!("{f} {n}")).collect::<Vec<_>>().join(" · ")}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </div>
                            <div class="hd-queue">
                                <h4>"Relay queue"</h4>
                                {if queue.is_empty() {
                                    view! { <p class="muted" data-testid="queue-empty">"Empty."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="queue" data-testid="queue-table">
                                            <thead><tr><th>"Id"</th><th>"From → to"</th><th>"Tries"</th><th>"Next attempt"</th><th>"Last error"</th></tr></thead>
                                            <tbody>
                                                {queue.into_iter().map(|(qid, from, rcpts, tries, next, err)| view! {
                                                    <tr data-testid="queue-row">
                                                        <td><code>{qid}</code></td>
                                                        <td>{if from.is_empty() { "<>".to_string() } else { from }}" → "{rcpts}</td>
                                                        <td>{tries}</td>
                                                        <td>{next}</td>
                                                        <td data-testid="queue-error">{err}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </div>
                        </div>
                    </div>
                }
                .into_any()
            }
        };
        body.into_any()
    }
}
