//! The SMTP server session (RFC 5321), for port 25 (MX and relay) and port 587 (submission,
//! RFC 6409).
//!
//! Extensions (EHLO keywords): PIPELINING (RFC 2920), SIZE (RFC 1870), AUTH PLAIN LOGIN
//! (RFC 4954, RFC 4616), ENHANCEDSTATUSCODES (RFC 2034, codes from RFC 3463), 8BITMIME
//! (RFC 6152), CHUNKING (RFC 3030, `BDAT`), SMTPUTF8 (RFC 6531), and STARTTLS (RFC 3207)
//! where the host offers TLS ([`TlsOffer`], see `server/starttls.rs`); without it HELP says
//! that everything travels in clear.
//!
//! Rules worth knowing:
//! - **Line ends.** Commands and DATA lines end with CRLF; a bare LF is accepted as a line end
//!   too (learners' terminals send LF), and DATA lines are stored with CRLF whatever they ended
//!   with (see [`crate::wire::dot::DotReader`]). So `\n.\n` also ends DATA. BDAT content is
//!   binary and stored exactly as sent.
//! - **Roles.** On port 25 a recipient in a domain this host holds
//!   (`store.domain_host(domain) == Some(host)`) is accepted when the account exists and gets
//!   `550 5.1.1` otherwise (unless the store has a catch-all: `Store::set_catch_all`); any
//!   other domain gets `554 5.7.1 Relay access denied` unless the session authenticated
//!   (never an open relay). On port 587 MAIL needs AUTH first
//!   (`530 5.7.0`), and missing `Message-ID:`/`Date:` fields are added (RFC 6409 §8).
//! - **Postmaster.** `RCPT TO:<postmaster>` (no domain, RFC 5321 §4.1.1.3) means the
//!   `postmaster@` account of the first local domain of this host that has one; with no such
//!   account it gets `550 5.1.1`. Other domain-less addresses get `501 5.1.3`. A domain-less
//!   `MAIL FROM` gets `501 5.1.7`.
//! - **Limits.** Command lines 512 octets with CRLF (§4.5.3.1.4), AUTH lines 12288 (RFC 4954
//!   §4), text lines 1000 (§4.5.3.1.6), message size = `store.limits.max_message_size`
//!   (advertised as SIZE, checked at MAIL and at the end of DATA/BDAT), 100 recipients
//!   (§4.5.3.1.8), 10 errors, 5 minutes idle (§4.5.3.2.7).
//! - **Nothing half-done.** A message is spooled only once complete; a connection that drops or
//!   times out mid-DATA spools nothing, and 250 is only sent after the spool took the message.

use super::command::{self, Command, Param, ParseError};
use super::reply::{format_line, format_multi};
use super::trace::{self, Protocol};
use super::{Envelope, PeerInfo, SmtpCtx, SpoolError};
use crate::proto::starttls::TlsOffer;
use crate::session::{Output, OutputQueue, SecretInput, Session};
use crate::time::{Duration, Instant};
use crate::wire::dot::{DotReader, DotStatus};
use crate::wire::line::{Line, LineReader};

mod auth;
mod starttls;

/// Longest command line, CRLF included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Longest text line in DATA, CRLF included (RFC 5321 §4.5.3.1.6).
pub const MAX_TEXT_LINE: usize = 1000;
/// Longest AUTH continuation line (RFC 4954 §4).
pub const MAX_AUTH_LINE: usize = 12288;
/// Most recipients per message (RFC 5321 §4.5.3.1.8 asks for at least 100).
pub const MAX_RECIPIENTS: usize = 100;
/// Client errors tolerated before `421 4.7.0 Too many errors`.
pub const MAX_ERRORS: u32 = 10;
/// Idle time before `421 4.4.2 Idle timeout` (RFC 5321 §4.5.3.2.7: at least 5 minutes).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Where the session is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpPhase {
    /// Greeting sent, no EHLO/HELO yet.
    Greeted,
    /// After EHLO/HELO, no transaction.
    Ready,
    /// After MAIL.
    Mail,
    /// At least one RCPT accepted.
    Rcpt,
    /// Receiving DATA or BDAT chunks.
    Data,
    /// QUIT, or the server closed the session.
    Quit,
}

