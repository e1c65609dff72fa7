//! The world as earlier versions of the page kept it: one JSON string in localStorage, and each
//! PC's downloaded mail beside it. Read once to move it into IndexedDB, then removed.

use crate::sandbox::{LocalMail, PcMail};
use std::sync::Arc;

const KEY: &str = "mail-sandbox-world";
const PCS: [&str; 2] = ["sender", "recipient"];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The old saved world's snapshot JSON and PC mail, if there is one.
pub fn read() -> Option<(String, PcMail)> {
    let s = storage()?;
    let world = s.get_item(KEY).ok().flatten()?;
    let mut pcs = PcMail::new();
    for who in PCS {
        let Some(json) = s.get_item(&format!("{KEY}-pc-{who}")).ok().flatten() else {
            continue;
        };
        let rows: Vec<(u32, Option<String>, String)> =
            serde_json::from_str(&json).unwrap_or_default();
        let mail = rows
            .into_iter()
            .filter_map(|(id, uidl, b64)| {
                let raw = crate::wire::sasl::b64_decode(b64.as_bytes())?;
                Some(LocalMail {
                    id,
                    uidl,
                    raw: Arc::from(raw),
                })
            })
            .collect();
        pcs.insert(who.to_string(), mail);
    }
    Some((world, pcs))
}

/// Removes the old saved world (after it was saved in IndexedDB, or on a reset).
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
        for who in PCS {
            let _ = s.remove_item(&format!("{KEY}-pc-{who}"));
        }
    }
}
