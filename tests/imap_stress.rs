//! IMAP under multi-user load (issue 16): three users, three sessions each, interleaving
//! SELECT, FETCH, STORE, EXPUNGE, APPEND (MULTIAPPEND too), COPY, MOVE, SEARCH and IDLE (with CONDSTORE, ESEARCH
//! and SEARCHRES forms; SORT RETURN, DISPLAYFROM, THREAD REFS, PREVIEW, UPDATE contexts; a
//! third of the sessions with QRESYNC on) on shared mailboxes while
//! mail is delivered, with commands fed in random slices so that one session's command is
//! half-sent while others change the mailbox. Every response is checked as a client would:
//! well-formed lines and literals, OK for every command, sequence numbers within EXISTS,
//! EXPUNGE never during FETCH/STORE/SEARCH (RFC 3501 §7.4.1), and no keyword in a FETCH that
//! an untagged FLAGS has not announced (RFC 3501 §7.2.6). With QRESYNC: VANISHED instead of
//! EXPUNGE (never during FETCH/STORE/SEARCH, never more UIDs than EXISTS), VANISHED (EARLIER)
//! only for SELECT and UID FETCH, the UID in every FETCH not asked for by FETCH (RFC 7162
//! §3.2.4, §3.2.10). A third with IMAP4rev2 on: no RECENT, no `\Recent` (RFC 9051 Appendix
//! E). Deterministic: fixed seeds.
//!
//! `cargo test --test imap_stress` (a few seconds); `IMAP_STRESS_STEPS=n` runs longer.

use mail_sandbox::net::Rng;
use mail_sandbox::proto::imap::ImapSession;
use mail_sandbox::proto::HostCtx;
use mail_sandbox::session::{Output, Session};
use mail_sandbox::store::{Flag, Flags, Store};
use mail_sandbox::time::{Instant, WallClock};

const HOST: &str = "mx.corp.example";
const USERS: [&str; 3] = [
    "boss@corp.example",
    "alice@corp.example",
    "carol@corp.example",
];
const FOLDERS: [&str; 2] = ["INBOX", "Work"];

fn ctx(store: &mut Store) -> HostCtx<'_> {
    HostCtx {
        host: HOST,
        store,
        clock: WallClock::default(),
    }
}

/// What a client knows of its session, from the responses alone.
struct Client {
    s: ImapSession,
    /// Bytes of the current command not yet sent.
    pending: Vec<u8>,
    /// The tag and text of the command in flight.
    in_flight: Option<(String, String)>,
    /// IDLE was started: DONE is sent after a few steps.
    idling: u32,
    inbuf: Vec<u8>,
    exists: u32,
    /// Keywords announced by FLAGS since SELECT.
    keywords: Vec<String>,
    folder: Option<&'static str>,
    next_tag: u32,
    /// ENABLE QRESYNC was sent at login.
    qresync: bool,
    /// NOTIFY SET is on: changes may come between commands (RFC 5465).
    notify: bool,
    /// ENABLE IMAP4rev2 was sent at login: no RECENT, no `\Recent` (RFC 9051 Appendix E).
    rev2: bool,
    /// The selected mailbox's UIDVALIDITY, for SELECT (QRESYNC ...).
    uidvalidity: u32,
}

struct Checker {
    errors: Vec<String>,
    responses: usize,
    /// Responses of the extensions seen, so the test knows they ran: ESEARCH, MODSEQ.
    esearch: usize,
    modseq: usize,
    vanished: usize,
    /// Untagged responses pushed between commands (NOTIFY, RFC 5465).
    pushed: usize,
    /// CATENATE APPENDs that put a message together (RFC 4469).
    catenated: usize,
    /// Context updates (ADDTO/REMOVEFROM, RFC 5267 §4.3) and THREAD REFS answers seen.
    context_updates: usize,
    threads: usize,
}

impl Checker {
    fn fail(&mut self, who: usize, cmd: &str, line: &str, why: &str) {
        if self.errors.len() < 50 {
            self.errors.push(format!(
                "session {who}: {why}\n  command: {cmd}\n  line: {line}"
            ));
        }
    }
}

