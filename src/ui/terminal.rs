//! Terminals, like `telnet mx.corp.example 25`: pick the host to connect from, type
//! `host port`, then type lines; Enter sends the line with CRLF. Several terminals in tabs, a
//! live protocol-state badge, history on the arrow keys and a base64 helper for AUTH PLAIN.

use super::context::Ctx;
use super::runtime::step_world;
use super::tour::diagram::StateDiagram;
use crate::learn::annotate::explain_lines;
use crate::net::{ConnId, HostId};
use crate::proto::record::{Protocol, Record};
use crate::proto::ProtocolState;
use crate::sandbox::{EndpointState, FaultAction, GateMark, GateMarkKind, Speaker, TranscriptLine};
use crate::time::Instant;
use crate::wire::assemble::LineAssembler;
use crate::wire::sasl::b64_encode;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Client,
    Server,
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct OutLine {
    kind: Kind,
    text: String,
    /// Where a client or server line starts in its sender's byte stream (the key to the
    /// connection's typed records).
    offset: Option<u64>,
}

/// Where the terminal's connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Not tried yet.
    Opening,
    NotConnected,
    Connected,
    Closed,
    Reset,
}

/// The terminal's state, typed: the link and the server session's protocol state (the last
/// one stays after the link ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TermState {
    link: Link,
    proto: Option<ProtocolState>,
}

impl TermState {
    /// The badge: "POP3 Update (closed)" after "POP3 Update"; plain "closed" when no protocol
    /// state was seen.
    fn label(self) -> String {
        let how = match self.link {
            Link::Opening => return String::new(),
            Link::NotConnected => return "not connected".into(),
            Link::Connected => None,
            Link::Closed => Some("closed"),
            Link::Reset => Some("reset"),
        };
        match (self.proto, how) {
            (None, None) => "connected".into(),
            (Some(p), None) => p.label().to_string(),
            (None, Some(how)) => how.into(),
            (Some(p), Some(how)) => format!("{} ({how})", p.label()),
        }
    }
}

#[derive(Clone, Copy)]
struct Term {
    id: u32,
    conn: Option<ConnId>,
    title: RwSignal<String>,
    /// What the service it reached speaks (asked of the world, not read from the port).
    protocol: Option<Protocol>,
    lines: RwSignal<Vec<OutLine>>,
    partial: RwSignal<String>,
    /// The server's bytes, reassembled into lines across reads.
    received: StoredValue<LineAssembler>,
    /// Bytes sent so far (where the next typed line starts).
    sent: StoredValue<u64>,
    state: RwSignal<TermState>,
    open: RwSignal<bool>,
}

/// What each line means (with its RFC section), from the connection's typed records; error
/// replies get a "did you mean" hint.
fn notes_for<'a>(
    protocol: Option<Protocol>,
    records: impl IntoIterator<Item = &'a Record>,
    lines: &[OutLine],
) -> Vec<Option<String>> {
    let typed: Vec<TranscriptLine> = lines
        .iter()
        .map(|l| {
            let speaker = match l.kind {
                Kind::Client => Speaker::Client,
                Kind::Server => Speaker::Server,
                Kind::Info | Kind::Error => Speaker::Net,
            };
            let line =
                TranscriptLine::new(Instant::ZERO, None, speaker, l.text.clone().into_bytes());
            match l.offset {
                Some(o) => line.at_offset(o),
                None => line,
            }
        })
        .collect();
    explain_lines(protocol, records, &typed)
        .into_iter()
        .map(|l| l.note)
        .collect()
}

