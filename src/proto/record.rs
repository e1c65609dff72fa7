//! Typed records of a conversation, written once, by the plaintext side, per connection: the
//! greeting, each command (verb, arguments with secrets left out, IMAP tag, the login it names),
//! each reply line (typed status, its response code, which command it answers) and each data
//! transfer (SMTP message text, a BDAT chunk, an IMAP literal, a SASL response: sizes only,
//! never parsed as commands).
//!
//! The layers above `proto` (the journey, the challenge watch, the explanations, transcripts and
//! terminals) read these records instead of reading the protocols back out of the wire's bytes
//! (ARCHITECTURE.md, "One protocol truth"). Each protocol has its recorder next to its grammar
//! (`smtp/record.rs`, `pop3/record.rs`, `imap/record.rs`); the sandbox's gate feeds it every
//! byte the client sent, in the order the session reads them, and every byte the session sent.

use super::imap::record::ImapRecorder;
use super::pop3::record::Pop3Recorder;
use super::smtp::record::SmtpRecorder;
use super::verb::Verb;

/// A mail protocol, as its service says (never guessed from a port).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Smtp,
    Pop3,
    Imap,
}

impl Protocol {
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Pop3 => "POP3",
            Protocol::Imap => "IMAP",
        }
    }
}

/// Who sent the bytes of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Client,
    Server,
}

/// A client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The exchange it opens: replies name it in [`Answers::Exchange`].
    pub id: u32,
    /// Where its line starts in the client's byte stream.
    pub offset: u64,
    /// The IMAP tag.
    pub tag: Option<String>,
    /// Typed by the protocol's recorder; IMAP's `UID` with the command it prefixes.
    pub verb: Verb,
    /// The arguments with single spaces, secrets left out (the password of `PASS`, `LOGIN`
    /// and `APOP`, the initial response of `AUTH`/`AUTHENTICATE`: only the mechanism is kept).
    pub args: String,
    /// The account a login command names: `USER`, `APOP` and `LOGIN`'s user name, or the
    /// authentication identity of a PLAIN initial response (RFC 4616 §2).
    pub login: Option<String>,
    /// The protocol defines this verb (a mistyped one is recorded too, for hints).
    pub is_known: bool,
}

/// IMAP's status responses (RFC 3501 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapStatus {
    Ok,
    No,
    Bad,
    Bye,
    Preauth,
}

impl ImapStatus {
    pub fn name(self) -> &'static str {
        match self {
            ImapStatus::Ok => "OK",
            ImapStatus::No => "NO",
            ImapStatus::Bad => "BAD",
            ImapStatus::Bye => "BYE",
            ImapStatus::Preauth => "PREAUTH",
        }
    }

    fn parse(word: &str) -> Option<ImapStatus> {
        Some(match word.to_ascii_uppercase().as_str() {
            "OK" => ImapStatus::Ok,
            "NO" => ImapStatus::No,
            "BAD" => ImapStatus::Bad,
            "BYE" => ImapStatus::Bye,
            "PREAUTH" => ImapStatus::Preauth,
            _ => return None,
        })
    }
}

/// One server line, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyLine {
    /// RFC 5321 §4.2: the code, whether more lines of the reply follow (`250-`), the enhanced
    /// status code (RFC 3463) and, on an EHLO reply's later lines, the extension keyword.
    Smtp {
        code: u16,
        more: bool,
        enhanced: Option<String>,
        extension: Option<String>,
    },
    /// POP3 `+OK` / `-ERR` with its response code (`[IN-USE]`, RFC 2449 §8).
    Pop3Status { ok: bool, code: Option<String> },
    /// POP3's lone dot ending a multi-line reply (RFC 1939 §3).
    Pop3End,
    /// A continuation request: IMAP `+` (RFC 3501 §7.5), POP3 AUTH's `+` (RFC 5034 §4).
    Continuation,
    /// IMAP `*` or a tag, then OK/NO/BAD/BYE/PREAUTH, with its response code (`[UIDNEXT 5]`).
    ImapStatus {
        tagged: bool,
        status: ImapStatus,
        code: Option<String>,
    },
    /// IMAP untagged data (`* 3 EXISTS`, `* FLAGS (...)`): its name, upper case.
    ImapData { name: String },
}

