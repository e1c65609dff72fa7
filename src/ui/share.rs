//! Share links that carry a world: `#w=` and the world's share text (what differs from the
//! default world, `World::share_json`), compressed with the browser's own deflate
//! (`CompressionStream`, so no compressor ships in the wasm) and base64url-encoded. A world
//! too big for a link is refused with its size, and the person is pointed at the file export.
//! Links of the older form (`#world=` and the whole snapshot) still open.

use crate::sandbox::World;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use wasm_bindgen::prelude::*;

/// The longest link offered: past it, mail clients, chats and some servers cut or refuse
/// URLs, so the file export is the way to share.
pub const MAX_LINK: usize = 16_000;

/// Largest share text a link may inflate to (a bound on what a hostile link can make the
/// page allocate).
const MAX_INFLATED: u32 = 16 * 1024 * 1024;

#[wasm_bindgen(inline_js = r#"
export async function deflate(bytes) {
  const s = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}
export async function inflate(bytes, limit) {
  const r = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const parts = [];
  let n = 0;
  for (;;) {
    const { done, value } = await r.read();
    if (done) break;
    n += value.length;
    if (n > limit) { await r.cancel(); throw new Error("the link's world is too large"); }
    parts.push(value);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}
"#)]
extern "C" {
    #[wasm_bindgen(catch)]
    async fn deflate(bytes: &[u8]) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(catch)]
    async fn inflate(bytes: &[u8], limit: u32) -> Result<JsValue, JsValue>;
}

fn bytes_of(v: JsValue) -> Vec<u8> {
    js_sys::Uint8Array::new(&v).to_vec()
}

/// This page's address without query or fragment.
fn base_url() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split(['?', '#']).next().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// A link that opens the world whose share text (`World::share_json`) is `text`, or why there
/// is none (too long: the length is given).
pub async fn link_for(text: &str) -> Result<String, String> {
    let packed = deflate(text.as_bytes())
        .await
        .map_err(|_| "this browser cannot compress the link".to_string())?;
    let link = format!(
        "{}#w={}",
        base_url(),
        URL_SAFE_NO_PAD.encode(bytes_of(packed))
    );
    if link.len() > MAX_LINK {
        return Err(format!(
            "this world is too big for a link ({} characters); use Export to share it as a file",
            link.len()
        ));
    }
    Ok(link)
}

/// A world carried by the page's address.
pub enum SharedWorld {
    /// `#w=`: a share text.
    Patch(String),
    /// `#world=`: a whole snapshot (links made by older pages).
    Snapshot(String),
    /// The link could not be read.
    Unreadable(String),
}

impl SharedWorld {
    /// Restores it into `world` (a fresh default world); the error says why not.
    pub fn restore_into(&self, world: &mut World) -> Result<(), String> {
        match self {
            SharedWorld::Patch(text) => world.restore_share_json(text),
            SharedWorld::Snapshot(json) => world.restore_json(json),
            SharedWorld::Unreadable(why) => Err(why.clone()),
        }
    }
}

/// The world in the page's address, if it carries one.
pub async fn world_from_location() -> Option<SharedWorld> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let hash = hash.trim_start_matches('#');
    if let Some(data) = hash.strip_prefix("w=") {
        let Ok(packed) = URL_SAFE_NO_PAD.decode(data.as_bytes()) else {
            return Some(SharedWorld::Unreadable("the link is damaged".into()));
        };
        return Some(match inflate(&packed, MAX_INFLATED).await {
            Ok(v) => match String::from_utf8(bytes_of(v)) {
                Ok(text) => SharedWorld::Patch(text),
                Err(_) => SharedWorld::Unreadable("the link is damaged".into()),
            },
            Err(_) => SharedWorld::Unreadable("the link is damaged or too large".into()),
        });
    }
    let data = hash.strip_prefix("world=")?;
    Some(
        URL_SAFE_NO_PAD
            .decode(data.as_bytes())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map_or_else(
                || SharedWorld::Unreadable("the link is damaged".into()),
                SharedWorld::Snapshot,
            ),
    )
}
