//! SORT and THREAD (RFC 5256): the matches of a search, ordered by sort keys, or threaded by
//! base subject (ORDEREDSUBJECT) or by their references (REFERENCES, see
//! [`crate::proto::imap::thread`]).

use super::prelude::*;
use super::search::{charset, criteria, return_options, SearchReturn};
use super::sort_display::{display_key, DisplayField};
use crate::message::envelope::{envelope, EnvAddr};
use crate::message::HeaderBlock;
use crate::proto::imap::casemap;
use crate::proto::imap::esearch;
use crate::proto::imap::search::SearchKey;
use crate::proto::imap::thread::{self, msg_ids, ThreadMessage};
use crate::store::StoredMessage;
use std::cmp::Ordering;

pub(super) const SORT: Spec = Spec::new(
    Verb::Sort,
    Valid::Selected,
    "Search, then order the matches by ARRIVAL, DATE, FROM, SUBJECT, SIZE, DISPLAYFROM (the name shown)... (REVERSE); RETURN (MIN MAX ALL COUNT) answers in one ESEARCH line, in sort order (ESORT).",
    "RFC 5256 §3, RFC 5267 §3.1, RFC 5957 §4",
    parse_sort,
)
.with_uid();
pub(super) const THREAD: Spec = Spec::new(
    Verb::Thread,
    Valid::Selected,
    "Search, then group the matches into threads: by subject (ORDEREDSUBJECT) or by Message-ID, In-Reply-To and References (REFERENCES; REFS: no grouping by subject, the thread with the newest message last).",
    "RFC 5256 §4",
    parse_thread,
)
.with_uid();

/// A SORT key (RFC 5256 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    /// SORT=DISPLAY (RFC 5957 §4).
    Display(DisplayField),
}

/// `SORT [RETURN (MIN MAX ALL COUNT SAVE)] (REVERSE DATE SUBJECT) UTF-8 ALL` (RFC 5256 §3,
/// ESORT: RFC 5267 §3.1).
fn parse_sort(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    p.sp("sort criteria, e.g. (REVERSE DATE)")?;
    let ret = return_options(p)?;
    // RFC 5267 §4.1: PARTIAL, UPDATE and CONTEXT in SORT are CONTEXT=SORT's.
    if ret.is_some_and(|r| r.partial.is_some() || r.update || r.context) {
        return Err(
            "PARTIAL, UPDATE and CONTEXT go with SEARCH here (CONTEXT=SEARCH); SORT takes MIN, MAX, ALL, COUNT and SAVE"
                .into(),
        );
    }
    let mut keys = Vec::new();
    let mut reverse = false;
    for word in super::list::option_list(p, "sort key")? {
        let key = match word.as_str() {
            "REVERSE" if !reverse => {
                reverse = true;
                continue;
            }
            "ARRIVAL" => SortKey::Arrival,
            "CC" => SortKey::Cc,
            "DATE" => SortKey::Date,
            "FROM" => SortKey::From,
            "SIZE" => SortKey::Size,
            "SUBJECT" => SortKey::Subject,
            "TO" => SortKey::To,
            "DISPLAYFROM" => SortKey::Display(DisplayField::From),
            "DISPLAYTO" => SortKey::Display(DisplayField::To),
            other => {
                return Err(format!(
                    "Unknown sort key {other} (use ARRIVAL CC DATE FROM SIZE SUBJECT TO DISPLAYFROM DISPLAYTO, each maybe after REVERSE)"
                )
                .into())
            }
        };
        keys.push((key, std::mem::take(&mut reverse)));
    }
    if keys.is_empty() || reverse {
        return Err("Sort criteria need a sort key, e.g. (DATE) or (REVERSE ARRIVAL)".into());
    }
    Ok(Command::Sort {
        uid: u.uid,
        ret,
        keys,
        key: charset_and_criteria(p)?,
    })
}

/// SORT's and THREAD's common tail: ` UTF-8 <search criteria>` (RFC 5256 §3).
fn charset_and_criteria(p: &mut Parser<'_>) -> R<SearchKey> {
    p.sp("charset, e.g. UTF-8")?;
    charset(p)?;
    p.sp("search criteria")?;
    criteria(p)
}

/// A threading algorithm (RFC 5256 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThreadAlgorithm {
    OrderedSubject,
    References,
    /// THREAD=REFS (draft-ietf-morg-inthread, as Dovecot implements it).
    Refs,
}

/// `THREAD REFERENCES UTF-8 ALL`.
fn parse_thread(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    p.sp("threading algorithm (ORDEREDSUBJECT, REFERENCES or REFS)")?;
    let algorithm = if p.eat_word("ORDEREDSUBJECT") {
        ThreadAlgorithm::OrderedSubject
    } else if p.eat_word("REFERENCES") {
        ThreadAlgorithm::References
    } else if p.eat_word("REFS") {
        ThreadAlgorithm::Refs
    } else {
        return Err("The threading algorithms here are ORDEREDSUBJECT, REFERENCES and REFS".into());
    };
    Ok(Command::Thread {
        uid: u.uid,
        algorithm,
        key: charset_and_criteria(p)?,
    })
}

