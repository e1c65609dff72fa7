//! The page's runtime, apart from every view. It wakes only when something is due (issue 25:
//! a page at rest does nothing): the world's next deadline at the chosen speed, the next hop
//! to show on the picture, a lit link going dark, a save, or a person acting. On a wake it
//! brings the world up to the virtual time of now (in small slices while the mail client's
//! sessions run, so they answer in each), collects link activity, events and the journey's
//! hops, plays the hops one at a time at a pace a person can follow, saves the world when it
//! changed, and plans the next wake ([`crate::ui::model::wake`]).
//!
//! Views never step the world themselves: they act through [`act`], [`spawn`],
//! [`skip_to_next_event`], [`set_speed`] and [`replace_world`].

use super::context::{Ctx, Extras};
use super::dom;
use super::model::lit;
use super::model::pacing::Played;
use super::model::time_text::fmt_time;
use super::model::wake::{next_wake, Pace, Wants};
use super::persist::SaveStatus;
use crate::sandbox::journey::{Hop, Journey};
use crate::sandbox::live::{self, LiveEntry};
use crate::sandbox::mail_client::{SessionTls, Task, TaskStatus};
use crate::sandbox::World;
use crate::time::{Duration, Instant};
use leptos::prelude::*;

/// The longest virtual step taken at once while client sessions run.
const SLICE: Duration = Duration::from_millis(100);
/// Save at most this often (real ms).
const SAVE_EVERY_MS: f64 = 2000.0;
/// Most hops kept in the explanation column.
const MAX_DRAWN: usize = 40;
/// Most lines in the event log.
const MAX_EVENTS: usize = 50;

/// Nothing beyond running the world and drawing it (tours: the embed and the tour page).
pub const EMBED: Extras = Extras {
    on_hops: |_, _| {},
    save: |_| {},
    poll_tasks: |_| {},
    live: false,
    host_extra: None,
};
/// The live page: the world changes only by the bridge's log ([`feed_live`]); nothing is
/// saved (the person's own world stays as it was) and no view may change the world.
pub const LIVE: Extras = Extras {
    on_hops: |_, _| {},
    save: |_| {},
    poll_tasks: |_| {},
    live: true,
    host_extra: Some(super::mailbox_view::browser),
};
/// The whole page: the active challenge watches every hop, the world is saved, and the mail
/// client's sessions are polled.
pub const PAGE: Extras = Extras {
    on_hops: check_challenge,
    save: autosave,
    poll_tasks,
    live: false,
    host_extra: None,
};

/// Starts the runtime: virtual time runs from now, and the first wake is planned.
pub fn start(ctx: Ctx) {
    ctx.run
        .update_value(|r| r.pace = Pace::new(dom::now_ms(), ctx.speed.get_untracked()));
    reschedule(ctx);
}

/// Sets the clock's speed (0 pauses it): the time passed so far counts at the old one.
pub fn set_speed(ctx: Ctx, speed: u32) {
    if ctx.extras.live {
        return;
    }
    catch_up(ctx);
    // What passed at the old speed was just counted: nothing is left for `set_speed` to pass.
    ctx.run.update_value(|r| {
        let _ = r.pace.set_speed(dom::now_ms(), speed);
    });
    ctx.speed.set(speed);
    reschedule(ctx);
}

/// A person's change to the world (send a line, connect, take a host down, add a rule): the
/// world is first brought up to the virtual time of now, then changed, stepped, redrawn and
/// marked for saving.
pub fn act<R>(ctx: Ctx, change: impl FnOnce(&mut World) -> R) -> Option<R> {
    if ctx.extras.live {
        return None;
    }
    catch_up(ctx);
    let since = ctx.with(|w| w.now());
    let out = ctx.world.try_update_value(change);
    mark_changed(ctx);
    step_world(ctx, since, dom::now_ms());
    reschedule(ctx);
    out
}

