//! A small scripted mail client that speaks over the virtual network like any other client:
//! it opens a connection with [`World::connect`], sends one command, waits for the complete
//! reply (an SMTP reply, a POP3 single- or multi-line reply, an IMAP tagged reply with its
//! untagged responses and literals), then decides the next command. It never reads the store,
//! so every action of the page's mail client shows up in the transcripts.
//!
//! A [`Task`] is polled by its driver (the page's timer, or [`run_task`] in tests) after the
//! world advanced; it returns [`TaskStatus::Done`] with an [`Outcome`] or `Failed`.

use super::{EndpointState, World};
use crate::net::{ConnId, HostId};
use crate::time::{Duration, Instant};
use crate::wire::dot;
use crate::wire::sasl::b64_encode;

/// How the next reply is framed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expect {
    Smtp,
    Pop3Single,
    Pop3Multi,
    /// An IMAP tagged completion (untagged responses before it are collected).
    ImapTagged(String),
    /// IMAP greeting (one untagged `* OK` line).
    ImapGreeting,
    /// An IMAP command continuation request (`+ ...`) or an early tagged failure.
    ImapContinue(String),
}

/// A complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    Smtp {
        code: u16,
        lines: Vec<String>,
    },
    Pop3 {
        ok: bool,
        text: String,
        /// The dot-unstuffed body of a multi-line reply.
        body: Option<Vec<u8>>,
    },
    Imap {
        /// `OK`, `NO`, `BAD`, `PREAUTH`, `BYE`, or `+` for a continuation.
        status: String,
        text: String,
        /// Untagged responses received before the completion, literals inline.
        untagged: Vec<Vec<u8>>,
    },
}

/// A line-oriented client connection with reply framing.
#[derive(Debug)]
pub struct LineClient {
    pub conn: ConnId,
    buf: Vec<u8>,
    expect: Option<Expect>,
    untagged: Vec<Vec<u8>>,
    next_tag: u32,
}

enum Framed {
    Pending,
    Reply(Reply),
    Bad(String),
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(2)
        .position(|w| w == b"\r\n")
        .map(|p| p + from)
}

