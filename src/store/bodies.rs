//! Message bodies kept apart from the rest of a snapshot, each once, by a content id.
//!
//! A world's mail is most of its bytes and almost never changes once stored, while flags,
//! UIDs, queues and the clock change all the time. The page therefore saves a world as a small
//! *state* (everything, with each body replaced by `@<id>`) plus a table of bodies stored once
//! each and never rewritten. Share links use the same form: bodies the receiver already has
//! (the default world's) travel as ids only.
//!
//! serde's derive gives a field's (de)serializer no argument to carry the table in, so the
//! table is lent to the one (de)serialization that needs it ([`with_sink`], [`with_source`])
//! and read by [`super::folder::raw_base64`]. Outside those calls bodies are inline base64, as
//! before, so ordinary snapshots and exports are unchanged.

use md5::{Digest, Md5};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

/// A body's content id: the hex MD5 of its bytes (an id, not a security measure: a forged
/// body under a wrong id only misfiles the forger's own world).
pub type BodyId = String;

/// Bodies by id.
pub type BodyTable = HashMap<BodyId, Arc<[u8]>>;

/// The prefix that marks a body reference in a snapshot (`@` is not in the base64 alphabet).
pub const REF_PREFIX: char = '@';

/// Gathers the bodies a snapshot refers to. Keeps the ids it computed, keyed by the body's
/// address, across snapshots, so a body is hashed once however often the world is saved.
#[derive(Default)]
pub struct BodySink {
    /// Body address -> (the body, kept alive so the address is not reused; its id).
    known: HashMap<usize, (Arc<[u8]>, BodyId)>,
    /// The bodies referred to by the snapshot being written.
    used: BodyTable,
    /// Bodies written inline instead of as references (share links: those the receiver lacks).
    inline_unless: Option<std::collections::HashSet<BodyId>>,
}

impl BodySink {
    /// A sink that puts every body in the table.
    pub fn new() -> BodySink {
        BodySink::default()
    }

    /// A sink that refers only to the bodies in `shared` (which the reader has) and leaves the
    /// others inline.
    pub fn referring_only_to(shared: std::collections::HashSet<BodyId>) -> BodySink {
        BodySink {
            inline_unless: Some(shared),
            ..BodySink::default()
        }
    }

    /// The id of `raw`, computed once per body.
    pub fn id_of(&mut self, raw: &Arc<[u8]>) -> BodyId {
        let key = raw.as_ptr() as usize;
        if let Some((_, id)) = self.known.get(&key) {
            return id.clone();
        }
        let id = content_id(raw);
        self.known.insert(key, (Arc::clone(raw), id.clone()));
        id
    }

    /// The reference to write for `raw`, or None to write it inline.
    fn reference(&mut self, raw: &Arc<[u8]>) -> Option<BodyId> {
        let id = self.id_of(raw);
        if let Some(shared) = &self.inline_unless {
            if !shared.contains(&id) {
                return None;
            }
        }
        self.used.insert(id.clone(), Arc::clone(raw));
        Some(id)
    }

    /// The bodies the last snapshot referred to, and forgets the ids of bodies it no longer
    /// uses (so deleted mail is not kept alive).
    pub fn take_used(&mut self) -> BodyTable {
        let used = std::mem::take(&mut self.used);
        self.known.retain(|_, (_, id)| used.contains_key(id));
        used
    }
}

/// The hex MD5 of `raw`.
pub fn content_id(raw: &[u8]) -> BodyId {
    let digest = Md5::digest(raw);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

thread_local! {
    static SINK: RefCell<Option<BodySink>> = const { RefCell::new(None) };
    static SOURCE: RefCell<Option<BodyTable>> = const { RefCell::new(None) };
}

/// Runs `write` (a serialization) with `sink` collecting the bodies it meets.
pub fn with_sink<T>(sink: &mut BodySink, write: impl FnOnce() -> T) -> T {
    SINK.with(|s| *s.borrow_mut() = Some(std::mem::take(sink)));
    let out = write();
    if let Some(back) = SINK.with(|s| s.borrow_mut().take()) {
        *sink = back;
    }
    out
}

/// Runs `read` (a deserialization) with body references resolved from `bodies`.
pub fn with_source<T>(bodies: BodyTable, read: impl FnOnce() -> T) -> T {
    SOURCE.with(|s| *s.borrow_mut() = Some(bodies));
    let out = read();
    SOURCE.with(|s| s.borrow_mut().take());
    out
}

/// The reference to write for `raw` when a sink is lent, else None (write it inline).
pub(crate) fn reference_for(raw: &Arc<[u8]>) -> Option<BodyId> {
    SINK.with(|s| s.borrow_mut().as_mut().and_then(|sink| sink.reference(raw)))
}

/// The body a reference names, from the lent source; an error names what is missing.
pub(crate) fn resolve(id: &str) -> Result<Arc<[u8]>, String> {
    SOURCE.with(|s| match s.borrow().as_ref() {
        None => Err(format!(
            "a body reference ({REF_PREFIX}{id}) where the body was expected"
        )),
        Some(bodies) => bodies
            .get(id)
            .cloned()
            .ok_or_else(|| format!("the body {REF_PREFIX}{id} is missing")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_hashed_once_and_forgotten_when_unused() {
        let mut sink = BodySink::new();
        let a: Arc<[u8]> = Arc::from(&b"Subject: a\r\n\r\nA\r\n"[..]);
        let id = with_sink(&mut sink, || reference_for(&a)).unwrap();
        assert_eq!(id, content_id(&a));
        assert_eq!(id.len(), 32);
        assert_eq!(sink.take_used().len(), 1);
        assert_eq!(sink.known.len(), 1);
        with_sink(&mut sink, || ());
        assert!(sink.take_used().is_empty());
        assert!(sink.known.is_empty(), "an unused body is not kept alive");
    }

    #[test]
    fn a_missing_body_is_an_error_that_names_it() {
        let err = with_source(HashMap::new(), || resolve("abc")).unwrap_err();
        assert!(err.contains("@abc is missing"), "{err}");
        assert!(resolve("abc")
            .unwrap_err()
            .contains("where the body was expected"));
    }
}
