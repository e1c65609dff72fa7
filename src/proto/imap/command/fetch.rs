//! FETCH and UID FETCH (RFC 3501 §6.4.5): the grammar of fetch items and sections; the data
//! is drawn by [`crate::proto::imap::fetch`].

use super::prelude::*;
use crate::proto::imap::fetch::{fetch_response, has_unknown_cte};
use crate::proto::imap::vanished::vanished_since;

/// A FETCH data item (RFC 3501 §6.4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchAtt {
    Flags,
    InternalDate,
    Rfc822,
    Rfc822Header,
    Rfc822Text,
    Rfc822Size,
    Envelope,
    /// `BODY` without a section: the non-extensible BODYSTRUCTURE.
    Body,
    BodyStructure,
    Uid,
    /// The message's mod-sequence (RFC 7162 §3.1.4.1).
    ModSeq,
    /// When the message was saved into this mailbox (RFC 8514).
    SaveDate,
    /// A short text extract (RFC 8970 §3); `lazy`: `PREVIEW (LAZY)` (§4.1), answered the same
    /// here, since a preview never takes long.
    Preview {
        lazy: bool,
    },
    /// `BINARY[part]<partial>`: the part with its transfer encoding undone (RFC 3516 §4.2).
    Binary {
        path: Vec<u32>,
        partial: Option<(u32, u32)>,
        peek: bool,
    },
    /// `BINARY.SIZE[part]` (RFC 3516 §4.3).
    BinarySize(Vec<u32>),
    Section {
        section: Section,
        partial: Option<(u32, u32)>,
        peek: bool,
    },
}

/// `section` (RFC 3501 §6.4.5): a part path and what of it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub path: Vec<u32>,
    pub text: Option<SectionText>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionText {
    Header,
    /// Field names as the client wrote them; `not` for HEADER.FIELDS.NOT.
    Fields {
        names: Vec<String>,
        not: bool,
    },
    Text,
    Mime,
}

pub(super) const FETCH: Spec = Spec::new(
    Verb::Fetch,
    Valid::Selected,
    "Get message data: FLAGS, ENVELOPE, BODY[...], BINARY[...] (decoded), BODYSTRUCTURE, MODSEQ, SAVEDATE (when it was saved here), PREVIEW (the first 200 characters of the text)...; (CHANGEDSINCE n) only what changed since; UID FETCH ... (CHANGEDSINCE n VANISHED) also the UIDs expunged since.",
    "RFC 3501 §6.4.5, RFC 3516, RFC 7162 §3.1.4, §3.2.6, RFC 8514, RFC 8970 §3",
    parse_fetch,
)
.with_uid();

fn parse_fetch(p: &mut Parser<'_>, u: Use<'_>) -> R<Command> {
    let name = u.name;
    p.sp(&format!("message set after {name}"))?;
    let set = p.sequence_set("message set")?;
    p.sp("fetch items, e.g. (FLAGS UID) or ALL")?;
    let items = fetch_items(p)?;
    let (changed_since, vanished) = fetch_modifiers(p, u.uid)?;
    Ok(Command::Fetch {
        uid: u.uid,
        set,
        items,
        changed_since,
        vanished,
    })
}

/// ` (CHANGEDSINCE n [VANISHED])`, in either order (RFC 7162 §3.1.4.1, §3.2.6), or nothing.
fn fetch_modifiers(p: &mut Parser<'_>, uid: bool) -> R<(Option<u64>, bool)> {
    let (mut changed_since, mut vanished) = (None, false);
    if !EXTENSIONS || p.at_end() {
        return Ok((None, false));
    }
    p.sp("fetch modifiers, e.g. (CHANGEDSINCE 12345)")?;
    if !p.eat(b'(') {
        return Err("Fetch modifiers go in parentheses, e.g. (CHANGEDSINCE 12345)".into());
    }
    loop {
        if p.eat_word("CHANGEDSINCE") {
            p.sp("mod-sequence after CHANGEDSINCE")?;
            changed_since = Some(p.number64("CHANGEDSINCE")?);
        } else if p.eat_word("VANISHED") {
            vanished = true;
        } else {
            return Err("The fetch modifiers are CHANGEDSINCE n and VANISHED".into());
        }
        if p.eat(b')') {
            break;
        }
        p.sp("next fetch modifier")?;
    }
    // RFC 7162 §3.2.6: VANISHED goes with UID FETCH and CHANGEDSINCE only.
    if vanished && !(uid && changed_since.is_some()) {
        return Err("VANISHED needs UID FETCH and CHANGEDSINCE, e.g. UID FETCH 1:* FLAGS (CHANGEDSINCE 5 VANISHED)".into());
    }
    Ok((changed_since, vanished))
}

/// FETCH's CHANGEDSINCE (RFC 7162 §3.1.4.1), and whether VANISHED (EARLIER) is wanted too.
#[derive(Debug, Clone, Copy)]
pub struct Since {
    pub modseq: u64,
    pub vanished: bool,
}