/// If an IMAP line ends with a literal announcement `{n}` or `{n+}`, its size.
fn literal_size(line: &[u8]) -> Option<usize> {
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    let digits = &line[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

impl LineClient {
    fn new(conn: ConnId, expect: Expect) -> Self {
        LineClient {
            conn,
            buf: Vec::new(),
            expect: Some(expect),
            untagged: Vec::new(),
            next_tag: 0,
        }
    }

    /// A fresh IMAP tag (`a1`, `a2`, ...).
    fn tag(&mut self) -> String {
        self.next_tag += 1;
        format!("a{}", self.next_tag)
    }

    fn send(&mut self, world: &mut World, bytes: &[u8], expect: Option<Expect>) {
        self.expect = expect;
        world.send(self.conn, bytes);
    }

    /// Reads what arrived and frames one reply, if complete.
    fn poll(&mut self, world: &mut World) -> Framed {
        let got = world.take_received(self.conn);
        self.buf.extend_from_slice(&got);
        let Some(expect) = self.expect.clone() else {
            return Framed::Pending;
        };
        let framed = match expect {
            Expect::Smtp => self.frame_smtp(),
            Expect::Pop3Single => self.frame_pop3(false),
            Expect::Pop3Multi => self.frame_pop3(true),
            Expect::ImapGreeting => self.frame_imap(None, false),
            Expect::ImapTagged(t) => self.frame_imap(Some(&t), false),
            Expect::ImapContinue(t) => self.frame_imap(Some(&t), true),
        };
        if matches!(framed, Framed::Reply(_) | Framed::Bad(_)) {
            self.expect = None;
        }
        framed
    }

    fn frame_smtp(&mut self) -> Framed {
        let mut lines = Vec::new();
        let mut at = 0;
        while let Some(end) = find_crlf(&self.buf, at) {
            let line = String::from_utf8_lossy(&self.buf[at..end]).to_string();
            at = end + 2;
            let code = line.get(..3).and_then(|c| c.parse::<u16>().ok());
            let Some(code) = code else {
                self.buf.drain(..at);
                return Framed::Bad(format!("not an SMTP reply: {line}"));
            };
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line.get(4..).unwrap_or("").to_string());
            if last {
                self.buf.drain(..at);
                return Framed::Reply(Reply::Smtp { code, lines });
            }
        }
        Framed::Pending
    }

    fn frame_pop3(&mut self, multi: bool) -> Framed {
        let Some(end) = find_crlf(&self.buf, 0) else {
            return Framed::Pending;
        };
        let first = String::from_utf8_lossy(&self.buf[..end]).to_string();
        let ok = first.starts_with("+OK");
        let text = first
            .split_once(' ')
            .map(|(_, t)| t.to_string())
            .unwrap_or_default();
        if !first.starts_with('+') && !first.starts_with('-') {
            self.buf.drain(..end + 2);
            return Framed::Bad(format!("not a POP3 reply: {first}"));
        }
        if !multi || !ok {
            self.buf.drain(..end + 2);
            return Framed::Reply(Reply::Pop3 {
                ok,
                text,
                body: None,
            });
        }
        // Lines until a lone ".".
        let mut at = end + 2;
        let mut body = Vec::new();
        while let Some(e) = find_crlf(&self.buf, at) {
            let line = &self.buf[at..e];
            if line == b"." {
                self.buf.drain(..e + 2);
                return Framed::Reply(Reply::Pop3 {
                    ok,
                    text,
                    body: Some(body),
                });
            }
            let line = line.strip_prefix(b".").unwrap_or(line);
            body.extend_from_slice(line);
            body.extend_from_slice(b"\r\n");
            at = e + 2;
        }
        Framed::Pending
    }

    fn frame_imap(&mut self, tag: Option<&str>, continuation: bool) -> Framed {
        loop {
            // One whole response: lines joined across literals.
            let mut at = 0;
            let end = loop {
                let Some(e) = find_crlf(&self.buf, at) else {
                    return Framed::Pending;
                };
                match literal_size(&self.buf[at..e]) {
                    Some(n) => {
                        if self.buf.len() < e + 2 + n {
                            return Framed::Pending;
                        }
                        at = e + 2 + n;
                    }
                    None => break e,
                }
            };
            let resp: Vec<u8> = self.buf.drain(..end + 2).take(end).collect();
            let text = String::from_utf8_lossy(&resp).to_string();
            if text.starts_with("* ") {
                match tag {
                    None => {
                        let mut words = text.splitn(3, ' ');
                        words.next();
                        let status = words.next().unwrap_or("").to_ascii_uppercase();
                        let rest = words.next().unwrap_or("").to_string();
                        return Framed::Reply(Reply::Imap {
                            status,
                            text: rest,
                            untagged: Vec::new(),
                        });
                    }
                    Some(_) => {
                        // A BYE is kept with the rest; the close is noticed by the task.
                        self.untagged.push(resp);
                        continue;
                    }
                }
            }
            if text.starts_with('+') {
                if continuation {
                    return Framed::Reply(Reply::Imap {
                        status: "+".into(),
                        text: text.get(2..).unwrap_or("").to_string(),
                        untagged: std::mem::take(&mut self.untagged),
                    });
                }
                continue;
            }
            if let Some(t) = tag {
                if let Some(rest) = text.strip_prefix(t).and_then(|r| r.strip_prefix(' ')) {
                    let (status, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                    return Framed::Reply(Reply::Imap {
                        status: status.to_ascii_uppercase(),
                        text: rest.to_string(),
                        untagged: std::mem::take(&mut self.untagged),
                    });
                }
            }
            return Framed::Bad(format!("unexpected IMAP response: {text}"));
        }
    }
}

// ---------------------------------------------------------------- IMAP response parsing

/// A token of an IMAP response: atoms, strings (quoted or literal), NIL and lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Atom(String),
    Str(Vec<u8>),
    Nil,
    List(Vec<Tok>),
}

impl Tok {
    pub fn text(&self) -> String {
        match self {
            Tok::Atom(a) => a.clone(),
            Tok::Str(s) => String::from_utf8_lossy(s).to_string(),
            Tok::Nil => String::new(),
            Tok::List(_) => String::new(),
        }
    }
}

/// Parses an IMAP response (without the CRLF at its end) into tokens.
pub fn tokenize(bytes: &[u8]) -> Vec<Tok> {
    let mut pos = 0;
    parse_list(bytes, &mut pos, 0)
}

fn parse_list(b: &[u8], pos: &mut usize, depth: usize) -> Vec<Tok> {
    let mut out = Vec::new();
    while *pos < b.len() {
        match b[*pos] {
            b' ' | b'\r' | b'\n' => *pos += 1,
            b')' => {
                *pos += 1;
                if depth > 0 {
                    return out;
                }
            }
            b'(' => {
                *pos += 1;
                if depth < 32 {
                    out.push(Tok::List(parse_list(b, pos, depth + 1)));
                }
            }
            b'"' => {
                *pos += 1;
                let mut s = Vec::new();
                while *pos < b.len() && b[*pos] != b'"' {
                    if b[*pos] == b'\\' && *pos + 1 < b.len() {
                        *pos += 1;
                    }
                    s.push(b[*pos]);
                    *pos += 1;
                }
                *pos += 1;
                out.push(Tok::Str(s));
            }
            b'{' => {
                let close = b[*pos..].iter().position(|&c| c == b'}');
                let n = close.and_then(|c| {
                    let d = &b[*pos + 1..*pos + c];
                    let d = d.strip_suffix(b"+").unwrap_or(d);
                    std::str::from_utf8(d).ok()?.parse::<usize>().ok()
                });
                match (close, n) {
                    (Some(c), Some(n)) => {
                        let start = (*pos + c + 3).min(b.len());
                        let end = (start + n).min(b.len());
                        out.push(Tok::Str(b[start..end].to_vec()));
                        *pos = end;
                    }
                    _ => {
                        *pos += 1;
                    }
                }
            }
            _ => {
                let start = *pos;
                let mut bracket = 0;
                while *pos < b.len() {
                    let c = b[*pos];
                    if c == b'[' {
                        bracket += 1;
                    } else if c == b']' {
                        bracket -= 1;
                    } else if bracket <= 0 && matches!(c, b' ' | b'(' | b')') {
                        break;
                    }
                    *pos += 1;
                }
                let atom = String::from_utf8_lossy(&b[start..*pos]).to_string();
                if atom.eq_ignore_ascii_case("NIL") {
                    out.push(Tok::Nil);
                } else {
                    out.push(Tok::Atom(atom));
                }
            }
        }
    }
    out
}

/// Quotes a string for an IMAP command (RFC 3501 quoted string).
pub fn imap_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------- tasks

/// A message as a client fetched it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// POP3 message number, or IMAP UID.
    pub id: u32,
    /// POP3 UIDL, when the server gave one.
    pub uidl: Option<String>,
    /// IMAP flags (e.g. `\Seen`).
    pub flags: Vec<String>,
    pub raw: Vec<u8>,
}

