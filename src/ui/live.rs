//! The live page (`live.html`, where the TCP bridge serves the page with `--http`): the page
//! runs its own copy of the bridge's world, fed with the bridge's input log
//! ([`crate::sandbox::live`]) from `GET /api/live/log?from=N`, so the picture, the hops, the
//! transcripts and the mailboxes show what real clients do to the bridge as they do it.
//!
//! The log is long-polled (`wait=1`): the bridge holds a request at the log's end until entries
//! come (or 60 s pass), so a page at rest asks once a minute and draws nothing (the world is
//! stepped only when entries come). After entries came it waits [`POLL_MIN_MS`] before asking
//! again, so a busy bridge's inputs come in batches; a full batch means the page is behind: it
//! asks for the next one at once. When the bridge does not answer, it tries again every
//! [`POLL_MAX_MS`]. An entry that
//! does not fit the copy (it parted from the bridge's world) makes it ask for the bridge's
//! state and go on from there.

use super::app::{frame, Frame};
use super::context::Ctx;
use super::{runtime, transcripts};
use crate::sandbox::live::{self, LiveEntry};
use crate::sandbox::World;
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The wait between polls after entries came (they then come in batches).
pub const POLL_MIN_MS: i32 = 250;
/// The wait after the bridge did not answer.
pub const POLL_MAX_MS: i32 = 2000;
/// Most entries asked for at once.
const BATCH: usize = 2000;
/// The log index that is never there: the bridge answers it with its state.
const ASK_FOR_STATE: u64 = u64::MAX;

/// One answer of the log endpoint.
#[derive(Deserialize)]
struct LogPage {
    next: u64,
    entries: Vec<LiveEntry>,
}

/// The world the live page opens with, and where the log goes on.
pub struct LiveStart {
    pub world: World,
    /// The bridge runs TLS (its sessions are replayed decrypted, see [`live::WorldSpec::tls`]).
    pub tls: bool,
    /// Follows the bridge's connections and TLS layers in `world`.
    replay: live::Replay,
    next: u64,
    /// Entries that came with the world, to feed once the page is up.
    rest: Vec<LiveEntry>,
}

/// Fetches the log from its start (or the bridge's state, when the start is gone) and builds
/// the world it begins with.
pub async fn first_world() -> Result<LiveStart, String> {
    let page = fetch_log(0).await?;
    let mut entries = page.entries.into_iter();
    let first = entries
        .next()
        .ok_or_else(|| "the bridge sent no world".to_string())?;
    let tls = match &first {
        LiveEntry::Start { spec } | LiveEntry::State { spec, .. } => spec.tls,
        _ => false,
    };
    let mut replay = live::Replay::default();
    let world = replay
        .start(&first)
        .ok_or_else(|| "the bridge's log does not start with a world".to_string())??;
    Ok(LiveStart {
        world,
        tls,
        replay,
        next: page.next,
        rest: entries.collect(),
    })
}

/// Entry point of the `mail-sandbox-live` binary (`live.html`, which the bridge serves at `/`
/// with `--http`): the bridge's world, not the saved one (which stays as it was). The page's own
/// binary (`mail-sandbox-web`) carries none of this (issue 29: what the first screen of the
/// sandbox never runs is not in its first load).
pub fn start_live() {
    super::begin_page();
    wasm_bindgen_futures::spawn_local(async move {
        match first_world().await {
            Ok(start) => super::mount_page(move || view! { <LiveApp start=start/> }),
            Err(e) => super::mount_page(move || {
                view! {
                    <p class="pane" data-testid="live-error">
                        {format!("The live page could not reach the bridge: {e}")}
                    </p>
                }
            }),
        }
    });
}

