//! The bytes that cross between the page and its TLS module: each call's answer is one
//! buffer, encoded and decoded here on both sides (so a native test covers both ends).
//!
//! - A made layer ([`encode_made`]): `0, handle (u32 LE)` or `1, error`.
//! - A batch ([`encode_batch`]): the layer's [`LayerState`] (5 bytes, or 6 with a verify error),
//!   then every output drained, each as `length (u32 LE), output`.
//! - An output: `0` Transmit + bytes, `1` Plaintext + bytes, `2` Event + event, `3` Close.
//! - An event: `0` ClientHello + (`0` | `1` name), `1` ServerHello + version + suite,
//!   `2` Certificate + (`length (u32 LE)`, DER)*, `3` Finished, `4` PeerClosed + clean,
//!   `5` Failed + error.
//! - An error: its tag, and for `PeerAlert` the alert's code.
//!
//! Decoding never panics: bytes that do not decode give `None` (the page then treats the
//! layer as failed with [`TlsError::Internal`]).

use crate::tls_layer::{Alert, LayerState, TlsError, TlsEvent, TlsOutput, TlsSuite, TlsVersion};

/// A call on an existing layer (the module's `tls_call` takes its code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Ciphertext from the peer.
    Input = 0,
    /// The transport ended.
    TransportClosed = 1,
    /// Plaintext to send.
    Write = 2,
    /// Close our side (close_notify).
    Close = 3,
    /// Nothing: just drain (the first outputs of a new client layer).
    Drain = 4,
}

impl Call {
    pub fn from_code(code: u8) -> Option<Call> {
        [
            Call::Input,
            Call::TransportClosed,
            Call::Write,
            Call::Close,
            Call::Drain,
        ]
        .into_iter()
        .find(|c| *c as u8 == code)
    }
}

/// The certificate a server presents, as a code: 0 its own, 1-3 a broken one.
pub fn encode_certificate(certificate: crate::tls_layer::ServerCertificate) -> u8 {
    use crate::tls_layer::{BrokenCertificate as B, ServerCertificate as S};
    match certificate {
        S::Own => 0,
        S::Broken(B::Expired) => 1,
        S::Broken(B::WrongName) => 2,
        S::Broken(B::UnknownCa) => 3,
    }
}

pub fn decode_certificate(code: u8) -> Option<crate::tls_layer::ServerCertificate> {
    use crate::tls_layer::{BrokenCertificate as B, ServerCertificate as S};
    Some(match code {
        0 => S::Own,
        1 => S::Broken(B::Expired),
        2 => S::Broken(B::WrongName),
        3 => S::Broken(B::UnknownCa),
        _ => return None,
    })
}

pub fn encode_made(made: Result<u32, TlsError>) -> Vec<u8> {
    match made {
        Ok(handle) => {
            let mut out = vec![0];
            out.extend_from_slice(&handle.to_le_bytes());
            out
        }
        Err(error) => {
            let mut out = vec![1];
            encode_error(error, &mut out);
            out
        }
    }
}

pub fn decode_made(bytes: &[u8]) -> Result<u32, TlsError> {
    let mut r = Reader(bytes);
    match r.byte() {
        Some(0) => r.u32().ok_or(TlsError::Internal),
        Some(1) => Err(r.error().unwrap_or(TlsError::Internal)),
        _ => Err(TlsError::Internal),
    }
}

pub fn encode_batch(status: &LayerState, outputs: &[TlsOutput]) -> Vec<u8> {
    let mut out = vec![
        u8::from(status.handshaking) | u8::from(status.closed) << 1,
        match status.version {
            None => 0,
            Some(TlsVersion::Tls12) => 1,
            Some(TlsVersion::Tls13) => 2,
        },
        match status.suite {
            None => 0,
            Some(TlsSuite::Aes128GcmSha256) => 1,
            Some(TlsSuite::EcdheEcdsaAes128GcmSha256) => 2,
        },
    ];
    match status.verify_error {
        None => out.push(0),
        Some(error) => {
            out.push(1);
            encode_error(error, &mut out);
        }
    }
    for output in outputs {
        let mut one = Vec::new();
        encode_output(output, &mut one);
        out.extend_from_slice(&(one.len() as u32).to_le_bytes());
        out.extend_from_slice(&one);
    }
    out
}

