//! Bulk import through the API, to seed mailboxes before a test runs:
//! `POST /api/v1/users/{address}/mailboxes/{mailbox}/import` with, as the body,
//! - an mbox file (RFC 4155: each message after a `From ` line; the `>From ` quoting of
//!   mboxrd undone),
//! - one message (a `.eml` file), or
//! - several files as `multipart/form-data` (`curl -F file=@a.eml -F file=@b.mbox`), each an
//!   mbox or one message.
//!
//! Messages go into the folder (created when missing) at once, as IMAP APPEND would put them
//! (RFC 3501 §6.3.11): lines end with CRLF (an mbox's LF lines are turned back), no flags,
//! the internal date from the `Date:` header (the bridge's clock when there is none).

use super::http::{error, ApiResponse};
use crate::message;
use crate::sandbox::World;
use crate::store::{Flags, StoreError};
use serde_json::json;

/// Imports `body` (of media type `content_type`) into `user`'s `folder`.
pub(super) fn import(
    world: &mut World,
    user: &str,
    folder: &str,
    content_type: &str,
    body: &[u8],
) -> ApiResponse {
    if !world.store.accepts_mail_for(user) {
        return error(404, "no such user");
    }
    let files = match form_data_boundary(content_type) {
        Some(boundary) => match form_files(boundary, body) {
            Some(files) => files,
            None => return error(400, "could not read the multipart/form-data body"),
        },
        None => vec![body],
    };
    let messages: Vec<Vec<u8>> = files.into_iter().flat_map(split_file).collect();
    if messages.is_empty() {
        return error(
            400,
            "no message in the body (an mbox, a message, or form files)",
        );
    }
    // A caught address (see `Store::set_catch_all`) gets its account now.
    if world.store.catch(user).is_err() {
        return error(404, "no such user");
    }
    if world.store.folder(user, folder).is_none() {
        if let Err(e) = world.store.create_folder(user, folder) {
            return error(400, &format!("{folder}: {e}"));
        }
    }
    let now = world.clock.unix(world.now());
    let mut uids = Vec::new();
    let mut refused = Vec::new();
    for (i, raw) in messages.into_iter().enumerate() {
        let date = message::parse(&raw).date.unwrap_or(now);
        match world.store.deliver(user, folder, raw, Flags::new(), date) {
            Ok((_, uid)) => uids.push(uid),
            Err(e) => {
                refused.push(json!({ "message": i + 1, "error": e.to_string() }));
                if e == StoreError::FolderFull {
                    break;
                }
            }
        }
    }
    let status = if uids.is_empty() { 400 } else { 201 };
    let mut response = super::api::ok(json!({
        "user": user.to_ascii_lowercase(),
        "mailbox": folder,
        "imported": uids.len(),
        "uids": uids,
        "refused": refused,
    }));
    response.status = status;
    response
}

/// The boundary of a `multipart/form-data` body, if that is the media type.
fn form_data_boundary(content_type: &str) -> Option<&str> {
    let mut parts = content_type.split(';');
    let media = parts.next()?.trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"'))
    })
}

/// The files of a `multipart/form-data` body (RFC 7578), read as the MIME multipart it is.
fn form_files<'a>(boundary: &str, body: &'a [u8]) -> Option<Vec<&'a [u8]>> {
    let header = format!("Content-Type: multipart/form-data; boundary=\"{boundary}\"\r\n\r\n");
    let mut whole = header.clone().into_bytes();
    whole.extend_from_slice(body);
    let root = message::parse(&whole).root;
    if !root.is_multipart() {
        return None;
    }
    let files = root
        .children
        .iter()
        .filter_map(|part| {
            let start = part.body_start.checked_sub(header.len())?;
            let end = part.end.checked_sub(header.len())?;
            body.get(start..end)
        })
        .filter(|file| !file.is_empty())
        .collect();
    Some(files)
}

/// The messages of one file: an mbox's messages, or the file as one message. Lines end with
/// CRLF.
fn split_file(file: &[u8]) -> Vec<Vec<u8>> {
    if !file.starts_with(b"From ") {
        let message = with_crlf(file.split(|&b| b == b'\n'), false);
        return [message].into_iter().filter(|m| !m.is_empty()).collect();
    }
    let mut messages = Vec::new();
    let mut current: Vec<&[u8]> = Vec::new();
    let mut started = false;
    for line in file.split(|&b| b == b'\n') {
        let bare = line.strip_suffix(b"\r").unwrap_or(line);
        if bare.starts_with(b"From ") {
            if started {
                messages.push(mbox_message(&current));
            }
            current.clear();
            started = true;
            continue;
        }
        current.push(bare);
    }
    if started {
        messages.push(mbox_message(&current));
    }
    messages.retain(|m| !m.is_empty());
    messages
}

