//! The TLS module's side of the page's seam ([`crate::tls_remote`]): the layers the page
//! asked for, by handle, and the answers in the seam's byte formats. The wasm module
//! (`src/bin/tls_module.rs`) exports these calls to the page; [`LocalModule`] runs them in
//! process for native tests, so the page's provider is tested against the same code.

use super::SandboxTls;
use crate::time::{Instant, WallClock};
use crate::tls_layer::LayerState;
use crate::tls_layer::{TlsError, TlsEvent, TlsLayer, TlsOutput, TlsProvider};
use crate::tls_remote::codec::{self, Call};
use crate::tls_remote::TlsBackend;

/// Most layers alive at once (a page holds a few dozen connections); past it, making one
/// fails with `BufferFull` instead of growing without bound.
pub const MAX_LAYERS: usize = 4096;

/// The module's state: a provider per world seed seen last, and the layers by handle.
#[derive(Default)]
pub struct TlsModule {
    /// The last seed's provider (a new world seed makes a new one).
    provider: Option<(u64, SandboxTls)>,
    layers: Vec<Option<Box<dyn TlsLayer>>>,
    free: Vec<u32>,
}

impl TlsModule {
    fn provider(&mut self, seed: u64) -> Result<&SandboxTls, TlsError> {
        if self.provider.as_ref().map(|(s, _)| *s) != Some(seed) {
            self.provider = Some((seed, SandboxTls::seeded(seed)?));
        }
        self.provider
            .as_ref()
            .map(|(_, p)| p)
            .ok_or(TlsError::Internal)
    }

    fn keep(&mut self, layer: Result<Box<dyn TlsLayer>, TlsError>) -> Vec<u8> {
        let made = layer.and_then(|layer| {
            if let Some(handle) = self.free.pop() {
                if let Some(slot) = self.layers.get_mut(handle as usize) {
                    *slot = Some(layer);
                    return Ok(handle);
                }
            }
            if self.layers.len() >= MAX_LAYERS {
                return Err(TlsError::BufferFull);
            }
            self.layers.push(Some(layer));
            Ok((self.layers.len() - 1) as u32)
        });
        codec::encode_made(made)
    }

    /// A server layer for `host` presenting the certificate coded `certificate`.
    pub fn server(
        &mut self,
        seed: u64,
        host: &str,
        certificate: u8,
        stream: u64,
        epoch: i64,
    ) -> Vec<u8> {
        let clock = WallClock { epoch_unix: epoch };
        let layer = codec::decode_certificate(certificate)
            .ok_or(TlsError::Internal)
            .and_then(|c| self.provider(seed)?.server(host, c, stream, clock));
        self.keep(layer)
    }

    /// A client layer connecting to `server_name`.
    pub fn client(
        &mut self,
        seed: u64,
        server_name: &str,
        verify: bool,
        stream: u64,
        epoch: i64,
        now: u64,
    ) -> Vec<u8> {
        let clock = WallClock { epoch_unix: epoch };
        let now = Instant::from_millis(now);
        let layer = self
            .provider(seed)
            .and_then(|p| p.client(server_name, verify, stream, clock, now));
        self.keep(layer)
    }

    /// A call on layer `handle`, answered with its outputs and state. An unknown handle
    /// answers as a closed layer that failed.
    pub fn call(&mut self, handle: u32, call: u8, now: u64, bytes: &[u8]) -> Vec<u8> {
        let now = Instant::from_millis(now);
        let layer = self
            .layers
            .get_mut(handle as usize)
            .and_then(|l| l.as_mut());
        let (Some(layer), Some(call)) = (layer, Call::from_code(call)) else {
            let closed = LayerState {
                closed: true,
                ..LayerState::default()
            };
            let failed = [
                TlsOutput::Event(TlsEvent::Failed(TlsError::Internal)),
                TlsOutput::Close,
            ];
            return codec::encode_batch(&closed, &failed);
        };
        match call {
            Call::Input => layer.handle_input(now, bytes),
            Call::TransportClosed => layer.handle_close(now),
            Call::Write => layer.write_plaintext(now, bytes),
            Call::Close => layer.close(now),
            Call::Drain => {}
        }
        let mut outputs = Vec::new();
        while let Some(output) = layer.poll_output() {
            outputs.push(output);
        }
        let status = LayerState::of(layer.as_ref());
        codec::encode_batch(&status, &outputs)
    }

    /// Frees layer `handle`.
    pub fn release(&mut self, handle: u32) {
        if let Some(slot) = self.layers.get_mut(handle as usize) {
            if slot.take().is_some() {
                self.free.push(handle);
            }
        }
    }

    /// Which shipped certificate `leaf_der` is (its place in `tls_catalog::SHIPPED`), 255
    /// when none.
    pub fn certificate_index(&mut self, leaf_der: &[u8]) -> u8 {
        let seed = self.provider.as_ref().map_or(0, |(s, _)| *s);
        self.provider(seed)
            .ok()
            .and_then(|p| p.certificate_info(leaf_der))
            .and_then(|info| crate::tls_catalog::certificate_index(&info))
            .unwrap_or(u8::MAX)
    }

    /// How many layers are alive.
    pub fn live_layers(&self) -> usize {
        self.layers.iter().filter(|l| l.is_some()).count()
    }
}

/// The module in process, for native tests of the page's provider
/// ([`crate::tls_remote::RemoteTls`]): loaded, or not yet.
#[derive(Default, Clone)]
pub struct LocalModule {
    pub module: std::sync::Arc<std::sync::Mutex<TlsModule>>,
    pub loaded: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl LocalModule {
    /// A module that has loaded.
    pub fn loaded() -> LocalModule {
        let module = LocalModule::default();
        module.set_loaded();
        module
    }

    pub fn set_loaded(&self) {
        self.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    fn with<R>(&self, f: impl FnOnce(&mut TlsModule) -> R) -> Option<R> {
        self.module.lock().ok().map(|mut m| f(&mut m))
    }
}

impl TlsBackend for LocalModule {
    fn is_loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn server(&self, seed: u64, host: &str, certificate: u8, stream: u64, epoch: i64) -> Vec<u8> {
        self.with(|m| m.server(seed, host, certificate, stream, epoch))
            .unwrap_or_default()
    }

    fn client(
        &self,
        seed: u64,
        server_name: &str,
        verify: bool,
        stream: u64,
        epoch: i64,
        now: u64,
    ) -> Vec<u8> {
        self.with(|m| m.client(seed, server_name, verify, stream, epoch, now))
            .unwrap_or_default()
    }

    fn call(&self, handle: u32, call: Call, now: u64, bytes: &[u8]) -> Vec<u8> {
        self.with(|m| m.call(handle, call as u8, now, bytes))
            .unwrap_or_default()
    }

    fn release(&self, handle: u32) {
        self.with(|m| m.release(handle));
    }

    fn certificate_index(&self, leaf_der: &[u8]) -> u8 {
        self.with(|m| m.certificate_index(leaf_der))
            .unwrap_or(u8::MAX)
    }
}
