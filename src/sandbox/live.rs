//! The bridge's world as a log of its inputs, so a page can run its own copy of it (issue 28
//! item 1, the live page).
//!
//! The engine is deterministic given its inputs: the same construction ([`WorldSpec`]) and the
//! same calls (connect, bytes in, answers taken, close, clock) at the same virtual times give
//! the same world, byte for byte. The TCP bridge records every such call it makes on its world
//! as a [`LiveEntry`]; the page fetches them and [`Replay`]s them into a world built by
//! [`build_world`] from the same spec, so the picture, the hops, the transcripts and the
//! mailboxes are the bridge's.
//!
//! The log is taken at the world's edge, so what it holds is what the world's sessions see:
//! a session that the bridge runs over TLS (terminated outside the world) shows as its
//! plaintext. A session over TLS is replayed exactly too: the bridge records what its TLS
//! layers did ([`LiveEntry::Tls`]) and the copy's layers replay it (see
//! [`super::live_tls`]). Changes the bridge's HTTP API makes (a user added, messages deleted, an import,
//! a reset) are not replayed call by call: they become a [`LiveEntry::State`], the whole
//! world's state at that moment ([`World::snapshot_json`]); a copy restored from one keeps
//! no connection that was open then (those sessions are shown up to that point).

use super::live_tls::{ReplayFeed, ReplayTls, TlsStep};
use super::{default_world, TlsPolicy, World, CORP_HOST};
use crate::net::{ConnId, HostId};
use crate::ordered::SortedMap;
use crate::time::{Duration, Instant, WallClock};
use crate::tls_layer::TlsProvider;
use serde::{Deserialize, Serialize};

/// How the bridge built its world: everything [`build_world`] needs to build the same one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorldSpec {
    /// The wall-clock date (Unix seconds) at virtual time zero.
    pub epoch_unix: i64,
    /// Extra accounts: (address, password).
    #[serde(default)]
    pub users: Vec<(String, String)>,
    #[serde(default)]
    pub catch_all: bool,
    /// Every mailbox starts empty.
    #[serde(default)]
    pub empty: bool,
    /// Fault rules, as text.
    #[serde(default)]
    pub faults: Vec<String>,
    /// Every host strict instead of lenient.
    #[serde(default)]
    pub strict: bool,
    /// Links between real clients' hosts and the hosts they reach, by host name, and their
    /// one-way delay.
    #[serde(default)]
    pub client_links: Vec<(String, String)>,
    #[serde(default)]
    pub latency_ms: u64,
    /// The bridge's world runs TLS (`--tls offered|required`): every host offers it (see
    /// [`install_tls`]); the copy replays the bridge's TLS layers ([`LiveEntry::Tls`]).
    #[serde(default)]
    pub tls: bool,
    /// `--tls required`: every host requires it.
    #[serde(default)]
    pub tls_required: bool,
}

/// One input to the world, in the order the bridge gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LiveEntry {
    /// A new world (the bridge started, or was reset): build it from the spec.
    Start { spec: WorldSpec },
    /// A world in a given state: build it from the spec, then restore the snapshot (see
    /// [`World::restore_json`]). Served in place of a stretch of log a reader cannot have
    /// (trimmed, or changed by the API).
    State {
        spec: WorldSpec,
        snapshot: String,
        /// The number the bridge's next TLS layer gets (steps of older ones are not for
        /// this world, which keeps no connection open).
        #[serde(default)]
        tls_next_layer: u64,
    },
    /// Virtual time moved to `ms` (recorded when something fell due by then; otherwise the
    /// time travels with the next entry).
    Clock { ms: u64 },
    /// A real client connected from host `from` to `host:port`; `conn` is the connection the
    /// world gave it (none: refused).
    Connect {
        from: String,
        host: String,
        port: u16,
        conn: Option<u64>,
    },
    /// Bytes a client sent.
    Send {
        conn: u64,
        #[serde(with = "bytes_base64")]
        data: Vec<u8>,
    },
    /// The bridge took what the connection's client end had received.
    Take { conn: u64 },
    /// The client end closed.
    Close { conn: u64 },
    /// The client end was forgotten (its real client is gone).
    Forget { conn: u64 },
    /// What one call on one of the bridge's TLS layers produced, written before the entry
    /// whose call caused it (see [`super::live_tls`]).
    Tls { step: TlsStep },
    /// The bridge's API changed the world here. Never served: a reader that reaches it is
    /// given a [`LiveEntry::State`] of the world instead.
    Changed,
}