/// `fetch-att` list or macro (RFC 3501 §6.4.5).
pub(super) fn fetch_items(p: &mut Parser<'_>) -> R<Vec<FetchAtt>> {
    use FetchAtt::*;
    if p.eat(b'(') {
        let mut items = Vec::new();
        loop {
            items.push(fetch_att(p)?);
            if p.eat(b')') {
                return Ok(items);
            }
            if !p.eat(b' ') {
                return Err("Expected a space or ) in the fetch item list".into());
            }
        }
    }
    if p.eat_word("ALL") {
        return Ok(vec![Flags, InternalDate, Rfc822Size, Envelope]);
    }
    if p.eat_word("FAST") {
        return Ok(vec![Flags, InternalDate, Rfc822Size]);
    }
    if p.eat_word("FULL") {
        return Ok(vec![Flags, InternalDate, Rfc822Size, Envelope, Body]);
    }
    Ok(vec![fetch_att(p)?])
}

/// PREVIEW's ` (LAZY)` (RFC 8970 §6: `"PREVIEW" [SP "(" preview-mod *(SP preview-mod) ")"]`);
/// true when LAZY was given.
fn preview_modifiers(p: &mut Parser<'_>) -> R<bool> {
    let mut ahead = p.clone();
    if !(ahead.eat(b' ') && ahead.peek() == Some(b'(')) {
        return Ok(false);
    }
    *p = ahead;
    let mods = super::list::option_list(p, "PREVIEW modifier")?;
    if mods.is_empty() {
        return Err("PREVIEW () needs a modifier: PREVIEW (LAZY)".into());
    }
    match mods.iter().find(|m| *m != "LAZY") {
        Some(other) => Err(format!("Unknown PREVIEW modifier {other} (LAZY is the one)").into()),
        None => Ok(true),
    }
}

fn fetch_att(p: &mut Parser<'_>) -> R<FetchAtt> {
    let name = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'.');
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    Ok(match name.as_str() {
        "FLAGS" => FetchAtt::Flags,
        "INTERNALDATE" => FetchAtt::InternalDate,
        "SAVEDATE" if EXTENSIONS => FetchAtt::SaveDate,
        "PREVIEW" if EXTENSIONS => FetchAtt::Preview {
            lazy: preview_modifiers(p)?,
        },
        "RFC822" => FetchAtt::Rfc822,
        "RFC822.HEADER" => FetchAtt::Rfc822Header,
        "RFC822.TEXT" => FetchAtt::Rfc822Text,
        "RFC822.SIZE" => FetchAtt::Rfc822Size,
        "ENVELOPE" => FetchAtt::Envelope,
        "BODYSTRUCTURE" => FetchAtt::BodyStructure,
        "UID" => FetchAtt::Uid,
        "MODSEQ" if EXTENSIONS => FetchAtt::ModSeq,
        "BINARY" | "BINARY.PEEK" | "BINARY.SIZE" if EXTENSIONS => {
            // `section-binary`: part numbers only (RFC 3516 §4.2).
            if !p.eat(b'[') {
                return Err(format!("{name} needs a part, e.g. {name}[1]").into());
            }
            let mut path = Vec::new();
            while !p.eat(b']') {
                if !path.is_empty() && !p.eat(b'.') {
                    return Err(
                        format!("{name}[...] takes part numbers only, e.g. {name}[1.2]").into(),
                    );
                }
                let n = p.number("part number").map_err(|_| {
                    ParseError::Bad(format!(
                        "{name}[...] takes part numbers only, e.g. {name}[1.2]"
                    ))
                })?;
                match n {
                    0 => return Err("Part numbers start at 1".into()),
                    n => path.push(n),
                }
            }
            if name == "BINARY.SIZE" {
                return Ok(FetchAtt::BinarySize(path));
            }
            FetchAtt::Binary {
                path,
                partial: partial(p)?,
                peek: name == "BINARY.PEEK",
            }
        }
        "BODY" if p.peek() != Some(b'[') => FetchAtt::Body,
        "BODY" | "BODY.PEEK" => {
            if !p.eat(b'[') {
                return Err("BODY.PEEK needs a section, e.g. BODY.PEEK[HEADER]".into());
            }
            let section = section(p)?;
            let partial = partial(p)?;
            FetchAtt::Section {
                section,
                partial,
                peek: name == "BODY.PEEK",
            }
        }
        "" => return Err("Expected a fetch item (FLAGS, UID, ENVELOPE, BODY[], ...)".into()),
        other => return Err(format!("Unknown fetch item {other}").into()),
    })
}

/// `<start.count>` after a section, or nothing.
fn partial(p: &mut Parser<'_>) -> R<Option<(u32, u32)>> {
    if !p.eat(b'<') {
        return Ok(None);
    }
    let start = p.number("partial start")?;
    if !p.eat(b'.') {
        return Err("A partial fetch is <start.count>, e.g. <0.100>".into());
    }
    let count = p.number("partial count")?;
    if count == 0 || !p.eat(b'>') {
        return Err("A partial fetch is <start.count>, e.g. <0.100>".into());
    }
    Ok(Some((start, count)))
}

