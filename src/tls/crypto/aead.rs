//! AES-128-GCM record protection, the one AEAD we keep: TLS 1.3's mandatory suite
//! `TLS_AES_128_GCM_SHA256` (RFC 8446 §5.2, §9.1) and TLS 1.2's
//! `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` (RFC 5288 §3, explicit 8-byte nonce).
//!
//! rustls hands the keys and IVs at the lengths [`Tls13AeadAlgorithm::key_len`] and
//! [`KeyBlockShape`] ask for; a wrong length can only come from a bug, and gives a cipher that
//! refuses every record (an error, not a panic).

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce, Tag};
use rustls::crypto::cipher::{
    make_tls12_aad, make_tls13_aad, AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv,
    KeyBlockShape, MessageDecrypter, MessageEncrypter, Nonce as RecordNonce, OutboundOpaqueMessage,
    OutboundPlainMessage, PrefixedPayload, Tls12AeadAlgorithm, Tls13AeadAlgorithm,
    UnsupportedOperationError, NONCE_LEN,
};
use rustls::{ConnectionTrafficSecrets, ContentType, Error, ProtocolVersion};

/// AES-128-GCM's key length in bytes.
const KEY_LEN: usize = 16;
/// GCM's authentication tag length in bytes.
const TAG_LEN: usize = 16;
/// TLS 1.2 GCM: 4 bytes of implicit IV from the key block (RFC 5288 §3).
const TLS12_FIXED_IV_LEN: usize = 4;
/// TLS 1.2 GCM: 8 bytes of explicit nonce at the front of every record (RFC 5288 §3).
const TLS12_EXPLICIT_NONCE_LEN: usize = 8;

/// AES-128-GCM for TLS 1.3.
pub struct Tls13Aes128Gcm;

/// AES-128-GCM for TLS 1.2.
pub struct Tls12Aes128Gcm;

fn cipher(key: &AeadKey) -> Option<Aes128Gcm> {
    Aes128Gcm::new_from_slice(key.as_ref()).ok()
}

/// Encrypts `payload[from..]` in place and appends the tag: the seal both versions share
/// (the AEAD "authenticated encryption" operation; the record's body in TLS 1.3, RFC 8446
/// §5.2, and TLS 1.2, RFC 5246 §6.2.3.3). `None` is a cipher made from keys of the wrong length.
fn seal(
    aead: Option<&Aes128Gcm>,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    payload: &mut PrefixedPayload,
    from: usize,
) -> Result<(), Error> {
    let aead = aead.ok_or(Error::EncryptError)?;
    let body = payload
        .as_mut()
        .get_mut(from..)
        .ok_or(Error::EncryptError)?;
    let tag = aead
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, body)
        .map_err(|_| Error::EncryptError)?;
    payload.extend_from_slice(tag.as_slice());
    Ok(())
}

/// Decrypts `payload[from..end]` in place against the tag that follows it (`payload[end..]`,
/// [`TAG_LEN`] bytes): the open both versions share. A forged or damaged record is an error.
fn open(
    aead: Option<&Aes128Gcm>,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    payload: &mut [u8],
    from: usize,
    end: usize,
) -> Result<(), Error> {
    let aead = aead.ok_or(Error::DecryptError)?;
    if end < from || payload.len() != end + TAG_LEN {
        return Err(Error::DecryptError);
    }
    let (head, tag) = payload.split_at_mut(end);
    aead.decrypt_in_place_detached(
        Nonce::from_slice(nonce),
        aad,
        &mut head[from..],
        Tag::from_slice(tag),
    )
    .map_err(|_| Error::DecryptError)
}

impl Tls13AeadAlgorithm for Tls13Aes128Gcm {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Tls13Cipher {
            aead: cipher(&key),
            iv,
        })
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Tls13Cipher {
            aead: cipher(&key),
            iv,
        })
    }

    fn key_len(&self) -> usize {
        KEY_LEN
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(ConnectionTrafficSecrets::Aes128Gcm { key, iv })
    }
}

/// One direction of a TLS 1.3 record layer: the key and the static IV that the sequence
/// number is XORed into (RFC 8446 §5.3).
struct Tls13Cipher {
    aead: Option<Aes128Gcm>,
    iv: Iv,
}

impl MessageEncrypter for Tls13Cipher {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let total_len = self.encrypted_payload_len(msg.payload.len());
        let mut payload = PrefixedPayload::with_capacity(total_len);
        payload.extend_from_chunks(&msg.payload);
        // TLSInnerPlaintext: the content, then its real type (RFC 8446 §5.2).
        payload.extend_from_slice(&msg.typ.to_array());
        let nonce = RecordNonce::new(&self.iv, seq).0;
        let aad = make_tls13_aad(total_len);
        seal(self.aead.as_ref(), &nonce, &aad, &mut payload, 0)?;
        // Every protected record goes out as application_data, version 1.2 (RFC 8446 §5.2).
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + 1 + TAG_LEN
    }
}

