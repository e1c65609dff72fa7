//! One folder: messages in UID order, UIDVALIDITY/UIDNEXT, and the change log.

use super::flags::Flags;
use crate::message::SearchIndex;
use crate::ordered::SortedMap;
use serde::{Deserialize, Serialize};
use std::any::Any;

use std::fmt;
use std::sync::{Arc, OnceLock};

/// Special-use attributes (RFC 6154).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SpecialUse {
    Sent,
    Drafts,
    Trash,
    Junk,
}

impl SpecialUse {
    pub fn imap_attribute(self) -> &'static str {
        match self {
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Trash => "\\Trash",
            SpecialUse::Junk => "\\Junk",
        }
    }
}

/// A stored message. The raw bytes are shared (`Arc`) so sessions can hold them cheaply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    pub uid: u32,
    pub flags: Flags,
    /// Modification sequence of the last change to this message.
    pub modseq: u64,
    /// Unix seconds when the message was stored (IMAP INTERNALDATE).
    pub internal_date: i64,
    /// Unix seconds when the message was saved into this folder (APPEND with a date, COPY,
    /// MOVE; IMAP SAVEDATE, RFC 8514) when that is not its internal date; see
    /// [`StoredMessage::save_date`]. Left out of snapshots when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_at: Option<i64>,
    /// The message as stored (CRLF line ends); base64 in snapshots, to keep them compact.
    #[serde(with = "raw_base64")]
    pub raw: Arc<[u8]>,
    /// The parsed views (structure and envelope for FETCH, header index for SEARCH), each built
    /// once on first use and shared by every FETCH and SEARCH; derived data, never serialized.
    #[serde(skip)]
    pub parsed: ParsedCache,
}

/// The parsed views of one message's raw bytes, each filled on first use and shared by
/// clones. Equal to any other (they are derived from the raw bytes, which are compared).
#[derive(Clone, Default)]
pub struct ParsedCache {
    /// A protocol's own view (IMAP keeps its rendered ENVELOPE and BODYSTRUCTURE here), so the
    /// store needs to know nothing about it.
    view: OnceLock<Arc<dyn Any + Send + Sync>>,
    search: OnceLock<Arc<SearchIndex>>,
}

impl fmt::Debug for ParsedCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParsedCache")
            .field("view", &self.view.get().is_some())
            .field("search", &self.search.get().is_some())
            .finish()
    }
}

impl PartialEq for ParsedCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ParsedCache {}

/// Serializes message bytes as one base64 string instead of a JSON array of numbers (a third
/// larger than the bytes, where an array is three to four times larger).
pub(crate) mod raw_base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    use crate::store::bodies::{reference_for, resolve, REF_PREFIX};

    /// Inline base64, or `@<id>` when a body table is lent (see [`crate::store::bodies`]).
    pub fn serialize<S: Serializer>(raw: &Arc<[u8]>, s: S) -> Result<S::Ok, S::Error> {
        match reference_for(raw) {
            Some(id) => s.serialize_str(&format!("{REF_PREFIX}{id}")),
            None => s.serialize_str(&STANDARD.encode(raw)),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<[u8]>, D::Error> {
        let text = String::deserialize(d)?;
        if let Some(id) = text.strip_prefix(REF_PREFIX) {
            return resolve(id).map_err(serde::de::Error::custom);
        }
        STANDARD
            .decode(text.as_bytes())
            .map(Arc::from)
            .map_err(serde::de::Error::custom)
    }
}

impl StoredMessage {
    /// When the message was saved into its folder (IMAP SAVEDATE, RFC 8514): a delivery, and
    /// a snapshot from before save dates were kept, count its internal date.
    pub fn save_date(&self) -> i64 {
        self.saved_at.unwrap_or(self.internal_date)
    }

    pub fn new(uid: u32, flags: Flags, modseq: u64, internal_date: i64, raw: Arc<[u8]>) -> Self {
        StoredMessage {
            uid,
            flags,
            modseq,
            internal_date,
            saved_at: None,
            raw,
            parsed: ParsedCache::default(),
        }
    }

    /// A view derived from the raw bytes by `build`, built on first use and then kept (one view
    /// type per message: asking for another type builds it each time, uncached).
    pub fn view<T: Any + Send + Sync>(&self, build: impl FnOnce(&[u8]) -> T) -> Arc<T> {
        if let Some(any) = self.parsed.view.get() {
            return match Arc::clone(any).downcast::<T>() {
                Ok(t) => t,
                Err(_) => Arc::new(build(&self.raw)),
            };
        }
        let t = Arc::new(build(&self.raw));
        let _ = self
            .parsed
            .view
            .set(t.clone() as Arc<dyn Any + Send + Sync>);
        t
    }

    /// Header fields and decoded texts (SEARCH): parsed on first use, then kept.
    pub fn search_index(&self) -> &SearchIndex {
        self.parsed
            .search
            .get_or_init(|| Arc::new(SearchIndex::new(&self.raw)))
    }

    /// RFC822.SIZE: the size in octets, CRLF line ends as stored.
    pub fn size(&self) -> usize {
        self.raw.len()
    }
}

/// What changed in a folder since some modseq.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// UIDs expunged since, in increasing order.
    pub expunged: Vec<u32>,
    /// UIDs of messages whose flags changed since (and that still exist).
    pub flags_changed: Vec<u32>,
    /// UIDs added since (at or above the caller's UIDNEXT).
    pub added: Vec<u32>,
    /// The folder's modseq now: pass it next time.
    pub modseq: u64,
    /// True when the log no longer reaches back that far: the caller must resynchronise.
    pub truncated: bool,
}