/// How many numbers a UID set like `1,3:5` names.
fn set_size(set: &str) -> u32 {
    set.split(',')
        .map(|r| match r.split_once(':') {
            Some((a, b)) => {
                let (a, b) = (a.parse::<u32>().unwrap_or(0), b.parse::<u32>().unwrap_or(0));
                a.max(b) - a.min(b) + 1
            }
            None => 1,
        })
        .sum()
}

/// Splits `buf` into complete responses: a line, with any literals inside it (`{n}\r\n`).
fn next_response(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut pos = 0;
    loop {
        let eol = buf[pos..].windows(2).position(|w| w == b"\r\n")? + pos;
        let line = &buf[pos..eol];
        if let Some(n) = literal_size(line) {
            let after = eol + 2 + n;
            if buf.len() < after {
                return None;
            }
            pos = after;
            continue;
        }
        let resp = buf[..eol].to_vec();
        buf.drain(..eol + 2);
        return Some(resp);
    }
}

fn literal_size(line: &[u8]) -> Option<usize> {
    let l = line.strip_suffix(b"}")?;
    let open = l.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&l[open + 1..]).ok()?.parse().ok()
}

/// The keywords of the first `FLAGS (...)` in a FETCH response.
fn fetch_keywords(resp: &str) -> Vec<String> {
    let Some(i) = resp.find("FLAGS (") else {
        return Vec::new();
    };
    let rest = &resp[i + 7..];
    let end = rest.find(')').unwrap_or(rest.len());
    rest[..end]
        .split(' ')
        .filter(|f| !f.is_empty() && !f.starts_with('\\'))
        .map(str::to_string)
        .collect()
}

