//! Guided tours: the scenarios of `scenarios/` played step by step (Next / Back) or by
//! themselves, with every line explained and the protocol state diagrams following along.
//! The same view is the embeddable demo (`?scenario=...&autoplay=1&compact=1`).

pub mod diagram;
pub mod embed;
pub mod lines;

use crate::learn::scenario::{builtin, Run, Scenario};
use crate::proto::ProtocolState;
use crate::sandbox::TranscriptLine;
use diagram::StateDiagram;
use embed::{share_link, PageOptions};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use lines::{explain_lines, ExplainedLines};

/// How often autoplay takes a step, in milliseconds.
const AUTOPLAY_MS: u32 = 1800;

/// The state of one terminal of the tour, for rendering.
#[derive(Clone, PartialEq)]
struct TermView {
    name: String,
    target: String,
    port: u16,
    state: Option<ProtocolState>,
    output: Vec<TranscriptLine>,
}

fn find(scenarios: &[Scenario], id: Option<&str>) -> Scenario {
    id.and_then(|id| scenarios.iter().find(|s| s.id == id))
        .or_else(|| scenarios.first())
        .cloned()
        .unwrap_or(Scenario {
            id: "none".into(),
            title: "No scenarios".into(),
            summary: String::new(),
            steps: Vec::new(),
        })
}

/// The guided tour player.
#[component]
pub fn Tour(options: PageOptions) -> impl IntoView {
    let scenarios = StoredValue::new(builtin());
    let first = scenarios.with_value(|s| find(s, options.scenario.as_deref()));
    let run = StoredValue::new_local(Run::new(first));
    let (tick, set_tick) = signal(0u64);
    let (failures, set_failures) = signal(Vec::<String>::new());
    let playing = RwSignal::new(false);
    let timer: StoredValue<Option<Interval>, LocalStorage> = StoredValue::new_local(None);

    let step = move || {
        let f = run.try_update_value(|r| r.next_step()).unwrap_or_default();
        set_failures.set(f);
        set_tick.update(|t| *t += 1);
    };
    // A share link or `step=` replays the first steps.
    for _ in 0..options.step {
        step();
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
        set_failures.set(Vec::new());
        set_tick.update(|t| *t += 1);
    };
    let back = move || {
        stop();
        run.update_value(|r| r.back());
        set_failures.set(Vec::new());
        set_tick.update(|t| *t += 1);
    };
    let restart = move || {
        stop();
        run.update_value(|r| *r = Run::new(r.scenario.clone()));
        set_failures.set(Vec::new());
        set_tick.update(|t| *t += 1);
    };

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
        run.with_value(|r| {
            r.terms
                .iter()
                .map(|(name, t)| TermView {
                    name: name.clone(),
                    target: t.target.clone(),
                    port: t.port,
                    state: t.conn.and_then(|c| r.world.session_state(c)),
                    output: t.output.clone(),
                })
                .collect::<Vec<_>>()
        })
    };
    let store = move || {
        tick.get();
        run.with_value(|r| {
            r.world
                .store
                .accounts()
                .map(|a| {
                    let folders: Vec<(String, usize)> = r
                        .world
                        .store
                        .folder_names(&a.address)
                        .into_iter()
                        .filter_map(|f| {
                            let n = r.world.store.folder(&a.address, &f).map(|x| x.len())?;
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
        run.with_value(|r| r.world.queue.len())
    };
    let compact = options.compact;
    let show_store = options.shows("store");
    let show_terms = options.shows("terminals");

    view! {
        {(!compact).then(|| view! {
            <header class="topbar">
                <h1>"Mail Sandbox: guided tour"</h1>
                <p class="tagline"><a href="./">"Open the whole sandbox"</a></p>
            </header>
        })}
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
                <p class="summary">{move || info().2}</p>
            </header>
            <div class="tour-step" aria-live="polite">
                <p class="progress" data-testid="tour-progress">{move || { let i = info(); format!("Step {} of {}", i.3, i.4) }}</p>
                <p class="step-text" data-testid="tour-text">{move || info().5}</p>
                {move || info().6.map(|t| view! { <p class="next-text">"Next: "{t}</p> })}
            </div>
            <div class="tour-controls">
                <button on:click=move |_| back() disabled=move || info().3 == 0>"◀ Back"</button>
                <button data-testid="tour-next" on:click=move |_| { stop(); step(); } disabled=move || { let i = info(); i.3 >= i.4 }>"Next ▶"</button>
                <button data-testid="tour-play" on:click=move |_| if playing.get() { stop() } else { play() }>
                    {move || if playing.get() { "Pause" } else { "Play" }}
                </button>
                <button on:click=move |_| restart()>"Restart"</button>
                <a class="share" data-testid="tour-share" href=move || { let i = info(); share_link(&i.0, i.3) }>"Share link"</a>
            </div>
            {move || {
                let f = failures.get();
                (!f.is_empty()).then(|| view! {
                    <ul class="tour-failures" role="alert">{f.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul>
                })
            }}
            {move || (info().3 >= info().4 && info().4 > 0).then(|| view! { <p class="done" data-testid="tour-done">"Done: the world is back in a known state when you restart."</p> })}
            <div class="tour-body">
                {show_terms.then(|| view! {
                    <div class="tour-terms">
                        <For each=terms key=|t| (t.name.clone(), t.output.len(), t.state.map(ProtocolState::label)) let:t>
                            <article class="tour-term" data-testid="tour-term">
                                <h3>{t.name.clone()}" → "{t.target.clone()}":"{t.port}</h3>
                                {t.state.map(|s| view! { <p class="badge" data-testid="tour-state">{s.label()}</p> })}
                                <StateDiagram state=Signal::derive({ let s = t.state; move || s }) />
                                <ExplainedLines lines=explain_lines(t.port, &t.output) />
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
