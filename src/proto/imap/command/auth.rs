//! LOGIN (RFC 3501 §6.2.3) and AUTHENTICATE PLAIN (§6.2.2, RFC 4616) with SASL-IR (RFC 4959).

use super::prelude::*;
use crate::wire::sasl::{b64_decode, decode_plain};

pub(super) const LOGIN: Spec = Spec::new(
    Verb::Login,
    Valid::NotAuthenticated,
    "Log in with user name and password.",
    "RFC 3501 §6.2.3",
    parse_login,
);
pub(super) const AUTHENTICATE: Spec = Spec::new(
    Verb::Authenticate,
    Valid::NotAuthenticated,
    "Log in with SASL (PLAIN, or LOGIN: user name and password in base64 after each challenge).",
    "RFC 3501 §6.2.2",
    parse_authenticate,
);

fn parse_login(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("user name after LOGIN")?;
    let user = p.astring_text("user name after LOGIN")?;
    p.sp("password after the user name")?;
    let password = p.astring_text("password after the user name")?;
    Ok(Command::Login { user, password })
}

fn parse_authenticate(p: &mut Parser<'_>, _u: Use<'_>) -> R<Command> {
    p.sp("mechanism after AUTHENTICATE (e.g. PLAIN)")?;
    let mechanism = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
    if mechanism.is_empty() {
        return Err("Missing mechanism after AUTHENTICATE (e.g. PLAIN)".into());
    }
    let initial = if p.at_end() {
        None
    } else {
        p.sp("initial response")?;
        Some(
            p.take_while(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
                .to_vec(),
        )
    };
    Ok(Command::Authenticate { mechanism, initial })
}

impl ImapSession {
    pub(in crate::proto::imap) fn run_authenticate(
        &mut self,
        ctx: &mut HostCtx<'_>,
        tag: &str,
        mechanism: &str,
        initial: Option<Vec<u8>>,
    ) -> Option<Done> {
        if mechanism == "LOGIN" {
            let tag = tag.to_string();
            match initial {
                Some(ir) => self.auth_login_response(ctx, tag, None, &ir),
                None => {
                    self.send("+ VXNlcm5hbWU6"); // "Username:"
                    self.mode = Mode::AuthLogin { tag, user: None };
                }
            }
            return None;
        }
        if mechanism != "PLAIN" {
            return Some(no(format!(
                "[CANNOT] Unsupported mechanism {mechanism}: use AUTHENTICATE PLAIN or LOGIN"
            )));
        }
        match initial {
            Some(ir) => self.auth_response(ctx, tag, &ir),
            None => {
                self.send("+ ");
                self.mode = Mode::AuthPlain {
                    tag: tag.to_string(),
                };
            }
        }
        None
    }

    pub(in crate::proto::imap) fn login(
        &mut self,
        ctx: &mut HostCtx<'_>,
        tag: &str,
        user: &str,
        password: &str,
    ) {
        match ctx.store.authenticate(user, password, ctx.host) {
            Some(address) => {
                self.out.event(ImapEvent::LoggedIn(address.clone()));
                self.log_in(address);
                let capabilities = self.capability_list();
                self.send(format!("{tag} OK [CAPABILITY {capabilities}] Logged in"));
            }
            None => {
                self.failed_logins += 1;
                self.send(format!(
                    "{tag} NO [AUTHENTICATIONFAILED] Invalid user name or password"
                ));
                if self.failed_logins >= MAX_FAILED_LOGINS {
                    self.bye("Too many failed login attempts");
                }
            }
        }
    }

    /// The client's PLAIN response (RFC 4616), initial (SASL-IR) or after `+ `.
    pub(in crate::proto::imap) fn auth_response(
        &mut self,
        ctx: &mut HostCtx<'_>,
        tag: &str,
        line: &[u8],
    ) {
        if line == b"*" {
            self.send(format!("{tag} BAD AUTHENTICATE cancelled"));
            return;
        }
        let line = if line == b"=" { &b""[..] } else { line };
        match decode_plain(line) {
            Some(c) if c.authzid.is_empty() || c.authzid.eq_ignore_ascii_case(&c.authcid) => {
                self.login(ctx, tag, &c.authcid, &c.password)
            }
            Some(_) => {
                self.send(format!(
                    "{tag} NO [AUTHORIZATIONFAILED] Acting as another user is not allowed"
                ));
            }
            None => self.send(format!(
                "{tag} BAD Invalid PLAIN response: expected base64 of \\0user\\0password"
            )),
        }
    }

    /// AUTHENTICATE LOGIN (draft-murchison-sasl-login): the user name and then the password,
    /// each in base64 after a challenge; `*` cancels (RFC 3501 §6.2.2).
    pub(in crate::proto::imap) fn auth_login_response(
        &mut self,
        ctx: &mut HostCtx<'_>,
        tag: String,
        user: Option<String>,
        line: &[u8],
    ) {
        if line == b"*" {
            self.send(format!("{tag} BAD AUTHENTICATE cancelled"));
            return;
        }
        let Some(text) = b64_decode(line).and_then(|b| String::from_utf8(b).ok()) else {
            self.send(format!(
                "{tag} BAD Invalid LOGIN response: expected the {} in base64",
                if user.is_none() {
                    "user name"
                } else {
                    "password"
                }
            ));
            return;
        };
        match user {
            None => {
                self.send("+ UGFzc3dvcmQ6"); // "Password:"
                self.mode = Mode::AuthLogin {
                    tag,
                    user: Some(text),
                };
            }
            Some(user) => self.login(ctx, &tag, &user, &text),
        }
    }
}