impl ReplyLine {
    /// An SMTP reply line (`250-PIPELINING`, `550 5.1.1 ...`).
    pub fn parse_smtp(line: &str) -> Option<ReplyLine> {
        let code = line.get(..3).and_then(|c| c.parse::<u16>().ok())?;
        if !line.as_bytes()[..3].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sep = line.as_bytes().get(3).copied();
        if !matches!(sep, None | Some(b' ') | Some(b'-')) {
            return None;
        }
        let text = line.get(4..).unwrap_or("");
        let first = text.split(' ').next().unwrap_or("");
        let enhanced = is_enhanced_code(first, code).then(|| first.to_string());
        // On its own a 250 line's first word may name an extension (`250-PIPELINING`); the
        // recorder keeps it only on the later lines of an EHLO reply.
        let extension = (code == 250 && enhanced.is_none() && !first.is_empty()).then(|| {
            first
                .split('=')
                .next()
                .unwrap_or(first)
                .to_ascii_uppercase()
        });
        Some(ReplyLine::Smtp {
            code,
            more: sep == Some(b'-'),
            enhanced,
            extension,
        })
    }

    /// A POP3 status line, the end of a multi-line reply, or a continuation.
    pub fn parse_pop3(line: &str) -> Option<ReplyLine> {
        if line == "." {
            Some(ReplyLine::Pop3End)
        } else if let Some(text) = status_text(line, "+OK") {
            Some(ReplyLine::Pop3Status {
                ok: true,
                code: response_code(text),
            })
        } else if let Some(text) = status_text(line, "-ERR") {
            Some(ReplyLine::Pop3Status {
                ok: false,
                code: response_code(text),
            })
        } else if line.starts_with('+') {
            Some(ReplyLine::Continuation)
        } else {
            None
        }
    }

    /// An IMAP response line (its first line, when it carries literals).
    pub fn parse_imap(line: &str) -> Option<ReplyLine> {
        if line.starts_with('+') {
            return Some(ReplyLine::Continuation);
        }
        let mut parts = line.splitn(3, ' ');
        let (Some(tag), Some(word)) = (parts.next(), parts.next()) else {
            return None;
        };
        let rest = parts.next().unwrap_or("");
        if let Some(status) = ImapStatus::parse(word) {
            return Some(ReplyLine::ImapStatus {
                tagged: tag != "*",
                status,
                code: response_code(rest),
            });
        }
        if tag != "*" {
            return None;
        }
        // `* 3 EXISTS`: the name follows the number.
        let name = if word.bytes().all(|b| b.is_ascii_digit()) {
            rest.split(' ').next().unwrap_or("")
        } else {
            word
        };
        Some(ReplyLine::ImapData {
            name: name.to_ascii_uppercase(),
        })
    }

    /// A final reply that says the command failed: SMTP 4xx/5xx, POP3 `-ERR`, IMAP NO/BAD.
    pub fn is_failure(&self) -> bool {
        match self {
            ReplyLine::Smtp { code, .. } => *code >= 400,
            ReplyLine::Pop3Status { ok, .. } => !ok,
            ReplyLine::ImapStatus { status, .. } => {
                matches!(status, ImapStatus::No | ImapStatus::Bad)
            }
            _ => false,
        }
    }

    /// The server could not make sense of the command (SMTP 500/501/503, POP3 `-ERR`, IMAP
    /// BAD): a "did you mean" hint may help.
    pub fn is_command_error(&self) -> bool {
        match self {
            ReplyLine::Smtp { code, .. } => matches!(code, 500 | 501 | 503),
            ReplyLine::Pop3Status { ok, .. } => !ok,
            ReplyLine::ImapStatus {
                tagged: true,
                status: ImapStatus::Bad,
                ..
            } => true,
            _ => false,
        }
    }
}

/// `class.subject.detail` (RFC 3463 §2) whose class matches the reply's first digit.
fn is_enhanced_code(word: &str, code: u16) -> bool {
    let parts: Vec<&str> = word.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].parse::<u16>().ok() == Some(code / 100)
}

