//! SEARCH and UID SEARCH (RFC 3501 §6.4.4): the grammar of search keys; the matching is
//! [`crate::proto::imap::search`].

use super::prelude::*;
use crate::proto::imap::context::{Partial, UpdateContext, View, MAX_CONTEXTS};
use crate::proto::imap::esearch;
use crate::proto::imap::response::string;
use crate::proto::imap::search::{matches, Candidate, SearchKey};

pub(super) const SEARCH: Spec = Spec::new(
    Verb::Search,
    Valid::Selected,
    "Find messages by flags, headers, text (any case; é precomposed or not: i;unicode-casemap), dates (also SAVEDON... the day saved), age (OLDER/YOUNGER seconds), sizes, MODSEQ; RETURN (MIN MAX ALL COUNT) answers in one ESEARCH line, RETURN (SAVE) keeps the result as $.",
    "RFC 3501 §6.4.4, RFC 4731, RFC 5182, RFC 5255 §4.2, RFC 7162 §3.1.5",
    parse_search,
)
.with_uid();

/// ESEARCH's `RETURN (...)` (RFC 4731 §3.1), with CONTEXT=SEARCH's options (RFC 5267 §4):
/// which results to send in `* ESEARCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SearchReturn {
    /// SEARCHRES (RFC 5182 §2.1): keep the result for `$`.
    pub save: bool,
    pub min: bool,
    pub max: bool,
    pub all: bool,
    pub count: bool,
    /// `PARTIAL m:n`: the results at those positions (RFC 5267 §4.4).
    pub partial: Option<Partial>,
    /// `UPDATE`: tell the client as the result changes (RFC 5267 §4.3).
    pub update: bool,
    /// `CONTEXT`: a hint that the search comes again (RFC 5267 §4.2); nothing to do here.
    pub context: bool,
}

impl SearchReturn {
    /// Options that ask for return data in the `* ESEARCH` line.
    pub fn wants_data(&self) -> bool {
        self.min || self.max || self.all || self.count || self.partial.is_some()
    }
}

/// SEARCH's and SORT's optional `RETURN (MIN MAX ALL COUNT SAVE PARTIAL m:n UPDATE CONTEXT)`
/// and the space after it (RFC 4731 §3.1, RFC 5267 §3.1); an empty list means ALL.
pub(super) fn return_options(p: &mut Parser<'_>) -> R<Option<SearchReturn>> {
    if !p.eat_word("RETURN") {
        return Ok(None);
    }
    p.sp("return options, e.g. (MIN MAX COUNT)")?;
    let mut r = SearchReturn::default();
    let opts = super::list::option_list(p, "return option")?;
    let mut words = opts.iter();
    while let Some(opt) = words.next() {
        match opt.as_str() {
            "SAVE" => r.save = true,
            "MIN" => r.min = true,
            "MAX" => r.max = true,
            "ALL" => r.all = true,
            "COUNT" => r.count = true,
            "UPDATE" => r.update = true,
            "CONTEXT" => r.context = true,
            "PARTIAL" => {
                let range = words.next().and_then(|w| partial_range(w));
                let Some(range) = range.filter(|_| r.partial.is_none()) else {
                    return Err("PARTIAL takes one range of positions, e.g. PARTIAL 1:500".into());
                };
                r.partial = Some(range);
            }
            other => {
                return Err(format!(
                    "Unknown return option {other} (use MIN, MAX, ALL, COUNT, SAVE, PARTIAL m:n, UPDATE or CONTEXT)"
                )
                .into())
            }
        }
    }
    if opts.is_empty() {
        r.all = true;
    }
    // RFC 5267 §4.4: one PARTIAL or one ALL, not both.
    if r.all && r.partial.is_some() {
        return Err("RETURN takes PARTIAL or ALL, not both".into());
    }
    p.sp("search criteria")?;
    Ok(Some(r))
}

/// `partial-range = nz-number ":" nz-number` (RFC 5267 §5).
fn partial_range(word: &str) -> Option<Partial> {
    let (a, b) = word.split_once(':')?;
    let n = |t: &str| -> Option<u32> {
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())
            .flatten()
            .filter(|&n| n > 0)
    };
    Some(Partial::new(n(a)?, n(b)?))
}

