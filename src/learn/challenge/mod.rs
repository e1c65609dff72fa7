//! Challenges that check themselves (issue 19): a task done with the terminals and mail clients
//! of the normal sandbox, checked from the world's real state (the store, the queues) and from
//! what was observed on the wire (each connection's commands and the server's answers, the
//! world's events), never from text typed into an answer box.
//!
//! Challenges are data: one JSON file per challenge in `challenges/`, read by `build.rs`,
//! so a new one needs no Rust (see [`data`] for the format and the check vocabulary). The page
//! starts one on [`Challenge::fresh_world`], makes a [`Watch`], feeds it every poll of the
//! journey, and shows [`Watch::status`].

mod check;
pub mod data;
mod watch;

pub use data::{
    parse, Challenge, Check, EventKind, EventMatch, Goal, Link, MessageMatch, ParseError,
    ReplyClass, WorldChanges,
};
pub use watch::{Conversation, Exchange, Observed, Protocol};

use crate::learn::format::challenge::PriorSession;
use crate::net::ConnId;
use crate::sandbox::journey::Hop;
use crate::sandbox::{default_world, DefaultWorld, TlsPolicy, World};
use crate::store::Flags;

/// The challenge files, in file-name order (the order of the list).
pub const FILES: &[&str] = &include!(concat!(env!("OUT_DIR"), "/challenges.rs"));

/// Every challenge shipped in `challenges/`, in order, as compiled in
/// ([`crate::learn::library`]: the page fetches them instead). A file that does not parse is
/// left out (a test checks they all parse: [`parse_all`]); only the checks that need the default
/// world (hosts, users, fault rules) run, as when the files were read here.
pub fn builtin() -> Vec<Challenge> {
    crate::learn::library::Library::builtin().challenges
}

/// Parses every shipped file: the first error, or all of them (with unique ids).
pub fn parse_all() -> Result<Vec<Challenge>, ParseError> {
    let mut all: Vec<Challenge> = Vec::new();
    for text in FILES {
        let c = parse(text)?;
        if all.iter().any(|o| o.id == c.id) {
            return Err(ParseError::DuplicateId(c.id));
        }
        all.push(c);
    }
    Ok(all)
}

/// The challenge with this id (`?challenge=<id>`).
pub fn find(id: &str) -> Option<Challenge> {
    builtin().into_iter().find(|c| c.id == id)
}

impl Challenge {
    /// The world the challenge starts from: the default world (seed 1) with its changes.
    pub fn fresh_world(&self) -> (World, DefaultWorld) {
        let (mut world, hosts) = default_world(1);
        let changes = &self.world;
        for m in &changes.messages {
            let mut flags = Flags::new();
            for f in &m.flags {
                flags.insert(f.flag());
            }
            let mut raw = m.lines.join("\r\n");
            raw.push_str("\r\n");
            let date = world.clock.unix(world.now());
            // Users were checked when the file was parsed; a folder may be new.
            let _ = world.store.create_folder(&m.user, &m.folder);
            let _ = world
                .store
                .deliver(&m.user, &m.folder, raw.into_bytes(), flags, date);
        }
        for rule in &changes.faults {
            // Rules were checked when the file was parsed.
            let _ = world.add_fault(rule);
        }
        for name in &changes.strict {
            if let Some(h) = world.net.host_by_name(name) {
                world.set_strict(h, true);
            }
        }
        if changes.backup_mx {
            crate::sandbox::add_backup_mx(&mut world);
        }
        // Native only: in the page the TLS code is the module loaded apart (`ui::tls_module`),
        // which installs the page's provider itself; linking this one would carry rustls.
        #[cfg(all(feature = "tls", not(target_arch = "wasm32")))]
        if changes.tls {
            if let Ok(provider) = crate::tls::SandboxTls::seeded(1) {
                world.install_tls(Box::new(provider));
            }
        }
        for (names, policy) in [
            (&changes.tls_required, TlsPolicy::REQUIRED),
            (&changes.tls_off, TlsPolicy::OFF),
        ] {
            for name in names {
                world.set_tls_policy(name, policy);
            }
        }
        for p in &changes.passwords {
            // Users were checked when the file was parsed.
            let _ = world.store.set_password(&p.user, &p.password);
        }
        for s in &changes.sessions_before {
            play_session_before(&mut world, s);
        }
        for name in &changes.hosts_down {
            if let Some(h) = world.net.host_by_name(name) {
                world.set_host_up(h, false);
            }
        }
        (world, hosts)
    }
}

/// Someone else's session, typed line by line before the challenge starts, then closed.
fn play_session_before(world: &mut World, s: &PriorSession) {
    let Some(from) = world.net.host_by_name(&s.from) else {
        return;
    };
    let Ok(conn) = world.connect(from, &s.to, s.port) else {
        return;
    };
    let settle = |world: &mut World| {
        let t = world.now() + crate::time::Duration::from_millis(500);
        world.run_until(t);
        world.take_received(conn);
    };
    settle(world);
    for line in &s.lines {
        world.send(conn, format!("{line}\r\n").as_bytes());
        settle(world);
    }
    world.close(conn);
    settle(world);
    world.forget(conn);
}

/// Where a challenge stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Solved,
    /// What is still missing, one sentence per unmet check, in the goal's order.
    Missing(Vec<String>),
}

impl Status {
    pub fn is_solved(&self) -> bool {
        matches!(self, Status::Solved)
    }
}

/// What has been observed since a challenge started, and its goal.
#[derive(Debug)]
pub struct Watch {
    goal: Vec<check::Target>,
    seen: Observed,
}

impl Watch {
    /// Starts watching `world` now: what happened before does not count.
    pub fn new(challenge: &Challenge, world: &World) -> Watch {
        Watch {
            goal: challenge.goal.iter().map(check::Target::new).collect(),
            seen: Observed::new(world),
        }
    }

    /// Call after every `Journey::poll`, with the hops it returned (all of them, none skipped:
    /// the world's events reach the watch only this way). The connections' bytes are read off
    /// the world's trace since the last call.
    pub fn observe(&mut self, world: &World, hops: &[Hop]) {
        self.seen.observe(world, hops);
    }

    /// Says that `conn` is the page's mail client's (`Task::conn`), so that checks asking for
    /// a session typed in a terminal (`"typed": true`) do not count it. Call it when the task
    /// starts; a connection never marked counts as typed when it comes from a PC.
    pub fn mark_mail_client(&mut self, conn: ConnId) {
        self.seen.mark_mail_client(conn);
    }

    /// Solved, or what is missing.
    pub fn status(&self, world: &World) -> Status {
        let missing: Vec<String> = self
            .goal
            .iter()
            .filter_map(|g| check::evaluate(g, world, &self.seen).err())
            .collect();
        if missing.is_empty() {
            Status::Solved
        } else {
            Status::Missing(missing)
        }
    }

    /// What was observed (for tests and for a page that wants to show it).
    pub fn observed(&self) -> &Observed {
        &self.seen
    }
}

#[cfg(test)]
mod tests;
