//! What the mail client says about a session's TLS (issue 26): the version and the certificate
//! the server showed (subject, issuer, validity), or that the session went in clear.

use crate::sandbox::mail_client::{Security, SessionTls};

/// The line under the account form after a session named `what`.
pub fn session_line(what: &str, tls: Option<&SessionTls>) -> String {
    let Some(tls) = tls else {
        return format!("{what}: no TLS, everything (the password too) went in clear");
    };
    let version = tls.version.map_or("TLS", |v| v.label());
    match &tls.certificate {
        Some(c) => format!(
            "{what}: {version}, certificate {} issued by {}, valid {} to {}{}",
            c.subject,
            c.issuer,
            c.valid_from,
            c.valid_until,
            if c.broken.is_some() {
                " (not trusted)"
            } else {
                ""
            }
        ),
        None => format!("{what}: {version}, no certificate seen"),
    }
}

/// The choices of the security setting, with what each means.
pub const CHOICES: [(Security, &str, &str); 3] = [
    (Security::StartTls, "starttls", "STARTTLS (587, 110, 143)"),
    (
        Security::Implicit,
        "implicit",
        "TLS from the start (465, 995, 993)",
    ),
    (Security::Off, "off", "none (everything in clear)"),
];

/// The setting named `value` (one of [`CHOICES`]).
pub fn security_named(value: &str) -> Security {
    CHOICES
        .iter()
        .find(|(_, name, _)| *name == value)
        .map_or(Security::default(), |(s, _, _)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls_layer::TlsVersion;

    #[test]
    fn the_line_names_the_certificate_or_says_it_went_in_clear() {
        let tls = SessionTls {
            version: Some(TlsVersion::Tls13),
            certificate: crate::tls_catalog::host_certificate("mx.corp.example").copied(),
        };
        assert_eq!(
            session_line("IMAP refresh", Some(&tls)),
            "IMAP refresh: TLS 1.3, certificate O=Mail Sandbox, CN=mx.corp.example issued by \
             O=Mail Sandbox, CN=Mail Sandbox Root CA, valid 2024-01-01 to 2099-12-31"
        );
        assert!(session_line("Send", None).contains("in clear"));
        assert_eq!(security_named("implicit"), Security::Implicit);
        assert_eq!(security_named("bogus"), Security::StartTls);
    }
}