/// How many expunge records a folder keeps for sessions that have not caught up yet.
const EXPUNGE_LOG_LIMIT: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "FolderData")]
pub struct Folder {
    pub uidvalidity: u32,
    pub uidnext: u32,
    pub highest_modseq: u64,
    pub special_use: Option<SpecialUse>,
    messages: Vec<StoredMessage>,
    /// (modseq, uid) of expunged messages, oldest first (so sorted by modseq).
    expunge_log: Vec<(u64, u32)>,
    /// The lowest modseq the expunge log still covers.
    log_floor: u64,
    /// UIDs at or above this have not yet been seen as `\Recent` by any session.
    recent_from: u32,
    /// Every message's modseq -> its UID (modseqs are unique: each change takes a new one), so
    /// the change log costs what changed, not the folder's size. Rebuilt on restore.
    #[serde(skip)]
    by_modseq: SortedMap<u64, u32>,
}

/// The serialized form of a [`Folder`] (everything but the derived index).
#[derive(Deserialize)]
struct FolderData {
    uidvalidity: u32,
    uidnext: u32,
    highest_modseq: u64,
    special_use: Option<SpecialUse>,
    messages: Vec<StoredMessage>,
    expunge_log: Vec<(u64, u32)>,
    log_floor: u64,
    recent_from: u32,
}

impl From<FolderData> for Folder {
    fn from(d: FolderData) -> Folder {
        let by_modseq = d.messages.iter().map(|m| (m.modseq, m.uid)).collect();
        Folder {
            uidvalidity: d.uidvalidity,
            uidnext: d.uidnext,
            highest_modseq: d.highest_modseq,
            special_use: d.special_use,
            messages: d.messages,
            expunge_log: d.expunge_log,
            log_floor: d.log_floor,
            recent_from: d.recent_from,
            by_modseq,
        }
    }
}