/// A folder from IMAP LIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderEntry {
    pub name: String,
    pub attributes: Vec<String>,
}

/// What a finished task produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The submission server accepted the message; its reply text (with the queue id).
    Submitted(String),
    /// Messages fetched (POP3 download, or an IMAP folder), with the folder list for IMAP.
    Mailbox {
        folders: Vec<FolderEntry>,
        messages: Vec<Fetched>,
    },
    /// A command that changes the mailbox succeeded.
    Done(String),
}

/// Where a task stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Running,
    Done(Outcome),
    Failed(String),
}

/// A mail to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub login: String,
    pub password: String,
    pub from: String,
    pub to: Vec<String>,
    /// The whole RFC 5322 message (header and body).
    pub raw: Vec<u8>,
}

/// IMAP actions on one message or folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImapAction {
    /// LIST, SELECT `folder`, fetch every message (BODY.PEEK[]).
    Open { folder: String },
    /// Set or clear a flag on a message.
    Flag {
        folder: String,
        uid: u32,
        flag: String,
        on: bool,
    },
    /// Move a message to another folder.
    Move {
        folder: String,
        uid: u32,
        to: String,
    },
    /// Mark deleted and expunge.
    Delete { folder: String, uid: u32 },
    /// Upload a message into a folder (APPEND with a synchronising literal).
    Append { folder: String, raw: Vec<u8> },
}

#[derive(Debug)]
enum Logic {
    Smtp {
        sub: Submission,
        /// AUTH PLAIN after EHLO (submission); not on port 25.
        auth: bool,
        step: u32,
        rcpt: usize,
        accepted: usize,
    },
    Pop3 {
        user: String,
        password: String,
        keep: bool,
        step: u32,
        count: u32,
        next: u32,
        uidls: Vec<(u32, String)>,
        got: Vec<Fetched>,
    },
    Imap {
        open: bool,
        /// Commands still to send, last first: (line, optional literal).
        script: Vec<(String, Option<Vec<u8>>)>,
        /// The tag and literal of the command waiting for a continuation.
        literal: Option<(String, Vec<u8>)>,
        folders: Vec<FolderEntry>,
        messages: Vec<Fetched>,
        last_text: String,
    },
}

enum Next {
    Continue,
    /// The reply to QUIT/LOGOUT came.
    Finish(Outcome),
}

/// One client session on the virtual network, from connect to QUIT/LOGOUT.
#[derive(Debug)]
pub struct Task {
    pub client: LineClient,
    logic: Logic,
    pub status: TaskStatus,
    /// The outcome, known once the last data command succeeded (before QUIT's reply).
    result: Option<Outcome>,
    /// Give up when no reply comes for this long (virtual).
    deadline: Instant,
}

const TASK_TIMEOUT: Duration = Duration::from_secs(120);

fn open(
    world: &mut World,
    from: HostId,
    host: &str,
    port: u16,
    expect: Expect,
) -> Result<LineClient, String> {
    world
        .connect(from, host, port)
        .map(|c| LineClient::new(c, expect))
        .map_err(|e| format!("{host}:{port}: {e}"))
}

