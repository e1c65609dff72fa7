//! IMAP URLs that name a message, or a part of one, on this server (RFC 5092 §3, §6), with
//! RFC 5550's `;PARTIAL=`, in the forms CATENATE takes (RFC 4469 §3, §5): absolute
//! (`imap://boss@mx.corp.example/INBOX;UIDVALIDITY=1/;UID=2`) or relative to the server
//! (`/INBOX;UIDVALIDITY=1/;UID=2/;SECTION=1.2/;PARTIAL=0.100`). Parameter names are read in
//! any case (RFC 4469's own example writes `;section=`). URLAUTH (RFC 4467) is not offered.

use super::fetch::section;
use super::Section;
use crate::proto::imap::parse::Parser;

/// A message, or a section of it, as an IMAP URL names it (RFC 5092 `imessagepart`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageUrl {
    /// `enc-user` of an absolute URL (RFC 5092 §3.2), percent-decoded.
    pub user: Option<String>,
    /// The host of an absolute URL, lower case.
    pub host: Option<String>,
    /// The mailbox (UTF-8, RFC 5092 §3.3; `INBOX` in any case is INBOX).
    pub mailbox: String,
    /// `;UIDVALIDITY=` (RFC 5092 §6): when given, the mailbox must still have it.
    pub uidvalidity: Option<u32>,
    pub uid: u32,
    /// `;SECTION=` as a FETCH section (RFC 5092 §6, `enc-section`).
    pub section: Option<Section>,
    /// `;PARTIAL=offset[.length]` (RFC 5092 §6; URL-PARTIAL, RFC 5550, lets CATENATE take it).
    pub partial: Option<(u32, Option<u32>)>,
}

/// Reads an IMAP URL that names a message (or a part of one); `Err` says why it is not one.
pub fn parse_message_url(url: &str) -> Result<MessageUrl, String> {
    let (user, host, path) = match strip_prefix_ignore_case(url, "imap://") {
        Some(rest) => {
            let (authority, path) = rest
                .find('/')
                .map(|i| rest.split_at(i))
                .ok_or("An IMAP URL names a mailbox after the host: imap://host/INBOX/;UID=1")?;
            let (user, host) = match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    // `enc-user [";AUTH=" ...]` (RFC 5092 §3.2): the mechanism is ours to pick.
                    let enc_user = userinfo.split(';').next().unwrap_or_default();
                    (Some(percent_decode(enc_user)?), host)
                }
                None => (None, authority),
            };
            let host = host
                .rsplit_once(':')
                .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
                .map_or(host, |(h, _)| h);
            if host.is_empty() {
                return Err("An absolute IMAP URL names its host: imap://host/...".into());
            }
            (user, Some(host.to_ascii_lowercase()), path)
        }
        None if url.starts_with('/') => (None, None, url),
        None => return Err(
            "A CATENATE URL is absolute (imap://...) or starts with / (relative to this server)"
                .into(),
        ),
    };
    // `enc-mailbox` has no `;` (RFC 5092 §11, `bchar`): the first one starts the parameters.
    let path = &path[1..];
    let (mailbox, params) = path.split_once(';').unwrap_or((path, ""));
    let mailbox = percent_decode(mailbox.trim_end_matches('/'))?;
    if mailbox.is_empty() {
        return Err("The URL names no mailbox".into());
    }
    let mailbox = if mailbox.eq_ignore_ascii_case("INBOX") {
        "INBOX".to_string()
    } else {
        mailbox
    };
    let mut found = MessageUrl {
        user,
        host,
        mailbox,
        uidvalidity: None,
        uid: 0,
        section: None,
        partial: None,
    };
    for param in params.split(';').filter(|p| !p.is_empty()) {
        let param = param.trim().trim_end_matches('/');
        let (name, value) = param
            .split_once('=')
            .ok_or_else(|| format!("URL parameter without a value: ;{param}"))?;
        match name.to_ascii_uppercase().as_str() {
            "UIDVALIDITY" => found.uidvalidity = Some(nz_number(value, "UIDVALIDITY")?),
            "UID" => found.uid = nz_number(value, "UID")?,
            "SECTION" => found.section = Some(url_section(&percent_decode(value)?)?),
            "PARTIAL" => found.partial = Some(partial_range(value)?),
            "EXPIRE" | "URLAUTH" | "ACCESS" => {
                return Err("URLAUTH (RFC 4467) is not offered here".into())
            }
            other => return Err(format!("Unknown URL parameter ;{other}=")),
        }
    }
    if found.uid == 0 {
        return Err("The URL names no message: add /;UID=n".into());
    }
    Ok(found)
}

