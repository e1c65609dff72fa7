//! The page's TLS module (issue 26): rustls over the sandbox's crypto provider and PKI, built
//! for wasm32 apart from the page (`scripts/build-tls-module.sh`, into `dist/tls/`), and
//! imported by the page when it first needs TLS (`src/ui/tls_module.rs`). It exports the
//! calls of `mail_sandbox::tls::module::TlsModule`; every answer is bytes in the formats of
//! `mail_sandbox::tls_remote::codec`.

#[cfg(target_arch = "wasm32")]
mod exports {
    use mail_sandbox::tls::module::TlsModule;
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;

    thread_local! {
        static MODULE: RefCell<TlsModule> = RefCell::new(TlsModule::default());
    }

    fn with<R>(f: impl FnOnce(&mut TlsModule) -> R, fallback: R) -> R {
        MODULE.with(|m| match m.try_borrow_mut() {
            Ok(mut m) => f(&mut m),
            Err(_) => fallback,
        })
    }

    #[wasm_bindgen]
    pub fn tls_server(seed: u64, host: &str, certificate: u8, stream: u64, epoch: i64) -> Vec<u8> {
        with(
            |m| m.server(seed, host, certificate, stream, epoch),
            Vec::new(),
        )
    }

    #[wasm_bindgen]
    pub fn tls_client(
        seed: u64,
        server_name: &str,
        verify: bool,
        stream: u64,
        epoch: i64,
        now: u64,
    ) -> Vec<u8> {
        with(
            |m| m.client(seed, server_name, verify, stream, epoch, now),
            Vec::new(),
        )
    }

    #[wasm_bindgen]
    pub fn tls_call(handle: u32, call: u8, now: u64, bytes: &[u8]) -> Vec<u8> {
        with(|m| m.call(handle, call, now, bytes), Vec::new())
    }

    #[wasm_bindgen]
    pub fn tls_release(handle: u32) {
        with(|m| m.release(handle), ());
    }

    #[wasm_bindgen]
    pub fn tls_certificate_index(leaf_der: &[u8]) -> u8 {
        with(|m| m.certificate_index(leaf_der), u8::MAX)
    }
}

fn main() {}
