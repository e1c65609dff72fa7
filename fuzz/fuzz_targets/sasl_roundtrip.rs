//! SASL PLAIN: decoding arbitrary base64 never panics, and encode/decode round-trip.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mail_sandbox::wire::sasl::{b64_decode, b64_encode, decode_plain, encode_plain};

fuzz_target!(|data: &[u8]| {
    // Arbitrary text as a PLAIN response.
    if let Some(c) = decode_plain(data) {
        assert!(!c.authcid.is_empty());
        let again = encode_plain(&c.authcid, &c.password);
        let back = decode_plain(again.as_bytes()).expect("own encoding decodes");
        assert_eq!((back.authcid, back.password), (c.authcid, c.password));
        assert!(back.authzid.is_empty());
    }
    // Arbitrary bytes through base64 and back.
    assert_eq!(
        b64_decode(b64_encode(data).as_bytes()).as_deref(),
        Some(data)
    );
    // Arbitrary user and password (split at the first 0xFF).
    let text = String::from_utf8_lossy(data).replace('\0', "");
    let (user, pass) = text.split_once('\u{FFFD}').unwrap_or((&text, ""));
    if !user.is_empty() {
        let enc = encode_plain(user, pass);
        let c = decode_plain(enc.as_bytes()).expect("decodes");
        assert_eq!(
            (c.authzid.as_str(), c.authcid.as_str(), c.password.as_str()),
            ("", user, pass)
        );
    }
});