/// What the server tells its driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmtpEvent {
    /// The phase changed.
    Phase(SmtpPhase),
    /// A message was spooled and answered 250.
    Accepted {
        queue_id: String,
        envelope: Envelope,
    },
    /// AUTH succeeded for this account address.
    Authenticated(String),
    /// The line just read carries a secret (AUTH's initial response, a SASL answer).
    Secret(SecretInput),
    /// `220 Ready to start TLS` is queued (RFC 3207 §4): put TLS between the connection and
    /// this session now. The session has forgotten the EHLO and any AUTH and drops what came
    /// after the command; what it reads next comes from inside TLS.
    StartTls,
}

/// How the next input bytes are read.
#[derive(Debug)]
enum Mode {
    Command,
    /// After `AUTH PLAIN` without an initial response, waiting for it.
    AuthPlain,
    /// After `AUTH LOGIN`, waiting for the user name.
    AuthLoginUser,
    /// Waiting for the password of this user name.
    AuthLoginPass(String),
    /// After 354: the dot-stuffed message.
    Data(DotReader),
    /// Reading a BDAT chunk. `reject`: the reply to send once the chunk is consumed when the
    /// chunk is refused (its bytes are read and dropped so they are not taken for commands).
    Bdat {
        remaining: u64,
        last: bool,
        reject: Option<(u16, &'static str, String)>,
    },
}

/// One mail transaction (RFC 5321 §3.3).
#[derive(Debug)]
struct Transaction {
    mail_from: String,
    rcpts: Vec<String>,
    smtputf8: bool,
    /// The BDAT chunks so far, once the first BDAT was accepted.
    bdat: Option<Vec<u8>>,
}

/// The SMTP server session.
#[derive(Debug)]
pub struct SmtpServer {
    host: String,
    peer: PeerInfo,
    max_size: usize,
    lines: LineReader,
    mode: Mode,
    out: OutputQueue<SmtpEvent>,
    /// The EHLO/HELO name and whether it was EHLO.
    helo: Option<(String, bool)>,
    /// The authenticated account.
    user: Option<String>,
    tx: Option<Transaction>,
    errors: u32,
    messages: u64,
    idle_deadline: Instant,
    phase: SmtpPhase,
    quit: bool,
    /// This session's number in the process, so that two sessions from the same peer at the
    /// same virtual instant still give different trace ids and Message-IDs.
    serial: u64,
    /// Client bytes read so far, and where the line being handled ends ([`SecretInput`]).
    input_seen: u64,
    line_end: u64,
    /// What the session may say about TLS (see [`TlsOffer`]).
    tls: TlsOffer,
}

impl SmtpServer {
    /// Starts a session and queues the `220` greeting (RFC 5321 §4.3.1).
    pub fn new(now: Instant, ctx: &mut SmtpCtx<'_>, peer: PeerInfo) -> Self {
        let mut out = OutputQueue::default();
        out.transmit(format_line(
            220,
            None,
            &format!("{} ESMTP Mail Sandbox ready", ctx.host),
        ));
        SmtpServer {
            host: ctx.host.to_string(),
            peer,
            max_size: ctx.store.limits.max_message_size,
            lines: LineReader::new(MAX_COMMAND_LINE),
            mode: Mode::Command,
            out,
            helo: None,
            user: None,
            tx: None,
            errors: 0,
            messages: 0,
            idle_deadline: now + IDLE_TIMEOUT,
            phase: SmtpPhase::Greeted,
            quit: false,
            serial: 0,
            input_seen: 0,
            line_end: 0,
            tls: TlsOffer::OFF,
        }
    }

    /// Sets what the session may say about TLS on its connection ([`TlsOffer::OFF`] unless
    /// set); `secured` for a connection that started inside TLS (port 465, RFC 8314 §3.3).
    pub fn with_tls(mut self, tls: TlsOffer) -> Self {
        self.tls = tls;
        self
    }

    /// The connection's TLS situation as the session sees it.
    pub fn tls(&self) -> TlsOffer {
        self.tls
    }