impl Task {
    /// Submits a message on port 587 with AUTH PLAIN (EHLO, AUTH, MAIL, RCPT, DATA, QUIT).
    pub fn submit(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        let client = open(world, from, host, 587, Expect::Smtp)?;
        Ok(Task::new(
            world,
            client,
            Logic::Smtp {
                sub,
                auth: true,
                step: 0,
                rcpt: 0,
                accepted: 0,
            },
        ))
    }

    /// Hands a message to a host's SMTP server on port 25, as another MTA would (no AUTH; the
    /// server takes mail for its own domains only). `sub.login`/`password` are not used.
    pub fn smtp_deliver(
        world: &mut World,
        from: HostId,
        host: &str,
        sub: Submission,
    ) -> Result<Task, String> {
        let client = open(world, from, host, 25, Expect::Smtp)?;
        Ok(Task::new(
            world,
            client,
            Logic::Smtp {
                sub,
                auth: false,
                step: 0,
                rcpt: 0,
                accepted: 0,
            },
        ))
    }

    /// Downloads every message with POP3 (USER/PASS, STAT, UIDL, RETR); DELE each unless
    /// `keep` ("leave a copy on the server"); QUIT (which commits the deletions).
    pub fn pop3_fetch(
        world: &mut World,
        from: HostId,
        host: &str,
        user: &str,
        password: &str,
        keep: bool,
    ) -> Result<Task, String> {
        let client = open(world, from, host, 110, Expect::Pop3Single)?;
        Ok(Task::new(
            world,
            client,
            Logic::Pop3 {
                user: user.into(),
                password: password.into(),
                keep,
                step: 0,
                count: 0,
                next: 0,
                uidls: Vec::new(),
                got: Vec::new(),
            },
        ))
    }

    /// One IMAP session: LOGIN, the action, LOGOUT.
    pub fn imap(
        world: &mut World,
        from: HostId,
        host: &str,
        user: &str,
        password: &str,
        action: ImapAction,
    ) -> Result<Task, String> {
        let client = open(world, from, host, 143, Expect::ImapGreeting)?;
        let mut script = vec![(
            format!("LOGIN {} {}", imap_quote(user), imap_quote(password)),
            None,
        )];
        let sel = |f: &str| format!("SELECT {}", imap_quote(f));
        let mut is_open = false;
        match action {
            ImapAction::Open { folder } => {
                is_open = true;
                script.push(("LIST \"\" \"*\"".into(), None));
                script.push((sel(&folder), None));
                script.push(("UID FETCH 1:* (UID FLAGS BODY.PEEK[])".into(), None));
            }
            ImapAction::Flag {
                folder,
                uid,
                flag,
                on,
            } => {
                script.push((sel(&folder), None));
                let sign = if on { '+' } else { '-' };
                script.push((format!("UID STORE {uid} {sign}FLAGS ({flag})"), None));
            }
            ImapAction::Move { folder, uid, to } => {
                script.push((sel(&folder), None));
                script.push((format!("UID MOVE {uid} {}", imap_quote(&to)), None));
            }
            ImapAction::Delete { folder, uid } => {
                script.push((sel(&folder), None));
                script.push((format!("UID STORE {uid} +FLAGS (\\Deleted)"), None));
                script.push(("EXPUNGE".into(), None));
            }
            ImapAction::Append { folder, raw } => {
                script.push((
                    format!("APPEND {} {{{}}}", imap_quote(&folder), raw.len()),
                    Some(raw),
                ));
            }
        }
        script.push(("LOGOUT".into(), None));
        script.reverse();
        Ok(Task::new(
            world,
            client,
            Logic::Imap {
                open: is_open,
                script,
                literal: None,
                folders: Vec::new(),
                messages: Vec::new(),
                last_text: String::new(),
            },
        ))
    }

    fn new(world: &World, client: LineClient, logic: Logic) -> Task {
        Task {
            client,
            logic,
            status: TaskStatus::Running,
            result: None,
            deadline: world.now() + TASK_TIMEOUT,
        }
    }

    pub fn conn(&self) -> ConnId {
        self.client.conn
    }

    pub fn is_running(&self) -> bool {
        self.status == TaskStatus::Running
    }

