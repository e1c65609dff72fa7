//! The world's persistent state (store, relay queue, DNS, which hosts are down, the clock) as
//! JSON, for the page's localStorage and for share links. Live connections are not kept: a
//! restored world starts with none, and relay attempts that were under way are retried.
//! Fault rules (as text) and strict hosts are kept too, so share links carry them; snapshots
//! from before they existed restore with none.

use super::World;
use crate::net::Dns;
use crate::ordered::SortedMap;
use crate::relay::RelayQueue;
use crate::store::bodies::{self, BodySink, BodyTable};
use crate::store::Store;
use crate::time::{Instant, WallClock};
use serde::{Deserialize, Serialize};

use std::sync::Arc;

/// Bumped when the format changes; older snapshots are refused (the page then resets).
pub const SNAPSHOT_VERSION: u32 = 1;

/// Most TLS policies (each kind) a snapshot may set.
const MAX_POLICIES: usize = 1000;

/// Largest distance of the clock's epoch from 1970, in seconds (about 30,000 years).
const MAX_EPOCH: u64 = 1 << 40;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    now: Instant,
    clock: WallClock,
    store: Store,
    queue: RelayQueue,
    dns: Dns,
    hosts_down: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    faults: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    strict_hosts: Vec<String>,
    /// Hosts' TLS policies that were set (issue 26), by lower-case name.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    tls_policies: SortedMap<String, super::TlsPolicy>,
    /// Sending hosts' relay TLS policies that were set.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    relay_tls: SortedMap<String, crate::relay::RelayTlsPolicy>,
}

/// Mail a PC downloaded with POP3 (RFC 1939 §3: the copy lives on the PC, not the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalMail {
    pub id: u32,
    pub uidl: Option<String>,
    #[serde(with = "crate::store::folder::raw_base64")]
    pub raw: Arc<[u8]>,
}

/// Each PC's downloaded mail, by the PC's role (`sender`, `recipient`).
pub type PcMail = SortedMap<String, Vec<LocalMail>>;

/// What a world file says it is (exports, and the page's saved state).
const FILE_FORMAT: &str = "mail-sandbox-world";

/// A whole world with the PCs' mail: an export file, or the page's saved state (then with
/// body references, see [`crate::store::bodies`]).
#[derive(Serialize, Deserialize)]
struct WorldFile {
    format: String,
    world: Snapshot,
    #[serde(default)]
    pcs: PcMail,
}

/// Most PCs and messages per PC a world file may carry.
const MAX_PCS: usize = 8;
const MAX_PC_MESSAGES: usize = 100_000;

impl World {
    fn to_snapshot(&self) -> Snapshot {
        Snapshot {
            version: SNAPSHOT_VERSION,
            now: self.now,
            clock: self.clock,
            store: self.store.clone(),
            queue: self.queue.clone(),
            dns: self.net.dns.clone(),
            hosts_down: self
                .net
                .hosts()
                .iter()
                .filter(|h| !h.up)
                .map(|h| h.name.clone())
                .collect(),
            faults: self.faults.rules().iter().map(|r| r.text()).collect(),
            strict_hosts: self.strict_hosts.iter().cloned().collect(),
            tls_policies: self.tls_policies.clone(),
            relay_tls: self.relay_tls.clone(),
        }
    }

    /// The world's state as JSON.
    pub fn snapshot_json(&self) -> String {
        serde_json::to_string(&self.to_snapshot()).unwrap_or_default()
    }

    /// The world and the PCs' mail as one file (bodies inline): the page's export.
    pub fn file_json(&self, pcs: &PcMail) -> String {
        let file = WorldFile {
            format: FILE_FORMAT.into(),
            world: self.to_snapshot(),
            pcs: pcs.clone(),
        };
        serde_json::to_string(&file).unwrap_or_default()
    }

    /// The world and the PCs' mail as a small state with every body referred to by id, and
    /// those bodies: what the page saves (bodies once each, the state on every change).
    pub fn file_parts(&self, pcs: &PcMail, sink: &mut BodySink) -> (String, BodyTable) {
        let state = bodies::with_sink(sink, || self.file_json(pcs));
        (state, sink.take_used())
    }

    /// Restores a world file (an import, or saved state with `bodies` for its references);
    /// returns the PCs' mail. On error nothing changes, and the error says why.
    pub fn restore_file(&mut self, json: &str, bodies: BodyTable) -> Result<PcMail, String> {
        let file: WorldFile = bodies::with_source(bodies, || serde_json::from_str(json))
            .map_err(|e| format!("not a Mail Sandbox world file: {e}"))?;
        if file.format != FILE_FORMAT {
            return Err(format!("not a Mail Sandbox world file ({})", file.format));
        }
        if file.pcs.len() > MAX_PCS || file.pcs.values().any(|m| m.len() > MAX_PC_MESSAGES) {
            return Err("too much PC mail".into());
        }
        self.restore_snapshot(file.world)?;
        Ok(file.pcs)
    }