/// After `[`: `section-spec` and `]`.
pub(super) fn section(p: &mut Parser<'_>) -> R<Section> {
    let mut sec = Section::default();
    while p.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = p.number("part number")?;
        if n == 0 {
            return Err("Part numbers start at 1".into());
        }
        sec.path.push(n);
        if !p.eat(b'.') {
            break;
        }
    }
    let word = p.take_while(|b| b.is_ascii_alphabetic() || b == b'.');
    let word = String::from_utf8_lossy(word).to_ascii_uppercase();
    sec.text = match word.as_str() {
        "" => None,
        "HEADER" => Some(SectionText::Header),
        "TEXT" => Some(SectionText::Text),
        "MIME" if !sec.path.is_empty() => Some(SectionText::Mime),
        "MIME" => return Err("MIME needs a part number, e.g. BODY[1.MIME]".into()),
        "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => {
            p.sp("header field list, e.g. (From Subject)")?;
            if !p.eat(b'(') {
                return Err("Header fields go in parentheses, e.g. (From Subject)".into());
            }
            let mut names = Vec::new();
            loop {
                names.push(p.astring_text("header field name")?);
                if p.eat(b')') {
                    break;
                }
                if !p.eat(b' ') {
                    return Err("Expected a space or ) in the header field list".into());
                }
            }
            Some(SectionText::Fields {
                names,
                not: word.ends_with(".NOT"),
            })
        }
        other => {
            return Err(format!(
            "Unknown section {other} (use HEADER, HEADER.FIELDS (..), TEXT, MIME or part numbers)"
        )
            .into())
        }
    };
    if !p.eat(b']') {
        return Err("Expected ] to end the section".into());
    }
    Ok(sec)
}

impl ImapSession {
    pub(super) fn fetch(
        &mut self,
        ctx: &mut HostCtx<'_>,
        user: &str,
        uid: bool,
        set: &SequenceSet,
        items: &[FetchAtt],
        since: Option<Since>,
    ) -> Done {
        let changed_since = since.map(|s| s.modseq);
        let utf8 = self.names == NameEncoding::Utf8;
        let targets = match self.targets(uid, set) {
            Ok(t) => t,
            Err(e) => return bad(e),
        };
        let Some(sel) = self.mailbox_mut() else {
            return unselected();
        };
        let Some(f) = ctx.store.folder_mut(user, &sel.name) else {
            return no("The selected mailbox no longer exists");
        };
        // RFC 3501 §6.4.5: BODY[...] (not PEEK), RFC822 and RFC822.TEXT set \Seen.
        let sets_seen = !sel.read_only
            && items.iter().any(|i| {
                matches!(
                    i,
                    FetchAtt::Rfc822
                        | FetchAtt::Rfc822Text
                        | FetchAtt::Section { peek: false, .. }
                        | FetchAtt::Binary { peek: false, .. }
                )
            });
        let shows_flags = sets_seen || items.contains(&FetchAtt::Flags);
        let mut out = Vec::new();
        // RFC 7162 §3.2.6: the UIDs of the set expunged since, before the FETCH responses.
        if let Some(Since {
            modseq,
            vanished: true,
        }) = since
        {
            let gone = vanished_since(f, modseq, Some(set));
            if !gone.is_empty() {
                out.extend_from_slice(format!("* VANISHED (EARLIER) {gone}\r\n").as_bytes());
            }
        }
        // RFC 2180 §4.1 lists what a server may do about a FETCH of messages another session
        // expunged; this one leaves them out and answers the rest with OK (as §4.1.3 does,
        // without its empty "NIL" responses for the expunged ones).
        for (seq, u) in targets {
            let Some(m) = f.by_uid(u) else {
                continue;
            };
            if changed_since.is_some_and(|n| m.modseq <= n) {
                continue;
            }
            if has_unknown_cte(m, items) {
                self.out.transmit(out);
                return no(format!(
                    "[UNKNOWN-CTE] Message {seq} has a part in a transfer encoding BINARY cannot undo"
                ));
            }
            if shows_flags {
                let mut lines = Vec::new();
                sel.announce_keywords(&m.flags, &mut lines);
                for l in lines {
                    out.extend_from_slice(l.as_bytes());
                    out.extend_from_slice(b"\r\n");
                }
            }
            let mut changed = false;
            if sets_seen && !m.flags.contains(Flag::Seen) {
                let flags = m.flags.clone().with(Flag::Seen);
                f.set_flags(u, flags);
                changed = true;
            }
            let Some(m) = f.by_uid(u) else { continue };
            if changed {
                sel.own.insert(u, m.modseq);
            }
            out.extend(fetch_response(
                seq,
                m,
                items,
                sel.recent.contains(&u),
                uid,
                changed,
                utf8,
            ));
        }
        self.out.transmit(out);
        ok(if uid {
            "UID FETCH completed"
        } else {
            "FETCH completed"
        })
    }
}
