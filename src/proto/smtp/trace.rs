//! What the server adds to a message before spooling it: the `Received:` trace field
//! (RFC 5321 §4.4) and, on the submission port, the `Message-ID:` and `Date:` fields a client
//! left out (RFC 6409 §8.2, §8.3). Everything is derived from its inputs (virtual time, the
//! session's counters), so runs are reproducible.

use super::PeerInfo;
use md5::{Digest, Md5};

/// How the message came in, for the `with` clause of `Received:` (RFC 5321 §4.4,
/// RFC 3848).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// HELO.
    Smtp,
    /// EHLO.
    Esmtp,
    /// EHLO and AUTH.
    Esmtpa,
    /// EHLO over TLS (RFC 3848).
    Esmtps,
    /// EHLO and AUTH over TLS (RFC 3848).
    Esmtpsa,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Esmtp => "ESMTP",
            Protocol::Esmtpa => "ESMTPA",
            Protocol::Esmtps => "ESMTPS",
            Protocol::Esmtpsa => "ESMTPSA",
        }
    }
}

/// A short, stable, hex trace id for one message, e.g. `4F1C09A2B7D3`: a digest of where and
/// when it came in and of the message itself (see below for big ones), so two sessions at the
/// same moment differ too.
pub fn trace_id(host: &str, peer: &PeerInfo, now_ms: u64, counter: u64, data: &[u8]) -> String {
    let mut h = Md5::new();
    h.update(host.as_bytes());
    h.update([0]);
    h.update(peer.addr.as_bytes());
    h.update([0]);
    h.update(now_ms.to_be_bytes());
    h.update(counter.to_be_bytes());
    // A message up to 64 KiB is hashed whole; a larger one by its first and last 32 KiB and
    // its length, so a big message does not pay a full MD5 pass for its id.
    const WHOLE: usize = 64 * 1024;
    if data.len() <= WHOLE {
        h.update(data);
    } else {
        h.update(&data[..WHOLE / 2]);
        h.update(&data[data.len() - WHOLE / 2..]);
        h.update((data.len() as u64).to_be_bytes());
    }
    h.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// `Received: from {helo} ({peer name or addr} [{peer addr}]) by {host} with {proto} id {id};
/// {date}` with its CRLF.
pub fn received(
    helo: &str,
    peer: &PeerInfo,
    host: &str,
    protocol: Protocol,
    id: &str,
    date: &str,
) -> Vec<u8> {
    let name = peer.name.as_deref().unwrap_or(&peer.addr);
    format!(
        "Received: from {} ({} [{}]) by {} with {} id {}; {}\r\n",
        clean(helo),
        clean(name),
        clean(&peer.addr),
        clean(host),
        protocol.as_str(),
        id,
        date
    )
    .into_bytes()
}

/// Replaces anything that could break a header line (controls, spaces in a word).
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || c == ' ' { '_' } else { c })
        .collect()
}

/// The header field names present in `data`'s header block (lower-case), and whether the data
/// starts with a header block at all (its first line is a `name:` field).
fn header_names(data: &[u8]) -> (Vec<String>, bool) {
    let mut names = Vec::new();
    let mut first = true;
    let mut starts_with_header = false;
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            first = false;
            continue;
        }
        let name_end = line.iter().position(|&b| b == b':');
        let is_field = name_end
            .is_some_and(|end| end > 0 && line[..end].iter().all(|&b| (33..=126).contains(&b)));
        if first {
            starts_with_header = is_field;
            first = false;
        }
        if !is_field {
            break;
        }
        if let Some(end) = name_end {
            names.push(String::from_utf8_lossy(&line[..end]).to_ascii_lowercase());
        }
    }
    (names, starts_with_header)
}

/// Adds `Message-ID: <{id}@{host}>` and `Date: {date}` at the top of the header when the
/// submitted message lacks them (RFC 6409 §8). When the data does not start with a header
/// field at all (a learner typed just a body), a blank line is added after the new fields so the
/// typed text stays the body.
pub fn complete_submission(data: Vec<u8>, message_id: &str, date: &str) -> Vec<u8> {
    let (names, starts_with_header) = header_names(&data);
    let has = |n: &str| names.iter().any(|x| x == n);
    let mut head = String::new();
    if !has("message-id") {
        head.push_str(&format!("Message-ID: <{message_id}>\r\n"));
    }
    if !has("date") {
        head.push_str(&format!("Date: {date}\r\n"));
    }
    if head.is_empty() {
        return data;
    }
    if !starts_with_header && !data.is_empty() && !data.starts_with(b"\r\n") {
        head.push_str("\r\n");
    }
    let mut out = head.into_bytes();
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_line_shape() {
        let peer = PeerInfo {
            addr: "10.0.0.7".into(),
            name: None,
        };
        let r = received(
            "laptop",
            &peer,
            "mx.corp.example",
            Protocol::Esmtpa,
            "ABC",
            "Mon, 02 Nov 2026 09:00:00 +0000",
        );
        assert_eq!(
            String::from_utf8(r).unwrap(),
            "Received: from laptop (10.0.0.7 [10.0.0.7]) by mx.corp.example with ESMTPA id ABC; \
             Mon, 02 Nov 2026 09:00:00 +0000\r\n"
        );
        assert_ne!(
            trace_id("h", &peer, 1, 1, b""),
            trace_id("h", &peer, 1, 2, b"")
        );
        assert_ne!(
            trace_id("h", &peer, 1, 1, b"a"),
            trace_id("h", &peer, 1, 1, b"b")
        );
        assert_eq!(trace_id("h", &peer, 1, 1, b"").len(), 12);
    }

    #[test]
    fn submission_fields_added_only_when_missing() {
        let full = b"Date: x\r\nMessage-ID: <a@b>\r\nSubject: s\r\n\r\nbody\r\n".to_vec();
        assert_eq!(complete_submission(full.clone(), "id@h", "D"), full);

        let no_id = b"Subject: s\r\nDATE: x\r\n\r\nbody\r\n".to_vec();
        assert_eq!(
            complete_submission(no_id, "id@h", "D"),
            b"Message-ID: <id@h>\r\nSubject: s\r\nDATE: x\r\n\r\nbody\r\n".to_vec()
        );

        // A Date: in the body does not count.
        let body_date = b"Subject: s\r\n\r\nDate: x\r\n".to_vec();
        assert_eq!(
            complete_submission(body_date, "id@h", "D"),
            b"Message-ID: <id@h>\r\nDate: D\r\nSubject: s\r\n\r\nDate: x\r\n".to_vec()
        );

        let bare = b"hello there\r\n".to_vec();
        assert_eq!(
            complete_submission(bare, "id@h", "D"),
            b"Message-ID: <id@h>\r\nDate: D\r\n\r\nhello there\r\n".to_vec()
        );
    }
}