    /// Sets the session's serial number, mixed into the `Received:` id and generated
    /// Message-IDs so two sessions never produce the same ids. The driver numbers its
    /// sessions, which keeps a replay with the same inputs byte-for-byte identical.
    pub fn with_serial(mut self, serial: u64) -> Self {
        self.serial = serial;
        self
    }

    /// Where the session is now.
    pub fn phase(&self) -> SmtpPhase {
        self.phase
    }

    /// The authenticated account, if any.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// True when the next input line is a command (not DATA text, a BDAT chunk or an AUTH
    /// answer) and no part of one is buffered: what a layer in front of the session may match.
    pub fn is_reading_command(&self) -> bool {
        matches!(self.mode, Mode::Command) && self.lines.pending() == 0
    }

    /// True while reading DATA's dot-stuffed message text (after 354, before the final dot).
    pub fn is_reading_message_text(&self) -> bool {
        matches!(self.mode, Mode::Data(_))
    }

    /// Ends a DATA transfer without taking the message: the layer in front of the session
    /// answered the final dot itself (a fault rule, or a strict refusal). The transaction is
    /// over, as after any reply to the end of data (RFC 5321 §4.1.1.4).
    pub fn abort_message(&mut self) {
        if matches!(self.mode, Mode::Data(_)) {
            self.mode = Mode::Command;
            self.tx = None;
            self.sync_phase();
        }
    }

    // ------------------------------------------------------------ replies

    fn reply(&mut self, code: u16, enhanced: &str, text: &str) {
        self.out.transmit(format_line(code, Some(enhanced), text));
    }

    /// A reply that counts as a client error; the tenth closes the session.
    fn error(&mut self, code: u16, enhanced: &str, text: &str) {
        self.reply(code, enhanced, text);
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            self.shutdown(421, "4.7.0", "Too many errors, closing connection");
        }
    }

    /// Ends the session: the reply (221 after QUIT, 421 when the server gives up, RFC 5321
    /// §3.8), the `Quit` phase event, then Close.
    fn shutdown(&mut self, code: u16, enhanced: &str, text: &str) {
        self.reply(code, enhanced, text);
        self.quit = true;
        self.tx = None;
        self.mode = Mode::Command;
        self.sync_phase();
        self.out.close();
    }

    fn sync_phase(&mut self) {
        let now = if self.quit {
            SmtpPhase::Quit
        } else if matches!(self.mode, Mode::Data(_) | Mode::Bdat { reject: None, .. })
            || self.tx.as_ref().is_some_and(|t| t.bdat.is_some())
        {
            SmtpPhase::Data
        } else if let Some(tx) = &self.tx {
            if tx.rcpts.is_empty() {
                SmtpPhase::Mail
            } else {
                SmtpPhase::Rcpt
            }
        } else if self.helo.is_some() {
            SmtpPhase::Ready
        } else {
            SmtpPhase::Greeted
        };
        if now != self.phase {
            self.phase = now;
            self.out.event(SmtpEvent::Phase(now));
        }
    }

    fn is_local_domain(&self, ctx: &SmtpCtx<'_>, domain: &str) -> bool {
        ctx.store
            .domain_host(domain)
            .is_some_and(|h| h.eq_ignore_ascii_case(ctx.host))
    }

    // ------------------------------------------------------------ input

    fn on_command_line(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, line: Line) {
        let line = match line {
            Line::Ok(l) => l,
            Line::TooLong => {
                return self.error(500, "5.5.6", "Line too long (the limit is 512 octets)")
            }
        };
        let text = String::from_utf8_lossy(&line);
        match command::parse(&text) {
            Err(ParseError::Unknown) => self.error(500, "5.5.2", "Error: command not recognized"),
            Err(ParseError::Syntax(enhanced, msg)) => self.error(501, enhanced, msg),
            Ok(cmd) => self.on_command(ctx, now, cmd),
        }
    }

