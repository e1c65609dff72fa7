//! The network picture (SVG): the four hosts left to right as in the seed figure, the links
//! labelled with their protocol, mailboxes with counts on the mailbox hosts, the relay queue on
//! the MTA hosts, an envelope moving along a link in the direction of its bytes, and the
//! journey's hops written on the link or host they happen at ([`hops`]). Wide on desktops, a
//! compact strip on phones and in embeds ([`geo`]).

mod geo;
mod hops;

use super::context::Ctx;
use super::model::num::{decimals, num};
use super::model::time_text::fmt_span;
use crate::learn::tls_hops::is_link_locked;
use crate::net::HostId;
use crate::relay::RcptState;
use crate::sandbox::HostRole;
use geo::{Geo, Layout};
use leptos::prelude::*;

/// Below this page width the picture is drawn as a compact strip.
const NARROW_PX: f64 = 720.0;

fn is_narrow() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < NARROW_PX)
}

/// The protocol label of the link between neighbours `i` and `i + 1` of the default world.
fn link_label(i: usize, strip: bool) -> (&'static str, &'static str) {
    match (i, strip) {
        (0, false) => ("SMTP submission", ":587"),
        (1, false) => ("SMTP relay :25", "via MX lookup"),
        (2, false) => ("POP3 :110", "IMAP :143"),
        // A world with the backup MX draws it last: what it speaks is SMTP on 25, at MX 20.
        (_, false) => ("SMTP :25", "backup, MX 20"),
        (0, true) => ("SMTP", ":587"),
        (1, true) => ("SMTP :25", "by MX"),
        (2, true) => ("POP3/IMAP", ":110 :143"),
        (_, true) => ("SMTP :25", "MX 20"),
    }
}

/// A short name for a host in the strip ("Corporate SMTP host (mailboxes)" -> "Corp. SMTP").
fn short_label(label: &str) -> String {
    label
        .split(" (")
        .next()
        .unwrap_or(label)
        .replace("Corporate", "Corp.")
        .replace("Recipient's", "Recipient")
        .replace(" host", "")
}

#[derive(Clone)]
struct HostBox {
    id: HostId,
    idx: usize,
    name: String,
    addr: String,
    label: String,
    client: bool,
}

/// The picture; `compact` draws the strip whatever the width (embeds).
#[component]
pub fn NetworkPicture(#[prop(optional)] compact: bool) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let narrow = RwSignal::new(compact || is_narrow());
    let _resize = window_event_listener(leptos::ev::resize, move |_| {
        let now = compact || is_narrow();
        if narrow.get_untracked() != now {
            narrow.set(now);
        }
    });
    move || {
        // A replaced world may have other hosts (a tour or challenge with a backup MX).
        ctx.epoch.get();
        picture(ctx, narrow.get())
    }
}

/// The picture of the world's hosts as they are now.
fn picture(ctx: Ctx, narrow: bool) -> impl IntoView {
    let hosts: Vec<HostBox> = ctx.with(|w| {
        w.host_infos()
            .iter()
            .enumerate()
            .map(|(idx, info)| {
                let (name, addr) = w
                    .net
                    .host(info.id)
                    .map(|h| (h.name.clone(), h.addr.clone()))
                    .unwrap_or_default();
                HostBox {
                    id: info.id,
                    idx,
                    name,
                    addr,
                    label: info.label.clone(),
                    client: info.role == HostRole::Client,
                }
            })
            .collect()
    });
    let n = hosts.len();
    let places: Vec<(String, usize)> = hosts.iter().map(|h| (h.name.clone(), h.idx)).collect();
    {
        let geo = Geo {
            layout: if narrow { Layout::Strip } else { Layout::Wide },
            n,
        };
        let mut pairs = Vec::new();
        for a in &hosts {
            for b in &hosts {
                if a.idx < b.idx {
                    pairs.push((a.clone(), b.clone()));
                }
            }
        }
        let links = pairs
            .into_iter()
            .map(|(a, b)| link_view(ctx, a, b, geo))
            .collect_view();
        let boxes = hosts
            .iter()
            .cloned()
            .map(|h| host_view(ctx, h, geo))
            .collect_view();
        let panels = (!geo.is_strip()).then(|| {
            hosts
                .iter()
                .cloned()
                .map(|h| panel_view(ctx, h, geo))
                .collect_view()
        });
        view! {
            <div class="net-wrap" class:strip=geo.is_strip()>
                <svg
                    class="net"
                    class:strip=geo.is_strip()
                    viewBox=move || {
                        ctx.stepped.get();
                        // Room for the longest relay queue panel (it lists two entries at most).
                        let queued = ctx.with(|w| {
                            w.host_infos()
                                .iter()
                                .map(|h| {
                                    let name = w.net.host_name(h.id);
                                    w.queue.entries().filter(|e| e.host == name).count()
                                })
                                .max()
                                .unwrap_or(0)
                        });
                        geo.view_box(queued)
                    }
                    role="group"
                    aria-label="Network picture: sender's PC, ISP SMTP host, corporate SMTP host with the mailboxes, recipient's PC"
                    data-testid="network"
                    data-layout=if geo.is_strip() { "strip" } else { "horizontal" }
                >
                    {links}
                    {boxes}
                    {panels}
                    <hops::HopOverlay geo=geo places=places.clone() />
                </svg>
            </div>
        }
    }
}

