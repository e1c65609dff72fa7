//! Virtual time: a timer advances the world by real elapsed time × speed, polls the mail
//! client's sessions, records link activity for the animation, collects world events and saves
//! the world now and then. The clock bar shows the virtual time with speed, skip and reset.

use super::app::{Activity, Ctx};
use super::{dom, persist};
use crate::sandbox::WorldEvent;
use crate::time::{Duration, Instant};
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const TICK_MS: u32 = 100;
/// The longest virtual step taken at once while client sessions run.
const SLICE: Duration = Duration::from_millis(100);
/// How many ticks a link stays lit after bytes crossed it.
const LIT_TICKS: u64 = 8;
/// Save at most this often (real ms).
const SAVE_EVERY_MS: f64 = 2000.0;

pub fn start(ctx: Ctx) {
    let last = Rc::new(Cell::new(dom::now_ms()));
    let last_save = Rc::new(Cell::new(dom::now_ms()));
    let saved_json = Rc::new(RefCell::new(String::new()));
    let interval = gloo_timers::callback::Interval::new(TICK_MS, move || {
        let real = dom::now_ms();
        let dt = (real - last.get()).clamp(0.0, 1000.0);
        last.set(real);
        let speed = ctx.speed.get_untracked() as f64;
        let step = Duration::from_millis((dt * speed) as u64);
        let since = ctx.world.with_value(|w| w.now());
        let target = since + step;
        // With client sessions under way, go in small slices and let them answer in each, so
        // their exchanges keep realistic timing at 60x too.
        for _ in 0..200 {
            let now = ctx.world.with_value(|w| w.now());
            if now >= target {
                break;
            }
            let busy = ctx.tasks.with_value(|t| !t.is_empty());
            let next = if busy {
                target.min(now + SLICE)
            } else {
                target
            };
            ctx.world.update_value(|w| w.run_until(next));
            poll_tasks(ctx);
        }
        ctx.world.update_value(|w| w.run_until(target));
        step_world(ctx, since);
        if real - last_save.get() > SAVE_EVERY_MS {
            last_save.set(real);
            let json = ctx.world.with_value(|w| w.snapshot_json());
            if *saved_json.borrow() != json {
                let ok = persist::save(&json);
                ctx.saved.set(if ok {
                    "saved".into()
                } else {
                    "could not save".into()
                });
                *saved_json.borrow_mut() = json;
            }
        }
    });
    interval.forget();
}

/// After time moved (or the world changed): poll client sessions, collect activity since
/// `since` and events, and re-render.
pub fn step_world(ctx: Ctx, since: Instant) {
    poll_tasks(ctx);
    let tick = ctx.tick.get_untracked() + 1;
    let links = ctx.world.with_value(|w| w.active_links(since));
    let mut events = Vec::new();
    ctx.world.update_value(|w| {
        while let Some(e) = w.poll_event() {
            events.push(e);
        }
    });
    ctx.active.update(|act| {
        act.retain(|a| a.until >= tick);
        for (client, server, _port, side) in links {
            let to_server = side == crate::net::Side::Client;
            match act
                .iter_mut()
                .find(|a| a.client == client && a.server == server && a.to_server == to_server)
            {
                Some(a) => a.until = tick + LIT_TICKS,
                None => act.push(Activity {
                    client,
                    server,
                    to_server,
                    until: tick + LIT_TICKS,
                }),
            }
        }
    });
    let lines: Vec<String> = events
        .into_iter()
        .filter_map(|e| match e {
            WorldEvent::Queued { id } => Some(format!("Queued {id} for relay")),
            WorldEvent::Delivered { id, rcpt } => Some(format!("Delivered {id} to {rcpt}")),
            WorldEvent::Deferred { id, reason } => {
                Some(format!("Deferred {id}: {reason} (will retry)"))
            }
            WorldEvent::Bounced { id } => Some(format!("Bounced {id}: failed for good")),
            WorldEvent::SessionState { .. } => None,
        })
        .collect();
    if !lines.is_empty() {
        let stamp = ctx.world.with_value(|w| fmt_time(w.now()));
        ctx.events.update(|ev| {
            ev.extend(lines.into_iter().map(|l| format!("[{stamp}] {l}")));
            let n = ev.len();
            if n > 50 {
                ev.drain(..n - 50);
            }
        });
    }
    ctx.tick.set(tick);
}

