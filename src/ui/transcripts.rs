//! Every connection the trace holds, each expandable to its `C:`/`S:` lines with virtual
//! timestamps (secrets masked), copy and download as .txt; and a sequence diagram of the
//! chosen connections: a column per host, an arrow per line in time order.

use super::context::Ctx;
use super::dom;
use super::eavesdrop::Eavesdropper;
use super::model::time_text::fmt_time;
use crate::learn::annotate::explain_lines;
use crate::net::{ConnId, HostId};
use crate::ordered::SortedSet;
use crate::sandbox::{ConnSummary, Service, Speaker, TranscriptLine};
use leptos::prelude::*;

/// The protocol's name, from the service the connection reached ("TCP" when it reached none).
fn proto_name(c: &ConnSummary) -> &'static str {
    c.service.map_or("TCP", Service::label)
}

/// Diagram rows shown at most.
const MAX_ROWS: usize = 600;
/// Connections drawn when none is chosen (the newest).
const ALL_CONNS: usize = 30;

/// The "Transcripts" pane every full page shows (the sandbox, a tour, the live page).
#[component]
pub fn TranscriptPane() -> impl IntoView {
    view! {
        <section class="pane transcript-pane" aria-labelledby="tr-h">
            <h2 id="tr-h">"Transcripts"</h2>
            <Transcripts/>
        </section>
    }
}