fn link_view(ctx: Ctx, a: HostBox, b: HostBox, geo: Geo) -> impl IntoView {
    let adjacent = b.idx == a.idx + 1;
    let (ida, idb) = (a.id, b.id);
    // Straight between neighbours; an arc below the boxes for any other pair.
    let (path_ab, path_ba) = if adjacent {
        let ((x1, y1), (x2, y2)) = geo.wire(a.idx);
        let (x1, y1, x2, y2) = (num(x1), num(y1), num(x2), num(y2));
        (
            format!("M{x1} {y1} L{x2} {y2}"),
            format!("M{x2} {y2} L{x1} {y1}"),
        )
    } else {
        let ((x1, y1), (cx, cy), (x2, y2)) = geo.arc(a.idx, b.idx);
        let (x1, y1, cx, cy, x2, y2) = (num(x1), num(y1), num(cx), num(cy), num(x2), num(y2));
        (
            format!("M{x1} {y1} Q{cx} {cy} {x2} {y2}"),
            format!("M{x2} {y2} Q{cx} {cy} {x1} {y1}"),
        )
    };
    let lit = Memo::new(move |_| {
        let act = ctx.picture.active.get();
        let ab = act.iter().any(|x| {
            (x.client == ida && x.server == idb && x.to_server)
                || (x.client == idb && x.server == ida && !x.to_server)
        });
        let ba = act.iter().any(|x| {
            (x.client == idb && x.server == ida && x.to_server)
                || (x.client == ida && x.server == idb && !x.to_server)
        });
        (ab, ba)
    });
    let cut = Memo::new(move |_| {
        ctx.stepped.get();
        ctx.with(|w| w.net.is_link_cut(ida, idb))
    });
    // A lock while the link's newest drawn traffic went inside TLS (from the typed hops).
    let locked = Memo::new(move |_| {
        ctx.picture
            .drawn
            .with(|d| is_link_locked(d.iter().map(|s| &s.hop), ida, idb, |id| ctx.host_name(id)))
    });
    let visible = move || adjacent || cut.get() || lit.get().0 || lit.get().1;
    let class = move || {
        let (ab, ba) = lit.get();
        let mut c = String::from("link");
        if !adjacent {
            c.push_str(" direct");
        }
        if ab || ba {
            c.push_str(" active");
        }
        if cut.get() {
            c.push_str(" cut");
        }
        if !visible() {
            c.push_str(" hidden");
        }
        c
    };
    let testid = format!("link-{}-{}", a.name, b.name);
    let label = adjacent.then(|| {
        let (l1, l2) = link_label(a.idx, geo.is_strip());
        let (x, y1, y2) = geo.label(a.idx);
        view! {
            <text class="link-label" x=num(x) y=num(y1) text-anchor="middle">{l1}</text>
            <text class="link-label sub" x=num(x) y=num(y2) text-anchor="middle">{l2}</text>
        }
    });
    let envelope = move |path: String| {
        view! {
            <g class="envelope moving" aria-hidden="true">
                <rect x="-9" y="-6" width="18" height="12" rx="2"></rect>
                <path d="M-9 -6 L0 1 L9 -6"></path>
                <animateMotion dur="0.9s" repeatCount="indefinite" path=path></animateMotion>
            </g>
        }
    };
    let (lock_x, lock_y) = geo.link_mid(a.idx, b.idx);
    let (lock_x, lock_y) = (num(lock_x), num(lock_y));
    let lock_scale = decimals(geo.lane_font() / 17.0, 3);
    let lock = move || {
        locked.get().then(|| {
            view! {
                <g class="lock" data-testid="link-lock" transform=format!("translate({lock_x} {lock_y}) scale({lock_scale})")>
                    <title>"Encrypted: TLS on this link"</title>
                    <circle r="13"></circle>
                    <path class="shackle" d="M-4.5 -1 V-5 A4.5 4.5 0 0 1 4.5 -5 V-1" fill="none"></path>
                    <rect x="-6.5" y="-1.5" width="13" height="10" rx="2"></rect>
                </g>
            }
        })
    };
    let ab_path = path_ab.clone();
    let ba_path = path_ba;
    view! {
        <g class=class data-testid=testid data-active=move || (lit.get().0 || lit.get().1).to_string()
            data-cut=move || cut.get().to_string() data-locked=move || locked.get().to_string()>
            {label}
            <path class="wire" d=path_ab fill="none"></path>
            {move || lit.get().0.then(|| envelope(ab_path.clone()))}
            {move || lit.get().1.then(|| envelope(ba_path.clone()))}
            {lock}
        </g>
    }
}

