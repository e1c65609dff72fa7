//! The SMTP client session (RFC 5321 §3, §4): hands one message to a server and reports
//! exactly once what became of it.
//!
//! Sequence: wait for the 220 greeting, EHLO (HELO when EHLO gets 5xx, §3.2), STARTTLS when
//! the job's [`StartTlsPolicy`] asks for it and the server offers it (RFC 3207: after its 220
//! the driver puts TLS under the session, see [`ClientEvent::UpgradeToTls`], and the client
//! forgets the EHLO answer and says EHLO again, §4.2), AUTH PLAIN
//! (RFC 4616; AUTH LOGIN when PLAIN is not offered) if the job has credentials, MAIL FROM (with
//! `SIZE=` when SIZE is advertised, RFC 1870 §6; `BODY=8BITMIME` for 8-bit data when offered,
//! RFC 6152; `SMTPUTF8` for non-ASCII addresses, RFC 6531), one RCPT per recipient, DATA with
//! dot-stuffing (§4.5.2), QUIT. Commands are sent one at a time (no pipelining), which keeps
//! every reply tied to its command.
//!
//! Every wait has a deadline (§4.5.3.2): 5 minutes for the greeting and each command, 10
//! minutes for the reply after the final dot, 1 minute for the QUIT reply (the outcome is known
//! by then). A missed deadline, a dropped connection or a reply that is not SMTP ends the
//! session with `Failed { permanent: false }`: only a 250 after the data means Sent.

use super::reply::{ParsedReply, Reply, ReplyReader};
use super::Envelope;
use crate::session::{Output, OutputQueue, Session};
use crate::time::{Duration, Instant};
use crate::wire::dot::stuff;
use crate::wire::sasl;

/// Greeting and command replies (RFC 5321 §4.5.3.2.1-6 ask for 2 to 5 minutes).
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);
/// The reply after `<CRLF>.<CRLF>` (RFC 5321 §4.5.3.2.6: 10 minutes).
pub const DATA_END_TIMEOUT: Duration = Duration::from_secs(600);
/// The reply to QUIT, after the outcome is known.
pub const QUIT_TIMEOUT: Duration = Duration::from_secs(60);

pub use crate::proto::client_tls::StartTlsPolicy;

/// One message to hand over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientJob {
    /// The name to announce in EHLO/HELO (this host's name).
    pub helo: String,
    /// Login and password for AUTH (needed for submission), if any.
    pub auth: Option<(String, String)>,
    pub envelope: Envelope,
    /// The message (header and body), CRLF line ends; stuffed by the client.
    pub data: Vec<u8>,
    /// Whether to upgrade the connection with STARTTLS.
    pub starttls: StartTlsPolicy,
}

/// What the client tells its driver: at most one `UpgradeToTls`, exactly one `Done`, then
/// `Close`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The server answered 220 to STARTTLS (RFC 3207 §4): the driver starts a TLS handshake
    /// at once, every later `Transmit` is plaintext for the TLS layer (the first is the new
    /// EHLO, held by the layer until the handshake ends) and every later input must be what
    /// the layer decrypted. If the handshake fails, the driver calls
    /// [`SmtpClient::handle_tls_failed`].
    UpgradeToTls,
    Done(ClientOutcome),
}

/// What became of the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOutcome {
    /// DATA/BDAT answered 250: the listed recipients got it; `rejected` got a reply at RCPT.
    /// A `rejected` entry with a 4xx reply was only temporarily refused: retry it later.
    Sent {
        accepted: Vec<String>,
        rejected: Vec<(String, Reply)>,
        reply: Reply,
    },
    /// Nothing was delivered. permanent = 5xx (bounce), otherwise retry later.
    /// `per_recipient` holds the recipients refused at RCPT with their own reply (4xx: retry,
    /// 5xx: bounce); every other recipient failed with `reply` (None when the connection was
    /// lost, timed out or carried garbage).
    Failed {
        permanent: bool,
        reason: String,
        reply: Option<Reply>,
        per_recipient: Vec<(String, Reply)>,
        /// The whole message and its final dot were sent, and the answer never came (the
        /// connection was lost or timed out): the server may have taken it, and a retry may
        /// deliver it twice (RFC 5321 §6.1, RFC 1047).
        answer_lost: bool,
    },
}