    /// Replaces this world's state with a snapshot (the hosts and services stay as built).
    /// On error nothing changes.
    pub fn restore_json(&mut self, json: &str) -> Result<(), String> {
        let snap: Snapshot = serde_json::from_str(json).map_err(|e| e.to_string())?;
        self.restore_snapshot(snap)
    }

    fn restore_snapshot(&mut self, snap: Snapshot) -> Result<(), String> {
        if snap.version != SNAPSHOT_VERSION {
            return Err(format!(
                "snapshot version {} is not {SNAPSHOT_VERSION}",
                snap.version
            ));
        }
        // A snapshot may come from a share link: refuse state the engine cannot run on.
        snap.store.check()?;
        snap.queue.check()?;
        if snap.clock.epoch_unix.unsigned_abs() > MAX_EPOCH {
            return Err("clock out of range".into());
        }
        if snap.tls_policies.len() > MAX_POLICIES || snap.relay_tls.len() > MAX_POLICIES {
            return Err("too many TLS policies".into());
        }
        if snap.faults.len() > crate::fault::MAX_RULES {
            return Err("too many fault rules".into());
        }
        let mut faults = crate::fault::FaultBook::default();
        for text in &snap.faults {
            let rule = crate::fault::parse_rule(text).map_err(|e| format!("{text}: {e}"))?;
            faults.add(rule)?;
        }
        // Live connections belong to the world being replaced (see the module doc): drop them
        // all, so that no server session or relay attempt acts on the restored state. Their
        // clients see a reset.
        let now = self.now;
        let live: Vec<_> = self.net.connections().map(|c| c.id).collect();
        for conn in live {
            self.net.drop_link(now, conn);
        }
        self.slots.drop_sessions();
        self.now = self.now.max(snap.now);
        self.clock = snap.clock;
        self.store = snap.store;
        self.queue = snap.queue;
        self.queue.reset_in_flight();
        self.net.dns = snap.dns;
        self.faults = faults;
        self.strict_hosts = crate::sorting::set_of(
            snap.strict_hosts
                .iter()
                .take(1000)
                .map(|h| h.to_ascii_lowercase()),
        );
        // TLS as the snapshot's world had it: its policies, and the implicit-TLS listeners
        // of every host with a certificate (with the provider this world was built with).
        self.tls_policies = lower_keys(snap.tls_policies);
        self.relay_tls = lower_keys(snap.relay_tls);
        self.add_implicit_tls_listeners();
        let now = self.now;
        let ids: Vec<_> = self
            .net
            .hosts()
            .iter()
            .map(|h| (h.id, h.name.clone()))
            .collect();
        for (id, name) in ids {
            let up = !snap.hosts_down.contains(&name);
            self.net.set_host_up(now, id, up);
        }
        Ok(())
    }
}

fn lower_keys<V>(map: SortedMap<String, V>) -> SortedMap<String, V> {
    crate::sorting::map_of(map.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)))
}

#[cfg(test)]
mod tests {
    use crate::sandbox::default_world;

    #[test]
    fn a_snapshot_restores_to_an_equivalent_world() {
        let (mut w, d) = default_world(1);
        w.set_host_up(d.corp, false);
        let _ = w.store.create_folder("boss@corp.example", "Projects");
        let json = w.snapshot_json();
        let (mut fresh, _) = default_world(1);
        fresh.restore_json(&json).unwrap();
        assert_eq!(fresh.snapshot_json(), json);
        assert!(!fresh.net.is_up(d.corp));
        assert!(fresh
            .store
            .folder("boss@corp.example", "Projects")
            .is_some());
        assert!(fresh.restore_json("{not json").is_err());
        assert_eq!(
            fresh.snapshot_json(),
            json,
            "a bad snapshot changes nothing"
        );
    }