impl LiveEntry {
    /// Roughly how many bytes the entry takes, for the log's bound.
    pub fn weight(&self) -> usize {
        match self {
            LiveEntry::Send { data, .. } => 32 + data.len(),
            LiveEntry::State { snapshot, .. } => 256 + snapshot.len(),
            LiveEntry::Tls { step } => step.weight(),
            _ => 64,
        }
    }
}

/// Builds the world a spec describes: the default world (seed 1) on the spec's clock, the
/// extra users (a new domain becomes the mailbox host's), catch-all, empty mailboxes, fault
/// rules, strict hosts and the client links' delay. The bridge builds its world here too.
/// TLS is not installed here: the bridge installs its provider, the copy a [`ReplayTls`]
/// ([`install_tls`]).
pub fn build_world(spec: &WorldSpec) -> Result<World, String> {
    let (mut world, _) = default_world(1);
    world.clock = WallClock {
        epoch_unix: spec.epoch_unix,
    };
    for (address, password) in &spec.users {
        add_user(&mut world, CORP_HOST, address, password)?;
    }
    if spec.catch_all {
        world.store.set_catch_all(Some(CORP_HOST));
    }
    if spec.empty {
        empty_every_mailbox(&mut world);
    }
    for rule in &spec.faults {
        world
            .add_fault(rule)
            .map_err(|e| format!("--fault {rule}: {e}"))?;
    }
    if spec.strict {
        let hosts: Vec<HostId> = world.host_infos().iter().map(|h| h.id).collect();
        for h in hosts {
            world.set_strict(h, true);
        }
    }
    let latency = Duration::from_millis(spec.latency_ms);
    for (from, to) in &spec.client_links {
        let (Some(a), Some(b)) = (world.net.host_by_name(from), world.net.host_by_name(to)) else {
            return Err(format!("no link {from} - {to}"));
        };
        world.net.set_link_latency(a, b, Some(latency));
    }
    Ok(world)
}

/// The TLS policy the bridge gives every host, if it runs TLS.
pub fn tls_policy(spec: &WorldSpec) -> Option<TlsPolicy> {
    match (spec.tls, spec.tls_required) {
        (false, _) => None,
        (true, false) => Some(TlsPolicy::OFFERED),
        (true, true) => Some(TlsPolicy::REQUIRED),
    }
}

/// Installs `provider` (the bridge's, or the copy's [`ReplayTls`]) with the policy the spec
/// says on every host; nothing when the spec has no TLS.
pub fn install_tls(world: &mut World, spec: &WorldSpec, provider: Box<dyn TlsProvider>) {
    let Some(policy) = tls_policy(spec) else {
        return;
    };
    world.install_tls(provider);
    let names: Vec<String> = world
        .host_infos()
        .iter()
        .map(|h| world.net.host_name(h.id).to_string())
        .collect();
    for name in names {
        world.set_tls_policy(&name, policy);
    }
}

/// Replays entries into a world: the bridge's connections are found by the ids the world
/// gave them here (equal from a start; not after a state, whose world numbers anew), and a
/// connection the copy could not open (an implicit-TLS port the page does not serve) is left
/// out with everything sent on it.
#[derive(Debug, Default)]
pub struct Replay {
    /// The bridge's connection id -> this world's.
    conns: SortedMap<u64, ConnId>,
    /// The bridge's TLS steps for this world's layers (a world with TLS).
    tls: Option<ReplayFeed>,
}

/// Most connections followed at once (the bridge serves at most 512 clients).
const MAX_FOLLOWED: usize = 4096;