/// The live page: the picture, the explanation and the transcripts of the bridge's world,
/// which only the bridge's log changes ([`runtime::LIVE`]).
#[component]
fn LiveApp(start: LiveStart) -> impl IntoView {
    let note = RwSignal::new(LiveNote {
        text: "Live: connecting to the bridge".into(),
        next: 0,
    });
    let tls = start.tls;
    let (world, next, replay, rest) = start.into_follow();
    let ids = crate::sandbox::default_world(1).1;
    let ctx = Ctx::new(world, ids, 0, None, runtime::LIVE, super::dom::now_ms());
    provide_context(ctx);
    runtime::start(ctx);
    follow(ctx, next, replay, rest, note);
    let work = view! {
        <section class="work" aria-label="The bridge's sessions">
            <section class="pane live-pane" data-testid="live-note" data-next=move || note.with(|n| n.next.to_string())>
                <h2>{move || note.with(|n| n.text.clone())}</h2>
                <p class="hint">"Every session a real client has with the bridge appears here as it happens: its hops on the picture, its transcript explained line by line below, the mailboxes in each host's details. The page only watches: to change the world, use the bridge (its mail ports, its API under /api/v1)."</p>
                {tls.then(|| view! {
                    <p class="hint" data-testid="live-tls">"The bridge runs TLS: a session that turns to TLS goes on here decrypted, as the bridge's TLS layer handed it to the server (the bridge sends what its TLS did; this page holds no key and does no cryptography)."</p>
                })}
            </section>
            <transcripts::TranscriptPane/>
        </section>
    }
    .into_any();
    frame(
        ctx,
        Frame {
            compact: false,
            touring: false,
            title: "Mail Sandbox: live",
            clock: false,
            badge_title: None,
        },
        work,
    )
}

/// What the live page tells the person (and, as `data-next`, the tests): how far it is.
#[derive(Clone, Default, PartialEq)]
pub struct LiveNote {
    pub text: String,
    /// The log index the page's world has reached.
    pub next: u64,
}

/// Feeds the page's world the log from `start_next` on (after the entries that came with
/// the world), for as long as the page is open; `note` tells the person what the page is
/// doing.
pub fn follow(
    ctx: Ctx,
    start_next: u64,
    mut replay: live::Replay,
    rest: Vec<LiveEntry>,
    note: RwSignal<LiveNote>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut next = start_next;
        if runtime::feed_live(ctx, &mut replay, &rest).is_err() {
            next = ASK_FOR_STATE;
        }
        let mut wait = POLL_MIN_MS;
        let mut fed: u64 = rest.len() as u64;
        // The world is up: say so now, not when the first poll comes back (at rest the
        // bridge holds it for a minute).
        note.set(LiveNote {
            text: replayed_text(fed),
            next: start_next,
        });
        loop {
            sleep(wait).await;
            let asked = js_sys::Date::now();
            match fetch_log(next).await {
                Ok(page) => {
                    let count = page.entries.len();
                    let fitted = runtime::feed_live(ctx, &mut replay, &page.entries).is_ok();
                    let reached = match fitted {
                        true => page.next,
                        false => note.with_untracked(|n| n.next),
                    };
                    next = if fitted { page.next } else { ASK_FOR_STATE };
                    fed += count as u64;
                    wait = match count {
                        // The hold ended with nothing: ask again (and be held again); an
                        // empty answer at once (the bridge held no more readers) waits.
                        0 if js_sys::Date::now() - asked > 1000.0 => 0,
                        0 => POLL_MAX_MS,
                        n if n >= BATCH => 0,
                        _ => POLL_MIN_MS,
                    };
                    let now = LiveNote {
                        text: replayed_text(fed),
                        next: reached,
                    };
                    if note.with_untracked(|n| *n != now) {
                        note.set(now);
                    }
                }
                Err(e) => {
                    note.update(|n| {
                        n.text = format!("Live: the bridge does not answer ({e}); trying again")
                    });
                    wait = POLL_MAX_MS;
                }
            }
        }
    });
}

/// What the note says once the page follows the bridge's world.
fn replayed_text(fed: u64) -> String {
    format!("Live: the bridge's world, {fed} inputs replayed")
}

impl LiveStart {
    /// Where the log goes on, the replay that follows the world, and the entries that came
    /// with the world.
    pub fn into_follow(self) -> (World, u64, live::Replay, Vec<LiveEntry>) {
        (self.world, self.next, self.replay, self.rest)
    }
}

async fn fetch_log(from: u64) -> Result<LogPage, String> {
    let window = web_sys::window().ok_or("no window")?;
    let url = format!("/api/live/log?from={from}&limit={BATCH}&wait=1");
    let response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .map_err(|_| "the bridge is not reachable".to_string())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "not an HTTP response".to_string())?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(|_| "no body".to_string())?)
        .await
        .map_err(|_| "the body did not come".to_string())?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("not a log page: {e}"))
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