pub fn decode_batch(bytes: &[u8]) -> Option<(LayerState, Vec<TlsOutput>)> {
    let mut r = Reader(bytes);
    let flags = r.byte()?;
    let version = match r.byte()? {
        0 => None,
        1 => Some(TlsVersion::Tls12),
        2 => Some(TlsVersion::Tls13),
        _ => return None,
    };
    let suite = match r.byte()? {
        0 => None,
        1 => Some(TlsSuite::Aes128GcmSha256),
        2 => Some(TlsSuite::EcdheEcdsaAes128GcmSha256),
        _ => return None,
    };
    let verify_error = match r.byte()? {
        0 => None,
        1 => Some(r.error()?),
        _ => return None,
    };
    let status = LayerState {
        handshaking: flags & 1 != 0,
        closed: flags & 2 != 0,
        version,
        suite,
        verify_error,
    };
    let mut outputs = Vec::new();
    while !r.0.is_empty() {
        let n = r.u32()? as usize;
        outputs.push(decode_output(r.take(n)?)?);
    }
    Some((status, outputs))
}

fn encode_output(output: &TlsOutput, out: &mut Vec<u8>) {
    match output {
        TlsOutput::Transmit(bytes) => {
            out.push(0);
            out.extend_from_slice(bytes);
        }
        TlsOutput::Plaintext(bytes) => {
            out.push(1);
            out.extend_from_slice(bytes);
        }
        TlsOutput::Event(event) => {
            out.push(2);
            encode_event(event, out);
        }
        TlsOutput::Close => out.push(3),
    }
}

fn decode_output(bytes: &[u8]) -> Option<TlsOutput> {
    let (tag, rest) = bytes.split_first()?;
    Some(match tag {
        0 => TlsOutput::Transmit(rest.to_vec()),
        1 => TlsOutput::Plaintext(rest.to_vec()),
        2 => TlsOutput::Event(decode_event(rest)?),
        3 if rest.is_empty() => TlsOutput::Close,
        _ => return None,
    })
}

fn encode_event(event: &TlsEvent, out: &mut Vec<u8>) {
    match event {
        TlsEvent::ClientHello { server_name } => {
            out.push(0);
            if let Some(name) = server_name {
                out.push(1);
                out.extend_from_slice(name.as_bytes());
            } else {
                out.push(0);
            }
        }
        TlsEvent::ServerHello { version, suite } => {
            out.push(1);
            let status = LayerState {
                version: Some(*version),
                suite: Some(*suite),
                ..LayerState::default()
            };
            out.extend_from_slice(&encode_batch(&status, &[])[1..3]);
        }
        TlsEvent::Certificate { chain } => {
            out.push(2);
            for der in chain {
                out.extend_from_slice(&(der.len() as u32).to_le_bytes());
                out.extend_from_slice(der);
            }
        }
        TlsEvent::Finished => out.push(3),
        TlsEvent::PeerClosed { clean } => {
            out.push(4);
            out.push(u8::from(*clean));
        }
        TlsEvent::Failed(error) => {
            out.push(5);
            encode_error(*error, out);
        }
    }
}

fn decode_event(bytes: &[u8]) -> Option<TlsEvent> {
    let mut r = Reader(bytes);
    let event = match r.byte()? {
        0 => {
            let server_name = match r.byte()? {
                0 => None,
                1 => Some(String::from_utf8(r.rest().to_vec()).ok()?),
                _ => return None,
            };
            TlsEvent::ClientHello { server_name }
        }
        1 => {
            let mut status = [0, 0, 0, 0];
            status[1] = r.byte()?;
            status[2] = r.byte()?;
            let (status, _) = decode_batch(&status)?;
            TlsEvent::ServerHello {
                version: status.version?,
                suite: status.suite?,
            }
        }
        2 => {
            let mut chain = Vec::new();
            while !r.0.is_empty() {
                let n = r.u32()? as usize;
                chain.push(r.take(n)?.to_vec());
            }
            TlsEvent::Certificate { chain }
        }
        3 => TlsEvent::Finished,
        4 => TlsEvent::PeerClosed {
            clean: r.byte()? != 0,
        },
        5 => TlsEvent::Failed(r.error()?),
        _ => return None,
    };
    r.0.is_empty().then_some(event)
}

