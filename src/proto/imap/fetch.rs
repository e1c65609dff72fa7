//! FETCH responses (RFC 3501 §6.4.5, §7.4.2): flags, dates, sizes, ENVELOPE, BODY and
//! BODYSTRUCTURE, and body sections with partial ranges.
//!
//! Part numbers (RFC 3501 §6.4.5): the parts of a multipart are numbered from 1; a message
//! that is not multipart has one part, 1, its body; below a message/rfc822 part, numbers go
//! into the enclosed message, and `n.HEADER` / `n.TEXT` are its header and text.

use super::parse::{FetchAtt, Section, SectionText};
use super::response::{astring, literal, nstring, string};
use crate::message::bodystructure::{body_structure, Body};
use crate::message::envelope::{envelope, EnvAddr, Envelope};
use crate::message::{header_end, Part};
use crate::store::StoredMessage;
use crate::time::format_imap_datetime;

/// What FETCH keeps of a message after its first FETCH (in the store's per-message view
/// slot, see [`StoredMessage::view`]): ENVELOPE, BODY and BODYSTRUCTURE already rendered, and
/// the MIME part tree with its offsets for body sections. One parse per message, ever.
pub struct FetchView {
    root: Part,
    envelope: Box<[u8]>,
    /// The ENVELOPE downgraded for a session without UTF8=ACCEPT, when it is not ASCII
    /// (RFC 6855 §7, [`super::downgrade`]).
    envelope_ascii: Option<Box<[u8]>>,
    body: Box<[u8]>,
    bodystructure: Box<[u8]>,
}

impl FetchView {
    pub fn new(raw: &[u8]) -> FetchView {
        let info = crate::message::parse(raw);
        let structure = body_structure(raw, &info.root);
        let render = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut v = Vec::new();
            f(&mut v);
            v.into_boxed_slice()
        };
        let env = envelope(raw);
        FetchView {
            envelope_ascii: super::downgrade::ascii_envelope(&env)
                .map(|e| render(&|out| write_envelope(out, &e))),
            envelope: render(&|out| write_envelope(out, &env)),
            body: render(&|out| write_body(out, &structure, false)),
            bodystructure: render(&|out| write_body(out, &structure, true)),
            root: info.root,
        }
    }
}

/// The flag list of a message as the session sees it (with `\Recent` when it is recent).
pub fn flag_list(msg: &StoredMessage, recent: bool) -> String {
    let mut s = msg.flags.to_imap();
    if recent {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str("\\Recent");
    }
    format!("({s})")
}