/// One mbox message from its lines: the blank line the writer put before the next `From `
/// dropped, one `>` taken off `>From ` lines (mboxrd).
fn mbox_message(lines: &[&[u8]]) -> Vec<u8> {
    let mut lines = lines;
    while let Some((last, rest)) = lines.split_last() {
        if !last.is_empty() {
            break;
        }
        lines = rest;
    }
    with_crlf(lines.iter().copied(), true)
}

/// Joins lines with CRLF (a trailing CR of a line is dropped first); `unquote` takes one `>`
/// off `>From `, `>>From `, ... lines.
fn with_crlf<'a>(lines: impl Iterator<Item = &'a [u8]>, unquote: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut lines = lines.peekable();
    while let Some(line) = lines.next() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let quoted = line.iter().position(|&b| b != b'>').filter(|&n| n > 0);
        let line = match quoted {
            Some(n) if unquote && line[n..].starts_with(b"From ") => &line[1..],
            _ => line,
        };
        // The split after a final line end leaves an empty piece: not a line.
        if lines.peek().is_none() && line.is_empty() {
            break;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_mbox_is_split_and_unquoted_with_crlf() {
        let mbox = b"From a@x Thu Jan  1 00:00:00 1970\nSubject: one\n\n>From here\n>>From there\n\nFrom b@x Mon Nov  2 09:00:00 2026\nSubject: two\n\nbody\n\n";
        let messages = split_file(mbox);
        assert_eq!(
            messages,
            [
                b"Subject: one\r\n\r\nFrom here\r\n>From there\r\n".to_vec(),
                b"Subject: two\r\n\r\nbody\r\n".to_vec()
            ]
        );
    }

    #[test]
    fn one_message_is_one_message_with_crlf() {
        assert_eq!(
            split_file(b"Subject: x\n\n>From me\nbye"),
            [b"Subject: x\r\n\r\n>From me\r\nbye\r\n".to_vec()]
        );
        assert_eq!(
            split_file(b"Subject: x\r\n\r\nhi\r\n"),
            [b"Subject: x\r\n\r\nhi\r\n".to_vec()]
        );
    }

    #[test]
    fn form_data_files_are_read_as_they_are() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.eml\"\r\nContent-Type: message/rfc822\r\n\r\nSubject: a\r\n\r\nA\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.eml\"\r\n\r\nSubject: b\r\n\r\nB\r\n--XyZ--\r\n";
        let ct = "multipart/form-data; boundary=XyZ";
        let boundary = form_data_boundary(ct).unwrap();
        let files = form_files(boundary, body).unwrap();
        assert_eq!(
            files,
            [&b"Subject: a\r\n\r\nA"[..], &b"Subject: b\r\n\r\nB"[..]]
        );
        assert_eq!(form_data_boundary("application/mbox"), None);
        assert_eq!(
            form_data_boundary("multipart/form-data; boundary=\"q q\""),
            Some("q q")
        );
    }

    #[test]
    fn an_import_fills_a_new_folder_with_dated_messages() {
        let (mut world, _) = crate::sandbox::default_world(1);
        let mbox = b"From a@x Thu Jan  1 00:00:00 1970\nSubject: one\nDate: Mon, 2 Nov 2026 09:00:00 +0000\n\nhi\n\nFrom b@x Thu Jan  1 00:00:00 1970\nSubject: two\n\nyo\n";
        let r = import(
            &mut world,
            "boss@corp.example",
            "Seed",
            "application/mbox",
            mbox,
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let folder = world.store.folder("boss@corp.example", "Seed").unwrap();
        assert_eq!(folder.len(), 2);
        let first = &folder.messages()[0];
        assert_eq!(
            &first.raw[..],
            b"Subject: one\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n\r\nhi\r\n"
        );
        assert_eq!(first.internal_date, 1_793_610_000);
        let r = import(
            &mut world,
            "nobody@corp.example",
            "INBOX",
            "",
            b"Subject: x\r\n\r\n",
        );
        assert_eq!(r.status, 404);
        let r = import(&mut world, "boss@corp.example", "INBOX", "", b"");
        assert_eq!(r.status, 400);
    }
}
