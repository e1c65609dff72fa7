//! Command-line options of `mailsandbox-tcp`, parsed by hand.

use crate::time::Duration;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

/// The usage text printed by `--help`.
pub const USAGE: &str = "\
mailsandbox-tcp: serves the Mail Sandbox's SMTP, submission, POP3 and IMAP on real TCP ports

usage: mailsandbox-tcp [options]

options:
  --port-offset N        listen on N+25 (smtp), N+587 (submission), N+110 (pop3) and
                         N+143 (imap) of mx.corp.example; default 3000
  --bind ADDR            address to listen on; default 127.0.0.1
  --user ADDRESS:PASS    add an account (repeatable); a new domain becomes local to
                         mx.corp.example; an existing account gets the new password
  --all-hosts            also serve every other service of every virtual host: the
                         mailbox host's at N+port, the next host's at N+1000+port, ...
  --latency MS           one-way delay between real clients and the virtual hosts
                         (a simulated WAN); default 0
  --http PORT            serve the JSON API (/api/v1/...) on PORT (0: any free port),
                         and at / the live page: the page shows this bridge's world
                         as it runs (sessions as hops, transcripts, mailboxes)
  --page-dir DIR         serve the page's files from DIR (a trunk build, for working on
                         the page); default: the page built into this binary (release
                         builds), else the dist folder of the checkout it was built from
  --trace                print every virtual connection's transcript to stdout
  --fault RULE           a fault rule (repeatable), e.g.
                         'mx.corp.example:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full'
                         'mx.corp.example:110 RETR => -ERR [SYS/TEMP] Disk error'
                         'dns corp.example MX => none'
  --strict               strict servers: refuse bare LF, MAIL FROM without <>, ...
                         (default: lenient, as learners type)
  --catch-all            accept mail for any address: a domain not in the world becomes
                         mx.corp.example's, an unknown address gets an account on its
                         first delivery (login and password: the whole address)
  --empty                start with every mailbox empty (no sample messages), as
                         Mailpit and other test servers start
  --tls off|offered|required
                         TLS on the served ports (default offered): STARTTLS on smtp,
                         submission, pop3 (STLS) and imap, and implicit TLS on N+465
                         (submissions), N+993 (imaps) and N+995 (pop3s); `required`
                         also refuses mail and logins before TLS. The certificate is
                         the sandbox CA's for localhost, 127.0.0.1 and ::1
  --ca-out PATH          write the sandbox CA certificate (PEM) to PATH, for clients
                         to verify with (also served at /api/ca.pem with --http)
  -h, --help             print this help

Prints one line LISTEN <service> <virtual-host> <ip>:<port> per listener, then READY.
Built-in accounts on mx.corp.example: boss@corp.example/boss, alice@corp.example/alice;
on smtp.isp.example (with --all-hosts): smith@isp.example/smith.
";

/// What the bridge is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Real port = offset + virtual well-known port.
    pub port_offset: u16,
    pub bind: IpAddr,
    /// Extra accounts: (address, password).
    pub users: Vec<(String, String)>,
    /// Serve every virtual host's services, not only the mailbox host's four.
    pub all_hosts: bool,
    /// One-way delay between real clients and the hosts they reach.
    pub latency: Duration,
    /// Port of the JSON API, if wanted (0: any free port).
    pub http_port: Option<u16>,
    pub trace: bool,
    /// Fault rules, as given (each checked by `parse`).
    pub faults: Vec<String>,
    /// Every server host strict instead of lenient.
    pub strict: bool,
    /// The mailbox host takes mail for any address (see `Store::set_catch_all`).
    pub catch_all: bool,
    /// Every mailbox starts empty (the sample messages are left out).
    pub empty: bool,
    /// A folder of the page's files, served at `/` with `--http` (the live page) instead of
    /// the page built into the binary.
    pub page_dir: Option<PathBuf>,
    /// TLS on the served ports.
    pub tls: BridgeTls,
    /// Where to write the sandbox CA certificate.
    pub ca_out: Option<PathBuf>,
}

/// `--tls`: what the served hosts do about TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BridgeTls {
    /// No STARTTLS, no implicit-TLS ports: the bridge before issue 26.
    Off,
    /// STARTTLS offered and implicit-TLS ports; plaintext works as before.
    #[default]
    Offered,
    /// Mail and logins only after STARTTLS (or on the implicit-TLS ports).
    Required,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            port_offset: 3000,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            users: Vec::new(),
            all_hosts: false,
            latency: Duration::ZERO,
            http_port: None,
            trace: false,
            faults: Vec::new(),
            strict: false,
            catch_all: false,
            empty: false,
            page_dir: None,
            tls: BridgeTls::default(),
            ca_out: None,
        }
    }
}

/// The result of parsing the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Options),
    Help,
}

/// The highest virtual port the bridge maps (pop3s, with TLS on).
const HIGHEST_PORT: u16 = 995;
/// The longest `--latency` (a minute each way is already far past any real WAN).
const MAX_LATENCY_MS: u64 = 60_000;

