//! Which client input of IMAP carries a secret, so the session can mark it for transcripts
//! (see [`crate::session::SecretInput`]): LOGIN's password (RFC 3501 §6.2.3), its literals, and
//! AUTHENTICATE's initial response (RFC 4959) and later responses (RFC 3501 §6.2.2).

/// The command name of a (possibly partial) command: the word after the tag.
fn command_name(cmd: &[u8]) -> Option<&[u8]> {
    cmd.split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .nth(1)
}

/// True when the command being framed is a LOGIN: each literal it announces is the user name
/// or the password.
pub(super) fn is_login(partial: &[u8]) -> bool {
    command_name(partial).is_some_and(|w| w.eq_ignore_ascii_case(b"LOGIN"))
}

/// For a complete command that carries a secret on its last line, how many words of that line
/// stay readable (`a1 LOGIN boss`, `a1 AUTHENTICATE PLAIN`).
pub(super) fn shown_words(cmd: &[u8]) -> Option<u8> {
    let name = command_name(cmd)?;
    let words = cmd
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .count();
    // `tag LOGIN user` / `tag AUTHENTICATE mechanism` stay readable.
    let login = name.eq_ignore_ascii_case(b"LOGIN");
    let initial_response = name.eq_ignore_ascii_case(b"AUTHENTICATE") && words > 3;
    (login || initial_response).then_some(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_and_authenticate_with_a_response_carry_secrets() {
        assert_eq!(shown_words(b"a1 login boss secret"), Some(3));
        assert_eq!(shown_words(b"a1 AUTHENTICATE PLAIN AGJvc3M="), Some(3));
        assert_eq!(shown_words(b"a1 AUTHENTICATE PLAIN"), None);
        assert_eq!(shown_words(b"a1 SELECT INBOX"), None);
        assert!(is_login(b"a1 LOGIN {4}"));
        assert!(!is_login(b"a1 APPEND INBOX {4}"));
    }
}
