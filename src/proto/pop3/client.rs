//! The POP3 client session (RFC 1939): STLS first when the job's [`StartTlsPolicy`] asks for
//! it (RFC 2595 §4: after `+OK` the driver puts TLS under the session, see
//! [`Pop3ClientEvent::UpgradeToTls`]), USER/PASS, STAT, UIDL (RFC 1939 §7), RETR of every
//! message, DELE of each unless the job keeps a copy on the server, then QUIT, which commits
//! the deletions (§6). One command at a time, so every reply belongs to the command before it.
//!
//! Replies are framed within limits: a status line by [`LineReader`] (RFC 2449 §4: 512
//! octets), a multi-line body by [`DotReader`], which undoes the byte-stuffing (§3) and stops
//! at [`MAX_MESSAGE`]. The session reports exactly one [`Pop3ClientEvent::Done`], then closes.

pub use crate::proto::client_tls::StartTlsPolicy;
use crate::session::{Output, OutputQueue, Session};
use crate::time::{Duration, Instant};
use crate::wire::dot::{DotReader, DotStatus};
use crate::wire::line::{Line, LineReader};

/// Longest status line accepted (RFC 2449 §4 allows 512 octets, CRLF included).
pub const MAX_STATUS_LINE: usize = 512;
/// Largest multi-line reply (a message) accepted; a larger one fails the session.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;
/// Most messages downloaded in one session.
pub const MAX_MESSAGES: u32 = 100_000;
/// How long to wait for any reply (RFC 1939 §3 gives servers a 10-minute autologout).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// What to do on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pop3Job {
    pub user: String,
    pub password: String,
    /// Leave the messages on the server (no DELE).
    pub keep: bool,
    /// Whether to say STLS before logging in.
    pub stls: StartTlsPolicy,
}

/// A downloaded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pop3Message {
    /// Its message number in this session (RFC 1939 §5).
    pub number: u32,
    /// Its unique id from UIDL, when the server gave one (RFC 1939 §7).
    pub uidl: Option<String>,
    /// The message, unstuffed, CRLF line ends.
    pub raw: Vec<u8>,
}

/// What the client tells its driver: exactly one `Done`, then `Close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pop3ClientEvent {
    /// The server answered `+OK` to STLS (RFC 2595 §4): the driver starts TLS at once; every
    /// later `Transmit` is plaintext for the TLS layer (the first is USER) and every later
    /// input must be what the layer decrypted. A failed handshake: call
    /// [`Pop3Client::handle_tls_failed`].
    UpgradeToTls,
    /// The messages downloaded, or why the session failed.
    Done(Result<Vec<Pop3Message>, String>),
}

/// The reply the client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Greeting,
    Stls,
    User,
    Pass,
    Stat,
    Uidl,
    Retr(u32),
    Dele(u32),
    Quit,
    Done,
}

impl Step {
    /// Whether a positive reply to this step carries a multi-line body.
    fn is_multiline(self) -> bool {
        matches!(self, Step::Uidl | Step::Retr(_))
    }

    fn name(self) -> &'static str {
        match self {
            Step::Greeting => "greeting",
            Step::Stls => "STLS",
            Step::User => "USER",
            Step::Pass => "login failed",
            Step::Stat => "STAT",
            Step::Uidl => "UIDL",
            Step::Retr(_) => "RETR",
            Step::Dele(_) => "DELE",
            Step::Quit | Step::Done => "QUIT",
        }
    }
}

/// How the next bytes are read.
#[derive(Debug)]
enum Reading {
    Status,
    /// The body of a positive multi-line reply.
    Body(DotReader),
}

/// The POP3 client session.
#[derive(Debug)]
pub struct Pop3Client {
    job: Pop3Job,
    step: Step,
    lines: LineReader,
    reading: Reading,
    out: OutputQueue<Pop3ClientEvent>,
    deadline: Instant,
    count: u32,
    uidls: Vec<(u32, String)>,
    got: Vec<Pop3Message>,
    /// The outcome once known (before QUIT's reply).
    result: Option<Result<Vec<Pop3Message>, String>>,
    /// True once the server said `+OK` to STLS.
    upgraded: bool,
}

