//! The page's layout: the picture and the explanation stay in view (a sticky column on
//! desktops, a sticky strip on phones) beside the pane where the person acts (mail clients and
//! terminals, or a tour's card and sessions). Views only lay out; the handles are in
//! [`super::context`], the work in [`super::runtime`].

use super::challenge;
use super::context::Ctx;
use super::tour;
use super::tour::embed::PageOptions;
use super::{
    client, clock, host_panel, journey, live, network, persist, runtime, terminal, transcripts,
    world_file,
};
use crate::learn::challenge::Watch;
use leptos::prelude::*;

/// The whole sandbox, or a tour over it (`?scenario=`), or a challenge (`?challenge=`), in the
/// compact layout with `&compact=1` (embed.html has its own, lighter page: [`super::tour::page`]).
#[component]
pub fn App(
    options: PageOptions,
    loaded: Option<persist::Loaded>,
    /// The live page's start: the bridge's world (see [`live`]).
    #[prop(optional)]
    live: Option<live::LiveStart>,
) -> impl IntoView {
    let mut live_follow = None;
    let live_note = RwSignal::new(live::LiveNote {
        text: "Live: connecting to the bridge".into(),
        next: 0,
    });
    let is_live = live.is_some();
    let live_tls = live.as_ref().is_some_and(|l| l.tls);
    let touring = options.scenario.is_some();
    // start() drew a challenge's page once its data was here.
    let active_challenge = options
        .challenge
        .as_deref()
        .and_then(|id| super::learn_data::library().and_then(|l| l.challenge(id).cloned()));
    let now = super::dom::now_ms();
    let ctx = match (live, loaded) {
        (Some(start), _) => {
            let (world, next, replay, rest) = start.into_follow();
            live_follow = Some((next, replay, rest));
            let ids = crate::sandbox::default_world(1).1;
            Ctx::new(world, ids, 0, None, runtime::LIVE, now)
        }
        (None, Some(loaded)) => {
            let ctx = Ctx::new(
                loaded.world,
                loaded.ids,
                1,
                Some(loaded.keeper),
                runtime::PAGE,
                now,
            );
            ctx.pc_mail.set_value(loaded.pcs);
            ctx.events.set(loaded.notes);
            ctx.saving.status.set(loaded.status);
            ctx
        }
        (None, None) => match &active_challenge {
            Some(c) => {
                let (mut world, ids) = c.fresh_world();
                if c.world.tls {
                    crate::ui::tls_module::install(&mut world);
                }
                let ctx = Ctx::new(world, ids, 1, None, runtime::PAGE, now);
                ctx.with(|w| ctx.challenge.watch.set_value(Some(Watch::new(c, w))));
                ctx
            }
            None => {
                let (world, ids) = crate::learn::scenario::Run::fresh_world_and_hosts();
                Ctx::new(world, ids, 0, None, runtime::PAGE, now)
            }
        },
    };
    provide_context(ctx);
    runtime::start(ctx);
    if let Some((next, replay, rest)) = live_follow {
        live::follow(ctx, next, replay, rest, live_note);
    }
    let compact = options.compact;
    let badge_title = active_challenge.as_ref().map(|c| c.title.clone());
    let stage = view! {
        <div class="stage">
            <div class="picture" aria-label="The network">
                <network::NetworkPicture compact=compact/>
            </div>
            {(!compact).then(|| view! {
                <aside class="explain" aria-label="Explanation">
                    {badge_title.clone().map(|title| view! { <challenge::ChallengeBadge title=title/> })}
                    <journey::JourneyNotes/>
                    <host_panel::HostPanel/>
                    <clock::EventLog/>
                </aside>
            })}
        </div>
    };
    let work = if is_live {
        view! {
            <section class="work" aria-label="The bridge's sessions">
                <section class="pane live-pane" data-testid="live-note" data-next=move || live_note.with(|n| n.next.to_string())>
                    <h2>{move || live_note.with(|n| n.text.clone())}</h2>
                    <p class="hint">"Every session a real client has with the bridge appears here as it happens: its hops on the picture, its transcript explained line by line below, the mailboxes in each host's details. The page only watches: to change the world, use the bridge (its mail ports, its API under /api/v1)."</p>
                    {live_tls.then(|| view! {
                        <p class="hint" data-testid="live-tls">"The bridge runs TLS: a session that turns to TLS goes on here decrypted, as the bridge's TLS layer handed it to the server (the bridge sends what its TLS did; this page holds no key and does no cryptography)."</p>
                    })}
                </section>
                <section class="pane transcript-pane" aria-labelledby="tr-h">
                    <h2 id="tr-h">"Transcripts"</h2>
                    <transcripts::Transcripts/>
                </section>
            </section>
        }
        .into_any()
    } else if touring {
        view! {
            <section class="work" aria-label="Guided tour">
                <tour::TourCard options=options.clone() install_tls=crate::ui::tls_module::install/>
                {(!compact).then(|| view! {
                    <section class="pane transcript-pane" aria-labelledby="tr-h">
                        <h2 id="tr-h">"Transcripts"</h2>
                        <transcripts::Transcripts/>
                    </section>
                })}
            </section>
        }
        .into_any()
    } else {
        view! {
            <section class="work">
                {match active_challenge.clone() {
                    Some(c) => view! { <challenge::ChallengeCard challenge=c/> }.into_any(),
                    None => view! { <challenge::ChallengeList/> }.into_any(),
                }}
                <details class="howto pane" data-testid="howto">
                    <summary>"What to try"</summary>
                    <ol>
                        <li>"On the sender's PC, write a message and press Send: watch it go to the ISP's host by submission (:587), the ISP ask the DNS for the MX of corp.example and relay it (:25) to the corporate host, into boss's mailbox."</li>
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
            </section>
        }
        .into_any()
    };
    view! {
        {(!compact).then(|| view! {
            <a class="skip" href="#main">"Skip to content"</a>
            <header class="topbar">
                <div class="title">
                    <h1>{if is_live { "Mail Sandbox: live" } else if touring { "Mail Sandbox: guided tour" } else if active_challenge.is_some() { "Mail Sandbox: challenge" } else { "Mail Sandbox" }}</h1>
                    <p class="tagline">
                        {if touring {
                            view! { <a href="./">"Open the whole sandbox"</a> }.into_any()
                        } else {
                            view! { "Watch e-mail travel: SMTP submission, relay by MX, POP3 and IMAP over a virtual network." }.into_any()
                        }}
                    </p>
                </div>
                <div class="bars">
                    {(!is_live).then(|| view! { <clock::ClockBar/> })}
                    {ctx.is_persistent().then(|| view! { <world_file::WorldBar/> })}
                </div>
            </header>
        })}
        <main id="main" class="layout" class:compact=compact class:touring=touring data-testid="app-ready">
            {stage}
            {work}
        </main>
    }
}
