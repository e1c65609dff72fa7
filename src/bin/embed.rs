//! The embed (`embed.html`): Trunk builds this binary for wasm32 and mounts the compact tour
//! only, a lighter download than the whole page (`mail-sandbox-web`).

#[cfg(target_arch = "wasm32")]
fn main() {
    mail_sandbox::ui::start_embed();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("mail-sandbox-embed is the browser build of the embed: see README.md, \"Embed a live demo\"");
}