/// The base subject (RFC 5256 §2.1), simplified: without `Re:`, `Fw:`, `Fwd:` (with `[blob]`s),
/// leading `[blob]`s, trailing `(fwd)` and `[Fwd: ...]` wrappers, blanks collapsed; as its
/// `i;unicode-casemap` key (RFC 5051), which SORT compares octet by octet and THREAD for
/// equality.
pub fn base_subject(subject: &str) -> String {
    let mut s: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    loop {
        let before = s.len();
        // Compared as bytes: a subject may end (or start) inside a multi-byte character there;
        // when the ASCII bytes match, the cut falls between characters.
        while s.len() >= 5 && s.as_bytes()[s.len() - 5..].eq_ignore_ascii_case(b"(fwd)") {
            s.truncate(s.len() - 5);
            s.truncate(s.trim_end().len());
        }
        s = strip_leaders(&s).to_string();
        if s.len() > 6 && s.as_bytes()[..5].eq_ignore_ascii_case(b"[fwd:") && s.ends_with(']') {
            s = s[5..s.len() - 1].trim().to_string();
        }
        if s.len() == before {
            return casemap::key(&s);
        }
    }
}

/// Leading `re:`/`fw:`/`fwd:` (each maybe with `[blob]`s before the colon) and `[blob]`s.
fn strip_leaders(mut s: &str) -> &str {
    loop {
        let t = s.trim_start();
        let lower = t.to_ascii_lowercase();
        let word = ["re", "fwd", "fw"]
            .into_iter()
            .find(|w| lower.starts_with(w));
        if let Some(w) = word {
            let mut rest = t[w.len()..].trim_start();
            while rest.starts_with('[') {
                match rest.find(']') {
                    Some(end) => rest = rest[end + 1..].trim_start(),
                    None => break,
                }
            }
            if let Some(after) = rest.strip_prefix(':') {
                s = after;
                continue;
            }
        }
        if t.starts_with('[') {
            if let Some(end) = t.find(']') {
                // A blob is removed only if something is left (RFC 5256 §2.1 step 4).
                if !t[end + 1..].trim().is_empty() {
                    s = &t[end + 1..];
                    continue;
                }
            }
        }
        return t;
    }
}

/// The sent date, or the arrival date without one (RFC 5256 §3 DATE).
fn sent_date(m: &StoredMessage) -> i64 {
    m.search_index().sent_at.unwrap_or(m.internal_date)
}

fn subject_of(m: &StoredMessage) -> String {
    base_subject(m.search_index().subject.as_deref().unwrap_or(""))
}

/// RFC 5256 §3: the `addr-mailbox` of the first address of a field as IMAP's ENVELOPE gives it
/// (a group's first address is the group, whose addr-mailbox is its name), as its
/// `i;unicode-casemap` key (RFC 5051); empty without one.
fn first_mailbox(m: &StoredMessage, field: SortKey) -> String {
    let e = envelope(&m.raw);
    let list = match field {
        SortKey::From => e.from,
        SortKey::To => e.to,
        _ => e.cc,
    };
    match list.into_iter().next() {
        Some(EnvAddr::Mailbox { mailbox, .. }) => casemap::key(&mailbox),
        Some(EnvAddr::GroupStart(name)) => casemap::key(&name),
        Some(EnvAddr::GroupEnd) | None => String::new(),
    }
}

fn compare(a: &StoredMessage, b: &StoredMessage, key: SortKey) -> Ordering {
    match key {
        SortKey::Arrival => a.internal_date.cmp(&b.internal_date),
        SortKey::Date => sent_date(a).cmp(&sent_date(b)),
        SortKey::Size => a.size().cmp(&b.size()),
        SortKey::Subject => subject_of(a).cmp(&subject_of(b)),
        SortKey::Cc | SortKey::From | SortKey::To => {
            first_mailbox(a, key).cmp(&first_mailbox(b, key))
        }
        SortKey::Display(field) => display_key(a, field).cmp(&display_key(b, field)),
    }
}

/// What a SORT asks: sequence numbers or UIDs, an ESORT answer, and the keys with REVERSE.
pub(super) struct Order<'a> {
    pub uid: bool,
    pub ret: Option<SearchReturn>,
    pub keys: &'a [(SortKey, bool)],
}

