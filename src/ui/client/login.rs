//! The account form, the POP3/IMAP choice and the status line.

use super::{Client, Proto};
use crate::sandbox::mail_client::Security;
use crate::ui::model::tls_text;
use leptos::prelude::*;

#[component]
pub(super) fn Login(client: Client) -> impl IntoView {
    let Client {
        who,
        addr,
        pass,
        srv,
        logged_in,
        proto,
        keep,
        status,
        busy,
        security,
        tls_seen,
        ..
    } = client;
    let port = move |plain: u16, implicit: u16| match security.get() {
        Security::Implicit => implicit,
        Security::StartTls | Security::Off => plain,
    };
    let login = move || {
        client.refresh();
    };
    let logout = move |_| {
        logged_in.set(false);
        client.imap_msgs.set(Vec::new());
        client.folders.set(Vec::new());
        client.selected.set(None);
        status.set("Logged out (downloaded POP3 messages stay on this PC).".into());
    };
    let set_proto = move |p: Proto| {
        proto.set(p);
        client.selected.set(None);
        if logged_in.get_untracked() {
            client.refresh();
        }
    };
    view! {
        <form class="login" on:submit=crate::ui::dom::no_submit on:keydown=crate::ui::dom::act_on_enter(login) aria-label="Account">
            <label>"Address "<input type="email" data-testid="login-address" prop:value=move || addr.get() on:input=move |ev| addr.set(event_target_value(&ev))/></label>
            <label>"Password "<input type="password" data-testid="login-password" prop:value=move || pass.get() on:input=move |ev| pass.set(event_target_value(&ev))/></label>
            <label>"Mail server "<input type="text" data-testid="login-server" prop:value=move || srv.get() on:input=move |ev| srv.set(event_target_value(&ev))/></label>
            <label>"Security "<select data-testid="login-security" on:change=move |ev| security.set(tls_text::security_named(&event_target_value(&ev)))>
                {tls_text::CHOICES.map(|(s, value, label)| view! { <option value=value selected=move || security.get() == s>{label}</option> })}
            </select></label>
            <button type="button" data-testid="login" on:click=move |_| login()>{move || if logged_in.get() { "Check mail" } else { "Log in" }}</button>
            {move || logged_in.get().then(|| view! { <button type="button" on:click=logout>"Log out"</button> })}
        </form>
        <div class="proto" role="radiogroup" aria-label="Read mail with">
            <label><input type="radio" name=format!("proto-{who}") data-testid="proto-pop3" prop:checked=move || proto.get() == Proto::Pop3 on:change=move |_| set_proto(Proto::Pop3)/>" POP3 :"{move || port(110, 995)}</label>
            <label><input type="radio" name=format!("proto-{who}") data-testid="proto-imap" prop:checked=move || proto.get() == Proto::Imap on:change=move |_| set_proto(Proto::Imap)/>" IMAP :"{move || port(143, 993)}</label>
            {move || (proto.get() == Proto::Pop3).then(|| view! {
                <label><input type="checkbox" data-testid="pop3-keep" prop:checked=move || keep.get() on:change=move |ev| keep.set(event_target_checked(&ev))/>" leave a copy on the server"</label>
            })}
        </div>
        {move || tls_seen.get().map(|(what, tls)| view! {
            <p class="hint" data-testid="client-tls">{tls_text::session_line(what, tls.as_ref())}</p>
        })}
        <p class="status" role="status" aria-live="polite" data-testid="client-status">
            {move || if busy.get() > 0 { "… " } else { "" }}{move || status.get()}
        </p>
    }
}
