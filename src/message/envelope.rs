//! The envelope of a message as IMAP FETCH ENVELOPE reports it (RFC 3501 §7.4.2): raw header
//! values (encoded-words are left as they are; the client decodes them) and address lists
//! split into name, route, mailbox and host, with group syntax (RFC 5322 §3.4) marked by
//! group-start and group-end entries.

use super::HeaderBlock;

/// One entry of an envelope address list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvAddr {
    Mailbox {
        /// Display name, raw (maybe encoded-words), unquoted.
        name: Option<String>,
        /// Obsolete source route (`@a,@b`), without the final colon.
        adl: Option<String>,
        mailbox: String,
        host: String,
    },
    /// `name:` starts a group.
    GroupStart(String),
    /// `;` ends it.
    GroupEnd,
}

/// The ten envelope fields; `None` is NIL (an empty address list is also NIL).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    pub date: Option<String>,
    pub subject: Option<String>,
    pub from: Vec<EnvAddr>,
    /// Defaults to `from` when the header is missing (RFC 3501 §7.4.2).
    pub sender: Vec<EnvAddr>,
    /// Defaults to `from` when the header is missing.
    pub reply_to: Vec<EnvAddr>,
    pub to: Vec<EnvAddr>,
    pub cc: Vec<EnvAddr>,
    pub bcc: Vec<EnvAddr>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
}

/// The envelope of the message whose header starts at `raw[0]`.
pub fn envelope(raw: &[u8]) -> Envelope {
    let block = HeaderBlock::new(raw);
    let h = |name: &str| block.get(name);
    let list = |name: &str| h(name).map(|v| parse_addresses(&v)).unwrap_or_default();
    let from = list("From");
    let or_from = |v: Vec<EnvAddr>| if v.is_empty() { from.clone() } else { v };
    Envelope {
        date: h("Date"),
        subject: h("Subject"),
        sender: or_from(list("Sender")),
        reply_to: or_from(list("Reply-To")),
        from: from.clone(),
        to: list("To"),
        cc: list("Cc"),
        bcc: list("Bcc"),
        in_reply_to: h("In-Reply-To"),
        message_id: h("Message-ID"),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Special(u8),
    /// A comment's text, without its outer parentheses.
    Comment(String),
}

fn tokens(v: &str) -> Vec<Tok> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'(' => {
                // Comments nest (RFC 5322 §3.2.2); the text is kept, for the old
                // `user@host (Real Name)` form of a display name (RFC 822 §6.1).
                let mut depth = 0;
                let mut text = Vec::new();
                while i < b.len() {
                    match b[i] {
                        b'\\' => {
                            i += 1;
                            if let Some(&c) = b.get(i) {
                                text.push(c);
                            }
                        }
                        b'(' => {
                            if depth > 0 {
                                text.push(b'(');
                            }
                            depth += 1;
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                            text.push(b')');
                        }
                        c => text.push(c),
                    }
                    i += 1;
                }
                let text = String::from_utf8_lossy(&text).trim().to_string();
                out.push(Tok::Comment(text));
            }
            b'"' => {
                let mut s = Vec::new();
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    s.push(b[i]);
                    i += 1;
                }
                i += 1;
                out.push(Tok::Word(String::from_utf8_lossy(&s).into_owned()));
            }
            c @ (b'<' | b'>' | b',' | b':' | b';') => {
                out.push(Tok::Special(c));
                i += 1;
            }
            _ => {
                let start = i;
                while i < b.len() && !b" \t\r\n(\"<>,:;".contains(&b[i]) {
                    i += 1;
                }
                out.push(Tok::Word(v[start..i].to_string()));
            }
        }
    }
    out
}

