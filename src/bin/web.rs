//! The page: Trunk builds this binary for wasm32 and mounts the UI.

#[cfg(target_arch = "wasm32")]
fn main() {
    mail_sandbox::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("mail-sandbox-web is the browser build: run ./scripts/serve.sh (see README.md)");
}
