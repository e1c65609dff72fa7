//! Compose and send: the message is built by `sandbox::client_model::compose` (encoded-words,
//! folding) and submitted on port 587 with AUTH; with IMAP a copy goes to Sent.

use super::{Client, Proto};
use crate::sandbox::client_model::{compose, recipients, Draft};
use crate::sandbox::mail_client::{ImapAction, Outcome, Submission, Task};
use leptos::prelude::*;

#[component]
pub(super) fn Compose(client: Client, to: &'static str) -> impl IntoView {
    let ctx = client.ctx;
    let c_to = RwSignal::new(to.to_string());
    let c_subject = RwSignal::new(String::new());
    let c_body = RwSignal::new(String::new());
    let who = client.who;
    let send = move || {
        let rcpts = recipients(&c_to.get_untracked());
        if rcpts.is_empty() {
            client
                .status
                .set("Send: give at least one recipient address".into());
            return;
        }
        let from = client.addr.get_untracked();
        let domain = from.split('@').nth(1).unwrap_or("localhost").to_string();
        // The world's clock may lag behind at rest: bring it up to now for the Date: header.
        crate::ui::runtime::catch_up(ctx);
        let (date, stamp) = ctx.with(|w| (w.clock.rfc5322(w.now()), w.now().as_millis()));
        let raw = compose(&Draft {
            from: from.clone(),
            to: rcpts.clone(),
            subject: c_subject.get_untracked(),
            body: c_body.get_untracked(),
            date,
            message_id: format!("<{stamp}.{who}@{domain}>"),
        });
        let sent_copy = raw.clone();
        let sub = Submission {
            login: from.clone(),
            password: client.pass.get_untracked(),
            from,
            to: rcpts,
            raw,
        };
        let (s, host, security) = (
            client.srv.get_untracked(),
            client.host,
            client.security.get_untracked(),
        );
        client.run(
            "Send",
            Box::new(move |w| Task::submit_with(w, host, &s, sub, security)),
            Box::new(move |o| {
                if let Outcome::Submitted(text) = o {
                    client.status.set(format!("Sent: {text}"));
                }
                c_subject.set(String::new());
                c_body.set(String::new());
                // Like a real IMAP client: keep a copy in Sent (IMAP APPEND).
                if client.proto.get_untracked() == Proto::Imap && client.logged_in.get_untracked() {
                    client.imap_do(
                        "Copy to Sent",
                        ImapAction::Append {
                            folder: "Sent".into(),
                            raw: sent_copy,
                        },
                        false,
                    );
                }
            }),
        );
    };
    view! {
        <details class="compose" open=who == "sender">
            <summary>"Compose (sends via submission :587 with AUTH PLAIN)"</summary>
            <form on:submit=crate::ui::dom::no_submit on:keydown=crate::ui::dom::act_on_enter(send) aria-label="Compose">
                <label>"To "<input type="text" data-testid="compose-to" prop:value=move || c_to.get() on:input=move |ev| c_to.set(event_target_value(&ev))/></label>
                <label>"Subject "<input type="text" data-testid="compose-subject" prop:value=move || c_subject.get() on:input=move |ev| c_subject.set(event_target_value(&ev))/></label>
                <label>"Message "<textarea rows="4" data-testid="compose-body" prop:value=move || c_body.get() on:input=move |ev| c_body.set(event_target_value(&ev))></textarea></label>
                <button type="button" data-testid="compose-send" on:click=move |_| send()>"Send"</button>
            </form>
        </details>
    }
}
