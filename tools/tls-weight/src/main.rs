//! A wasm32 probe for the TLS weight: a client and a server handshake in memory and exchange
//! a line, with one of the providers (cargo features, see Cargo.toml); with no feature it is an
//! empty program, the baseline. `scripts/tls-weight.sh` builds each and measures it.
#![allow(unused)]

#[path = "../../../src/time.rs"]
mod time;
#[path = "../../../src/tls/mod.rs"]
mod tls;

use std::hint::black_box;

#[cfg(any(feature = "full", feature = "trimmed"))]
mod raw {
    //! rustls's buffered connections pumped in memory, with a given provider.
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
    use std::io::{Read, Write};
    use std::sync::Arc;

    pub fn handshake(provider: CryptoProvider, line: &[u8]) -> usize {
        let provider = Arc::new(provider);
        let identity = crate::tls::pki::host("mx.corp.example").expect("shipped");
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(identity.chain_pem.as_bytes())
                .collect::<Result<_, _>>()
                .expect("chain");
        let key = PrivateKeyDer::from_pem_slice(identity.key_pem.as_bytes()).expect("key");
        let server_config = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("cert");
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(crate::tls::pki::CA_PEM.as_bytes()).expect("ca"))
            .expect("root");
        let client_config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("mx.corp.example").expect("name");
        let mut client = ClientConnection::new(Arc::new(client_config), name).expect("client");
        let mut server = ServerConnection::new(Arc::new(server_config)).expect("server");
        client.writer().write_all(line).expect("write");
        let mut got = Vec::new();
        for _ in 0..10 {
            let mut wire = Vec::new();
            while client.wants_write() {
                client.write_tls(&mut wire).expect("write_tls");
            }
            server.read_tls(&mut &wire[..]).ok();
            server.process_new_packets().ok();
            let mut back = Vec::new();
            while server.wants_write() {
                server.write_tls(&mut back).expect("write_tls");
            }
            client.read_tls(&mut &back[..]).ok();
            client.process_new_packets().ok();
            server.reader().read_to_end(&mut got).ok();
        }
        got.len()
    }
}

#[cfg(feature = "layer")]
fn layer(line: &[u8]) -> usize {
    use crate::time::{Instant, WallClock};
    use tls::{pki, ClientTls, RandomSource, ServerTls, TlsOutput, TlsVersions};
    let now = Instant::from_millis(black_box(1));
    let server_tls = ServerTls::new(
        &pki::host("mx.corp.example").expect("shipped"),
        TlsVersions::Both,
    )
    .expect("server");
    let client_tls = ClientTls::sandbox(TlsVersions::Both).expect("client");
    let mut server = server_tls
        .accept(RandomSource::seeded(1, 2), WallClock::default())
        .expect("accept");
    let mut client = client_tls
        .connect(
            "mx.corp.example",
            RandomSource::seeded(1, 1),
            WallClock::default(),
            now,
        )
        .expect("connect");
    client.write_plaintext(now, line);
    let mut got = 0;
    for _ in 0..10 {
        while let Some(output) = client.poll_output() {
            if let TlsOutput::Transmit(bytes) = output {
                server.handle_input(now, &bytes);
            }
        }
        while let Some(output) = server.poll_output() {
            match output {
                TlsOutput::Transmit(bytes) => client.handle_input(now, &bytes),
                TlsOutput::Plaintext(bytes) => got += bytes.len(),
                _ => {}
            }
        }
    }
    got
}

#[cfg(feature = "primitives")]
fn primitives(line: &[u8]) -> usize {
    use aes_gcm::aead::{Aead, KeyInit};
    use hmac::Mac;
    use p256::ecdsa::signature::{Signer, Verifier};
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(black_box(1));
    let x_secret = x25519_dalek::EphemeralSecret::random_from_rng(&mut rng);
    let x_peer = x25519_dalek::PublicKey::from(black_box([9u8; 32]));
    let x_shared = x_secret.diffie_hellman(&x_peer);
    let p_secret = p256::ecdh::EphemeralSecret::random(&mut rng);
    let p_public = p_secret.public_key();
    let p_shared = p_secret.diffie_hellman(&p_public);
    let signing = p256::ecdsa::SigningKey::random(&mut rng);
    let signature: p256::ecdsa::DerSignature = signing.sign(line);
    let verified = signing.verifying_key().verify(line, &signature).is_ok();
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(x_shared.as_bytes()).expect("key");
    mac.update(p_shared.raw_secret_bytes());
    let key = mac.finalize().into_bytes();
    let aead = <aes_gcm::Aes128Gcm as KeyInit>::new_from_slice(&key[..16]).expect("key");
    let nonce = aes_gcm::Nonce::from_slice(&[0u8; 12]);
    let sealed = aead.encrypt(nonce, line).expect("seal");
    let opened = aead.decrypt(nonce, sealed.as_slice()).expect("open");
    opened.len() + usize::from(verified)
}

fn main() {
    let line = black_box(b"EHLO pc.home.example\r\n".as_slice());
    #[cfg(feature = "full")]
    black_box(raw::handshake(rustls_rustcrypto::provider(), line));
    #[cfg(feature = "trimmed")]
    black_box(raw::handshake(tls::crypto::provider(), line));
    #[cfg(feature = "layer")]
    black_box(layer(line));
    #[cfg(feature = "primitives")]
    black_box(primitives(line));
    black_box(line);
}
