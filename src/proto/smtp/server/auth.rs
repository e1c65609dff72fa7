//! AUTH on the SMTP server (RFC 4954): PLAIN (RFC 4616) and LOGIN, with or without an
//! initial response, `*` to cancel; the lines that carry the secret are marked for
//! transcripts ([`SecretInput`]).

use super::{Mode, SmtpEvent, SmtpServer, MAX_AUTH_LINE, MAX_COMMAND_LINE};
use crate::proto::smtp::SmtpCtx;
use crate::session::SecretInput;
use crate::time::Instant;
use crate::wire::line::Line;
use crate::wire::sasl;

impl SmtpServer {
    pub(super) fn on_auth(
        &mut self,
        ctx: &mut SmtpCtx<'_>,
        now: Instant,
        mechanism: String,
        initial: Option<String>,
    ) {
        if !matches!(self.helo, Some((_, true))) {
            return self.error(503, "5.5.1", "Error: send EHLO first");
        }
        if self.user.is_some() {
            return self.error(503, "5.5.1", "Error: already authenticated");
        }
        if self.tx.is_some() {
            return self.error(
                503,
                "5.5.1",
                "Error: AUTH not allowed in a mail transaction",
            );
        }
        if initial.is_some() {
            self.mark_secret(2);
        }
        // RFC 4954 §4: "=" is an empty initial response.
        let initial = initial.map(|s| if s == "=" { String::new() } else { s });
        match (mechanism.as_str(), initial) {
            ("PLAIN", Some(ir)) => self.check_plain(ctx, now, ir.as_bytes()),
            ("PLAIN", None) => self.challenge(Mode::AuthPlain, ""),
            ("LOGIN", Some(ir)) => self.on_login_user(ir.as_bytes()),
            ("LOGIN", None) => self.challenge(Mode::AuthLoginUser, "VXNlcm5hbWU6"),
            _ => self.error(504, "5.5.4", "Unrecognized authentication type"),
        }
    }

    /// Marks the line just read as carrying a secret after its first `shown_words` words.
    pub(super) fn mark_secret(&mut self, shown_words: u8) {
        let end = self.line_end;
        self.out
            .event(SmtpEvent::Secret(SecretInput { end, shown_words }));
    }

    pub(super) fn challenge(&mut self, mode: Mode, b64: &str) {
        self.out.transmit(format!("334 {b64}\r\n"));
        self.lines.set_max(MAX_AUTH_LINE);
        self.mode = mode;
    }

    pub(super) fn end_auth_exchange(&mut self) {
        self.lines.set_max(MAX_COMMAND_LINE);
        self.mode = Mode::Command;
    }

    pub(super) fn on_auth_line(&mut self, ctx: &mut SmtpCtx<'_>, now: Instant, line: Line) {
        let mode = std::mem::replace(&mut self.mode, Mode::Command);
        self.end_auth_exchange();
        let line = match line {
            Line::Ok(l) => l,
            Line::TooLong => {
                return self.error(500, "5.5.6", "Authentication exchange line is too long")
            }
        };
        if line == b"*" {
            return self.error(501, "5.0.0", "Authentication cancelled");
        }
        match mode {
            Mode::AuthPlain => self.check_plain(ctx, now, &line),
            Mode::AuthLoginUser => self.on_login_user(&line),
            Mode::AuthLoginPass(user) => match sasl::b64_decode(&line) {
                Some(pw) => {
                    let pw = String::from_utf8_lossy(&pw).into_owned();
                    self.check_login(ctx, &user, &pw, None);
                }
                None => self.error(501, "5.5.2", "Cannot decode response"),
            },
            other => self.mode = other,
        }
    }

    pub(super) fn on_login_user(&mut self, b64: &[u8]) {
        match sasl::b64_decode(b64) {
            Some(user) if !user.is_empty() => {
                let user = String::from_utf8_lossy(&user).into_owned();
                self.challenge(Mode::AuthLoginPass(user), "UGFzc3dvcmQ6");
            }
            _ => self.error(501, "5.5.2", "Cannot decode response"),
        }
    }

    pub(super) fn check_plain(&mut self, ctx: &mut SmtpCtx<'_>, _now: Instant, b64: &[u8]) {
        if sasl::b64_decode(b64).is_none() {
            return self.error(501, "5.5.2", "Cannot decode response");
        }
        match sasl::decode_plain(b64) {
            Some(c) => self.check_login(ctx, &c.authcid, &c.password, Some(&c.authzid)),
            None => self.error(535, "5.7.8", "Authentication credentials invalid"),
        }
    }

    pub(super) fn check_login(
        &mut self,
        ctx: &mut SmtpCtx<'_>,
        login: &str,
        password: &str,
        authzid: Option<&str>,
    ) {
        let host = self.host.to_ascii_lowercase();
        let account = ctx.store.authenticate(login, password, &host);
        // RFC 4616 §2: an authorization identity other than the user's own is refused.
        let authz_ok = |addr: &str| match authzid {
            None | Some("") => true,
            Some(z) => z.eq_ignore_ascii_case(addr) || z.eq_ignore_ascii_case(login),
        };
        match account {
            Some(addr) if authz_ok(&addr) => {
                self.reply(235, "2.7.0", "Authentication successful");
                self.out.event(SmtpEvent::Authenticated(addr.clone()));
                self.user = Some(addr);
            }
            _ => self.error(535, "5.7.8", "Authentication credentials invalid"),
        }
    }
}