const ERRORS: [TlsError; 12] = [
    TlsError::NotTls,
    TlsError::HandshakeFailure,
    TlsError::CertificateExpired,
    TlsError::CertificateWrongName,
    TlsError::UnknownCa,
    TlsError::BadCertificate,
    TlsError::Corrupt,
    TlsError::ProtocolViolation,
    TlsError::BufferFull,
    TlsError::BadServerName,
    TlsError::NoCertificate,
    TlsError::Internal,
];

/// The tag of `PeerAlert`; the others are their place in `ERRORS`.
const PEER_ALERT: u8 = 100;

fn encode_error(error: TlsError, out: &mut Vec<u8>) {
    match error {
        TlsError::PeerAlert(Alert(code)) => out.extend_from_slice(&[PEER_ALERT, code]),
        other => out.push(
            ERRORS
                .iter()
                .position(|e| *e == other)
                .map_or(PEER_ALERT - 1, |i| i as u8),
        ),
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(*b)
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.0.len() {
            return None;
        }
        let (taken, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(taken)
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }

    fn error(&mut self) -> Option<TlsError> {
        match self.byte()? {
            PEER_ALERT => Some(TlsError::PeerAlert(Alert(self.byte()?))),
            i => ERRORS.get(usize::from(i)).copied(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_output_and_status_round_trips() {
        let status = LayerState {
            handshaking: false,
            closed: true,
            version: Some(TlsVersion::Tls13),
            suite: Some(TlsSuite::Aes128GcmSha256),
            verify_error: Some(TlsError::PeerAlert(Alert(48))),
        };
        let mut outputs = vec![
            TlsOutput::Transmit(vec![22, 3, 1]),
            TlsOutput::Plaintext(b"EHLO x\r\n".to_vec()),
            TlsOutput::Plaintext(Vec::new()),
            TlsOutput::Event(TlsEvent::ClientHello {
                server_name: Some("mx.corp.example".into()),
            }),
            TlsOutput::Event(TlsEvent::ClientHello { server_name: None }),
            TlsOutput::Event(TlsEvent::ServerHello {
                version: TlsVersion::Tls12,
                suite: TlsSuite::EcdheEcdsaAes128GcmSha256,
            }),
            TlsOutput::Event(TlsEvent::Certificate {
                chain: vec![vec![1, 2, 3], vec![]],
            }),
            TlsOutput::Event(TlsEvent::Finished),
            TlsOutput::Event(TlsEvent::PeerClosed { clean: true }),
            TlsOutput::Close,
        ];
        outputs.extend(ERRORS.map(|e| TlsOutput::Event(TlsEvent::Failed(e))));
        let bytes = encode_batch(&status, &outputs);
        assert_eq!(decode_batch(&bytes), Some((status, outputs)));
        assert_eq!(decode_made(&encode_made(Ok(77))), Ok(77));
        assert_eq!(
            decode_made(&encode_made(Err(TlsError::UnknownCa))),
            Err(TlsError::UnknownCa)
        );
    }

    #[test]
    fn bytes_that_do_not_decode_give_nothing() {
        let good = encode_batch(
            &LayerState::default(),
            &[TlsOutput::Transmit(vec![1, 2, 3]), TlsOutput::Close],
        );
        for cut in 0..good.len() {
            if cut != 4 && cut != 12 {
                assert_eq!(decode_batch(&good[..cut]), None, "cut at {cut}");
            }
        }
        assert_eq!(decode_batch(&[9, 9, 9, 9]), None);
        assert_eq!(decode_made(&[]), Err(TlsError::Internal));
        assert_eq!(Call::from_code(9), None);
    }
}