/// Why the live page refuses a change.
pub const LIVE_REFUSAL: &str =
    "the live page shows the bridge's world: change it through the bridge (its clients, its API)";

/// Gives the world the bridge's next inputs (the live page): a new world when an entry
/// starts one, else each entry replayed in turn; then, when anything came, one step of the
/// views (links lit, hops queued, transcripts redrawn). An entry that does not fit is an
/// error: the caller asks the bridge for its state. `replay` follows the bridge's connections.
pub fn feed_live(ctx: Ctx, replay: &mut live::Replay, entries: &[LiveEntry]) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut since = ctx.with(|w| w.now());
    let mut result = Ok(());
    for entry in entries {
        match replay.start(entry) {
            Some(world) => match world {
                Ok(world) => {
                    since = world.now();
                    replace_world(ctx, world);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            },
            None => {
                let fed = ctx
                    .world
                    .try_update_value(|w| replay.apply(w, entry))
                    .unwrap_or_else(|| Err("the world is gone".into()));
                if let Err(e) = fed {
                    result = Err(e);
                    break;
                }
            }
        }
    }
    step_world(ctx, since, dom::now_ms());
    reschedule(ctx);
    result
}

/// Jumps virtual time to the world's next deadline (a retry, a timeout).
pub fn skip_to_next_event(ctx: Ctx) {
    act(ctx, |w| {
        if let Some(t) = w.poll_timeout() {
            w.run_until(t);
        }
    });
}

/// Starts a client session made by `make`; `done` gets its result when it ends.
pub fn spawn(
    ctx: Ctx,
    make: impl FnOnce(&mut World) -> Result<Task, String>,
    done: impl FnOnce(TaskStatus, Option<SessionTls>) + 'static,
) -> Result<(), String> {
    if ctx.extras.live {
        return Err(LIVE_REFUSAL.into());
    }
    catch_up(ctx);
    let since = ctx.with(|w| w.now());
    let task = ctx
        .world
        .try_update_value(make)
        .unwrap_or_else(|| Err("the world is gone".into()))?;
    // A challenge that asks for a session typed by hand does not count the mail client's
    // (marked before the step below shows the watch its first hop).
    ctx.challenge.watch.update_value(|w| {
        if let Some(w) = w {
            w.mark_mail_client(task.conn());
        }
    });
    ctx.tasks.update_value(|t| t.push((task, Box::new(done))));
    mark_changed(ctx);
    step_world(ctx, since, dom::now_ms());
    reschedule(ctx);
    Ok(())
}

/// Notes a change to the world that time alone does not make (or a conflict the person
/// resolved), and plans the save.
pub fn touch(ctx: Ctx) {
    mark_changed(ctx);
    reschedule(ctx);
}

/// Notes a change for autosave; the caller plans the next wake.
fn mark_changed(ctx: Ctx) {
    ctx.saving.revision.update_value(|r| *r += 1);
}

/// Brings the world up to the virtual time of now without waiting for the next wake (before
/// reading its time for a `Date:` header, say).
pub fn catch_up(ctx: Ctx) {
    let real = dom::now_ms();
    let passed = ctx
        .run
        .try_update_value(|r| r.pace.catch_up(real))
        .unwrap_or(Duration::ZERO);
    if passed > Duration::ZERO {
        advance(ctx, passed, real);
    }
}

/// Replaces the world (reset, import, a tour's Back): views drop their connections, the
/// picture forgets what it was drawing.
pub fn replace_world(ctx: Ctx, world: World) {
    ctx.run.update_value(|r| {
        r.journey = Journey::new(&world);
        r.player.clear();
        // The new world's time runs from now, not from the old world's last step.
        r.pace = Pace::new(dom::now_ms(), r.pace.speed());
    });
    ctx.world.set_value(world);
    ctx.tasks.update_value(|t| t.clear());
    ctx.picture.shown.set(None);
    ctx.picture.drawn.set(Vec::new());
    ctx.picture.active.set(Vec::new());
    ctx.picture.selected.set(None);
    mark_changed(ctx);
    ctx.epoch.update(|e| *e += 1);
    ctx.stepped.update(|s| *s += 1);
    reschedule(ctx);
}

