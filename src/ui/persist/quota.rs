//! The browser's storage quota (`navigator.storage`): ask that the saved world be kept
//! (persistent storage, so the browser does not evict it under pressure) and read how much
//! is used of how much is allowed.

use crate::ui::model::num::decimals;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

/// Asks for persistent storage; the answer (granted or not) changes nothing else here.
pub async fn ask_persistent() -> bool {
    let Some(promise) = manager().and_then(|m| m.persist().ok()) else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Bytes used and the quota, when the browser says.
pub async fn estimate() -> Option<(f64, f64)> {
    let promise = manager()?.estimate().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    // A dictionary (a plain object), so not checked with instanceof.
    let est: web_sys::StorageEstimate = value.unchecked_into();
    Some((est.get_usage()?, est.get_quota()?))
}

/// `31.2 MB`, `1.2 GB`.
pub fn fmt_bytes(n: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut v = n.max(0.0);
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} {}", decimals(v, 0), UNITS[unit])
    } else {
        format!("{} {}", decimals(v, 1), UNITS[unit])
    }
}