    fn on_command(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, cmd: Command) {
        if self.tls.blocks_commands() && !starttls::allowed_before_tls(&cmd) {
            return self.must_starttls();
        }
        match cmd {
            Command::Ehlo(name) => self.on_hello(name, true),
            Command::Helo(name) => self.on_hello(name, false),
            Command::Mail { path, params } => self.on_mail(ctx, path, params),
            Command::Rcpt { path, params } => self.on_rcpt(ctx, path, params),
            Command::Data => self.on_data(),
            Command::Bdat { size, last } => self.on_bdat(ctx, now, size, last),
            Command::Rset => {
                self.tx = None;
                self.reply(250, "2.0.0", "Ok");
            }
            Command::Noop => self.reply(250, "2.0.0", "Ok"),
            Command::Quit => {
                let text = format!("{} closing connection", self.host);
                self.shutdown(221, "2.0.0", &text);
            }
            Command::Vrfy(_) => self.reply(
                252,
                "2.1.5",
                "Cannot VRFY user, but will accept message and attempt delivery",
            ),
            Command::Expn(_) => self.error(502, "5.5.1", "EXPN not available"),
            Command::Help => self.on_help(),
            Command::StartTls => self.on_starttls(),
            Command::Auth { .. } if !self.tls.allows_login() => self.must_starttls(),
            Command::Auth { mechanism, initial } => self.on_auth(ctx, now, mechanism, initial),
        }
    }

    fn on_hello(&mut self, name: String, extended: bool) {
        // EHLO/HELO in a session resets any transaction (RFC 5321 §4.1.4).
        self.tx = None;
        let greeting = format!("{} Hello {}", self.host, name);
        if extended {
            let size = format!("SIZE {}", self.max_size);
            let mut lines = vec![greeting.as_str(), "PIPELINING", size.as_str()];
            // RFC 3207 §4: STARTTLS only where it can be used; AUTH only where it is allowed
            // (a host that wants TLS first lists it again after the upgrade).
            if self.tls.can_start() {
                lines.push("STARTTLS");
            }
            if self.tls.allows_login() {
                lines.push("AUTH PLAIN LOGIN");
            }
            lines.extend(["ENHANCEDSTATUSCODES", "8BITMIME", "CHUNKING", "SMTPUTF8"]);
            self.out.transmit(format_multi(250, None, &lines));
        } else {
            self.out
                .transmit(format_line(250, None, &self.host.clone()));
        }
        self.helo = Some((name, extended));
    }

    fn on_help(&mut self) {
        let tls: &[&str] = if self.tls.secured {
            &["This connection is inside TLS: what you type travels encrypted."]
        } else if self.tls.offered {
            &[
                "STARTTLS (RFC 3207) starts TLS; until then everything,",
                "AUTH passwords included, travels in clear text.",
            ]
        } else {
            &[
                "There is no STARTTLS: TLS is off on this host, so everything,",
                "AUTH passwords included, travels in clear text.",
            ]
        };
        let mut lines = vec![
            "Mail Sandbox SMTP server (RFC 5321). Commands:",
            "  EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP AUTH",
        ];
        lines.extend_from_slice(tls);
        lines.extend([
            "Port 25 takes mail for local users (or relays after AUTH);",
            "port 587 (submission) requires AUTH before MAIL.",
            "End of HELP",
        ]);
        self.out.transmit(format_multi(214, Some("2.0.0"), &lines));
    }