/// Polls the client sessions; calls back the finished ones outside the world borrow.
fn poll_tasks(ctx: Ctx) {
    for _ in 0..4 {
        let mut tasks = Vec::new();
        ctx.tasks.update_value(|t| tasks = std::mem::take(t));
        if tasks.is_empty() {
            break;
        }
        let mut finished = Vec::new();
        let mut running = Vec::new();
        for (mut task, cb) in tasks {
            ctx.world.update_value(|w| {
                task.poll(w);
            });
            if task.is_running() {
                running.push((task, cb));
            } else {
                finished.push((task.status.clone(), cb));
            }
        }
        ctx.tasks.update_value(|t| {
            running.append(t);
            *t = running;
        });
        let none_finished = finished.is_empty();
        for (status, cb) in finished {
            cb(status);
        }
        if none_finished {
            break;
        }
    }
}

/// Virtual time as `h:mm:ss.t`.
pub fn fmt_time(t: Instant) -> String {
    let ms = t.as_millis();
    let s = ms / 1000;
    format!(
        "{}:{:02}:{:02}.{}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000 / 100
    )
}

/// A span in words: `28 s`, `4 min 10 s`.
pub fn fmt_span(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, s / 60 % 60)
    }
}

#[component]
pub fn ClockBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let now = move || {
        ctx.tick.get();
        ctx.with(|w| fmt_time(w.now()))
    };
    let next = move || {
        ctx.tick.get();
        ctx.with(|w| {
            w.poll_timeout()
                .map(|t| format!("next event in {}", fmt_span(t.saturating_since(w.now()))))
                .unwrap_or_else(|| "nothing scheduled".into())
        })
    };
    let skip = move |_| {
        let since = ctx.with(|w| w.now());
        ctx.world.update_value(|w| {
            if let Some(t) = w.poll_timeout() {
                w.run_until(t);
            }
        });
        step_world(ctx, since);
    };
    let reset = move |_| {
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Reset the world to its start? Mail and changes are lost.")
                    .ok()
            })
            .unwrap_or(true);
        if ok {
            persist::clear();
            persist::clear_local();
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash("");
            }
            let (fresh, _) = crate::sandbox::default_world(1);
            ctx.world.set_value(fresh);
            ctx.tasks.update_value(|t| t.clear());
            ctx.events.set(vec!["The world was reset.".into()]);
            ctx.selected.set(None);
            ctx.epoch.update(|e| *e += 1);
            ctx.tick.update(|t| *t += 1);
        }
    };
    let share_url = RwSignal::new(String::new());
    let speed_btn = move |v: u32, label: &'static str| {
        view! {
            <button
                type="button"
                class="speed"
                class:on=move || ctx.speed.get() == v
                aria-pressed=move || (ctx.speed.get() == v).to_string()
                data-testid=format!("speed-{v}")
                on:click=move |_| ctx.speed.set(v)
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="clock" role="group" aria-label="Virtual time">
            <span
                class="now"
                aria-label="Virtual time"
                data-testid="clock"
                title=move || {
                    ctx.tick.get();
                    ctx.with(|w| format!("Virtual time since the world started; the hosts' clocks say {}", w.clock.rfc5322(w.now())))
                }
            >
                {now}
            </span>
            <span class="speeds" role="group" aria-label="Speed">
                {speed_btn(0, "Pause")}
                {speed_btn(1, "1×")}
                {speed_btn(10, "10×")}
                {speed_btn(60, "60×")}
            </span>
            <button type="button" data-testid="skip" on:click=skip title="Jump to the next scheduled event (a retry, a timeout)">
                "Skip to next event »"
            </button>
            <span class="next" data-testid="next-event">{next}</span>
            <button type="button" data-testid="share-world" title="Copy a link that carries this world (mailboxes, queue, DNS)" on:click=move |_| {
                let link = super::tour::embed::world_share_link(&ctx.with(|w| w.snapshot_json()));
                dom::copy_text(&link);
                share_url.set(link);
                ctx.saved.set("share link copied".into());
            }>"Share link"</button>
            {move || (!share_url.get().is_empty()).then(|| view! {
                <input class="share-url" type="text" readonly aria-label="Share link" data-testid="share-url"
                    prop:value=move || share_url.get()
                    on:focus=move |ev| {
                        if let Some(el) = ev.target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok()) {
                            el.select();
                        }
                    }/>
            })}
            <button type="button" class="danger" data-testid="reset-world" on:click=reset>"Reset world"</button>
            <span class="saved" aria-live="polite" data-testid="saved">{move || ctx.saved.get()}</span>
        </div>
    }
}

#[component]
pub fn EventLog() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    view! {
        <details class="events" open>
            <summary>"Relay events"</summary>
            <ol aria-live="polite" data-testid="event-log">
                {move || {
                    ctx.events
                        .get()
                        .into_iter()
                        .rev()
                        .take(8)
                        .map(|e| view! { <li>{e}</li> })
                        .collect_view()
                }}
            </ol>
        </details>
    }
}