/// One FETCH response line (and its literals), `* seq FETCH (...)\r\n`.
/// `uid_first`: put `UID n` first (UID FETCH, RFC 3501 §6.4.8); `flags_too`: append FLAGS
/// (after an implicit `\Seen`) unless they were asked for; `utf8`: the session enabled
/// UTF8=ACCEPT (else a UTF-8 ENVELOPE is downgraded, RFC 6855 §7).
pub fn fetch_response(
    seq: u32,
    msg: &StoredMessage,
    items: &[FetchAtt],
    recent: bool,
    uid_first: bool,
    flags_too: bool,
    utf8: bool,
) -> Vec<u8> {
    let raw: &[u8] = &msg.raw;
    let needs_view = items.iter().any(|a| {
        matches!(
            a,
            FetchAtt::Envelope
                | FetchAtt::Body
                | FetchAtt::BodyStructure
                | FetchAtt::Section { .. }
                | FetchAtt::Binary { .. }
                | FetchAtt::BinarySize(_)
        )
    });
    let view = needs_view.then(|| msg.view(FetchView::new));
    let view = view.as_deref();
    let mut out = format!("* {seq} FETCH (").into_bytes();
    let mut first = true;
    let mut sep = |out: &mut Vec<u8>| {
        if !std::mem::replace(&mut first, false) {
            out.push(b' ');
        }
    };
    if uid_first {
        sep(&mut out);
        out.extend_from_slice(format!("UID {}", msg.uid).as_bytes());
    }
    for att in items {
        if uid_first && *att == FetchAtt::Uid {
            continue;
        }
        sep(&mut out);
        match att {
            FetchAtt::Uid => out.extend_from_slice(format!("UID {}", msg.uid).as_bytes()),
            FetchAtt::ModSeq => {
                out.extend_from_slice(format!("MODSEQ ({})", msg.modseq).as_bytes())
            }
            FetchAtt::Flags => {
                out.extend_from_slice(format!("FLAGS {}", flag_list(msg, recent)).as_bytes())
            }
            FetchAtt::InternalDate => out.extend_from_slice(
                format!(
                    "INTERNALDATE \"{}\"",
                    format_imap_datetime(msg.internal_date)
                )
                .as_bytes(),
            ),
            FetchAtt::Preview { .. } => {
                out.extend_from_slice(b"PREVIEW ");
                string(&mut out, super::preview::preview(raw).as_bytes());
            }
            FetchAtt::SaveDate => out.extend_from_slice(
                format!("SAVEDATE \"{}\"", format_imap_datetime(msg.save_date())).as_bytes(),
            ),
            FetchAtt::Rfc822Size => {
                out.extend_from_slice(format!("RFC822.SIZE {}", msg.size()).as_bytes())
            }
            FetchAtt::Rfc822 => {
                out.extend_from_slice(b"RFC822 ");
                body_literal(&mut out, raw);
            }
            FetchAtt::Rfc822Header => {
                out.extend_from_slice(b"RFC822.HEADER ");
                body_literal(&mut out, &raw[..header_end(raw)]);
            }
            FetchAtt::Rfc822Text => {
                out.extend_from_slice(b"RFC822.TEXT ");
                body_literal(&mut out, &raw[header_end(raw)..]);
            }
            FetchAtt::Envelope => {
                out.extend_from_slice(b"ENVELOPE ");
                out.extend_from_slice(view.map_or(&b"NIL"[..], |v| {
                    match (&v.envelope_ascii, utf8) {
                        (Some(ascii), false) => ascii,
                        _ => &v.envelope,
                    }
                }));
            }
            FetchAtt::Body | FetchAtt::BodyStructure => {
                let ext = *att == FetchAtt::BodyStructure;
                out.extend_from_slice(if ext { b"BODYSTRUCTURE " } else { b"BODY " });
                out.extend_from_slice(view.map_or(&b"NIL"[..], |v| {
                    if ext {
                        &v.bodystructure
                    } else {
                        &v.body
                    }
                }));
            }
            FetchAtt::Binary { path, partial, .. } => {
                out.extend_from_slice(format!("BINARY[{}]", dotted(path)).as_bytes());
                match (partial, view.and_then(|v| binary_bytes(raw, &v.root, path))) {
                    (Some((start, count)), Some(bytes)) => {
                        out.extend_from_slice(format!("<{start}> ").as_bytes());
                        let s = (*start as usize).min(bytes.len());
                        let e = s.saturating_add(*count as usize).min(bytes.len());
                        literal8(&mut out, &bytes[s..e]);
                    }
                    (_, Some(bytes)) => {
                        out.push(b' ');
                        literal8(&mut out, &bytes);
                    }
                    (_, None) => out.extend_from_slice(b" NIL"),
                }
            }
            FetchAtt::BinarySize(path) => {
                let size = view
                    .and_then(|v| binary_bytes(raw, &v.root, path))
                    .map_or(0, |b| b.len());
                out.extend_from_slice(format!("BINARY.SIZE[{}] {size}", dotted(path)).as_bytes());
            }
            FetchAtt::Section {
                section, partial, ..
            } => {
                out.extend_from_slice(section_label(section, *partial).as_bytes());
                out.push(b' ');
                match view.and_then(|v| section_bytes(raw, &v.root, section)) {
                    Some(bytes) => {
                        let bytes = match partial {
                            Some((start, count)) => {
                                let s = (*start as usize).min(bytes.len());
                                let e = s.saturating_add(*count as usize).min(bytes.len());
                                bytes[s..e].to_vec()
                            }
                            None => bytes,
                        };
                        body_literal(&mut out, &bytes);
                    }
                    None => out.extend_from_slice(b"NIL"),
                }
            }
        }
    }
    if flags_too && !items.contains(&FetchAtt::Flags) {
        sep(&mut out);
        out.extend_from_slice(format!("FLAGS {}", flag_list(msg, recent)).as_bytes());
    }
    out.extend_from_slice(b")\r\n");
    out
}

