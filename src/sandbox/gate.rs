//! The layer in front of every server session: it frames the client's input into lines (only
//! where the session reads commands or DATA text), applies the world's fault rules and the
//! host's strict mode to them, and otherwise hands the bytes on unchanged. It knows where
//! commands are from the sessions themselves (`is_reading_command`), so SMTP DATA text, BDAT
//! chunks, IMAP literals and SASL answers are never taken for commands.
//!
//! Every reply it writes, and every line a lenient server let through that a strict one would
//! have refused, is recorded as a typed [`GateMark`] keyed to the connection, for transcripts
//! and terminals ("answered by fault rule 2").

use super::mark::{FaultAction, GateMark, GateMarkKind};
use super::server::{Env, InputMode, Note, ServerSession};
use super::Service;
use crate::fault::{command_hits, FaultOutcome, Fired, ReplyKind, Trigger, Triple, GREYLIST_REPLY};
use crate::proto::imap::frame::{command_after_tag, literal_announcement, tag_of};
use crate::proto::imap::response::is_bye;
use crate::proto::record::{Command, Protocol, Record, Recorder, TlsRecord};
use crate::proto::smtp::command::{
    self as smtp_command, mail_requests_smtputf8, Command as SmtpCommand,
};
use crate::proto::strict::{self, MessageSeen, Proto, StrictFinding};
use crate::proto::verb::{SmtpVerb, Verb};
use crate::session::Output;
use crate::session::SecretInput;
use crate::time::Instant;
use std::collections::VecDeque;

/// Longest line the gate collects before giving up on matching it (longer than any session's
/// own limit, so the session still sees and refuses it).
const MAX_GATE_LINE: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Swallow {
    Nothing,
    /// Dropping the data of a non-synchronizing literal of a command a rule answered.
    Literal(u64),
    /// Dropping the rest of that command's line.
    Line,
}

/// A server session behind the gate.
pub(crate) struct GatedSession {
    inner: ServerSession,
    proto: Proto,
    /// The line being collected, with its line end once complete.
    line: Vec<u8>,
    /// How the current line is read (decided at its first byte).
    line_mode: Option<InputMode>,
    last_mode: InputMode,
    /// Input received while paused by a delay.
    stash: Vec<u8>,
    paused_until: Option<Instant>,
    /// A greeting delay holds the session's output too.
    output_held: bool,
    /// The line a delay held, handed on when it ends.
    delayed_line: Option<(InputMode, Vec<u8>)>,
    swallow: Swallow,
    out: VecDeque<Output<Note>>,
    /// The link was dropped or the gate closed the session: nothing more goes in or out.
    done: bool,
    // SMTP tracking for the strict checks.
    pipelining: bool,
    smtputf8: bool,
    /// The last `MAIL FROM` path handed on (greylisting's sender).
    mail_from: String,
    /// Input after the line being handled had already arrived (the client sent it before it
    /// could see the reply).
    more_input: bool,
    /// That was so after the previous command line: this one is pipelined.
    after_unanswered: bool,
    /// Client bytes the gate kept from the session (lines it answered or refused, swallowed
    /// literals): the session's secret marks count only what it read, so they are moved on by
    /// this much to name bytes of the connection's stream.
    withheld: u64,
    /// Client bytes handed to the session.
    forwarded: u64,
    message: MessageSeen,
    /// Writes the typed records of the conversation (commands, replies, data transfers).
    recorder: Option<Recorder>,
    /// The session accepted the upgrade to TLS and the TLS layer is not in place yet: every
    /// client byte until then (the rest of the input that held the command, and whatever else
    /// arrived before the handshake, in any split) is dropped unread (RFC 3207 §4.2). This is
    /// the one place that drops it.
    upgrading: bool,
}

fn split_line_end(line: &[u8]) -> (&[u8], bool) {
    match line.strip_suffix(b"\n") {
        Some(l) => match l.strip_suffix(b"\r") {
            Some(body) => (body, false),
            None => (l, true),
        },
        None => (line, false),
    }
}

