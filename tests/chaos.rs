//! Chaos simulation of the whole world, seeded and replayable.
//!
//! Many clients at once: submission senders (AUTH, several recipients including unknown users
//! and a domain without MX), MX-direct senders, POP3 readers that RETR/DELE and then QUIT or
//! drop, IMAP readers that SELECT (checking UIDVALIDITY), FETCH and mark \Seen. Meanwhile a fault source (drop/refuse/jitter on the network, hosts going down, links
//! cut) breaks connections mid-command and mid-DATA and delays bytes. Every message carries a
//! unique token (Subject and Message-ID).
//!
//! Checked after every step and at the end (faults off, hours of virtual time for retries):
//! - every accepted message is, per accepted recipient, in exactly one mailbox or bounced to
//!   its sender (never both, never twice), counting messages a POP3 session deleted with a
//!   completed QUIT;
//! - nothing is delivered that was not accepted (a message refused, or whose final dot was
//!   never sent, appears nowhere; a message in a mailbox belongs to that mailbox);
//! - POP3 deletions only happen after QUIT: a message leaves a mailbox only when a session that
//!   marked it reached the UPDATE state;
//! - UIDs only grow, UIDVALIDITY never changes;
//! - `snapshot_json` taken at random steps restores into a fresh default world to an
//!   equivalent snapshot.
//!
//! One exception is allowed and counted, because SMTP requires it (RFC 5321 §6.1 "it is
//! better to deliver duplicates than to lose messages", RFC 1047): when a relay hop's link
//! drops after the next hop answered 250 to the final dot but before the relay read it, the
//! relay must retry, and the recipient gets a second copy. The test finds such hops in the
//! trace (the server's `queued as` reply sent, the relay client never got to QUIT) and allows
//! one extra copy per such hop, no more.
//!
//! With TLS in the mix (issue 26, `chaos_seeds_with_tls`): the sandbox's TLS provider is
//! installed, so the relay says STARTTLS to the MX, and at random the MX stops offering TLS,
//! TLS fault rules make it fail the handshake or present an expired, wrong-name or unknown-CA
//! certificate, and the ISP's relay policy changes (encrypt anyway, fall back to clear, refuse
//! unverified hops, require verified TLS for corp.example). The same invariants hold: an
//! accepted message is delivered or bounced, never lost.
//!
//! `CHAOS_SEEDS=2000 cargo test --test chaos` (or `scripts/chaos.sh 2000`) runs many seeds;
//! `CHAOS_SEED=n` runs one. A failure prints the seed and the transcripts of the connections
//! that carried the message in question.

mod common;

use mail_sandbox::fault::FaultRule;
use mail_sandbox::net::{ConnId, HostId, Rng, Side, TraceKind};
use mail_sandbox::relay::{HopTls, OnUnverified, RelayTlsPolicy};
use mail_sandbox::sandbox::{
    default_world, DefaultWorld, EndpointState, TlsPolicy, World, WorldEvent,
};
use mail_sandbox::time::Duration;
use mail_sandbox::tls::SandboxTls;
use mail_sandbox::wire::sasl::{b64_encode, encode_plain};
use std::collections::{BTreeMap, BTreeSet};

// ------------------------------------------------------------------ bookkeeping

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokState {
    /// Being composed; the final dot has not been sent: must appear nowhere.
    Open,
    /// The final dot was sent, the reply not read yet.
    Awaiting,
    /// 250 after the data.
    Accepted,
    /// 4xx/5xx after the data: must appear nowhere.
    Refused,
    /// The connection died after the final dot, before the reply: at most once.
    Ambiguous,
}

#[derive(Debug, Clone)]
struct Token {
    sender: String,
    /// Recipients that got 250 at RCPT (lower-case).
    rcpts: Vec<String>,
    state: TokState,
    conn: ConnId,
}

/// A message a POP3 session deleted, with its tokens, once the session reached UPDATE.
#[derive(Debug, Clone)]
struct Marked {
    user: String,
    uid: u32,
    raw: String,
    conn: ConnId,
}

#[derive(Default)]
struct Stats {
    accepted: usize,
    ambiguous: usize,
    refused: usize,
    bounced: usize,
    pop3_quits: usize,
    pop3_deleted: usize,
    faults: usize,
    relay_duplicates: usize,
    /// (token, recipient) pairs both delivered and bounced: the next hop's 250 was lost, the
    /// retry failed for good (counted among the relay duplicates too).
    delivered_and_bounced: usize,
    snapshots: usize,
    imap_fetches: usize,
    /// Lines a fault rule answered, held or dropped (runs with rules).
    rule_marks: usize,
    /// Relay hops by how they used TLS (runs with TLS): encrypted, in clear, deferred for TLS.
    hops_encrypted: usize,
    hops_clear: usize,
    hops_deferred_for_tls: usize,
}

struct Failure {
    what: String,
    conns: Vec<ConnId>,
}

fn fail<T>(what: String, conns: Vec<ConnId>) -> Result<T, Failure> {
    Err(Failure { what, conns })
}

const TOKEN_PREFIX: &str = "chaos-tok-";

