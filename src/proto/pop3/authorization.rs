//! The AUTHORIZATION state: USER/PASS and APOP (RFC 1939 §7), AUTH PLAIN (RFC 5034 §4),
//! the `[AUTH]` and `[IN-USE]` response codes (RFC 3206 §5, RFC 2449 §8.1.2).

use super::command::{printable, Request, Verb};
use super::maildrop::Maildrop;
use super::{Pending, Pop3Event, Pop3Session, Pop3State, MAX_FAILED_LOGINS};
use crate::proto::HostCtx;
use crate::store::Store;
use crate::wire::sasl::decode_plain;
use md5::{Digest, Md5};

/// The SASL mechanisms offered (RFC 5034 §3, capability `SASL`).
const MECHANISMS: [&str; 1] = ["PLAIN"];

impl Pop3Session {
    /// Dispatches an AUTHORIZATION command; `login` is the name given by a USER command that
    /// came right before.
    pub(super) fn handle_authorization(
        &mut self,
        ctx: &mut HostCtx<'_>,
        request: Request,
        login: Option<String>,
    ) {
        match request.verb {
            Verb::User => self.handle_user(ctx.store, &request.args),
            Verb::Pass => self.handle_pass(ctx, &request.rest, login),
            Verb::Apop => self.handle_apop(ctx, &request.args),
            Verb::Auth => self.handle_auth(ctx, &request.args),
            _ => {}
        }
    }

    /// USER name (RFC 1939 §7). RFC 1939 allows -ERR for an unknown name; this server says
    /// +OK either way, so it does not tell a guesser which accounts exist.
    fn handle_user(&mut self, store: &mut Store, args: &[String]) {
        let [login] = args else {
            return self.handle_bad_command(store, "-ERR usage: USER name");
        };
        self.pending = Pending::Password {
            login: login.clone(),
        };
        self.reply(format!("+OK {} accepted, send PASS", printable(login)));
    }

    /// PASS string (RFC 1939 §7): only right after USER; the password is the rest of the line.
    fn handle_pass(&mut self, ctx: &mut HostCtx<'_>, password: &str, login: Option<String>) {
        let Some(login) = login else {
            return self.handle_bad_command(ctx.store, "-ERR PASS must follow USER");
        };
        if password.is_empty() {
            return self.handle_bad_command(ctx.store, "-ERR usage: PASS password");
        }
        match ctx.store.authenticate(&login, password, ctx.host) {
            Some(address) => self.handle_login(ctx.store, address),
            None => self.handle_login_failure(ctx.store, "invalid user name or password"),
        }
    }

    /// APOP name digest (RFC 1939 §7): digest is the MD5 of the greeting's timestamp followed
    /// by the shared secret (the account password), in lower-case hex.
    fn handle_apop(&mut self, ctx: &mut HostCtx<'_>, args: &[String]) {
        let [login, digest] = args else {
            return self.handle_bad_command(ctx.store, "-ERR usage: APOP name digest");
        };
        let address = ctx
            .store
            .resolve_login(login, ctx.host)
            .filter(|account| {
                apop_digest(&self.timestamp, &account.password).eq_ignore_ascii_case(digest)
            })
            .map(|account| account.address.clone());
        match address {
            Some(address) => self.handle_login(ctx.store, address),
            None => self.handle_login_failure(ctx.store, "invalid user name or APOP digest"),
        }
    }

