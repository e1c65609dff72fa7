//! The page's TLS (issue 26): the whole page's default world gets the TLS provider
//! ([`page_world`]), whose layers live in a second wasm module (`dist/tls/`, built from
//! `src/bin/tls_module.rs`) that this shim imports once, when the browser is idle after the
//! first paint ([`load_when_idle`]). Readers who never use TLS download it only then, off the
//! first load; the embed never does.
//!
//! Why at idle and not on first use: the mail client uses TLS by default and every relay tries
//! STARTTLS, so the first send would be a first use; loading then would make that one send
//! plaintext and every later one encrypted, depending on how fast the module came. Loaded at
//! idle, it is there well before a person has typed a command. Until it is, hosts do not offer
//! the upgrade (`TlsProvider::is_ready`), so connections opened in that moment run in clear:
//! a world's bytes depend on its seed, its inputs and this one moment, and the module comes
//! long before the first input in practice (see README "TLS in the page").

use crate::sandbox::{default_world, DefaultWorld, World};
use crate::tls_remote::codec::Call;
use crate::tls_remote::{RemoteTls, TlsBackend};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let mod = null;
let loading = null;
export function tls_load() {
  if (!loading) {
    const url = new URL("tls/mail-sandbox-tls.js", document.baseURI).href;
    loading = import(url).then(async (m) => {
      await m.default();
      mod = m;
      document.documentElement.dataset.tls = "loaded";
      return true;
    },
      (e) => { loading = null; console.warn("the TLS module did not load", e); return false; });
  }
  return loading;
}
export function tls_load_when_idle() {
  const go = () => { tls_load(); };
  if (window.requestIdleCallback) window.requestIdleCallback(go, { timeout: 3000 });
  else setTimeout(go, 300);
}
export function tls_is_loaded() { return mod !== null; }
export function tls_server(seed, host, cert, stream, epoch) { return mod.tls_server(seed, host, cert, stream, epoch); }
export function tls_client(seed, name, verify, stream, epoch, now) { return mod.tls_client(seed, name, verify, stream, epoch, now); }
export function tls_call(handle, call, now, bytes) { return mod.tls_call(handle, call, now, bytes); }
export function tls_release(handle) { if (mod) mod.tls_release(handle); }
export function tls_certificate_index(der) { return mod.tls_certificate_index(der); }
"#)]
extern "C" {
    fn tls_load() -> js_sys::Promise;
    fn tls_load_when_idle();
    fn tls_is_loaded() -> bool;
    fn tls_server(seed: u64, host: &str, cert: u8, stream: u64, epoch: i64) -> Vec<u8>;
    fn tls_client(
        seed: u64,
        name: &str,
        verify: bool,
        stream: u64,
        epoch: i64,
        now: u64,
    ) -> Vec<u8>;
    fn tls_call(handle: u32, call: u8, now: u64, bytes: &[u8]) -> Vec<u8>;
    fn tls_release(handle: u32);
    fn tls_certificate_index(der: &[u8]) -> u8;
}

/// Starts loading the TLS module when the browser is next idle.
pub fn load_when_idle() {
    tls_load_when_idle();
}

/// Loads the TLS module now if it is not loaded yet; true once it is (false if it failed).
#[allow(dead_code)] // for the views over TLS (tours, challenges) that must not start without it
pub async fn ready() -> bool {
    wasm_bindgen_futures::JsFuture::from(tls_load())
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// The module, through the shim (every call is made only once it is loaded).
struct JsModule;

impl TlsBackend for JsModule {
    fn is_loaded(&self) -> bool {
        tls_is_loaded()
    }

    fn server(&self, seed: u64, host: &str, certificate: u8, stream: u64, epoch: i64) -> Vec<u8> {
        tls_server(seed, host, certificate, stream, epoch)
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
        tls_client(seed, server_name, verify, stream, epoch, now)
    }

    fn call(&self, handle: u32, call: Call, now: u64, bytes: &[u8]) -> Vec<u8> {
        tls_call(handle, call as u8, now, bytes)
    }

    fn release(&self, handle: u32) {
        tls_release(handle);
    }

    fn certificate_index(&self, leaf_der: &[u8]) -> u8 {
        tls_certificate_index(leaf_der)
    }
}

/// The seed of the page's default world.
const SEED: u64 = 1;

/// Gives a tour's or challenge's world the page's TLS (their files say `"tls": true`) and
/// starts loading the module now: such a view must not start without it.
pub fn install(world: &mut World) {
    world.install_tls(Box::new(RemoteTls::new(SEED, JsModule)));
    wasm_bindgen_futures::spawn_local(async {
        ready().await;
    });
}

/// The whole page's default world: every host with a certificate offers TLS (the bridge's
/// default policy, `TlsPolicy::OFFERED`) and listens on its implicit-TLS ports (465, 993, 995).
pub fn page_world() -> (World, DefaultWorld) {
    let (mut world, ids) = default_world(SEED);
    world.install_tls(Box::new(RemoteTls::new(SEED, JsModule)));
    (world, ids)
}
