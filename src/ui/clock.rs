//! The clock bar (virtual time with speed and skip) and the relay event log.
//! What runs the clock is [`super::runtime`].

use super::context::Ctx;
use super::model::time_text::{fmt_span, fmt_time};
use super::runtime;
use leptos::prelude::*;

#[component]
pub fn ClockBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let now = move || {
        ctx.stepped.get();
        ctx.with(|w| fmt_time(w.now()))
    };
    let next = move || {
        ctx.stepped.get();
        ctx.with(|w| {
            w.poll_timeout()
                .map(|t| format!("next event in {}", fmt_span(t.saturating_since(w.now()))))
                .unwrap_or_else(|| "nothing scheduled".into())
        })
    };
    let skip = move |_| runtime::skip_to_next_event(ctx);
    let speed_btn = move |v: u32, label: &'static str| {
        view! {
            <button
                type="button"
                class="speed"
                class:on=move || ctx.speed.get() == v
                aria-pressed=move || (ctx.speed.get() == v).to_string()
                data-testid=format!("speed-{v}")
                on:click=move |_| runtime::set_speed(ctx, v)
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
                    ctx.stepped.get();
                    ctx.with(|w| format!("Virtual time since the world started, as of its last step (it stands still while nothing happens); the hosts' clocks say {}", w.clock.rfc5322(w.now())))
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
