//! Masking the secret of a client's login line by its protocol's grammar, for a line no
//! session has marked yet (see [`crate::session::SecretInput`]): POP3 `PASS` and `APOP`
//! (RFC 1939 §7), SMTP/POP3 `AUTH` initial responses (RFC 4954 §4, RFC 5034 §4), IMAP
//! `LOGIN` (RFC 3501 §6.2.3) and `AUTHENTICATE` (RFC 4959), and SASL answers to a challenge.
//! The sandbox's transcripts and the bridge's `--trace` call it.

/// Masks the secret of a login line, so transcripts shown or exported never carry passwords:
/// `PASS x`, `LOGIN user pass`, `AUTH PLAIN <b64>` (any mechanism's initial response), `APOP
/// name digest`, and any answer to a challenge (`after_challenge`: base64 after `334`/`+ `).
/// Verbs are matched case-insensitively and words may be separated by any run of spaces or tabs,
/// as the servers accept them.
pub fn mask_secret(line: &str, after_challenge: bool) -> String {
    let words: Vec<&str> = line.split_ascii_whitespace().collect();
    let is = |i: usize, verb: &str| words.get(i).is_some_and(|w| w.eq_ignore_ascii_case(verb));
    if is(0, "PASS") {
        return "PASS ********".into();
    }
    if is(0, "AUTH") && words.len() >= 3 {
        return format!("{} {} ********", words[0], words[1]);
    }
    // IMAP: tag LOGIN user pass / tag AUTHENTICATE mechanism initial-response
    if words.len() >= 4 && (is(1, "LOGIN") || is(1, "AUTHENTICATE")) {
        return format!("{} {} {} ********", words[0], words[1], words[2]);
    }
    if is(0, "APOP") && words.len() >= 3 {
        return format!("APOP {} ********", words[1]);
    }
    if after_challenge && !line.trim().is_empty() && line.trim() != "*" {
        return "********".into();
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_secret("PASS hunter2", false), "PASS ********");
        assert_eq!(
            mask_secret("a1 LOGIN boss secret", false),
            "a1 LOGIN boss ********"
        );
        assert_eq!(
            mask_secret("AUTH PLAIN AGJvc3MAYm9zcw==", false),
            "AUTH PLAIN ********"
        );
        assert_eq!(mask_secret("dXNlcg==", true), "********");
        assert_eq!(mask_secret("NOOP", false), "NOOP");
    }

    /// Regression (security tests): the servers accept these spellings, so the mask must too.
    #[test]
    fn secrets_are_masked_whatever_the_spacing_and_case() {
        assert_eq!(mask_secret("  PASS hunter2", false), "PASS ********");
        assert_eq!(mask_secret("PASS\thunter2", false), "PASS ********");
        assert_eq!(mask_secret("pass  hunter2", false), "PASS ********");
        assert_eq!(
            mask_secret("AUTH  PLAIN AGJvc3MAYm9zcw==", false),
            "AUTH PLAIN ********"
        );
        assert_eq!(
            mask_secret("auth\tplain\tAGJvc3MAYm9zcw==", false),
            "auth plain ********"
        );
        assert_eq!(mask_secret("AUTH PLAIN", false), "AUTH PLAIN");
        assert_eq!(mask_secret("*", true), "*");
    }
}
