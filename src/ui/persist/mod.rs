//! Keeps the world in the browser: IndexedDB through [`idb`] (direct web-sys calls) (bodies once each, the small
//! state on every change, counted by the revision counter), with the storage quota shown in
//! the header ([`quota`]); a world saved by an older page in localStorage moves over on first
//! load ([`legacy`]). Where storage is blocked (a sandboxed embed, a private mode that throws)
//! the world runs in memory and the header says so; a save that fails is never reported as
//! saved, and everything stays in memory.

mod idb;
mod legacy;
mod quota;

pub use quota::fmt_bytes;

use crate::sandbox::{DefaultWorld, PcMail, World};
use crate::store::bodies::BodySink;
use crate::ui::tls_module::page_world;
use std::cell::RefCell;
use std::rc::Rc;

/// What the header says about saving.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SaveStatus {
    /// Nothing to say yet.
    #[default]
    Idle,
    /// Saved; with the bytes used of the quota when the browser says.
    Saved { usage: Option<(f64, f64)> },
    /// No storage here: the world lives in memory.
    InMemory { why: String },
    /// The last save failed: everything is in memory, not in the browser.
    Failed { why: String },
    /// Another tab saved since this one: this tab no longer saves until told to.
    Conflict,
    /// A passing note (a share link was copied, a file was imported).
    Note(String),
}

impl SaveStatus {
    pub fn text(&self) -> String {
        match self {
            SaveStatus::Idle => String::new(),
            SaveStatus::Saved { usage: None } => "saved".into(),
            SaveStatus::Saved {
                usage: Some((used, quota)),
            } => format!(
                "saved · {} of {} used",
                quota::fmt_bytes(*used),
                quota::fmt_bytes(*quota)
            ),
            SaveStatus::InMemory { why } => {
                format!("not saved: {why}; the world is kept in memory while the page is open")
            }
            SaveStatus::Failed { why } => format!(
                "NOT saved ({why}): everything is kept in memory; export the world to keep it"
            ),
            SaveStatus::Conflict => {
                "not saved: another tab saved this world since; reload to see it, or keep this tab's"
                    .into()
            }
            SaveStatus::Note(text) => text.clone(),
        }
    }

    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            SaveStatus::Failed { .. } | SaveStatus::Conflict | SaveStatus::InMemory { .. }
        )
    }
}

/// The world the page opens with.
pub struct Loaded {
    pub world: World,
    pub ids: DefaultWorld,
    pub pcs: PcMail,
    /// A line for the event log (restored, moved, a link refused).
    pub notes: Vec<String>,
    pub keeper: Keeper,
    pub status: SaveStatus,
}

/// What saves this tab's world (or why nothing can).
#[derive(Clone)]
pub struct Keeper(Rc<RefCell<KeeperState>>);

struct KeeperState {
    db: Option<idb::Db>,
    /// The generation this tab last read or wrote.
    generation: u64,
    sink: BodySink,
    busy: bool,
    /// Another tab saved since this one; saving resumes when the person keeps this tab's world.
    conflict: bool,
    /// The person kept this tab's world: the next save writes over whatever is stored, even
    /// a save the other tab made after the conflict was told.
    overwrite: bool,
    /// A localStorage world was read; removed after the first save succeeds.
    legacy_pending: bool,
}

impl Keeper {
    fn new(db: Option<idb::Db>) -> Keeper {
        Keeper(Rc::new(RefCell::new(KeeperState {
            db,
            generation: 0,
            sink: BodySink::new(),
            busy: false,
            conflict: false,
            overwrite: false,
            legacy_pending: false,
        })))
    }

    /// Whether a save can start now (storage there, none under way, no conflict).
    pub fn is_ready(&self) -> bool {
        let s = self.0.borrow();
        s.db.is_some() && !s.busy && !s.conflict
    }

    /// After a conflict: the next save writes this tab's world over the other tab's.
    pub fn keep_this_tab(&self) {
        let mut s = self.0.borrow_mut();
        if std::mem::take(&mut s.conflict) {
            s.overwrite = true;
        }
    }