/// What the client waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    AuthPlain,
    AuthLoginUser,
    AuthLoginPass,
    AuthLoginDone,
    Mail,
    Rcpt(usize),
    Data,
    DataEnd,
    /// The outcome is out; waiting for the QUIT reply (or the close).
    Quit,
    /// Closed.
    Done,
}

/// What the server's EHLO reply offered (RFC 5321 §4.1.1.1).
#[derive(Debug, Clone, Default)]
struct Extensions {
    size: Option<u64>,
    auth: Vec<String>,
    eight_bit: bool,
    smtputf8: bool,
    /// RFC 3207 §4.
    starttls: bool,
}

impl Extensions {
    fn parse(lines: &[String]) -> Self {
        let mut ext = Extensions::default();
        for line in lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let Some(first) = words.next() else { continue };
            let key = first.to_ascii_uppercase();
            match key.as_str() {
                "SIZE" => ext.size = words.next().and_then(|w| w.parse().ok()).or(Some(0)),
                "8BITMIME" => ext.eight_bit = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "STARTTLS" => ext.starttls = true,
                "AUTH" => ext.auth.extend(words.map(str::to_ascii_uppercase)),
                // The pre-standard `AUTH=PLAIN LOGIN` form.
                k if k.starts_with("AUTH=") => {
                    ext.auth.push(k["AUTH=".len()..].to_string());
                    ext.auth.extend(words.map(str::to_ascii_uppercase));
                }
                _ => {}
            }
        }
        ext
    }
}

/// The SMTP client session.
#[derive(Debug)]
pub struct SmtpClient {
    job: ClientJob,
    state: State,
    replies: ReplyReader,
    out: OutputQueue<ClientEvent>,
    deadline: Instant,
    ext: Extensions,
    accepted: Vec<String>,
    /// Recipients refused at RCPT, in order, with their reply (4xx or 5xx).
    refused: Vec<(String, Reply)>,
    reported: bool,
    /// True once the server said 220 to STARTTLS: every byte since goes through TLS.
    upgraded: bool,
    /// True when the job failed because its policy required TLS and the server gave none.
    missing_tls: bool,
}

/// Removes CR and LF so job fields can never inject a command.
fn one_line(s: &str) -> String {
    s.chars().filter(|&c| c != '\r' && c != '\n').collect()
}

impl SmtpClient {
    /// A client waiting for the server's 220 greeting.
    pub fn new(now: Instant, job: ClientJob) -> Self {
        SmtpClient {
            job,
            state: State::Greeting,
            replies: ReplyReader::default(),
            out: OutputQueue::default(),
            deadline: now + COMMAND_TIMEOUT,
            ext: Extensions::default(),
            accepted: Vec::new(),
            refused: Vec::new(),
            reported: false,
            upgraded: false,
            missing_tls: false,
        }
    }

    /// True when the server's last EHLO answer offered STARTTLS (RFC 3207 §3).
    pub fn is_starttls_offered(&self) -> bool {
        self.ext.starttls
    }

    /// True when the job failed because [`StartTlsPolicy::Required`] found no STARTTLS, or
    /// the server refused it.
    pub fn is_missing_tls(&self) -> bool {
        self.missing_tls
    }

    /// True once the session runs over TLS (after STARTTLS).
    pub fn is_upgraded(&self) -> bool {
        self.upgraded
    }

