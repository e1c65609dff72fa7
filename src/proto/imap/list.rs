//! LIST and LSUB (RFC 3501 §6.3.8, §6.3.9): pattern matching with `*` and `%`, the hierarchy
//! attributes of RFC 3348 (CHILDREN) and the special-use attributes of RFC 6154.

use super::mutf7::NameEncoding;
use super::parse::ListOptions;
use crate::ordered::SortedSet;
use crate::store::{Mailbox, SEPARATOR};

/// True when `name` matches `pattern`: `*` matches anything, `%` anything but the hierarchy
/// separator. `INBOX` matches case-insensitively (RFC 3501 §5.1).
pub fn matches(pattern: &str, name: &str) -> bool {
    // Leading letters of the pattern that spell (part of) INBOX match it in any case.
    let k = pattern
        .bytes()
        .take(5)
        .take_while(|b| b.is_ascii_alphabetic())
        .count();
    let norm;
    let pattern = if k > 0
        && pattern[..k].eq_ignore_ascii_case(&"INBOX"[..k])
        && (name == "INBOX" || name.starts_with("INBOX/"))
    {
        norm = format!("{}{}", &"INBOX"[..k], &pattern[k..]);
        norm.as_str()
    } else {
        pattern
    };
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // m[j]: the first i pattern chars match the first j name chars.
    let mut m = vec![false; n.len() + 1];
    m[0] = true;
    for &pc in &p {
        let mut next = vec![false; n.len() + 1];
        match pc {
            '*' | '%' => {
                for j in 0..=n.len() {
                    next[j] =
                        m[j] || (j > 0 && next[j - 1] && (pc == '*' || n[j - 1] != SEPARATOR));
                }
            }
            c => {
                for j in 1..=n.len() {
                    next[j] = m[j - 1] && n[j - 1] == c;
                }
            }
        }
        m = next;
    }
    m[n.len()]
}

/// The untagged LIST or LSUB responses for `reference` joined with each of `patterns`, each
/// with the mailbox name it is about.
pub fn respond(
    mailbox: &Mailbox,
    reference: &str,
    patterns: &[String],
    lsub: bool,
    opts: ListOptions,
    encoding: NameEncoding,
) -> Vec<(Vec<u8>, String)> {
    let kind = if lsub { "LSUB" } else { "LIST" };
    let mut lines = Vec::new();
    if patterns.len() == 1 && patterns[0].is_empty() {
        // RFC 3501 §6.3.8: the hierarchy delimiter and the root of the reference.
        let root = reference.split(SEPARATOR).next().unwrap_or("");
        let mut out = format!("* {kind} (\\Noselect) \"/\" ").into_bytes();
        encoding.write(&mut out, root);
        out.extend_from_slice(b"\r\n");
        return vec![(out, String::new())];
    }
    // RFC 3501 §6.3.8: the reference and the pattern are joined (with one separator).
    let full: Vec<String> = patterns
        .iter()
        .map(|pattern| {
            match (
                reference.ends_with(SEPARATOR),
                pattern.strip_prefix(SEPARATOR),
            ) {
                (true, Some(rest)) => format!("{reference}{rest}"),
                _ => format!("{reference}{pattern}"),
            }
        })
        .collect();
    let hides_children = full.iter().any(|f| f.ends_with('%'));
    let subscribed_only = lsub || opts.select_subscribed;
    let existing: SortedSet<&str> =
        crate::sorting::set_of(mailbox.folders.keys().map(String::as_str));
    let mut names: SortedSet<String> = SortedSet::new();
    let source: Vec<&str> = if subscribed_only {
        mailbox.subscribed.iter().map(String::as_str).collect()
    } else {
        existing.iter().copied().collect()
    };
    for name in source {
        names.insert(name.to_string());
        // LIST shows parents that do not exist; LSUB shows unsubscribed parents of
        // subscribed names, but only where `%` hides the child (RFC 3501 §6.3.9); and
        // RECURSIVEMATCH parents with subscribed children (RFC 5258 §3.1).
        if !subscribed_only || (lsub && hides_children) || opts.recursive_match {
            let mut acc = String::new();
            for part in name.split(SEPARATOR) {
                if !acc.is_empty() {
                    names.insert(acc.clone());
                    acc.push(SEPARATOR);
                }
                acc.push_str(part);
            }
        }
    }
    let mut ordered: Vec<&String> = names.iter().filter(|n| *n == "INBOX").collect();
    ordered.extend(names.iter().filter(|n| *n != "INBOX"));
    for name in ordered {
        if !full.iter().any(|f| matches(f, name)) {
            continue;
        }
        let folder = mailbox.folders.get(name.as_str());
        if opts.select_special_use && folder.and_then(|f| f.special_use).is_none() {
            continue;
        }
        let subscribed = mailbox.subscribed.contains(name);
        // RFC 5258 §3.5: CHILDINFO for a name with a subscribed descendant that the
        // patterns do not match (one they match is listed itself and needs no parent).
        let child_info = opts.recursive_match && {
            let prefix = format!("{name}{SEPARATOR}");
            mailbox
                .subscribed
                .iter()
                .any(|s| s.starts_with(&prefix) && !full.iter().any(|f| matches(f, s)))
        };
        if opts.select_subscribed && !subscribed && !child_info {
            continue;
        }
        let mut attrs: Vec<&str> = Vec::new();
        if folder.is_none() {
            attrs.push(if opts.extended {
                "\\NonExistent"
            } else {
                "\\Noselect"
            });
        } else if lsub && !mailbox.subscribed.contains(name) {
            attrs.push("\\Noselect");
        }
        if opts.return_subscribed && mailbox.subscribed.contains(name) {
            attrs.push("\\Subscribed");
        }
        if !lsub {
            let prefix = format!("{name}{SEPARATOR}");
            if existing.iter().any(|e| e.starts_with(&prefix)) {
                attrs.push("\\HasChildren");
            } else {
                attrs.push("\\HasNoChildren");
            }
            if let Some(u) = folder.and_then(|f| f.special_use) {
                attrs.push(u.imap_attribute());
            }
        }
        let mut out = format!("* {kind} ({}) \"/\" ", attrs.join(" ")).into_bytes();
        encoding.write(&mut out, name);
        if child_info {
            out.extend_from_slice(b" (\"CHILDINFO\" (\"SUBSCRIBED\"))");
        }
        out.extend_from_slice(b"\r\n");
        lines.push((out, name.clone()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "a/b/c"));
        assert!(matches("%", "Sent"));
        assert!(!matches("%", "a/b"));
        assert!(matches("a/%", "a/b"));
        assert!(!matches("a/%", "a/b/c"));
        assert!(matches("a*c", "a/b/c"));
        assert!(matches("inbox", "INBOX"));
        assert!(matches("In%", "INBOX"));
        assert!(!matches("inbox", "Inbox2"));
        assert!(!matches("Sent", "sent"));
        assert!(matches("%/%", "Archive/2026"));
    }
}
