//! SEARCH and UID SEARCH (RFC 3501 §6.4.4): the grammar of search keys; the matching is
//! [`crate::proto::imap::search`].

use super::prelude::*;
use crate::proto::imap::search::{matches, Candidate, SearchKey};

pub(super) const SEARCH: Spec = Spec::new(
    "SEARCH",
    Valid::Selected,
    "Find messages by flags, headers, text, dates, sizes.",
    "RFC 3501 §6.4.4",
    parse_search,
)
.with_uid();

fn parse_search(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    p.sp("search criteria after SEARCH (e.g. ALL)")?;
    if p.eat_word("CHARSET") {
        p.sp("charset name")?;
        let cs = p.astring_text("charset name")?;
        if !cs.eq_ignore_ascii_case("UTF-8") && !cs.eq_ignore_ascii_case("US-ASCII") {
            return Err(ParseError::BadCharset(format!("Unsupported charset {cs}")));
        }
        p.sp("search criteria")?;
    }
    let mut keys = Vec::new();
    loop {
        keys.push(search_key(p, 0)?);
        if p.at_end() {
            break;
        }
        p.sp("search key")?;
    }
    Ok(Command::Search {
        uid: u.uid,
        key: if keys.len() == 1 {
            keys.pop().unwrap_or(SearchKey::All)
        } else {
            SearchKey::And(keys)
        },
    })
}

/// One search key (RFC 3501 §6.4.4).
fn search_key(p: &mut Parser<'_>, depth: usize) -> R<SearchKey> {
    use SearchKey as K;
    if depth > 50 {
        return Err("Search criteria nested too deeply".into());
    }
    if p.eat(b'(') {
        let mut keys = Vec::new();
        loop {
            keys.push(search_key(p, depth + 1)?);
            if p.eat(b')') {
                break;
            }
            p.sp("search key or )")?;
        }
        return Ok(K::And(keys));
    }
    if p.peek().is_some_and(|b| b.is_ascii_digit() || b == b'*') {
        return Ok(K::Seq(p.sequence_set("message set")?));
    }
    let word = String::from_utf8_lossy(p.atom()).to_ascii_uppercase();
    let arg = |p: &mut Parser<'_>| -> R<String> {
        p.sp(&format!("argument after {word}"))?;
        p.astring_text(&format!("argument after {word}"))
    };
    Ok(match word.as_str() {
        "ALL" => K::All,
        "ANSWERED" => K::Answered,
        "DELETED" => K::Deleted,
        "DRAFT" => K::Draft,
        "FLAGGED" => K::Flagged,
        "NEW" => K::New,
        "OLD" => K::Old,
        "RECENT" => K::Recent,
        "SEEN" => K::Seen,
        "UNANSWERED" => K::Unanswered,
        "UNDELETED" => K::Undeleted,
        "UNDRAFT" => K::Undraft,
        "UNFLAGGED" => K::Unflagged,
        "UNSEEN" => K::Unseen,
        "KEYWORD" => K::Keyword(arg(p)?),
        "UNKEYWORD" => K::Unkeyword(arg(p)?),
        "BCC" | "BODY" | "CC" | "FROM" | "SUBJECT" | "TEXT" | "TO" => {
            let a = arg(p)?;
            match word.as_str() {
                "BCC" => K::Header("Bcc".into(), a),
                "CC" => K::Header("Cc".into(), a),
                "FROM" => K::Header("From".into(), a),
                "SUBJECT" => K::Header("Subject".into(), a),
                "TO" => K::Header("To".into(), a),
                "BODY" => K::Body(a),
                _ => K::Text(a),
            }
        }
        "HEADER" => {
            let name = arg(p)?;
            p.sp("string to look for in the header")?;
            let value = p.astring_text("string to look for in the header")?;
            K::Header(name, value)
        }
        "BEFORE" | "ON" | "SINCE" | "SENTBEFORE" | "SENTON" | "SENTSINCE" => {
            let what = format!("date after {word}");
            p.sp(&what)?;
            let d = p.date(&what)?;
            match word.as_str() {
                "BEFORE" => K::Before(d),
                "ON" => K::On(d),
                "SINCE" => K::Since(d),
                "SENTBEFORE" => K::SentBefore(d),
                "SENTON" => K::SentOn(d),
                _ => K::SentSince(d),
            }
        }
        "LARGER" | "SMALLER" => {
            let what = format!("size after {word}");
            p.sp(&what)?;
            let n = p.number(&what)?;
            if word == "LARGER" {
                K::Larger(n)
            } else {
                K::Smaller(n)
            }
        }
        "UID" => {
            p.sp("UID set after UID")?;
            K::Uid(p.sequence_set("UID set after UID")?)
        }
        "NOT" => {
            p.sp("search key after NOT")?;
            K::Not(Box::new(search_key(p, depth + 1)?))
        }
        "OR" => {
            p.sp("first search key after OR")?;
            let a = search_key(p, depth + 1)?;
            p.sp("second search key after OR")?;
            let b = search_key(p, depth + 1)?;
            K::Or(Box::new(a), Box::new(b))
        }
        "" => return Err("Expected a search key (ALL, UNSEEN, FROM \"x\", ...)".into()),
        other => return Err(format!("Unknown search key {other}").into()),
    })
}

impl ImapSession {
    pub(super) fn search(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        key: &SearchKey,
    ) -> Done {
        let Some(sel) = self.selected.as_ref() else {
            return bad("No mailbox selected");
        };
        let Some(f) = ctx.store.folder(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        let max_uid = sel.uids.last().copied().unwrap_or(0);
        let mut hits = Vec::new();
        for (i, &u) in sel.uids.iter().enumerate() {
            let Some(m) = f.by_uid(u) else { continue };
            let c = Candidate {
                msg: m,
                seq: i as u32 + 1,
                recent: sel.recent.contains(&u),
                exists: sel.exists(),
                max_uid,
            };
            if matches(key, &c) {
                hits.push(if uid { u } else { i as u32 + 1 }.to_string());
            }
        }
        let mut line = String::from("* SEARCH");
        for h in hits {
            line.push(' ');
            line.push_str(&h);
        }
        self.send(line);
        ok(if uid {
            "UID SEARCH completed"
        } else {
            "SEARCH completed"
        })
    }
}