/// The text after a POP3 status indicator, when the line starts with it as a word.
fn status_text<'a>(line: &'a str, status: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(status)?;
    (rest.is_empty() || rest.starts_with(' ')).then(|| rest.trim_start())
}

/// The response code of a status response's text (`[IN-USE] locked` gives `[IN-USE]`): only
/// there does a bracket mean a code (RFC 2449 §8 for POP3, RFC 3501 §7.1 for IMAP), never
/// inside data such as a FETCH'd subject.
pub fn response_code(text: &str) -> Option<String> {
    let text = text.trim_start();
    if !text.starts_with('[') {
        return None;
    }
    text.find(']').map(|i| text[..=i].to_string())
}

/// What a reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// The server's greeting: it answers no command.
    Greeting,
    /// The exchange with this id (a command, or SMTP message text ended by its dot).
    Exchange(u32),
    /// Nothing the client asked (an SMTP 421 on timeout, IMAP untagged updates while idle).
    Unsolicited,
}

/// A server line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Where the line starts in the server's byte stream.
    pub offset: u64,
    pub line: ReplyLine,
    pub answers: Answers,
    /// It ends the exchange (SMTP's last line, POP3's status or end dot, IMAP's tagged line).
    pub is_final: bool,
}

/// What kind of bytes a data transfer carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataKind {
    /// SMTP DATA's text, up to and with its lone dot (RFC 5321 §4.1.1.4).
    MessageText,
    /// A BDAT chunk (RFC 3030 §2).
    BdatChunk,
    /// An IMAP literal (RFC 3501 §4.3), from either side.
    Literal,
    /// A client's answer in a SASL exchange (RFC 4954 §4, RFC 3501 §6.2.2, RFC 5034 §4), with
    /// the authentication identity when it is a PLAIN response.
    SaslResponse { login: Option<String> },
    /// The body of a POP3 multi-line reply (RFC 1939 §3).
    ReplyBody,
    /// IMAP's `DONE`, ending IDLE (RFC 2177).
    IdleDone,
}

/// Bytes that are not commands or reply lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    pub from: Party,
    /// Where the bytes start in the sender's stream.
    pub offset: u64,
    pub len: u64,
    pub kind: DataKind,
    /// The exchange the transfer opens, when a reply answers it (SMTP message text).
    pub id: Option<u32>,
}

/// One thing that happened on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Command(Command),
    Reply(Reply),
    Data(Data),
    /// TLS on the connection, written by the driver from the TLS layer's events.
    Tls(TlsRecord),
}

/// What TLS did on a connection, so the journey and the explanations can say "TLS started"
/// without reading the wire (which is ciphertext from then on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsRecord {
    /// The handshake began: the upgrade command was accepted (STARTTLS, STLS) or the
    /// connection reached an implicit-TLS port (RFC 8314 §3).
    Handshaking,
    /// The handshake completed (RFC 8446 §4.4.4): from here the session reads decrypted bytes.
    Started {
        version: crate::tls_layer::TlsVersion,
        suite: crate::tls_layer::TlsSuite,
    },
    /// The handshake or a record failed; the connection closes.
    Failed(crate::tls_layer::TlsError),
    /// Client bytes that came after the upgrade command and before the handshake, dropped
    /// without being read (RFC 3207 §4.2, RFC 2595 §4, RFC 3501 §6.2.1; CVE-2011-0411).
    Discarded { bytes: u64 },
    /// A step of the handshake as the server's TLS layer saw it, for the page to draw as a
    /// hop (RFC 8446 §2); its end is [`TlsRecord::Started`].
    Step(TlsStep),
}

/// The handshake's messages before the Finished (RFC 8446 §2, Figure 1), typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsStep {
    /// RFC 8446 §4.1.2: the client's offer, naming the host it wants (SNI, RFC 6066 §3).
    ClientHello { server_name: Option<String> },
    /// RFC 8446 §4.1.3: the server's choice of version and cipher suite.
    ServerHello {
        version: crate::tls_layer::TlsVersion,
        suite: crate::tls_layer::TlsSuite,
    },
    /// RFC 8446 §4.4.2: the certificate the server presented: its own, or a broken one a
    /// fault rule made it present.
    Certificate(crate::tls_layer::ServerCertificate),
}

