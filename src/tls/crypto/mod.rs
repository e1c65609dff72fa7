//! The trimmed crypto provider: the fewest algorithms that still interoperate with real
//! clients (OpenSSL, curl, swaks, Python's `ssl`, all of which offer them), built from the
//! RustCrypto primitives so it compiles to wasm32 as well as natively.
//!
//! | piece | kept | why enough |
//! |---|---|---|
//! | TLS 1.3 suite | `TLS_AES_128_GCM_SHA256` | the one every TLS 1.3 peer must implement (RFC 8446 §9.1) |
//! | TLS 1.2 suite | `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` | RFC 5289 §3.2; offered by every client that offers ECDSA |
//! | key exchange | X25519, secp256r1 | RFC 8446 §9.1 (secp256r1 MUST, X25519 SHOULD) |
//! | signatures | ECDSA P-256 SHA-256 | RFC 8446 §9.1 MUST; the sandbox PKI issues only these |
//! | hash | SHA-256 | the suites' hash; HKDF (TLS 1.3) and the PRF (TLS 1.2) over HMAC-SHA-256 |
//!
//! Left out, with what each would cost, in the README ("TLS (foundation)"): AES-256-GCM and
//! SHA-384, ChaCha20-Poly1305, P-384, Ed25519 and RSA. Randomness and time come from the
//! connection that is calling ([`super::ambient`]).

mod aead;
mod hash;
mod kx;
mod sign;
mod verify;

use super::ambient::AmbientRandom;
use rustls::crypto::{CipherSuiteCommon, CryptoProvider, KeyExchangeAlgorithm};
use rustls::{
    CipherSuite, SignatureScheme, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite,
};

/// `TLS_AES_128_GCM_SHA256` (RFC 8446 §B.4).
pub static TLS13_AES_128_GCM_SHA256: SupportedCipherSuite =
    SupportedCipherSuite::Tls13(&Tls13CipherSuite {
        common: CipherSuiteCommon {
            suite: CipherSuite::TLS13_AES_128_GCM_SHA256,
            hash_provider: hash::SHA256,
            // RFC 8446 §5.5 and the AEAD limits draft: 2^24.5 full records per key.
            confidentiality_limit: 1 << 23,
        },
        hkdf_provider: hash::HKDF_SHA256,
        aead_alg: &aead::Tls13Aes128Gcm,
        quic: None,
    });

/// `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` (RFC 5289 §3.2).
pub static TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256: SupportedCipherSuite =
    SupportedCipherSuite::Tls12(&Tls12CipherSuite {
        common: CipherSuiteCommon {
            suite: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            hash_provider: hash::SHA256,
            confidentiality_limit: 1 << 23,
        },
        kx: KeyExchangeAlgorithm::ECDHE,
        sign: &[SignatureScheme::ECDSA_NISTP256_SHA256],
        aead_alg: &aead::Tls12Aes128Gcm,
        prf_provider: hash::PRF_SHA256,
    });

/// The sandbox's crypto provider (see the module doc for what it holds).
pub fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            TLS13_AES_128_GCM_SHA256,
            TLS12_ECDHE_ECDSA_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![&kx::X25519, &kx::Secp256r1],
        signature_verification_algorithms: verify::ALGORITHMS,
        secure_random: &AmbientRandom,
        key_provider: &sign::P256KeyProvider,
    }
}