/// Removes CR and LF so job fields can never inject a command.
fn one_line(s: &str) -> String {
    s.chars().filter(|&c| c != '\r' && c != '\n').collect()
}

impl Pop3Client {
    /// A client waiting for the server's `+OK` greeting.
    pub fn new(now: Instant, job: Pop3Job) -> Self {
        Pop3Client {
            job,
            step: Step::Greeting,
            lines: LineReader::new(MAX_STATUS_LINE),
            reading: Reading::Status,
            out: OutputQueue::default(),
            deadline: now + REPLY_TIMEOUT,
            count: 0,
            uidls: Vec::new(),
            got: Vec::new(),
            result: None,
            upgraded: false,
        }
    }

    /// True once the session runs over TLS (after STLS).
    pub fn is_upgraded(&self) -> bool {
        self.upgraded
    }

    /// The driver's TLS handshake after STLS failed: the session fails at once.
    pub fn handle_tls_failed(&mut self, _now: Instant, why: &str) {
        if !self.out.is_closed() {
            self.fail(format!("TLS after STLS failed: {}", one_line(why)));
        }
    }

    fn send_user(&mut self, now: Instant) {
        let user = self.job.user.clone();
        self.send(now, &format!("USER {user}"), Step::User);
    }

    fn send(&mut self, now: Instant, line: &str, next: Step) {
        self.out.transmit(format!("{}\r\n", one_line(line)));
        self.step = next;
        self.deadline = now + REPLY_TIMEOUT;
    }

    /// Reports the outcome (once) and closes.
    fn finish(&mut self, outcome: Result<Vec<Pop3Message>, String>) {
        let outcome = self.result.take().unwrap_or(outcome);
        self.out.event(Pop3ClientEvent::Done(outcome));
        self.step = Step::Done;
        self.out.close();
    }

    fn fail(&mut self, why: String) {
        self.result = None;
        self.finish(Err(why));
    }

    /// Asks for message `n`, or QUITs after the last one.
    fn retrieve_or_quit(&mut self, now: Instant, n: u32) {
        if n <= self.count {
            self.send(now, &format!("RETR {n}"), Step::Retr(n));
        } else {
            self.result = Some(Ok(std::mem::take(&mut self.got)));
            self.send(now, "QUIT", Step::Quit);
        }
    }

    /// A status line arrived (`+OK ...` or `-ERR ...`).
    fn on_status(&mut self, now: Instant, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let (ok, text) = if let Some(rest) = line.strip_prefix("+OK") {
            (true, rest.trim_start())
        } else if let Some(rest) = line.strip_prefix("-ERR") {
            (false, rest.trim_start())
        } else {
            return self.fail(format!("not a POP3 reply: {line}"));
        };
        if !ok && self.step == Step::Stls && self.job.stls == StartTlsPolicy::WhenOffered {
            // RFC 7435 §3: opportunistic, so a refusal means going on in clear.
            return self.send_user(now);
        }
        if !ok {
            return self.fail(format!("{}: -ERR {text}", self.step.name()));
        }
        if self.step.is_multiline() {
            self.reading = Reading::Body(DotReader::new(MAX_MESSAGE, MAX_MESSAGE));
            return;
        }
        match self.step {
            Step::Greeting if self.job.stls != StartTlsPolicy::Never => {
                self.send(now, "STLS", Step::Stls)
            }
            Step::Greeting => self.send_user(now),
            Step::Stls => {
                self.upgraded = true;
                self.out.event(Pop3ClientEvent::UpgradeToTls);
                self.send_user(now);
            }
            Step::User => {
                let pass = self.job.password.clone();
                self.send(now, &format!("PASS {pass}"), Step::Pass);
            }
            Step::Pass => self.send(now, "STAT", Step::Stat),
            Step::Stat => {
                // RFC 1939 §5: "+OK nn mm", the number of messages first.
                self.count = text
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if self.count > MAX_MESSAGES {
                    return self.fail(format!("STAT: too many messages ({})", self.count));
                }
                if self.count == 0 {
                    self.result = Some(Ok(Vec::new()));
                    self.send(now, "QUIT", Step::Quit);
                } else {
                    self.send(now, "UIDL", Step::Uidl);
                }
            }
            Step::Dele(n) => self.retrieve_or_quit(now, n + 1),
            Step::Quit => self.finish(Ok(Vec::new())),
            Step::Uidl | Step::Retr(_) | Step::Done => {}
        }
    }