    /// AUTH (RFC 5034 §4). Without an argument it lists the mechanisms, as many servers do;
    /// with PLAIN and no initial response it sends an empty `+ ` challenge.
    fn handle_auth(&mut self, ctx: &mut HostCtx<'_>, args: &[String]) {
        match args {
            [] => {
                let body: String = MECHANISMS.iter().map(|m| format!("{m}\r\n")).collect();
                self.reply_multiline("+OK SASL mechanisms follow", body.as_bytes());
            }
            [mechanism, ..] if !mechanism.eq_ignore_ascii_case("PLAIN") => {
                let reply = format!(
                    "-ERR unsupported SASL mechanism \"{}\" (this server offers PLAIN)",
                    printable(mechanism)
                );
                self.handle_bad_command(ctx.store, reply)
            }
            [_] => {
                self.pending = Pending::SaslPlain;
                self.reply("+ ");
            }
            [_, initial] => self.handle_sasl_response(ctx, initial.as_bytes()),
            _ => {
                self.handle_bad_command(ctx.store, "-ERR usage: AUTH mechanism [initial-response]")
            }
        }
    }

    /// The client's PLAIN response (RFC 5034 §4, RFC 4616 §2): `*` cancels, `=` is an empty
    /// response, anything else is base64 of `authzid NUL authcid NUL password`.
    pub(super) fn handle_sasl_response(&mut self, ctx: &mut HostCtx<'_>, line: &[u8]) {
        if line == b"*" {
            return self.reply("-ERR authentication cancelled");
        }
        let response: &[u8] = if line == b"=" { b"" } else { line };
        let Some(credentials) = decode_plain(response) else {
            return self.handle_login_failure(ctx.store, "malformed PLAIN response");
        };
        let Some(address) =
            ctx.store
                .authenticate(&credentials.authcid, &credentials.password, ctx.host)
        else {
            return self.handle_login_failure(ctx.store, "invalid user name or password");
        };
        let authzid = credentials.authzid;
        let same_identity = authzid.is_empty()
            || authzid.eq_ignore_ascii_case(&credentials.authcid)
            || authzid.eq_ignore_ascii_case(&address);
        if !same_identity {
            let reason = format!("{address} may not act as {}", printable(&authzid));
            return self.handle_login_failure(ctx.store, &reason);
        }
        self.handle_login(ctx.store, address)
    }

    /// Credentials are right: take the maildrop lock (RFC 1939 §4; `[IN-USE]` of RFC 2449
    /// §8.1.2 when another session holds it), snapshot the INBOX and enter TRANSACTION.
    fn handle_login(&mut self, store: &mut Store, address: String) {
        if !store.lock_maildrop(&address) {
            return self.reply(format!(
                "-ERR [IN-USE] maildrop of {address} is locked by another POP3 session"
            ));
        }
        let Some(maildrop) = Maildrop::open(store, &address) else {
            store.unlock_maildrop(&address);
            return self.reply(format!("-ERR [SYS/PERM] {address} has no INBOX"));
        };
        let (count, octets) = maildrop.count_and_size();
        self.maildrop = Some(maildrop);
        self.out.event(Pop3Event::LoggedIn(address.clone()));
        self.set_state(Pop3State::Transaction);
        self.reply(format!(
            "+OK logged in as {address}, maildrop has {count} messages ({octets} octets)"
        ));
    }

    /// Wrong credentials: `-ERR [AUTH]` (RFC 3206 §5); the last allowed failure closes.
    fn handle_login_failure(&mut self, store: &mut Store, reason: &str) {
        self.failed_logins += 1;
        if self.failed_logins >= MAX_FAILED_LOGINS {
            self.reply("-ERR [AUTH] too many failures, closing connection");
            self.close(store);
        } else {
            self.reply(format!("-ERR [AUTH] {reason}"));
        }
    }
}

/// The APOP digest (RFC 1939 §7): MD5 of `timestamp` then `secret`, as 32 lower-case hex
/// digits.
pub fn apop_digest(timestamp: &str, secret: &str) -> String {
    let mut md5 = Md5::new();
    md5.update(timestamp.as_bytes());
    md5.update(secret.as_bytes());
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::apop_digest;

    #[test]
    fn apop_digest_is_md5_of_timestamp_then_secret_in_lower_hex() {
        // RFC 1321 §A.5 test suite: MD5("abc").
        assert_eq!(apop_digest("a", "bc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(apop_digest("", ""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