/// What a fault rule or strict mode did to each line (issue 15): "answered by fault rule 2"
/// under the reply a rule sent, "a strict server would answer ..." under a line a lenient
/// server let through. Each mark is used once, in order.
fn gate_notes(marks: &[GateMark], lines: &[OutLine]) -> Vec<Option<String>> {
    let mut used = vec![false; marks.len()];
    lines
        .iter()
        .map(|l| {
            let found = marks.iter().enumerate().find(|(i, m)| {
                !used[*i]
                    && match (&l.kind, &m.kind) {
                        (
                            Kind::Server,
                            GateMarkKind::Fault {
                                action: FaultAction::Replied(text),
                                ..
                            },
                        ) => l.text.ends_with(text.as_str()),
                        (
                            Kind::Server,
                            GateMarkKind::Strict {
                                finding,
                                refused: true,
                            },
                        ) => l.text.ends_with(finding.reply.as_str()),
                        (Kind::Client, GateMarkKind::Strict { refused: false, .. }) => {
                            l.text.trim_end() == m.line
                        }
                        (
                            Kind::Client,
                            GateMarkKind::Fault {
                                action: FaultAction::Delayed(_) | FaultAction::Dropped,
                                ..
                            },
                        ) => l.text.trim_end() == m.line,
                        _ => false,
                    }
            })?;
            used[found.0] = true;
            Some(found.1.describe())
        })
        .collect()
}

/// Parses `host port` or `host:port`.
fn parse_target(s: &str) -> Result<(String, u16), String> {
    let s = s.trim();
    let s = s.strip_prefix("telnet ").unwrap_or(s).trim();
    let (host, port) = match s.rsplit_once(|c: char| c == ':' || c.is_whitespace()) {
        Some((h, p)) => (h.trim(), p.trim()),
        None => return Err("type a host and a port, e.g. mx.corp.example 25".into()),
    };
    if host.is_empty() {
        return Err("the host is missing".into());
    }
    let port: u16 = port
        .parse()
        .map_err(|_| format!("{port:?} is not a port number (1-65535)"))?;
    if port == 0 {
        return Err("port 0 is not a port".into());
    }
    Ok((host.to_string(), port))
}

fn push(term: &Term, kind: Kind, text: impl Into<String>) {
    push_at(term, kind, text, None);
}

fn push_at(term: &Term, kind: Kind, text: impl Into<String>, offset: Option<u64>) {
    let text = text.into();
    term.lines.update(|l| {
        l.push(OutLine { kind, text, offset });
        let n = l.len();
        if n > 2000 {
            l.drain(..n - 2000);
        }
    });
}

