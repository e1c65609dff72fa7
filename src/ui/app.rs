//! The page's layout: the picture and the explanation stay in view (a sticky column on
//! desktops, a sticky strip on phones) beside the pane where the person acts (mail clients and
//! terminals, or a tour's card and sessions). Views only lay out; the handles are in
//! [`super::context`], the work in [`super::runtime`].

use super::challenge;
use super::context::Ctx;
use super::tour::embed::PageOptions;
use super::{
    client, clock, host_panel, journey, network, persist, runtime, terminal, transcripts,
    world_file,
};
use crate::learn::challenge::Watch;
use leptos::prelude::*;

/// The whole sandbox, or a challenge (`?challenge=`), in the compact layout with `&compact=1`
/// (tours have their own pages: tour.html, [`super::tour::full`], and embed.html,
/// [`super::tour::page`]; live.html is the live page: [`super::live`]).
#[component]
pub fn App(options: PageOptions, loaded: Option<persist::Loaded>) -> impl IntoView {
    // start() drew a challenge's page once its data was here.
    let active_challenge = options
        .challenge
        .as_deref()
        .and_then(|id| super::learn_data::library().and_then(|l| l.challenge(id).cloned()));
    let now = super::dom::now_ms();
    let ctx = match loaded {
        Some(loaded) => {
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
        None => match &active_challenge {
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
    let compact = options.compact;
    let work = view! {
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
                            <a href="tour.html?scenario=smtp-by-hand">"SMTP by hand"</a>", "
                            <a href="tour.html?scenario=seed-journey">"the journey of a message"</a>", "
                            <a href="tour.html?scenario=imap">"IMAP"</a>", "
                            <a href="tour.html?scenario=what-goes-wrong">"what goes wrong"</a>"."
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
                <transcripts::TranscriptPane/>
            </section>
        }
    .into_any();
    let title = if active_challenge.is_some() {
        "Mail Sandbox: challenge"
    } else {
        "Mail Sandbox"
    };
    let badge_title = active_challenge.as_ref().map(|c| c.title.clone());
    frame(
        ctx,
        Frame {
            compact,
            touring: false,
            title,
            clock: true,
            badge_title,
        },
        work,
    )
}

/// What differs between the pages laid out by [`frame`].
pub struct Frame {
    /// The small layout for embedding: the picture without the explanation column or header.
    pub compact: bool,
    /// A guided tour: the header links back to the whole sandbox.
    pub touring: bool,
    /// The header's title.
    pub title: &'static str,
    /// The clock bar (the live page has none: its time is the bridge's).
    pub clock: bool,
    /// The active challenge's title, shown above the explanation.
    pub badge_title: Option<String>,
}

/// The layout shared by the page and the live page ([`super::live`]): the header, the stage
/// (the picture and its explanation, which stay in view) and `work`, the pane where the
/// person acts or watches.
pub fn frame(ctx: Ctx, f: Frame, work: AnyView) -> impl IntoView {
    let Frame {
        compact,
        touring,
        title,
        clock,
        badge_title,
    } = f;
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
    view! {
        {(!compact).then(|| view! {
            <a class="skip" href="#main">"Skip to content"</a>
            <header class="topbar">
                <div class="title">
                    <h1>{title}</h1>
                    <p class="tagline">
                        {if touring {
                            view! { <a href="./">"Open the whole sandbox"</a> }.into_any()
                        } else {
                            view! { "Watch e-mail travel: SMTP submission, relay by MX, POP3 and IMAP over a virtual network." }.into_any()
                        }}
                    </p>
                </div>
                <div class="bars">
                    {clock.then(|| view! { <clock::ClockBar/> })}
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