/// Splits an address-list header value (RFC 5322 §3.4) into envelope entries.
pub fn parse_addresses(value: &str) -> Vec<EnvAddr> {
    let mut out = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut angle: Option<String> = None;
    let mut in_angle = false;
    let mut in_group = false;
    // The last comment of the current address: its display name when it has no phrase.
    let mut comment: Option<String> = None;
    let flush = |words: &mut Vec<String>,
                 angle: &mut Option<String>,
                 comment: &mut Option<String>,
                 out: &mut Vec<EnvAddr>| {
        let comment = comment.take().filter(|c| !c.is_empty());
        let (name, spec) = match angle.take() {
            Some(a) => ((!words.is_empty()).then(|| words.join(" ")).or(comment), a),
            None => (comment, words.concat()),
        };
        words.clear();
        if spec.is_empty() {
            return;
        }
        let (adl, spec) = match spec.rsplit_once(':') {
            Some((route, s)) if route.starts_with('@') => (Some(route.to_string()), s.to_string()),
            _ => (None, spec),
        };
        let (mailbox, host) = match spec.rsplit_once('@') {
            Some((m, h)) => (m.to_string(), h.to_string()),
            None => (spec, String::new()),
        };
        out.push(EnvAddr::Mailbox {
            name,
            adl,
            mailbox,
            host,
        });
    };
    for t in tokens(value) {
        match t {
            Tok::Word(w) if in_angle => angle.get_or_insert_with(String::new).push_str(&w),
            Tok::Comment(_) if in_angle => {}
            Tok::Comment(c) => comment = Some(c),
            Tok::Special(b':') if in_angle => angle.get_or_insert_with(String::new).push(':'),
            Tok::Special(b',') if in_angle => angle.get_or_insert_with(String::new).push(','),
            Tok::Word(w) => words.push(w),
            Tok::Special(b'<') => {
                in_angle = true;
                angle = Some(String::new());
            }
            Tok::Special(b'>') => in_angle = false,
            Tok::Special(b':') if !in_group => {
                out.push(EnvAddr::GroupStart(words.join(" ")));
                words.clear();
                comment = None;
                in_group = true;
            }
            Tok::Special(b',') => flush(&mut words, &mut angle, &mut comment, &mut out),
            Tok::Special(b';') => {
                flush(&mut words, &mut angle, &mut comment, &mut out);
                if in_group {
                    out.push(EnvAddr::GroupEnd);
                    in_group = false;
                }
            }
            Tok::Special(_) => {}
        }
    }
    flush(&mut words, &mut angle, &mut comment, &mut out);
    if in_group {
        out.push(EnvAddr::GroupEnd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mb(name: Option<&str>, mailbox: &str, host: &str) -> EnvAddr {
        EnvAddr::Mailbox {
            name: name.map(str::to_string),
            adl: None,
            mailbox: mailbox.into(),
            host: host.into(),
        }
    }

    #[test]
    fn names_quotes_comments_and_encoded_words_stay_raw() {
        assert_eq!(
            parse_addresses(
                "\"Smith, J\" <smith@isp.example>, =?UTF-8?Q?Andr=C3=A9?= <andre@x.example>, bare@y.example (Comment)"
            ),
            vec![
                mb(Some("Smith, J"), "smith", "isp.example"),
                mb(Some("=?UTF-8?Q?Andr=C3=A9?="), "andre", "x.example"),
                mb(Some("Comment"), "bare", "y.example"),
            ]
        );
    }

    #[test]
    fn a_trailing_comment_is_the_display_name_when_there_is_no_phrase() {
        assert_eq!(
            parse_addresses("user@domain (Real Name), Ann <ann@x.example> (work), (x) <b@y>"),
            vec![
                mb(Some("Real Name"), "user", "domain"),
                mb(Some("Ann"), "ann", "x.example"),
                mb(Some("x"), "b", "y"),
            ]
        );
        assert_eq!(
            parse_addresses("joe@x.example (Joe \\(the \\) (nested) one)"),
            vec![mb(Some("Joe (the ) (nested) one"), "joe", "x.example")]
        );
        assert_eq!(
            parse_addresses("<@a.example,@b.example:joe@x.example>, G: (Gee) g@x;"),
            vec![
                EnvAddr::Mailbox {
                    name: None,
                    adl: Some("@a.example,@b.example".into()),
                    mailbox: "joe".into(),
                    host: "x.example".into()
                },
                EnvAddr::GroupStart("G".into()),
                mb(Some("Gee"), "g", "x"),
                EnvAddr::GroupEnd,
            ]
        );
    }

    #[test]
    fn groups_and_routes() {
        assert_eq!(
            parse_addresses(
                "Team: boss@corp.example, Al <al@corp.example>;, undisclosed-recipients:;"
            ),
            vec![
                EnvAddr::GroupStart("Team".into()),
                mb(None, "boss", "corp.example"),
                mb(Some("Al"), "al", "corp.example"),
                EnvAddr::GroupEnd,
                EnvAddr::GroupStart("undisclosed-recipients".into()),
                EnvAddr::GroupEnd,
            ]
        );
        assert_eq!(
            parse_addresses("<@relay.example:joe@x.example>"),
            vec![EnvAddr::Mailbox {
                name: None,
                adl: Some("@relay.example".into()),
                mailbox: "joe".into(),
                host: "x.example".into()
            }]
        );
    }

    #[test]
    fn missing_headers_default_sender_and_reply_to_to_from() {
        let e = envelope(b"From: Ann <ann@x.example>\r\nSubject: =?UTF-8?B?w6k=?=\r\n\r\nbody");
        assert_eq!(e.subject.as_deref(), Some("=?UTF-8?B?w6k=?="));
        assert_eq!(e.sender, e.from);
        assert_eq!(e.reply_to, e.from);
        assert!(e.to.is_empty());
        assert_eq!(e.date, None);
        assert_eq!(e.message_id, None);
    }
}