    /// The driver's TLS handshake after STARTTLS failed (a certificate the client refused, a
    /// handshake failure): nothing more can be said on this connection, so the job fails
    /// temporarily and the connection closes. Whether to retry in clear is the driver's
    /// policy (RFC 7435), not the session's.
    pub fn handle_tls_failed(&mut self, _now: Instant, why: &str) {
        if self.state != State::Done {
            self.fail_hard(
                false,
                format!("TLS after STARTTLS failed: {}", one_line(why)),
            );
        }
    }

    fn send(&mut self, now: Instant, line: &str, next: State) {
        self.out.transmit(format!("{}\r\n", one_line(line)));
        self.state = next;
        self.deadline = now + COMMAND_TIMEOUT;
    }

    /// Emits the outcome (once).
    fn report(&mut self, outcome: ClientOutcome) {
        if !self.reported {
            self.reported = true;
            self.out.event(ClientEvent::Done(outcome));
        }
    }

    /// A failure the server told us about: report, then QUIT politely.
    fn fail_reply(&mut self, now: Instant, what: &str, reply: Reply) {
        let outcome = ClientOutcome::Failed {
            permanent: reply.is_permanent(),
            reason: format!("{what}: {reply}"),
            reply: Some(reply),
            per_recipient: self.refused.clone(),
            answer_lost: false,
        };
        self.report(outcome);
        self.quit(now);
    }

    /// A failure with no usable server reply: report and close at once.
    fn fail_hard(&mut self, permanent: bool, reason: String) {
        let answer_lost = self.state == State::DataEnd;
        let outcome = ClientOutcome::Failed {
            permanent,
            reason,
            reply: None,
            per_recipient: self.refused.clone(),
            answer_lost,
        };
        self.report(outcome);
        self.state = State::Done;
        self.out.close();
    }

    /// A failure found on our side before the command was sent: report, then QUIT.
    fn fail_local(&mut self, now: Instant, reason: String) {
        let outcome = ClientOutcome::Failed {
            permanent: true,
            reason,
            reply: None,
            per_recipient: self.refused.clone(),
            answer_lost: false,
        };
        self.report(outcome);
        self.quit(now);
    }

    fn quit(&mut self, now: Instant) {
        self.out.transmit(&b"QUIT\r\n"[..]);
        self.state = State::Quit;
        self.deadline = now + QUIT_TIMEOUT;
    }

    /// After EHLO: STARTTLS first when the policy and the server's offer say so.
    fn after_ehlo(&mut self, now: Instant) {
        if self.upgraded {
            return self.after_hello(now);
        }
        match (self.job.starttls, self.ext.starttls) {
            (StartTlsPolicy::Never, _) => self.after_hello(now),
            (_, true) => self.send(now, "STARTTLS", State::StartTls),
            (StartTlsPolicy::WhenOffered, false) => self.after_hello(now),
            (StartTlsPolicy::Required, false) => {
                self.fail_no_tls(now, "the server does not offer STARTTLS")
            }
        }
    }

    /// The policy requires TLS and the server will not give it: a temporary failure (the
    /// message waits for a server that does), then QUIT.
    fn fail_no_tls(&mut self, now: Instant, why: &str) {
        self.missing_tls = true;
        let outcome = ClientOutcome::Failed {
            permanent: false,
            reason: format!("4.7.10 {why}, and this hop requires TLS"),
            reply: None,
            per_recipient: self.refused.clone(),
            answer_lost: false,
        };
        self.report(outcome);
        self.quit(now);
    }

    fn after_hello(&mut self, now: Instant) {
        let Some((user, password)) = self.job.auth.clone() else {
            return self.send_mail(now);
        };
        if self.ext.auth.iter().any(|m| m == "PLAIN") {
            let line = format!("AUTH PLAIN {}", sasl::encode_plain(&user, &password));
            self.send(now, &line, State::AuthPlain);
        } else if self.ext.auth.iter().any(|m| m == "LOGIN") {
            self.send(now, "AUTH LOGIN", State::AuthLoginUser);
        } else {
            self.fail_local(
                now,
                "the server offers no AUTH PLAIN or LOGIN, and this job needs AUTH".to_string(),
            );
        }
    }