impl Options {
    /// Parses the arguments after the program name.
    pub fn parse<I, S>(args: I) -> Result<Command, String>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut opts = Options::default();
        let mut args = args.into_iter().map(Into::into);
        while let Some(arg) = args.next() {
            // Both "--flag value" and "--flag=value".
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match flag.as_str() {
                "-h" | "--help" => return Ok(Command::Help),
                "--trace" => opts.trace = true,
                "--strict" => opts.strict = true,
                "--catch-all" => opts.catch_all = true,
                "--empty" => opts.empty = true,
                "--fault" => {
                    let v = value("--fault")?;
                    crate::fault::parse_rule(&v).map_err(|e| format!("--fault {v}: {e}"))?;
                    opts.faults.push(v);
                }
                "--all-hosts" => opts.all_hosts = true,
                "--tls" => {
                    opts.tls = match value("--tls")?.trim() {
                        "off" => BridgeTls::Off,
                        "offered" => BridgeTls::Offered,
                        "required" => BridgeTls::Required,
                        other => {
                            return Err(format!("--tls: off, offered or required, not {other}"))
                        }
                    };
                }
                "--ca-out" => opts.ca_out = Some(PathBuf::from(value("--ca-out")?)),
                "--page-dir" => opts.page_dir = Some(PathBuf::from(value("--page-dir")?)),
                "--latency" => {
                    let v = value("--latency")?;
                    let ms: u64 = v
                        .trim()
                        .parse()
                        .ok()
                        .filter(|ms| *ms <= MAX_LATENCY_MS)
                        .ok_or_else(|| {
                            format!("--latency: not a delay in ms (0 to {MAX_LATENCY_MS}): {v}")
                        })?;
                    opts.latency = Duration::from_millis(ms);
                }
                "--http" => {
                    let v = value("--http")?;
                    let port: u16 = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("--http: not a port number: {v}"))?;
                    opts.http_port = Some(port);
                }
                "--port-offset" => {
                    let v = value("--port-offset")?;
                    let n: u16 = v
                        .trim()
                        .parse()
                        .map_err(|_| format!("--port-offset: not a port number: {v}"))?;
                    if n.checked_add(HIGHEST_PORT).is_none() {
                        return Err(format!(
                            "--port-offset {n}: {n}+{HIGHEST_PORT} is past 65535"
                        ));
                    }
                    opts.port_offset = n;
                }
                "--bind" => {
                    let v = value("--bind")?;
                    let v = v.trim().trim_start_matches('[').trim_end_matches(']');
                    opts.bind = v
                        .parse()
                        .map_err(|_| format!("--bind: not an IP address: {v}"))?;
                }
                "--user" => {
                    let v = value("--user")?;
                    opts.users.push(parse_user(&v)?);
                }
                _ => return Err(format!("unknown option: {arg}")),
            }
        }
        Ok(Command::Run(opts))
    }
}

/// `local@domain:password` (the password may itself contain ':').
fn parse_user(v: &str) -> Result<(String, String), String> {
    let Some((address, password)) = v.split_once(':') else {
        return Err(format!("--user {v}: expected local@domain:password"));
    };
    let valid = match address.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && address
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"<>()[],;\\\"".contains(&b))
        }
        None => false,
    };
    if !valid {
        return Err(format!("--user {v}: {address} is not a mail address"));
    }
    if password.is_empty() {
        return Err(format!("--user {v}: empty password"));
    }
    Ok((address.to_ascii_lowercase(), password.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Options, String> {
        match Options::parse(args.iter().copied())? {
            Command::Run(o) => Ok(o),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(run(&[]).unwrap(), Options::default());
        assert_eq!(Options::default().port_offset, 3000);
    }

    #[test]
    fn every_option() {
        let o = run(&[
            "--port-offset",
            "20000",
            "--bind=::1",
            "--user",
            "Carol@Example.org:p:w",
            "--user=dan@corp.example:x",
            "--trace",
            "--fault",
            "mx.corp.example:110 RETR => -ERR [SYS/TEMP] Disk error",
            "--fault=dns corp.example MX => none",
            "--strict",
            "--catch-all",
            "--empty",
            "--all-hosts",
            "--latency",
            "25",
            "--http=0",
            "--page-dir",
            "/srv/page",
        ])
        .unwrap();
        assert_eq!(o.faults.len(), 2);
        assert_eq!(o.faults[1], "dns corp.example MX => none");
        assert!(o.strict);
        assert!(o.catch_all);
        assert!(o.empty);
        assert_eq!(o.port_offset, 20000);
        assert_eq!(o.bind.to_string(), "::1");
        assert_eq!(
            o.users,
            vec![
                ("carol@example.org".to_string(), "p:w".to_string()),
                ("dan@corp.example".to_string(), "x".to_string())
            ]
        );
        assert!(o.trace);
        assert!(o.all_hosts);
        assert_eq!(o.latency, Duration::from_millis(25));
        assert_eq!(o.http_port, Some(0));
        assert_eq!(o.page_dir, Some(PathBuf::from("/srv/page")));
        assert_eq!(Options::parse(["-h"]), Ok(Command::Help));
    }

    #[test]
    fn bad_options_are_errors() {
        for args in [
            &["--port-offset"][..],
            &["--port-offset", "65000"],
            &["--port-offset", "x"],
            &["--bind", "localhost"],
            &["--user", "nobody"],
            &["--user", "a@:pw"],
            &["--user", "a@b:"],
            &["--latency", "-1"],
            &["--latency", "99999999"],
            &["--http", "70000"],
            &["--frobnicate"],
            &["--fault"],
            &["--fault", "mx.corp.example:25 RCPT => 45"],
        ] {
            assert!(run(args).is_err(), "{args:?}");
        }
    }
}
