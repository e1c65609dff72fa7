//! The world in IndexedDB (direct `web-sys` calls, each request awaited through a Promise): a `state` store holding one small record
//! (the world's state with body references, the list of bodies it uses, and a generation
//! number) and a `bodies` store holding each message body once, by content id, never
//! rewritten. A save is one read-write transaction over both stores, so it is all or nothing.

use crate::store::bodies::{BodyId, BodyTable};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::Arc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction, IdbTransactionMode};

const DB_NAME: &str = "mail-sandbox";
const DB_VERSION: u32 = 1;
const STATE: &str = "state";
const BODIES: &str = "bodies";
const WORLD_KEY: &str = "world";

/// The one record of the `state` store.
#[derive(Serialize, Deserialize, Default)]
pub struct Record {
    /// Bumped by every save; a tab saves only over the generation it last read or wrote, so two
    /// tabs never interleave their worlds (see [`Saved::Conflict`]).
    pub generation: u64,
    /// The world file with body references (`World::file_parts`).
    pub state: String,
    /// The bodies `state` refers to.
    pub bodies: Vec<BodyId>,
}

/// What a save may write over.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Over {
    /// Only the generation this tab last read or wrote.
    Generation(u64),
    /// Whatever is stored: the person chose to keep this tab's world over another tab's.
    Anything,
}

/// How a save ended.
pub enum Saved {
    Done {
        generation: u64,
    },
    /// Another tab saved since this one last read or wrote.
    Conflict,
    Failed(String),
}

/// An open database.
#[derive(Clone)]
pub struct Db(std::rc::Rc<IdbDatabase>);

/// A DOM exception or error as text (`QuotaExceededError: ...`).
fn why(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.to_string()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "IndexedDB failed".into())
}

/// Settles when `request` succeeds (with its result) or fails (with its error). The promise's
/// callbacks run as microtasks of the success event, so the transaction is still active when
/// the caller makes its next request (IndexedDB 3.0 §2.7.2).
async fn done(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let target = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &target.result().unwrap_or_default());
        });
        let target = request.clone();
        let on_error = Closure::once_into_js(move || {
            let error = target.error().ok().flatten().map(JsValue::from);
            let _ = reject.call1(&JsValue::UNDEFINED, &error.unwrap_or_default());
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(why)
}

/// Settles when `tx` ends: true when it committed, false when it was aborted or failed.
async fn finished(tx: &IdbTransaction) -> bool {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let ended = resolve.clone();
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &JsValue::TRUE);
        });
        let on_abort = Closure::once_into_js(move || {
            let _ = ended.call1(&JsValue::UNDEFINED, &JsValue::FALSE);
        });
        // A failed request aborts the transaction (its error event's default action), so
        // `abort` covers errors too.
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .is_ok_and(|v| v.as_bool() == Some(true))
}

/// A value read by a `get` request: None when the key is absent.
fn found(value: JsValue) -> Option<JsValue> {
    (!value.is_undefined()).then_some(value)
}

impl Db {
    /// Opens (creating on first use) the database; fails where storage is blocked.
    pub async fn open() -> Result<Db, String> {
        let factory = web_sys::window()
            .ok_or("no window")?
            .indexed_db()
            .map_err(why)?
            .ok_or("IndexedDB is not available")?;
        let request = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(why)?;
        let target = request.clone();
        let on_upgrade = Closure::once_into_js(move || {
            if let Ok(db) = target.result().and_then(|db| db.dyn_into::<IdbDatabase>()) {
                let names = db.object_store_names();
                for store in [STATE, BODIES] {
                    if !names.contains(store) {
                        let _ = db.create_object_store(store);
                    }
                }
            }
        });
        request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
        let db = done(&request).await?;
        db.dyn_into::<IdbDatabase>()
            .map(|db| Db(std::rc::Rc::new(db)))
            .map_err(|_| "IndexedDB gave no database".into())
    }