    /// The page's saved state: bodies apart, each once, and the state refers to them; an
    /// export carries them inline. Both restore the same world and PC mail.
    #[test]
    fn a_world_file_round_trips_with_bodies_inline_or_apart() {
        use super::{LocalMail, PcMail};
        use crate::store::bodies::BodySink;
        let (w, _) = default_world(1);
        let mut pcs = PcMail::new();
        pcs.insert(
            "recipient".into(),
            vec![LocalMail {
                id: 1,
                uidl: Some("u1".into()),
                raw: std::sync::Arc::from(&b"Subject: kept on the PC\r\n\r\nhi\r\n"[..]),
            }],
        );
        let mut sink = BodySink::new();
        let (state, bodies) = w.file_parts(&pcs, &mut sink);
        assert_eq!(bodies.len(), 5, "four seed messages and the PC's one");
        assert!(
            !state.contains("U3ViamVjd"),
            "no base64 body in the state: {state}"
        );
        assert!(state.len() < 4000, "{}", state.len());
        let (mut a, _) = default_world(1);
        assert_eq!(a.restore_file(&state, bodies.clone()).unwrap(), pcs);
        assert_eq!(a.snapshot_json(), w.snapshot_json());
        let export = w.file_json(&pcs);
        let (mut b, _) = default_world(1);
        assert_eq!(b.restore_file(&export, Default::default()).unwrap(), pcs);
        assert_eq!(b.snapshot_json(), w.snapshot_json());
        let mut missing = bodies;
        let gone = missing.keys().next().unwrap().clone();
        missing.remove(&gone);
        let err = b.restore_file(&state, missing).unwrap_err();
        assert!(err.contains(&format!("@{gone} is missing")), "{err}");
        let err = b
            .restore_file(r#"{"format":"x","world":{}}"#, Default::default())
            .unwrap_err();
        assert!(err.contains("not a Mail Sandbox world file"), "{err}");
    }

    /// Regression (fuzzing `restore_json`): snapshots a share link could carry that made the
    /// engine overflow (a clock near the end of time, a folder at the end of its UIDs or
    /// modseqs) or retry without end (a zero retry interval froze the page). They are refused,
    /// and the world is unchanged.
    #[test]
    fn snapshots_the_engine_cannot_run_on_are_refused() {
        let (w, _) = default_world(1);
        let good = w.snapshot_json();
        let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
        let bad = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut x = v.clone();
            edit(&mut x);
            x.to_string()
        };
        let inbox = |x: &mut serde_json::Value| -> serde_json::Value {
            x["store"]["mailboxes"]["boss@corp.example"]["folders"]["INBOX"].take()
        };
        let inbox_edit = |f: &dyn Fn(&mut serde_json::Value)| {
            bad(&|x| {
                let mut i = inbox(x);
                f(&mut i);
                x["store"]["mailboxes"]["boss@corp.example"]["folders"]["INBOX"] = i;
            })
        };
        let cases = [
            bad(&|x| x["clock"]["epoch_unix"] = serde_json::json!(i64::MAX - 10)),
            bad(&|x| x["queue"]["policy"]["first_retry"] = serde_json::json!(0)),
            bad(&|x| x["queue"]["policy"]["give_up_after"] = serde_json::json!(u64::MAX)),
            bad(&|x| x["queue"]["capacity"] = serde_json::json!(0)),
            inbox_edit(&|i| i["uidnext"] = serde_json::json!(u32::MAX)),
            inbox_edit(&|i| i["uidnext"] = serde_json::json!(1)),
            inbox_edit(&|i| i["uidvalidity"] = serde_json::json!(0)),
            inbox_edit(&|i| i["highest_modseq"] = serde_json::json!(u64::MAX)),
            inbox_edit(&|i| {
                let m = i["messages"].as_array_mut().unwrap();
                m.reverse();
            }),
            bad(&|x| {
                x["store"]["mailboxes"]
                    .as_object_mut()
                    .unwrap()
                    .remove("alice@corp.example");
            }),
        ];
        let (mut fresh, _) = default_world(1);
        let before = fresh.snapshot_json();
        for (i, json) in cases.iter().enumerate() {
            assert!(fresh.restore_json(json).is_err(), "case {i} restored");
            assert_eq!(fresh.snapshot_json(), before, "case {i} changed the world");
        }
        v["now"] = serde_json::json!(5000);
        fresh
            .restore_json(&v.to_string())
            .expect("a good one still restores");
    }

    /// Regression: sessions that were live before a restore kept running against the restored
    /// store, so a POP3 QUIT sent after the restore deleted a message of the restored world.
    #[test]
    fn sessions_from_before_a_restore_do_not_touch_the_restored_world() {
        use crate::time::Instant;
        let (snap_world, _) = default_world(1);
        let json = snap_world.snapshot_json();
        let (mut w, d) = default_world(1);
        let c = w.connect(d.recipient_pc, "mx.corp.example", 110).unwrap();
        w.send(c, b"USER boss\r\nPASS boss\r\nDELE 1\r\n");
        w.run_until(Instant::from_millis(500));
        let got = String::from_utf8_lossy(&w.take_received(c)).to_string();
        assert!(got.contains("+OK message 1 marked for deletion"), "{got}");
        w.restore_json(&json).unwrap();
        w.send(c, b"QUIT\r\n");
        w.run_until(Instant::from_millis(1000));
        assert_eq!(
            w.store.folder("boss@corp.example", "INBOX").unwrap().len(),
            3,
            "the restored INBOX is as in the snapshot"
        );
        assert!(
            !w.endpoint(c).unwrap().is_open(),
            "the old connection is gone"
        );
    }
}