/// The part of `s` after `prefix` when `s` starts with it in any case.
fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    s.get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &s[prefix.len()..])
}

/// `nz-number` (RFC 3501 §9).
fn nz_number(value: &str, what: &str) -> Result<u32, String> {
    value
        .parse::<u32>()
        .ok()
        .filter(|&n| n > 0 && value.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!(";{what}= takes a number above 0"))
}

/// `partial-range = number ["." nz-number]` (RFC 5092 §11).
fn partial_range(value: &str) -> Result<(u32, Option<u32>), String> {
    let bad = || ";PARTIAL= is offset or offset.length, e.g. ;PARTIAL=0.1024".to_string();
    let (offset, length) = match value.split_once('.') {
        Some((o, l)) => (o, Some(l)),
        None => (value, None),
    };
    if offset.is_empty() || !offset.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let offset = offset.parse::<u32>().map_err(|_| bad())?;
    let length = match length {
        Some(l) => Some(nz_number(l, "PARTIAL length").map_err(|_| bad())?),
        None => None,
    };
    Ok((offset, length))
}

/// `enc-section` (RFC 5092 §6), decoded, read with FETCH's section grammar.
fn url_section(text: &str) -> Result<Section, String> {
    let spec = format!("{text}]");
    let mut p = Parser::new(spec.as_bytes());
    let sec = section(&mut p).map_err(|e| format!("In ;SECTION=: {}", e.text()))?;
    if !p.at_end() {
        return Err("Unexpected text after the URL's section".into());
    }
    Ok(sec)
}

/// Percent-decoding (RFC 3986 §2.1) to UTF-8.
fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("A % in a URL is followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "The URL's decoded text is not UTF-8".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::imap::parse::SectionText;

    #[test]
    fn relative_urls_after_rfc_4469_name_mailbox_uid_section_and_partial() {
        let u = parse_message_url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME").unwrap();
        assert_eq!(u.mailbox, "Drafts");
        assert_eq!(u.uidvalidity, Some(385_759_045));
        assert_eq!(u.uid, 20);
        let s = u.section.unwrap();
        assert_eq!((s.path, s.text), (vec![1], Some(SectionText::Mime)));
        let u = parse_message_url("/inbox/;UID=3/;SECTION=HEADER.FIELDS%20(SUBJECT)/;PARTIAL=4.10")
            .unwrap();
        assert_eq!(u.mailbox, "INBOX");
        assert_eq!(u.uidvalidity, None);
        assert_eq!(u.partial, Some((4, Some(10))));
        assert!(matches!(
            u.section.unwrap().text,
            Some(SectionText::Fields { not: false, .. })
        ));
        let u = parse_message_url("/Archive%2F2026/;UID=1;PARTIAL=7").unwrap();
        assert_eq!(
            (u.mailbox.as_str(), u.partial),
            ("Archive/2026", Some((7, None)))
        );
    }

    #[test]
    fn absolute_urls_carry_user_and_host() {
        let u =
            parse_message_url("imap://boss%40corp.example;AUTH=*@MX.corp.example:143/INBOX/;UID=2")
                .unwrap();
        assert_eq!(u.user.as_deref(), Some("boss@corp.example"));
        assert_eq!(u.host.as_deref(), Some("mx.corp.example"));
        assert_eq!(u.uid, 2);
    }

    #[test]
    fn what_is_not_a_message_url_says_why() {
        for (url, why) in [
            ("INBOX/;UID=1", "starts with /"),
            ("/INBOX", "names no message"),
            ("/INBOX/;UID=0", "above 0"),
            ("/INBOX/;UID=1/;PARTIAL=x", "offset or offset.length"),
            ("/INBOX/;UID=1/;PARTIAL=1.0", "offset or offset.length"),
            ("/INBOX/;UID=1/;SECTION=BOGUS", "Unknown section"),
            ("/INBOX/;UID=1;URLAUTH=anonymous:internal:0", "URLAUTH"),
            ("/IN%ZZBOX/;UID=1", "two hex digits"),
            ("imap://host", "mailbox after the host"),
            ("/;UID=1", "names no mailbox"),
            ("/INBOX/;UID=1;FOO=2", "Unknown URL parameter"),
        ] {
            let err = parse_message_url(url).unwrap_err();
            assert!(err.contains(why), "{url}: {err}");
        }
    }
}