    fn transaction(&self, mode: IdbTransactionMode) -> Result<IdbTransaction, String> {
        let names = js_sys::Array::of2(&JsValue::from_str(STATE), &JsValue::from_str(BODIES));
        self.0
            .transaction_with_str_sequence_and_mode(&names, mode)
            .map_err(why)
    }

    /// The saved record and the bodies it refers to (None when nothing was saved yet).
    pub async fn load(&self) -> Result<Option<(Record, BodyTable)>, String> {
        let tx = self.transaction(IdbTransactionMode::Readonly)?;
        let state = tx.object_store(STATE).map_err(why)?;
        let request = state.get(&JsValue::from_str(WORLD_KEY)).map_err(why)?;
        let Some(value) = found(done(&request).await?) else {
            return Ok(None);
        };
        let text = value.as_string().ok_or("the saved record is not text")?;
        let record: Record = serde_json::from_str(&text).map_err(|e| e.to_string())?;
        let bodies = tx.object_store(BODIES).map_err(why)?;
        // Every request is made before the first is awaited, so the transaction stays active.
        let mut pending = Vec::with_capacity(record.bodies.len());
        for id in &record.bodies {
            let request = bodies.get(&JsValue::from_str(id)).map_err(why)?;
            pending.push((id.clone(), request));
        }
        let mut table = BodyTable::new();
        for (id, request) in pending {
            let value = done(&request).await?;
            let bytes = found(value)
                .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
                .ok_or_else(|| format!("the saved body {id} is missing"))?;
            table.insert(id, Arc::from(bytes.to_vec()));
        }
        Ok(Some((record, table)))
    }

    /// Saves `state` over the stored record: writes the bodies it does not list yet, deletes
    /// the listed ones no longer used, replaces the record. Nothing is written when `over`
    /// names a generation and another tab saved a newer one in between.
    pub async fn save(&self, over: Over, state: String, used: &BodyTable) -> Saved {
        match self.try_save(over, state, used).await {
            Ok(saved) => saved,
            Err(e) => Saved::Failed(e),
        }
    }

    async fn try_save(&self, over: Over, state: String, used: &BodyTable) -> Result<Saved, String> {
        let tx = self.transaction(IdbTransactionMode::Readwrite)?;
        let ended = finished(&tx);
        let states = tx.object_store(STATE).map_err(why)?;
        let key = JsValue::from_str(WORLD_KEY);
        let theirs = found(done(&states.get(&key).map_err(why)?).await?)
            .and_then(|v| v.as_string())
            .and_then(|t| serde_json::from_str::<Record>(&t).ok())
            .unwrap_or_default();
        if matches!(over, Over::Generation(ours) if ours != theirs.generation) {
            let _ = tx.abort();
            return Ok(Saved::Conflict);
        }
        // The record's own list says which bodies are there: after another tab's save (kept
        // over) it differs from what this tab last wrote.
        let stored: HashSet<&BodyId> = theirs.bodies.iter().collect();
        let bodies: IdbObjectStore = tx.object_store(BODIES).map_err(why)?;
        for (id, raw) in used.iter().filter(|(id, _)| !stored.contains(*id)) {
            let value = js_sys::Uint8Array::from(&raw[..]);
            bodies
                .put_with_key(&value, &JsValue::from_str(id))
                .map_err(why)?;
        }
        for id in stored.iter().filter(|id| !used.contains_key(**id)) {
            bodies.delete(&JsValue::from_str(id)).map_err(why)?;
        }
        let generation = theirs.generation + 1;
        let record = Record {
            generation,
            state,
            bodies: used.keys().cloned().collect(),
        };
        let text = serde_json::to_string(&record).map_err(|e| e.to_string())?;
        states
            .put_with_key(&JsValue::from_str(&text), &key)
            .map_err(why)?;
        // `commit()` is IndexedDB 3.0 (§4.9); web-sys marks it deprecated only because older
        // browsers lack it, where the transaction commits by itself once idle.
        #[allow(deprecated)]
        let _ = tx.commit();
        if ended.await {
            Ok(Saved::Done { generation })
        } else {
            Err("the browser refused the write (storage full?)".into())
        }
    }
}
