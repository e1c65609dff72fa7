//! The handles every view shares, provided once by the app and used by each pane (no pane
//! imports another pane or the app). `Ctx` is `Copy`: it holds handles only; the work on them
//! (the pump, tasks, autosave) lives in [`super::runtime`].

use super::persist::{Keeper, SaveStatus};
use super::runtime::Extras;
use crate::learn::challenge::{Status, Watch};
use crate::net::HostId;
use crate::sandbox::journey::{Hop, Journey};
use crate::sandbox::mail_client::{Task, TaskStatus};
use crate::sandbox::{DefaultWorld, PcMail, World};
use leptos::prelude::*;
use std::collections::VecDeque;

/// Bytes that crossed a link recently, for the animation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub client: HostId,
    pub server: HostId,
    /// Bytes went from the client to the server.
    pub to_server: bool,
    /// The tick until which it stays lit.
    pub until: u64,
}

/// A hop on the picture now (see [`super::runtime`]'s player), with the tick it appeared at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownHop {
    pub hop: Hop,
    /// A counter that tells two showings of equal hops apart (for animations to restart).
    pub serial: u64,
}

type Callback = Box<dyn FnOnce(TaskStatus)>;

/// Everything the views share.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub world: StoredValue<World, LocalStorage>,
    pub ids: DefaultWorld,
    /// Bumped after every step of virtual time; views that show the world read it.
    pub tick: RwSignal<u64>,
    /// Virtual milliseconds per real millisecond (0 = paused).
    pub speed: RwSignal<u32>,
    pub selected: RwSignal<Option<HostId>>,
    pub active: RwSignal<Vec<Activity>>,
    /// Recent world events in words, newest last.
    pub events: RwSignal<Vec<String>>,
    /// Client sessions under way (the mail client's actions) and what to do when they end.
    pub tasks: StoredValue<Vec<(Task, Callback)>, LocalStorage>,
    /// What the header says about saving.
    pub saved: RwSignal<SaveStatus>,
    /// What saves the world (None for tours and embeds, which never touch the saved one).
    pub keeper: StoredValue<Option<Keeper>, LocalStorage>,
    /// The active challenge's watch (`?challenge=`): fed every hop, asked for its status.
    pub watch: StoredValue<Option<Watch>, LocalStorage>,
    /// The active challenge's status, updated as the world changes.
    pub challenge_status: RwSignal<Option<Status>>,
    /// Mail the PCs downloaded with POP3 (kept with the world, exported with it).
    pub pc_mail: StoredValue<PcMail, LocalStorage>,
    /// Bumped when the world is replaced (reset): views drop their connections.
    pub epoch: RwSignal<u32>,
    /// Reads the trace and events into hops.
    pub journey: StoredValue<Journey, LocalStorage>,
    /// Hops waiting to be drawn, oldest first.
    pub pending: StoredValue<VecDeque<Hop>, LocalStorage>,
    /// The hop on the picture now.
    pub shown: RwSignal<Option<ShownHop>>,
    /// Hops drawn so far, newest last (the explanation column lists them).
    pub drawn: RwSignal<Vec<ShownHop>>,
    /// Host names a tour step points at (drawn highlighted).
    pub focus: RwSignal<Vec<String>>,
    /// Changes to the world that time alone does not make (bytes, events, clicks): autosave
    /// saves when this moved.
    pub revision: StoredValue<u64, LocalStorage>,
    /// What the runtime does beyond running the world (see [`Extras`]).
    pub extras: Extras,
}

impl Ctx {
    /// Handles over `world`, with the clock at `speed`.
    pub fn new(world: World, ids: DefaultWorld, speed: u32, keeper: Option<Keeper>) -> Ctx {
        let journey = Journey::new(&world);
        Ctx {
            world: StoredValue::new_local(world),
            ids,
            tick: RwSignal::new(0),
            speed: RwSignal::new(speed),
            selected: RwSignal::new(None),
            active: RwSignal::new(Vec::new()),
            events: RwSignal::new(Vec::new()),
            tasks: StoredValue::new_local(Vec::new()),
            saved: RwSignal::new(SaveStatus::Idle),
            keeper: StoredValue::new_local(keeper),
            pc_mail: StoredValue::new_local(PcMail::new()),
            watch: StoredValue::new_local(None),
            challenge_status: RwSignal::new(None),
            epoch: RwSignal::new(0),
            journey: StoredValue::new_local(journey),
            pending: StoredValue::new_local(VecDeque::new()),
            shown: RwSignal::new(None),
            drawn: RwSignal::new(Vec::new()),
            focus: RwSignal::new(Vec::new()),
            revision: StoredValue::new_local(0),
            extras: Extras::NONE,
        }
    }

    /// The same handles, with the runtime doing `extras` too.
    pub fn with_extras(self, extras: Extras) -> Ctx {
        Ctx { extras, ..self }
    }

    /// Whether the world is kept in the browser (tours and embeds are not).
    pub fn is_persistent(&self) -> bool {
        self.keeper.with_value(|k| k.is_some())
    }

    /// Runs a client session; `done` gets its result when it ends.
    pub fn spawn(&self, task: Task, done: impl FnOnce(TaskStatus) + 'static) {
        // A challenge that asks for a session typed by hand does not count the mail client's.
        self.watch.update_value(|w| {
            if let Some(w) = w {
                w.mark_mail_client(task.conn());
            }
        });
        self.tasks.update_value(|t| t.push((task, Box::new(done))));
    }

    /// Reads the world (call inside a view closure after `tick.get()` to re-render).
    pub fn with<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        self.world.with_value(f)
    }

    pub fn host_name(&self, id: HostId) -> String {
        self.with(|w| w.net.host_name(id).to_string())
    }

    /// Notes a change to the world made by a click (host down, link cut), for autosave.
    pub fn touch(&self) {
        self.revision.update_value(|r| *r += 1);
    }

    /// Replaces the world (reset, a tour's Back): views drop their connections, the picture
    /// forgets what it was drawing.
    pub fn replace_world(&self, world: World) {
        self.journey.set_value(Journey::new(&world));
        self.world.set_value(world);
        self.tasks.update_value(|t| t.clear());
        self.pending.update_value(|p| p.clear());
        self.shown.set(None);
        self.drawn.set(Vec::new());
        self.active.set(Vec::new());
        self.selected.set(None);
        self.touch();
        self.epoch.update(|e| *e += 1);
        self.tick.update(|t| *t += 1);
    }
}