impl Client {
    fn check(&mut self, who: usize, c: &mut Checker) {
        while let Some(o) = self.s.poll_output() {
            match o {
                Output::Transmit(b) => self.inbuf.extend(b),
                Output::Event(_) => {}
                Output::Close => c.fail(who, "", "", "the server closed the connection"),
            }
        }
        while let Some(resp) = next_response(&mut self.inbuf) {
            c.responses += 1;
            let line = String::from_utf8_lossy(&resp).into_owned();
            c.esearch += usize::from(line.starts_with("* ESEARCH"));
            c.context_updates +=
                usize::from(line.contains(" ADDTO (") || line.contains(" REMOVEFROM ("));
            c.threads += usize::from(line.starts_with("* THREAD"));
            c.modseq += usize::from(line.contains(" MODSEQ ("));
            c.pushed += usize::from(self.in_flight.is_none() && line.starts_with("* "));
            let (tag, cmd) = self.in_flight.clone().unwrap_or_default();
            let cmd_name = cmd.split(' ').nth(1).unwrap_or("").to_ascii_uppercase();
            let quiet = matches!(cmd_name.as_str(), "FETCH" | "STORE" | "SEARCH");
            if let Some(rest) = line.strip_prefix("* ") {
                let mut words = rest.splitn(3, ' ');
                let first = words.next().unwrap_or("");
                let second = words.next().unwrap_or("");
                if let Ok(n) = first.parse::<u32>() {
                    match second {
                        "EXISTS" => self.exists = n,
                        "RECENT" => {
                            if self.rev2 {
                                c.fail(who, &cmd, &line, "RECENT for an IMAP4rev2 session");
                            }
                        }
                        "EXPUNGE" => {
                            if self.qresync {
                                c.fail(who, &cmd, &line, "EXPUNGE with QRESYNC on");
                            }
                            if quiet {
                                c.fail(who, &cmd, &line, "EXPUNGE during FETCH/STORE/SEARCH");
                            }
                            if n == 0 || n > self.exists {
                                c.fail(who, &cmd, &line, "EXPUNGE beyond EXISTS");
                            }
                            self.exists = self.exists.saturating_sub(1);
                        }
                        "FETCH" => {
                            if n == 0 || n > self.exists {
                                c.fail(who, &cmd, &line, "FETCH beyond EXISTS");
                            }
                            if self.rev2 && line.contains("\\Recent") {
                                c.fail(who, &cmd, &line, "\\Recent for an IMAP4rev2 session");
                            }
                            if self.qresync && cmd_name != "FETCH" && !line.contains("(UID ") {
                                c.fail(who, &cmd, &line, "FETCH without UID with QRESYNC on");
                            }
                            for k in fetch_keywords(&line) {
                                if !self.keywords.iter().any(|a| a.eq_ignore_ascii_case(&k)) {
                                    c.fail(who, &cmd, &line, "keyword not announced by FLAGS");
                                }
                            }
                        }
                        _ => c.fail(who, &cmd, &line, "unknown numbered response"),
                    }
                } else if first == "VANISHED" {
                    c.vanished += 1;
                    if !self.qresync {
                        c.fail(who, &cmd, &line, "VANISHED without QRESYNC");
                    }
                    if let Some(set) = rest.strip_prefix("VANISHED (EARLIER) ") {
                        let by_select = cmd.contains(" SELECT ") || cmd.contains(" EXAMINE ");
                        if !(by_select || cmd.contains(" UID FETCH ")) || set_size(set) == 0 {
                            c.fail(who, &cmd, &line, "VANISHED (EARLIER) out of place");
                        }
                    } else {
                        if quiet {
                            c.fail(who, &cmd, &line, "VANISHED during FETCH/STORE/SEARCH");
                        }
                        let n = set_size(second);
                        if n == 0 || n > self.exists {
                            c.fail(who, &cmd, &line, "VANISHED beyond EXISTS");
                        }
                        self.exists = self.exists.saturating_sub(n);
                    }
                } else if first == "OK" && second.starts_with("[UIDVALIDITY") {
                    let n = rest.split(' ').nth(2).unwrap_or("").trim_end_matches(']');
                    self.uidvalidity = n.parse().unwrap_or(0);
                } else if first == "FLAGS" {
                    self.keywords = fetch_keywords(&line);
                } else if first == "SEARCH" {
                    if !cmd_name.eq("UID") {
                        for n in rest.split(' ').skip(1) {
                            match n.parse::<u32>() {
                                Ok(n) if n >= 1 && n <= self.exists => {}
                                _ => c.fail(who, &cmd, &line, "SEARCH result beyond EXISTS"),
                            }
                        }
                    }
                } else if !matches!(
                    first,
                    "OK" | "LIST" | "STATUS" | "CAPABILITY" | "ESEARCH" | "SORT" | "THREAD"
                ) && !rest.starts_with("NO [NOUPDATE ")
                {
                    c.fail(who, &cmd, &line, "unexpected untagged response");
                }
            } else if line.starts_with("+ ") {
                if !cmd_name.eq("IDLE") {
                    c.fail(
                        who,
                        &cmd,
                        &line,
                        "continuation outside IDLE (LITERAL+ is used)",
                    );
                }
            } else if line.starts_with(&format!("{tag} ")) && !tag.is_empty() {
                let status = line[tag.len() + 1..].split(' ').next().unwrap_or("");
                // A CATENATE URL may name a message another session expunged (RFC 4469 §5).
                let gone = cmd.contains(" CATENATE ") && line.contains(" NO [BADURL ");
                c.catenated += usize::from(cmd.contains(" CATENATE ") && status == "OK");
                if status != "OK" && !gone {
                    c.fail(who, &cmd, &line, "command failed");
                }
                self.in_flight = None;
            } else {
                c.fail(who, &cmd, &line, "malformed or mistagged line");
            }
        }
    }

    fn seq(&self, rng: &mut Rng) -> u32 {
        1 + rng.below(self.exists.max(1) as u64) as u32
    }

    fn set(&self, rng: &mut Rng) -> String {
        match rng.below(4) {
            0 => "1:*".to_string(),
            1 => {
                let a = self.seq(rng);
                let b = self.seq(rng);
                format!("{}:{}", a.min(b), a.max(b))
            }
            _ => self.seq(rng).to_string(),
        }
    }