/// Every token in a text.
fn tokens_in(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(TOKEN_PREFIX) {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(tail.len());
        out.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    out
}

fn is_bounce(raw: &str) -> bool {
    raw.starts_with("Return-Path: <>")
}

/// Recipients a bounce reports as failed.
fn bounce_rcpts(raw: &str) -> Vec<String> {
    raw.lines()
        .filter_map(|l| l.strip_prefix("Final-Recipient: rfc822; "))
        .map(|a| a.trim().to_ascii_lowercase())
        .collect()
}

// ------------------------------------------------------------------ client actors

/// One SMTP reply from the front of `buf`, if complete.
fn take_smtp_reply(buf: &mut Vec<u8>) -> Option<(u16, String)> {
    let mut pos = 0;
    loop {
        let nl = buf[pos..].iter().position(|&b| b == b'\n')? + pos;
        let line = &buf[pos..nl];
        let last = line.len() < 4 || line[3] != b'-';
        pos = nl + 1;
        if last {
            let text = String::from_utf8_lossy(&buf[..pos]).to_string();
            let code = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            buf.drain(..pos);
            return Some((code, text));
        }
    }
}

/// One POP3 line from the front of `buf`, if complete.
fn take_line(buf: &mut Vec<u8>) -> Option<String> {
    let nl = buf.iter().position(|&b| b == b'\n')?;
    let line = String::from_utf8_lossy(&buf[..nl])
        .trim_end_matches('\r')
        .to_string();
    buf.drain(..=nl);
    Some(line)
}

/// A POP3 multi-line body (after the status line), unstuffed, if complete.
fn take_multi(buf: &mut Vec<u8>) -> Option<Vec<String>> {
    let text = String::from_utf8_lossy(buf).to_string();
    let end = if text.starts_with(".\r\n") {
        0
    } else {
        text.find("\r\n.\r\n")? + 2
    };
    let body = &text[..end];
    let consumed = end + 3;
    let lines = body
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_prefix('.').unwrap_or(l).to_string())
        .collect();
    buf.drain(..consumed);
    Some(lines)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SmtpStage {
    Greeting,
    Ehlo,
    Auth,
    AuthLoginUser,
    AuthLoginPass,
    Mail,
    Rcpt(usize),
    Data,
    /// Half the body sent.
    BodyHalf,
    /// The final dot sent.
    DataEnd,
    Quit,
    Done,
}

struct SmtpActor {
    conn: ConnId,
    inbox: Vec<u8>,
    stage: SmtpStage,
    auth: Option<(String, String, bool)>,
    sender: String,
    rcpts: Vec<String>,
    accepted: Vec<String>,
    token: String,
    body: Vec<u8>,
    /// Drop the connection on purpose when reaching this stage.
    drop_at: Option<SmtpStage>,
    deadline: mail_sandbox::time::Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PopStage {
    Greeting,
    User,
    Pass,
    Uidl,
    Retr(usize),
    Dele(usize),
    Quit,
    Done,
}

struct PopActor {
    conn: ConnId,
    inbox: Vec<u8>,
    stage: PopStage,
    user: String,
    pass: String,
    /// (message number, uid) from UIDL.
    listing: Vec<(usize, u32)>,
    to_retr: Vec<usize>,
    to_dele: Vec<usize>,
    /// Quit politely (true) or drop after the last DELE.
    quit: bool,
    /// Waiting for the multi-line body of the last command.
    multi: bool,
    deadline: mail_sandbox::time::Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImapStage {
    Greeting,
    Login,
    Select,
    Fetch,
    Store,
    Logout,
    Done,
}

/// An IMAP reader: LOGIN, SELECT INBOX (UIDVALIDITY must match the store's), FETCH every
/// message (only its own mail may show), mark some \Seen, then LOGOUT or drop. It never
/// expunges: deletions stay POP3's, so the deletion bookkeeping holds.
struct ImapActor {
    conn: ConnId,
    inbox: Vec<u8>,
    stage: ImapStage,
    user: String,
    pass: String,
    /// The text of the current command's responses.
    text: String,
    logout: bool,
    deadline: mail_sandbox::time::Instant,
}

enum Actor {
    Smtp(Box<SmtpActor>),
    Pop(Box<PopActor>),
    Imap(Box<ImapActor>),
}

// ------------------------------------------------------------------ the simulation

struct Sim {
    seed: u64,
    rng: Rng,
    w: World,
    d: DefaultWorld,
    actors: Vec<Actor>,
    tokens: BTreeMap<String, Token>,
    next_token: u64,
    /// Messages marked deleted by POP3 sessions (with +OK), by connection.
    marks: Vec<Marked>,
    /// Messages seen in each mailbox: (user, uid) -> raw.
    seen: BTreeMap<(String, u32), String>,
    /// Messages that left a mailbox through a completed QUIT.
    deleted: Vec<Marked>,
    uidvalidity: BTreeMap<(String, String), u32>,
    uidnext: BTreeMap<(String, String), u32>,
    stats: Stats,
    faults_on: bool,
    /// POP3 connections on which the client sent QUIT.
    quit_sent: BTreeSet<ConnId>,
    /// Fault rules (issue 15) are added and removed at random too, from their own stream so
    /// that runs without them are unchanged.
    rules: Option<Rng>,
    /// TLS policies and TLS fault rules change at random (runs with TLS), from their own
    /// stream.
    tls: Option<Rng>,
    /// Runs with TLS: relay hops whose next hop's answer to the data never arrived, as the
    /// relay queue noted them (`Recipient::unanswered_hop`), per (token, recipient). The wire
    /// of an encrypted hop is ciphertext, so the trace cannot show them.
    lost_answers: BTreeMap<(String, String), BTreeSet<(String, String)>>,
}

/// The rules the simulation picks from: deferrals, refusals, drops and replies after DATA,
/// a late greeting, rate limits and a missing MX. Clients and the relay must keep every
/// invariant under them.
const CHAOS_RULES: [&str; 9] = [
    "mx.corp.example:25 RCPT TO:<*@corp.example> => 452 4.2.2 Mailbox full",
    "mx.corp.example:25 RCPT TO:<alice@corp.example> => 550 5.1.1 No such user",
    "mx.corp.example:25 after DATA => drop",
    "mx.corp.example:25 after DATA => 451 4.3.0 Try later",
    "mx.corp.example:25 greeting => delay 30s",
    "mx.corp.example:25 MAIL => 421 4.7.0 Try again later after 2 per 60s",
    "smtp.isp.example:587 MAIL => 421 4.7.0 Try again later after 3 per 60s",
    "smtp.isp.example:587 after DATA => drop after 1 per 10s",
    "dns corp.example MX => none",
];

/// The TLS rules the simulation picks from (on the MX the relay talks to).
const CHAOS_TLS_RULES: [&str; 5] = [
    "mx.corp.example:25 tls => handshake failure",
    "mx.corp.example:25 tls => expired",
    "mx.corp.example:25 tls => wrong name",
    "mx.corp.example:25 tls => unknown CA",
    "mx.corp.example:25 tls => not offered",
];

const USERS: [(&str, &str); 3] = [
    ("smith@isp.example", "smith"),
    ("boss@corp.example", "boss"),
    ("alice@corp.example", "alice"),
];

impl Sim {
    fn new(seed: u64) -> Sim {
        let (w, d) = default_world(seed);
        let mut sim = Sim {
            seed,
            rng: Rng::new(seed ^ 0x00C4_A05C_4A05),
            w,
            d,
            actors: Vec::new(),
            tokens: BTreeMap::new(),
            next_token: 0,
            marks: Vec::new(),
            seen: BTreeMap::new(),
            deleted: Vec::new(),
            uidvalidity: BTreeMap::new(),
            uidnext: BTreeMap::new(),
            stats: Stats::default(),
            faults_on: true,
            quit_sent: BTreeSet::new(),
            rules: None,
            tls: None,
            lost_answers: BTreeMap::new(),
        };
        for (user, _) in USERS {
            for name in sim.w.store.folder_names(user) {
                if let Some(f) = sim.w.store.folder(user, &name) {
                    sim.uidvalidity
                        .insert((user.to_string(), name.clone()), f.uidvalidity);
                    sim.uidnext.insert((user.to_string(), name), f.uidnext);
                }
            }
        }
        sim.scan_mailboxes();
        sim
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.below(items.len() as u64) as usize]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.below(100) < percent
    }

    // ---- spawning clients ----

    fn spawn(&mut self) {
        let d = self.d;
        let kind = self.rng.below(10);
        let now = self.w.now();
        let deadline = now + Duration::from_secs(1800);
        if kind < 6 {
            // A sender: submission as smith (ISP) or alice (corp), or MX-direct.
            let (from_host, target, port, auth, sender, pool): (
                HostId,
                &str,
                u16,
                _,
                &str,
                &[&str],
            ) = match self.rng.below(4) {
                0 | 1 => (
                    d.sender_pc,
                    "smtp.isp.example",
                    587,
                    Some(("smith@isp.example", "smith")),
                    "smith@isp.example",
                    &[
                        "boss@corp.example",
                        "alice@corp.example",
                        "nobody@corp.example",
                        "smith@isp.example",
                        "ghost@nowhere.example",
                    ],
                ),
                2 => (
                    d.recipient_pc,
                    "mx.corp.example",
                    587,
                    Some(("alice", "alice")),
                    "alice@corp.example",
                    &[
                        "smith@isp.example",
                        "boss@corp.example",
                        "nobody@isp.example",
                    ],
                ),
                _ => (
                    d.sender_pc,
                    "mx.corp.example",
                    25,
                    None,
                    "smith@isp.example",
                    &[
                        "boss@corp.example",
                        "alice@corp.example",
                        "nobody@corp.example",
                        "someone@elsewhere.example",
                    ],
                ),
            };
            let n = 1 + self.rng.below(3) as usize;
            let mut rcpts: Vec<String> = Vec::new();
            for _ in 0..n {
                let r = self.pick(pool).to_string();
                if !rcpts.contains(&r) {
                    rcpts.push(r);
                }
            }
            self.next_token += 1;
            let token = format!("{TOKEN_PREFIX}{}-{}", self.seed, self.next_token);
            let filler_lines = if self.chance(20) { 200 } else { 3 };
            let mut body = format!(
                "From: <{sender}>\r\nTo: {}\r\nSubject: chaos {token}\r\nMessage-ID: <{token}@chaos.test>\r\n\r\n",
                rcpts.join(", ")
            );
            for i in 0..filler_lines {
                body.push_str(&format!("line {i} of {token}\r\n"));
            }
            body.push_str(".a line that starts with a dot\r\n..two dots\r\n");
            let Ok(conn) = self.w.connect(from_host, target, port) else {
                return;
            };
            let drop_at = if self.chance(15) {
                Some(*self.pick(&[
                    SmtpStage::Ehlo,
                    SmtpStage::Mail,
                    SmtpStage::Rcpt(0),
                    SmtpStage::BodyHalf,
                    SmtpStage::DataEnd,
                ]))
            } else {
                None
            };
            let login = self.chance(30);
            self.tokens.insert(
                token.clone(),
                Token {
                    sender: sender.to_string(),
                    rcpts: Vec::new(),
                    state: TokState::Open,
                    conn,
                },
            );
            self.actors.push(Actor::Smtp(Box::new(SmtpActor {
                conn,
                inbox: Vec::new(),
                stage: SmtpStage::Greeting,
                auth: auth.map(|(u, p)| (u.to_string(), p.to_string(), login)),
                sender: sender.to_string(),
                rcpts,
                accepted: Vec::new(),
                token,
                body: body.into_bytes(),
                drop_at,
                deadline,
            })));
        } else if kind == 9 {
            let (user, pass) = *self.pick(&USERS);
            let (from, target) = if user.ends_with("isp.example") {
                (d.sender_pc, "smtp.isp.example")
            } else {
                (d.recipient_pc, "mx.corp.example")
            };
            let Ok(conn) = self.w.connect(from, target, 143) else {
                return;
            };
            let logout = self.chance(60);
            self.actors.push(Actor::Imap(Box::new(ImapActor {
                conn,
                inbox: Vec::new(),
                stage: ImapStage::Greeting,
                user: user.to_string(),
                pass: pass.to_string(),
                text: String::new(),
                logout,
                deadline,
            })));
        } else {
            let (user, pass) = *self.pick(&USERS);
            let (from, target) = if user.ends_with("isp.example") {
                (d.sender_pc, "smtp.isp.example")
            } else {
                (d.recipient_pc, "mx.corp.example")
            };
            let Ok(conn) = self.w.connect(from, target, 110) else {
                return;
            };
            let quit = self.chance(60);
            self.actors.push(Actor::Pop(Box::new(PopActor {
                conn,
                inbox: Vec::new(),
                stage: PopStage::Greeting,
                user: user.to_string(),
                pass: pass.to_string(),
                listing: Vec::new(),
                to_retr: Vec::new(),
                to_dele: Vec::new(),
                quit,
                multi: false,
                deadline,
            })));
        }
    }

    // ---- faults ----

    fn fault(&mut self) {
        let d = self.d;
        let now = self.w.now();
        self.stats.faults += 1;
        match self.rng.below(8) {
            0 => self.w.net.faults.drop_per_million = *self.pick(&[0, 0, 10_000, 40_000, 100_000]),
            1 => self.w.net.faults.refuse_per_million = *self.pick(&[0, 0, 100_000, 400_000]),
            2 => self.w.net.faults.jitter = Duration::from_millis(*self.pick(&[0, 50, 500, 3_000])),
            3 | 4 => {
                let host = *self.pick(&[d.isp, d.corp, d.corp]);
                let up = !self.w.net.is_up(host) || self.chance(30);
                self.w.set_host_up(host, up);
            }
            5 | 6 => {
                let (a, b) = *self.pick(&[
                    (d.isp, d.corp),
                    (d.isp, d.corp),
                    (d.sender_pc, d.isp),
                    (d.recipient_pc, d.corp),
                ]);
                let cut = !self.w.net.is_link_cut(a, b);
                self.w.net.set_link_cut(now, a, b, cut);
            }
            _ => {
                // A burst of drops for one step.
                self.w.net.faults.drop_per_million = 300_000;
            }
        }
    }

    /// Adds or removes a random fault rule (only in runs with rules).
    fn rule_fault(&mut self) {
        let Some(rng) = self.rules.as_mut() else {
            return;
        };
        let n = self.w.fault_rules().len();
        if n > 0 && rng.below(3) == 0 {
            let which = rng.below(n as u64) as usize + 1;
            self.w.remove_fault(which);
        } else {
            let text = CHAOS_RULES[rng.below(CHAOS_RULES.len() as u64) as usize];
            if let Err(e) = self.w.add_fault(text) {
                panic!("{text}: {e}");
            }
        }
    }

    /// Sometimes changes the TLS in play (only in runs with TLS, one step in five): a TLS
    /// rule added or removed, the MX's TLS switched off or on, the ISP's relay policy.
    fn tls_fault(&mut self) {
        let Some(rng) = self.tls.as_mut() else {
            return;
        };
        if rng.below(5) != 0 {
            return;
        }
        match rng.below(5) {
            0 | 1 => {
                let text = CHAOS_TLS_RULES[rng.below(CHAOS_TLS_RULES.len() as u64) as usize];
                if let Err(e) = self.w.add_fault(text) {
                    panic!("{text}: {e}");
                }
            }
            2 => {
                let n = self.w.fault_rules().len();
                if n > 0 {
                    let which = rng.below(n as u64) as usize + 1;
                    self.w.remove_fault(which);
                }
            }
            3 => {
                let policy = if rng.below(3) == 0 {
                    TlsPolicy::OFF
                } else {
                    TlsPolicy::OFFERED
                };
                self.w.set_tls_policy("mx.corp.example", policy);
            }
            _ => {
                let mut policy = RelayTlsPolicy {
                    on_unverified: match rng.below(3) {
                        0 => OnUnverified::EncryptAnyway,
                        1 => OnUnverified::RelayInClear,
                        _ => OnUnverified::Defer,
                    },
                    ..RelayTlsPolicy::default()
                };
                if rng.below(3) == 0 {
                    policy.require_verified.insert("corp.example".into());
                }
                self.w.set_relay_tls_policy("smtp.isp.example", policy);
            }
        }
    }

    fn calm(&mut self) {
        let d = self.d;
        let now = self.w.now();
        if self.tls.is_some() {
            // TLS rules and the MX's TLS stay as they are for the clients' last steps and the
            // relay's first retries (`calm_tls` ends them).
            let rules = self.w.fault_rules().to_vec();
            for (i, rule) in rules.iter().enumerate().rev() {
                if !matches!(rule, FaultRule::Tls { .. }) {
                    self.w.remove_fault(i + 1);
                }
            }
        } else {
            self.w.clear_faults();
        }
        self.faults_on = false;
        self.w.net.faults.drop_per_million = 0;
        self.w.net.faults.refuse_per_million = 0;
        self.w.net.faults.jitter = Duration::ZERO;
        for h in [d.isp, d.corp, d.sender_pc, d.recipient_pc] {
            self.w.set_host_up(h, true);
        }
        for (a, b) in [
            (d.isp, d.corp),
            (d.sender_pc, d.isp),
            (d.recipient_pc, d.corp),
        ] {
            self.w.net.set_link_cut(now, a, b, false);
        }
    }

    /// The end of TLS trouble: no TLS rules, the MX offers TLS again, so even "verified TLS
    /// or nothing" can deliver; the relay policy stays what it was.
    fn calm_tls(&mut self) {
        if self.tls.is_some() {
            self.w.clear_faults();
            self.w.set_tls_policy("mx.corp.example", TlsPolicy::OFFERED);
        }
    }

    // ---- driving the clients ----

    fn send(&mut self, conn: ConnId, bytes: &[u8]) {
        self.w.send(conn, bytes);
    }

    /// Advances every actor as far as the replies received allow.
    fn poll_actors(&mut self) -> Result<(), Failure> {
        let actors = std::mem::take(&mut self.actors);
        let mut keep = Vec::new();
        for mut a in actors {
            let alive = match &mut a {
                Actor::Smtp(s) => self.poll_smtp(s)?,
                Actor::Pop(p) => self.poll_pop(p)?,
                Actor::Imap(i) => self.poll_imap(i)?,
            };
            if alive {
                keep.push(a);
            }
        }
        keep.append(&mut self.actors);
        self.actors = keep;
        Ok(())
    }

    fn endpoint_open(&self, conn: ConnId) -> bool {
        self.w
            .endpoint(conn)
            .is_some_and(|e| e.state == EndpointState::Open)
    }

    fn set_token(&mut self, token: &str, state: TokState) {
        if let Some(t) = self.tokens.get_mut(token) {
            t.state = state;
        }
    }

    /// Ends an SMTP actor: what its message is now depends on how far it got.
    fn end_smtp(&mut self, s: &mut SmtpActor) {
        let state = self.tokens.get(&s.token).map(|t| t.state);
        if state == Some(TokState::Awaiting) {
            self.set_token(&s.token, TokState::Ambiguous);
            self.stats.ambiguous += 1;
        }
        s.stage = SmtpStage::Done;
        self.w.close(s.conn);
        self.w.forget(s.conn);
    }

    fn poll_smtp(&mut self, s: &mut SmtpActor) -> Result<bool, Failure> {
        let conn = s.conn;
        let got = self.w.take_received(conn);
        s.inbox.extend_from_slice(&got);
        while let Some((code, text)) = take_smtp_reply(&mut s.inbox) {
            if s.drop_at == Some(s.stage) && s.stage != SmtpStage::DataEnd {
                self.end_smtp(s);
                return Ok(false);
            }
            match s.stage {
                SmtpStage::Greeting if code == 220 => {
                    s.stage = SmtpStage::Ehlo;
                    self.send(conn, b"EHLO chaos.example\r\n");
                }
                SmtpStage::Ehlo if code == 250 => match s.auth.clone() {
                    Some((user, pass, false)) => {
                        s.stage = SmtpStage::Auth;
                        let line = format!("AUTH PLAIN {}\r\n", encode_plain(&user, &pass));
                        self.send(conn, line.as_bytes());
                    }
                    Some((_, _, true)) => {
                        s.stage = SmtpStage::AuthLoginUser;
                        self.send(conn, b"AUTH LOGIN\r\n");
                    }
                    None => {
                        s.stage = SmtpStage::Mail;
                        let line = format!("MAIL FROM:<{}>\r\n", s.sender);
                        self.send(conn, line.as_bytes());
                    }
                },
                SmtpStage::AuthLoginUser if code == 334 => {
                    let (user, _, _) = s.auth.clone().unwrap_or_default();
                    s.stage = SmtpStage::AuthLoginPass;
                    let line = format!("{}\r\n", b64_encode(user.as_bytes()));
                    self.send(conn, line.as_bytes());
                }
                SmtpStage::AuthLoginPass if code == 334 => {
                    let (_, pass, _) = s.auth.clone().unwrap_or_default();
                    s.stage = SmtpStage::Auth;
                    let line = format!("{}\r\n", b64_encode(pass.as_bytes()));
                    self.send(conn, line.as_bytes());
                }
                SmtpStage::Auth if code == 235 => {
                    s.stage = SmtpStage::Mail;
                    let line = format!("MAIL FROM:<{}>\r\n", s.sender);
                    self.send(conn, line.as_bytes());
                }
                SmtpStage::Mail if code == 250 => {
                    s.stage = SmtpStage::Rcpt(0);
                    let line = format!("RCPT TO:<{}>\r\n", s.rcpts[0]);
                    self.send(conn, line.as_bytes());
                }
                SmtpStage::Rcpt(i) => {
                    if code == 250 {
                        s.accepted.push(s.rcpts[i].to_ascii_lowercase());
                    } else if !(code == 550
                        || code == 554
                        || self.rules.is_some() && (400..600).contains(&code))
                    {
                        return fail(
                            format!("unexpected RCPT reply for <{}>: {text}", s.rcpts[i]),
                            vec![conn],
                        );
                    }
                    if i + 1 < s.rcpts.len() {
                        s.stage = SmtpStage::Rcpt(i + 1);
                        let line = format!("RCPT TO:<{}>\r\n", s.rcpts[i + 1]);
                        self.send(conn, line.as_bytes());
                    } else if s.accepted.is_empty() {
                        s.stage = SmtpStage::Quit;
                        self.send(conn, b"QUIT\r\n");
                    } else {
                        s.stage = SmtpStage::Data;
                        self.send(conn, b"DATA\r\n");
                    }
                }
                SmtpStage::Data if code == 354 => {
                    if let Some(t) = self.tokens.get_mut(&s.token) {
                        t.rcpts = s.accepted.clone();
                    }
                    let wire = mail_sandbox::wire::dot::stuff(&s.body);
                    let half = wire.len() / 2;
                    s.stage = SmtpStage::BodyHalf;
                    self.send(conn, &wire[..half]);
                    // The rest goes at the next step (time passes in between), unless the
                    // actor drops mid-DATA.
                    s.body = wire[half..].to_vec();
                    return Ok(true);
                }
                SmtpStage::DataEnd => {
                    if code == 250 {
                        self.set_token(&s.token, TokState::Accepted);
                        self.stats.accepted += 1;
                    } else {
                        self.set_token(&s.token, TokState::Refused);
                        self.stats.refused += 1;
                    }
                    s.stage = SmtpStage::Quit;
                    self.send(conn, b"QUIT\r\n");
                }
                SmtpStage::Quit => {
                    self.end_smtp(s);
                    return Ok(false);
                }
                _ => {
                    // A temporary refusal (say 421 or 451 under faults): give up.
                    if (400..600).contains(&code) {
                        s.stage = SmtpStage::Quit;
                        self.send(conn, b"QUIT\r\n");
                    } else {
                        return fail(
                            format!("unexpected reply in {:?}: {text}", s.stage),
                            vec![conn],
                        );
                    }
                }
            }
        }
        if s.stage == SmtpStage::BodyHalf && self.endpoint_open(conn) {
            if s.drop_at == Some(SmtpStage::BodyHalf) {
                self.end_smtp(s);
                return Ok(false);
            }
            let rest = std::mem::take(&mut s.body);
            s.stage = SmtpStage::DataEnd;
            self.set_token(&s.token, TokState::Awaiting);
            self.send(conn, &rest);
            if s.drop_at == Some(SmtpStage::DataEnd) {
                self.end_smtp(s);
                return Ok(false);
            }
        }
        if !self.endpoint_open(conn) || self.w.now() > s.deadline {
            // Read what arrived before the close first.
            let late = self.w.take_received(conn);
            if !late.is_empty() {
                s.inbox.extend_from_slice(&late);
                return self.poll_smtp(s);
            }
            self.end_smtp(s);
            return Ok(false);
        }
        Ok(true)
    }

    fn end_pop(&mut self, p: &mut PopActor) {
        p.stage = PopStage::Done;
        self.w.close(p.conn);
        self.w.forget(p.conn);
    }

    fn pop_next_dele_or_quit(&mut self, p: &mut PopActor) {
        if let Some(n) = p.to_dele.pop() {
            p.stage = PopStage::Dele(n);
            self.send(p.conn, format!("DELE {n}\r\n").as_bytes());
        } else if p.quit {
            p.stage = PopStage::Quit;
            self.quit_sent.insert(p.conn);
            self.send(p.conn, b"QUIT\r\n");
        } else {
            // Drop without QUIT: nothing may be deleted.
            self.end_pop(p);
        }
    }

    fn poll_pop(&mut self, p: &mut PopActor) -> Result<bool, Failure> {
        let conn = p.conn;
        let got = self.w.take_received(conn);
        p.inbox.extend_from_slice(&got);
        loop {
            if p.stage == PopStage::Done {
                return Ok(false);
            }
            if p.multi {
                let Some(lines) = take_multi(&mut p.inbox) else {
                    break;
                };
                p.multi = false;
                match p.stage {
                    PopStage::Uidl => {
                        for l in lines {
                            let mut it = l.split(' ');
                            let n = it.next().and_then(|x| x.parse().ok());
                            let uid = it
                                .next()
                                .and_then(|x| x.split('.').nth(1))
                                .and_then(|x| x.parse().ok());
                            if let (Some(n), Some(uid)) = (n, uid) {
                                p.listing.push((n, uid));
                            }
                        }
                        for &(n, _) in &p.listing {
                            if self.chance(40) {
                                p.to_retr.push(n);
                            }
                            if self.chance(40) {
                                p.to_dele.push(n);
                            }
                        }
                        self.pop_next_retr(p);
                    }
                    PopStage::Retr(_) => {
                        let text = lines.join("\n");
                        for t in tokens_in(&text) {
                            if let Some(tok) = self.tokens.get(&t) {
                                let mine = tok.rcpts.contains(&p.user) || tok.sender == p.user;
                                if !mine {
                                    return fail(
                                        format!("{} read {t}, which is not theirs", p.user),
                                        vec![conn, tok.conn],
                                    );
                                }
                            }
                        }
                        self.pop_next_retr(p);
                    }
                    _ => {}
                }
                continue;
            }
            let Some(line) = take_line(&mut p.inbox) else {
                break;
            };
            let ok = line.starts_with("+OK");
            match p.stage {
                PopStage::Greeting if ok => {
                    p.stage = PopStage::User;
                    self.send(conn, format!("USER {}\r\n", p.user).as_bytes());
                }
                PopStage::User if ok => {
                    p.stage = PopStage::Pass;
                    self.send(conn, format!("PASS {}\r\n", p.pass).as_bytes());
                }
                PopStage::Pass if ok => {
                    p.stage = PopStage::Uidl;
                    self.send(conn, b"UIDL\r\n");
                }
                PopStage::Pass if line.contains("[IN-USE]") => {
                    p.stage = PopStage::Quit;
                    p.to_dele.clear();
                    self.quit_sent.insert(conn);
                    self.send(conn, b"QUIT\r\n");
                }
                PopStage::Uidl | PopStage::Retr(_) if ok => p.multi = true,
                PopStage::Dele(n) if ok => {
                    if let Some(&(_, uid)) = p.listing.iter().find(|(m, _)| *m == n) {
                        let raw = self.raw_of(&p.user, uid).unwrap_or_default();
                        self.marks.push(Marked {
                            user: p.user.clone(),
                            uid,
                            raw,
                            conn,
                        });
                    }
                    self.pop_next_dele_or_quit(p);
                }
                PopStage::Quit if ok => {
                    if line.contains("signing off") && !p.listing.is_empty() {
                        self.stats.pop3_quits += 1;
                        if self.w.session_state(conn).map(|s| s.label()) != Some("POP3 Update") {
                            return fail(
                                format!("QUIT answered +OK but the session never reached UPDATE: {line}"),
                                vec![conn],
                            );
                        }
                        // Every message this session marked is gone now.
                        for m in self.marks.iter().filter(|m| m.conn == conn) {
                            if self.raw_of(&m.user, m.uid).is_some() {
                                return fail(
                                    format!(
                                        "{} uid {} marked and QUIT +OK, still there",
                                        m.user, m.uid
                                    ),
                                    vec![conn],
                                );
                            }
                        }
                    }
                    self.end_pop(p);
                    return Ok(false);
                }
                _ => {
                    // -ERR (say the INBOX changed under a reader, or a fault): leave.
                    if p.stage == PopStage::Quit {
                        self.end_pop(p);
                        return Ok(false);
                    }
                    p.stage = PopStage::Quit;
                    p.to_dele.clear();
                    self.quit_sent.insert(conn);
                    self.send(conn, b"QUIT\r\n");
                }
            }
        }
        if !self.endpoint_open(conn) || self.w.now() > p.deadline {
            let late = self.w.take_received(conn);
            if !late.is_empty() {
                p.inbox.extend_from_slice(&late);
                return self.poll_pop(p);
            }
            self.end_pop(p);
            return Ok(false);
        }
        Ok(true)
    }

    fn end_imap(&mut self, i: &mut ImapActor) {
        i.stage = ImapStage::Done;
        self.w.close(i.conn);
        self.w.forget(i.conn);
    }

    fn poll_imap(&mut self, i: &mut ImapActor) -> Result<bool, Failure> {
        let conn = i.conn;
        let got = self.w.take_received(conn);
        i.inbox.extend_from_slice(&got);
        while let Some(line) = take_line(&mut i.inbox) {
            i.text.push_str(&line);
            i.text.push('\n');
            let tag = match i.stage {
                ImapStage::Greeting => "*",
                ImapStage::Login => "t1",
                ImapStage::Select => "t2",
                ImapStage::Fetch => "t3",
                ImapStage::Store => "t4",
                ImapStage::Logout => "t5",
                ImapStage::Done => return Ok(false),
            };
            if !line.starts_with(&format!("{tag} ")) {
                continue;
            }
            let ok = line.starts_with(&format!("{tag} OK"));
            let text = std::mem::take(&mut i.text);
            // Only this user's mail may show, whatever the command.
            for t in tokens_in(&text) {
                if let Some(tok) = self.tokens.get(&t) {
                    if !(tok.rcpts.contains(&i.user) || tok.sender == i.user) {
                        return fail(
                            format!("{} saw {t} over IMAP, which is not theirs", i.user),
                            vec![conn, tok.conn],
                        );
                    }
                }
            }
            match i.stage {
                ImapStage::Greeting if ok => {
                    i.stage = ImapStage::Login;
                    let line = format!("t1 LOGIN {} {}\r\n", i.user, i.pass);
                    self.send(conn, line.as_bytes());
                }
                ImapStage::Login if ok => {
                    i.stage = ImapStage::Select;
                    self.send(conn, b"t2 SELECT INBOX\r\n");
                }
                ImapStage::Select if ok => {
                    let key = (i.user.clone(), "INBOX".to_string());
                    let want = self.uidvalidity.get(&key).copied();
                    if let Some(uv) = want {
                        if !text.contains(&format!("[UIDVALIDITY {uv}]")) {
                            return fail(
                                format!(
                                    "SELECT for {} reports another UIDVALIDITY than {uv}",
                                    i.user
                                ),
                                vec![conn],
                            );
                        }
                    }
                    i.stage = ImapStage::Fetch;
                    if text.contains("* 0 EXISTS") {
                        i.stage = ImapStage::Store;
                        self.send(conn, b"t4 NOOP\r\n");
                    } else {
                        self.send(
                            conn,
                            b"t3 FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])\r\n",
                        );
                    }
                }
                ImapStage::Fetch if ok => {
                    self.stats.imap_fetches += 1;
                    i.stage = ImapStage::Store;
                    self.send(conn, b"t4 STORE 1 +FLAGS (\\Seen)\r\n");
                }
                ImapStage::Store => {
                    if !i.logout {
                        self.end_imap(i);
                        return Ok(false);
                    }
                    i.stage = ImapStage::Logout;
                    self.send(conn, b"t5 LOGOUT\r\n");
                }
                ImapStage::Logout => {
                    self.end_imap(i);
                    return Ok(false);
                }
                _ => {
                    // NO/BAD (a fault, or the INBOX changed under the reader): leave.
                    i.stage = ImapStage::Logout;
                    self.send(conn, b"t5 LOGOUT\r\n");
                }
            }
        }
        if !self.endpoint_open(conn) || self.w.now() > i.deadline {
            let late = self.w.take_received(conn);
            if !late.is_empty() {
                i.inbox.extend_from_slice(&late);
                return self.poll_imap(i);
            }
            self.end_imap(i);
            return Ok(false);
        }
        Ok(true)
    }

    fn pop_next_retr(&mut self, p: &mut PopActor) {
        if let Some(n) = p.to_retr.pop() {
            p.stage = PopStage::Retr(n);
            self.send(p.conn, format!("RETR {n}\r\n").as_bytes());
        } else {
            self.pop_next_dele_or_quit(p);
        }
    }

    fn raw_of(&self, user: &str, uid: u32) -> Option<String> {
        self.w
            .store
            .folder(user, "INBOX")?
            .by_uid(uid)
            .map(|m| String::from_utf8_lossy(&m.raw).to_string())
    }

    // ---- invariants ----

    /// Records new messages, and checks deletions only came from completed QUITs.
    fn scan_mailboxes(&mut self) -> Vec<(String, u32)> {
        let mut vanished = Vec::new();
        for (user, _) in USERS {
            let now: BTreeMap<u32, String> = self
                .w
                .store
                .folder(user, "INBOX")
                .map(|f| {
                    f.messages()
                        .iter()
                        .map(|m| (m.uid, String::from_utf8_lossy(&m.raw).to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let known: Vec<u32> = self
                .seen
                .keys()
                .filter(|(u, _)| u == user)
                .map(|(_, uid)| *uid)
                .collect();
            for uid in known {
                if !now.contains_key(&uid) {
                    vanished.push((user.to_string(), uid));
                }
            }
            for (uid, raw) in now {
                self.seen.entry((user.to_string(), uid)).or_insert(raw);
            }
        }
        vanished
    }

    /// Notes the relay hops whose answer was lost, from the queue (runs with TLS).
    fn note_lost_answers(&mut self) {
        if self.tls.is_none() {
            return;
        }
        for entry in self.w.queue.entries() {
            let text = String::from_utf8_lossy(&entry.data);
            for token in tokens_in(&text) {
                for r in &entry.recipients {
                    if let Some(hop) = &r.unanswered_hop {
                        self.lost_answers
                            .entry((token.clone(), r.address.to_ascii_lowercase()))
                            .or_default()
                            .insert((entry.id.clone(), hop.clone()));
                    }
                }
            }
        }
    }

    fn check(&mut self) -> Result<(), Failure> {
        self.note_lost_answers();
        // UIDVALIDITY fixed, UIDNEXT and UIDs only grow.
        for (user, _) in USERS {
            for name in self.w.store.folder_names(user) {
                let Some(f) = self.w.store.folder(user, &name) else {
                    continue;
                };
                let key = (user.to_string(), name.clone());
                if let Some(&uv) = self.uidvalidity.get(&key) {
                    if uv != f.uidvalidity {
                        return fail(format!("UIDVALIDITY of {user}/{name} changed"), vec![]);
                    }
                }
                let prev = self.uidnext.get(&key).copied().unwrap_or(1);
                if f.uidnext < prev {
                    return fail(format!("UIDNEXT of {user}/{name} went back"), vec![]);
                }
                self.uidnext.insert(key, f.uidnext);
                let uids: Vec<u32> = f.messages().iter().map(|m| m.uid).collect();
                if uids.windows(2).any(|w| w[0] >= w[1]) || uids.iter().any(|&u| u >= f.uidnext) {
                    return fail(format!("UIDs of {user}/{name} out of order"), vec![]);
                }
            }
        }
        // Deletions only through a completed QUIT (the session reached UPDATE).
        for (user, uid) in self.scan_mailboxes() {
            let mut candidates = self.marks.iter().filter(|m| m.user == user && m.uid == uid);
            // The client sent QUIT and the server entered UPDATE on that connection.
            let quit_done = |m: &&Marked| {
                self.quit_sent.contains(&m.conn)
                    && self.w.session_state(m.conn).map(|s| s.label()) == Some("POP3 Update")
            };
            let by = candidates
                .clone()
                .find(quit_done)
                .or_else(|| candidates.next())
                .cloned();
            match by {
                Some(m) if quit_done(&&m) => {
                    self.stats.pop3_deleted += 1;
                    let raw = self.seen.remove(&(user.clone(), uid)).unwrap_or_default();
                    self.deleted.push(Marked { raw, ..m });
                }
                Some(m) => {
                    return fail(
                        format!("{user} uid {uid} deleted without a completed QUIT"),
                        vec![m.conn],
                    )
                }
                None => {
                    return fail(
                        format!("{user} uid {uid} vanished, no POP3 session deleted it"),
                        vec![],
                    )
                }
            }
        }
        // Nothing delivered that was not accepted; no copy beyond one (plus relay duplicates).
        let copies = self.copies();
        for ((token, rcpt, bounce), n) in &copies {
            let Some(t) = self.tokens.get(token) else {
                return fail(format!("unknown token {token} delivered"), vec![]);
            };
            let conns = self.conns_with(token);
            match t.state {
                TokState::Open | TokState::Refused => {
                    return fail(
                        format!("{token} ({:?}) was delivered to {rcpt}", t.state),
                        conns,
                    )
                }
                TokState::Awaiting | TokState::Accepted | TokState::Ambiguous => {}
            }
            if !t.rcpts.contains(rcpt) {
                return fail(
                    format!(
                        "{token} reached {rcpt}, not an accepted recipient {:?}",
                        t.rcpts
                    ),
                    conns,
                );
            }
            let bounced = copies.contains_key(&(token.clone(), rcpt.clone(), !bounce));
            if bounced && !self.lost_answer_explains_bounce(token, rcpt) {
                return fail(
                    format!("{token} for {rcpt} both delivered and bounced"),
                    conns,
                );
            }
            if *n > 1 {
                let allowed = 1 + self.relay_duplicates_allowed(token, rcpt);
                if *n > allowed {
                    return fail(
                        format!(
                            "{token} {} {rcpt} {n} times (allowed {allowed})",
                            if *bounce {
                                "bounced for"
                            } else {
                                "delivered to"
                            }
                        ),
                        conns,
                    );
                }
            }
        }
        Ok(())
    }

    /// (token, recipient, is-bounce) -> number of copies, in mailboxes or deleted by QUIT.
    fn copies(&self) -> BTreeMap<(String, String, bool), usize> {
        let mut out = BTreeMap::new();
        let all = self
            .seen
            .iter()
            .map(|((user, _), raw)| (user.clone(), raw.clone()))
            .chain(self.deleted.iter().map(|m| (m.user.clone(), m.raw.clone())));
        for (user, raw) in all {
            for token in tokens_in(&raw) {
                if is_bounce(&raw) {
                    if let Some(t) = self.tokens.get(&token) {
                        if t.sender != user {
                            *out.entry((
                                token.clone(),
                                format!("bounce to wrong user {user}"),
                                true,
                            ))
                            .or_insert(0) += 1;
                        }
                    }
                    for r in bounce_rcpts(&raw) {
                        *out.entry((token.clone(), r, true)).or_insert(0) += 1;
                    }
                } else {
                    *out.entry((token, user.clone(), false)).or_insert(0) += 1;
                }
            }
        }
        out
    }

    /// Relay connections carrying `token` where the next hop answered 250 to the data but the
    /// relay client never got to QUIT (it did not read the 250): each allows one more copy.
    fn relay_duplicates_allowed(&self, token: &str, rcpt: &str) -> usize {
        let relay_hosts = [self.d.isp, self.d.corp];
        let mut per_conn: BTreeMap<ConnId, (String, String)> = BTreeMap::new();
        for e in self.w.net.trace.entries() {
            if e.port != 25 || !relay_hosts.contains(&e.client) {
                continue;
            }
            if let TraceKind::Data(b) = &e.kind {
                let entry = per_conn.entry(e.conn).or_default();
                let text = String::from_utf8_lossy(b);
                match e.from {
                    Side::Client => entry.0.push_str(&text),
                    Side::Server => entry.1.push_str(&text),
                }
            }
        }
        let on_the_wire = per_conn
            .values()
            .filter(|(client, server)| {
                client.contains(token)
                    && client
                        .to_ascii_lowercase()
                        .contains(&format!("rcpt to:<{rcpt}>"))
                    && server.contains("queued as")
                    && !client.contains("QUIT\r\n")
            })
            .count();
        // Encrypted hops: what the relay queue noted instead of the wire.
        let noted = self
            .lost_answers
            .get(&(token.to_string(), rcpt.to_string()))
            .map_or(0, BTreeSet::len);
        on_the_wire.max(noted)
    }

    /// A message both delivered to `rcpt` and bounced for it is SMTP's own ambiguity (RFC 5321
    /// §6.1), not a loss, when a relay hop lost the next hop's 250 after the final dot (that
    /// hop delivered it; the retry then failed for good): allowed when such a hop is in the
    /// trace and the bounce tells the sender that the earlier answer never arrived.
    fn lost_answer_explains_bounce(&self, token: &str, rcpt: &str) -> bool {
        let says_so = self
            .seen
            .values()
            .chain(self.deleted.iter().map(|m| &m.raw))
            .filter(|raw| is_bounce(raw) && tokens_in(raw).contains(token))
            .filter(|raw| bounce_rcpts(raw).iter().any(|r| r == rcpt))
            .any(|raw| {
                raw.contains("an earlier attempt sent the whole message to")
                    && raw.contains("answer never arrived")
            });
        says_so && self.relay_duplicates_allowed(token, rcpt) > 0
    }

    /// Connections whose bytes mention `token` (for the replay print-out).
    fn conns_with(&self, token: &str) -> Vec<ConnId> {
        let mut out: Vec<ConnId> = Vec::new();
        for e in self.w.net.trace.entries() {
            if let TraceKind::Data(b) = &e.kind {
                if !out.contains(&e.conn) && String::from_utf8_lossy(b).contains(token) {
                    out.push(e.conn);
                }
            }
        }
        out
    }

    fn check_snapshot(&mut self) -> Result<(), Failure> {
        self.stats.snapshots += 1;
        let json = self.w.snapshot_json();
        let (mut fresh, _) = default_world(self.seed);
        if let Err(e) = fresh.restore_json(&json) {
            return fail(format!("snapshot does not restore: {e}"), vec![]);
        }
        // Attempts under way are retried after a restore (relay::reset_in_flight).
        let expected = json.replace("\"InFlight\"", "\"Pending\"");
        if fresh.snapshot_json() != expected {
            return fail("restored snapshot differs".into(), vec![]);
        }
        Ok(())
    }

    /// The final check: every accepted message settled exactly once per recipient.
    fn check_final(&mut self) -> Result<(), Failure> {
        self.check()?;
        if !self.w.queue.is_empty() {
            return fail(
                format!(
                    "queue not empty after the retries: {:?}",
                    self.w.queue.entries().map(|e| &e.id).collect::<Vec<_>>()
                ),
                vec![],
            );
        }
        for (user, _) in USERS {
            if self.w.store.is_maildrop_locked(user) {
                return fail(format!("{user}'s maildrop still locked"), vec![]);
            }
        }
        let copies = self.copies();
        self.stats.bounced = copies.keys().filter(|k| k.2).count();
        let tokens: Vec<(String, Token)> = self
            .tokens
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (token, t) in tokens {
            for r in &t.rcpts {
                let delivered = copies
                    .get(&(token.clone(), r.clone(), false))
                    .copied()
                    .unwrap_or(0);
                let bounced = copies
                    .get(&(token.clone(), r.clone(), true))
                    .copied()
                    .unwrap_or(0);
                let extra = self.relay_duplicates_allowed(&token, r);
                self.stats.relay_duplicates += (delivered + bounced).saturating_sub(1);
                if delivered > 0 && bounced > 0 {
                    self.stats.delivered_and_bounced += 1;
                }
                let total = delivered + bounced;
                let ok = match t.state {
                    TokState::Accepted => total >= 1 && total <= 1 + extra,
                    TokState::Ambiguous => total <= 1 + extra,
                    _ => total == 0,
                };
                if !ok {
                    return fail(
                        format!(
                            "{token} ({:?}) for {r}: delivered {delivered}, bounced {bounced} (relay duplicates allowed: {extra})",
                            t.state
                        ),
                        self.conns_with(&token),
                    );
                }
            }
        }
        Ok(())
    }

    // ---- the run ----

    fn run(&mut self, steps: usize) -> Result<(), Failure> {
        for step in 0..steps * 2 {
            let faulting = step < steps;
            if faulting && self.chance(25) {
                self.fault();
                self.rule_fault();
            } else if faulting && self.w.net.faults.drop_per_million > 100_000 {
                self.w.net.faults.drop_per_million = 0;
            }
            if faulting {
                self.tls_fault();
            }
            if step == steps {
                self.calm();
            }
            if faulting && self.actors.len() < 8 && self.chance(50) {
                self.spawn();
            }
            let dt = *self.pick(&[5, 20, 50, 200, 1_000, 5_000]);
            let t = self.w.now() + Duration::from_millis(dt);
            self.w.run_until(t);
            self.poll_actors()?;
            self.check()?;
            if self.chance(5) {
                self.check_snapshot()?;
            }
            if !faulting && self.actors.is_empty() {
                break;
            }
        }
        if self.faults_on {
            self.calm();
        }
        // Let every client finish, then give the relay hours for its retries and bounces.
        for _ in 0..10_000 {
            if self.actors.is_empty() {
                break;
            }
            let t = self.w.now() + Duration::from_millis(500);
            self.w.run_until(t);
            self.poll_actors()?;
            self.check()?;
        }
        if self.tls.is_some() {
            // Half an hour of relay retries under the TLS faults left, then none.
            let t = self.w.now() + Duration::from_secs(1800);
            self.w.run_until(t);
            self.check()?;
            self.calm_tls();
        }
        let t = self.w.now() + Duration::from_secs(6 * 3600);
        self.w.run_until(t);
        self.check_final()?;
        self.check_snapshot()
    }
}

/// Runs one seed; on failure, a replay: the seed and the transcripts of the relevant
/// connections.
fn run_seed(seed: u64, steps: usize) -> Result<Stats, String> {
    run_seed_with(seed, steps, false)
}

fn run_seed_with(seed: u64, steps: usize, rules: bool) -> Result<Stats, String> {
    run_seed_in(seed, steps, rules, false)
}

fn run_seed_in(seed: u64, steps: usize, rules: bool, tls: bool) -> Result<Stats, String> {
    let mut sim = Sim::new(seed);
    if rules {
        sim.rules = Some(Rng::new(seed ^ 0x0F4A_0017));
    }
    if tls {
        sim.tls = Some(Rng::new(seed ^ 0x7153_0026));
        let provider = SandboxTls::seeded(seed).expect("the sandbox TLS provider");
        sim.w.install_tls(Box::new(provider));
    }
    match sim.run(steps) {
        Ok(()) => {
            let mut stats = sim.stats;
            while let Some(event) = sim.w.poll_event() {
                if std::env::var("CHAOS_TLS_DEBUG").is_ok() {
                    if let Some(line) = event.summary() {
                        eprintln!("{line}");
                    }
                }
                if let WorldEvent::RelayTls { tls, .. } = event {
                    match tls {
                        HopTls::Verified { .. } | HopTls::Unverified { .. } => {
                            stats.hops_encrypted += 1
                        }
                        HopTls::Clear { .. } | HopTls::FellBackToClear { .. } => {
                            stats.hops_clear += 1
                        }
                        HopTls::Deferred { .. } => stats.hops_deferred_for_tls += 1,
                    }
                }
            }
            stats.rule_marks = sim
                .w
                .connections_seen()
                .iter()
                .map(|c| {
                    sim.w
                        .gate_marks(c.conn)
                        .iter()
                        .filter(|m| m.fault_rule().is_some())
                        .count()
                })
                .sum();
            Ok(stats)
        }
        Err(f) => {
            let mut out = format!(
                "chaos seed {seed} failed: {}\nreplay: CHAOS_SEED={seed} cargo test --test chaos -- --nocapture\n",
                f.what
            );
            for c in f.conns.iter().take(6) {
                out.push_str(&format!("\n---- connection {c}\n"));
                out.push_str(&sim.w.transcript_text(*c, true));
            }
            Err(out)
        }
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The same simulation with fault rules added and removed at random (issue 15): every
/// invariant holds under chosen failures too.
#[test]
fn chaos_seeds_with_fault_rules() {
    let (first, count) = match env_u64("CHAOS_SEED") {
        Some(s) => (s, 1),
        None => (
            env_u64("CHAOS_SEED_START").unwrap_or(1),
            env_u64("CHAOS_SEEDS").unwrap_or(20),
        ),
    };
    let steps = env_u64("CHAOS_STEPS").unwrap_or(150) as usize;
    let mut failures = Vec::new();
    let (mut accepted, mut rule_marks) = (0, 0);
    for seed in first..first + count {
        match run_seed_with(seed, steps, true) {
            Ok(s) => {
                if s.delivered_and_bounced > 0 {
                    eprintln!(
                        "seed {seed}: delivered and bounced (a lost 250, RFC 5321 §6.1) {}",
                        s.delivered_and_bounced
                    );
                }
                accepted += s.accepted;
                rule_marks += s.rule_marks;
            }
            Err(replay) => {
                eprintln!("with fault rules: {replay}");
                failures.push(seed);
                if failures.len() >= 3 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "chaos with fault rules: seeds {first}..{}, accepted {accepted}, lines a rule acted on {rule_marks}",
        first + count
    );
    assert!(
        failures.is_empty(),
        "failing seeds with rules: {failures:?}"
    );
    if count >= 10 {
        assert!(rule_marks > 0, "no rule ever fired");
    }
}

/// The simulation with TLS in the mix (issue 26): the relay's STARTTLS to the MX under
/// changing policies and TLS fault rules (failed handshakes, broken certificates, no offer),
/// besides the network's faults and the fault rules. No accepted message is lost.
#[test]
fn chaos_seeds_with_tls() {
    let (first, count) = match env_u64("CHAOS_SEED") {
        Some(s) => (s, 1),
        None => (
            env_u64("CHAOS_SEED_START").unwrap_or(1),
            env_u64("CHAOS_SEEDS").unwrap_or(20),
        ),
    };
    let steps = env_u64("CHAOS_STEPS").unwrap_or(150) as usize;
    let mut failures = Vec::new();
    let mut total = Stats::default();
    for seed in first..first + count {
        match run_seed_in(seed, steps, true, true) {
            Ok(s) => {
                total.accepted += s.accepted;
                total.hops_encrypted += s.hops_encrypted;
                total.hops_clear += s.hops_clear;
                total.hops_deferred_for_tls += s.hops_deferred_for_tls;
            }
            Err(replay) => {
                eprintln!("with TLS: {replay}");
                failures.push(seed);
                if failures.len() >= 3 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "chaos with TLS: seeds {first}..{}, accepted {}, relay hops encrypted {}, in clear {}, \
         deferred for TLS {}",
        first + count,
        total.accepted,
        total.hops_encrypted,
        total.hops_clear,
        total.hops_deferred_for_tls
    );
    assert!(failures.is_empty(), "failing seeds with TLS: {failures:?}");
    if count >= 10 {
        assert!(total.hops_encrypted > 0, "no relay hop was ever encrypted");
        assert!(
            total.hops_clear + total.hops_deferred_for_tls > 0,
            "no TLS fault or policy ever acted"
        );
    }
}

#[test]
fn chaos_seeds() {
    let (first, count) = match env_u64("CHAOS_SEED") {
        Some(s) => (s, 1),
        None => (
            env_u64("CHAOS_SEED_START").unwrap_or(1),
            env_u64("CHAOS_SEEDS").unwrap_or(20),
        ),
    };
    let steps = env_u64("CHAOS_STEPS").unwrap_or(150) as usize;
    let mut failures = Vec::new();
    let mut total = Stats::default();
    for seed in first..first + count {
        match run_seed(seed, steps) {
            Ok(s) => {
                if std::env::var("CHAOS_VERBOSE").is_ok() || s.relay_duplicates > 0 {
                    eprintln!(
                        "seed {seed}: accepted {}, ambiguous {}, relay duplicates {}",
                        s.accepted, s.ambiguous, s.relay_duplicates
                    );
                }
                total.accepted += s.accepted;
                total.ambiguous += s.ambiguous;
                total.refused += s.refused;
                total.bounced += s.bounced;
                total.pop3_quits += s.pop3_quits;
                total.pop3_deleted += s.pop3_deleted;
                total.faults += s.faults;
                total.relay_duplicates += s.relay_duplicates;
                total.snapshots += s.snapshots;
                total.imap_fetches += s.imap_fetches;
            }
            Err(replay) => {
                eprintln!("{replay}");
                failures.push(seed);
                if failures.len() >= 3 {
                    break;
                }
            }
        }
    }
    eprintln!(
        "chaos: seeds {first}..{} — accepted {}, ambiguous {}, refused {}, bounced (token, rcpt) {}, \
         POP3 QUITs {}, POP3 deletions {}, IMAP fetches {}, faults {}, relay duplicates (RFC 5321 §6.1) {}, snapshots {}",
        first + count,
        total.accepted,
        total.ambiguous,
        total.refused,
        total.bounced,
        total.pop3_quits,
        total.pop3_deleted,
        total.imap_fetches,
        total.faults,
        total.relay_duplicates,
        total.snapshots
    );
    assert!(failures.is_empty(), "failing seeds: {failures:?}");
    if count >= 10 {
        assert!(total.accepted > 0, "the simulation accepted no mail at all");
    }
}

/// Held-out seeds (with fault rules) that once failed with "both delivered and bounced": the
/// MX's 250 after the final dot was lost when the link dropped, the retry met a permanent
/// failure (a 550 rule, or the MX record hidden), and the ISP bounced a message the MX had
/// delivered. RFC 5321 §6.1 allows that duplicate; the bounce must say the first answer never
/// arrived.
#[test]
fn seeds_with_a_lost_250_then_a_permanent_failure_deliver_and_bounce() {
    let mut both = 0;
    for seed in [200_378, 200_541, 203_169] {
        match run_seed_with(seed, 150, true) {
            Ok(s) => both += s.delivered_and_bounced,
            Err(replay) => panic!("{replay}"),
        }
    }
    // 3 when written; if the world's timing changed, the seeds no longer hit the case.
    assert!(
        both >= 1,
        "these seeds no longer lose a 250 before a bounce"
    );
}

/// Seeds that failed the strict "never twice" check while the test was written: each is a
/// relay hop whose link dropped right after the MX answered 250 to the final dot (RFC 1047).
/// The relay must retry (RFC 5321 §6.1), so boss gets a second copy; the test allows exactly
/// that and nothing more. Kept so the allowance stays exercised and bounded.
#[test]
fn seeds_with_a_lost_250_on_the_relay_hop_give_one_allowed_duplicate() {
    let mut duplicates = 0;
    for seed in [61, 105, 169] {
        match run_seed(seed, 150) {
            Ok(s) => duplicates += s.relay_duplicates,
            Err(replay) => panic!("{replay}"),
        }
    }
    // 1 + 1 + 1 when written; if the world's timing changed, find new seeds with
    // `scripts/chaos.sh` (it prints the seeds that had relay duplicates).
    assert!(
        duplicates >= 1,
        "these seeds no longer lose a 250 on the relay hop"
    );
}
