//! Details of the host clicked in the picture: services and ports, mailboxes, queue entries
//! (next attempt, last error), buttons to take it down or bring it up and to cut links, and
//! for mail servers the fault-rule editor and the strict/lenient switch (issue 15). On the live
//! page, the mailbox browser under them ([`super::mailbox_view`]).

use super::context::Ctx;
use super::model::time_text::{fmt_span, fmt_time};
use super::runtime;
use crate::relay::RcptState;
use leptos::prelude::*;

/// A relay queue row: id, sender, recipients, tries, next attempt, last error and that error's
/// status code in plain words.
type QueueRow = (String, String, String, u32, String, String, Option<String>);

#[derive(Clone, PartialEq)]
struct HostData {
    host: crate::net::Host,
    label: String,
    services: Vec<(u16, crate::sandbox::Service)>,
    boxes: Vec<(String, Vec<(String, usize)>)>,
    queue: Vec<QueueRow>,
    others: Vec<(crate::net::HostId, String, bool)>,
    /// MX records, for mail hosts (what their relay looks up).
    mx: Vec<String>,
}

#[component]
pub fn HostPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    move || {
        let Some(id) = ctx.picture.selected.get() else {
            return view! {
                <p class="hint" data-testid="host-hint">"Click a host (or focus it and press Enter) to see its services, mailboxes and queue, and to take it down."</p>
            }
            .into_any();
        };
        let data = Memo::new(move |_| {
            ctx.stepped.get();
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
                            e.last_error
                                .as_deref()
                                .and_then(crate::learn::enhanced::reason_meaning),
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
                // The live page only watches the bridge's world: no switches.
                let switches = !ctx.extras.live;
                let toggle_up = move |_| {
                    runtime::act(ctx, |w| w.set_host_up(id, !up));
                };
                view! {
                    <div class="host-details" data-testid="host-details" data-host=host.name.clone()>
                        <div class="hd-head">
                            <h3>{label}" — "<code>{host.name.clone()}</code>" "{host.addr.clone()}</h3>
                            <span class=if up { "state up" } else { "state down" } data-testid="host-state">
                                {if up { "up" } else { "down" }}
                            </span>
                            {switches.then(|| view! {
                                <button type="button" data-testid="toggle-host" on:click=toggle_up>
                                    {if up { "Take down" } else { "Bring up" }}
                                </button>
                            })}
                            <button type="button" class="close" aria-label="Close details" on:click=move |_| ctx.picture.selected.set(None)>"✕"</button>
                        </div>
                        {(switches && !services.is_empty()).then(|| view! { <FaultEditor id=id host=host.name.clone()/> })}
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
                                            runtime::act(ctx, |w| { let now = w.now(); w.net.set_link_cut(now, id, other, !cut) });
                                        };
                                        view! {
                                            <li>
                                                "to "<code>{name.clone()}</code>": "{if cut { "cut" } else { "ok" }}" "
                                                {switches.then(|| view! {
                                                    <button type="button" data-testid=format!("cut-{name}") on:click=flip>
                                                        {if cut { "Restore link" } else { "Cut link" }}
                                                    </button>
                                                })}
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
                                                {queue.into_iter().map(|(qid, from, rcpts, tries, next, err, meaning)| view! {
                                                    <tr data-testid="queue-row">
                                                        <td><code>{qid}</code></td>
                                                        <td>{if from.is_empty() { "<>".to_string() } else { from }}" → "{rcpts}</td>
                                                        <td>{tries}</td>
                                                        <td>{next}</td>
                                                        <td data-testid="queue-error">
                                                            {err}
                                                            {meaning.map(|m| view! { <br/><span class="muted">{m}</span> })}
                                                        </td>
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
        // The live page: the mailboxes browsable, a message's source and MIME tree (kept apart
        // from `body`, which is redrawn at every step, so what is open stays open).
        let browser = ctx.extras.host_extra.map(|extra| extra(id));
        view! { {body} {browser} }.into_any()
    }
}

/// The fault rules of a server host: add one (typed, or picked from the examples), see
/// a syntax error at its column, remove active ones; and the strict/lenient switch.
#[component]
fn FaultEditor(id: crate::net::HostId, host: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<(String, Option<usize>)>);
    let examples: Vec<&'static str> = crate::fault::EXAMPLES
        .iter()
        .copied()
        .filter(|e| e.starts_with(&format!("{host}:")) || e.starts_with("dns "))
        .collect();
    let add = move || {
        let rule = text.get_untracked();
        match runtime::act(ctx, |w| w.add_fault(&rule)) {
            Some(Ok(_)) => {
                error.set(None);
                text.set(String::new());
            }
            Some(Err(crate::sandbox::AddRuleError::Syntax(e))) => {
                error.set(Some((e.to_string(), Some(e.column))))
            }
            Some(Err(e)) => error.set(Some((e.to_string(), None))),
            None => {}
        }
    };
    let rules = move || {
        ctx.stepped.get();
        ctx.with(|w| {
            w.fault_rules_of(id)
                .into_iter()
                .map(|(n, r)| (n, r.text()))
                .collect::<Vec<_>>()
        })
    };
    let strict = move || {
        ctx.stepped.get();
        ctx.with(|w| w.is_strict(id))
    };
    view! {
        <div class="faults" data-testid="fault-editor">
            <h4>"Fault rules"</h4>
            <ul class="fault-rules" data-testid="fault-rules">
                {move || {
                    let list = rules();
                    if list.is_empty() {
                        return view! { <li class="muted">"None: this host behaves."</li> }.into_any();
                    }
                    list.into_iter().map(|(n, t)| view! {
                        <li data-testid="fault-rule">
                            <span class="rule-no">{format!("rule {n}")}</span>" "<code>{t}</code>" "
                            <button type="button" data-testid=format!("remove-fault-{n}") on:click=move |_| {
                                runtime::act(ctx, |w| { w.remove_fault(n); });
                            }>"Remove"</button>
                        </li>
                    }).collect_view().into_any()
                }}
            </ul>
            <div class="fault-add">
                <select data-testid="fault-example" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    if !v.is_empty() { text.set(v); error.set(None); }
                }>
                    <option value="">"Examples…"</option>
                    {examples.into_iter().map(|e| view! { <option value=e>{e}</option> }).collect_view()}
                </select>
                <input type="text" data-testid="fault-input" spellcheck="false"
                    placeholder=format!("{host}:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full")
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { add() }/>
                <button type="button" data-testid="fault-add" on:click=move |_| add()>"Add rule"</button>
            </div>
            {move || error.get().map(|(msg, column)| view! {
                <div class="fault-error" role="alert" data-testid="fault-error">
                    {column.map(|c| view! {
                        <pre class="caret">{text.get_untracked()}"\n"{" ".repeat(c.saturating_sub(1))}"^"</pre>
                    })}
                    <p>{msg}</p>
                </div>
            })}
            <label class="strict-toggle">
                <input type="checkbox" data-testid="strict-toggle" prop:checked=strict on:change=move |_| {
                    let now_strict = !ctx.with(|w| w.is_strict(id));
                    runtime::act(ctx, |w| w.set_strict(id, now_strict));
                }/>
                " Strict: refuse bare LF, addresses without <>, 8-bit headers without SMTPUTF8, pipelining without PIPELINING (lenient, the default, accepts them and says what a strict server would answer)"
            </label>
        </div>
    }
}