    /// Reads replies and sends the next commands; call after the world advanced.
    pub fn poll(&mut self, world: &mut World) -> &TaskStatus {
        for _ in 0..100_000 {
            if self.status != TaskStatus::Running {
                break;
            }
            match self.client.poll(world) {
                Framed::Pending => {
                    let open = world
                        .endpoint(self.client.conn)
                        .is_some_and(|e| e.state == EndpointState::Open);
                    if !open {
                        self.status = match self.result.take() {
                            Some(o) => TaskStatus::Done(o),
                            None => TaskStatus::Failed("the server closed the connection".into()),
                        };
                        world.forget(self.client.conn);
                    } else if world.now() > self.deadline {
                        self.fail(world, "no reply (timed out)".into());
                    }
                    break;
                }
                Framed::Bad(e) => self.fail(world, e),
                Framed::Reply(r) => {
                    self.deadline = world.now() + TASK_TIMEOUT;
                    let step = match self.logic {
                        Logic::Smtp { .. } => self.smtp_step(world, r),
                        Logic::Pop3 { .. } => self.pop3_step(world, r),
                        Logic::Imap { .. } => self.imap_step(world, r),
                    };
                    match step {
                        Ok(Next::Continue) => {}
                        Ok(Next::Finish(o)) => {
                            // The reply to QUIT/LOGOUT came: done.
                            let o = self.result.take().unwrap_or(o);
                            self.status = TaskStatus::Done(o);
                            world.close(self.client.conn);
                            world.forget(self.client.conn);
                        }
                        Err(e) => self.fail(world, e),
                    }
                }
            }
        }
        &self.status
    }

    fn fail(&mut self, world: &mut World, why: String) {
        self.status = TaskStatus::Failed(why);
        world.close(self.client.conn);
        world.forget(self.client.conn);
    }

    fn smtp_step(&mut self, world: &mut World, r: Reply) -> Result<Next, String> {
        let Reply::Smtp { code, lines } = r else {
            return Err("unexpected reply".into());
        };
        let text = format!("{code} {}", lines.last().cloned().unwrap_or_default());
        let Logic::Smtp {
            sub,
            auth,
            step,
            rcpt,
            accepted,
        } = &mut self.logic
        else {
            return Err("wrong logic".into());
        };
        let c = &mut self.client;
        let class_ok = |want: u16| {
            if code / 100 == want / 100 {
                Ok(())
            } else {
                Err(text.clone())
            }
        };
        let smtp = Some(Expect::Smtp);
        match *step {
            0 => {
                class_ok(220)?;
                *step = 1;
                c.send(world, b"EHLO client.example\r\n", smtp);
            }
            1 if !*auth => {
                class_ok(250)?;
                *step = 3;
                let line = format!("MAIL FROM:<{}>\r\n", sub.from);
                c.send(world, line.as_bytes(), smtp);
            }
            1 => {
                class_ok(250)?;
                *step = 2;
                let plain = format!("\0{}\0{}", sub.login, sub.password);
                let line = format!("AUTH PLAIN {}\r\n", b64_encode(plain.as_bytes()));
                c.send(world, line.as_bytes(), smtp);
            }
            2 => {
                class_ok(235)?;
                *step = 3;
                let line = format!("MAIL FROM:<{}>\r\n", sub.from);
                c.send(world, line.as_bytes(), smtp);
            }
            3 => {
                if *rcpt == 0 {
                    class_ok(250)?;
                } else if code / 100 == 2 {
                    *accepted += 1;
                }
                if *rcpt < sub.to.len() {
                    let line = format!("RCPT TO:<{}>\r\n", sub.to[*rcpt]);
                    *rcpt += 1;
                    c.send(world, line.as_bytes(), smtp);
                } else if *accepted == 0 {
                    return Err(format!("no recipient accepted: {text}"));
                } else {
                    *step = 4;
                    c.send(world, b"DATA\r\n", smtp);
                }
            }
            4 => {
                class_ok(354)?;
                *step = 5;
                let body = dot::stuff(&sub.raw);
                c.send(world, &body, smtp);
            }
            5 => {
                class_ok(250)?;
                *step = 6;
                self.result = Some(Outcome::Submitted(text));
                c.send(world, b"QUIT\r\n", smtp);
            }
            _ => return Ok(Next::Finish(Outcome::Submitted(text))),
        }
        Ok(Next::Continue)
    }