    fn on_mail(&mut self, ctx: &mut SmtpCtx<'_>, path: String, params: Vec<Param>) {
        if self.helo.is_none() {
            return self.error(503, "5.5.1", "Error: send EHLO or HELO first");
        }
        if self.tx.is_some() {
            return self.error(503, "5.5.1", "Error: nested MAIL command");
        }
        if ctx.submission && self.user.is_none() {
            return self.error(530, "5.7.0", "Authentication required");
        }
        let mut smtputf8 = false;
        for p in &params {
            match (p.key.as_str(), p.value.as_deref()) {
                ("SIZE", Some(v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    let declared = v.parse::<u64>().unwrap_or(u64::MAX);
                    if declared > self.max_size as u64 {
                        return self.reply(
                            552,
                            "5.3.4",
                            "Message size exceeds fixed maximum message size",
                        );
                    }
                }
                ("SIZE", _) => return self.error(501, "5.5.4", "Bad SIZE parameter"),
                ("BODY", Some(v))
                    if v.eq_ignore_ascii_case("7BIT") || v.eq_ignore_ascii_case("8BITMIME") => {}
                ("BODY", _) => return self.error(501, "5.5.4", "Unsupported BODY type"),
                ("SMTPUTF8", None) => smtputf8 = true,
                ("SMTPUTF8", Some(_)) => {
                    return self.error(501, "5.5.4", "SMTPUTF8 takes no value")
                }
                // RFC 4954 §5: the AUTH= parameter may be ignored by a server that does not
                // relay the identity further.
                ("AUTH", Some(_)) => {}
                _ => return self.error(555, "5.5.4", "Unsupported MAIL parameter"),
            }
        }
        if !path.is_ascii() && !smtputf8 {
            return self.reply(
                553,
                "5.6.7",
                "Non-ASCII address needs the SMTPUTF8 parameter",
            );
        }
        if !path.is_empty() && !path.contains('@') {
            return self.error(501, "5.1.7", "Sender address needs a domain");
        }
        self.tx = Some(Transaction {
            mail_from: path,
            rcpts: Vec::new(),
            smtputf8,
            bdat: None,
        });
        self.reply(250, "2.1.0", "Ok");
    }

    fn on_rcpt(&mut self, ctx: &mut SmtpCtx<'_>, path: String, params: Vec<Param>) {
        let (count, smtputf8, in_bdat) = match &self.tx {
            None => return self.error(503, "5.5.1", "Error: need MAIL command"),
            Some(tx) => (tx.rcpts.len(), tx.smtputf8, tx.bdat.is_some()),
        };
        if in_bdat {
            return self.error(503, "5.5.1", "Error: BDAT transfer in progress");
        }
        if !params.is_empty() {
            return self.error(555, "5.5.4", "Unsupported RCPT parameter");
        }
        if !path.is_ascii() && !smtputf8 {
            return self.reply(
                553,
                "5.6.7",
                "Non-ASCII address needs the SMTPUTF8 parameter",
            );
        }
        if count >= MAX_RECIPIENTS {
            return self.reply(452, "4.5.3", "Too many recipients");
        }
        let accepted = match path.rsplit_once('@') {
            None if path.eq_ignore_ascii_case("postmaster") => {
                let host = self.host.clone();
                let found = ctx
                    .store
                    .domains_of_host(&host.to_ascii_lowercase())
                    .map(|d| format!("postmaster@{d}"))
                    .find(|a| ctx.store.is_user(a));
                match found {
                    Some(a) => a,
                    None => {
                        return self.reply(550, "5.1.1", "<postmaster>: User unknown");
                    }
                }
            }
            None => return self.error(501, "5.1.3", "Recipient address needs a domain"),
            Some((_, domain)) if self.is_local_domain(ctx, domain) => {
                if !ctx.store.accepts_mail_for(&path) {
                    let text = format!("<{path}>: User unknown");
                    return self.reply(550, "5.1.1", &text);
                }
                path.to_ascii_lowercase()
            }
            // A backup MX takes its domain's mail from anyone, to pass it on (RFC 5321 §5.1).
            Some((_, domain)) if ctx.store.is_backup_host(domain, ctx.host) => path,
            Some(_) => {
                if self.user.is_none() {
                    let text = format!("Relay access denied for <{path}>");
                    return self.reply(554, "5.7.1", &text);
                }
                path
            }
        };
        if let Some(tx) = &mut self.tx {
            if !tx.rcpts.iter().any(|r| r.eq_ignore_ascii_case(&accepted)) {
                tx.rcpts.push(accepted);
            }
        }
        self.reply(250, "2.1.5", "Ok");
    }

    /// Checks a DATA or BDAT may start; the refusal reply when not.
    fn can_send_data(&mut self) -> Result<(), (u16, &'static str, &'static str)> {
        match &self.tx {
            None if self.helo.is_none() => Err((503, "5.5.1", "Error: send EHLO or HELO first")),
            None => Err((503, "5.5.1", "Error: need MAIL command")),
            Some(tx) if tx.rcpts.is_empty() => Err((554, "5.5.1", "Error: no valid recipients")),
            Some(_) => Ok(()),
        }
    }

    fn on_data(&mut self) {
        if let Err((code, enhanced, text)) = self.can_send_data() {
            return self.error(code, enhanced, text);
        }
        if self.tx.as_ref().is_some_and(|t| t.bdat.is_some()) {
            return self.error(503, "5.5.1", "Error: DATA not allowed after BDAT");
        }
        self.out
            .transmit(format_line(354, None, "End data with <CR><LF>.<CR><LF>"));
        self.mode = Mode::Data(DotReader::new(self.max_size, MAX_TEXT_LINE));
    }

    fn on_data_end(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, reader: DotReader) {
        if reader.is_oversized() {
            self.tx = None;
            return self.reply(
                552,
                "5.3.4",
                "Message size exceeds fixed maximum message size",
            );
        }
        if reader.is_line_too_long() {
            self.tx = None;
            return self.reply(
                500,
                "5.5.6",
                "Line too long (the limit is 1000 octets); message not accepted",
            );
        }
        self.finish_message(ctx, now, reader.into_body());
    }

    fn on_bdat(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, size: u64, last: bool) {
        let mut reject = self
            .can_send_data()
            .err()
            .map(|(c, e, t)| (c, e, t.to_string()));
        let so_far = self
            .tx
            .as_ref()
            .and_then(|t| t.bdat.as_ref())
            .map_or(0, Vec::len) as u64;
        if reject.is_none() && so_far.saturating_add(size) > self.max_size as u64 {
            reject = Some((
                552,
                "5.3.4",
                "Message size exceeds fixed maximum message size".to_string(),
            ));
        }
        if reject.is_none() {
            if let Some(tx) = &mut self.tx {
                tx.bdat.get_or_insert_with(Vec::new);
            }
        }
        self.mode = Mode::Bdat {
            remaining: size,
            last,
            reject,
        };
        if size == 0 {
            self.on_bdat_chunk_end(ctx, now);
        }
    }

    /// A BDAT chunk has been read completely (RFC 3030 §2: the reply comes after the chunk).
    fn on_bdat_chunk_end(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant) {
        let mode = std::mem::replace(&mut self.mode, Mode::Command);
        let (last, reject) = match mode {
            Mode::Bdat { last, reject, .. } => (last, reject),
            other => {
                self.mode = other;
                return;
            }
        };
        if let Some((code, enhanced, text)) = reject {
            // A refused chunk ends the transaction: later chunks get 503 (RFC 3030 §2).
            if code == 552 {
                self.tx = None;
                return self.reply(code, enhanced, &text);
            }
            return self.error(code, enhanced, &text);
        }
        if last {
            let data = self
                .tx
                .as_mut()
                .and_then(|t| t.bdat.take())
                .unwrap_or_default();
            self.finish_message(ctx, now, data);
        } else {
            let n = self
                .tx
                .as_ref()
                .and_then(|t| t.bdat.as_ref())
                .map_or(0, Vec::len);
            let text = format!("{n} octets received");
            self.reply(250, "2.0.0", &text);
        }
    }

    /// Trace, complete and spool a received message, then answer (RFC 5321 §4.1.1.4: the 250
    /// means the server has taken responsibility for it).
    fn finish_message(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, body: Vec<u8>) {
        let Some(tx) = self.tx.take() else {
            return self.error(503, "5.5.1", "Error: no mail transaction");
        };
        self.messages += 1;
        let envelope = Envelope {
            mail_from: tx.mail_from,
            rcpt_to: tx.rcpts,
        };
        let id = trace::trace_id(
            &self.host,
            &self.peer,
            now.as_millis(),
            (self.serial << 20) | self.messages,
            &body,
        );
        let date = ctx.clock.rfc5322(now);
        let body = if ctx.submission {
            let message_id = format!("{id}.{}@{}", now.as_millis(), self.host);
            trace::complete_submission(body, &message_id, &date)
        } else {
            body
        };
        let (helo, extended) = self.helo.clone().unwrap_or_default();
        let protocol = match (extended, self.user.is_some(), self.tls.secured) {
            (false, _, _) => Protocol::Smtp,
            (true, false, false) => Protocol::Esmtp,
            (true, true, false) => Protocol::Esmtpa,
            (true, false, true) => Protocol::Esmtps,
            (true, true, true) => Protocol::Esmtpsa,
        };
        let mut data = trace::received(&helo, &self.peer, &self.host, protocol, &id, &date);
        data.extend_from_slice(&body);
        match ctx.spool.spool(now, &envelope, data) {
            Ok(queue_id) => {
                let text = format!("Ok: queued as {queue_id}");
                self.reply(250, "2.0.0", &text);
                self.out.event(SmtpEvent::Accepted { queue_id, envelope });
            }
            Err(SpoolError::TooLarge) => self.reply(
                552,
                "5.3.4",
                "Message size exceeds fixed maximum message size",
            ),
            Err(SpoolError::Temporary(reason)) => {
                let text = format!("Temporary failure, try again later: {reason}");
                self.reply(451, "4.3.0", &text);
            }
        }
    }
}

impl<'a> Session<SmtpCtx<'a>> for SmtpServer {
    type Event = SmtpEvent;