/// The recorder of a connection's protocol.
#[derive(Debug)]
pub enum Recorder {
    Smtp(SmtpRecorder),
    Pop3(Pop3Recorder),
    Imap(ImapRecorder),
}

impl Recorder {
    pub fn new(protocol: Protocol) -> Recorder {
        match protocol {
            Protocol::Smtp => Recorder::Smtp(SmtpRecorder::default()),
            Protocol::Pop3 => Recorder::Pop3(Pop3Recorder::default()),
            Protocol::Imap => Recorder::Imap(ImapRecorder::default()),
        }
    }

    /// Client bytes, in the order the session reads them (any split).
    pub fn client_bytes(&mut self, bytes: &[u8], out: &mut Vec<Record>) {
        match self {
            Recorder::Smtp(r) => r.client_bytes(bytes, out),
            Recorder::Pop3(r) => r.client_bytes(bytes, out),
            Recorder::Imap(r) => r.client_bytes(bytes, out),
        }
    }

    /// Bytes the server sent (any split).
    pub fn server_bytes(&mut self, bytes: &[u8], out: &mut Vec<Record>) {
        match self {
            Recorder::Smtp(r) => r.server_bytes(bytes, out),
            Recorder::Pop3(r) => r.server_bytes(bytes, out),
            Recorder::Imap(r) => r.server_bytes(bytes, out),
        }
    }
}

/// The command a client line holds, read as `protocol`'s recorder reads it (for a line typed
/// outside a connection, e.g. to explain it).
pub fn read_command(protocol: Protocol, line: &str) -> Option<Command> {
    let mut out = Vec::new();
    let mut recorder = Recorder::new(protocol);
    recorder.client_bytes(line.as_bytes(), &mut out);
    recorder.client_bytes(b"\r\n", &mut out);
    out.into_iter().find_map(|r| match r {
        Record::Command(c) => Some(c),
        _ => None,
    })
}

/// Longest part of a line a recorder keeps (verbs, tags, codes and names sit at its start).
const LINE_HEAD: usize = 1024;
/// Bytes of a line's end kept, for an IMAP literal announcement `{n}`.
const LINE_TAIL: usize = 24;

/// One side's byte stream cut into lines, counting offsets, keeping each line's start and end
/// only (so a long line costs no memory).
#[derive(Debug, Default)]
pub(crate) struct Stream {
    /// Bytes of the stream seen so far.
    pos: u64,
    line_start: u64,
    in_line: bool,
    head: Vec<u8>,
    tail: Vec<u8>,
}

/// A complete line: where it starts, its start and its end (without the line end).
#[derive(Debug)]
pub(crate) struct LineSeen {
    pub offset: u64,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

impl LineSeen {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.head).into_owned()
    }

    /// This client line as a SASL response ending at stream position `end`: data, never a
    /// command; for `PLAIN` it names the authentication identity (RFC 4616 §2), nothing more.
    pub fn sasl_response(&self, plain: bool, end: u64) -> Record {
        let login = plain
            .then(|| crate::wire::sasl::decode_plain(self.text().trim().as_bytes()))
            .flatten()
            .map(|c| c.authcid);
        Record::Data(Data {
            from: Party::Client,
            offset: self.offset,
            len: end - self.offset,
            kind: DataKind::SaslResponse { login },
            id: None,
        })
    }
}

