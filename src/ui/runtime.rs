//! The page's runtime, apart from every view: a timer advances the world by real elapsed time
//! × speed, polls the mail client's sessions, records link activity, reads the journey's hops
//! and plays them on the picture one at a time at a pace a person can follow, and saves the
//! world when it changed (a revision counter that time alone does not move).

use super::context::{Activity, Ctx, ShownHop};
use super::dom;
use super::persist::SaveStatus;
use crate::sandbox::journey::Hop;
use crate::time::{Duration, Instant};
use leptos::prelude::*;
use std::cell::Cell;
use std::rc::Rc;

const TICK_MS: u32 = 100;
/// The longest virtual step taken at once while client sessions run.
const SLICE: Duration = Duration::from_millis(100);
/// How many ticks a link stays lit after bytes crossed it.
const LIT_TICKS: u64 = 8;
/// Save at most this often (real ms).
const SAVE_EVERY_MS: f64 = 2000.0;
/// How long a command label stays on its link, and a world event (queue, MX lookup, relay,
/// delivery) on the picture, when nothing waits behind it (real ms).
const COMMAND_MS: f64 = 650.0;
const EVENT_MS: f64 = 1600.0;
/// Shortest showing when many hops wait.
const HURRIED_MS: f64 = 160.0;
/// Most hops waiting; past it the oldest commands are skipped (events are kept).
const MAX_PENDING: usize = 60;
/// Most hops kept in the explanation column.
const MAX_DRAWN: usize = 40;

/// What the whole page adds to the runtime. The embed adds nothing, so its binary carries
/// neither the challenge checker nor the saver (issue 17: a lighter embed).
#[derive(Clone, Copy)]
pub struct Extras {
    /// Called with the hops of every step.
    pub on_hops: fn(Ctx, &[Hop]),
    /// Called every [`SAVE_EVERY_MS`] with the revision saved last.
    pub save: fn(Ctx, &Rc<Cell<u64>>),
    /// Polls the mail client's sessions (the embed has no mail client).
    pub poll_tasks: fn(Ctx),
}

impl Extras {
    /// Nothing beyond running the world and drawing it (tours in the embed).
    pub const NONE: Extras = Extras {
        on_hops: |_, _| {},
        save: |_, _| {},
        poll_tasks: |_| {},
    };
    /// The whole page: the active challenge watches every hop, the world is saved, and the mail
    /// client's sessions are polled.
    pub const PAGE: Extras = Extras {
        on_hops: check_challenge,
        save: autosave,
        poll_tasks,
    };
}

/// Starts the timer that runs the page.
pub fn start(ctx: Ctx) {
    let last = Rc::new(Cell::new(dom::now_ms()));
    let last_save = Rc::new(Cell::new(dom::now_ms()));
    let saved_revision = Rc::new(Cell::new(ctx.revision.get_value()));
    let shown_at = Rc::new(Cell::new(0.0f64));
    let serial = Rc::new(Cell::new(0u64));
    let interval = gloo_timers::callback::Interval::new(TICK_MS, move || {
        let real = dom::now_ms();
        let dt = (real - last.get()).clamp(0.0, 1000.0);
        last.set(real);
        advance(ctx, dt);
        play_hops(ctx, real, &shown_at, &serial);
        if real - last_save.get() > SAVE_EVERY_MS {
            last_save.set(real);
            (ctx.extras.save)(ctx, &saved_revision);
        }
    });
    interval.forget();
}

/// Feeds the active challenge's watch every hop and shows its status when it changed.
fn check_challenge(ctx: Ctx, hops: &[Hop]) {
    let status = ctx
        .world
        .with_value(|w| {
            ctx.watch.try_update_value(|watch| {
                watch.as_mut().map(|watch| {
                    watch.observe(w, hops);
                    watch.status(w)
                })
            })
        })
        .flatten();
    if let Some(status) = status {
        if ctx
            .challenge_status
            .with_untracked(|s| s.as_ref() != Some(&status))
        {
            ctx.challenge_status.set(Some(status));
        }
    }
}

