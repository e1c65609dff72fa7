//! The page's TLS provider (issue 26): the engine's [`TlsProvider`] over a TLS module loaded
//! apart from the page's own wasm, so readers who never use TLS do not download it. Each
//! layer is a `u32` handle into the module; every call on it crosses once and comes back with
//! everything the layer produced and its state ([`codec`]), kept here until polled.
//!
//! What crosses is behind [`TlsBackend`]: in the page, a JS shim over the module the page
//! imported (`ui::tls_module`); in native tests, `crate::tls::module::LocalModule`, the same
//! Rust the module runs. Which hosts have a certificate and what a certificate says come from
//! [`crate::tls_catalog`], with no call at all.
//!
//! Until the module has loaded, [`TlsProvider::is_ready`] is false: hosts do not offer the
//! upgrade yet and layers cannot be made (`TlsError::Internal`).

pub mod codec;

use crate::time::{Instant, WallClock};
use crate::tls_layer::LayerState;
use crate::tls_layer::{
    CertificateInfo, ServerCertificate, TlsError, TlsEvent, TlsLayer, TlsOutput, TlsProvider,
    TlsSuite, TlsVersion,
};
use codec::Call;
use std::collections::VecDeque;

/// The calls the TLS module answers. Every answer is bytes in the [`codec`]'s formats.
pub trait TlsBackend: Send + Sync + 'static {
    /// Whether the module has loaded.
    fn is_loaded(&self) -> bool;
    /// A server layer: [`codec::encode_made`].
    fn server(&self, seed: u64, host: &str, certificate: u8, stream: u64, epoch: i64) -> Vec<u8>;
    /// A client layer: [`codec::encode_made`].
    fn client(
        &self,
        seed: u64,
        server_name: &str,
        verify: bool,
        stream: u64,
        epoch: i64,
        now: u64,
    ) -> Vec<u8>;
    /// A call on a layer: [`codec::encode_batch`].
    fn call(&self, handle: u32, call: Call, now: u64, bytes: &[u8]) -> Vec<u8>;
    /// Frees a layer.
    fn release(&self, handle: u32);
    /// Which shipped certificate a DER leaf is ([`crate::tls_catalog::SHIPPED`]), 255 none.
    fn certificate_index(&self, leaf_der: &[u8]) -> u8;
}

/// The page's provider: layers in the TLS module, randomness from the world's seed there.
pub struct RemoteTls<B: TlsBackend> {
    seed: u64,
    backend: std::sync::Arc<B>,
}

impl<B: TlsBackend> RemoteTls<B> {
    /// A provider whose layers draw their randomness from `seed` (the world's).
    pub fn new(seed: u64, backend: B) -> RemoteTls<B> {
        RemoteTls {
            seed,
            backend: std::sync::Arc::new(backend),
        }
    }

    fn layer(&self, made: Vec<u8>) -> Result<Box<dyn TlsLayer>, TlsError> {
        let handle = codec::decode_made(&made)?;
        let mut layer = RemoteLayer {
            backend: self.backend.clone(),
            handle,
            status: LayerState {
                handshaking: true,
                ..LayerState::default()
            },
            out: VecDeque::new(),
        };
        layer.call(Call::Drain, Instant::ZERO, &[]);
        Ok(Box::new(layer))
    }
}

impl<B: TlsBackend> TlsProvider for RemoteTls<B> {
    fn is_ready(&self) -> bool {
        self.backend.is_loaded()
    }

    fn has_certificate(&self, host_name: &str) -> bool {
        crate::tls_catalog::host_certificate(host_name).is_some()
    }

    fn server(
        &self,
        host_name: &str,
        certificate: ServerCertificate,
        stream: u64,
        clock: WallClock,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        if !self.backend.is_loaded() {
            return Err(TlsError::Internal);
        }
        let code = codec::encode_certificate(certificate);
        let made = self
            .backend
            .server(self.seed, host_name, code, stream, clock.epoch_unix);
        self.layer(made)
    }

    fn client(
        &self,
        server_name: &str,
        verify: bool,
        stream: u64,
        clock: WallClock,
        now: Instant,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        if !self.backend.is_loaded() {
            return Err(TlsError::Internal);
        }
        let made = self.backend.client(
            self.seed,
            server_name,
            verify,
            stream,
            clock.epoch_unix,
            now.as_millis(),
        );
        self.layer(made)
    }

    fn ca_pem(&self) -> &'static str {
        crate::tls_catalog::CA_PEM
    }

    fn certificate_info(&self, leaf_der: &[u8]) -> Option<CertificateInfo> {
        if !self.backend.is_loaded() {
            return None;
        }
        crate::tls_catalog::by_index(self.backend.certificate_index(leaf_der)).copied()
    }
}

/// One layer in the module: its handle, its state after the last call, its outputs not yet
/// polled.
struct RemoteLayer<B: TlsBackend> {
    backend: std::sync::Arc<B>,
    handle: u32,
    status: LayerState,
    out: VecDeque<TlsOutput>,
}

impl<B: TlsBackend> RemoteLayer<B> {
    fn call(&mut self, call: Call, now: Instant, bytes: &[u8]) {
        let answer = self.backend.call(self.handle, call, now.as_millis(), bytes);
        match codec::decode_batch(&answer) {
            Some((status, outputs)) => {
                self.status = status;
                self.out.extend(outputs);
            }
            None if !self.status.closed => {
                // Not the module's format: the layer cannot go on.
                self.status.closed = true;
                self.status.handshaking = false;
                self.out
                    .push_back(TlsOutput::Event(TlsEvent::Failed(TlsError::Internal)));
                self.out.push_back(TlsOutput::Close);
            }
            None => {}
        }
    }
}

impl<B: TlsBackend> Drop for RemoteLayer<B> {
    fn drop(&mut self) {
        self.backend.release(self.handle);
    }
}

impl<B: TlsBackend> TlsLayer for RemoteLayer<B> {
    fn handle_input(&mut self, now: Instant, ciphertext: &[u8]) {
        self.call(Call::Input, now, ciphertext);
    }

    fn handle_close(&mut self, now: Instant) {
        self.call(Call::TransportClosed, now, &[]);
    }

    fn write_plaintext(&mut self, now: Instant, plaintext: &[u8]) {
        self.call(Call::Write, now, plaintext);
    }

    fn close(&mut self, now: Instant) {
        self.call(Call::Close, now, &[]);
    }

    fn poll_output(&mut self) -> Option<TlsOutput> {
        self.out.pop_front()
    }

    fn is_handshaking(&self) -> bool {
        self.status.handshaking
    }

    fn is_closed(&self) -> bool {
        self.status.closed
    }

    fn version(&self) -> Option<TlsVersion> {
        self.status.version
    }

    fn suite(&self) -> Option<TlsSuite> {
        self.status.suite
    }

    fn verify_error(&self) -> Option<TlsError> {
        self.status.verify_error
    }
}