impl ImapSession {
    /// SORT (RFC 5256 §3); with `RETURN (...)`, ESORT's `* ESEARCH` answer (RFC 5267 §3.1).
    pub(super) fn run_sort(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        tag: &str,
        order: Order<'_>,
        key: &SearchKey,
    ) -> Done {
        let Some(f) = self.mailbox().and_then(|s| ctx.store.folder(user, &s.name)) else {
            if order.ret.is_some_and(|r| r.save) {
                self.forget_saved();
            }
            return no("The selected mailbox no longer exists");
        };
        let mut found = self.matching(f, key, ctx.clock.unix(now));
        // Ties fall back to the sequence number (RFC 5256 §3).
        crate::sorting::sort_by(&mut found, |(sa, a), (sb, b)| {
            order
                .keys
                .iter()
                .map(|&(k, reverse)| {
                    let o = compare(a, b, k);
                    if reverse {
                        o.reverse()
                    } else {
                        o
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| sa.cmp(sb))
        });
        let uid = order.uid;
        let hits = esearch::hits(&found, uid);
        // RFC 7162 §3.1.5: a SORT by MODSEQ reports the highest mod-sequence it returns.
        let with_modseq = key.uses_modseq() && !hits.is_empty();
        let done = ok(if uid {
            "UID SORT completed"
        } else {
            "SORT completed"
        });
        let line = match order.ret {
            None => esearch::plain_line("SORT", &hits, with_modseq),
            Some(r) => {
                if r.save {
                    self.save_result(&found, &r);
                }
                if !r.wants_data() {
                    return done;
                }
                esearch::line(&esearch::Answer {
                    tag,
                    uid,
                    ret: r,
                    hits: &hits,
                    with_modseq,
                })
            }
        };
        self.send(line);
        done
    }

    /// THREAD (RFC 5256 §4) on the messages that match `key`.
    pub(super) fn run_thread(
        &mut self,
        ctx: &mut HostCtx<'_>,
        now: Instant,
        user: &str,
        uid: bool,
        algorithm: ThreadAlgorithm,
        key: &SearchKey,
    ) -> Done {
        let Some(f) = self.mailbox().and_then(|s| ctx.store.folder(user, &s.name)) else {
            return no("The selected mailbox no longer exists");
        };
        let msgs: Vec<ThreadMessage> = self
            .matching(f, key, ctx.clock.unix(now))
            .into_iter()
            .map(|(seq, m)| thread_message(seq, if uid { m.uid } else { seq }, m, algorithm))
            .collect();
        let threads = match algorithm {
            ThreadAlgorithm::OrderedSubject => thread::ordered_subject(&msgs),
            ThreadAlgorithm::References => thread::references(&msgs),
            ThreadAlgorithm::Refs => thread::refs(&msgs),
        };
        self.send(format!("* THREAD {threads}").trim_end());
        ok(if uid {
            "UID THREAD completed"
        } else {
            "THREAD completed"
        })
    }
}

/// What threading needs of a message; the msg-ids only for REFERENCES.
fn thread_message(
    seq: u32,
    number: u32,
    m: &StoredMessage,
    algorithm: ThreadAlgorithm,
) -> ThreadMessage {
    let raw_subject = m.search_index().subject.as_deref().unwrap_or("");
    let subject = base_subject(raw_subject);
    let plain = raw_subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut t = ThreadMessage {
        number,
        seq,
        sent: sent_date(m),
        is_reply: subject != casemap::key(&plain),
        subject,
        ..ThreadMessage::default()
    };
    if algorithm != ThreadAlgorithm::OrderedSubject {
        let head = HeaderBlock::new(&m.raw);
        let ids = |name: &str| head.get(name).map(|v| msg_ids(&v)).unwrap_or_default();
        t.message_id = ids("Message-ID").into_iter().next();
        t.references = ids("References");
        if t.references.is_empty() {
            t.references = ids("In-Reply-To").into_iter().take(1).collect();
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::base_subject;

    #[test]
    fn base_subjects_drop_reply_and_forward_marks() {
        assert_eq!(base_subject("Re: Fwd: [list] Plan (fwd)"), "PLAN");
        assert_eq!(base_subject("[Fwd: Re: Plan]"), "PLAN");
        assert_eq!(base_subject("  re[2]:  Plan   B "), "PLAN B");
    }

    /// A fuzzer's find: the five bytes looked at for `(fwd)` or `[fwd:` may cut a character.
    #[test]
    fn multi_byte_characters_at_the_edges_are_no_panic() {
        let e = "E\u{301}";
        assert_eq!(base_subject("Plan ééé"), format!("PLAN {e}{e}{e}"));
        assert_eq!(base_subject("a€€ b]"), "A€€ B]");
        assert_eq!(base_subject("\u{FFFD}\u{FFFD}x"), "\u{FFFD}\u{FFFD}X");
        assert_eq!(base_subject("Plan é(fwd)"), format!("PLAN {e}"));
    }
}
