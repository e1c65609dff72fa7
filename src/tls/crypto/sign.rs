//! The server's signing key: ECDSA over P-256 with SHA-256, the only key type the sandbox PKI
//! issues (`ecdsa_secp256r1_sha256`, RFC 8446 §4.2.3). Signatures use RFC 6979 deterministic
//! nonces, so signing needs no randomness and a replay signs identically.

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey as P256SigningKey};
use p256::pkcs8::DecodePrivateKey;
use rustls::crypto::KeyProvider;
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::{Signer, SigningKey};
use rustls::{Error, SignatureAlgorithm, SignatureScheme};
use std::sync::Arc;

/// Loads PKCS#8 (or SEC1) P-256 private keys; refuses every other kind with an error.
#[derive(Debug)]
pub struct P256KeyProvider;

impl KeyProvider for P256KeyProvider {
    fn load_private_key(&self, key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, Error> {
        let key = match &key {
            PrivateKeyDer::Pkcs8(der) => P256SigningKey::from_pkcs8_der(der.secret_pkcs8_der())
                .map_err(|_| "not a PKCS#8 P-256 key"),
            PrivateKeyDer::Sec1(der) => p256::SecretKey::from_sec1_der(der.secret_sec1_der())
                .map(P256SigningKey::from)
                .map_err(|_| "not a SEC1 P-256 key"),
            _ => Err("only P-256 ECDSA keys are supported"),
        }
        .map_err(|why| Error::General(why.into()))?;
        Ok(Arc::new(P256Key(Arc::new(key))))
    }
}

#[derive(Debug)]
struct P256Key(Arc<P256SigningKey>);

const SCHEME: SignatureScheme = SignatureScheme::ECDSA_NISTP256_SHA256;

impl SigningKey for P256Key {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        offered
            .contains(&SCHEME)
            .then(|| Box::new(P256Signer(Arc::clone(&self.0))) as Box<dyn Signer>)
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

#[derive(Debug)]
struct P256Signer(Arc<P256SigningKey>);

impl Signer for P256Signer {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        let signature: DerSignature = self
            .0
            .try_sign(message)
            .map_err(|_| Error::General("ECDSA signing failed".into()))?;
        Ok(signature.as_bytes().to_vec())
    }

    fn scheme(&self) -> SignatureScheme {
        SCHEME
    }
}
