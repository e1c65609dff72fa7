//! The IMAP load driver of `scripts/bench-bridge.sh`, run the same way against the bridge and
//! against Dovecot, through real sockets:
//!
//! - `bridge_load noop HOST PORT USER PASS [N]`: N (default 50) NOOP round trips of one
//!   logged-in client; prints `noop_median_us <median> noop_min_us <min>`.
//! - `bridge_load mixed HOST PORT USER_FORMAT PASS USERS CLIENTS SECONDS`: CLIENTS clients,
//!   each logging in as one of USERS users in turn (USER_FORMAT with `{}` for the number,
//!   e.g. `load{}@example.org`; no two clients on one user at once), running LOGIN, LIST,
//!   SELECT, APPEND, FETCH, STORE, EXPUNGE, LOGOUT over and over for SECONDS; prints
//!   `commands <n> errors <n> seconds <s> commands_per_s <r>`. Any NO, BAD, or unexpected
//!   answer counts as a protocol error.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Imap {
    r: BufReader<TcpStream>,
    w: TcpStream,
    tag: u64,
    line: Vec<u8>,
}

/// How a tagged command ended.
enum Done {
    Ok,
    /// NO, BAD, or the connection ended.
    Error,
}

impl Imap {
    fn connect(addr: &str) -> std::io::Result<Imap> {
        let w = TcpStream::connect(addr)?;
        w.set_nodelay(true)?;
        w.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut c = Imap {
            r: BufReader::new(w.try_clone()?),
            w,
            tag: 0,
            line: Vec::new(),
        };
        c.read_line()?; // greeting
        Ok(c)
    }

    fn read_line(&mut self) -> std::io::Result<&[u8]> {
        self.line.clear();
        let n = self.r.read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(&self.line)
    }

    /// Reads up to the tagged answer, skipping untagged lines and the literals they announce.
    fn finish(&mut self, tag: &str) -> std::io::Result<Done> {
        loop {
            let line = self.read_line()?.to_vec();
            if let Some(n) = literal_size(&line) {
                let mut buf = vec![0u8; n];
                std::io::Read::read_exact(&mut self.r, &mut buf)?;
                continue;
            }
            if let Some(rest) = line.strip_prefix(tag.as_bytes()) {
                return Ok(if rest.starts_with(b" OK") {
                    Done::Ok
                } else {
                    Done::Error
                });
            }
        }
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("a{}", self.tag)
    }

    fn command(&mut self, cmd: &str) -> std::io::Result<Done> {
        let tag = self.next_tag();
        self.w.write_all(format!("{tag} {cmd}\r\n").as_bytes())?;
        self.finish(&tag)
    }

    /// APPEND with a synchronizing literal (waits for the `+`).
    fn append(&mut self, mailbox: &str, message: &[u8]) -> std::io::Result<Done> {
        let tag = self.next_tag();
        self.w
            .write_all(format!("{tag} APPEND {mailbox} {{{}}}\r\n", message.len()).as_bytes())?;
        let line = self.read_line()?;
        if !line.starts_with(b"+") {
            return Ok(Done::Error);
        }
        self.w.write_all(message)?;
        self.w.write_all(b"\r\n")?;
        self.finish(&tag)
    }
}

/// `{123}` at the end of a line: the size of the literal that follows.
fn literal_size(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"\r\n")?;
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&line[open + 1..]).ok()?.parse().ok()
}

fn message(n: u64) -> Vec<u8> {
    let mut m = format!(
        "From: Load <load@example.org>\r\nTo: Someone <someone@example.org>\r\n\
         Subject: load test message {n}\r\nDate: Tue, 01 Dec 2026 20:00:00 +0000\r\n\
         Message-ID: <load{n}@example.org>\r\n\r\n"
    )
    .into_bytes();
    for i in 0..20 {
        m.extend_from_slice(
            format!("Line {i} of a small message body, about seventy octets.\r\n").as_bytes(),
        );
    }
    m
}