fn host_view(ctx: Ctx, h: HostBox, geo: Geo) -> impl IntoView {
    let id = h.id;
    let (x, top) = geo.box_at(h.idx);
    let bw = geo.box_w();
    let up = Memo::new(move |_| {
        ctx.stepped.get();
        ctx.with(|w| w.net.is_up(id))
    });
    let selected = move || ctx.picture.selected.get() == Some(id);
    let focus_name = h.name.clone();
    let focused = move || ctx.picture.focus.with(|f| f.contains(&focus_name));
    let class = move || {
        format!(
            "host-box {}{}{}{}",
            if h.client { "client" } else { "server" },
            if up.get() { "" } else { " down" },
            if selected() { " selected" } else { "" },
            if focused() { " focus" } else { "" }
        )
    };
    let toggle = move || {
        ctx.picture
            .selected
            .update(|s| *s = if *s == Some(id) { None } else { Some(id) })
    };
    let cx = x + bw / 2.0;
    let (l1, l2) = match h.label.split_once(" (") {
        Some((a, b)) => (a.to_string(), format!("({b}")),
        None => (h.label.clone(), String::new()),
    };
    let strip = geo.is_strip();
    // What the box shows, in order, as a sentence (its accessible name, below).
    let shown_text = if strip {
        format!(
            "{} {}",
            short_label(&h.label),
            h.name.split('.').next().unwrap_or("")
        )
    } else {
        [l1.as_str(), l2.as_str(), h.name.as_str(), h.addr.as_str()]
            .iter()
            .filter(|t| !t.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let counts_name = h.name.clone();
    // In the strip the mailbox and queue counts go inside the box.
    let counts = move || {
        ctx.stepped.get();
        ctx.with(|w| {
            let boxes: Vec<(String, usize)> = w
                .store
                .accounts_on_host(&counts_name)
                .map(|a| {
                    let n = w
                        .store
                        .folder(&a.address, "INBOX")
                        .map(|f| f.len())
                        .unwrap_or(0);
                    (a.address.split('@').next().unwrap_or("").to_string(), n)
                })
                .collect();
            let queued = w.queue.entries().filter(|e| e.host == counts_name).count();
            (boxes, queued)
        })
    };
    // The fault-rule and strict marks drawn on the box (issue 15).
    let marks = move || {
        ctx.stepped.get();
        let (rules, strict) = ctx.with(|w| (w.fault_rules_of(id).len(), w.is_strict(id)));
        let mut marks = Vec::new();
        if rules > 0 {
            marks.push(format!(
                "⚡{rules} rule{}",
                if rules == 1 { "" } else { "s" }
            ));
        }
        if strict {
            marks.push("strict".to_string());
        }
        marks
    };
    // The accessible name: the visible text in the order it is drawn, so a person who says
    // what they see ("Sender's PC (home) pc.home.example 192.0.2.10") to voice control can
    // press the box (WCAG 2.5.3, Label in Name); aria-pressed says it shows details. The
    // texts below are separated by spaces (text nodes SVG does not draw) so that their words
    // do not run together for tools that read the content ("PC(home)pc.home.example").
    let name_counts = counts.clone();
    let is_server_box = !h.client;
    let accessible_name = move || {
        let mut parts = vec![shown_text.clone()];
        if strip {
            let (boxes, queued) = name_counts();
            parts.extend(
                boxes
                    .into_iter()
                    .take(2)
                    .map(|(user, n)| format!("✉{user} {n}")),
            );
            if is_server_box && queued > 0 {
                parts.push(format!("queue {queued}"));
            }
        }
        if !up.get() {
            parts.push("✖ DOWN".to_string());
        }
        let marks = marks();
        if !marks.is_empty() {
            parts.push(marks.join(" · "));
        }
        parts.join(" ")
    };
    let body = if strip {
        let short = short_label(&h.label);
        let is_server = !h.client;
        view! {
            <text class="hl" x=num(cx) y=num(top + 72.0) text-anchor="middle">{short}</text>" "
            <text class="hn" x=num(cx) y=num(top + 104.0) text-anchor="middle"><tspan data-testid="host-name">{h.name.split('.').next().unwrap_or("").to_string()}</tspan></text>" "
            <text class="hc" x=num(cx) y=num(top + 136.0) text-anchor="middle" data-testid="host-counts">
                {move || {
                    let (boxes, queued) = counts();
                    let mail = boxes.into_iter().take(2).map(|(user, n)| {
                        let testid = format!("mbox-{user}");
                        view! {
                            <tspan data-testid=testid>"✉"{user}" "<tspan class="count">{n}</tspan>" "</tspan>
                        }
                    }).collect_view();
                    (mail, (is_server && queued > 0).then(|| format!("queue {queued}")))
                }}
            </text>" "
        }
        .into_any()
    } else {
        view! {
            <text class="hl" x=num(cx) y=num(top + 50.0) text-anchor="middle">{l1}</text>" "
            <text class="hl2" x=num(cx) y=num(top + 66.0) text-anchor="middle">{l2}</text>" "
            <text class="hn" x=num(cx) y=num(top + 86.0) text-anchor="middle"><tspan data-testid="host-name">{h.name.clone()}</tspan></text>" "
            <text class="ha" x=num(cx) y=num(top + 104.0) text-anchor="middle">{h.addr.clone()}</text>" "
        }
        .into_any()
    };
    let bh = geo.box_h();
    view! {
        <g
            class=class
            role="button"
            tabindex="0"
            aria-label=accessible_name
            aria-pressed=move || selected().to_string()
            data-testid="host-card"
            data-host=h.name.clone()
            data-up=move || up.get().to_string()
            on:click=move |_| toggle()
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    toggle();
                }
            }
        >
            <rect x=num(x) y=num(top) width=num(bw) height=num(bh) rx="10"></rect>
            {icon(h.client, cx, top + 8.0, if strip { 1.5 } else { 1.0 })}
            {body}
            {move || (!up.get()).then(|| view! {
                <text class="down-badge" x=num(cx) y=num(top - 6.0) text-anchor="middle">"✖ DOWN"</text>" "
            })}
            // Active fault rules and strict mode, marked on the host (issue 15).
            {move || {
                let marks = marks();
                (!marks.is_empty()).then(|| view! {
                    <text class="rule-badge" x=num(x + bw - 6.0) y=num(top + 18.0) text-anchor="end" data-testid="rule-badge">{marks.join(" · ")}</text>
                })
            }}
        </g>
    }
}

