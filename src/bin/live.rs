//! The live page (`live.html`): the TCP bridge serves it at `/` with `--http`, and it shows the
//! bridge's world as real clients change it. Its own binary, so the sandbox's page
//! (`mail-sandbox-web`) does not carry the log's reader and replay (issue 29).

#[cfg(target_arch = "wasm32")]
fn main() {
    mail_sandbox::ui::start_live();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "mail-sandbox-live is the browser build: run mailsandbox-tcp --http PORT (see README.md)"
    );
}
