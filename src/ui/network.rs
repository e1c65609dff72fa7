//! The network picture (SVG): the four hosts left to right as in the seed figure, the links
//! labelled with their protocol, mailboxes with counts on the mailbox hosts, the relay queue on
//! the MTA hosts, and an envelope moving along a link in the direction of its bytes.

use super::app::Ctx;
use super::clock::fmt_span;
use crate::net::HostId;
use crate::relay::RcptState;
use crate::sandbox::HostRole;
use leptos::prelude::*;

const W: f64 = 1000.0;
const BOX_W: f64 = 176.0;
const BOX_TOP: f64 = 58.0;
const BOX_H: f64 = 118.0;
const LINK_Y: f64 = 117.0;
const PANEL_TOP: f64 = 240.0;
/// Vertical layout (phones): box column and row pitch.
const V_X: f64 = 44.0;
const V_W: f64 = 196.0;
const V_TOP: f64 = 34.0;
const V_PITCH: f64 = 204.0;
/// Below this page width the picture stacks the hosts top to bottom.
const NARROW_PX: f64 = 640.0;

/// Where things go: left to right (desktop) or top to bottom (phones).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Geo {
    vertical: bool,
    n: usize,
}

impl Geo {
    fn view_box(&self) -> String {
        if self.vertical {
            format!(
                "0 0 440 {}",
                V_TOP + V_PITCH * self.n.saturating_sub(1) as f64 + 170.0
            )
        } else {
            "0 0 1000 400".into()
        }
    }
    fn box_w(&self) -> f64 {
        if self.vertical {
            V_W
        } else {
            BOX_W
        }
    }
    /// Top-left corner of host `i`'s box.
    fn box_at(&self, i: usize) -> (f64, f64) {
        if self.vertical {
            (V_X, V_TOP + V_PITCH * i as f64)
        } else {
            let slot = W / self.n.max(1) as f64;
            (slot * i as f64 + slot / 2.0 - BOX_W / 2.0, BOX_TOP)
        }
    }
    fn center(&self, i: usize) -> (f64, f64) {
        let (x, y) = self.box_at(i);
        (x + self.box_w() / 2.0, y + BOX_H / 2.0)
    }
    /// The straight wire between neighbours `i` and `i + 1`.
    fn wire(&self, i: usize) -> ((f64, f64), (f64, f64)) {
        let (xa, ya) = self.box_at(i);
        let (xb, yb) = self.box_at(i + 1);
        if self.vertical {
            let x = xa + V_W / 2.0;
            ((x, ya + BOX_H), (x, yb))
        } else {
            ((xa + BOX_W, LINK_Y), (xb, LINK_Y))
        }
    }
    /// The curve between two hosts that are not neighbours.
    fn arc(&self, a: usize, b: usize) -> ((f64, f64), (f64, f64), (f64, f64)) {
        let (ca, cb) = (self.center(a), self.center(b));
        let k = (b - a) as f64;
        if self.vertical {
            (
                (V_X, ca.1),
                (V_X - 20.0 - 18.0 * k, (ca.1 + cb.1) / 2.0),
                (V_X, cb.1),
            )
        } else {
            let y0 = BOX_TOP + BOX_H;
            let depth = 24.0 + 10.0 * k;
            (
                (ca.0, y0),
                ((ca.0 + cb.0) / 2.0, y0 + depth * 2.0),
                (cb.0, y0),
            )
        }
    }
    /// Where the two label lines of link `i` go, and their anchor.
    fn label(&self, i: usize) -> (f64, f64, f64, &'static str) {
        if self.vertical {
            let ((x, y1), (_, y2)) = self.wire(i);
            (
                x + 12.0,
                (y1 + y2) / 2.0 - 4.0,
                (y1 + y2) / 2.0 + 14.0,
                "start",
            )
        } else {
            let mx = (self.center(i).0 + self.center(i + 1).0) / 2.0;
            (mx, 26.0, 44.0, "middle")
        }
    }
    /// Top-left and width of the mailbox/queue panel of host `i`.
    fn panel(&self, i: usize) -> (f64, f64, f64) {
        if self.vertical {
            let (_, y) = self.box_at(i);
            (V_X + V_W + 8.0, y, 440.0 - (V_X + V_W + 8.0) - 4.0)
        } else {
            let (x, _) = self.box_at(i);
            (x - 8.0, PANEL_TOP, BOX_W + 16.0)
        }
    }
}

fn is_narrow() -> bool {
    web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w < NARROW_PX)
}

