//! "Did you mean ...?" for mistyped commands.

use super::explain::{commands, Protocol};

/// Levenshtein distance, small strings only.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn usage(proto: Protocol, cmd: &str) -> String {
    match (proto, cmd) {
        (Protocol::Smtp, "MAIL") => "MAIL FROM:<you@example>".into(),
        (Protocol::Smtp, "RCPT") => "RCPT TO:<them@example>".into(),
        (Protocol::Smtp, "EHLO") => "EHLO your.host.name".into(),
        (Protocol::Imap, c) => format!("a1 {c} ..."),
        (_, c) => c.to_string(),
    }
}

/// A hint for a client line the server rejected as unknown or malformed, e.g.
/// `RCTP TO:<a@b>` -> "did you mean RCPT TO:<them@example>?".
pub fn hint_for(proto: Protocol, line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    let first = if proto == Protocol::Imap {
        let tag = words.next()?;
        match words.next() {
            Some(w) => w,
            // A learner often forgets the tag.
            None => {
                return commands(proto)
                    .any(|c| c.eq_ignore_ascii_case(tag))
                    .then(|| {
                        format!(
                            "IMAP commands start with a tag: try \"a1 {}\"",
                            tag.to_ascii_uppercase()
                        )
                    });
            }
        }
    } else {
        words.next()?
    };
    let word = first
        .split(':')
        .next()
        .unwrap_or(first)
        .to_ascii_uppercase();
    if proto == Protocol::Imap
        && commands(Protocol::Imap)
            .any(|c| c.eq_ignore_ascii_case(line.split_whitespace().next().unwrap_or("")))
    {
        return Some(format!(
            "IMAP commands start with a tag: try \"a1 {}\"",
            line.trim()
        ));
    }
    if proto == Protocol::Smtp && (word == "MAIL" || word == "RCPT") && !line.contains(':') {
        return Some(format!("did you mean {}?", usage(proto, &word)));
    }
    if proto == Protocol::Smtp && (word == "MAIL" || word == "RCPT") && !line.contains('<') {
        return Some(format!(
            "addresses go in angle brackets: {}",
            usage(proto, &word)
        ));
    }
    let best = commands(proto)
        .map(|c| (distance(&word, c), c))
        .min_by_key(|(d, _)| *d)?;
    (best.0 > 0 && best.0 <= 2).then(|| format!("did you mean {}?", usage(proto, best.1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            hint_for(Protocol::Smtp, "RCTP TO:<a@b>").as_deref(),
            Some("did you mean RCPT TO:<them@example>?")
        );
        assert_eq!(
            hint_for(Protocol::Smtp, "EHOL me").as_deref(),
            Some("did you mean EHLO your.host.name?")
        );
        assert_eq!(
            hint_for(Protocol::Smtp, "MAIL <a@b>").as_deref(),
            Some("did you mean MAIL FROM:<you@example>?")
        );
        assert!(hint_for(Protocol::Smtp, "RCPT TO:a@b")
            .unwrap()
            .contains("angle brackets"));
        assert_eq!(
            hint_for(Protocol::Pop3, "STAAT").as_deref(),
            Some("did you mean STAT?")
        );
        assert!(hint_for(Protocol::Imap, "LOGIN boss boss")
            .unwrap()
            .contains("tag"));
        assert!(hint_for(Protocol::Smtp, "XYZZY").is_none());
    }
}
