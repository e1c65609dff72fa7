//! The page: the shared context (the world and the tick every view reads), the header with the
//! clock controls, and the panes.

use super::{client, clock, host_panel, network, persist, terminal, transcripts};
use crate::net::HostId;
use crate::sandbox::mail_client::{Task, TaskStatus};
use crate::sandbox::{DefaultWorld, World};
use leptos::prelude::*;

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

type Callback = Box<dyn FnOnce(TaskStatus)>;

/// Everything the views share. `Copy`: it is handles only.
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
    /// Recent world events, newest last.
    pub events: RwSignal<Vec<String>>,
    /// Client sessions under way (the mail client's actions) and what to do when they end.
    pub tasks: StoredValue<Vec<(Task, Callback)>, LocalStorage>,
    /// Text of the last save ("saved", or an error), for the header.
    pub saved: RwSignal<String>,
    /// Bumped when the world is replaced (reset): views drop their connections.
    pub epoch: RwSignal<u32>,
}

impl Ctx {
    /// Runs a client session; `done` gets its result when it ends.
    pub fn spawn(&self, task: Task, done: impl FnOnce(TaskStatus) + 'static) {
        self.tasks.update_value(|t| t.push((task, Box::new(done))));
    }

    /// Reads the world (call inside a view closure after `tick.get()` to re-render).
    pub fn with<R>(&self, f: impl FnOnce(&World) -> R) -> R {
        self.world.with_value(f)
    }

    pub fn host_name(&self, id: HostId) -> String {
        self.with(|w| w.net.host_name(id).to_string())
    }
}

#[component]
pub fn App() -> impl IntoView {
    let (world, ids, restored) = persist::load();
    let ctx = Ctx {
        world: StoredValue::new_local(world),
        ids,
        tick: RwSignal::new(0),
        speed: RwSignal::new(1),
        selected: RwSignal::new(None),
        active: RwSignal::new(Vec::new()),
        events: RwSignal::new(if restored {
            vec!["Restored the saved world.".to_string()]
        } else {
            Vec::new()
        }),
        tasks: StoredValue::new_local(Vec::new()),
        saved: RwSignal::new(String::new()),
        epoch: RwSignal::new(0),
    };
    provide_context(ctx);
    clock::start(ctx);
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <div class="title">
                <h1>"Mail Sandbox"</h1>
                <p class="tagline">"Watch e-mail travel: SMTP submission, relay by MX, POP3 and IMAP over a virtual network."</p>
            </div>
            <clock::ClockBar/>
        </header>
        <main id="main" data-testid="app-ready">
            <section class="pane network-pane" aria-labelledby="net-h">
                <h2 id="net-h">"The network"</h2>
                <details class="howto" data-testid="howto">
                    <summary>"What to try"</summary>
                    <ol>
                        <li>"On the sender's PC, write a message and press Send: it goes to the ISP's host by submission (:587), which looks up the MX of corp.example and relays it (:25) to the corporate host, into boss's mailbox."</li>
                        <li>"On the recipient's PC, log in and read it with POP3, then switch to IMAP."</li>
                        <li>"Click the corporate host and take it down, then send again: the message waits in the ISP's queue. Bring the host up and skip to the next event to see the retry."</li>
                        <li>"Open a terminal (telnet mx.corp.example 25) and speak SMTP yourself; every exchange is in the transcripts below."</li>
                        <li>"Guided tours: "
                            <a href="?scenario=smtp-by-hand">"SMTP by hand"</a>", "
                            <a href="?scenario=seed-journey">"the journey of a message"</a>", "
                            <a href="?scenario=imap">"IMAP"</a>", "
                            <a href="?scenario=what-goes-wrong">"what goes wrong"</a>"."
                        </li>
                    </ol>
                </details>
                <network::NetworkPicture/>
                <host_panel::HostPanel/>
                <clock::EventLog/>
            </section>
            <section class="pane client-pane" aria-labelledby="client-h">
                <h2 id="client-h">"Mail clients"</h2>
                <client::MailClients/>
            </section>
            <section class="pane term-pane" aria-labelledby="term-h">
                <h2 id="term-h">"Terminals (telnet)"</h2>
                <terminal::Terminals/>
            </section>
            <section class="pane transcript-pane" aria-labelledby="tr-h">
                <h2 id="tr-h">"Transcripts"</h2>
                <transcripts::Transcripts/>
            </section>
        </main>
    }
}
