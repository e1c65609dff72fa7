//! SHA-256 and HMAC-SHA-256: the one hash every suite we keep uses (RFC 8446 §B.4
//! `TLS_AES_128_GCM_SHA256`; RFC 5289 §3.2 `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`), for the
//! handshake transcript, HKDF (TLS 1.3) and the PRF (TLS 1.2).

use hmac::Mac;
use rustls::crypto::{self, hash, hmac as rustls_hmac};
use sha2::{Digest, Sha256};

/// SHA-256 as rustls wants it.
pub static SHA256: &dyn hash::Hash = &Sha256Hash;

/// HMAC-SHA-256 as rustls wants it.
pub static HMAC_SHA256: &dyn rustls_hmac::Hmac = &HmacSha256;

/// Length of a SHA-256 digest and of an HMAC-SHA-256 tag.
const SHA256_LEN: usize = 32;

struct Sha256Hash;

impl hash::Hash for Sha256Hash {
    fn start(&self) -> Box<dyn hash::Context> {
        Box::new(Sha256Context(Sha256::new()))
    }

    fn hash(&self, data: &[u8]) -> hash::Output {
        hash::Output::new(&Sha256::digest(data)[..])
    }

    fn output_len(&self) -> usize {
        SHA256_LEN
    }

    fn algorithm(&self) -> hash::HashAlgorithm {
        hash::HashAlgorithm::SHA256
    }
}

struct Sha256Context(Sha256);

impl hash::Context for Sha256Context {
    fn fork_finish(&self) -> hash::Output {
        hash::Output::new(&self.0.clone().finalize()[..])
    }

    fn fork(&self) -> Box<dyn hash::Context> {
        Box::new(Sha256Context(self.0.clone()))
    }

    fn finish(self: Box<Self>) -> hash::Output {
        hash::Output::new(&self.0.finalize()[..])
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

struct HmacSha256;

impl rustls_hmac::Hmac for HmacSha256 {
    fn with_key(&self, key: &[u8]) -> Box<dyn rustls_hmac::Key> {
        // HMAC takes a key of any length (RFC 2104 §2: longer keys are hashed first), so
        // `new_from_slice` cannot fail here; the fallback keeps that a non-panicking fact.
        let mac = hmac::Hmac::<Sha256>::new_from_slice(key)
            .unwrap_or_else(|_| hmac::Hmac::<Sha256>::new(&Default::default()));
        Box::new(HmacSha256Key(mac))
    }

    fn hash_output_len(&self) -> usize {
        SHA256_LEN
    }
}

struct HmacSha256Key(hmac::Hmac<Sha256>);

impl rustls_hmac::Key for HmacSha256Key {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> rustls_hmac::Tag {
        let mut mac = self.0.clone();
        mac.update(first);
        for part in middle {
            mac.update(part);
        }
        mac.update(last);
        rustls_hmac::Tag::new(&mac.finalize().into_bytes()[..])
    }

    fn tag_len(&self) -> usize {
        SHA256_LEN
    }
}

/// HKDF (RFC 5869) over HMAC-SHA-256, for TLS 1.3's key schedule (RFC 8446 §7.1).
pub static HKDF_SHA256: &dyn crypto::tls13::Hkdf = &crypto::tls13::HkdfUsingHmac(HMAC_SHA256);

/// The TLS 1.2 PRF (RFC 5246 §5) over HMAC-SHA-256.
pub static PRF_SHA256: &dyn crypto::tls12::Prf = &crypto::tls12::PrfUsingHmac(HMAC_SHA256);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc_is_the_fips_180_2_example() {
        let digest = SHA256.hash(b"abc");
        assert_eq!(
            digest.as_ref()[..4],
            [0xba, 0x78, 0x16, 0xbf],
            "FIPS 180-2 B.1 starts ba7816bf"
        );
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        let key = HMAC_SHA256.with_key(b"Jefe");
        let tag = key.sign(&[b"what do ya want ", b"for nothing?"]);
        assert_eq!(tag.as_ref()[..4], [0x5b, 0xdc, 0xc1, 0x46]);
    }
}