fn noop(addr: &str, user: &str, pass: &str, n: usize) -> std::io::Result<()> {
    let mut c = Imap::connect(addr)?;
    if !matches!(c.command(&format!("LOGIN {user} {pass}"))?, Done::Ok) {
        eprintln!("login failed");
        std::process::exit(1);
    }
    // A few to warm up.
    for _ in 0..5 {
        c.command("NOOP")?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        if !matches!(c.command("NOOP")?, Done::Ok) {
            eprintln!("NOOP failed");
            std::process::exit(1);
        }
        times.push(t.elapsed());
    }
    c.command("LOGOUT")?;
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "noop_median_us {:.1} noop_min_us {:.1}",
        median.as_secs_f64() * 1e6,
        times[0].as_secs_f64() * 1e6
    );
    Ok(())
}

/// One session of the mixed load; returns (commands answered OK, protocol errors).
fn session(addr: &str, user: &str, pass: &str, seq: u64) -> std::io::Result<(u64, u64)> {
    let mut c = Imap::connect(addr)?;
    let mut ok = 0;
    let mut errors = 0;
    let mut count = |d: Done| match d {
        Done::Ok => ok += 1,
        Done::Error => errors += 1,
    };
    count(c.command(&format!("LOGIN {user} {pass}"))?);
    count(c.command("LIST \"\" \"*\"")?);
    count(c.command("SELECT INBOX")?);
    count(c.append("INBOX", &message(seq))?);
    count(c.command("FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)")?);
    count(c.command("STORE 1 +FLAGS (\\Deleted)")?);
    count(c.command("EXPUNGE")?);
    count(c.command("LOGOUT")?);
    Ok((ok, errors))
}

#[allow(clippy::too_many_arguments)]
fn mixed(
    addr: &str,
    user_format: &str,
    pass: &str,
    users: u64,
    clients: u64,
    seconds: f64,
) -> std::io::Result<()> {
    let user = |n: u64| user_format.replace("{}", &n.to_string());
    // Every mailbox starts with ten messages.
    for u in 1..=users {
        let mut c = Imap::connect(addr)?;
        c.command(&format!("LOGIN {} {pass}", user(u)))?;
        for i in 0..10 {
            c.append("INBOX", &message(i))?;
        }
        c.command("LOGOUT")?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let commands = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (stop, commands, errors) = (stop.clone(), commands.clone(), errors.clone());
            let addr = addr.to_string();
            let pass = pass.to_string();
            // Client i takes users i, i + clients, i + 2 clients...: never one another's.
            let mine: Vec<String> = (1..=users)
                .filter(|u| (u - 1) % clients == i)
                .map(&user)
                .collect();
            std::thread::spawn(move || {
                let mut seq = 1000 * (i + 1);
                while !stop.load(Ordering::Relaxed) {
                    for u in &mine {
                        seq += 1;
                        match session(&addr, u, &pass, seq) {
                            Ok((ok, bad)) => {
                                commands.fetch_add(ok, Ordering::Relaxed);
                                errors.fetch_add(bad, Ordering::Relaxed);
                            }
                            Err(_) => {
                                errors.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = commands.load(Ordering::Relaxed);
    println!(
        "commands {n} errors {} seconds {elapsed:.2} commands_per_s {:.0}",
        errors.load(Ordering::Relaxed),
        n as f64 / elapsed
    );
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a = |i: usize| args.get(i).map(String::as_str).unwrap_or_default();
    let num = |i: usize, default: u64| a(i).parse().unwrap_or(default);
    let result = match a(0) {
        "noop" => noop(
            &format!("{}:{}", a(1), a(2)),
            a(3),
            a(4),
            num(5, 50) as usize,
        ),
        "mixed" => mixed(
            &format!("{}:{}", a(1), a(2)),
            a(3),
            a(4),
            num(5, 20),
            num(6, 10).max(1),
            a(7).parse().unwrap_or(5.0),
        ),
        _ => {
            eprintln!("usage: bridge_load noop HOST PORT USER PASS [N] | mixed HOST PORT USER_FORMAT PASS USERS CLIENTS SECONDS");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("bridge_load: {e}");
        std::process::exit(1);
    }
}
