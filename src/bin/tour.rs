//! A guided tour in the full layout (`tour.html?scenario=...`): its own binary, so the
//! sandbox's page (`mail-sandbox-web`) does not carry the tour runner (issue 29).

#[cfg(target_arch = "wasm32")]
fn main() {
    mail_sandbox::ui::start_tour();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("mail-sandbox-tour is the browser build: run ./scripts/serve.sh (see README.md)");
}