#[component]
pub fn Transcripts() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // Re-read only when the trace grew.
    let total = Memo::new(move |_| {
        ctx.stepped.get();
        ctx.with(|w| (w.net.trace.total, w.net.trace.discarded))
    });
    let conns = Memo::new(move |_| {
        let _ = total.get();
        ctx.with(|w| w.connections_seen())
    });
    let chosen: RwSignal<SortedSet<ConnId>> = RwSignal::new(SortedSet::new());
    let hosts: Vec<(HostId, String)> = ctx.with(|w| {
        w.host_infos()
            .iter()
            .map(|i| (i.id, w.net.host_name(i.id).to_string()))
            .collect()
    });
    let col_of = {
        let hosts = hosts.clone();
        move |h: HostId| hosts.iter().position(|(id, _)| *id == h).unwrap_or(0)
    };
    let ncols = hosts.len().max(1);
    let rows = Memo::new(move |_| {
        let _ = total.get();
        let pick = chosen.get();
        let list = conns.get();
        let use_all = pick.is_empty();
        ctx.with(|w| {
            let mut rows: Vec<(ConnSummary, usize, TranscriptLine)> = Vec::new();
            // All: the newest connections only, to keep the diagram quick to draw.
            let skip = if use_all {
                list.len().saturating_sub(ALL_CONNS)
            } else {
                0
            };
            for c in list
                .iter()
                .skip(skip)
                .filter(|c| use_all || pick.contains(&c.conn))
            {
                for (i, l) in w.transcript(c.conn, true).into_iter().enumerate() {
                    rows.push((c.clone(), i, l));
                }
            }
            crate::sorting::sort_by_key(&mut rows, |(c, _, l)| (l.at, c.opened));
            // Chosen connections: from their start; all: the newest.
            let n = rows.len();
            if n > MAX_ROWS {
                if use_all {
                    rows.drain(..n - MAX_ROWS);
                } else {
                    rows.truncate(MAX_ROWS);
                }
            }
            rows
        })
    });
    // Subjects of messages sent over SMTP, to pick a message's whole journey.
    let subjects = Memo::new(move |_| {
        let _ = total.get();
        let list = conns.get();
        ctx.with(|w| {
            let mut out: Vec<String> = Vec::new();
            for c in list
                .iter()
                .filter(|c| matches!(c.service, Some(Service::Smtp | Service::Submission)))
            {
                for l in w.transcript(c.conn, true) {
                    if l.speaker == Speaker::Client {
                        if let Some(s) = l.text().strip_prefix("Subject: ") {
                            if !out.iter().any(|x| x == s) {
                                out.push(s.to_string());
                            }
                        }
                    }
                }
            }
            out
        })
    });
    let pick_journey = move |subject: String| {
        if subject.is_empty() {
            chosen.set(SortedSet::new());
            return;
        }
        let want = format!("Subject: {subject}");
        let list = conns.get_untracked();
        let picked = ctx.with(|w| {
            crate::sorting::set_of(
                list.iter()
                    .filter(|c| w.transcript(c.conn, false).iter().any(|l| l.text() == want))
                    .map(|c| c.conn),
            )
        });
        chosen.set(picked);
    };
    let head = hosts
        .iter()
        .map(|(_, n)| view! { <div class="seq-host" role="columnheader">{n.clone()}</div> })
        .collect_view();
    let col = col_of.clone();
    let conn_list = move || conns.get().into_iter().rev().collect::<Vec<_>>();
    view! {
        <div class="tr-grid">
            <div class="tr-list">
                <h3>"Connections"</h3>
                <p class="hint">"Tick connections to draw them in the sequence diagram (none ticked: all)."</p>
                {move || conns.with(|c| c.is_empty()).then(|| view! { <p class="muted">"No connection yet."</p> })}
                <ul class="conns" data-testid="conn-list">
                    <For each=conn_list key=|c| c.conn let:c>
                        <ConnRow c=c chosen=chosen conns=conns trace=total/>
                    </For>
                </ul>
            </div>
            <div class="tr-seq">
                <h3>"Sequence diagram"</h3>
                <label class="journey">"Journey of a message: "
                    <select data-testid="journey-select" on:change=move |ev| pick_journey(event_target_value(&ev))>
                        <option value="">"(the ticked connections, or all)"</option>
                        {move || subjects.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                    </select>
                </label>
                <div class="seq" role="table" aria-label="Sequence diagram: one row per line, arrows between hosts" data-testid="seq">
                    <div class="seq-row seq-head" role="row" style=format!("grid-template-columns: 5.5rem repeat({ncols}, 1fr)")>
                        <div class="seq-time" role="columnheader">"time"</div>
                        {head}
                    </div>
                    // Keyed rows: a line already drawn is not drawn again when the trace grows.
                    <For each=move || rows.get() key=|(c, i, l)| (c.conn, *i, l.at) children=move |(c, _, l)| {
                            let (a, b) = (col(c.client), col(c.server));
                            let (lo, hi) = (a.min(b), a.max(b));
                            let span = hi - lo + 1;
                            let rightward = match l.speaker {
                                Speaker::Client => b >= a,
                                Speaker::Server => a >= b,
                                Speaker::Net => true,
                            };
                            let cls = match l.speaker {
                                Speaker::Client => "arrow c",
                                Speaker::Server => "arrow s",
                                Speaker::Net => "arrow n",
                            };
                            let dir = if l.speaker == Speaker::Net { "" } else if rightward { "→ " } else { "← " };
                            let cls = format!("{cls}{}", if rightward { " right" } else { " left" });
                            // The wire runs between the two hosts' lifelines; its label may use
                            // the room beyond, on the side the bytes travel to.
                            let wire = format!("margin: 0 calc(100% / {})", span * 2);
                            let (label_cols, label_pad) = match (l.speaker, rightward) {
                                (Speaker::Net, _) => (format!("{} / {}", lo + 2, hi + 3), String::new()),
                                (_, true) => (
                                    format!("{} / {}", lo + 2, ncols + 2),
                                    format!("padding-left: calc(100% / {})", (ncols - lo) * 2),
                                ),
                                (_, false) => (
                                    format!("2 / {}", hi + 3),
                                    format!("padding-right: calc(100% / {})", (hi + 1) * 2),
                                ),
                            };
                            let text = format!("{dir}{}", l.text());
                            let title = format!("{} {}:{} {}", c.conn, proto_name(&c), c.port, l.text());
                            view! {
                                <div class="seq-row" role="row" style=format!("grid-template-columns: 5.5rem repeat({ncols}, 1fr)")>
                                    <div class="seq-time" role="cell">{fmt_time(l.at)}</div>
                                    <div class="seq-cell" aria-hidden="true" style=format!("grid-column: {} / {}; grid-row: 1", lo + 2, hi + 3)>
                                        <div class=format!("wire {cls}") style=wire></div>
                                    </div>
                                    <div class=format!("seq-label {cls}") role="cell" style=format!("grid-column: {label_cols}; grid-row: 1; {label_pad}")
                                        title=title data-testid="seq-arrow">{text}</div>
                                </div>
                            }
                    }/>
                </div>
            </div>
        </div>
    }
}