    /// The next command for this client's state.
    fn command(&mut self, rng: &mut Rng) -> String {
        self.next_tag += 1;
        let tag = format!("t{}", self.next_tag);
        let other = FOLDERS[rng.below(2) as usize];
        let Some(folder) = self.folder else {
            return format!("{tag} SELECT {other}");
        };
        let pick_flags = |rng: &mut Rng| -> String {
            let pool = ["\\Seen", "\\Flagged", "\\Deleted", "\\Answered"];
            let mut f: Vec<String> = Vec::new();
            for _ in 0..1 + rng.below(2) {
                if rng.below(2) == 0 {
                    f.push(pool[rng.below(4) as usize].to_string());
                } else {
                    f.push(format!("$L{}", rng.below(40)));
                }
            }
            f.join(" ")
        };
        if self.exists == 0 {
            return match rng.below(3) {
                0 => format!("{tag} NOOP"),
                _ => append(&tag, folder, &pick_flags(rng), rng),
            };
        }
        let store = |rng: &mut Rng, set: String, uid: bool| {
            let mode = ["+", "-", ""][rng.below(3) as usize];
            let silent = if rng.below(4) == 0 { ".SILENT" } else { "" };
            let u = if uid { "UID " } else { "" };
            format!(
                "{tag} {u}STORE {set} {mode}FLAGS{silent} ({})",
                pick_flags(rng)
            )
        };
        match rng.below(100) {
            0..=7 => format!("{tag} NOOP"),
            8..=21 => format!("{tag} FETCH {} (FLAGS UID)", self.set(rng)),
            22..=27 => format!(
                "{tag} FETCH {} (UID RFC822.SIZE SAVEDATE BODY.PEEK[HEADER.FIELDS (Subject)] FLAGS)",
                self.set(rng)
            ),
            28..=31 => format!("{tag} FETCH {} (BODY[TEXT] FLAGS)", self.seq(rng)),
            32..=37 => format!("{tag} UID FETCH 1:* (FLAGS)"),
            38..=52 => {
                let set = self.set(rng);
                store(rng, set, false)
            }
            53..=56 => store(rng, "1:*".into(), true),
            57..=63 => format!("{tag} EXPUNGE"),
            64..=65 => format!("{tag} UID EXPUNGE 1:*"),
            66..=75 if self.exists < 40 => append(&tag, other, &pick_flags(rng), rng),
            66..=75 => format!("{tag} STORE 1:* +FLAGS.SILENT (\\Deleted)"),
            76..=81 => format!(
                "{tag} SEARCH {}",
                [
                    "ALL",
                    "UNSEEN",
                    "KEYWORD $L3",
                    "OR DELETED FLAGGED",
                    "UNKEYWORD $L1",
                    "YOUNGER 3600",
                    "OLDER 60 UNSEEN",
                    "SAVEDSINCE 1-Nov-2026",
                ][rng.below(8) as usize]
            ),
            82..=83 => format!("{tag} UID SEARCH ALL"),
            84..=86 => format!("{tag} COPY {} {other}", self.seq(rng)),
            87..=89 => format!("{tag} MOVE {} {other}", self.seq(rng)),
            90 => format!("{tag} SELECT {other}"),
            91 => format!("{tag} SELECT {other} (CONDSTORE)"),
            92 if self.qresync && rng.below(2) == 0 => match rng.below(2) {
                // QRESYNC under load: what vanished since a modseq, and resynchronising SELECTs.
                0 => format!(
                    "{tag} UID FETCH 1:* (FLAGS) (CHANGEDSINCE {} VANISHED)",
                    rng.below(200)
                ),
                _ => format!(
                    "{tag} SELECT {folder} (QRESYNC ({} {} 1:{}))",
                    self.uidvalidity,
                    rng.below(200),
                    1 + rng.below(100)
                ),
            },
            92 => match rng.below(5) {
                // CONDSTORE, ESEARCH and SEARCHRES under load.
                0 => format!("{tag} SEARCH RETURN (SAVE) UNSEEN"),
                1 => format!("{tag} FETCH $ (UID FLAGS)"),
                2 => format!("{tag} SEARCH RETURN (MIN MAX COUNT) ALL"),
                3 => format!(
                    "{tag} UID STORE 1:* (UNCHANGEDSINCE {}) +FLAGS ($L1)",
                    rng.below(200)
                ),
                _ => format!("{tag} FETCH 1:* (FLAGS) (CHANGEDSINCE {})", rng.below(200)),
            },
            93..=94 => format!("{tag} STATUS {other} (MESSAGES UNSEEN)"),
            95..=96 => format!("{tag} IDLE"),
            // CATENATE (RFC 4469) of a header already there and new text.
            97 => format!(
                "{tag} APPEND {other} CATENATE (URL \"/{folder}/;UID={}/;SECTION=HEADER\" TEXT {{8+}}\r\nHello.\r\n)",
                1 + rng.below(30)
            ),
            // NOTIFY (RFC 5465) on and off.
            98 => match rng.below(3) {
                0 => format!("{tag} NOTIFY NONE"),
                _ => format!("{tag} NOTIFY SET (SELECTED (MessageNew (UID) MessageExpunge FlagChange)) (PERSONAL (MessageNew MessageExpunge MailboxName))"),
            },
            // ESORT, SORT=DISPLAY, THREAD=REFS, PREVIEW, CONTEXT=SEARCH (RFC 5267, 5957,
            // draft-ietf-morg-inthread, 8970): contexts pile up to NOUPDATE and are cancelled.
            99 => match rng.below(7) {
                0 => format!("{tag} UID SORT RETURN (MIN MAX COUNT) (REVERSE ARRIVAL) UTF-8 ALL"),
                1 => format!("{tag} SORT (DISPLAYFROM SUBJECT) UTF-8 UNSEEN"),
                2 => format!("{tag} THREAD REFS UTF-8 ALL"),
                3 => format!("{tag} FETCH {} (UID PREVIEW (LAZY))", self.set(rng)),
                4 => format!("{tag} SEARCH RETURN (UPDATE COUNT) UNSEEN"),
                5 => format!("{tag} UID SEARCH RETURN (UPDATE PARTIAL 1:5) FLAGGED"),
                _ => format!("{tag} CANCELUPDATE \"t{}\"", rng.below(u64::from(self.next_tag))),
            },
            _ => format!("{tag} CHECK"),
        }
    }
}

