//! SASL PLAIN (RFC 4616) and base64 helpers shared by SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

pub fn b64_encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn b64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let trimmed: Vec<u8> = text
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(trimmed).ok()
}

/// Credentials from a decoded PLAIN message `authzid NUL authcid NUL passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    pub authzid: String,
    pub authcid: String,
    pub password: String,
}

/// Decodes a base64 PLAIN response (RFC 4616 §2).
pub fn decode_plain(b64: &[u8]) -> Option<PlainCredentials> {
    let raw = b64_decode(b64)?;
    let mut parts = raw.split(|&b| b == 0);
    let authzid = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let authcid = String::from_utf8(parts.next()?.to_vec()).ok()?;
    let password = String::from_utf8(parts.next()?.to_vec()).ok()?;
    if parts.next().is_some() || authcid.is_empty() {
        return None;
    }
    Some(PlainCredentials {
        authzid,
        authcid,
        password,
    })
}

/// Encodes a PLAIN initial response for `user`/`password`.
pub fn encode_plain(user: &str, password: &str) -> String {
    let mut raw = Vec::new();
    raw.push(0);
    raw.extend_from_slice(user.as_bytes());
    raw.push(0);
    raw.extend_from_slice(password.as_bytes());
    b64_encode(&raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_round_trip() {
        let enc = encode_plain("boss@corp.example", "pw");
        let c = decode_plain(enc.as_bytes()).expect("decodes");
        assert_eq!(c.authcid, "boss@corp.example");
        assert_eq!(c.password, "pw");
        assert!(decode_plain(b"!!!").is_none());
        assert!(decode_plain(b64_encode(b"only").as_bytes()).is_none());
    }
}