/// Mailboxes and the relay queue, drawn under a host.
fn panel_view(ctx: Ctx, h: HostBox, geo: Geo) -> impl IntoView {
    let (x, panel_top, w) = geo.panel(h.idx);
    let name = h.name.clone();
    let data = move || {
        ctx.stepped.get();
        ctx.with(|wd| {
            let mut rows: Vec<(String, String, &'static str)> = Vec::new();
            let boxes: Vec<_> = wd.store.accounts_on_host(&name).collect();
            if !boxes.is_empty() {
                rows.push(("Mailboxes".into(), String::new(), "title"));
                for a in boxes {
                    let inbox = wd
                        .store
                        .folder(&a.address, "INBOX")
                        .map(|f| f.len())
                        .unwrap_or(0);
                    rows.push((
                        format!("✉ {}", a.address.split('@').next().unwrap_or("")),
                        inbox.to_string(),
                        "mbox",
                    ));
                }
            }
            let q: Vec<_> = wd.queue.entries().filter(|e| e.host == name).collect();
            let role_server = !h.client;
            if role_server {
                rows.push((
                    format!("Relay queue: {}", q.len()),
                    String::new(),
                    "title q",
                ));
                for e in q.iter().take(2) {
                    let to: Vec<&str> = e
                        .recipients
                        .iter()
                        .filter(|r| !matches!(r.state, RcptState::Delivered))
                        .map(|r| r.address.as_str())
                        .collect();
                    let when = fmt_span(e.next_attempt.saturating_since(wd.now()));
                    rows.push((
                        format!("✉ → {}", to.join(", ")),
                        format!("try {} · next {when}", e.attempts + 1),
                        "qe",
                    ));
                }
            }
            rows
        })
    };
    let host = h.name.clone();
    view! {
        <g class="panel" data-testid=format!("panel-{host}")>
            {move || {
                let rows = data();
                if rows.is_empty() {
                    return ().into_any();
                }
                let height = 12.0 + rows.len() as f64 * 20.0;
                let mut y = panel_top + 4.0;
                let items = rows
                    .into_iter()
                    .map(|(a, b, kind)| {
                        y += 20.0;
                        let testid = match kind {
                            "mbox" => format!("mbox-{}", a.trim_start_matches("✉ ")),
                            "title q" => "queue-count".to_string(),
                            "qe" => "queue-entry".to_string(),
                            _ => String::new(),
                        };
                        let qe = kind == "qe";
                        view! {
                            <text class=format!("row {kind}") x=num(x + 10.0) y=num(y) data-testid=testid>
                                {a}
                                {(!b.is_empty() && !qe).then(|| view! { <tspan class="count" x=num(x + w - 10.0) text-anchor="end">{b.clone()}</tspan> })}
                            </text>
                            {qe.then(|| { y += 16.0; view! { <text class="row qd" x=num(x + 22.0) y=num(y)>{b}</text> } })}
                        }
                    })
                    .collect_view();
                let height = height + (y - panel_top - 4.0 - (height - 12.0)).max(0.0);
                view! {
                    <rect class="panel-bg" x=num(x) y=num(panel_top) width=num(w) height=num(height) rx="8"></rect>
                    {items}
                }
                .into_any()
            }}
        </g>
    }
}

/// A small drawing of a PC (monitor on a stand) or a server (a rack of units), `scale` times
/// its size.
fn icon(client: bool, cx: f64, top: f64, scale: f64) -> impl IntoView {
    let transform = format!(
        "translate({} {}) scale({}) translate({} {})",
        num(cx),
        num(top),
        decimals(scale, 2),
        num(-cx),
        num(-top)
    );
    let drawing = if client {
        view! {
            <g class="icon" aria-hidden="true">
                <rect x=num(cx - 14.0) y=num(top) width="28" height="18" rx="2"></rect>
                <path d=format!("M{} {} l0 5 M{} {} l12 0", num(cx), num(top + 18.0), num(cx - 6.0), num(top + 23.0))></path>
            </g>
        }
        .into_any()
    } else {
        view! {
            <g class="icon" aria-hidden="true">
                <rect x=num(cx - 12.0) y=num(top) width="24" height="7" rx="1.5"></rect>
                <rect x=num(cx - 12.0) y=num(top + 8.5) width="24" height="7" rx="1.5"></rect>
                <rect x=num(cx - 12.0) y=num(top + 17.0) width="24" height="7" rx="1.5"></rect>
            </g>
        }
        .into_any()
    };
    view! { <g transform=transform>{drawing}</g> }
}