/// The protocol label of the link between neighbours `i` and `i + 1` of the default world.
fn link_label(i: usize) -> (&'static str, &'static str) {
    match i {
        0 => ("SMTP submission", ":587"),
        1 => ("SMTP relay :25", "via MX lookup"),
        _ => ("POP3 :110", "IMAP :143"),
    }
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

#[component]
pub fn NetworkPicture() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
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
    let narrow = RwSignal::new(is_narrow());
    let _resize = window_event_listener(leptos::ev::resize, move |_| {
        let now = is_narrow();
        if narrow.get_untracked() != now {
            narrow.set(now);
        }
    });
    move || {
        let geo = Geo {
            vertical: narrow.get(),
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
        let panels = hosts
            .iter()
            .cloned()
            .map(|h| panel_view(ctx, h, geo))
            .collect_view();
        view! {
            <div class="net-wrap" class:vertical=geo.vertical>
                <svg
                    class="net"
                    viewBox=geo.view_box()
                    role="group"
                    aria-label="Network picture: sender's PC, ISP SMTP host, corporate SMTP host with the mailboxes, recipient's PC"
                    data-testid="network"
                    data-layout=if geo.vertical { "vertical" } else { "horizontal" }
                >
                    {links}
                    {boxes}
                    {panels}
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
        (
            format!("M{x1} {y1} L{x2} {y2}"),
            format!("M{x2} {y2} L{x1} {y1}"),
        )
    } else {
        let ((x1, y1), (cx, cy), (x2, y2)) = geo.arc(a.idx, b.idx);
        (
            format!("M{x1} {y1} Q{cx} {cy} {x2} {y2}"),
            format!("M{x2} {y2} Q{cx} {cy} {x1} {y1}"),
        )
    };
    let lit = Memo::new(move |_| {
        let act = ctx.active.get();
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
        ctx.tick.get();
        ctx.with(|w| w.net.is_link_cut(ida, idb))
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
        let (l1, l2) = link_label(a.idx);
        let (x, y1, y2, anchor) = geo.label(a.idx);
        view! {
            <text class="link-label" x=x y=y1 text-anchor=anchor>{l1}</text>
            <text class="link-label sub" x=x y=y2 text-anchor=anchor>{l2}</text>
        }
    });
    let envelope = move |path: String| {
        view! {
            <g class="envelope" aria-hidden="true">
                <rect x="-9" y="-6" width="18" height="12" rx="2"></rect>
                <path d="M-9 -6 L0 1 L9 -6"></path>
                <animateMotion dur="0.9s" repeatCount="indefinite" path=path></animateMotion>
            </g>
        }
    };
    let ab_path = path_ab.clone();
    let ba_path = path_ba;
    view! {
        <g class=class data-testid=testid data-active=move || (lit.get().0 || lit.get().1).to_string()
            data-cut=move || cut.get().to_string()>
            {label}
            <path class="wire" d=path_ab fill="none"></path>
            {move || lit.get().0.then(|| envelope(ab_path.clone()))}
            {move || lit.get().1.then(|| envelope(ba_path.clone()))}
        </g>
    }
}

fn host_view(ctx: Ctx, h: HostBox, geo: Geo) -> impl IntoView {
    let id = h.id;
    let (x, top) = geo.box_at(h.idx);
    let bw = geo.box_w();
    let up = Memo::new(move |_| {
        ctx.tick.get();
        ctx.with(|w| w.net.is_up(id))
    });
    let selected = move || ctx.selected.get() == Some(id);
    let class = move || {
        format!(
            "host-box {}{}{}",
            if h.client { "client" } else { "server" },
            if up.get() { "" } else { " down" },
            if selected() { " selected" } else { "" }
        )
    };
    let toggle = move || {
        ctx.selected
            .update(|s| *s = if *s == Some(id) { None } else { Some(id) })
    };
    let cx = x + bw / 2.0;
    let aria = format!("{}: {} ({}). Show details", h.label, h.name, h.addr);
    let (l1, l2) = match h.label.split_once(" (") {
        Some((a, b)) => (a.to_string(), format!("({b}")),
        None => (h.label.clone(), String::new()),
    };
    view! {
        <g
            class=class
            role="button"
            tabindex="0"
            aria-label=aria
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
            <rect x=x y=top width=bw height=BOX_H rx="10"></rect>
            {icon(h.client, cx, top + 8.0)}
            <text class="hl" x=cx y=top + 50.0 text-anchor="middle">{l1}</text>
            <text class="hl2" x=cx y=top + 66.0 text-anchor="middle">{l2}</text>
            <text class="hn" x=cx y=top + 86.0 text-anchor="middle"><tspan data-testid="host-name">{h.name.clone()}</tspan></text>
            <text class="ha" x=cx y=top + 104.0 text-anchor="middle">{h.addr.clone()}</text>
            {move || (!up.get()).then(|| view! {
                <text class="down-badge" x=cx y=top - 6.0 text-anchor="middle">"✖ DOWN"</text>
            })}
        </g>
    }
}

/// Mailboxes and the relay queue, drawn under a host.
fn panel_view(ctx: Ctx, h: HostBox, geo: Geo) -> impl IntoView {
    let (x, panel_top, w) = geo.panel(h.idx);
    let name = h.name.clone();
    let data = move || {
        ctx.tick.get();
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
                            <text class=format!("row {kind}") x=x + 10.0 y=y data-testid=testid>
                                {a}
                                {(!b.is_empty() && !qe).then(|| view! { <tspan class="count" x=x + w - 10.0 text-anchor="end">{b.clone()}</tspan> })}
                            </text>
                            {qe.then(|| { y += 16.0; view! { <text class="row qd" x=x + 22.0 y=y>{b}</text> } })}
                        }
                    })
                    .collect_view();
                let height = height + (y - panel_top - 4.0 - (height - 12.0)).max(0.0);
                view! {
                    <rect class="panel-bg" x=x y=panel_top width=w height=height rx="8"></rect>
                    {items}
                }
                .into_any()
            }}
        </g>
    }
}

/// A small drawing of a PC (monitor on a stand) or a server (a rack of units).
fn icon(client: bool, cx: f64, top: f64) -> impl IntoView {
    if client {
        view! {
            <g class="icon" aria-hidden="true">
                <rect x=cx - 14.0 y=top width="28" height="18" rx="2"></rect>
                <path d=format!("M{} {} l0 5 M{} {} l12 0", cx, top + 18.0, cx - 6.0, top + 23.0)></path>
            </g>
        }
        .into_any()
    } else {
        view! {
            <g class="icon" aria-hidden="true">
                <rect x=cx - 12.0 y=top width="24" height="7" rx="1.5"></rect>
                <rect x=cx - 12.0 y=top + 8.5 width="24" height="7" rx="1.5"></rect>
                <rect x=cx - 12.0 y=top + 17.0 width="24" height="7" rx="1.5"></rect>
            </g>
        }
        .into_any()
    }
}