impl Stream {
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Takes bytes up to and with the next LF; the line once it is complete.
    pub fn line(&mut self, bytes: &mut &[u8]) -> Option<LineSeen> {
        if !self.in_line {
            self.in_line = true;
            self.line_start = self.pos;
        }
        let (part, complete) = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => (&bytes[..i], Some(i + 1)),
            None => (*bytes, None),
        };
        let room = LINE_HEAD.saturating_sub(self.head.len());
        self.head.extend_from_slice(&part[..part.len().min(room)]);
        self.tail
            .extend_from_slice(&part[part.len().saturating_sub(LINE_TAIL)..]);
        let over = self.tail.len().saturating_sub(LINE_TAIL);
        self.tail.drain(..over);
        let taken = complete.unwrap_or(bytes.len());
        self.pos += taken as u64;
        *bytes = &bytes[taken..];
        complete?;
        self.in_line = false;
        let mut head = std::mem::take(&mut self.head);
        let mut tail = std::mem::take(&mut self.tail);
        if head.last() == Some(&b'\r') {
            head.pop();
        }
        if tail.last() == Some(&b'\r') {
            tail.pop();
        }
        Some(LineSeen {
            offset: self.line_start,
            head,
            tail,
        })
    }

    /// Takes bytes up to and with the next LF like [`Stream::line`], keeping nothing of the
    /// line but whether it is a lone dot (message text and multi-line bodies: no copy per line).
    pub fn dot_line(&mut self, bytes: &mut &[u8]) -> Option<(u64, bool)> {
        if !self.in_line {
            self.in_line = true;
            self.line_start = self.pos;
            self.head.clear();
        }
        let (part, complete) = match bytes.iter().position(|&b| b == b'\n') {
            Some(i) => (&bytes[..i], Some(i + 1)),
            None => (*bytes, None),
        };
        let room = 3usize.saturating_sub(self.head.len());
        self.head.extend_from_slice(&part[..part.len().min(room)]);
        let taken = complete.unwrap_or(bytes.len());
        self.pos += taken as u64;
        *bytes = &bytes[taken..];
        complete?;
        self.in_line = false;
        let is_dot = self.head == b"." || self.head == b".\r";
        self.head.clear();
        Some((self.line_start, is_dot))
    }

    /// Skips up to `n` bytes (data that is no line); how many it took.
    pub fn skip(&mut self, bytes: &mut &[u8], n: u64) -> u64 {
        let k = bytes.len().min(usize::try_from(n).unwrap_or(usize::MAX));
        self.pos += k as u64;
        *bytes = &bytes[k..];
        k as u64
    }

    /// Where the line being read started (or the next one will).
    pub fn line_start(&self) -> u64 {
        if self.in_line {
            self.line_start
        } else {
            self.pos
        }
    }
}