#[component]
pub fn Terminals() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let terms: RwSignal<Vec<Term>> = RwSignal::new(Vec::new());
    let current = RwSignal::new(0u32);
    let next_id = StoredValue::new(1u32);
    let from = RwSignal::new(ctx.ids.sender_pc.0);
    let target = RwSignal::new("mx.corp.example 25".to_string());
    let form_error = RwSignal::new(String::new());
    let hosts: Vec<(HostId, String)> = ctx.with(|w| {
        w.host_infos()
            .iter()
            .map(|i| (i.id, format!("{} — {}", w.net.host_name(i.id), i.label)))
            .collect()
    });

    // A reset world has new connections under old numbers: drop every terminal.
    Effect::new(move |prev: Option<u32>| {
        let e = ctx.epoch.get();
        if prev.is_some_and(|p| p != e) {
            terms.set(Vec::new());
        }
        e
    });
    let connect = move || {
        let (host, port) = match parse_target(&target.get_untracked()) {
            Ok(t) => t,
            Err(e) => {
                form_error.set(e);
                return;
            }
        };
        form_error.set(String::new());
        let from_id = HostId(from.get_untracked());
        let from_name = ctx.host_name(from_id);
        let since = ctx.with(|w| w.now());
        let mut result = None;
        let mut protocol = None;
        ctx.world.update_value(|w| {
            let r = w.connect(from_id, &host, port);
            protocol = r
                .as_ref()
                .ok()
                .and_then(|c| w.service_of(*c))
                .and_then(|s| s.protocol());
            result = Some(r);
        });
        let id = next_id.get_value();
        next_id.set_value(id + 1);
        let term = Term {
            id,
            conn: None,
            title: RwSignal::new(format!("{host}:{port}")),
            protocol,
            lines: RwSignal::new(Vec::new()),
            partial: RwSignal::new(String::new()),
            received: StoredValue::new(LineAssembler::default()),
            sent: StoredValue::new(0),
            state: RwSignal::new(TermState {
                link: Link::Opening,
                proto: None,
            }),
            open: RwSignal::new(false),
        };
        push(
            &term,
            Kind::Info,
            format!("{from_name}$ telnet {host} {port}"),
        );
        let term = match result {
            Some(Ok(conn)) => {
                push(
                    &term,
                    Kind::Info,
                    format!("Trying {host}... Connected ({conn})."),
                );
                term.open.set(true);
                term.state.update(|s| s.link = Link::Connected);
                Term {
                    conn: Some(conn),
                    ..term
                }
            }
            Some(Err(e)) => {
                push(
                    &term,
                    Kind::Error,
                    format!("telnet: Unable to connect to {host}:{port}: {e}"),
                );
                form_error.set(format!("{host}:{port}: {e}"));
                term.state.update(|s| s.link = Link::NotConnected);
                term
            }
            None => term,
        };
        terms.update(|t| t.push(term));
        current.set(id);
        step_world(ctx, since);
    };

    view! {
        <form class="connect" on:submit=super::dom::no_submit on:keydown=super::dom::act_on_enter(connect) aria-label="Open a terminal" data-testid="connect-form">
            <label>
                "From "
                <select
                    data-testid="term-from"
                    on:change=move |ev| {
                        if let Ok(v) = event_target_value(&ev).parse() {
                            from.set(v);
                        }
                    }
                >
                    {hosts
                        .into_iter()
                        .map(|(id, label)| {
                            view! { <option value=id.0.to_string() selected=id.0 == from.get_untracked()>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "telnet "
                <input
                    type="text"
                    data-testid="term-target"
                    aria-label="Host and port, e.g. mx.corp.example 25"
                    placeholder="host port"
                    prop:value=move || target.get()
                    on:input=move |ev| target.set(event_target_value(&ev))
                />
            </label>
            <button type="button" data-testid="term-connect" on:click=move |_| connect()>"Connect"</button>
            <span class="form-error" role="alert" data-testid="connect-error">{move || form_error.get()}</span>
        </form>
        <p class="hint">"Try: mx.corp.example 25 (SMTP), smtp.isp.example 587 (submission), mx.corp.example 110 (POP3) or 143 (IMAP)."</p>
        <div class="tabs" role="tablist" aria-label="Terminals">
            <For each=move || terms.get() key=|t| t.id let:t>
                <span class="tab-wrap">
                    <button
                        type="button"
                        role="tab"
                        class="tab"
                        class:on=move || current.get() == t.id
                        aria-selected=move || (current.get() == t.id).to_string()
                        data-testid="term-tab"
                        on:click=move |_| current.set(t.id)
                    >
                        {move || t.title.get()}
                        <span class="badge" data-testid="term-badge">{move || t.state.get().label()}</span>
                    </button>
                    <button
                        type="button"
                        class="tab-close"
                        aria-label=move || format!("Close terminal {}", t.title.get())
                        on:click=move |_| {
                            if let Some(c) = t.conn {
                                if t.open.get_untracked() {
                                    ctx.world.update_value(|w| w.close(c));
                                }
                            }
                            terms.update(|v| v.retain(|x| x.id != t.id));
                        }
                    >
                        "✕"
                    </button>
                </span>
            </For>
        </div>
        <For each=move || terms.get() key=|t| t.id let:t>
            <TerminalView term=t visible=Signal::derive(move || current.get() == t.id)/>
        </For>
        {move || terms.with(|t| t.is_empty()).then(|| view! { <p class="muted">"No terminal open."</p> })}
    }
}

#[component]
fn TerminalView(term: Term, visible: Signal<bool>) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let input = RwSignal::new(String::new());
    let history: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let hist_pos = StoredValue::new(0usize);
    let out_ref = NodeRef::<leptos::html::Div>::new();
    let input_ref = NodeRef::<leptos::html::Input>::new();

    // Read what arrived, each tick.
    Effect::new(move |_| {
        ctx.tick.get();
        let Some(conn) = term.conn else {
            return;
        };
        if !term.open.get_untracked() {
            return;
        }
        let (state, proto) =
            ctx.with(|w| (w.endpoint(conn).map(|e| e.state), w.session_state(conn)));
        let mut got = Vec::new();
        ctx.world.update_value(|w| got = w.take_received(conn));
        if !got.is_empty() {
            let mut lines = Vec::new();
            let mut partial = String::new();
            term.received.update_value(|r| {
                r.push(&got, |l| {
                    lines.push((String::from_utf8_lossy(&l.bytes).into_owned(), l.start))
                });
                partial = String::from_utf8_lossy(r.pending()).into_owned();
            });
            term.partial.set(partial);
            for (l, start) in lines {
                push_at(&term, Kind::Server, l, Some(start));
            }
        }
        if proto.is_some() && term.state.get_untracked().proto != proto {
            term.state.update(|s| s.proto = proto);
        }
        match state {
            Some(EndpointState::Open) => {}
            // The last protocol state stays visible (the diagram keeps following it).
            Some(EndpointState::Closed) | None => {
                term.open.set(false);
                push(&term, Kind::Info, "Connection closed by foreign host.");
                term.state.update(|s| s.link = Link::Closed);
            }
            Some(EndpointState::Reset) => {
                term.open.set(false);
                push(&term, Kind::Error, "Connection reset: the link dropped.");
                term.state.update(|s| s.link = Link::Reset);
            }
        }
    });
    // Keep the newest line in view.
    Effect::new(move |_| {
        term.lines.track();
        term.partial.track();
        if let Some(el) = out_ref.get_untracked() {
            // After the new lines are drawn.
            request_animation_frame(move || el.set_scroll_top(el.scroll_height()));
        }
    });

    let bare_lf = RwSignal::new(false);
    let send = move || {
        let line = input.get_untracked();
        let Some(conn) = term.conn else {
            return;
        };
        if !term.open.get_untracked() {
            push(&term, Kind::Error, "Not connected.");
            return;
        }
        let offset = term.sent.get_value();
        push_at(&term, Kind::Client, line.clone(), Some(offset));
        if !line.is_empty() {
            history.update_value(|h| {
                if h.last() != Some(&line) {
                    h.push(line.clone());
                }
            });
        }
        hist_pos.set_value(history.with_value(Vec::len));
        input.set(String::new());
        let since = ctx.with(|w| w.now());
        let mut bytes = line.into_bytes();
        // Unix `nc` and some telnets end lines with a bare LF: a lenient server accepts it,
        // a strict one refuses it (RFC 5321 §2.3.8).
        bytes.extend_from_slice(if bare_lf.get_untracked() {
            b"\n"
        } else {
            b"\r\n"
        });
        term.sent.set_value(offset + bytes.len() as u64);
        ctx.world.update_value(|w| {
            w.send(conn, &bytes);
        });
        step_world(ctx, since);
    };
    let keydown = move |ev: leptos::ev::KeyboardEvent| {
        let len = history.with_value(Vec::len);
        let pos = hist_pos.get_value();
        let new = match ev.key().as_str() {
            // Escape leaves the input: no keyboard trap (WCAG 2.1.2), also inside an embed.
            "Escape" => {
                if let Some(el) = ev
                    .target()
                    .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
                {
                    let _ = el.blur();
                }
                return;
            }
            "ArrowUp" if pos > 0 => pos - 1,
            "ArrowDown" if pos < len => pos + 1,
            _ => return,
        };
        ev.prevent_default();
        hist_pos.set_value(new);
        input.set(history.with_value(|h| h.get(new).cloned().unwrap_or_default()));
    };

    let b64_user = RwSignal::new(String::new());
    let b64_pass = RwSignal::new(String::new());
    let b64 = move || b64_encode(format!("\0{}\0{}", b64_user.get(), b64_pass.get()).as_bytes());
    let label = move || format!("Terminal {}", term.title.get());
    view! {
        <div class="terminal" role="tabpanel" aria-label=label style:display=move || if visible.get() { "block" } else { "none" }
            data-testid="terminal" data-visible=move || visible.get().to_string()>
            <div class="term-head">
                <span>"Protocol state: "</span>
                <span class="badge big" data-testid="term-state" aria-live="polite">{move || term.state.get().label()}</span>
                <StateDiagram state=Signal::derive(move || term.state.get().proto) />
            </div>
            <div class="term-out" node_ref=out_ref data-testid="term-output" role="log" aria-live="polite">
                {move || {
                    let lines = term.lines.get();
                    ctx.tick.get();
                    let notes = term
                        .conn
                        .map(|c| ctx.with(|w| notes_for(term.protocol, w.records_of(c), &lines)))
                        .unwrap_or_else(|| vec![None; lines.len()]);
                    let marks = term
                        .conn
                        .map(|c| ctx.with(|w| gate_notes(w.gate_marks(c), &lines)))
                        .unwrap_or_else(|| vec![None; lines.len()]);
                    lines.into_iter().zip(notes).zip(marks).map(|((item, note), mark)| {
                        let (cls, tid, prefix) = match item.kind {
                            Kind::Client => ("c", "term-client-line", "C: "),
                            Kind::Server => ("s", "term-server-line", "S: "),
                            Kind::Info => ("i", "term-info", ""),
                            Kind::Error => ("e", "term-error", ""),
                        };
                        let title = note.clone().unwrap_or_default();
                        view! {
                            <div class=format!("tl {cls}") data-testid=tid title=title>
                                <span class="pfx" aria-hidden="true">{prefix}</span>{item.text}
                                {note.map(|n| view! { <small class="note" data-testid="explain">{n}</small> })}
                                {mark.map(|n| view! { <small class="note fault" data-testid="fault-note">{n}</small> })}
                            </div>
                        }
                    }).collect_view()
                }}
                <div class="tl s partial">{move || term.partial.get()}</div>
            </div>
            <form class="term-in" on:submit=super::dom::no_submit on:keydown=super::dom::act_on_enter(send)>
                <label class="sr-only" for=format!("term-input-{}", term.id)>"Line to send"</label>
                <input
                    id=format!("term-input-{}", term.id)
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    node_ref=input_ref
                    data-testid="term-input"
                    placeholder=move || if term.open.get() { "type a command, Enter sends it with CRLF" } else { "(not connected)" }
                    prop:value=move || input.get()
                    on:input=move |ev| input.set(event_target_value(&ev))
                    on:keydown=keydown
                />
                <button type="button" data-testid="term-send" on:click=move |_| send()>"Send"</button>
            </form>
            <label class="bare-lf">
                <input type="checkbox" data-testid="term-bare-lf" prop:checked=move || bare_lf.get()
                    on:change=move |_| bare_lf.update(|b| *b = !*b)/>
                " End lines with a bare LF (like nc), not CRLF"
            </label>
            <details class="b64">
                <summary>"Base64 helper for AUTH PLAIN"</summary>
                <div class="b64-row">
                    <label>"User "<input type="text" data-testid="b64-user" prop:value=move || b64_user.get() on:input=move |ev| b64_user.set(event_target_value(&ev))/></label>
                    <label>"Password "<input type="text" data-testid="b64-pass" prop:value=move || b64_pass.get() on:input=move |ev| b64_pass.set(event_target_value(&ev))/></label>
                </div>
                <p>"base64(\\0user\\0password) = "<code data-testid="b64-out">{b64}</code></p>
                <button type="button" data-testid="b64-insert" on:click=move |_| {
                    input.set(format!("AUTH PLAIN {}", b64()));
                    if let Some(el) = input_ref.get() {
                        let _ = el.focus();
                    }
                }>"Insert “AUTH PLAIN …” into the input"</button>
            </details>
        </div>
    }
}