fn parse_search(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    p.sp("search criteria after SEARCH (e.g. ALL)")?;
    // Without the extensions RETURN is no keyword here (an unknown search key).
    let ret = if EXTENSIONS { return_options(p)? } else { None };
    if p.eat_word("CHARSET") {
        p.sp("charset name")?;
        charset(p)?;
        p.sp("search criteria")?;
    }
    Ok(Command::Search {
        uid: u.uid,
        ret,
        key: criteria(p)?,
    })
}

/// RFC 5182 §2.1: whether a SEARCH (or, with ESORT, SORT) command (arguments after the name) asks to SAVE its
/// result, read before the full parse so that a SEARCH that fails still empties `$`.
pub fn is_saving(name: &str, mut p: Parser<'_>) -> bool {
    matches!(name, "SEARCH" | "UID SEARCH" | "SORT" | "UID SORT")
        && p.sp("").is_ok()
        && p.eat_word("RETURN")
        && p.sp("").is_ok()
        && super::list::option_list(&mut p, "return option")
            .is_ok_and(|opts| opts.iter().any(|o| o == "SAVE"))
}

/// A charset name: UTF-8 and US-ASCII are known, others are `NO [BADCHARSET]`.
pub(super) fn charset(p: &mut Parser<'_>) -> R<()> {
    let cs = p.astring_text("charset name")?;
    if !cs.eq_ignore_ascii_case("UTF-8") && !cs.eq_ignore_ascii_case("US-ASCII") {
        return Err(ParseError::BadCharset(format!("Unsupported charset {cs}")));
    }
    Ok(())
}

/// The search keys to the end of the command, all of which must match.
pub(super) fn criteria(p: &mut Parser<'_>) -> R<SearchKey> {
    let mut keys = Vec::new();
    loop {
        keys.push(search_key(p, 0)?);
        if p.at_end() {
            break;
        }
        p.sp("search key")?;
    }
    Ok(if keys.len() == 1 {
        keys.pop().unwrap_or(SearchKey::All)
    } else {
        SearchKey::And(keys)
    })
}

