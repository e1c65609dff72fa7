//! The handles every view shares, provided once by the app and used by each pane (no pane
//! imports another pane or the app). `Ctx` is `Copy` and holds handles only: the work on them
//! (stepping the world, waking, playing hops, saving) is [`super::runtime`]'s, which this
//! module does not import.

use super::model::lit::Activity;
use super::model::pacing::{HopPlayer, ShownHop};
use super::model::wake::Pace;
use super::persist::{Keeper, SaveStatus};
use crate::learn::challenge::{Status, Watch};
use crate::net::HostId;
use crate::sandbox::journey::{Hop, Journey};
use crate::sandbox::mail_client::{SessionTls, Task, TaskStatus};
use crate::sandbox::{DefaultWorld, PcMail, World};
use leptos::prelude::*;

/// What to call when a client session ends.
pub type Callback = Box<dyn FnOnce(TaskStatus, Option<SessionTls>)>;

/// Everything the views share.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub world: StoredValue<World, LocalStorage>,
    pub ids: DefaultWorld,
    /// Bumped each time the world stepped (a deadline came, a person acted, the world was
    /// replaced): views that show the world read it. At rest nothing bumps it.
    pub stepped: RwSignal<u64>,
    /// Bumped when the world is replaced (reset): views drop their connections.
    pub epoch: RwSignal<u32>,
    /// Virtual milliseconds per real millisecond (0 = paused); set through the runtime.
    pub speed: RwSignal<u32>,
    /// Recent world events in words, newest last.
    pub events: RwSignal<Vec<String>>,
    /// Client sessions under way (the mail client's actions) and what to do when they end.
    pub tasks: StoredValue<Vec<(Task, Callback)>, LocalStorage>,
    /// Mail the PCs downloaded with POP3 (kept with the world, exported with it).
    pub pc_mail: StoredValue<PcMail, LocalStorage>,
    pub picture: Picture,
    pub saving: Saving,
    pub challenge: ChallengeHandles,
    /// The runtime's own state (see [`RunState`]).
    pub run: StoredValue<RunState, LocalStorage>,
    /// What the runtime does beyond running the world (see [`Extras`]).
    pub extras: Extras,
}

/// What the network picture shows beyond the world itself.
#[derive(Clone, Copy)]
pub struct Picture {
    /// The host clicked (its details are shown).
    pub selected: RwSignal<Option<HostId>>,
    /// Links lit by bytes that crossed them.
    pub active: RwSignal<Vec<Activity>>,
    /// The hop on the picture now.
    pub shown: RwSignal<Option<ShownHop>>,
    /// Hops drawn so far, newest last (the explanation column lists them).
    pub drawn: RwSignal<Vec<ShownHop>>,
    /// Host names a tour step points at (drawn highlighted).
    pub focus: RwSignal<Vec<String>>,
}

/// Saving the world in the browser.
#[derive(Clone, Copy)]
pub struct Saving {
    /// What the header says about saving.
    pub status: RwSignal<SaveStatus>,
    /// What saves the world (None for tours and embeds, which never touch the saved one).
    pub keeper: StoredValue<Option<Keeper>, LocalStorage>,
    /// Changes to the world that time alone does not make (bytes, events, clicks): autosave
    /// saves when this moved.
    pub revision: StoredValue<u64, LocalStorage>,
}

/// The active challenge (`?challenge=`).
#[derive(Clone, Copy)]
pub struct ChallengeHandles {
    /// Its watch: fed every hop, asked for its status.
    pub watch: StoredValue<Option<Watch>, LocalStorage>,
    /// Its status, updated as the world changes.
    pub status: RwSignal<Option<Status>>,
}

/// The runtime's state between wakes (plain data; the runtime works on it).
pub struct RunState {
    /// Reads the trace and events into hops.
    pub journey: Journey,
    /// Hops waiting to be drawn and the one shown.
    pub player: HopPlayer,
    /// Real time against virtual time.
    pub pace: Pace,
    /// The next wake, if one is planned (dropping it cancels it).
    pub timer: Option<gloo_timers::callback::Timeout>,
    /// The revision saved last, and when (real ms) a save was last started.
    pub saved_revision: u64,
    pub last_save: f64,
}

/// What the whole page adds to the runtime. The embed adds nothing, so its binary carries
/// neither the challenge checker nor the saver (issue 17: a lighter embed); the runtime
/// defines both sets.
#[derive(Clone, Copy)]
pub struct Extras {
    /// Called with the hops of every step.
    pub on_hops: fn(Ctx, &[Hop]),
    /// Called when a save is due.
    pub save: fn(Ctx),
    /// Polls the mail client's sessions (the embed has no mail client).
    pub poll_tasks: fn(Ctx),
    /// The live page: the world is the bridge's, changed only by its log, so the views'
    /// changes (typing, sending, the clock, a host's switches) are refused.
    pub live: bool,
    /// Drawn under a host's details: the live page's mailbox browser. A function, not a flag,
    /// so that only the binary that sets it (`mail-sandbox-live`) links it.
    pub host_extra: Option<fn(crate::net::HostId) -> leptos::prelude::AnyView>,
}

impl Ctx {
    /// Handles over `world`, with the clock at `speed` from real time `now` (ms); the runtime
    /// does `extras` beyond running the world.
    pub fn new(
        world: World,
        ids: DefaultWorld,
        speed: u32,
        keeper: Option<Keeper>,
        extras: Extras,
        now: f64,
    ) -> Ctx {
        let journey = Journey::new(&world);
        Ctx {
            world: StoredValue::new_local(world),
            ids,
            stepped: RwSignal::new(0),
            epoch: RwSignal::new(0),
            speed: RwSignal::new(speed),
            events: RwSignal::new(Vec::new()),
            tasks: StoredValue::new_local(Vec::new()),
            pc_mail: StoredValue::new_local(PcMail::new()),
            picture: Picture {
                selected: RwSignal::new(None),
                active: RwSignal::new(Vec::new()),
                shown: RwSignal::new(None),
                drawn: RwSignal::new(Vec::new()),
                focus: RwSignal::new(Vec::new()),
            },
            saving: Saving {
                status: RwSignal::new(SaveStatus::Idle),
                keeper: StoredValue::new_local(keeper),
                revision: StoredValue::new_local(0),
            },
            challenge: ChallengeHandles {
                watch: StoredValue::new_local(None),
                status: RwSignal::new(None),
            },
            run: StoredValue::new_local(RunState {
                journey,
                player: HopPlayer::default(),
                pace: Pace::new(now, speed),
                timer: None,
                saved_revision: 0,
                last_save: now,
            }),
            extras,
        }
    }

    /// Whether the world is kept in the browser (tours and embeds are not).
    pub fn is_persistent(&self) -> bool {
        self.saving.keeper.with_value(|k| k.is_some())
    }

    /// Reads the world (call inside a view closure after `stepped.get()` to re-render).
    pub fn with<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        self.world.with_value(f)
    }

    pub fn host_name(&self, id: HostId) -> String {
        self.with(|w| w.net.host_name(id).to_string())
    }
}
