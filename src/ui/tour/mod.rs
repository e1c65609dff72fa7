//! Guided tours over the whole sandbox: the scenarios of `scenarios/` played step by step
//! (Next / Back) or by themselves on the page's own world, so the picture draws every hop,
//! the mailbox counts move and the transcripts fill as the tour goes. The tour card shows the
//! step's text and its sessions (the one the step is about first, every line explained);
//! each step points at its hosts on the picture. The same card is the embed (`embed.html?
//! scenario=...&autoplay=1`, [`page`], or the page's own `&compact=1` layout), which tells its
//! host page of each step and its height and obeys its commands (see [`embed`]). [`full`] is
//! the tour in the full layout (`tour.html`).

pub mod diagram;
pub mod embed;
pub mod full;
pub mod lines;
pub mod page;

use crate::learn::scenario::{Run, Scenario};
use crate::proto::record::{Protocol, Record};
use crate::proto::ProtocolState;
use crate::sandbox::{TranscriptLine, World};
use crate::ui::context::Ctx;
use crate::ui::runtime;
use diagram::StateDiagram;
use embed::{post_to_host, share_link, HostCommand, PageOptions};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use lines::{explain_lines, ExplainedLines};

/// The world a tour page starts on (the embed's and `tour.html`'s), its handles provided to the
/// views and its runtime started. A tour runs the world and draws it: no challenge to watch,
/// nothing saved, no mail client to poll ([`runtime::EMBED`]).
pub fn start_tour_world() -> Ctx {
    let (world, ids) = Run::fresh_world_and_hosts();
    let ctx = Ctx::new(
        world,
        ids,
        0,
        None,
        runtime::EMBED,
        crate::ui::dom::now_ms(),
    );
    provide_context(ctx);
    runtime::start(ctx);
    ctx
}
use wasm_bindgen::JsValue;

/// How often autoplay takes a step, in milliseconds.
const AUTOPLAY_MS: u32 = 2600;
/// Lines of a session shown in the compact embed (the newest).
const COMPACT_LINES: usize = 9;

/// The state of one terminal of the tour, for rendering.
#[derive(Clone, PartialEq)]
struct TermView {
    name: String,
    target: String,
    port: u16,
    state: Option<ProtocolState>,
    /// The protocol of the service it reached, and what its records say happened.
    protocol: Option<Protocol>,
    records: Vec<Record>,
    output: Vec<TranscriptLine>,
    focused: bool,
    /// Whether the explanations were here when it was drawn (they arrive after the first
    /// paint: the lines are drawn again then).
    explained: bool,
}

fn find(scenarios: &[Scenario], id: Option<&str>) -> Scenario {
    id.and_then(|id| scenarios.iter().find(|s| s.id == id))
        .or_else(|| scenarios.first())
        .cloned()
        .unwrap_or(Scenario {
            id: "none".into(),
            title: "No scenarios".into(),
            summary: String::new(),
            backup_mx: false,
            tls: false,
            steps: Vec::new(),
        })
}

/// Runs `then` once the world's TLS provider, if it has one, is ready (the page's TLS module
/// has loaded; until then hosts do not offer TLS and a TLS tour's steps would fail).
fn when_tls_ready(ctx: Ctx, then: impl FnOnce() + 'static) {
    let ready = ctx.with(|w| w.tls_provider().is_none_or(|p| p.is_ready()));
    if ready {
        then();
    } else {
        gloo_timers::callback::Timeout::new(100, move || when_tls_ready(ctx, then)).forget();
    }
}

/// The last `n` lines.
fn tail_lines(lines: &[TranscriptLine], n: usize) -> &[TranscriptLine] {
    &lines[lines.len().saturating_sub(n)..]
}