    /// Saves `world` and `pcs`; `done` gets the status to show.
    pub fn save(&self, world: &World, pcs: &PcMail, done: impl FnOnce(SaveStatus) + 'static) {
        let (db, over, state, used) = {
            let mut s = self.0.borrow_mut();
            let Some(db) = s.db.clone() else {
                return;
            };
            let (state, used) = world.file_parts(pcs, &mut s.sink);
            s.busy = true;
            let over = if s.overwrite {
                idb::Over::Anything
            } else {
                idb::Over::Generation(s.generation)
            };
            (db, over, state, used)
        };
        let keeper = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let result = db.save(over, state, &used).await;
            let status = {
                let mut s = keeper.0.borrow_mut();
                s.busy = false;
                match result {
                    idb::Saved::Done { generation } => {
                        s.generation = generation;
                        s.overwrite = false;
                        if std::mem::take(&mut s.legacy_pending) {
                            legacy::clear();
                        }
                        None
                    }
                    idb::Saved::Conflict => {
                        s.conflict = true;
                        Some(SaveStatus::Conflict)
                    }
                    idb::Saved::Failed(why) => Some(SaveStatus::Failed {
                        why: plain_failure(&why),
                    }),
                }
            };
            let status = match status {
                Some(s) => s,
                None => SaveStatus::Saved {
                    usage: quota::estimate().await,
                },
            };
            done(status);
        });
    }
}

/// A failure in words a person can act on.
fn plain_failure(why: &str) -> String {
    if why.contains("Quota") || why.contains("quota") {
        "the browser's storage for this site is full".into()
    } else {
        why.to_string()
    }
}

/// The default world with the saved one restored over it (or a shared one from the link).
pub async fn load() -> Loaded {
    let (mut world, ids) = page_world();
    let mut pcs = PcMail::new();
    let mut notes = Vec::new();
    let (keeper, mut status) = match idb::Db::open().await {
        Ok(db) => {
            let keeper = Keeper::new(Some(db.clone()));
            let (saved_pcs, note) = restore_saved(&db, &keeper, &mut world).await;
            pcs = saved_pcs;
            notes.extend(note);
            // Not awaited: the page need not wait for the browser's answer to mount.
            wasm_bindgen_futures::spawn_local(async {
                quota::ask_persistent().await;
            });
            (keeper, SaveStatus::Idle)
        }
        Err(_) => (
            Keeper::new(None),
            SaveStatus::InMemory {
                why: "this page cannot use the browser's storage here".into(),
            },
        ),
    };
    // A shared link wins over what this browser saved; it is taken off the address so a
    // reload shows this browser's own world from then on.
    if let Some(shared) = crate::ui::share::world_from_location().await {
        let (mut fresh, _) = page_world();
        match shared.restore_into(&mut fresh) {
            Ok(()) => {
                world = fresh;
                pcs = PcMail::new();
                notes.push("Opened the world from the link.".to_string());
            }
            Err(e) => {
                notes.push(format!("The link's world was refused: {e}."));
                status = SaveStatus::Note("the link's world was refused".into());
            }
        }
        if let Some(w) = web_sys::window() {
            let _ = w.location().set_hash("");
        }
    }
    Loaded {
        world,
        ids,
        pcs,
        notes,
        keeper,
        status,
    }
}

/// Restores into `world` what `db` holds, or else a world an older page left in
/// localStorage; returns the PCs' mail and a line for the event log.
async fn restore_saved(
    db: &idb::Db,
    keeper: &Keeper,
    world: &mut World,
) -> (PcMail, Option<String>) {
    let (record, bodies) = match db.load().await {
        Ok(Some(saved)) => saved,
        Ok(None) => return restore_legacy(keeper, world),
        Err(e) => {
            let note = format!("The saved world could not be read ({e}); starting fresh.");
            return (PcMail::new(), Some(note));
        }
    };
    let mut s = keeper.0.borrow_mut();
    // Saves go over the stored generation even when its world cannot be restored here.
    s.generation = record.generation;
    match world.restore_file(&record.state, bodies) {
        Ok(pcs) => (pcs, Some("Restored the saved world.".into())),
        Err(e) => (
            PcMail::new(),
            Some(format!(
                "The saved world could not be restored ({e}); starting fresh."
            )),
        ),
    }
}

/// A world an older page left in localStorage, moved over (removed after the first save).
fn restore_legacy(keeper: &Keeper, world: &mut World) -> (PcMail, Option<String>) {
    let Some((json, pcs)) = legacy::read() else {
        return (PcMail::new(), None);
    };
    match world.restore_json(&json) {
        Ok(()) => {
            keeper.0.borrow_mut().legacy_pending = true;
            let note = "Moved the world saved by an older version of the page into IndexedDB.";
            (pcs, Some(note.into()))
        }
        Err(e) => (
            PcMail::new(),
            Some(format!("The old saved world could not be restored ({e}).")),
        ),
    }
}

/// Removes a world an older page left in localStorage (a reset starts clean).
pub fn forget_legacy() {
    legacy::clear();
}
