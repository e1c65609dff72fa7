//! Native TCP bridge: serves the engine's SMTP, submission, POP3 and IMAP on loopback ports.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("mailsandbox-tcp: not yet built");
    std::process::exit(2);
}

#[cfg(target_arch = "wasm32")]
fn main() {}
