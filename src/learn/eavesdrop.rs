//! The wire as an eavesdropper on a link sees it (issue 26): beside a connection's transcript,
//! its bytes as they crossed the link. Before TLS, or with TLS off, that is the conversation
//! itself, the login included: AUTH PLAIN/LOGIN's base64 is shown with what it decodes to
//! (base64 is an encoding, not encryption) and a POP3 `PASS` or IMAP `LOGIN` password as
//! typed. Here, and only here, the password is shown on purpose: it is the lesson. After the
//! upgrade (or on an implicit-TLS port) the wire holds TLS records: shown as shortened hex.
//!
//! The bytes come from the trace (what crossed the link); which line is a login and which part
//! of it is the secret come from the typed records and the session's secret marks, never from
//! reading the line's words for a command; where TLS starts comes from the server's typed
//! `TlsRecord::Handshaking` ([`World::tls_started_at`]).

use crate::net::{ConnId, Side, TraceKind};
use crate::ordered::SortedMap;
use crate::proto::record::{DataKind, Party, Record};
use crate::sandbox::{marked_words, Speaker, World};
use crate::time::Instant;
use crate::wire::assemble::LineAssembler;
use crate::wire::sasl::{b64_decode, decode_plain};

/// Lines shown at most (a long message body is cut).
const MAX_LINES: usize = 300;
/// Characters of a clear line shown at most.
const MAX_LINE_CHARS: usize = 160;
/// Bytes of a TLS record shown in hex.
const HEX_BYTES: usize = 16;

/// What one line of the eavesdropper's view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WireView {
    /// A line that crossed the link in clear.
    Clear(String),
    /// A line in clear that carries a password: the line as sent, and what its secret part
    /// says in plain words (the base64 decoded, or the password itself).
    Secret { line: String, reveals: String },
    /// Bytes inside TLS: the first ones in hex, and how many there were.
    Cipher { hex: String, len: usize },
    /// A note: the connection opened or closed, TLS started here, lines left out.
    Note(String),
}

/// One line of the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireLine {
    pub at: Instant,
    pub speaker: Speaker,
    pub view: WireView,
}

/// How a secret-carrying client line is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SecretKind {
    /// SASL: the secret part is base64 (AUTH PLAIN/LOGIN, AUTHENTICATE, a SASL answer).
    Sasl,
    /// A password as typed (POP3 PASS, IMAP LOGIN).
    Plain,
}