impl GatedSession {
    pub fn start(service: Service, env: &mut Env<'_>, now: Instant, session_id: u64) -> Self {
        let inner = ServerSession::start(service, env, now, session_id);
        let protocol = service.protocol();
        let proto = match protocol {
            Some(Protocol::Smtp) => Proto::Smtp,
            Some(Protocol::Pop3) => Proto::Pop3,
            Some(Protocol::Imap) => Proto::Imap,
            None => Proto::Other,
        };
        let mut g = GatedSession {
            inner,
            proto,
            line: Vec::new(),
            line_mode: None,
            last_mode: InputMode::Command,
            stash: Vec::new(),
            paused_until: None,
            output_held: false,
            delayed_line: None,
            swallow: Swallow::Nothing,
            out: VecDeque::new(),
            done: false,
            pipelining: false,
            smtputf8: false,
            mail_from: String::new(),
            more_input: false,
            after_unanswered: false,
            withheld: 0,
            forwarded: 0,
            message: MessageSeen::default(),
            recorder: protocol.map(Recorder::new),
            upgrading: false,
        };
        let (host, port) = (env.host, env.port);
        if let Some(fired) = env
            .faults
            .fire(host, port, now, |t| *t == Trigger::Greeting)
        {
            g.apply_greeting_rule(env, now, fired);
        }
        g
    }

    /// False while a delay holds the input (the world keeps it until then).
    pub fn is_accepting_input(&self) -> bool {
        self.paused_until.is_none() && !self.done
    }

    pub fn is_store_watcher(&self) -> bool {
        self.inner.is_store_watcher()
    }

    pub fn initial_state(&self) -> Option<crate::proto::ProtocolState> {
        self.inner.initial_state()
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.inner.poll_timeout(), self.paused_until]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn handle_close(&mut self, env: &mut Env<'_>, now: Instant) {
        self.inner.handle_close(env, now);
        self.done = true;
    }

    pub fn handle_timeout(&mut self, env: &mut Env<'_>, now: Instant) {
        self.inner.handle_timeout(env, now);
        if self.paused_until.is_some_and(|t| t <= now) {
            self.paused_until = None;
            self.output_held = false;
            if let Some((mode, line)) = self.delayed_line.take() {
                self.pass_line(env, now, mode, &line);
            }
            let stash = std::mem::take(&mut self.stash);
            self.consume(env, now, &stash);
        }
    }

    pub fn handle_input(&mut self, env: &mut Env<'_>, now: Instant, bytes: &[u8]) {
        self.consume(env, now, bytes);
    }

    /// TLS now sits between the connection and the session: the input from here on was
    /// decrypted, so it is read again (RFC 3207 §4.2, RFC 2595 §4, RFC 3501 §6.2.1).
    pub fn handle_tls_started(&mut self) {
        self.upgrading = false;
    }

    pub fn poll_output(&mut self) -> Option<Output<Note>> {
        if self.output_held {
            return None;
        }
        self.pull();
        self.out.pop_front()
    }

    /// Moves the session's output behind what the gate already queued.
    fn pull(&mut self) {
        while let Some(o) = self.inner.poll_output() {
            let o = match o {
                Output::Transmit(_) if self.done => continue,
                Output::Transmit(bytes) => {
                    self.transmit(bytes);
                    continue;
                }
                Output::Event(Note::Secret(mut secret)) => {
                    secret.end += self.withheld;
                    Output::Event(Note::Secret(secret))
                }
                Output::Event(Note::StartTls) => {
                    self.upgrading = true;
                    // RFC 3207 §4.2: what the client said before (its EHLO) counts no more,
                    // and the bytes after the command are dropped, so nothing is pipelined.
                    self.pipelining = false;
                    self.smtputf8 = false;
                    self.more_input = false;
                    self.after_unanswered = false;
                    Output::Event(Note::StartTls)
                }
                other => other,
            };
            self.out.push_back(o);
        }
    }

    /// Sends bytes to the client, recording what they are.
    fn transmit(&mut self, bytes: Vec<u8>) {
        if let Some(r) = &mut self.recorder {
            let mut records = Vec::new();
            r.server_bytes(&bytes, &mut records);
            self.out.push_back(Output::Transmit(bytes));
            self.out
                .extend(records.into_iter().map(|r| Output::Event(Note::Record(r))));
        } else {
            self.out.push_back(Output::Transmit(bytes));
        }
    }

    /// Records client bytes as the session (or the gate, for a line it answers) takes them;
    /// the last command they held.
    fn record_client(&mut self, bytes: &[u8]) -> Option<Command> {
        let r = self.recorder.as_mut()?;
        let mut records = Vec::new();
        r.client_bytes(bytes, &mut records);
        let command = records.iter().rev().find_map(|r| match r {
            Record::Command(c) => Some(c.clone()),
            _ => None,
        });
        self.out
            .extend(records.into_iter().map(|r| Output::Event(Note::Record(r))));
        command
    }

    /// Bytes of the stream the session will never read (the recorder still sees them: the
    /// client sent them).
    fn withhold(&mut self, bytes: &[u8]) {
        self.record_client(bytes);
        self.withheld += bytes.len() as u64;
    }

