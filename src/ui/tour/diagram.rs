//! Protocol state diagrams that follow a session live: POP3's three states (RFC 1939 §3),
//! IMAP's four (RFC 3501 §3) and SMTP's command phases (RFC 5321 §4.1.4).

use leptos::prelude::*;

/// The states of the protocol a state string belongs to, in order, with their short labels.
fn states_for(state: &str) -> Option<(&'static str, &'static [(&'static str, &'static str)])> {
    if state.starts_with("POP3") {
        Some((
            "POP3 (RFC 1939 §3)",
            &[
                ("POP3 Authorization", "Authorization"),
                ("POP3 Transaction", "Transaction"),
                ("POP3 Update", "Update"),
            ],
        ))
    } else if state.starts_with("IMAP") {
        Some((
            "IMAP (RFC 3501 §3)",
            &[
                ("IMAP Not Authenticated", "Not authenticated"),
                ("IMAP Authenticated", "Authenticated"),
                ("IMAP Selected", "Selected"),
                ("IMAP Logout", "Logout"),
            ],
        ))
    } else if state.starts_with("SMTP") {
        Some((
            "SMTP (RFC 5321 §4.1.4)",
            &[
                ("SMTP greeted", "Greeted"),
                ("SMTP ready", "EHLO done"),
                ("SMTP mail", "MAIL"),
                ("SMTP rcpt", "RCPT"),
                ("SMTP data", "DATA"),
                ("SMTP quit", "QUIT"),
            ],
        ))
    } else {
        None
    }
}

/// A row of boxes, one per state, the current one highlighted.
#[component]
pub fn StateDiagram(#[prop(into)] state: Signal<String>) -> impl IntoView {
    move || {
        let current = state.get();
        states_for(&current).map(|(title, states)| {
            let boxes = states
                .iter()
                .enumerate()
                .map(|(i, (key, label))| {
                    let active = current.starts_with(key);
                    let class = if active { "st active" } else { "st" };
                    view! {
                        {(i > 0).then(|| view! { <span class="arrow" aria-hidden="true">"→"</span> })}
                        <span class=class aria-current=active.then_some("step")>{*label}</span>
                    }
                })
                .collect_view();
            view! {
                <figure class="state-diagram" data-testid="state-diagram" aria-label=title>
                    <figcaption>{title}</figcaption>
                    <div class="states">{boxes}</div>
                </figure>
            }
        })
    }
}