/// The tour card: scenario, step text, controls, and the step's sessions.
#[component]
pub fn TourCard(
    options: PageOptions,
    /// Gives a tour whose file says `"tls": true` the page's TLS (the page passes it; the
    /// embed, which never loads TLS, does not, and its tours run without).
    #[prop(optional)]
    install_tls: Option<fn(&mut World)>,
) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    // The page drew the tour once its data was here; the embed carries its tours.
    let all = crate::ui::learn_data::library()
        .map(|l| l.scenarios.clone())
        .unwrap_or_default();
    // A tour that needs TLS plays only where TLS can be loaded (the page): the embed neither
    // lists it nor plays it without TLS (its steps would fail), and says where it plays.
    let needs_page = options
        .scenario
        .as_deref()
        .and_then(|id| {
            all.iter()
                .find(|s| s.id == id && s.tls && install_tls.is_none())
        })
        .map(|s| (s.id.clone(), s.title.clone()));
    let scenarios = StoredValue::new(
        all.into_iter()
            .filter(|s| install_tls.is_some() || !s.tls)
            .collect::<Vec<_>>(),
    );
    let first = scenarios.with_value(|s| find(s, options.scenario.as_deref()));
    let run = StoredValue::new_local(Run::new(first));
    let (tick, set_tick) = signal(0u64);
    let (failures, set_failures) = signal(Vec::<String>::new());
    let playing = RwSignal::new(false);
    let timer: StoredValue<Option<Interval>, LocalStorage> = StoredValue::new_local(None);
    let compact = options.compact;

    // After the run moved: point at the step's hosts, redraw, tell the host page.
    let announce = move || {
        let (id, done, of, hosts) = run.with_value(|r| {
            (
                r.scenario.id.clone(),
                r.done,
                r.scenario.steps.len(),
                r.focus().hosts,
            )
        });
        ctx.picture.focus.set(hosts);
        set_tick.update(|t| *t += 1);
        post_to_host(
            "mail-sandbox:step",
            &[
                ("scenario", JsValue::from_str(&id)),
                ("step", JsValue::from_f64(done as f64)),
                ("of", JsValue::from_f64(of as f64)),
            ],
        );
    };
    let step_now = move || {
        let f = runtime::act(ctx, |w| run.try_update_value(|r| r.next_step(w)))
            .flatten()
            .unwrap_or_default();
        set_failures.set(f);
        announce();
    };
    // A TLS tour's step waits for the page's TLS module (loading since the tour started).
    let step = move || when_tls_ready(ctx, step_now);
    // Replays the first `n` steps on a fresh world, without drawing them.
    let goto = move |n: usize| {
        let (mut world, tls) = run.with_value(|r| (r.start_world(), r.scenario.tls));
        if let (true, Some(install)) = (tls, install_tls) {
            install(&mut world);
        }
        run.update_value(|r| r.replay_on(&mut world, n));
        runtime::replace_world(ctx, world);
        set_failures.set(Vec::new());
        announce();
    };
    // The page started on the default world: a tour with other hosts starts on its own.
    if options.step > 0 || run.with_value(|r| r.scenario.backup_mx || r.scenario.tls) {
        goto(options.step);
    }
    let stop = move || {
        timer.update_value(|t| *t = None);
        playing.set(false);
    };
    let play = move || {
        playing.set(true);
        let interval = Interval::new(AUTOPLAY_MS, move || {
            let finished = run.with_value(|r| r.is_finished());
            if finished {
                timer.update_value(|t| *t = None);
                playing.set(false);
            } else {
                step();
            }
        });
        timer.update_value(|t| *t = Some(interval));
    };
    if options.autoplay {
        play();
    }
    let choose = move |id: String| {
        stop();
        let s = scenarios.with_value(|all| find(all, Some(&id)));
        run.set_value(Run::new(s));
        goto(0);
    };
    let back = move || {
        stop();
        let n = run.with_value(|r| r.done.saturating_sub(1));
        goto(n);
    };
    let restart = move || {
        stop();
        goto(0);
    };
    // The host page's commands.
    let _commands =
        window_event_listener(
            leptos::ev::message,
            move |ev| match HostCommand::from_message(&ev.data()) {
                Some(HostCommand::Next) => {
                    stop();
                    if !run.with_value(|r| r.is_finished()) {
                        step();
                    }
                }
                Some(HostCommand::Back) => back(),
                Some(HostCommand::Play) => play(),
                Some(HostCommand::Pause) => stop(),
                Some(HostCommand::Restart) => restart(),
                Some(HostCommand::Goto(n)) => {
                    stop();
                    goto(n);
                }
                None => {}
            },
        );
    // Bytes that arrive while the clock runs between steps reach the tour's sessions too, and
    // the host page hears of every change of height.
    let last_height = StoredValue::new(0.0f64);
    // Measuring forces a layout: only an embedded page, whose host listens, pays for it.
    let embedded = embed::is_embedded();
    Effect::new(move |_| {
        ctx.stepped.get();
        ctx.world
            .update_value(|w| run.update_value(|r| r.collect(w)));
        if !embedded {
            return;
        }
        let h = embed::document_height();
        if h != last_height.get_value() {
            last_height.set_value(h);
            post_to_host("mail-sandbox:resize", &[("height", JsValue::from_f64(h))]);
        }
    });
    announce();

    let info = move || {
        tick.get();
        run.with_value(|r| {
            let n = r.scenario.steps.len();
            let text = if r.done == 0 {
                "Press Next to take the first step.".to_string()
            } else {
                r.scenario
                    .steps
                    .get(r.done - 1)
                    .map(|s| s.text.clone())
                    .unwrap_or_default()
            };
            let upcoming = r.scenario.steps.get(r.done).map(|s| s.text.clone());
            (
                r.scenario.id.clone(),
                r.scenario.title.clone(),
                r.scenario.summary.clone(),
                r.done,
                n,
                text,
                upcoming,
            )
        })
    };
    let terms = move || {
        tick.get();
        ctx.stepped.get();
        // The explanations arrive after the first paint (issue 29).
        crate::ui::learn_data::track();
        let views = run.with_value(|r| {
            let focus = r.focus().terms;
            ctx.with(|w| {
                r.terms
                    .iter()
                    .map(|(name, t)| TermView {
                        name: name.clone(),
                        target: t.target.clone(),
                        port: t.port,
                        state: t.conn.and_then(|c| w.session_state(c)),
                        protocol: t
                            .conn
                            .and_then(|c| w.service_of(c))
                            .and_then(|s| s.protocol()),
                        records: t
                            .conn
                            .map(|c| w.records_of(c).cloned().collect())
                            .unwrap_or_default(),
                        output: t.output.clone(),
                        focused: focus.contains(name),
                        explained: crate::learn::texts::texts().is_some(),
                    })
                    .collect::<Vec<_>>()
            })
        });
        // The session the step is about comes first, in view without scrolling the page.
        // (A partition, not a sort by key: the same order, without a sort of its own in the wasm.)
        let (mut views, others): (Vec<_>, Vec<_>) = views.into_iter().partition(|t| t.focused);
        views.extend(others);
        if compact {
            views.truncate(1);
        }
        views
    };
    let store = move || {
        tick.get();
        ctx.stepped.get();
        ctx.with(|w| {
            w.store
                .accounts()
                .map(|a| {
                    let folders: Vec<(String, usize)> = w
                        .store
                        .folder_names(&a.address)
                        .into_iter()
                        .filter_map(|f| {
                            let n = w.store.folder(&a.address, &f).map(|x| x.len())?;
                            (f == "INBOX" || n > 0).then_some((f, n))
                        })
                        .collect();
                    (a.address.clone(), folders)
                })
                .collect::<Vec<_>>()
        })
    };
    let queue_len = move || {
        tick.get();
        ctx.stepped.get();
        ctx.with(|w| w.queue.len())
    };
    let show_store = options.shows("store") && !compact;
    let show_terms = options.shows("terminals");

    view! {
        <section class=if compact { "tour compact" } else { "tour" } data-testid="tour" aria-label="Guided tour">
            <header class="tour-head">
                <label>
                    <span class="sr-only">"Scenario"</span>
                    <select data-testid="tour-select" on:change=move |ev| choose(event_target_value(&ev))>
                        {move || {
                            let current = info().0;
                            scenarios.with_value(|all| {
                                all.iter()
                                    .map(|s| {
                                        let selected = s.id == current;
                                        view! { <option value=s.id.clone() selected=selected>{s.title.clone()}</option> }
                                    })
                                    .collect_view()
                            })
                        }}
                    </select>
                </label>
                {(!compact).then(|| view! { <p class="summary">{move || info().2}</p> })}
            </header>
            {needs_page.map(|(id, title)| view! {
                <p class="tour-needs-page" data-testid="tour-needs-page">
                    "“"{title}"” needs TLS, which this small embed does not load: "
                    <a href=format!("tour.html?scenario={id}") target="_blank" rel="noopener">"play it in the full page"</a>
                    "."
                </p>
            })}
            <div class="tour-step" aria-live="polite">
                <p class="progress" data-testid="tour-progress">{move || { let i = info(); format!("Step {} of {}", i.3, i.4) }}</p>
                <p class="step-text" data-testid="tour-text">{move || info().5}</p>
                {move || (!compact).then(|| info().6.map(|t| view! { <p class="next-text">"Next: "{t}</p> }))}
            </div>
            <div class="tour-controls">
                <button on:click=move |_| back() disabled=move || info().3 == 0>"◀ Back"</button>
                <button data-testid="tour-next" on:click=move |_| { stop(); step(); } disabled=move || { let i = info(); i.3 >= i.4 }>"Next ▶"</button>
                <button data-testid="tour-play" on:click=move |_| if playing.get() { stop() } else { play() }>
                    {move || if playing.get() { "Pause" } else { "Play" }}
                </button>
                <button data-testid="tour-restart" on:click=move |_| restart()>"Restart"</button>
                {(!compact).then(|| view! {
                    <a class="share" data-testid="tour-share" href=move || { let i = info(); share_link(&i.0, i.3) }>"Share link"</a>
                })}
            </div>
            {move || {
                let f = failures.get();
                (!f.is_empty()).then(|| view! {
                    <ul class="tour-failures" role="alert">{f.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul>
                })
            }}
            {move || (info().3 >= info().4 && info().4 > 0).then(|| view! { <p class="done" data-testid="tour-done">"Done: Restart plays it again from a fresh world."</p> })}
            <div class="tour-body">
                {show_terms.then(|| view! {
                    <div class="tour-terms">
                        <For each=terms key=|t| (t.name.clone(), t.output.len(), t.state.map(ProtocolState::label), t.focused, t.explained) let:t>
                            <article class="tour-term" class:focused=t.focused data-testid="tour-term" data-focused=t.focused.to_string()>
                                <h3>{t.name.clone()}" → "{t.target.clone()}":"{t.port}</h3>
                                {t.state.map(|s| view! { <p class="badge" data-testid="tour-state">{s.label()}</p> })}
                                {(!compact).then(|| view! { <StateDiagram state=Signal::derive({ let s = t.state; move || s }) /> })}
                                <ExplainedLines lines=explain_lines(t.protocol, &t.records, if compact { tail_lines(&t.output, COMPACT_LINES) } else { &t.output }) />
                            </article>
                        </For>
                    </div>
                })}
                {show_store.then(|| view! {
                    <aside class="tour-store" data-testid="tour-store" aria-label="The mailbox store">
                        <h3>"Mailboxes on the servers"</h3>
                        <p class="hint">"POP3 downloads and deletes: watch INBOX shrink after QUIT. IMAP manages mail on the server: it stays."</p>
                        <ul>
                            {move || store().into_iter().map(|(user, folders)| view! {
                                <li><strong>{user}</strong>" "
                                    {folders.into_iter().map(|(f, n)| view! { <span class="folder">{f}": "{n}" "</span> }).collect_view()}
                                </li>
                            }).collect_view()}
                        </ul>
                        <p>"Relay queue: "{queue_len}</p>
                    </aside>
                })}
            </div>
        </section>
    }
}
