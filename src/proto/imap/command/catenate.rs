//! CATENATE (RFC 4469): an APPEND whose message is put together on the server from text the
//! client sends and parts of messages the server already has, named by IMAP URLs
//! ([`super::imap_url`]; URL-PARTIAL, RFC 5550, for byte ranges). A URL that does not name
//! a message part of this user on this server fails the whole APPEND with `[BADURL url]`
//! (RFC 4469 §5); a result beyond the message size limit with `[TOOBIG]` (§4.2).

use super::imap_url::{parse_message_url, MessageUrl};
use super::prelude::*;
use crate::proto::imap::fetch::section_bytes;

/// One `cat-part` (RFC 4469 §5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatPart {
    /// `TEXT literal`: octets as sent.
    Text(Vec<u8>),
    /// `URL astring`: the URL as the client wrote it (echoed in `[BADURL]`).
    Url(String),
}

/// After `CATENATE`: ` (cat-part *(SP cat-part))`.
pub(super) fn parse_catenate(p: &mut Parser<'_>) -> R<Vec<CatPart>> {
    p.sp("( after CATENATE")?;
    if !p.eat(b'(') {
        return Err(
            "CATENATE takes its parts in parentheses: CATENATE (TEXT {n} URL \"/INBOX/;UID=1\")"
                .into(),
        );
    }
    let mut parts = Vec::new();
    loop {
        if p.eat_word("TEXT") {
            p.sp("literal after TEXT")?;
            // RFC 4469 §5 with BINARY (RFC 3516 §4.4): the text may be a literal8.
            p.eat(b'~');
            if p.peek() != Some(b'{') {
                return Err("TEXT takes a literal, like TEXT {42}".into());
            }
            parts.push(CatPart::Text(p.string("the TEXT literal")?));
        } else if p.eat_word("URL") {
            p.sp("URL")?;
            let url = p.astring("the URL")?;
            let url = String::from_utf8(url).map_err(|_| "A URL is ASCII".to_string())?;
            parts.push(CatPart::Url(url));
        } else {
            return Err("A CATENATE part is TEXT {n} or URL \"/mailbox/;UID=n\"".into());
        }
        if p.eat(b')') {
            return Ok(parts);
        }
        p.sp("the next CATENATE part or )")?;
    }
}

/// What `[BADURL ...]` may carry of a URL: no `]`, CR or LF (RFC 4469 §5 `url-resp-text`,
/// erratum 2002).
fn shown_url(url: &str) -> String {
    url.chars()
        .filter(|c| !matches!(c, ']' | '\r' | '\n'))
        .collect()
}