#[component]
fn ConnRow(
    c: ConnSummary,
    chosen: RwSignal<SortedSet<ConnId>>,
    conns: Memo<Vec<ConnSummary>>,
    /// How much the trace holds: an open transcript is read again only when it grew.
    trace: Memo<(u64, u64)>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let conn = c.conn;
    let open = RwSignal::new(false);
    let service = c.service;
    let (client, server) = ctx.with(|w| {
        (
            w.net.host_name(c.client).to_string(),
            w.net.host_name(c.server).to_string(),
        )
    });
    let lines = Memo::new(move |_| {
        if !open.get() {
            return Vec::new();
        }
        trace.track();
        // The explanations arrive after the first paint (issue 29).
        super::learn_data::track();
        ctx.with(|w| {
            let lines = w.transcript(conn, true);
            // What each line means, from the connection's typed records.
            let protocol = service.and_then(|s| s.protocol());
            let notes = explain_lines(protocol, w.records_of(conn), &lines);
            lines
                .into_iter()
                .zip(notes)
                .enumerate()
                .map(|(i, (l, explained))| {
                    let mark = w.gate_mark_for(conn, &l).map(|m| m.describe());
                    (i, l, mark, explained.note.unwrap_or_default())
                })
                .collect::<Vec<_>>()
        })
    });
    let bytes = Memo::new(move |_| {
        conns
            .with(|l| l.iter().find(|x| x.conn == conn).map(|x| x.bytes))
            .unwrap_or(0)
    });
    let title = format!(
        "{} {} {} → {}:{}",
        conn,
        proto_name(&c),
        client,
        server,
        c.port
    );
    let file = format!(
        "transcript-{}-{}-{}.txt",
        conn.0,
        proto_name(&c).to_lowercase(),
        server
    );
    view! {
        <li class="conn" data-testid="conn" data-port=c.port.to_string()>
            <div class="conn-head">
                <input type="checkbox" aria-label=format!("Draw {title} in the diagram")
                    prop:checked=move || chosen.with(|s| s.contains(&conn))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        chosen.update(|s| { if on { s.insert(conn); } else { s.remove(&conn); } });
                    }/>
                <button type="button" class="conn-toggle" aria-expanded=move || open.get().to_string()
                    data-testid="conn-toggle" on:click=move |_| open.update(|o| *o = !*o)>
                    {if open.get_untracked() { "▾ " } else { "▸ " }}{title.clone()}
                </button>
                <span class="muted">" "{fmt_time(c.opened)}" · "{move || bytes.get()}" bytes"</span>
            </div>
            {move || open.get().then(|| {
                let file = file.clone();
                view! {
                    <div class="conn-body">
                        <div class="conn-actions">
                            <button type="button" data-testid="copy-transcript" on:click=move |_| {
                                dom::copy_text(&ctx.with(|w| w.transcript_text(conn, true)));
                            }>"Copy"</button>
                            <button type="button" data-testid="download-transcript" on:click=move |_| {
                                let text = ctx.with(|w| w.transcript_text(conn, true));
                                dom::download(&file, "text/plain", text.as_bytes());
                            }>"Download .txt"</button>
                        </div>
                        <ol class="transcript" data-testid="transcript">
                            // Keyed: the lines already drawn stay as they are when more arrive.
                            <For each=move || lines.get() key=|(i, l, mark, _)| (*i, l.at, mark.is_some()) children=move |(_, l, mark, note)| {
                                let (cls, tag) = match l.speaker {
                                    Speaker::Client => ("c", "C:"),
                                    Speaker::Server => ("s", "S:"),
                                    Speaker::Net => ("n", "--"),
                                };
                                view! {
                                    <li class=cls data-testid=format!("tr-{cls}") title=note>
                                        <span class="t">{format!("[{:>5}.{:03}s]", l.at.as_millis() / 1000, l.at.as_millis() % 1000)}</span>
                                        " "<b>{tag}</b>" "{l.text().into_owned()}
                                        {mark.map(|m| view! { <small class="mark" data-testid="tr-mark">" "{m}</small> })}
                                    </li>
                                }
                            }/>
                        </ol>
                        <Eavesdropper conn=conn trace=trace/>
                    </div>
                }
            })}
        </li>
    }
}