    fn send_mail(&mut self, now: Instant) {
        let env = &self.job.envelope;
        let non_ascii = !env.mail_from.is_ascii() || env.rcpt_to.iter().any(|r| !r.is_ascii());
        if non_ascii && !self.ext.smtputf8 {
            return self.fail_local(
                now,
                "non-ASCII addresses need SMTPUTF8, which the server does not offer".to_string(),
            );
        }
        let size = self.job.data.len() as u64;
        if let Some(max) = self.ext.size.filter(|&m| m > 0) {
            if size > max {
                return self.fail_local(
                    now,
                    format!("the message ({size} octets) exceeds the server's SIZE limit ({max})"),
                );
            }
        }
        let mut line = format!("MAIL FROM:<{}>", env.mail_from);
        if self.ext.size.is_some() {
            line.push_str(&format!(" SIZE={size}"));
        }
        if self.ext.eight_bit && !self.job.data.is_ascii() {
            line.push_str(" BODY=8BITMIME");
        }
        if non_ascii {
            line.push_str(" SMTPUTF8");
        }
        self.send(now, &line, State::Mail);
    }

    fn next_rcpt(&mut self, now: Instant, i: usize, last: Option<Reply>) {
        if let Some(rcpt) = self.job.envelope.rcpt_to.get(i) {
            let line = format!("RCPT TO:<{rcpt}>");
            return self.send(now, &line, State::Rcpt(i));
        }
        if !self.accepted.is_empty() {
            return self.send(now, "DATA", State::Data);
        }
        let permanent = self.refused.iter().all(|(_, r)| r.is_permanent());
        let outcome = ClientOutcome::Failed {
            permanent,
            reason: match &last {
                Some(r) => format!("no recipient accepted (last reply: {r})"),
                None => "no recipients".to_string(),
            },
            reply: last,
            per_recipient: self.refused.clone(),
            answer_lost: false,
        };
        self.report(outcome);
        self.quit(now);
    }

