//! Keeps the world in localStorage: saved when it changed (checked every few seconds by the
//! clock), restored on load; a bad or old snapshot falls back to the default world.

use crate::sandbox::{default_world, DefaultWorld, World};

const KEY: &str = "mail-sandbox-world";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The default world, with the saved state restored over it when there is a usable one.
/// Returns whether a saved world was restored.
pub fn load() -> (World, DefaultWorld, bool) {
    let (mut world, ids) = default_world(1);
    // A `#world=` share link wins over what this browser saved; it is taken off the address
    // so a reload shows this browser's own world from then on.
    let shared = super::tour::embed::world_from_location();
    if shared.is_some() {
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash("");
        }
    }
    let saved = shared.or_else(|| storage().and_then(|s| s.get_item(KEY).ok().flatten()));
    let restored = match saved {
        Some(json) => match world.restore_json(&json) {
            Ok(()) => true,
            Err(e) => {
                leptos::logging::warn!("saved world not restored ({e}); starting fresh");
                let (fresh, _) = default_world(1);
                world = fresh;
                false
            }
        },
        None => false,
    };
    (world, ids, restored)
}

/// Saves `json`; false when storage is unavailable or full.
pub fn save(json: &str) -> bool {
    storage().is_some_and(|s| s.set_item(KEY, json).is_ok())
}

pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}

/// A PC's downloaded mail (POP3 copies live on the PC, not on the server), kept per PC.
pub fn load_local(who: &str) -> Vec<(u32, Option<String>, Vec<u8>)> {
    let Some(json) = storage().and_then(|s| s.get_item(&format!("{KEY}-pc-{who}")).ok().flatten())
    else {
        return Vec::new();
    };
    let rows: Vec<(u32, Option<String>, String)> = serde_json::from_str(&json).unwrap_or_default();
    rows.into_iter()
        .filter_map(|(id, uidl, b64)| {
            crate::wire::sasl::b64_decode(b64.as_bytes()).map(|raw| (id, uidl, raw))
        })
        .collect()
}

pub fn save_local(who: &str, msgs: &[(u32, Option<String>, &[u8])]) {
    let rows: Vec<(u32, Option<String>, String)> = msgs
        .iter()
        .map(|(id, uidl, raw)| (*id, uidl.clone(), crate::wire::sasl::b64_encode(raw)))
        .collect();
    if let (Some(s), Ok(json)) = (storage(), serde_json::to_string(&rows)) {
        let _ = s.set_item(&format!("{KEY}-pc-{who}"), &json);
    }
}

/// Forgets every PC's downloaded mail (with a world reset).
pub fn clear_local() {
    if let Some(s) = storage() {
        for who in ["sender", "recipient"] {
            let _ = s.remove_item(&format!("{KEY}-pc-{who}"));
        }
    }
}