    fn forward(&mut self, env: &mut Env<'_>, now: Instant, bytes: &[u8]) {
        self.record_client(bytes);
        self.hand_on(env, now, bytes);
    }

    /// Hands recorded bytes to the session.
    fn hand_on(&mut self, env: &mut Env<'_>, now: Instant, bytes: &[u8]) {
        self.forwarded += bytes.len() as u64;
        self.inner.handle_input(env, now, bytes);
        if !self.output_held {
            self.pull();
        }
    }

    fn consume(&mut self, env: &mut Env<'_>, now: Instant, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self.done {
                return;
            }
            if self.upgrading {
                return self.discard_after_upgrade(bytes);
            }
            if self.paused_until.is_some() {
                self.stash.extend_from_slice(bytes);
                return;
            }
            let lf = bytes.iter().position(|&b| b == b'\n');
            match self.swallow {
                Swallow::Literal(left) => {
                    let n = bytes.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    self.withhold(&bytes[..n]);
                    bytes = &bytes[n..];
                    let left = left - n as u64;
                    self.swallow = if left == 0 {
                        // The literal may be a password (an answered LOGIN): mask its line.
                        self.out.push_back(Output::Event(Note::Secret(SecretInput {
                            end: self.withheld + self.forwarded,
                            shown_words: 0,
                        })));
                        Swallow::Line
                    } else {
                        Swallow::Literal(left)
                    };
                    continue;
                }
                Swallow::Line => {
                    let end = lf.map_or(bytes.len(), |i| i + 1);
                    self.withhold(&bytes[..end]);
                    if self.line.len() < MAX_GATE_LINE {
                        self.line.extend_from_slice(&bytes[..end]);
                    }
                    bytes = &bytes[end..];
                    if lf.is_some() {
                        let line = std::mem::take(&mut self.line);
                        let (body, _) = split_line_end(&line);
                        self.swallow = match literal_announcement(body) {
                            Some((n, false)) => Swallow::Literal(n),
                            _ => Swallow::Nothing,
                        };
                    }
                    continue;
                }
                Swallow::Nothing => {}
            }
            let mode = match self.line_mode {
                Some(m) => m,
                None => {
                    let m = self.inner.input_mode();
                    if m == InputMode::MessageText && self.last_mode != InputMode::MessageText {
                        self.message = MessageSeen::default();
                    }
                    self.last_mode = m;
                    self.line_mode = Some(m);
                    m
                }
            };
            if mode == InputMode::Raw {
                let end = lf.map_or(bytes.len(), |i| i + 1);
                let (now_part, rest) = bytes.split_at(end);
                bytes = rest;
                if lf.is_some() {
                    self.line_mode = None;
                }
                self.forward(env, now, now_part);
                continue;
            }
            match lf {
                Some(i) => {
                    self.line.extend_from_slice(&bytes[..=i]);
                    bytes = &bytes[i + 1..];
                    let line = std::mem::take(&mut self.line);
                    self.line_mode = None;
                    self.more_input = !bytes.is_empty() || env.input_waiting;
                    self.on_line(env, now, mode, line);
                }
                None => {
                    self.line.extend_from_slice(bytes);
                    bytes = &[];
                    if self.line.len() > MAX_GATE_LINE {
                        // Too long to match: the session gets it as is (and refuses it).
                        let line = std::mem::take(&mut self.line);
                        self.line_mode = Some(InputMode::Raw);
                        self.forward(env, now, &line);
                    }
                }
            }
        }
    }

    /// Client bytes pipelined after an accepted STARTTLS/STLS, before the TLS layer is in
    /// place: never read by the session nor recorded as commands (they were sent before the
    /// client could see the reply, so they are not part of the TLS session: CVE-2011-0411). A
    /// typed record says how many.
    fn discard_after_upgrade(&mut self, bytes: &[u8]) {
        let dropped = (bytes.len() + self.line.len()) as u64;
        self.line.clear();
        self.line_mode = None;
        self.withheld += bytes.len() as u64;
        if dropped > 0 {
            self.out.push_back(Output::Event(Note::Record(Record::Tls(
                TlsRecord::Discarded { bytes: dropped },
            ))));
        }
    }

    fn mark(&mut self, now: Instant, line: &[u8], kind: GateMarkKind) {
        let text = String::from_utf8_lossy(line);
        let line = crate::proto::secret::mask_secret(&text, false);
        self.out.push_back(Output::Event(Note::Mark(GateMark {
            at: now,
            line,
            kind,
        })));
    }

    fn on_line(&mut self, env: &mut Env<'_>, now: Instant, mode: InputMode, line: Vec<u8>) {
        let (body, bare_lf) = split_line_end(&line);
        if mode == InputMode::MessageText {
            if body != b"." {
                self.message.line(body, bare_lf);
                return self.forward(env, now, &line);
            }
            if let Some(f) = self.message.check_end(self.smtputf8) {
                self.message = MessageSeen::default();
                if self.strict_refuses(env, now, &line, f) {
                    self.inner.abort_message();
                    return;
                }
            }
            let (host, port) = (env.host, env.port);
            if let Some(fired) = env
                .faults
                .fire(host, port, now, |t| *t == Trigger::AfterData)
            {
                return self.apply_rule(env, now, mode, line, fired);
            }
            return self.forward(env, now, &line);
        }
        let pipelined = self.proto == Proto::Smtp && !self.pipelining && self.after_unanswered;
        self.after_unanswered = self.more_input;
        if let Some(f) = strict::check_command(self.proto, body, line.len(), bare_lf, pipelined) {
            if self.strict_refuses(env, now, &line, f) {
                return;
            }
        }
        if env.faults.is_empty() {
            return self.pass_line(env, now, mode, &line);
        }
        let imap = self.proto == Proto::Imap;
        let text = String::from_utf8_lossy(body);
        let command = if imap {
            command_after_tag(&text)
        } else {
            &text
        };
        let (host, port) = (env.host, env.port);
        let fired = env.faults.fire(host, port, now, |t| match t {
            Trigger::Command { verb, pattern } => {
                command_hits(verb, pattern.as_deref(), command, imap)
            }
            _ => false,
        });
        match fired.and_then(|f| self.greylist(env, command, f)) {
            Some(fired) => self.apply_rule(env, now, mode, line, fired),
            None => self.pass_line(env, now, mode, &line),
        }
    }

    /// A greylist rule answers a triple's first `RCPT` with [`GREYLIST_REPLY`] and lets its
    /// retries pass (`None`); other rules are left as they fired.
    fn greylist(&self, env: &mut Env<'_>, command: &str, fired: Fired) -> Option<Fired> {
        if fired.outcome != FaultOutcome::Greylist {
            return Some(fired);
        }
        let Ok(SmtpCommand::Rcpt { path, .. }) = smtp_command::parse(command) else {
            return None;
        };
        let triple = Triple {
            client: env.peer.addr.clone(),
            sender: self.mail_from.clone(),
            recipient: path,
        };
        env.faults.is_greylisted(triple).then(|| Fired {
            rule: fired.rule,
            outcome: FaultOutcome::Reply {
                kind: ReplyKind::Smtp,
                text: GREYLIST_REPLY.into(),
            },
        })
    }

    /// A strict finding: a strict host refuses the line (true); a lenient one notes it.
    fn strict_refuses(
        &mut self,
        env: &mut Env<'_>,
        now: Instant,
        line: &[u8],
        finding: StrictFinding,
    ) -> bool {
        self.pull();
        let refused = env.strict;
        let (body, _) = split_line_end(line);
        if refused {
            self.withhold(line);
            let reply = self.reply_bytes(&finding.reply, body);
            self.mark(now, body, GateMarkKind::Strict { finding, refused });
            self.transmit(reply);
        } else {
            self.mark(now, body, GateMarkKind::Strict { finding, refused });
        }
        refused
    }

    /// Hands a line on that no rule stopped, noting what SMTP's strict checks need.
    /// The command is read from the recorder's typed record of the line, not from its text.
    fn pass_line(&mut self, env: &mut Env<'_>, now: Instant, mode: InputMode, line: &[u8]) {
        let command = self.record_client(line);
        self.hand_on(env, now, line);
        let Some(command) = command.filter(|_| self.proto == Proto::Smtp) else {
            return;
        };
        if mode != InputMode::Command {
            return;
        }
        match command.verb {
            Verb::Smtp(SmtpVerb::Ehlo) => self.pipelining = true,
            Verb::Smtp(SmtpVerb::Helo) => self.pipelining = false,
            Verb::Smtp(SmtpVerb::Mail) => {
                self.smtputf8 = mail_requests_smtputf8(&command.args);
                let (body, _) = split_line_end(line);
                if let Ok(SmtpCommand::Mail { path, .. }) =
                    smtp_command::parse(&String::from_utf8_lossy(body))
                {
                    self.mail_from = path;
                }
            }
            _ => {}
        }
    }

    /// A reply as sent: SMTP and POP3 as written; IMAP with the command's tag, or untagged
    /// for `BYE` and greetings.
    fn reply_bytes(&self, text: &str, command: &[u8]) -> Vec<u8> {
        let line = if self.proto == Proto::Imap {
            let tag = if is_bye(text) {
                "*".to_string()
            } else {
                tag_of(command).unwrap_or_else(|| "*".into())
            };
            format!("{tag} {text}\r\n")
        } else {
            format!("{text}\r\n")
        };
        line.into_bytes()
    }

    /// True when a rule's reply ends the session: SMTP 421 (RFC 5321 §3.8), IMAP BYE, a
    /// refusing greeting. Each protocol's own rule lives in `src/proto`.
    fn reply_closes(kind: ReplyKind, text: &str, greeting: bool) -> bool {
        match kind {
            ReplyKind::Smtp => crate::proto::smtp::reply::reply_closes_session(text, greeting),
            ReplyKind::Pop3 => crate::proto::pop3::reply_closes_session(text, greeting),
            ReplyKind::Imap => crate::proto::imap::response::reply_closes_session(text, greeting),
        }
    }

    fn close(&mut self, env: &mut Env<'_>, now: Instant) {
        self.inner.handle_close(env, now);
        self.out.push_back(Output::Close);
        self.done = true;
    }

    fn apply_rule(
        &mut self,
        env: &mut Env<'_>,
        now: Instant,
        mode: InputMode,
        line: Vec<u8>,
        fired: Fired,
    ) {
        self.pull();
        let (body, _) = split_line_end(&line);
        let rule = fired.rule;
        match fired.outcome {
            FaultOutcome::Reply { kind, text } => {
                self.withhold(&line);
                if mode == InputMode::MessageText {
                    self.inner.abort_message();
                    self.pull();
                }
                let wire = self.reply_bytes(&text, body);
                let action = FaultAction::Replied(
                    String::from_utf8_lossy(wire.trim_ascii_end()).into_owned(),
                );
                self.mark(now, body, GateMarkKind::Fault { rule, action });
                self.transmit(wire);
                if self.proto == Proto::Imap {
                    if let Some((n, false)) = literal_announcement(body) {
                        self.swallow = Swallow::Literal(n);
                    }
                }
                if Self::reply_closes(kind, &text, false) {
                    self.close(env, now);
                }
            }
            FaultOutcome::Delay(d) => {
                self.mark(
                    now,
                    body,
                    GateMarkKind::Fault {
                        rule,
                        action: FaultAction::Delayed(d),
                    },
                );
                self.paused_until = Some(now + d);
                self.delayed_line = Some((mode, line));
            }
            FaultOutcome::Drop => {
                self.mark(
                    now,
                    body,
                    GateMarkKind::Fault {
                        rule,
                        action: FaultAction::Dropped,
                    },
                );
                self.out.push_back(Output::Event(Note::DropLink));
                self.done = true;
            }
            // Decided before a rule is applied (`greylist`); a retry passes.
            FaultOutcome::Greylist => self.pass_line(env, now, mode, &line),
        }
    }

    fn apply_greeting_rule(&mut self, env: &mut Env<'_>, now: Instant, fired: Fired) {
        let rule = fired.rule;
        match fired.outcome {
            FaultOutcome::Delay(d) => {
                self.mark(
                    now,
                    b"",
                    GateMarkKind::Fault {
                        rule,
                        action: FaultAction::Delayed(d),
                    },
                );
                self.paused_until = Some(now + d);
                self.output_held = true;
            }
            FaultOutcome::Reply { kind, text } => {
                // The session's own greeting is replaced (its events are kept).
                while let Some(o) = self.inner.poll_output() {
                    if !matches!(o, Output::Transmit(_)) {
                        self.out.push_back(o);
                    }
                }
                let wire = if self.proto == Proto::Imap {
                    format!("* {text}\r\n").into_bytes()
                } else {
                    format!("{text}\r\n").into_bytes()
                };
                let action = FaultAction::Replied(
                    String::from_utf8_lossy(wire.trim_ascii_end()).into_owned(),
                );
                self.mark(now, b"", GateMarkKind::Fault { rule, action });
                self.transmit(wire);
                if Self::reply_closes(kind, &text, true) {
                    self.close(env, now);
                }
            }
            FaultOutcome::Drop => {
                self.mark(
                    now,
                    b"",
                    GateMarkKind::Fault {
                        rule,
                        action: FaultAction::Dropped,
                    },
                );
                self.out.push_back(Output::Event(Note::DropLink));
                self.done = true;
            }
            // Only a `RCPT` rule greylists (the parser refuses it elsewhere).
            FaultOutcome::Greylist => {}
        }
    }
}