    fn handle_input(&mut self, ctx: &mut SmtpCtx<'a>, now: Instant, mut bytes: &[u8]) {
        if self.out.is_closed() {
            return;
        }
        self.idle_deadline = now + IDLE_TIMEOUT;
        while !bytes.is_empty() && !self.out.is_closed() {
            let consumed = match &mut self.mode {
                Mode::Data(reader) => match reader.push(bytes) {
                    DotStatus::More => bytes.len(),
                    DotStatus::Done { consumed } => {
                        if let Mode::Data(reader) = std::mem::replace(&mut self.mode, Mode::Command)
                        {
                            self.on_data_end(ctx, now, reader);
                        }
                        consumed
                    }
                },
                Mode::Bdat {
                    remaining, reject, ..
                } => {
                    let take = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len());
                    *remaining -= take as u64;
                    let done = *remaining == 0;
                    if reject.is_none() {
                        if let Some(buf) = self.tx.as_mut().and_then(|t| t.bdat.as_mut()) {
                            buf.extend_from_slice(&bytes[..take]);
                        }
                    }
                    if done {
                        self.on_bdat_chunk_end(ctx, now);
                    }
                    take
                }
                Mode::Command => {
                    let (n, line) = self.lines.push(bytes);
                    self.line_end = self.input_seen + n as u64;
                    if let Some(line) = line {
                        self.on_command_line(ctx, now, line);
                    }
                    n
                }
                Mode::AuthPlain | Mode::AuthLoginUser | Mode::AuthLoginPass(_) => {
                    let (n, line) = self.lines.push(bytes);
                    self.line_end = self.input_seen + n as u64;
                    if let Some(line) = line {
                        self.mark_secret(0);
                        self.on_auth_line(ctx, now, line);
                    }
                    n
                }
            };
            bytes = bytes.get(consumed..).unwrap_or(&[]);
            self.input_seen += consumed as u64;
            self.sync_phase();
        }
    }

    fn handle_timeout(&mut self, _ctx: &mut SmtpCtx<'a>, now: Instant) {
        if now >= self.idle_deadline && !self.out.is_closed() {
            self.shutdown(421, "4.4.2", "Idle timeout, closing connection");
        }
    }

    fn handle_close(&mut self, _ctx: &mut SmtpCtx<'a>, _now: Instant) {
        // Whatever was half-received is dropped: nothing is spooled.
        self.tx = None;
        self.mode = Mode::Command;
        self.quit = true;
        self.out.mark_closed();
        self.sync_phase();
    }

    fn poll_output(&mut self) -> Option<Output<SmtpEvent>> {
        self.out.pop()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        (!self.out.is_closed()).then_some(self.idle_deadline)
    }

    fn is_closed(&self) -> bool {
        self.out.is_closed()
    }
}
