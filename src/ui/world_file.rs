//! The header's world controls: the save status (with storage used of the quota), a share
//! link (short: what differs from the default world, compressed), export and import of the
//! whole world as one file (mail bodies and the PCs' POP3 mail included), and reset.

use super::context::Ctx;
use super::persist::{self, SaveStatus};
use super::{dom, share};
use crate::sandbox::PcMail;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The export's file name.
const FILE_NAME: &str = "mail-sandbox-world.json";

/// Replaces the page's world and PCs' mail (reset, import); the next autosave saves it.
fn replace(ctx: Ctx, world: crate::sandbox::World, pcs: PcMail) {
    ctx.pc_mail.set_value(pcs);
    super::runtime::replace_world(ctx, world);
}

#[component]
pub fn WorldBar() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let share_url = RwSignal::new(String::new());
    let share = move |_| {
        let text = ctx.world.with_value(|w| w.share_json());
        leptos::task::spawn_local(async move {
            match share::link_for(&text).await {
                Ok(link) => {
                    dom::copy_text(&link);
                    share_url.set(link);
                    ctx.saving
                        .status
                        .set(SaveStatus::Note("share link copied".into()));
                }
                Err(why) => {
                    share_url.set(String::new());
                    ctx.saving.status.set(SaveStatus::Note(why));
                }
            }
        });
    };
    let export = move |_| {
        let json = ctx
            .world
            .with_value(|w| ctx.pc_mail.with_value(|pcs| w.file_json(pcs)));
        dom::download(FILE_NAME, "application/json", json.as_bytes());
        ctx.saving.status.set(SaveStatus::Note(format!(
            "exported {FILE_NAME} ({})",
            persist::fmt_bytes(json.len() as f64)
        )));
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        dom::read_file(&input, move |name, bytes| {
            let (mut world, _) = crate::ui::tls_module::page_world();
            let text = String::from_utf8_lossy(&bytes);
            match world.restore_file(&text, Default::default()) {
                Ok(pcs) => {
                    replace(ctx, world, pcs);
                    ctx.events
                        .set(vec![format!("Imported the world from {name}.")]);
                    ctx.saving
                        .status
                        .set(SaveStatus::Note(format!("imported {name}")));
                }
                Err(why) => {
                    let line = format!("{name} was not imported: {why}");
                    ctx.events.update(|e| e.push(line.clone()));
                    ctx.saving.status.set(SaveStatus::Note(line));
                }
            }
        });
        input.set_value("");
    };
    let reset = move |_| {
        let ok = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message("Reset the world to its start? Mail and changes are lost.")
                    .ok()
            })
            .unwrap_or(true);
        if ok {
            persist::forget_legacy();
            let (fresh, _) = crate::ui::tls_module::page_world();
            replace(ctx, fresh, PcMail::new());
            ctx.events.set(vec!["The world was reset.".into()]);
        }
    };
    let keep_this_tab = move |_| {
        if let Some(k) = ctx.saving.keeper.get_value() {
            k.keep_this_tab();
        }
        super::runtime::touch(ctx);
        ctx.saving
            .status
            .set(SaveStatus::Note("saving this tab's world…".into()));
    };
    view! {
        <div class="world-bar" role="group" aria-label="This world">
            <button type="button" data-testid="share-world" title="Copy a link that carries this world (what differs from the default world)" on:click=share>
                "Share link"
            </button>
            {move || (!share_url.get().is_empty()).then(|| view! {
                <input class="share-url" type="text" readonly aria-label="Share link" data-testid="share-url"
                    prop:value=move || share_url.get()
                    on:focus=move |ev| {
                        if let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                            el.select();
                        }
                    }/>
            })}
            <button type="button" data-testid="export-world" title="Download the whole world (all mail, the PCs' mail) as one file" on:click=export>
                "Export"
            </button>
            <label class="import" title="Open a world exported from this page">
                "Import"
                <input type="file" accept=".json,application/json" data-testid="import-world" on:change=import/>
            </label>
            <button type="button" class="danger" data-testid="reset-world" on:click=reset>"Reset world"</button>
            <span class="saved" class:problem=move || ctx.saving.status.with(|s| s.is_problem()) aria-live="polite" data-testid="saved">
                {move || ctx.saving.status.with(|s| s.text())}
            </span>
            {move || (ctx.saving.status.get() == SaveStatus::Conflict).then(|| view! {
                <button type="button" data-testid="keep-this-tab" on:click=keep_this_tab>"Keep this tab's world"</button>
            })}
        </div>
    }
}