impl Folder {
    pub fn new(uidvalidity: u32, special_use: Option<SpecialUse>) -> Self {
        Folder {
            uidvalidity,
            uidnext: 1,
            highest_modseq: 1,
            special_use,
            messages: Vec::new(),
            expunge_log: Vec::new(),
            log_floor: 0,
            recent_from: 1,
            by_modseq: SortedMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Messages in UID order (so message sequence number n is `messages()[n-1]`).
    pub fn messages(&self) -> &[StoredMessage] {
        &self.messages
    }

    /// Index of the message with `uid`, by binary search.
    pub fn index_of(&self, uid: u32) -> Option<usize> {
        self.messages.binary_search_by_key(&uid, |m| m.uid).ok()
    }

    pub fn by_uid(&self, uid: u32) -> Option<&StoredMessage> {
        self.index_of(uid).map(|i| &self.messages[i])
    }

    fn bump(&mut self) -> u64 {
        self.highest_modseq = self.highest_modseq.saturating_add(1);
        self.highest_modseq
    }

    /// Checks what every operation relies on, for state that comes from outside (a snapshot in
    /// a share link): UIDs strictly increasing and below UIDNEXT, room for more UIDs and
    /// modseqs, a non-zero UIDVALIDITY (RFC 3501 §2.3.1.1).
    pub fn check(&self) -> Result<(), String> {
        if self.uidvalidity == 0 {
            return Err("UIDVALIDITY 0".into());
        }
        if self.uidnext == 0 || self.uidnext >= u32::MAX / 2 {
            return Err(format!("UIDNEXT {} out of range", self.uidnext));
        }
        if self.highest_modseq >= u64::MAX / 2 {
            return Err("modseq out of range".into());
        }
        let mut prev = 0;
        for m in &self.messages {
            if m.uid <= prev || m.uid >= self.uidnext {
                return Err(format!("UID {} out of order or not below UIDNEXT", m.uid));
            }
            if m.modseq > self.highest_modseq {
                return Err(format!("UID {} has a modseq above the folder's", m.uid));
            }
            prev = m.uid;
        }
        Ok(())
    }

    /// Appends a message saved now, at its internal date (a delivery); returns its UID.
    pub fn append(&mut self, raw: impl Into<Arc<[u8]>>, flags: Flags, internal_date: i64) -> u32 {
        self.append_saved(raw, flags, internal_date, None)
    }

    /// Appends a message saved at `saved_at` (APPEND with a date, COPY, MOVE keep the
    /// internal date and are saved at another time); returns its UID.
    pub fn append_saved(
        &mut self,
        raw: impl Into<Arc<[u8]>>,
        flags: Flags,
        internal_date: i64,
        saved_at: Option<i64>,
    ) -> u32 {
        let uid = self.uidnext;
        self.uidnext += 1;
        let modseq = self.bump();
        self.by_modseq.insert(modseq, uid);
        let mut m = StoredMessage::new(uid, flags, modseq, internal_date, raw.into());
        m.saved_at = saved_at.filter(|&t| t != internal_date);
        self.messages.push(m);
        uid
    }

    /// Replaces a message's flags; returns false when there is no such UID.
    pub fn set_flags(&mut self, uid: u32, flags: Flags) -> bool {
        let Some(i) = self.index_of(uid) else {
            return false;
        };
        if self.messages[i].flags == flags {
            return true;
        }
        let modseq = self.bump();
        let m = &mut self.messages[i];
        m.flags = flags;
        self.by_modseq.remove(&m.modseq);
        m.modseq = modseq;
        self.by_modseq.insert(modseq, uid);
        true
    }

    /// Removes the given UIDs (sorted or not); returns those actually removed, in order.
    pub fn expunge(&mut self, uids: &[u32]) -> Vec<u32> {
        let mut wanted: Vec<u32> = uids.to_vec();
        crate::sorting::sort(&mut wanted);
        wanted.dedup();
        let mut removed = Vec::new();
        let by_modseq = &mut self.by_modseq;
        self.messages.retain(|m| {
            if wanted.binary_search(&m.uid).is_ok() {
                removed.push(m.uid);
                by_modseq.remove(&m.modseq);
                false
            } else {
                true
            }
        });
        if !removed.is_empty() {
            let modseq = self.bump();
            for &uid in &removed {
                self.expunge_log.push((modseq, uid));
            }
            if self.expunge_log.len() > EXPUNGE_LOG_LIMIT {
                let cut = self.expunge_log.len() - EXPUNGE_LOG_LIMIT;
                self.log_floor = self.expunge_log[cut - 1].0;
                self.expunge_log.drain(..cut);
            }
        }
        removed
    }

    /// Removes every message (used when INBOX is renamed).
    pub(crate) fn take_all(&mut self) -> Vec<StoredMessage> {
        let uids: Vec<u32> = self.messages.iter().map(|m| m.uid).collect();
        let all = self.messages.clone();
        self.expunge(&uids);
        all
    }

    /// The change log: what happened since `modseq`, for a session whose UIDNEXT was `uidnext`.
    pub fn changes_since(&self, modseq: u64, uidnext: u32) -> Changes {
        let truncated = modseq < self.log_floor;
        let from = self.expunge_log.partition_point(|(m, _)| *m <= modseq);
        let expunged: Vec<u32> = self.expunge_log[from..].iter().map(|(_, u)| *u).collect();
        let first_new = self.messages.partition_point(|m| m.uid < uidnext);
        let added: Vec<u32> = self.messages[first_new..].iter().map(|m| m.uid).collect();
        let mut flags_changed: Vec<u32> = self
            .by_modseq
            .range(modseq.saturating_add(1)..)
            .map(|(_, &uid)| uid)
            .filter(|&uid| uid < uidnext)
            .collect();
        crate::sorting::sort(&mut flags_changed);
        Changes {
            expunged,
            flags_changed,
            added,
            modseq: self.highest_modseq,
            truncated,
        }
    }

    /// Claims `\Recent` for the calling session (RFC 3501 §2.3.2: exactly one session sees a
    /// message as recent). Returns the lowest UID that is recent for the caller; every UID at
    /// or above it is recent for the caller only.
    pub fn claim_recent(&mut self) -> u32 {
        let from = self.recent_from;
        self.recent_from = self.uidnext;
        from
    }

    /// How many messages no session has claimed as recent yet (for STATUS RECENT).
    pub fn unclaimed_recent(&self) -> usize {
        self.messages
            .iter()
            .rev()
            .take_while(|m| m.uid >= self.recent_from)
            .count()
    }
}
