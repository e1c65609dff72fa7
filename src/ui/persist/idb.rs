//! The world in IndexedDB (through the `idb` crate): a `state` store holding one small record
//! (the world's state with body references, the list of bodies it uses, and a generation
//! number) and a `bodies` store holding each message body once, by content id, never
//! rewritten. A save is one read-write transaction over both stores, so it is all or nothing.

use crate::store::bodies::{BodyId, BodyTable};
use idb::{DatabaseEvent, Factory, ObjectStoreParams, TransactionMode};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::future::IntoFuture;
use std::sync::Arc;
use wasm_bindgen::{JsCast, JsValue};

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

/// How a save ended.
pub enum Saved {
    Done {
        generation: u64,
    },
    /// Another tab saved since this one last read or wrote (its generation is given).
    Conflict {
        theirs: u64,
    },
    Failed(String),
}

/// An open database.
#[derive(Clone)]
pub struct Db(std::rc::Rc<idb::Database>);

fn why(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Db {
    /// Opens (creating on first use) the database; fails where storage is blocked.
    pub async fn open() -> Result<Db, String> {
        let factory = Factory::new().map_err(why)?;
        let mut request = factory.open(DB_NAME, Some(DB_VERSION)).map_err(why)?;
        request.on_upgrade_needed(|event| {
            if let Ok(db) = event.database() {
                let names = db.store_names();
                for store in [STATE, BODIES] {
                    if !names.iter().any(|n| n == store) {
                        let _ = db.create_object_store(store, ObjectStoreParams::new());
                    }
                }
            }
        });
        request
            .await
            .map(|db| Db(std::rc::Rc::new(db)))
            .map_err(why)
    }

    /// The saved record and the bodies it refers to (None when nothing was saved yet).
    pub async fn load(&self) -> Result<Option<(Record, BodyTable)>, String> {
        let tx = self
            .0
            .transaction(&[STATE, BODIES], TransactionMode::ReadOnly)
            .map_err(why)?;
        let state = tx.object_store(STATE).map_err(why)?;
        let Some(value) = state
            .get(JsValue::from_str(WORLD_KEY))
            .map_err(why)?
            .await
            .map_err(why)?
        else {
            return Ok(None);
        };
        let text = value.as_string().ok_or("the saved record is not text")?;
        let record: Record = serde_json::from_str(&text).map_err(why)?;
        let bodies = tx.object_store(BODIES).map_err(why)?;
        // Every request is made before the first is awaited, so the transaction stays active.
        let mut pending = Vec::with_capacity(record.bodies.len());
        for id in &record.bodies {
            let request = bodies.get(JsValue::from_str(id)).map_err(why)?;
            pending.push((id.clone(), request.into_future()));
        }
        let mut table = BodyTable::new();
        for (id, request) in pending {
            let value = request.await.map_err(why)?;
            let bytes = value
                .and_then(|v| v.dyn_into::<js_sys::Uint8Array>().ok())
                .ok_or_else(|| format!("the saved body {id} is missing"))?;
            table.insert(id, Arc::from(bytes.to_vec()));
        }
        Ok(Some((record, table)))
    }

    /// Saves `state` over generation `over`: writes the bodies not in `stored`, deletes the
    /// stored ones no longer used, replaces the record. Nothing is written when another tab
    /// saved in between.
    pub async fn save(
        &self,
        over: u64,
        state: String,
        used: &BodyTable,
        stored: &HashSet<BodyId>,
    ) -> Saved {
        match self.try_save(over, state, used, stored).await {
            Ok(saved) => saved,
            Err(e) => Saved::Failed(e),
        }
    }

    async fn try_save(
        &self,
        over: u64,
        state: String,
        used: &BodyTable,
        stored: &HashSet<BodyId>,
    ) -> Result<Saved, String> {
        let tx = self
            .0
            .transaction(&[STATE, BODIES], TransactionMode::ReadWrite)
            .map_err(why)?;
        let states = tx.object_store(STATE).map_err(why)?;
        let key = JsValue::from_str(WORLD_KEY);
        let theirs = states
            .get(key.clone())
            .map_err(why)?
            .await
            .map_err(why)?
            .and_then(|v| v.as_string())
            .and_then(|t| serde_json::from_str::<Record>(&t).ok())
            .map_or(0, |r| r.generation);
        if theirs != over {
            let _ = tx.abort();
            return Ok(Saved::Conflict { theirs });
        }
        let bodies = tx.object_store(BODIES).map_err(why)?;
        for (id, raw) in used.iter().filter(|(id, _)| !stored.contains(*id)) {
            let value = js_sys::Uint8Array::from(&raw[..]);
            bodies
                .put(&value, Some(&JsValue::from_str(id)))
                .map_err(why)?;
        }
        for id in stored.iter().filter(|id| !used.contains_key(*id)) {
            bodies.delete(JsValue::from_str(id)).map_err(why)?;
        }
        let record = Record {
            generation: over + 1,
            state,
            bodies: used.keys().cloned().collect(),
        };
        let text = serde_json::to_string(&record).map_err(why)?;
        states
            .put(&JsValue::from_str(&text), Some(&key))
            .map_err(why)?;
        let done = tx.commit().map_err(why)?.await.map_err(why)?;
        if done.is_committed() {
            Ok(Saved::Done {
                generation: over + 1,
            })
        } else {
            Err("the browser refused the write (storage full?)".into())
        }
    }
}
