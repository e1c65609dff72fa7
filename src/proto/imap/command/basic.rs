//! The commands of any state and the small ones: CAPABILITY, NOOP, LOGOUT (RFC 3501 §6.1),
//! CHECK (§6.4.1), STARTTLS (§6.2.1, in `starttls.rs`), NAMESPACE (RFC 2342),
//! ID (RFC 2971) and ENABLE (RFC 5161).

use super::prelude::*;

/// ID field names and values (RFC 2971 §3.3).
pub type IdParams = Vec<(String, Option<String>)>;

pub(super) const CAPABILITY: Spec = Spec::new(
    Verb::Capability,
    Valid::Any,
    "What the server supports.",
    "RFC 3501 §6.1.1",
    |_, _| Ok(Command::Capability),
);
pub(super) const NOOP: Spec = Spec::new(
    Verb::Noop,
    Valid::Any,
    "Do nothing, but collect pending updates (new mail, expunges).",
    "RFC 3501 §6.1.2",
    |_, _| Ok(Command::Noop),
);
pub(super) const LOGOUT: Spec = Spec::new(
    Verb::Logout,
    Valid::Any,
    "End the session.",
    "RFC 3501 §6.1.3",
    |_, _| Ok(Command::Logout),
);
pub(super) const STARTTLS: Spec = Spec::new(
    Verb::StartTls,
    Valid::NotAuthenticated,
    "Start TLS on this connection, where the host offers it (then ask for CAPABILITY again).",
    "RFC 3501 §6.2.1",
    |_, _| Ok(Command::Starttls),
);
pub(super) const CHECK: Spec = Spec::new(
    Verb::Check,
    Valid::Selected,
    "Ask the server to save the selected mailbox's state to disk (housekeeping; most servers treat it as NOOP), e.g. a5 CHECK.",
    "RFC 3501 §6.4.1",
    |_, _| Ok(Command::Check),
);
pub(super) const NAMESPACE: Spec = Spec::new(
    Verb::Namespace,
    Valid::Authenticated,
    "Which prefixes mailbox names have: your own, other users' and shared ones, e.g. a2 NAMESPACE.",
    "RFC 2342",
    |_, _| Ok(Command::Namespace),
);
pub(super) const ID: Spec = Spec::new(
    Verb::Id,
    Valid::Any,
    "Exchange client and server identification.",
    "RFC 2971",
    parse_id,
);
#[cfg(feature = "imap-extensions")]
pub(super) const ENABLE: Spec = Spec::new(
    Verb::Enable,
    Valid::Authenticated,
    "Turn on extensions: CONDSTORE (MODSEQ everywhere), QRESYNC (resynchronise on SELECT, VANISHED instead of EXPUNGE), UTF8=ACCEPT (mailbox names in UTF-8 instead of modified UTF-7), IMAP4rev2 (RFC 9051's rules: no \\Recent, ESEARCH answers, UTF-8 names).",
    "RFC 5161, RFC 7162 §3.2.3, RFC 6855 §3, RFC 9051 §6.3.1",
    parse_enable,
);

fn parse_id(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("parameter list or NIL after ID")?;
    Ok(Command::Id(id_params(p)?))
}

#[cfg(feature = "imap-extensions")]
fn parse_enable(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    let mut caps = Vec::new();
    p.sp("capability name after ENABLE")?;
    loop {
        let a = p.atom();
        if a.is_empty() {
            return Err("Expected a capability name after ENABLE".into());
        }
        caps.push(String::from_utf8_lossy(a).to_ascii_uppercase());
        if p.at_end() {
            break;
        }
        p.sp("capability name")?;
    }
    Ok(Command::Enable(caps))
}

fn id_params(p: &mut Parser<'_>) -> R<Option<IdParams>> {
    if p.eat_word("NIL") {
        return Ok(None);
    }
    if !p.eat(b'(') {
        return Err("ID takes NIL or a list like (\"name\" \"my client\")".into());
    }
    let mut out = Vec::new();
    if p.eat(b')') {
        return Ok(Some(out));
    }
    loop {
        let k = String::from_utf8_lossy(&p.string("ID field name")?).into_owned();
        p.sp("ID field value")?;
        let v = if p.eat_word("NIL") {
            None
        } else {
            Some(String::from_utf8_lossy(&p.string("ID field value")?).into_owned())
        };
        if out.len() < 30 {
            out.push((k, v));
        }
        if p.eat(b')') {
            return Ok(Some(out));
        }
        p.sp("next ID field")?;
    }
}

impl ImapSession {
    pub(super) fn run_capability(&mut self) -> Done {
        let capabilities = self.capability_list();
        self.send(format!("* CAPABILITY {capabilities}"));
        ok("CAPABILITY completed")
    }

    pub(super) fn run_logout(&mut self, tag: &str) {
        self.send("* BYE Mail Sandbox logging out");
        self.send(format!("{tag} OK LOGOUT completed"));
        self.log_out();
        self.out.close();
    }

    pub(super) fn run_id(&mut self) -> Done {
        self.send("* ID (\"name\" \"Mail Sandbox\" \"vendor\" \"Mail Sandbox\")");
        ok("ID completed")
    }

    #[cfg(feature = "imap-extensions")]
    /// RFC 5161 §3.2: `* ENABLED` lists what was turned on; unknown names are ignored.
    /// QRESYNC turns CONDSTORE on too (RFC 7162 §3.2.3); UTF8=ACCEPT makes mailbox names
    /// UTF-8 both ways (RFC 6855 §3); IMAP4rev2 turns on RFC 9051's differences.
    pub(super) fn run_enable(&mut self, caps: &[String]) -> Done {
        let mut enabled: Vec<&str> = Vec::new();
        for cap in caps {
            let name = match cap.as_str() {
                "CONDSTORE" => "CONDSTORE",
                "QRESYNC" => {
                    self.qresync = true;
                    "QRESYNC"
                }
                "UTF8=ACCEPT" | "IMAP4REV2" => {
                    // RFC 9051 §5.1: IMAP4rev2 names are UTF-8 too.
                    self.names = NameEncoding::Utf8;
                    let name = if cap == "IMAP4REV2" {
                        self.rev2 = true;
                        // No \Recent from here on, for the selected mailbox too.
                        if let Some(sel) = self.mailbox_mut() {
                            sel.recent.clear();
                        }
                        "IMAP4rev2"
                    } else {
                        "UTF8=ACCEPT"
                    };
                    if !enabled.contains(&name) {
                        enabled.push(name);
                    }
                    continue;
                }
                _ => continue,
            };
            self.enable_condstore();
            if !enabled.contains(&name) {
                enabled.push(name);
            }
        }
        let mut line = String::from("* ENABLED");
        for name in &enabled {
            line.push(' ');
            line.push_str(name);
        }
        self.send(line);
        if enabled.is_empty() {
            ok("ENABLE completed (no extension needs enabling here)")
        } else {
            ok("ENABLE completed")
        }
    }

    pub(super) fn run_namespace(&mut self) -> Done {
        self.send("* NAMESPACE ((\"\" \"/\")) NIL NIL");
        ok("NAMESPACE completed")
    }
}