    fn pop3_step(&mut self, world: &mut World, r: Reply) -> Result<Next, String> {
        let Reply::Pop3 { ok, text, body } = r else {
            return Err("unexpected reply".into());
        };
        let Logic::Pop3 {
            user,
            password,
            keep,
            step,
            count,
            next,
            uidls,
            got,
        } = &mut self.logic
        else {
            return Err("wrong logic".into());
        };
        let c = &mut self.client;
        let err = |what: &str| Err(format!("{what}: -ERR {text}"));
        let single = Some(Expect::Pop3Single);
        let multi = Some(Expect::Pop3Multi);
        let retr = |c: &mut LineClient, world: &mut World, n: u32| {
            c.send(world, format!("RETR {n}\r\n").as_bytes(), multi.clone());
        };
        match *step {
            0 => {
                if !ok {
                    return err("greeting");
                }
                *step = 1;
                c.send(world, format!("USER {user}\r\n").as_bytes(), single);
            }
            1 => {
                if !ok {
                    return err("USER");
                }
                *step = 2;
                c.send(world, format!("PASS {password}\r\n").as_bytes(), single);
            }
            2 => {
                if !ok {
                    return err("login failed");
                }
                *step = 3;
                c.send(world, b"STAT\r\n", single);
            }
            3 => {
                if !ok {
                    return err("STAT");
                }
                *count = text
                    .split(' ')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                if *count == 0 {
                    *step = 9;
                    c.send(world, b"QUIT\r\n", single);
                } else {
                    *step = 4;
                    c.send(world, b"UIDL\r\n", multi);
                }
            }
            4 => {
                if let Some(b) = body {
                    for line in String::from_utf8_lossy(&b).lines() {
                        let mut w = line.split(' ');
                        if let (Some(Ok(n)), Some(u)) = (w.next().map(str::parse), w.next()) {
                            uidls.push((n, u.to_string()));
                        }
                    }
                }
                *step = 5;
                *next = 1;
                retr(c, world, 1);
            }
            5 | 6 => {
                if *step == 5 {
                    let Some(raw) = body.filter(|_| ok) else {
                        return err("RETR");
                    };
                    let n = *next;
                    got.push(Fetched {
                        id: n,
                        uidl: uidls.iter().find(|(i, _)| *i == n).map(|(_, u)| u.clone()),
                        flags: Vec::new(),
                        raw,
                    });
                    if !*keep {
                        *step = 6;
                        c.send(world, format!("DELE {n}\r\n").as_bytes(), single);
                        return Ok(Next::Continue);
                    }
                } else if !ok {
                    return err("DELE");
                }
                *next += 1;
                if *next <= *count {
                    *step = 5;
                    retr(c, world, *next);
                } else {
                    *step = 9;
                    c.send(world, b"QUIT\r\n", single);
                }
            }
            _ => {
                if !ok {
                    return err("QUIT");
                }
                return Ok(Next::Finish(Outcome::Mailbox {
                    folders: Vec::new(),
                    messages: std::mem::take(got),
                }));
            }
        }
        Ok(Next::Continue)
    }

    fn imap_step(&mut self, world: &mut World, r: Reply) -> Result<Next, String> {
        let Reply::Imap {
            status,
            text,
            untagged,
        } = r
        else {
            return Err("unexpected reply".into());
        };
        let Logic::Imap {
            open,
            script,
            literal,
            folders,
            messages,
            last_text,
        } = &mut self.logic
        else {
            return Err("wrong logic".into());
        };
        let c = &mut self.client;
        if status == "+" {
            let Some((tag, lit)) = literal.take() else {
                return Err("unexpected continuation".into());
            };
            let mut bytes = lit;
            bytes.extend_from_slice(b"\r\n");
            c.send(world, &bytes, Some(Expect::ImapTagged(tag)));
            return Ok(Next::Continue);
        }
        if !matches!(status.as_str(), "OK" | "PREAUTH") {
            return Err(format!("{status} {text}"));
        }
        for resp in &untagged {
            let toks = tokenize(resp);
            match toks.get(1) {
                Some(Tok::Atom(a)) if a.eq_ignore_ascii_case("LIST") => {
                    let attributes = match toks.get(2) {
                        Some(Tok::List(l)) => l.iter().map(Tok::text).collect(),
                        _ => Vec::new(),
                    };
                    if let Some(name) = toks.get(4) {
                        folders.push(FolderEntry {
                            name: name.text(),
                            attributes,
                        });
                    }
                }
                _ => {
                    let is_fetch = matches!(toks.get(2), Some(Tok::Atom(a)) if a.eq_ignore_ascii_case("FETCH"));
                    if let (true, Some(Tok::List(items))) = (is_fetch, toks.get(3)) {
                        let mut f = Fetched {
                            id: 0,
                            uidl: None,
                            flags: Vec::new(),
                            raw: Vec::new(),
                        };
                        for pair in items.chunks(2) {
                            let [Tok::Atom(k), v] = pair else { continue };
                            match k.to_ascii_uppercase().as_str() {
                                "UID" => f.id = v.text().parse().unwrap_or(0),
                                "FLAGS" => {
                                    if let Tok::List(l) = v {
                                        f.flags = l.iter().map(Tok::text).collect();
                                    }
                                }
                                k if k.starts_with("BODY[") => {
                                    if let Tok::Str(s) = v {
                                        f.raw = s.clone();
                                    }
                                }
                                _ => {}
                            }
                        }
                        if *open && f.id != 0 {
                            messages.push(f);
                        }
                    }
                }
            }
        }
        *last_text = text;
        let Some((line, lit)) = script.pop() else {
            let outcome = if *open {
                Outcome::Mailbox {
                    folders: std::mem::take(folders),
                    messages: std::mem::take(messages),
                }
            } else {
                Outcome::Done(last_text.clone())
            };
            return Ok(Next::Finish(outcome));
        };
        let tag = c.tag();
        let bytes = format!("{tag} {line}\r\n");
        match lit {
            Some(l) => {
                *literal = Some((tag.clone(), l));
                c.send(world, bytes.as_bytes(), Some(Expect::ImapContinue(tag)));
            }
            None => c.send(world, bytes.as_bytes(), Some(Expect::ImapTagged(tag))),
        }
        Ok(Next::Continue)
    }
}