/// Words of a command line after its verb, joined with single spaces, the first `shown` kept
/// (the rest is a secret).
pub(crate) fn shown_args(words: &[&str], shown: usize) -> String {
    words
        .iter()
        .take(shown)
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Exchange ids waiting for their final reply, oldest first; bounded (a client that pipelines
/// without reading loses the pairing of its oldest commands, not memory).
#[derive(Debug)]
pub(crate) struct Waiting<T> {
    items: std::collections::VecDeque<T>,
}

impl<T> Default for Waiting<T> {
    fn default() -> Self {
        Waiting {
            items: std::collections::VecDeque::new(),
        }
    }
}

/// Commands remembered while they wait for their answers.
const MAX_WAITING: usize = 1024;

impl<T> Waiting<T> {
    pub fn push(&mut self, item: T) {
        if self.items.len() >= MAX_WAITING {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }
    pub fn front(&self) -> Option<&T> {
        self.items.front()
    }
    pub fn pop_front(&mut self) -> Option<T> {
        self.items.pop_front()
    }
    pub fn back(&self) -> Option<&T> {
        self.items.back()
    }
    pub fn remove_where(&mut self, f: impl Fn(&T) -> bool) -> Option<T> {
        let i = self.items.iter().rposition(f)?;
        self.items.remove(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_lines_are_typed() {
        assert_eq!(
            ReplyLine::parse_smtp("550 5.1.1 <x@y>: unknown"),
            Some(ReplyLine::Smtp {
                code: 550,
                more: false,
                enhanced: Some("5.1.1".into()),
                extension: None
            })
        );
        assert_eq!(ReplyLine::parse_smtp("hello"), None);
        assert_eq!(
            ReplyLine::parse_pop3("-ERR [IN-USE] locked"),
            Some(ReplyLine::Pop3Status {
                ok: false,
                code: Some("[IN-USE]".into())
            })
        );
        assert_eq!(
            ReplyLine::parse_imap("* 1 FETCH (ENVELOPE (NIL \"[ALERT] x\"))"),
            Some(ReplyLine::ImapData {
                name: "FETCH".into()
            })
        );
        assert_eq!(
            ReplyLine::parse_imap("a1 NO [ALERT] x"),
            Some(ReplyLine::ImapStatus {
                tagged: true,
                status: ImapStatus::No,
                code: Some("[ALERT]".into())
            })
        );
    }

    #[test]
    fn a_stream_keeps_offsets_and_the_ends_of_long_lines() {
        let mut s = Stream::default();
        let mut long = vec![b'x'; 5000];
        long.extend_from_slice(b" {12}\r\nab\r\n");
        let mut bytes = &long[..];
        let first = s.line(&mut bytes).unwrap();
        assert_eq!((first.offset, first.head.len()), (0, LINE_HEAD));
        assert!(first.tail.ends_with(b"{12}"));
        let second = s.line(&mut bytes).unwrap();
        assert_eq!((second.offset, second.text().as_str()), (5007, "ab"));
    }

    /// The commands (the protocol's own verbs) a recorder reads from client bytes.
    fn commands(r: &mut Recorder, bytes: &[u8]) -> Vec<Command> {
        let mut out = Vec::new();
        r.client_bytes(bytes, &mut out);
        out.into_iter()
            .filter_map(|r| match r {
                Record::Command(c) if c.is_known => Some(c),
                _ => None,
            })
            .collect()
    }

    fn verbs(r: &mut Recorder, bytes: &[u8]) -> Vec<String> {
        commands(r, bytes)
            .into_iter()
            .map(|c| c.verb.to_string())
            .collect()
    }

    /// Moved from the journey's own command reader, which these recorders replace.
    #[test]
    fn pop3_and_imap_verbs_are_read_and_literals_and_auth_lines_are_not() {
        let mut r = Recorder::new(Protocol::Pop3);
        assert_eq!(
            verbs(&mut r, b"USER boss\r\nPASS boss\r\nRETR 1\r\nhello\r\n"),
            ["USER", "PASS", "RETR"]
        );
        let mut r = Recorder::new(Protocol::Imap);
        assert_eq!(
            verbs(
                &mut r,
                b"a1 LOGIN boss boss\r\na2 uid fetch 1:* FLAGS\r\nxyz\r\na3 sel"
            ),
            ["LOGIN", "UID FETCH"]
        );
        assert_eq!(verbs(&mut r, b"ect INBOX\r\n"), ["SELECT"]);
        let mut r = Recorder::new(Protocol::Imap);
        let got = commands(
            &mut r,
            b"a1 LOGIN boss secret\r\na2 uid  search FROM  zoe\r\n",
        );
        assert_eq!(got[0].args, "boss", "the password is left out");
        assert_eq!(got[1].tag.as_deref(), Some("a2"));
        assert_eq!(
            (got[1].verb.to_string().as_str(), got[1].args.as_str()),
            ("UID SEARCH", "FROM zoe")
        );
        assert_eq!(got[0].login.as_deref(), Some("boss"));
        let mut smtp = Recorder::new(Protocol::Smtp);
        let got = commands(&mut smtp, b"AUTH PLAIN AGJvc3MAYm9zcw==\r\n");
        assert_eq!(got[0].args, "PLAIN");
        assert_eq!(got[0].login.as_deref(), Some("boss"));
        let mut out = Vec::new();
        r.client_bytes(b"a3 AUTHENTICATE PLAIN\r\nAGJvc3MAYm9zcw==\r\n", &mut out);
        let got: Vec<&Record> = out
            .iter()
            .filter(|r| matches!(r, Record::Command(_)))
            .collect();
        assert_eq!(got.len(), 1, "the response is no command");
        assert!(out.iter().any(|r| matches!(r, Record::Data(Data {
            kind: DataKind::SaslResponse { login: Some(l) }, .. }) if l == "boss")));
        let got = commands(&mut Recorder::new(Protocol::Pop3), b"PASS boss\r\n");
        assert_eq!(got[0].args, "");
        let mut r = Recorder::new(Protocol::Smtp);
        let long = vec![b'A'; 5000];
        assert!(verbs(&mut r, &long).is_empty());
    }
}
