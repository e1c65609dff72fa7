//! Native TCP bridge: serves the engine's SMTP, submission, POP3 and IMAP on loopback ports.
//!
//! `mailsandbox-tcp [--port-offset N] [--bind ADDR] [--user ADDRESS:PASS]... [--all-hosts]
//! [--latency MS] [--http PORT] [--trace]` (see `--help`). Prints one
//! `LISTEN <service> <virtual-host> <ip>:<port>` line per listener, then `READY`, then
//! serves until killed.

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use mail_sandbox::bridge::{Bridge, Command, Options, USAGE};
    use std::io::Write;

    let opts = match Options::parse(std::env::args().skip(1)) {
        Ok(Command::Run(opts)) => opts,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return;
        }
        Err(e) => {
            eprintln!("mailsandbox-tcp: {e}\n\n{USAGE}");
            std::process::exit(2);
        }
    };
    let mut bridge = match Bridge::new(&opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("mailsandbox-tcp: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    if let Some(line) = bridge.page_line() {
        eprintln!("{line}");
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for line in bridge.start_lines() {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
    if let Err(e) = bridge.run(&mut out) {
        eprintln!("mailsandbox-tcp: {e}");
        std::process::exit(1);
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}