    fn on_reply(&mut self, now: Instant, parsed: ParsedReply) {
        let reply = parsed.reply;
        let ok = reply.is_positive();
        match self.state {
            State::Greeting if ok => {
                let line = format!("EHLO {}", self.job.helo);
                self.send(now, &line, State::Ehlo);
            }
            State::Greeting => self.fail_reply(now, "greeting", reply),
            State::Ehlo if ok => {
                self.ext = Extensions::parse(&parsed.lines);
                self.after_ehlo(now);
            }
            // RFC 5321 §3.2: a server that does not know EHLO says 5xx; fall back to HELO.
            State::Ehlo if reply.is_permanent() => {
                let line = format!("HELO {}", self.job.helo);
                self.send(now, &line, State::Helo);
            }
            State::Ehlo => self.fail_reply(now, "EHLO", reply),
            State::Helo if ok => {
                self.ext = Extensions::default();
                self.after_ehlo(now);
            }
            State::Helo => self.fail_reply(now, "HELO", reply),
            // RFC 3207 §4.2: the client forgets what it knew and starts over with EHLO; the
            // driver puts TLS under the session before that EHLO goes out.
            State::StartTls if reply.code == 220 => {
                self.upgraded = true;
                self.ext = Extensions::default();
                self.out.event(ClientEvent::UpgradeToTls);
                let line = format!("EHLO {}", self.job.helo);
                self.send(now, &line, State::Ehlo);
            }
            State::StartTls if self.job.starttls == StartTlsPolicy::Required => {
                let why = format!("the server refused STARTTLS ({reply})");
                self.fail_no_tls(now, &why);
            }
            // RFC 7435 §3: opportunistic, so a refusal means going on in clear.
            State::StartTls => self.after_hello(now),
            State::AuthPlain | State::AuthLoginDone if ok => self.send_mail(now),
            State::AuthLoginUser | State::AuthLoginPass if reply.code == 334 => {
                let (user, password) = self.job.auth.clone().unwrap_or_default();
                if self.state == State::AuthLoginUser {
                    let b64 = sasl::b64_encode(user.as_bytes());
                    self.send(now, &b64, State::AuthLoginPass);
                } else {
                    let b64 = sasl::b64_encode(password.as_bytes());
                    self.send(now, &b64, State::AuthLoginDone);
                }
            }
            State::AuthPlain
            | State::AuthLoginUser
            | State::AuthLoginPass
            | State::AuthLoginDone => {
                if reply.code == 334 {
                    // A challenge we did not expect: cancel the exchange (RFC 4954 §4).
                    self.out.transmit(&b"*\r\n"[..]);
                }
                self.fail_reply(now, "authentication failed", reply)
            }
            State::Mail if ok => self.next_rcpt(now, 0, None),
            State::Mail => self.fail_reply(now, "MAIL FROM refused", reply),
            State::Rcpt(i) => {
                let rcpt = self
                    .job
                    .envelope
                    .rcpt_to
                    .get(i)
                    .cloned()
                    .unwrap_or_default();
                if ok {
                    self.accepted.push(rcpt);
                } else {
                    self.refused.push((rcpt, reply.clone()));
                }
                self.next_rcpt(now, i + 1, Some(reply));
            }
            State::Data if reply.code == 354 => {
                self.out.transmit(stuff(&self.job.data));
                self.state = State::DataEnd;
                self.deadline = now + DATA_END_TIMEOUT;
            }
            State::Data => self.fail_reply(now, "DATA refused", reply),
            State::DataEnd if ok => {
                let outcome = ClientOutcome::Sent {
                    accepted: self.accepted.clone(),
                    rejected: self.refused.clone(),
                    reply,
                };
                self.report(outcome);
                self.quit(now);
            }
            State::DataEnd => self.fail_reply(now, "message refused", reply),
            State::Quit => {
                self.state = State::Done;
                self.out.close();
            }
            State::Done => {}
        }
    }
}

impl Session<()> for SmtpClient {
    type Event = ClientEvent;

    fn handle_input(&mut self, _: &mut (), now: Instant, mut bytes: &[u8]) {
        while !bytes.is_empty() && !self.out.is_closed() && self.state != State::Done {
            let (n, result) = self.replies.push(bytes);
            bytes = bytes.get(n..).unwrap_or(&[]);
            match result {
                None => {}
                Some(Ok(reply)) => {
                    let upgraded = self.upgraded;
                    self.on_reply(now, reply);
                    if self.upgraded != upgraded {
                        // RFC 3207 §4.2 (and the response-injection class of bugs): bytes
                        // that came in clear after the 220 were not protected by TLS; they
                        // are dropped, never read as replies inside the TLS session.
                        self.replies = ReplyReader::default();
                        return;
                    }
                }
                Some(Err(_)) if self.state == State::Quit => {
                    self.state = State::Done;
                    self.out.close();
                }
                Some(Err(garbage)) => {
                    self.fail_hard(false, format!("garbage reply from server: {garbage}"));
                }
            }
        }
    }

    fn handle_timeout(&mut self, _: &mut (), now: Instant) {
        if now < self.deadline || self.out.is_closed() {
            return;
        }
        let waiting_for = match self.state {
            State::Greeting => "the greeting",
            State::DataEnd => "the reply to the message data",
            State::Quit | State::Done => "the QUIT reply",
            _ => "a command reply",
        };
        self.fail_hard(false, format!("timeout waiting for {waiting_for}"));
    }

    fn handle_close(&mut self, _: &mut (), _: Instant) {
        if !self.reported {
            self.fail_hard(false, "connection lost".to_string());
        }
        self.state = State::Done;
        self.out.mark_closed();
    }

    fn poll_output(&mut self) -> Option<Output<ClientEvent>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}