/// Drives a task to its end, advancing the world in steps (for tests and the TCP bridge).
pub fn run_task(world: &mut World, task: &mut Task) -> TaskStatus {
    for _ in 0..100_000 {
        if !task.is_running() {
            break;
        }
        task.poll(world);
        if task.is_running() {
            let t = world.now() + Duration::from_millis(10);
            world.run_until(t);
        }
    }
    task.status.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_world;

    fn note(subject: &str) -> Vec<u8> {
        format!(
            "From: Jane Smith <smith@isp.example>\r\nTo: boss@corp.example\r\nSubject: {subject}\r\n\r\nHello.\r\n.leading dot\r\n"
        )
        .into_bytes()
    }

    fn settle(w: &mut World, secs: u64) {
        let t = w.now() + Duration::from_secs(secs);
        w.run_until(t);
    }

    #[test]
    fn imap_tokens_with_literals_and_brackets() {
        let toks = tokenize(b"* 2 FETCH (UID 7 FLAGS (\\Seen) BODY[] {5}\r\nab)cd)");
        assert_eq!(toks[2], Tok::Atom("FETCH".into()));
        let Tok::List(items) = &toks[3] else { panic!() };
        assert_eq!(items[1], Tok::Atom("7".into()));
        assert_eq!(items[3], Tok::List(vec![Tok::Atom("\\Seen".into())]));
        assert_eq!(items[4], Tok::Atom("BODY[]".into()));
        assert_eq!(items[5], Tok::Str(b"ab)cd".to_vec()));
        let toks = tokenize(b"* LIST (\\HasNoChildren) \"/\" \"Sent \\\"x\\\"\"");
        assert_eq!(toks[4].text(), "Sent \"x\"");
        assert_eq!(literal_size(b"a1 APPEND x {12}"), Some(12));
        assert_eq!(literal_size(b"* 1 FETCH (BODY[] {3+}"), Some(3));
        assert_eq!(literal_size(b"{x}"), None);
    }

    #[test]
    fn submit_then_relay_then_pop3_download_with_delete() {
        let (mut w, d) = default_world(1);
        let sub = Submission {
            login: "smith".into(),
            password: "smith".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Status update"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        let st = run_task(&mut w, &mut t);
        let TaskStatus::Done(Outcome::Submitted(text)) = st else {
            panic!("{st:?}")
        };
        assert!(text.starts_with("250"), "{text}");
        settle(&mut w, 5);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(tr.contains("C: AUTH PLAIN ********"), "{tr}");

        // Keep a copy first: nothing is deleted.
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            true,
        )
        .unwrap();
        let TaskStatus::Done(Outcome::Mailbox { messages, .. }) = run_task(&mut w, &mut t) else {
            panic!()
        };
        assert_eq!(messages.len(), 4);
        assert!(messages.iter().all(|m| m.uidl.is_some()));
        let last = crate::message::parse(&messages[3].raw);
        assert_eq!(last.subject.as_deref(), Some("Status update"));
        assert!(String::from_utf8_lossy(&messages[3].raw).contains("\r\n.leading dot\r\n"));
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );

        // Then download and delete.
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            false,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.len() == 4)
        );
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            0
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(tr.contains("C: DELE 4") && tr.contains("C: QUIT"), "{tr}");
    }

    #[test]
    fn failures_are_reported_not_panics() {
        let (mut w, d) = default_world(1);
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "nope",
            true,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Failed(ref e) if e.contains("login failed")),
            "{st:?}"
        );
        let sub = Submission {
            login: "smith".into(),
            password: "wrong".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("x"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        assert!(
            matches!(run_task(&mut w, &mut t), TaskStatus::Failed(ref e) if e.starts_with("535"))
        );
        w.set_host_up(d.corp, false);
        assert!(Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "boss",
            true
        )
        .is_err());
    }

    #[test]
    fn imap_open_flag_move_append_delete() {
        let (mut w, d) = default_world(1);
        assert!(w.net.is_listening(d.corp, 143));
        let pc = d.recipient_pc;
        let host = "mx.corp.example";
        let open = |w: &mut World, folder: &str| {
            let mut t = Task::imap(
                w,
                pc,
                host,
                "boss",
                "boss",
                ImapAction::Open {
                    folder: folder.into(),
                },
            )
            .unwrap();
            match run_task(w, &mut t) {
                TaskStatus::Done(Outcome::Mailbox { folders, messages }) => (folders, messages),
                other => panic!("{other:?}"),
            }
        };
        let (folders, msgs) = open(&mut w, "INBOX");
        assert!(folders.iter().any(|f| f.name == "INBOX"), "{folders:?}");
        assert_eq!(msgs.len(), 3);
        assert!(msgs[0].flags.iter().any(|f| f == "\\Seen"));
        let uid = msgs[1].id;
        let run = |w: &mut World, a: ImapAction| {
            let mut t = Task::imap(w, pc, host, "boss", "boss", a).unwrap();
            let st = run_task(w, &mut t);
            assert!(matches!(st, TaskStatus::Done(_)), "{st:?}");
        };
        run(
            &mut w,
            ImapAction::Flag {
                folder: "INBOX".into(),
                uid,
                flag: "\\Flagged".into(),
                on: true,
            },
        );
        let (_, msgs) = open(&mut w, "INBOX");
        assert!(msgs[1].flags.iter().any(|f| f == "\\Flagged"));
        let archive = folders
            .iter()
            .find(|f| f.name != "INBOX")
            .map(|f| f.name.clone())
            .unwrap_or("INBOX".into());
        run(
            &mut w,
            ImapAction::Move {
                folder: "INBOX".into(),
                uid,
                to: archive.clone(),
            },
        );
        assert_eq!(open(&mut w, "INBOX").1.len(), 2);
        run(
            &mut w,
            ImapAction::Append {
                folder: "INBOX".into(),
                raw: note("Imported"),
            },
        );
        let (_, msgs) = open(&mut w, "INBOX");
        assert_eq!(msgs.len(), 3);
        let uid = msgs[2].id;
        run(
            &mut w,
            ImapAction::Delete {
                folder: "INBOX".into(),
                uid,
            },
        );
        assert_eq!(open(&mut w, "INBOX").1.len(), 2);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            2
        );
    }

    #[test]
    fn an_empty_maildrop_and_a_bad_imap_login() {
        let (mut w, d) = default_world(1);
        let mut t = Task::pop3_fetch(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "alice@corp.example",
            "alice",
            false,
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Mailbox { ref messages, .. }) if messages.is_empty()),
            "{st:?}"
        );
        let tr = w.transcript_text(t.conn(), true);
        assert!(
            tr.contains("C: STAT") && tr.contains("C: QUIT") && !tr.contains("RETR"),
            "{tr}"
        );
        let mut t = Task::imap(
            &mut w,
            d.recipient_pc,
            "mx.corp.example",
            "boss",
            "wrong",
            ImapAction::Open {
                folder: "INBOX".into(),
            },
        )
        .unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Failed(ref e) if e.starts_with("NO")),
            "{st:?}"
        );
        assert!(w
            .transcript_text(t.conn(), true)
            .contains("a1 LOGIN \"boss\" ********"));
    }

    #[test]
    fn a_message_to_a_cut_off_domain_waits_in_the_queue() {
        let (mut w, d) = default_world(1);
        let now = w.now();
        w.net.set_link_cut(now, d.isp, d.corp, true);
        let sub = Submission {
            login: "smith@isp.example".into(),
            password: "smith".into(),
            from: "smith@isp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Held"),
        };
        let mut t = Task::submit(&mut w, d.sender_pc, "smtp.isp.example", sub).unwrap();
        assert!(matches!(run_task(&mut w, &mut t), TaskStatus::Done(_)));
        settle(&mut w, 5);
        let e = w.queue.entries().next().expect("queued");
        assert!(e.last_error.is_some());
        let now = w.now();
        w.net.set_link_cut(now, d.isp, d.corp, false);
        settle(&mut w, 3600);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
    }

    #[test]
    fn an_eml_handed_to_port_25_lands_in_the_mailbox() {
        let (mut w, d) = default_world(1);
        let sub = Submission {
            login: String::new(),
            password: String::new(),
            from: "alice@corp.example".into(),
            to: vec!["boss@corp.example".into()],
            raw: note("Imported over SMTP"),
        };
        let mut t = Task::smtp_deliver(&mut w, d.recipient_pc, "mx.corp.example", sub).unwrap();
        let st = run_task(&mut w, &mut t);
        assert!(
            matches!(st, TaskStatus::Done(Outcome::Submitted(ref r)) if r.starts_with("250")),
            "{st:?}"
        );
        settle(&mut w, 5);
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            4
        );
        assert!(!w.transcript_text(t.conn(), true).contains("C: AUTH"));
    }
}