/// `BODY[1.HEADER.FIELDS (From)]<0>` as echoed in the response.
pub fn section_label(section: &Section, partial: Option<(u32, u32)>) -> String {
    let mut s = String::from("BODY[");
    let path: Vec<String> = section.path.iter().map(u32::to_string).collect();
    s.push_str(&path.join("."));
    if let Some(t) = &section.text {
        if !section.path.is_empty() {
            s.push('.');
        }
        match t {
            SectionText::Header => s.push_str("HEADER"),
            SectionText::Text => s.push_str("TEXT"),
            SectionText::Mime => s.push_str("MIME"),
            SectionText::Fields { names, not } => {
                s.push_str(if *not {
                    "HEADER.FIELDS.NOT ("
                } else {
                    "HEADER.FIELDS ("
                });
                let mut v = Vec::new();
                for (i, n) in names.iter().enumerate() {
                    if i > 0 {
                        v.push(b' ');
                    }
                    astring(&mut v, n.to_ascii_uppercase().as_bytes());
                }
                s.push_str(&String::from_utf8_lossy(&v));
                s.push(')');
            }
        }
    }
    s.push(']');
    if let Some((start, _)) = partial {
        s.push_str(&format!("<{start}>"));
    }
    s
}

/// The part `path` names, below a message whose root part is `root`.
pub fn resolve<'a>(root: &'a Part, path: &[u32]) -> Option<&'a Part> {
    let mut cur = root;
    let mut is_message = true;
    let mut found = root;
    for &n in path {
        let idx = (n as usize).checked_sub(1)?;
        found = if cur.is_multipart() {
            cur.children.get(idx)?
        } else if is_message && idx == 0 {
            cur
        } else {
            return None;
        };
        match &found.message {
            Some(inner) => {
                cur = &inner.root;
                is_message = true;
            }
            None => {
                cur = found;
                is_message = false;
            }
        }
    }
    Some(found)
}