/// Plans the next wake from what is due; with nothing due, none (the page rests).
fn reschedule(ctx: Ctx) {
    let now = dom::now_ms();
    let (deadline_in, tasks_running) = ctx.with(|w| {
        (
            w.poll_timeout().map(|t| t.saturating_since(w.now())),
            ctx.tasks.with_value(|t| !t.is_empty()),
        )
    });
    let link_dark = ctx.picture.active.with_untracked(|a| lit::next_dark(a));
    let save_due = save_due(ctx);
    let sleep = ctx.run.with_value(|r| {
        let wants = Wants {
            world_deadline_in: deadline_in,
            tasks_running,
            hop_due: r.player.due(),
            link_dark,
            save_due: save_due.map(|_| r.last_save + SAVE_EVERY_MS),
        };
        next_wake(now, &r.pace, &wants)
    });
    // Dropping the old timer cancels it (also when this runs inside it: the browser has
    // already called it).
    let timer =
        sleep.map(|ms| gloo_timers::callback::Timeout::new(ms.ceil() as u32, move || wake(ctx)));
    ctx.run.update_value(|r| r.timer = timer);
}

/// Whether a save is wanted: the world changed since the last save and the keeper can save.
fn save_due(ctx: Ctx) -> Option<()> {
    let keeper = ctx.saving.keeper.get_value()?;
    let revision = ctx.saving.revision.get_value();
    let saved = ctx.run.with_value(|r| r.saved_revision);
    (revision != saved && keeper.is_ready()).then_some(())
}

/// What a planned wake does: step the world if a deadline came (or sessions run), show the
/// next hop, let lit links go dark, save, and plan the next wake.
fn wake(ctx: Ctx) {
    let real = dom::now_ms();
    // Virtual time is only brought up to date when the world has something to do (a
    // deadline came, or client sessions run); otherwise it keeps counting in `pace`.
    let ahead = ctx.with(|w| w.poll_timeout().map(|t| t.saturating_since(w.now())));
    let busy = ctx.tasks.with_value(|t| !t.is_empty());
    let passed = ctx
        .run
        .try_update_value(|r| {
            let mut pace = r.pace;
            let passed = pace.catch_up(real);
            let due = busy || ahead.is_some_and(|a| a <= passed);
            if due {
                r.pace = pace;
            }
            due.then_some(passed)
        })
        .flatten();
    match passed {
        Some(passed) => advance(ctx, passed, real),
        None => unlight(ctx, real),
    }
    play_hops(ctx, real);
    if save_due(ctx).is_some() && real - ctx.run.with_value(|r| r.last_save) >= SAVE_EVERY_MS {
        ctx.run.update_value(|r| r.last_save = real);
        (ctx.extras.save)(ctx);
    }
    reschedule(ctx);
}

