//! Mailpit's search syntax (its "search filters" documentation): words and `"quoted phrases"`
//! separated by spaces, all of which must match (ignoring case); a word may be a filter:
//! `from:`, `to:`, `cc:`, `bcc:`, `reply-to:`, `addressed:` (any of to/cc/bcc/from),
//! `subject:`, `message-id:`, `is:read`, `is:unread`, `has:attachment`, `has:inline`; and a
//! leading `-` or `!` turns any of them into "must not match". A free word matches the
//! subject, the addresses and names, the Message-ID and the text and HTML bodies.

use super::view::{MailAddress, MessageView};

/// Most terms in one query (a longer query is refused: searching stays bounded).
const MAX_TERMS: usize = 32;

/// What one term asks of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Free text (lower case).
    Text(String),
    From(String),
    To(String),
    Cc(String),
    Bcc(String),
    ReplyTo(String),
    Addressed(String),
    Subject(String),
    MessageId(String),
    Read(bool),
    HasAttachment,
    HasInline,
}

/// One term: a condition, maybe negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub negated: bool,
    pub condition: Condition,
}

/// A parsed query: every term must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    /// Parses a query; an empty one (or one with too many terms) is an error.
    pub fn parse(text: &str) -> Result<Query, String> {
        let words = split_words(text);
        if words.is_empty() {
            return Err("an empty search query".into());
        }
        if words.len() > MAX_TERMS {
            return Err(format!("at most {MAX_TERMS} search terms"));
        }
        let terms = words.iter().map(|w| term(w)).collect();
        Ok(Query { terms })
    }

    /// True when a message (its view and read flag) matches every term.
    pub fn matches(&self, view: &MessageView, read: bool) -> bool {
        self.terms
            .iter()
            .all(|t| condition_holds(&t.condition, view, read) != t.negated)
    }

    /// True when the query only needs the read flag (no parsing of the message).
    pub fn is_flags_only(&self) -> bool {
        self.terms
            .iter()
            .all(|t| matches!(t.condition, Condition::Read(_)))
    }
}

/// Splits on white space, keeping `"quoted phrases"` (also as a filter's value:
/// `subject:"two words"`) together, quotes removed.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn term(word: &str) -> Term {
    let (negated, word) = match word.strip_prefix(['-', '!']) {
        Some(rest) if !rest.is_empty() => (true, rest),
        _ => (false, word),
    };
    let lower = word.to_lowercase();
    let condition = match lower.split_once(':') {
        Some((key, value)) if !value.is_empty() => {
            let value = value.to_string();
            match key {
                "from" => Condition::From(value),
                "to" => Condition::To(value),
                "cc" => Condition::Cc(value),
                "bcc" => Condition::Bcc(value),
                "reply-to" => Condition::ReplyTo(value),
                "addressed" => Condition::Addressed(value),
                "subject" => Condition::Subject(value),
                "message-id" => Condition::MessageId(value.trim_matches(['<', '>']).to_string()),
                "is" if value == "read" => Condition::Read(true),
                "is" if value == "unread" => Condition::Read(false),
                "has" if value.starts_with("attachment") => Condition::HasAttachment,
                "has" if value == "inline" => Condition::HasInline,
                _ => Condition::Text(lower),
            }
        }
        _ => Condition::Text(lower),
    };
    Term { negated, condition }
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(needle)
}

fn any_address(list: &[MailAddress], needle: &str) -> bool {
    list.iter()
        .any(|a| contains(&a.address, needle) || contains(&a.name, needle))
}

fn condition_holds(c: &Condition, v: &MessageView, read: bool) -> bool {
    let from = v.from.as_slice();
    match c {
        Condition::Read(want) => read == *want,
        Condition::HasAttachment => !v.attachments.is_empty(),
        Condition::HasInline => !v.inline.is_empty(),
        Condition::From(s) => any_address(from, s),
        Condition::To(s) => any_address(&v.to, s),
        Condition::Cc(s) => any_address(&v.cc, s),
        Condition::Bcc(s) => any_address(&v.bcc, s),
        Condition::ReplyTo(s) => any_address(&v.reply_to, s),
        Condition::Addressed(s) => [from, &v.to, &v.cc, &v.bcc]
            .iter()
            .any(|list| any_address(list, s)),
        Condition::Subject(s) => contains(&v.subject, s),
        Condition::MessageId(s) => contains(&v.message_id, s),
        Condition::Text(s) => {
            contains(&v.subject, s)
                || [from, &v.to, &v.cc, &v.bcc, &v.reply_to]
                    .iter()
                    .any(|list| any_address(list, s))
                || contains(&v.message_id, s)
                || contains(&v.text, s)
                || contains(&v.html, s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> MessageView {
        MessageView::new(
            b"From: Shop <noreply@shop.example>\r\nTo: ann@example.com\r\n\
Subject: Reset your password\r\nMessage-ID: <x1@shop.example>\r\n\r\n\
Click the link to reset it.\r\n",
        )
    }

    fn hit(q: &str, read: bool) -> bool {
        Query::parse(q).unwrap().matches(&view(), read)
    }

    #[test]
    fn filters_phrases_and_negation() {
        assert!(hit("to:ann@example.com", false));
        assert!(hit("from:shop subject:password", false));
        assert!(hit("subject:\"reset your\"", false));
        assert!(hit("\"to reset it\"", false));
        assert!(!hit("\"reset it to\"", false));
        assert!(hit("PASSWORD", false));
        assert!(!hit("to:bob@example.com", false));
        assert!(hit("-to:bob@example.com", false));
        assert!(!hit("!from:shop", false));
        assert!(hit("is:unread", false));
        assert!(!hit("is:unread", true));
        assert!(hit("is:read message-id:x1@shop.example", true));
        assert!(!hit("has:attachment", false));
        assert!(hit("addressed:ann", false));
        assert!(Query::parse("  ").is_err());
        assert!(Query::parse(&"a ".repeat(40)).is_err());
        assert!(Query::parse("is:unread").unwrap().is_flags_only());
    }
}