impl ImapSession {
    /// The messages of the selected mailbox that match `key`: (sequence number, message).
    /// The messages of the selected mailbox that match `key`, with their sequence numbers;
    /// `now` is the wall-clock time in unix seconds (for OLDER and YOUNGER).
    pub(super) fn matching<'f>(
        &self,
        f: &'f crate::store::Folder,
        key: &SearchKey,
        now: i64,
    ) -> Vec<(u32, &'f crate::store::StoredMessage)> {
        let Some(sel) = self.mailbox() else {
            return Vec::new();
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
                saved: &sel.saved,
                now,
            };
            if matches(key, &c) {
                hits.push((i as u32 + 1, m));
            }
        }
        hits
    }
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
    if p.peek()
        .is_some_and(|b| b.is_ascii_digit() || b == b'*' || b == b'$')
    {
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
        "SAVEDBEFORE" | "SAVEDON" | "SAVEDSINCE" if EXTENSIONS => {
            let what = format!("date after {word}");
            p.sp(&what)?;
            let d = p.date(&what)?;
            match word.as_str() {
                "SAVEDBEFORE" => K::SavedBefore(d),
                "SAVEDON" => K::SavedOn(d),
                _ => K::SavedSince(d),
            }
        }
        "SAVEDATESUPPORTED" if EXTENSIONS => K::SaveDateSupported,
        // RFC 5032 (WITHIN): an interval in seconds.
        "OLDER" | "YOUNGER" => {
            let what = format!("seconds after {word}");
            p.sp(&what)?;
            let n = p.number(&what)?;
            if n == 0 {
                return Err(format!("{word} takes a number of seconds of at least 1").into());
            }
            if word == "OLDER" {
                K::Older(n)
            } else {
                K::Younger(n)
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
        "MODSEQ" if EXTENSIONS => {
            // RFC 7162 §3.1.5: `MODSEQ ["/flags/<flag>" all|shared|priv] <mod-sequence>`; the
            // metadata entry is read and ignored (a message has one mod-sequence here).
            p.sp("mod-sequence after MODSEQ")?;
            if p.peek() == Some(b'"') {
                p.string("entry name after MODSEQ")?;
                p.sp("entry type (all, shared or priv)")?;
                p.atom();
                p.sp("mod-sequence after MODSEQ")?;
            }
            K::ModSeq(p.number64("mod-sequence after MODSEQ")?)
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
    #[allow(clippy::too_many_arguments)]
    pub(super) fn search(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        tag: &str,
        uid: bool,
        key: &SearchKey,
        ret: Option<SearchReturn>,
    ) -> Done {
        let Some(sel) = self.mailbox() else {
            return unselected();
        };
        let Some(f) = ctx.store.folder(user, &sel.name) else {
            if ret.is_some_and(|r| r.save) {
                self.forget_saved();
            }
            return no("The selected mailbox no longer exists");
        };
        let found = self.matching(f, key, ctx.clock.unix(now));
        let hits = esearch::hits(&found, uid);
        // RFC 7162 §3.1.5: a search by MODSEQ reports a mod-sequence.
        let with_modseq = key.uses_modseq() && !hits.is_empty();
        let line = match ret {
            None => esearch::plain_line("SEARCH", &hits, with_modseq),
            Some(r) => {
                // RFC 5267 §4.3: UPDATE under a tag that already names a context is refused.
                if r.update && self.has_context(tag) {
                    return bad(format!(
                        "Tag reuse: {tag} already names an UPDATE context (CANCELUPDATE it, or use a new tag)"
                    ));
                }
                let frozen = r.update.then(|| self.frozen(key));
                if r.save {
                    self.save_result(&found, &r);
                }
                // RFC 5182 §1: SAVE alone answers nothing but the tagged OK.
                if !r.wants_data() && !r.update {
                    return ok("SEARCH completed, result saved");
                }
                self.send(esearch::line(&esearch::Answer {
                    tag,
                    uid,
                    ret: r,
                    hits: &hits,
                    with_modseq,
                }));
                let Some(key) = frozen else {
                    return ok(if uid {
                        "UID SEARCH completed"
                    } else {
                        "SEARCH completed"
                    });
                };
                let mut result: Vec<u32> = found.iter().map(|(_, m)| m.uid).collect();
                crate::sorting::sort(&mut result);
                return self.keep_context(UpdateContext {
                    tag: tag.to_string(),
                    uid,
                    key,
                    now: ctx.clock.unix(now),
                    result,
                });
            }
        };
        self.send(line);
        ok(if uid {
            "UID SEARCH completed"
        } else {
            "SEARCH completed"
        })
    }

    /// True when an UPDATE context has the tag `tag` (RFC 5267 §4.3).
    fn has_context(&self, tag: &str) -> bool {
        self.mailbox()
            .is_some_and(|s| s.contexts.iter().any(|c| c.tag == tag))
    }

    /// `key` with its sequence numbers, `$` and `*` fixed as UIDs (RFC 5267 §4.3).
    fn frozen(&self, key: &SearchKey) -> SearchKey {
        match self.mailbox() {
            Some(sel) => View {
                uids: &sel.uids,
                recent: &sel.recent,
                saved: &sel.saved,
            }
            .freeze(key),
            None => key.clone(),
        }
    }

    /// Keeps an UPDATE context, or says it will not (RFC 5267 §4.3.1: the other return
    /// options were honoured all the same).
    fn keep_context(&mut self, context: UpdateContext) -> Done {
        let uid = context.uid;
        let what = if uid { "UID SEARCH" } else { "SEARCH" };
        let Some(sel) = self.mailbox_mut() else {
            return unselected();
        };
        if sel.contexts.len() >= MAX_CONTEXTS {
            let mut code = b"* NO [NOUPDATE ".to_vec();
            string(&mut code, context.tag.as_bytes());
            let line = format!(
                "{}] Too many UPDATE contexts ({MAX_CONTEXTS}): CANCELUPDATE one first",
                String::from_utf8_lossy(&code)
            );
            self.send(line);
            return ok(format!("{what} completed, will not notify"));
        }
        sel.contexts.push(context);
        ok(format!("{what} completed, will notify"))
    }

    /// SEARCHRES (RFC 5182 §2.1): keeps the UIDs of `found` (in answer order) for `$`; with
    /// MIN and/or MAX alone, only those messages (§2.4).
    pub(super) fn save_result(
        &mut self,
        found: &[(u32, &crate::store::StoredMessage)],
        r: &SearchReturn,
    ) {
        let all = esearch::hits(found, true);
        let mut uids: Vec<u32> = esearch::reported(r, &all)
            .iter()
            .map(|h| h.number)
            .collect();
        crate::sorting::sort(&mut uids);
        uids.dedup();
        if let Some(sel) = self.mailbox_mut() {
            sel.saved = uids;
        }
    }
}