/// The header block `raw[start..end]` restricted to (or without) the named fields, with the
/// blank line that ends it.
fn header_fields(head: &[u8], names: &[String], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut keep = false;
    for line in head.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if !matches!(line.first(), Some(b' ') | Some(b'\t')) {
            let name = line.split(|&b| b == b':').next().unwrap_or(b"");
            let name = String::from_utf8_lossy(name);
            let listed = names.iter().any(|n| n.eq_ignore_ascii_case(name.trim()));
            keep = listed != not;
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// The bytes a section names, or `None` when there is no such part.
fn dotted(path: &[u32]) -> String {
    path.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A literal for BODY and RFC822 data, which may not carry NUL (RFC 3501 §4.3, §9 CHAR8): a
/// message stored with NULs (a `binary` part APPENDed as a literal8, RFC 3516 §4.4) has each
/// NUL served as 0x80 there, as Dovecot does; BINARY serves its octets as they are.
fn body_literal(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.contains(&0) {
        let served: Vec<u8> = bytes
            .iter()
            .map(|&b| if b == 0 { 0x80 } else { b })
            .collect();
        literal(out, &served);
    } else {
        literal(out, bytes);
    }
}

/// A literal, as `~{n}` (literal8, RFC 3516 §4.3) when it holds a NUL.
fn literal8(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.contains(&0) {
        out.push(b'~');
    }
    literal(out, bytes);
}

/// The Content-Transfer-Encodings BINARY can undo (RFC 2045 §6.1).
const KNOWN_CTE: &[&str] = &["", "7bit", "8bit", "binary", "base64", "quoted-printable"];

/// A leaf part's Content-Transfer-Encoding, lower case (`""` when absent); `None` for the
/// whole message, a multipart or a part that does not exist.
fn leaf_cte(raw: &[u8], root: &Part, path: &[u32]) -> Option<String> {
    let part = resolve(root, path).filter(|p| !path.is_empty() && !p.is_multipart())?;
    let head = raw.get(part.header_start..part.body_start)?;
    Some(
        crate::message::header_value(head, "Content-Transfer-Encoding")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default(),
    )
}

/// RFC 3516 §4.3: a BINARY or BINARY.SIZE item names a part whose Content-Transfer-Encoding
/// the server does not know; the command then fails with `NO [UNKNOWN-CTE]`.
pub fn has_unknown_cte(msg: &StoredMessage, items: &[FetchAtt]) -> bool {
    let mut paths = items
        .iter()
        .filter_map(|a| match a {
            FetchAtt::Binary { path, .. } | FetchAtt::BinarySize(path) => Some(path),
            _ => None,
        })
        .peekable();
    if paths.peek().is_none() {
        return false;
    }
    let view = msg.view(FetchView::new);
    paths.any(|path| {
        leaf_cte(&msg.raw, &view.root, path).is_some_and(|c| !KNOWN_CTE.contains(&c.as_str()))
    })
}

/// `BINARY[path]` (RFC 3516 §4.2): the whole message for `[]`, else a leaf part's body with
/// its Content-Transfer-Encoding (7bit, 8bit, binary, base64, quoted-printable) undone;
/// `None` for a multipart or an encoding we do not know (see [`has_unknown_cte`]).
pub fn binary_bytes(raw: &[u8], root: &Part, path: &[u32]) -> Option<Vec<u8>> {
    if path.is_empty() {
        return Some(raw.to_vec());
    }
    let cte = leaf_cte(raw, root, path)?;
    let part = resolve(root, path)?;
    let body = raw.get(part.body_start..part.end.max(part.body_start))?;
    match cte.as_str() {
        "" | "7bit" | "8bit" | "binary" => Some(body.to_vec()),
        "base64" => crate::wire::sasl::b64_decode(body),
        "quoted-printable" => Some(crate::message::transfer::decode_quoted_printable(body)),
        _ => None,
    }
}

pub fn section_bytes(raw: &[u8], root: &Part, section: &Section) -> Option<Vec<u8>> {
    let slice = |a: usize, b: usize| raw.get(a..b.max(a)).map(<[u8]>::to_vec);
    // The message the HEADER/TEXT specifiers apply to: the top one, or the enclosed one.
    let (msg_start, msg_body, msg_end) = if section.path.is_empty() {
        (0, header_end(raw), raw.len())
    } else {
        let part = resolve(root, &section.path)?;
        match (&section.text, &part.message) {
            (None, _) => return slice(part.body_start, part.end),
            (Some(SectionText::Mime), _) => return slice(part.header_start, part.body_start),
            (Some(_), Some(inner)) => (inner.root.header_start, inner.root.body_start, part.end),
            (Some(_), None) => return None,
        }
    };
    match &section.text {
        None => slice(msg_start, msg_end),
        Some(SectionText::Header) => slice(msg_start, msg_body),
        Some(SectionText::Text) => slice(msg_body, msg_end),
        Some(SectionText::Fields { names, not }) => {
            Some(header_fields(raw.get(msg_start..msg_body)?, names, *not))
        }
        Some(SectionText::Mime) => None,
    }
}

fn write_addrs(out: &mut Vec<u8>, list: &[EnvAddr]) {
    if list.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for a in list {
        match a {
            EnvAddr::Mailbox {
                name,
                adl,
                mailbox,
                host,
            } => {
                out.push(b'(');
                nstring(out, name.as_deref().map(str::as_bytes));
                out.push(b' ');
                nstring(out, adl.as_deref().map(str::as_bytes));
                out.push(b' ');
                string(out, mailbox.as_bytes());
                out.push(b' ');
                string(out, host.as_bytes());
                out.push(b')');
            }
            EnvAddr::GroupStart(name) => {
                out.extend_from_slice(b"(NIL NIL ");
                string(out, name.as_bytes());
                out.extend_from_slice(b" NIL)");
            }
            EnvAddr::GroupEnd => out.extend_from_slice(b"(NIL NIL NIL NIL)"),
        }
    }
    out.push(b')');
}

/// `envelope` (RFC 3501 §7.4.2).
pub fn write_envelope(out: &mut Vec<u8>, e: &Envelope) {
    out.push(b'(');
    nstring(out, e.date.as_deref().map(str::as_bytes));
    out.push(b' ');
    nstring(out, e.subject.as_deref().map(str::as_bytes));
    for list in [&e.from, &e.sender, &e.reply_to, &e.to, &e.cc, &e.bcc] {
        out.push(b' ');
        write_addrs(out, list);
    }
    out.push(b' ');
    nstring(out, e.in_reply_to.as_deref().map(str::as_bytes));
    out.push(b' ');
    nstring(out, e.message_id.as_deref().map(str::as_bytes));
    out.push(b')');
}

fn write_params(out: &mut Vec<u8>, params: &[(String, String)]) {
    if params.is_empty() {
        out.extend_from_slice(b"NIL");
        return;
    }
    out.push(b'(');
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        string(out, k.to_ascii_uppercase().as_bytes());
        out.push(b' ');
        string(out, v.as_bytes());
    }
    out.push(b')');
}

fn write_disposition_etc(out: &mut Vec<u8>, f: &crate::message::bodystructure::MimeFields) {
    out.push(b' ');
    match &f.disposition {
        Some((t, p)) => {
            out.push(b'(');
            string(out, t.to_ascii_uppercase().as_bytes());
            out.push(b' ');
            write_params(out, p);
            out.push(b')');
        }
        None => out.extend_from_slice(b"NIL"),
    }
    out.push(b' ');
    match f.language.as_slice() {
        [] => out.extend_from_slice(b"NIL"),
        [one] => string(out, one.as_bytes()),
        many => {
            out.push(b'(');
            for (i, l) in many.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                string(out, l.as_bytes());
            }
            out.push(b')');
        }
    }
    out.push(b' ');
    nstring(out, f.location.as_deref().map(str::as_bytes));
}

/// `body` (BODY, `ext` false) or BODYSTRUCTURE (`ext` true), RFC 3501 §7.4.2.
pub fn write_body(out: &mut Vec<u8>, b: &Body, ext: bool) {
    out.push(b'(');
    match b {
        Body::Multi {
            parts,
            subtype,
            params,
            fields,
        } => {
            for p in parts {
                write_body(out, p, ext);
            }
            out.push(b' ');
            string(out, subtype.to_ascii_uppercase().as_bytes());
            if ext {
                out.push(b' ');
                write_params(out, params);
                write_disposition_etc(out, fields);
            }
        }
        Body::Single {
            media_type,
            subtype,
            params,
            fields,
            size,
            lines,
            message,
        } => {
            string(out, media_type.to_ascii_uppercase().as_bytes());
            out.push(b' ');
            string(out, subtype.to_ascii_uppercase().as_bytes());
            out.push(b' ');
            if params.is_empty() && media_type == "text" {
                out.extend_from_slice(b"(\"CHARSET\" \"US-ASCII\")");
            } else {
                write_params(out, params);
            }
            out.push(b' ');
            nstring(out, fields.id.as_deref().map(str::as_bytes));
            out.push(b' ');
            nstring(out, fields.description.as_deref().map(str::as_bytes));
            out.push(b' ');
            string(out, fields.encoding.as_bytes());
            out.extend_from_slice(format!(" {size}").as_bytes());
            if let Some((env, inner)) = message {
                out.push(b' ');
                write_envelope(out, env);
                out.push(b' ');
                write_body(out, inner, ext);
                out.extend_from_slice(format!(" {lines}").as_bytes());
            } else if media_type == "text" {
                out.extend_from_slice(format!(" {lines}").as_bytes());
            }
            if ext {
                out.push(b' ');
                nstring(out, fields.md5.as_deref().map(str::as_bytes));
                write_disposition_etc(out, fields);
            }
        }
    }
    out.push(b')');
}

#[cfg(test)]
mod tests;