/// Saves the world when it changed since the last save that succeeded, one save at a time.
fn autosave(ctx: Ctx, saved_revision: &Rc<Cell<u64>>) {
    let Some(keeper) = ctx.keeper.get_value() else {
        return;
    };
    let revision = ctx.revision.get_value();
    if revision == saved_revision.get() || !keeper.is_ready() {
        return;
    }
    let saved_revision = Rc::clone(saved_revision);
    ctx.world.with_value(|w| {
        ctx.pc_mail.with_value(|pcs| {
            keeper.save(w, pcs, move |status| {
                // A failed save is tried again at the next change, not every two seconds; after
                // a conflict, once the person keeps this tab's world.
                if matches!(status, SaveStatus::Saved { .. } | SaveStatus::Failed { .. }) {
                    saved_revision.set(revision);
                }
                ctx.saved.set(status);
            })
        })
    });
}

/// Moves virtual time by `dt` real milliseconds × speed.
fn advance(ctx: Ctx, dt: f64) {
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
        (ctx.extras.poll_tasks)(ctx);
    }
    ctx.world.update_value(|w| w.run_until(target));
    step_world(ctx, since);
}

/// After time moved (or the world changed): poll client sessions, collect activity since
/// `since`, events and hops, and re-render.
pub fn step_world(ctx: Ctx, since: Instant) {
    (ctx.extras.poll_tasks)(ctx);
    let tick = ctx.tick.get_untracked() + 1;
    let links = ctx.world.with_value(|w| w.active_links(since));
    let mut events = Vec::new();
    ctx.world.update_value(|w| {
        while let Some(e) = w.poll_event_stamped() {
            events.push(e);
        }
    });
    if !links.is_empty() || !events.is_empty() {
        ctx.touch();
    }
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
    let hops = ctx
        .world
        .with_value(|w| ctx.journey.try_update_value(|j| j.poll(w, &events)))
        .unwrap_or_default();
    (ctx.extras.on_hops)(ctx, &hops);
    if !hops.is_empty() {
        ctx.pending.update_value(|p| {
            p.extend(hops);
            while p.len() > MAX_PENDING {
                match p.iter().position(|h| !matches!(h, Hop::Event(_))) {
                    Some(i) => {
                        p.remove(i);
                    }
                    None => {
                        p.pop_front();
                    }
                }
            }
        });
    }
    let lines: Vec<String> = events.iter().filter_map(|(_, e)| e.summary()).collect();
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

/// Shows the next waiting hop when the current one has been on long enough; the more wait,
/// the quicker each goes.
fn play_hops(ctx: Ctx, real: f64, shown_at: &Cell<f64>, serial: &Cell<u64>) {
    let waiting = ctx.pending.with_value(|p| p.len());
    let current = ctx
        .shown
        .with_untracked(|s| s.as_ref().map(|s| s.hop.clone()));
    let base = match current {
        Some(Hop::Event(_)) => EVENT_MS,
        Some(_) => COMMAND_MS,
        None => 0.0,
    };
    let due =
        (base / (1.0 + waiting as f64 / 3.0)).max(if waiting > 0 { HURRIED_MS } else { base });
    if real - shown_at.get() < due {
        return;
    }
    let next = ctx.pending.try_update_value(|p| p.pop_front()).flatten();
    match next {
        Some(hop) => {
            serial.set(serial.get() + 1);
            let shown = ShownHop {
                hop,
                serial: serial.get(),
            };
            ctx.drawn.update(|d| {
                d.push(shown.clone());
                let n = d.len();
                if n > MAX_DRAWN {
                    d.drain(..n - MAX_DRAWN);
                }
            });
            ctx.shown.set(Some(shown));
            shown_at.set(real);
        }
        None if current.is_some() => ctx.shown.set(None),
        None => {}
    }
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