/// Moves virtual time by `passed`: with client sessions under way in small slices, letting
/// them answer in each, so their exchanges keep realistic timing at 60x too.
fn advance(ctx: Ctx, passed: Duration, real: f64) {
    let since = ctx.with(|w| w.now());
    let target = since + passed;
    for _ in 0..200 {
        let now = ctx.with(|w| w.now());
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
    step_world(ctx, since, real);
}

/// After the world moved from `since`: poll client sessions, light the links bytes crossed,
/// collect events and hops, and tell the views.
fn step_world(ctx: Ctx, since: Instant, real: f64) {
    (ctx.extras.poll_tasks)(ctx);
    let crossed: Vec<_> = ctx.with(|w| {
        w.active_links(since)
            .into_iter()
            .map(|(client, server, _port, side)| (client, server, side == crate::net::Side::Client))
            .collect()
    });
    let mut events = Vec::new();
    ctx.world.update_value(|w| {
        while let Some(e) = w.poll_event_stamped() {
            events.push(e);
        }
    });
    if !crossed.is_empty() || !events.is_empty() {
        mark_changed(ctx);
    }
    light(ctx, crossed, real);
    let hops = ctx
        .world
        .with_value(|w| ctx.run.try_update_value(|r| r.journey.poll(w, &events)))
        .unwrap_or_default();
    (ctx.extras.on_hops)(ctx, &hops);
    if !hops.is_empty() {
        ctx.run.update_value(|r| r.player.queue(hops));
    }
    let lines: Vec<String> = events.iter().filter_map(|(_, e)| e.summary()).collect();
    if !lines.is_empty() {
        let stamp = ctx.with(|w| fmt_time(w.now()));
        ctx.events.update(|ev| {
            ev.extend(lines.into_iter().map(|l| format!("[{stamp}] {l}")));
            let n = ev.len();
            if n > MAX_EVENTS {
                ev.drain(..n - MAX_EVENTS);
            }
        });
    }
    ctx.stepped.update(|s| *s += 1);
}

/// Lights the links bytes crossed at `real`, and lets the old ones go dark.
fn light(ctx: Ctx, crossed: Vec<(crate::net::HostId, crate::net::HostId, bool)>, real: f64) {
    let mut lit_now = ctx.picture.active.get_untracked();
    if lit::light(&mut lit_now, crossed, real) {
        ctx.picture.active.set(lit_now);
    }
}

fn unlight(ctx: Ctx, real: f64) {
    light(ctx, Vec::new(), real);
}

/// Shows the next waiting hop when the one shown has been on long enough.
fn play_hops(ctx: Ctx, real: f64) {
    let played = ctx.run.try_update_value(|r| r.player.poll(real)).flatten();
    match played {
        Some(Played::Show(shown)) => {
            ctx.picture.drawn.update(|d| {
                d.push(shown.clone());
                let n = d.len();
                if n > MAX_DRAWN {
                    d.drain(..n - MAX_DRAWN);
                }
            });
            ctx.picture.shown.set(Some(shown));
        }
        Some(Played::Clear) => ctx.picture.shown.set(None),
        None => {}
    }
}

/// Feeds the active challenge's watch every hop and shows its status when it changed.
fn check_challenge(ctx: Ctx, hops: &[Hop]) {
    let status = ctx
        .world
        .with_value(|w| {
            ctx.challenge.watch.try_update_value(|watch| {
                watch.as_mut().map(|watch| {
                    watch.observe(w, hops);
                    watch.status(w)
                })
            })
        })
        .flatten();
    if let Some(status) = status {
        if ctx
            .challenge
            .status
            .with_untracked(|s| s.as_ref() != Some(&status))
        {
            ctx.challenge.status.set(Some(status));
        }
    }
}

/// Saves the world (it changed since the last save that succeeded), one save at a time.
fn autosave(ctx: Ctx) {
    let Some(keeper) = ctx.saving.keeper.get_value() else {
        return;
    };
    let revision = ctx.saving.revision.get_value();
    ctx.world.with_value(|w| {
        ctx.pc_mail.with_value(|pcs| {
            keeper.save(w, pcs, move |status| {
                // A failed save is tried again at the next change, not every two seconds; after
                // a conflict, once the person keeps this tab's world.
                if matches!(status, SaveStatus::Saved { .. } | SaveStatus::Failed { .. }) {
                    ctx.run.update_value(|r| r.saved_revision = revision);
                }
                ctx.saving.status.set(status);
                // A change made while this save ran is saved next.
                reschedule(ctx);
            })
        })
    });
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
                finished.push((task.status.clone(), task.session_tls(), cb));
            }
        }
        ctx.tasks.update_value(|t| {
            running.append(t);
            *t = running;
        });
        let none_finished = finished.is_empty();
        for (status, tls, cb) in finished {
            cb(status, tls);
        }
        if none_finished {
            break;
        }
    }
}