/// The eavesdropper's view of `conn`, oldest first.
pub fn eavesdrop(world: &World, conn: ConnId) -> Vec<WireLine> {
    let tls_at = world.tls_started_at(conn);
    let mut kinds: SortedMap<u64, SecretKind> = SortedMap::new();
    for r in world.records_of(conn) {
        match r {
            Record::Command(c) if c.verb.is_sasl() => {
                kinds.insert(c.offset, SecretKind::Sasl);
            }
            Record::Command(c) => {
                kinds.insert(c.offset, SecretKind::Plain);
            }
            Record::Data(d)
                if d.from == Party::Client && matches!(d.kind, DataKind::SaslResponse { .. }) =>
            {
                kinds.insert(d.offset, SecretKind::Sasl);
            }
            _ => {}
        }
    }
    let marks = world.secret_marks(conn);
    let mut out = Vec::new();
    let mut client = LineAssembler::default();
    let mut server = LineAssembler::default();
    let mut tls_noted = false;
    let first = world.net.trace.discarded;
    for (k, e) in world.net.trace.entries().enumerate() {
        if e.conn != conn {
            continue;
        }
        if out.len() >= MAX_LINES {
            out.push(WireLine {
                at: e.at,
                speaker: Speaker::Net,
                view: WireView::Note("… (more lines left out)".into()),
            });
            break;
        }
        let index = first + k as u64;
        let in_tls = tls_at.is_some_and(|at| index >= at);
        let speaker = match e.from {
            Side::Client => Speaker::Client,
            Side::Server => Speaker::Server,
        };
        let note = |text: &str| WireLine {
            at: e.at,
            speaker: Speaker::Net,
            view: WireView::Note(text.into()),
        };
        match &e.kind {
            TraceKind::Data(bytes) if in_tls => {
                if !tls_noted {
                    tls_noted = true;
                    out.push(note("TLS from here: the handshake, then encrypted records"));
                }
                let hex: Vec<String> = bytes
                    .iter()
                    .take(HEX_BYTES)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                out.push(WireLine {
                    at: e.at,
                    speaker,
                    view: WireView::Cipher {
                        hex: hex.join(" "),
                        len: bytes.len(),
                    },
                });
            }
            TraceKind::Data(bytes) => {
                let assembler = match e.from {
                    Side::Client => &mut client,
                    Side::Server => &mut server,
                };
                assembler.push(bytes, |l| {
                    let text = String::from_utf8_lossy(&l.bytes).into_owned();
                    let view = match speaker {
                        Speaker::Client => client_view(
                            text,
                            marked_words(marks, l.start, l.end),
                            kinds.get(&l.start).copied(),
                        ),
                        _ => WireView::Clear(shorten(&text)),
                    };
                    out.push(WireLine {
                        at: e.at,
                        speaker,
                        view,
                    });
                });
            }
            TraceKind::Connect => out.push(note("connection opened")),
            TraceKind::Close => out.push(note("closed")),
            TraceKind::Dropped => out.push(note("link dropped")),
            TraceKind::Failed(_) => out.push(note("connection failed")),
        }
    }
    out
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_LINE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// A client line: clear, or, when its session marked a secret on it (`shown` words before
/// the secret), the secret revealed the way its command carries it.
fn client_view(text: String, shown: Option<u8>, kind: Option<SecretKind>) -> WireView {
    let Some(shown) = shown else {
        return WireView::Clear(shorten(&text));
    };
    let secret: Vec<&str> = text
        .split_ascii_whitespace()
        .skip(usize::from(shown))
        .collect();
    let secret = secret.join(" ");
    if secret.is_empty() || secret == "*" {
        return WireView::Clear(shorten(&text));
    }
    let reveals = match kind {
        // A line the session marked but no record names is a SASL answer or a password:
        // try base64 first only where the records say SASL.
        Some(SecretKind::Sasl) => reveal_base64(&secret),
        _ => format!("the password, as typed: {secret}"),
    };
    WireView::Secret {
        line: shorten(&text),
        reveals,
    }
}

/// What a base64 SASL secret decodes to: PLAIN's three parts (RFC 4616 §2), or the text.
fn reveal_base64(secret: &str) -> String {
    if let Some(plain) = decode_plain(secret.as_bytes()) {
        return format!(
            "base64 of \\0{}\\0{}: user {}, password {}",
            plain.authcid, plain.password, plain.authcid, plain.password
        );
    }
    match b64_decode(secret.as_bytes()).map(String::from_utf8) {
        Some(Ok(text)) if !text.is_empty() => format!("base64 of “{text}”"),
        _ => "not base64: the secret as typed".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::default_world;
    use crate::time::Duration;

    fn step(w: &mut World) {
        let t = w.now() + Duration::from_millis(300);
        w.run_until(t);
    }

    fn secrets(lines: &[WireLine]) -> Vec<String> {
        lines
            .iter()
            .filter_map(|l| match &l.view {
                WireView::Secret { reveals, .. } => Some(reveals.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn without_tls_the_eavesdropper_reads_the_auth_plain_password() {
        let (mut w, d) = default_world(1);
        let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
        for line in [
            "EHLO pc",
            "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo",
            "QUIT",
        ] {
            w.send(c, format!("{line}\r\n").as_bytes());
            step(&mut w);
        }
        let lines = eavesdrop(&w, c);
        assert_eq!(
            secrets(&lines),
            ["base64 of \\0smith@isp.example\\0smith: user smith@isp.example, password smith"]
        );
        assert!(lines
            .iter()
            .any(|l| l.view == WireView::Clear("EHLO pc".into())));
        assert!(!lines
            .iter()
            .any(|l| matches!(l.view, WireView::Cipher { .. })));
        // The transcript still masks it.
        assert!(!w.transcript_text(c, true).contains("AHNtaXRo"));
    }

    #[test]
    fn auth_login_answers_and_a_pop3_password_are_revealed() {
        let (mut w, d) = default_world(1);
        let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
        for line in [
            "EHLO pc",
            "AUTH LOGIN",
            "c21pdGhAaXNwLmV4YW1wbGU=",
            "c21pdGg=",
        ] {
            w.send(c, format!("{line}\r\n").as_bytes());
            step(&mut w);
        }
        let got = secrets(&eavesdrop(&w, c));
        assert!(got.iter().any(|s| s == "base64 of “smith”"), "{got:?}");
        let p = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        for line in ["USER boss", "PASS boss"] {
            w.send(p, format!("{line}\r\n").as_bytes());
            step(&mut w);
        }
        assert_eq!(secrets(&eavesdrop(&w, p)), ["the password, as typed: boss"]);
    }

    #[cfg(feature = "tls")]
    #[test]
    fn after_starttls_the_eavesdropper_sees_only_ciphertext() {
        let (mut w, d) = default_world(42);
        w.install_tls(Box::new(
            crate::tls::SandboxTls::seeded(42).expect("provider"),
        ));
        let c = w.connect(d.sender_pc, "smtp.isp.example", 587).unwrap();
        w.set_follows_tls(c, true);
        step(&mut w);
        for line in [
            "EHLO pc",
            "STARTTLS",
            "EHLO pc",
            "AUTH PLAIN AHNtaXRoQGlzcC5leGFtcGxlAHNtaXRo",
        ] {
            w.send(c, format!("{line}\r\n").as_bytes());
            step(&mut w);
        }
        let lines = eavesdrop(&w, c);
        assert!(secrets(&lines).is_empty(), "{lines:?}");
        let cipher = lines
            .iter()
            .filter(|l| matches!(l.view, WireView::Cipher { .. }))
            .count();
        assert!(cipher >= 4, "{lines:?}");
        let starttls = lines
            .iter()
            .position(|l| l.view == WireView::Clear("STARTTLS".into()))
            .expect("STARTTLS in clear");
        let tls = lines
            .iter()
            .position(|l| matches!(&l.view, WireView::Note(n) if n.starts_with("TLS from here")))
            .expect("TLS noted");
        assert!(starttls < tls);
        assert!(lines[tls..]
            .iter()
            .all(|l| !matches!(l.view, WireView::Clear(_) | WireView::Secret { .. })));
    }
}