impl MessageDecrypter for Tls13Cipher {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let payload = &mut msg.payload;
        let Some(body_len) = payload.len().checked_sub(TAG_LEN) else {
            return Err(Error::DecryptError);
        };
        let nonce = RecordNonce::new(&self.iv, seq).0;
        let aad = make_tls13_aad(payload.len());
        open(self.aead.as_ref(), &nonce, &aad, payload, 0, body_len)?;
        payload.truncate(body_len);
        msg.into_tls13_unpadded_message()
    }
}

impl Tls12AeadAlgorithm for Tls12Aes128Gcm {
    fn encrypter(&self, key: AeadKey, iv: &[u8], explicit: &[u8]) -> Box<dyn MessageEncrypter> {
        // The first record's explicit nonce comes from the key block (`explicit`); after that
        // the nonce is the fixed IV with the sequence number XORed in, as rustls's own GCM does.
        let mut nonce_base = [0u8; NONCE_LEN];
        let fits = iv.len() == TLS12_FIXED_IV_LEN && explicit.len() == TLS12_EXPLICIT_NONCE_LEN;
        if fits {
            nonce_base[..TLS12_FIXED_IV_LEN].copy_from_slice(iv);
            nonce_base[TLS12_FIXED_IV_LEN..].copy_from_slice(explicit);
        }
        Box::new(Tls12Encrypter {
            aead: cipher(&key).filter(|_| fits),
            nonce_base: Iv::new(nonce_base),
        })
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        let mut fixed_iv = [0u8; TLS12_FIXED_IV_LEN];
        let fits = iv.len() == TLS12_FIXED_IV_LEN;
        if fits {
            fixed_iv.copy_from_slice(iv);
        }
        Box::new(Tls12Decrypter {
            aead: cipher(&key).filter(|_| fits),
            fixed_iv,
        })
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        KeyBlockShape {
            enc_key_len: KEY_LEN,
            fixed_iv_len: TLS12_FIXED_IV_LEN,
            explicit_nonce_len: TLS12_EXPLICIT_NONCE_LEN,
        }
    }

    fn extract_keys(
        &self,
        _key: AeadKey,
        _iv: &[u8],
        _explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        // Only kernel TLS offload asks for this; nothing here does.
        Err(UnsupportedOperationError)
    }
}

struct Tls12Encrypter {
    aead: Option<Aes128Gcm>,
    nonce_base: Iv,
}

impl MessageEncrypter for Tls12Encrypter {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let total_len = self.encrypted_payload_len(msg.payload.len());
        let mut payload = PrefixedPayload::with_capacity(total_len);
        let nonce = RecordNonce::new(&self.nonce_base, seq).0;
        let aad = make_tls12_aad(seq, msg.typ, msg.version, msg.payload.len());
        payload.extend_from_slice(&nonce[TLS12_FIXED_IV_LEN..]);
        payload.extend_from_chunks(&msg.payload);
        seal(
            self.aead.as_ref(),
            &nonce,
            &aad,
            &mut payload,
            TLS12_EXPLICIT_NONCE_LEN,
        )?;
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + TLS12_EXPLICIT_NONCE_LEN + TAG_LEN
    }
}

struct Tls12Decrypter {
    aead: Option<Aes128Gcm>,
    fixed_iv: [u8; TLS12_FIXED_IV_LEN],
}

impl MessageDecrypter for Tls12Decrypter {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let payload = &mut msg.payload;
        let Some(body_len) = payload
            .len()
            .checked_sub(TLS12_EXPLICIT_NONCE_LEN + TAG_LEN)
        else {
            return Err(Error::DecryptError);
        };
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..TLS12_FIXED_IV_LEN].copy_from_slice(&self.fixed_iv);
        nonce[TLS12_FIXED_IV_LEN..].copy_from_slice(&payload[..TLS12_EXPLICIT_NONCE_LEN]);
        let aad = make_tls12_aad(seq, msg.typ, msg.version, body_len);
        let body_end = TLS12_EXPLICIT_NONCE_LEN + body_len;
        open(
            self.aead.as_ref(),
            &nonce,
            &aad,
            payload,
            TLS12_EXPLICIT_NONCE_LEN,
            body_end,
        )?;
        Ok(msg.into_plain_message_range(TLS12_EXPLICIT_NONCE_LEN..body_end))
    }
}