    /// A multi-line body ended.
    fn on_body(&mut self, now: Instant, reader: DotReader) {
        if reader.is_oversized() {
            return self.fail(format!(
                "{}: reply larger than {MAX_MESSAGE} bytes",
                self.step.name()
            ));
        }
        let body = reader.into_body();
        match self.step {
            Step::Uidl => {
                // RFC 1939 §7: one "n unique-id" line per message.
                for line in body.split(|&b| b == b'\n') {
                    let line = String::from_utf8_lossy(line);
                    let mut words = line.split_ascii_whitespace();
                    if let (Some(Ok(n)), Some(id)) = (words.next().map(str::parse), words.next()) {
                        if self.uidls.len() < MAX_MESSAGES as usize {
                            self.uidls.push((n, id.to_string()));
                        }
                    }
                }
                self.retrieve_or_quit(now, 1);
            }
            Step::Retr(n) => {
                let uidl = self
                    .uidls
                    .iter()
                    .find(|(i, _)| *i == n)
                    .map(|(_, u)| u.clone());
                self.got.push(Pop3Message {
                    number: n,
                    uidl,
                    raw: body,
                });
                if self.job.keep {
                    self.retrieve_or_quit(now, n + 1);
                } else {
                    self.send(now, &format!("DELE {n}"), Step::Dele(n));
                }
            }
            _ => {}
        }
    }
}

impl Session<()> for Pop3Client {
    type Event = Pop3ClientEvent;

    fn handle_input(&mut self, _: &mut (), now: Instant, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.out.is_closed() {
            match &mut self.reading {
                Reading::Status => {
                    let (n, line) = self.lines.push(bytes);
                    bytes = bytes.get(n..).unwrap_or(&[]);
                    match line {
                        None => {}
                        Some(Line::Ok(line)) => {
                            let upgraded = self.upgraded;
                            self.on_status(now, &line);
                            if self.upgraded != upgraded {
                                // RFC 2595 §4 and CVE-2011-0411's mirror image: what came in
                                // clear after the +OK is dropped, never read inside TLS.
                                self.lines = LineReader::new(MAX_STATUS_LINE);
                                return;
                            }
                        }
                        Some(Line::TooLong) => {
                            self.fail(format!("{}: status line too long", self.step.name()))
                        }
                    }
                }
                Reading::Body(reader) => match reader.push(bytes) {
                    DotStatus::More => bytes = &[],
                    DotStatus::Done { consumed } => {
                        bytes = bytes.get(consumed..).unwrap_or(&[]);
                        if let Reading::Body(reader) =
                            std::mem::replace(&mut self.reading, Reading::Status)
                        {
                            self.on_body(now, reader);
                        }
                    }
                },
            }
        }
    }

    fn handle_timeout(&mut self, _: &mut (), now: Instant) {
        if now >= self.deadline && !self.out.is_closed() {
            let why = format!("no reply to {} (timed out)", self.step.name());
            self.fail(why);
        }
    }

    /// The server closed: after the outcome is known that is the end of QUIT; before, a
    /// failure.
    fn handle_close(&mut self, _: &mut (), _: Instant) {
        if !self.out.is_closed() {
            match self.result.take() {
                Some(outcome) => self.finish(outcome),
                None => self.fail("the server closed the connection".into()),
            }
        }
        self.out.mark_closed();
    }

    fn poll_output(&mut self) -> Option<Output<Pop3ClientEvent>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}

#[cfg(test)]
mod tests;