impl ImapSession {
    /// Puts a CATENATE message together (RFC 4469 §5): each part in order, at most `limit`
    /// octets in all; `Err` is the completion that refuses the APPEND.
    pub(super) fn catenate(
        &self,
        ctx: &HostCtx<'_>,
        user: &str,
        parts: &[CatPart],
        limit: usize,
    ) -> Result<Vec<u8>, Done> {
        let too_big = || {
            no(format!(
                "[TOOBIG] The catenated message is over {limit} octets"
            ))
        };
        let mut out = Vec::new();
        for part in parts {
            let bytes = match part {
                CatPart::Text(t) => std::borrow::Cow::Borrowed(t.as_slice()),
                CatPart::Url(url) => {
                    let found = parse_message_url(url)
                        .and_then(|u| self.url_bytes(ctx, user, &u))
                        .map_err(|why| no(format!("[BADURL {}] {why}", shown_url(url))))?;
                    std::borrow::Cow::Owned(found)
                }
            };
            if out.len().saturating_add(bytes.len()) > limit {
                return Err(too_big());
            }
            out.extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// The octets a URL names, when it names a message of `user` on this server.
    fn url_bytes(
        &self,
        ctx: &HostCtx<'_>,
        user: &str,
        url: &MessageUrl,
    ) -> Result<Vec<u8>, String> {
        if let Some(host) = &url.host {
            let ours = [ctx.host, "localhost", "127.0.0.1", "[::1]"];
            if !ours.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                return Err(format!("{host} is not this server ({})", ctx.host));
            }
        }
        if let Some(named) = &url.user {
            let local = user.split('@').next().unwrap_or(user);
            if !named.eq_ignore_ascii_case(user) && !named.eq_ignore_ascii_case(local) {
                return Err("The URL names another user's mailbox".into());
            }
        }
        let folder = ctx
            .store
            .folder(user, &url.mailbox)
            .ok_or_else(|| format!("No mailbox {}", self.names.encode(&url.mailbox)))?;
        if url.uidvalidity.is_some_and(|v| v != folder.uidvalidity) {
            return Err(format!(
                "The mailbox's UIDVALIDITY is now {}",
                folder.uidvalidity
            ));
        }
        let msg = folder
            .by_uid(url.uid)
            .ok_or_else(|| format!("No message with UID {} (expunged?)", url.uid))?;
        let raw: &[u8] = &msg.raw;
        let whole = match &url.section {
            None => raw.to_vec(),
            Some(section) => {
                let root = crate::message::parse(raw).root;
                section_bytes(raw, &root, section).ok_or("The message has no such section")?
            }
        };
        // A ;PARTIAL= range reads like a FETCH partial (RFC 5092 §6, RFC 3501 §6.4.5): a range past
        // the end gives what there is (possibly nothing).
        Ok(match url.partial {
            None => whole,
            Some((offset, length)) => {
                let start = (offset as usize).min(whole.len());
                let end = length.map_or(whole.len(), |l| {
                    start.saturating_add(l as usize).min(whole.len())
                });
                whole
                    .get(start..end)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catenate_parts_are_text_literals_and_urls() {
        let cmd = b" (URL \"/Drafts;UIDVALIDITY=1/;UID=20/;section=HEADER\" TEXT {3}\r\nabc url /INBOX/;UID=2)";
        let mut p = Parser::new(cmd);
        let parts = parse_catenate(&mut p).unwrap();
        assert_eq!(
            parts,
            vec![
                CatPart::Url("/Drafts;UIDVALIDITY=1/;UID=20/;section=HEADER".into()),
                CatPart::Text(b"abc".to_vec()),
                CatPart::Url("/INBOX/;UID=2".into()),
            ]
        );
        for bad in [
            &b" ()"[..],
            b" (TEXT \"x\")",
            b" (FOO 1)",
            b" URL x",
            b" (URL x",
        ] {
            assert!(parse_catenate(&mut Parser::new(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn transcript_catenate_after_rfc_4469_with_url_partial() {
        crate::proto::imap::session::tests::run_transcript(include_str!(
            "../../../../tests/transcripts/imap_catenate.txt"
        ));
    }

    #[test]
    fn a_catenated_message_over_the_size_limit_is_toobig_and_nothing_is_appended() {
        use crate::proto::imap::session::tests::{world, MSG2};
        let mut store = world();
        // One copy of message 2 fits; two do not (RFC 4469 §4.2, TOOBIG).
        store.limits.max_message_size = MSG2.len() + 10;
        let mut ctx = HostCtx {
            host: "mx.corp.example",
            store: &mut store,
            clock: crate::time::WallClock::default(),
        };
        let mut s = ImapSession::new(Instant::ZERO);
        let input = b"a LOGIN boss pw\r\n\
            b APPEND Drafts CATENATE (URL /INBOX/;UID=2 TEXT {2+}\r\n\r\n URL /INBOX/;UID=2)\r\n\
            c APPEND Drafts CATENATE (URL /INBOX/;UID=2)\r\n";
        let (out, _) = crate::session::drive_chunked(&mut s, &mut ctx, Instant::ZERO, input, 7);
        let out = String::from_utf8_lossy(&out);
        assert!(
            out.contains("b NO [TOOBIG] The catenated message is over"),
            "{out}"
        );
        assert!(out.contains("c OK [APPENDUID 3 1]"), "{out}");
    }

    #[test]
    fn a_badurl_code_carries_no_bracket_or_line_end() {
        assert_eq!(shown_url("/a]b\r\nc"), "/abc");
    }
}
