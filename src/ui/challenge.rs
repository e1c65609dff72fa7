//! Challenges in the page: the list (with what this browser solved), and the active
//! challenge's card (`?challenge=<id>`): the task, what is still missing (checked from the
//! world by `learn::challenge::Watch` on every step), hints one at a time, and once solved
//! what happened and why with its RFC sections. The work is done in the ordinary sandbox
//! beside it: terminals and mail clients.
//!
//! Progress (the ids solved) is a small setting kept in localStorage; a challenge's world is
//! its own and is never saved over the person's sandbox world.

use super::context::Ctx;
use super::learn_data;
use crate::learn::challenge::{Challenge, Status, Watch};
use crate::learn::library::Library;
use leptos::prelude::*;

const PROGRESS_KEY: &str = "mail-sandbox-challenges";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The ids of the challenges solved in this browser.
pub fn solved_ids() -> Vec<String> {
    storage()
        .and_then(|s| s.get_item(PROGRESS_KEY).ok().flatten())
        .map(|v| {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn mark_solved(id: &str) {
    let mut ids = solved_ids();
    if !ids.iter().any(|i| i == id) {
        ids.push(id.to_string());
        if let Some(s) = storage() {
            let _ = s.set_item(PROGRESS_KEY, &ids.join(","));
        }
    }
}

/// Adds the challenges a progress link (`#progress=a,b`) says were solved; ids that are not
/// in `library` are ignored.
pub fn absorb_progress(library: &Library, ids: &[String]) {
    for id in ids.iter().filter(|id| library.challenge(id).is_some()) {
        mark_solved(id);
    }
}

/// Starts `challenge` on `ctx`: its fresh world, a new watch, no status yet.
pub fn start(ctx: Ctx, challenge: &Challenge) {
    let (mut world, _) = challenge.fresh_world();
    if challenge.world.tls {
        super::tls_module::install(&mut world);
    }
    ctx.challenge
        .watch
        .set_value(Some(Watch::new(challenge, &world)));
    ctx.challenge.status.set(None);
    super::runtime::replace_world(ctx, world);
}

/// Whether the active challenge is solved (tracks the status).
fn is_solved(ctx: Ctx) -> bool {
    ctx.challenge
        .status
        .with(|s| s.as_ref().is_some_and(Status::is_solved))
}

/// The status in one line: `Solved`, or `Not yet:` and the first thing missing.
fn status_line(status: &Option<Status>) -> String {
    match status {
        Some(Status::Solved) => "Solved".into(),
        Some(Status::Missing(missing)) => {
            format!("Not yet: {}", missing.first().map_or("", String::as_str))
        }
        None => "Not yet: nothing done so far".into(),
    }
}

/// The list of challenges, each a link that opens it, solved ones ticked.
#[component]
pub fn ChallengeList(#[prop(optional)] open: bool) -> impl IntoView {
    // The challenges come after the first paint (issue 29): the list fills in when they do.
    let all = move || {
        learn_data::track();
        learn_data::library()
            .map(|l| l.challenges.clone())
            .unwrap_or_default()
    };
    let solved = RwSignal::new(solved_ids());
    // A progress link's ticks are kept once the challenges are here (ui::start).
    Effect::new(move |_| {
        learn_data::track();
        solved.set(solved_ids());
    });
    let total = move || all().len();
    let items = move || {
        all()
        .into_iter()
        .map(|c| {
            let id = c.id.clone();
            let is_solved = move || solved.with(|s| s.contains(&id));
            let id = c.id.clone();
            let is_solved_class = move || solved.with(|s| s.contains(&id));
            view! {
                <li data-testid="challenge-item" data-id=c.id.clone() class:solved=is_solved_class>
                    <a href=format!("?challenge={}", c.id)>{c.title.clone()}</a>
                    {move || is_solved().then(|| view! { <span class="tick" aria-label="solved">" ✓"</span> })}
                    <span class="muted">" — " {c.task.clone()}</span>
                </li>
            }
        })
        .collect_view()
    };
    view! {
        <details class="pane challenges" data-testid="challenge-list" open=open>
            <summary>
                "Challenges "
                <span class="muted">{move || { let total = total(); format!("({} of {total} solved)", solved.with(|s| s.len().min(total))) }}</span>
            </summary>
            <p class="hint">"A task to do yourself with the terminals and mail clients; the page checks the servers' real state and tells you what is still missing."</p>
            <ol>{items}</ol>
            {move || solved.with(|s| (!s.is_empty()).then(|| view! {
                <p class="hint">
                    <a data-testid="share-progress" href=format!("./#progress={}", s.join(","))>"Link to my progress"</a>
                    " (open it in another browser to carry the ticks over)"
                </p>
            }))}
        </details>
    }
}

/// The active challenge: task, status, hints, explanation.
#[component]
pub fn ChallengeCard(challenge: Challenge) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let shown_hints = RwSignal::new(0usize);
    let id = challenge.id.clone();
    Effect::new(move |_| {
        if is_solved(ctx) {
            mark_solved(&id);
        }
    });
    let all = learn_data::library()
        .map(|l| l.challenges.clone())
        .unwrap_or_default();
    let next = all
        .iter()
        .skip_while(|c| c.id != challenge.id)
        .nth(1)
        .map(|c| (c.id.clone(), c.title.clone()));
    let hints = challenge.hints.clone();
    let hint_count = hints.len();
    let restart_with = challenge.clone();
    let restart = move |_| {
        start(ctx, &restart_with);
        shown_hints.set(0);
    };
    let solved = move || is_solved(ctx);
    let status_text = move || ctx.challenge.status.with(status_line);
    let more_missing = move || match ctx.challenge.status.get() {
        Some(Status::Missing(missing)) if missing.len() > 1 => missing[1..].to_vec(),
        _ => Vec::new(),
    };
    let solved_text = challenge.solved.clone();
    let links = challenge.links.clone();
    view! {
        <section class="pane challenge-card" data-testid="challenge" data-id=challenge.id.clone() aria-labelledby="challenge-h">
            <p class="kicker">"Challenge"</p>
            <h2 id="challenge-h">{challenge.title.clone()}</h2>
            <p class="task">{challenge.task.clone()}</p>
            <p class="status" class:solved=solved aria-live="polite" data-testid="challenge-status">{status_text}</p>
            {move || {
                let rest = more_missing();
                (!rest.is_empty()).then(|| view! {
                    <ul class="missing" data-testid="challenge-missing">
                        {rest.into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                    </ul>
                })
            }}
            {move || solved().then(|| view! {
                <div class="explain-solved" data-testid="challenge-explain">
                    <p>{solved_text.clone()}</p>
                    <p class="links">"Read more: "
                        {links.iter().map(|l| view! { <a href=l.url.clone() target="_blank" rel="noopener">{l.label.clone()}</a>" " }).collect_view()}
                    </p>
                </div>
            })}
            <ol class="hints" data-testid="challenge-hints">
                {move || hints.iter().take(shown_hints.get()).map(|h| view! { <li>{h.clone()}</li> }).collect_view()}
            </ol>
            <div class="controls">
                <button type="button" data-testid="challenge-hint"
                    disabled=move || { shown_hints.get() >= hint_count }
                    on:click=move |_| shown_hints.update(|n| *n = (*n + 1).min(hint_count))>
                    {move || if shown_hints.get() == 0 { "Show a hint".to_string() } else if shown_hints.get() < hint_count { "Another hint".to_string() } else { "No more hints".to_string() }}
                </button>
                <button type="button" data-testid="challenge-restart" on:click=restart>"Start over"</button>
                {next.map(|(id, title)| view! { <a class="next" href=format!("?challenge={id}")>"Next: " {title}</a> })}
                <a href="./">"Back to my sandbox"</a>
            </div>
            <ChallengeList/>
        </section>
    }
}

/// The active challenge's status in the sticky explanation column, so it stays in view while
/// the person works in a terminal further down.
#[component]
pub fn ChallengeBadge(title: String) -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let solved = move || is_solved(ctx);
    let line = move || {
        let line = ctx.challenge.status.with(status_line);
        if solved() {
            format!("{line} ✓")
        } else {
            line
        }
    };
    view! {
        <a class="challenge-badge" class:solved=solved href="#challenge-h" data-testid="challenge-badge">
            <strong>"Challenge: " {title}</strong>
            <span>{line}</span>
        </a>
    }
}
