//! The Leptos UI (wasm only). It holds a [`World`] and shows it; every later view (network
//! picture, terminals, the mail client, transcripts) hangs off this root.

use crate::sandbox::{default_world, HostRole, World};
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

pub mod tour;

/// Entry point called by the `mail-sandbox-web` binary. A `scenario=` in the URL opens the
/// guided tour alone (the embeddable demo); otherwise the whole sandbox.
pub fn start() {
    console_error_panic_hook::set_once();
    let options = tour::embed::PageOptions::from_location();
    if options.scenario.is_some() {
        leptos::mount::mount_to_body(move || view! { <tour::Tour options=options.clone() /> });
    } else {
        leptos::mount::mount_to_body(App);
    }
}

/// Shared handle to the world. The engine is single-threaded, like the page.
#[derive(Clone)]
pub struct WorldHandle(pub Rc<RefCell<World>>);

#[component]
fn App() -> impl IntoView {
    let (world, _) = default_world(1);
    let handle = WorldHandle(Rc::new(RefCell::new(world)));
    let hosts = {
        let w = handle.0.borrow();
        w.host_infos()
            .iter()
            .map(|info| {
                let host = w.net.host(info.id).cloned();
                let services: Vec<String> = w
                    .services_of(info.id)
                    .into_iter()
                    .map(|(port, s)| format!("{} :{port}", s.name()))
                    .collect();
                let mailboxes: Vec<String> = host
                    .as_ref()
                    .map(|h| {
                        w.store
                            .accounts_on_host(&h.name)
                            .map(|a| a.address.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                (info.clone(), host, services, mailboxes)
            })
            .collect::<Vec<_>>()
    };
    drop(handle);
    view! {
        <header class="topbar">
            <h1>"Mail Sandbox"</h1>
            <p class="tagline">"A whole mail system in this page: SMTP, relay by MX, POP3 and IMAP over a virtual network."</p>
        </header>
        <main id="network" data-testid="app-ready">
            <ol class="hosts">
                {hosts
                    .into_iter()
                    .map(|(info, host, services, mailboxes)| {
                        let (name, addr) = host
                            .map(|h| (h.name, h.addr))
                            .unwrap_or_default();
                        let kind = match info.role {
                            HostRole::Client => "host client",
                            HostRole::MailServer => "host server",
                        };
                        view! {
                            <li class=kind data-testid="host-card">
                                <h2>{info.label.clone()}</h2>
                                <p class="addr"><code>{name}</code>" "<span>{addr}</span></p>
                                <ul class="services">
                                    {services.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}
                                </ul>
                                <ul class="mailboxes">
                                    {mailboxes.into_iter().map(|m| view! { <li>"📬 "{m}</li> }).collect_view()}
                                </ul>
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </main>
    }
}