/// APPEND of one message or, one time in three, of two or three in one command (MULTIAPPEND,
/// RFC 3502), each with its own flags.
fn append(tag: &str, folder: &str, flags: &str, rng: &mut Rng) -> String {
    let mut cmd = format!("{tag} APPEND {folder}");
    let count = if rng.below(3) == 0 {
        2 + rng.below(2)
    } else {
        1
    };
    for i in 0..count {
        let body = format!(
            "From: a@corp.example\r\nSubject: load {}\r\n\r\nHello.\r\n",
            rng.below(1000)
        );
        let flags = if i == 0 {
            flags.to_string()
        } else {
            ["\\Seen", "\\Flagged", "$L7", ""][rng.below(4) as usize].to_string()
        };
        cmd.push_str(&format!(" ({flags}) {{{}+}}\r\n{body}", body.len()));
    }
    cmd
}

fn run(seed: u64, steps: usize) -> Checker {
    let mut store = Store::new();
    store.add_domain("corp.example", HOST);
    for u in USERS {
        store.add_account(u, "pw", "User").unwrap();
        store.create_folder(u, "Work").unwrap();
    }
    let mut rng = Rng::new(seed);
    let mut clients: Vec<Client> = Vec::new();
    let mut c = Checker {
        errors: Vec::new(),
        responses: 0,
        esearch: 0,
        modseq: 0,
        vanished: 0,
        pushed: 0,
        catenated: 0,
        context_updates: 0,
        threads: 0,
    };
    for i in 0..9 {
        let user = i % USERS.len();
        let mut s = ImapSession::new(Instant::ZERO);
        let qresync = i % 3 == 0;
        let rev2 = i % 3 == 1;
        let enable = match (qresync, rev2) {
            (true, _) => "q ENABLE QRESYNC\r\n",
            (_, true) => "q ENABLE IMAP4rev2\r\n",
            _ => "",
        };
        let login = format!("l LOGIN {} pw\r\n{enable}", USERS[user]);
        s.handle_input(&mut ctx(&mut store), Instant::ZERO, login.as_bytes());
        while s.poll_output().is_some() {}
        clients.push(Client {
            s,
            pending: Vec::new(),
            in_flight: None,
            idling: 0,
            inbuf: Vec::new(),
            exists: 0,
            keywords: Vec::new(),
            folder: None,
            next_tag: 0,
            qresync,
            notify: false,
            rev2,
            uidvalidity: 0,
        });
    }
    for _ in 0..steps {
        // Mail arrives now and then, with keywords of its own.
        if rng.below(40) == 0 {
            let mut flags = Flags::new();
            if rng.below(2) == 0 {
                flags.insert(Flag::Seen);
            }
            flags.insert_keyword(&format!("$D{}", rng.below(10)));
            let to = USERS[rng.below(USERS.len() as u64) as usize];
            let _ = store.deliver(
                to,
                "INBOX",
                b"Subject: delivered\r\n\r\nHi\r\n".to_vec(),
                flags,
                0,
            );
        }
        let who = rng.below(clients.len() as u64) as usize;
        let cl = &mut clients[who];
        if cl.idling > 0 && cl.pending.is_empty() {
            cl.idling -= 1;
            if cl.idling == 0 {
                cl.pending = b"DONE\r\n".to_vec();
            } else {
                cl.s.handle_timeout(&mut ctx(&mut store), Instant::ZERO);
                cl.check(who, &mut c);
                continue;
            }
        }
        if cl.pending.is_empty() && cl.in_flight.is_none() && cl.notify && rng.below(2) == 0 {
            // Between commands: NOTIFY's pushes (RFC 5465 §5).
            cl.s.handle_timeout(&mut ctx(&mut store), Instant::ZERO);
            cl.check(who, &mut c);
            continue;
        }
        if cl.pending.is_empty() && cl.in_flight.is_none() {
            let cmd = cl.command(&mut rng);
            let line = cmd.lines().next().unwrap_or("").to_string();
            let tag = line.split(' ').next().unwrap_or("").to_string();
            if line.contains(" SELECT ") {
                let name = line.split(' ').nth(2).unwrap_or("INBOX");
                cl.folder = FOLDERS.iter().copied().find(|f| *f == name);
                cl.keywords.clear();
                cl.exists = 0;
            }
            if line.contains(" NOTIFY ") {
                cl.notify = line.contains(" NOTIFY SET ");
            }
            if line.ends_with(" IDLE") {
                cl.idling = 1 + rng.below(5) as u32;
            }
            cl.in_flight = Some((tag, line));
            cl.pending = format!("{cmd}\r\n").into_bytes();
        }
        if cl.pending.is_empty() {
            continue;
        }
        // A random slice: a command may be half-sent while the others act.
        let n = if rng.below(3) == 0 {
            1 + rng.below(cl.pending.len() as u64) as usize
        } else {
            cl.pending.len()
        };
        let piece: Vec<u8> = cl.pending.drain(..n).collect();
        cl.s.handle_input(&mut ctx(&mut store), Instant::ZERO, &piece);
        cl.check(who, &mut c);
    }
    c
}

#[test]
fn many_sessions_on_shared_mailboxes_never_see_a_protocol_error() {
    let steps = std::env::var("IMAP_STRESS_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8_000);
    for seed in [1, 2, 3] {
        let c = run(seed, steps);
        assert!(
            c.errors.is_empty(),
            "seed {seed}: {} protocol errors in {} responses, the first:\n{}",
            c.errors.len(),
            c.responses,
            c.errors.join("\n")
        );
        assert!(
            c.responses > steps / 2,
            "the load ran ({} responses)",
            c.responses
        );
        assert!(c.esearch > 0 && c.modseq > 0, "ESEARCH and CONDSTORE ran");
        assert!(c.vanished > 0, "QRESYNC ran");
        assert!(c.pushed > 0, "NOTIFY pushed changes between commands");
        assert!(c.catenated > 0, "CATENATE built messages");
        assert!(c.threads > 0, "THREAD REFS ran");
        assert!(
            c.context_updates > 0,
            "UPDATE contexts were told of changes"
        );
    }
}