impl Replay {
    /// Builds the world an entry starts ([`LiveEntry::Start`], [`LiveEntry::State`]), with
    /// the copy's TLS when the bridge runs TLS, and follows it from now on; none for the
    /// other entries.
    pub fn start(&mut self, entry: &LiveEntry) -> Option<Result<World, String>> {
        let (spec, snapshot, first_layer) = match entry {
            LiveEntry::Start { spec } => (spec, None, 0),
            LiveEntry::State {
                spec,
                snapshot,
                tls_next_layer,
            } => (spec, Some(snapshot), *tls_next_layer),
            _ => return None,
        };
        self.conns.clear();
        self.tls = None;
        let built = build_world(spec).and_then(|mut world| {
            if spec.tls {
                let feed = ReplayFeed::starting_at(first_layer);
                install_tls(&mut world, spec, Box::new(ReplayTls::new(feed.clone())));
                self.tls = Some(feed);
            }
            if let Some(snapshot) = snapshot {
                world.restore_json(snapshot)?;
            }
            Ok(world)
        });
        Some(built)
    }

    /// Gives one entry to `world`, as the bridge gave it to its own. An entry that does not
    /// fit (a host the world does not have, or one that starts a world) is an error.
    pub fn apply(&mut self, world: &mut World, entry: &LiveEntry) -> Result<(), String> {
        self.apply_entry(world, entry)?;
        match self.tls.as_ref().and_then(ReplayFeed::diverged) {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    fn apply_entry(&mut self, world: &mut World, entry: &LiveEntry) -> Result<(), String> {
        let conn = |id: &u64| self.conns.get(id).copied();
        match entry {
            LiveEntry::Start { .. } | LiveEntry::State { .. } => {
                return Err("a new world: build it with Replay::start".into())
            }
            LiveEntry::Changed => return Err("changed by the API: ask for its state".into()),
            LiveEntry::Clock { ms } => world.run_until(Instant::from_millis(*ms)),
            LiveEntry::Connect {
                from,
                host,
                port,
                conn: theirs,
            } => {
                let from_id = world
                    .net
                    .host_by_name(from)
                    .ok_or_else(|| format!("no host {from}"))?;
                let ours = world.connect(from_id, host, *port).ok();
                if let Some(e) = ours.and_then(|c| world.endpoint_mut(c)) {
                    // As the bridge sets it: the bridge bounds what it takes itself.
                    e.inbox_limit = usize::MAX;
                }
                if let (Some(theirs), Some(ours)) = (theirs, ours) {
                    if self.conns.len() < MAX_FOLLOWED {
                        self.conns.insert(*theirs, ours);
                    }
                }
            }
            LiveEntry::Send { conn: id, data } => {
                if let Some(c) = conn(id) {
                    world.send(c, data);
                }
            }
            LiveEntry::Take { conn: id } => {
                if let Some(c) = conn(id) {
                    world.take_received(c);
                }
            }
            LiveEntry::Close { conn: id } => {
                if let Some(c) = conn(id) {
                    world.close(c);
                }
            }
            LiveEntry::Forget { conn: id } => {
                if let Some(c) = self.conns.remove(id) {
                    world.forget(c);
                }
            }
            LiveEntry::Tls { step } => match &self.tls {
                Some(feed) => feed.push(step.clone()),
                None => return Err("a TLS step in a world without TLS".into()),
            },
        }
        Ok(())
    }
}

/// Adds an account; a domain not known yet becomes local to `host` and gets an MX record
/// pointing there. An existing account gets the new password.
pub fn add_user(
    world: &mut World,
    host: &str,
    address: &str,
    password: &str,
) -> Result<(), String> {
    let (local, domain) = address
        .rsplit_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty())
        .ok_or_else(|| format!("{address}: not a mail address"))?;
    if world.store.domain_host(domain).is_none() {
        world.store.add_domain(domain, host);
        world.net.dns.add_mx(domain, 10, host);
    }
    let result = if world.store.is_user(address) {
        world.store.set_password(address, password)
    } else {
        world.store.add_account(address, password, local)
    };
    result.map_err(|e| format!("{address}: {e}"))
}

/// Takes the sample messages out of every folder of every user.
fn empty_every_mailbox(world: &mut World) {
    let users: Vec<String> = world.store.accounts().map(|a| a.address.clone()).collect();
    for user in users {
        for name in world.store.folder_names(&user) {
            if let Some(folder) = world.store.folder_mut(&user, &name) {
                let uids: Vec<u32> = folder.messages().iter().map(|m| m.uid).collect();
                folder.expunge(&uids);
            }
        }
    }
}

pub(super) mod bytes_base64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(data))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::RECIPIENT_PC;

    fn store_json(w: &World) -> String {
        serde_json::to_string(&w.store).unwrap()
    }

    #[test]
    fn a_spec_builds_the_same_world_and_a_state_restores_it() {
        let spec = WorldSpec {
            epoch_unix: 1_800_000_000,
            users: vec![("carol@example.org".into(), "c".into())],
            catch_all: true,
            empty: true,
            client_links: vec![(RECIPIENT_PC.into(), CORP_HOST.into())],
            latency_ms: 30,
            ..WorldSpec::default()
        };
        let mut world = build_world(&spec).unwrap();
        assert_eq!(store_json(&world), store_json(&build_world(&spec).unwrap()));
        let entries = [
            LiveEntry::Connect {
                from: RECIPIENT_PC.into(),
                host: CORP_HOST.into(),
                port: 25,
                conn: Some(1),
            },
            LiveEntry::Clock { ms: 100 },
            LiveEntry::Send {
                conn: 1,
                data: b"HELO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<new@nowhere.example>\r\nDATA\r\nSubject: hi\r\n\r\nyo\r\n.\r\n".to_vec(),
            },
            LiveEntry::Clock { ms: 400 },
        ];
        let mut replay = Replay::default();
        for e in &entries {
            replay.apply(&mut world, e).unwrap();
        }
        // Caught all: the unknown address got an account and the message.
        assert_eq!(
            world
                .store
                .folder("new@nowhere.example", "INBOX")
                .unwrap()
                .len(),
            1
        );
        let state = LiveEntry::State {
            spec: spec.clone(),
            snapshot: world.snapshot_json(),
            tls_next_layer: 0,
        };
        let json = serde_json::to_string(&state).unwrap();
        let back: LiveEntry = serde_json::from_str(&json).unwrap();
        let restored = Replay::default().start(&back).unwrap().unwrap();
        assert_eq!(store_json(&restored), store_json(&world));
        assert_eq!(restored.now(), world.now());
    }

    #[test]
    fn connections_are_followed_by_the_bridges_ids_and_unknown_ones_left_out() {
        let mut world = build_world(&WorldSpec::default()).unwrap();
        let mut replay = Replay::default();
        // After a state the copy numbers connections anew: the bridge's 7 is our 1.
        let connect = LiveEntry::Connect {
            from: RECIPIENT_PC.into(),
            host: CORP_HOST.into(),
            port: 110,
            conn: Some(7),
        };
        replay.apply(&mut world, &connect).unwrap();
        for e in [
            LiveEntry::Clock { ms: 10 },
            LiveEntry::Send {
                conn: 7,
                data: b"USER boss\r\n".to_vec(),
            },
            // A connection the copy never opened: left out.
            LiveEntry::Send {
                conn: 8,
                data: b"QUIT\r\n".to_vec(),
            },
            LiveEntry::Clock { ms: 20 },
        ] {
            replay.apply(&mut world, &e).unwrap();
        }
        let text = world.transcript_text(ConnId(1), true);
        assert!(text.contains("USER boss"), "{text}");
        assert!(!text.contains("QUIT"), "{text}");
    }

    #[test]
    fn an_entry_that_does_not_fit_is_an_error() {
        let mut world = build_world(&WorldSpec::default()).unwrap();
        let mut replay = Replay::default();
        let no_host = LiveEntry::Connect {
            from: "nowhere.example".into(),
            host: CORP_HOST.into(),
            port: 25,
            conn: None,
        };
        assert!(replay.apply(&mut world, &no_host).is_err());
        assert!(replay.apply(&mut world, &LiveEntry::Changed).is_err());
        assert!(replay.start(&LiveEntry::Take { conn: 1 }).is_none());
    }
}
