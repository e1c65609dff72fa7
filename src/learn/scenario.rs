//! Guided scenarios as data: a JSON file per scenario in `scenarios/` (compiled in by
//! `build.rs`, so a new scenario needs no Rust). Each step has text for the learner, actions
//! (open a terminal connection, type a line, wait, take a host down...) and expectations that
//! a test (or the page) checks. Every scenario starts from a fresh default world, so it leaves
//! the world in a known state, and "Back" is a replay of the steps before (the world is
//! deterministic).

use crate::net::ConnId;
use crate::ordered::SortedMap;
use crate::sandbox::{default_world, DefaultWorld, Speaker, TranscriptLine, World};
use crate::time::{Duration, Instant};
use crate::wire::assemble::LineAssembler;

pub use super::format::scenario::{Action, Expect, Scenario, Step};

/// The scenarios shipped in `scenarios/`, in file-name order, as compiled in
/// ([`crate::learn::library`]: the page fetches them instead). `build.rs` read them at build
/// time; a file that did not parse is left out (a test checks that every file parses and reads
/// back the same: [`parse`]).
pub fn builtin() -> Vec<Scenario> {
    crate::learn::library::Library::builtin().scenarios
}

/// The texts of the scenario files, in file-name order (for the tests that read them).
pub const FILES: &[&str] = &include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// Parses a scenario file (for the tests that check every file parses).
pub fn parse(text: &str) -> Result<Scenario, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// One terminal of a running scenario.
#[derive(Debug, Clone, Default)]
pub struct Term {
    pub conn: Option<ConnId>,
    /// The port it connected to.
    pub port: u16,
    /// The host it connected to.
    pub target: String,
    /// Everything shown so far, line by line.
    pub output: Vec<TranscriptLine>,
    /// The server's reply lines, reassembled across reads.
    received: LineAssembler,
    /// Received during the current step.
    step_output: String,
    /// Bytes typed so far (where the next typed line starts in the client's stream).
    sent: u64,
}

impl Term {
    fn note(&mut self, at: Instant, text: String) {
        let line = TranscriptLine::new(at, self.conn, Speaker::Net, text.into_bytes());
        self.output.push(line);
    }

    /// Bytes the server sent, as they arrived: a reply split over two reads is one line.
    fn receive(&mut self, at: Instant, bytes: &[u8]) {
        let (conn, output) = (self.conn, &mut self.output);
        self.received.push(bytes, |l| {
            output.push(TranscriptLine::new(at, conn, Speaker::Server, l.bytes).at_offset(l.start));
        });
        self.step_output.push_str(&String::from_utf8_lossy(bytes));
    }
}

/// A scenario being played. The world it plays on is the caller's (the page's sandbox world,
/// or a test's), passed to every step; [`Run::fresh_world`] is where every run starts.
pub struct Run {
    pub scenario: Scenario,
    pub terms: SortedMap<String, Term>,
    /// Steps done so far.
    pub done: usize,
}

/// What a step is about: its terminals (by name) and hosts (by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepFocus {
    pub terms: Vec<String>,
    pub hosts: Vec<String>,
}

/// How long a step lets the network carry bytes after each typed line.
const SETTLE: Duration = Duration::from_millis(300);

impl Run {
    pub fn new(scenario: Scenario) -> Run {
        Run {
            scenario,
            terms: SortedMap::new(),
            done: 0,
        }
    }

    /// The world every run starts from: the default world with seed 1, so steps replay the
    /// same way (Back, share links).
    pub fn fresh_world() -> World {
        Run::fresh_world_and_hosts().0
    }

    /// [`Run::fresh_world`] with its hosts' ids, for a page that shows it.
    pub fn fresh_world_and_hosts() -> (World, DefaultWorld) {
        default_world(1)
    }

    /// The world this run starts from: [`Run::fresh_world`], with the backup MX when the
    /// scenario asks for it.
    pub fn start_world(&self) -> World {
        let mut world = Run::fresh_world();
        if self.scenario.backup_mx {
            crate::sandbox::add_backup_mx(&mut world);
        }
        // Native only: in the page the TLS code is the module loaded apart (`ui::tls_module`),
        // which installs the page's provider itself; linking this one would carry rustls.
        #[cfg(all(feature = "tls", not(target_arch = "wasm32")))]
        if self.scenario.tls {
            if let Ok(provider) = crate::tls::SandboxTls::seeded(1) {
                world.install_tls(Box::new(provider));
            }
        }
        world
    }

    pub fn is_finished(&self) -> bool {
        self.done >= self.scenario.steps.len()
    }

    fn settle(&mut self, world: &mut World, d: Duration) {
        let t = world.now() + d;
        world.run_until(t);
        self.collect(world);
    }

    /// Takes what the terminals' connections received (the page calls it as time runs too).
    pub fn collect(&mut self, world: &mut World) {
        let now = world.now();
        for term in self.terms.values_mut() {
            if let Some(conn) = term.conn {
                let got = world.take_received(conn);
                if !got.is_empty() {
                    term.receive(now, &got);
                }
            }
        }
    }

    fn host(world: &World, name: &str) -> Result<crate::net::HostId, String> {
        world
            .net
            .host_by_name(name)
            .ok_or_else(|| format!("no host {name}"))
    }

    fn act(&mut self, world: &mut World, action: &Action) -> Result<(), String> {
        match action {
            Action::Open {
                term,
                from,
                to,
                port,
            } => {
                let from = Self::host(world, from)?;
                let now = world.now();
                let t = self.terms.entry(term.clone()).or_default();
                t.port = *port;
                t.target = to.clone();
                t.note(now, format!("connect {to} {port}"));
                match world.connect(from, to, *port) {
                    Ok(c) => {
                        world.set_follows_tls(c, true);
                        t.conn = Some(c);
                    }
                    Err(e) => {
                        t.note(now, e.to_string());
                        t.step_output.push_str(&e.to_string());
                    }
                }
                self.settle(world, SETTLE);
            }
            Action::Type { term, line } => {
                let t = self
                    .terms
                    .get_mut(term)
                    .ok_or_else(|| format!("no terminal {term}"))?;
                let typed = TranscriptLine::new(
                    world.now(),
                    t.conn,
                    Speaker::Client,
                    line.as_bytes().to_vec(),
                )
                .at_offset(t.sent);
                t.output.push(typed);
                t.sent += line.len() as u64 + 2;
                let conn = t
                    .conn
                    .ok_or_else(|| format!("terminal {term} is not connected"))?;
                world.send(conn, format!("{line}\r\n").as_bytes());
                self.settle(world, SETTLE);
            }
            Action::Close { term } => {
                if let Some(c) = self.terms.get(term).and_then(|t| t.conn) {
                    world.close(c);
                }
                self.settle(world, SETTLE);
            }
            Action::Wait { ms } => self.settle(world, Duration::from_millis(*ms)),
            Action::HostDown { host } => {
                let h = Self::host(world, host)?;
                world.set_host_up(h, false);
            }
            Action::HostUp { host } => {
                let h = Self::host(world, host)?;
                world.set_host_up(h, true);
            }
            Action::CutLink { a, b } | Action::RestoreLink { a, b } => {
                let (a, b) = (Self::host(world, a)?, Self::host(world, b)?);
                let cut = matches!(action, Action::CutLink { .. });
                let now = world.now();
                world.net.set_link_cut(now, a, b, cut);
            }
            Action::Fault(rule) => {
                world
                    .add_fault(rule)
                    .map_err(|e| format!("fault rule {rule:?}: {e}"))?;
            }
            Action::RemoveFault { rule } => {
                world
                    .remove_fault(*rule)
                    .ok_or_else(|| format!("no fault rule {rule}"))?;
            }
            Action::ClearFaults {} => world.clear_faults(),
            Action::Strict { host, strict } => {
                let h = Self::host(world, host)?;
                world.set_strict(h, *strict);
            }
        }
        Ok(())
    }

    fn check(&self, world: &World, e: &Expect) -> Result<(), String> {
        match e {
            Expect::Output { term, contains } => {
                let got = self
                    .terms
                    .get(term)
                    .map(|t| t.step_output.as_str())
                    .unwrap_or("");
                if got.contains(contains.as_str()) {
                    Ok(())
                } else {
                    Err(format!(
                        "terminal {term} did not show {contains:?}; it showed {got:?}"
                    ))
                }
            }
            Expect::Mailbox {
                user,
                folder,
                count,
            } => {
                let n = world
                    .store
                    .folder(user, folder)
                    .map(|f| f.len())
                    .unwrap_or(0);
                (n == *count)
                    .then_some(())
                    .ok_or_else(|| format!("{user} {folder} holds {n} messages, expected {count}"))
            }
            Expect::Queue { count } => {
                let n = world.queue.len();
                (n == *count)
                    .then_some(())
                    .ok_or_else(|| format!("the queue holds {n} messages, expected {count}"))
            }
            Expect::State { term, state } => {
                let got = self
                    .terms
                    .get(term)
                    .and_then(|t| t.conn)
                    .and_then(|c| world.session_state(c))
                    .map_or("", |s| s.label());
                (got == state).then_some(()).ok_or_else(|| {
                    format!("terminal {term} is in state {got:?}, expected {state:?}")
                })
            }
            Expect::FaultReply { term, rule } => {
                let conn = self.terms.get(term).and_then(|t| t.conn);
                let marked = conn.is_some_and(|c| {
                    world
                        .gate_marks(c)
                        .iter()
                        .any(|m| m.fault_rule() == Some(*rule))
                });
                marked
                    .then_some(())
                    .ok_or_else(|| format!("terminal {term} got no reply from fault rule {rule}"))
            }
            Expect::MessageLine { user, folder, line } => {
                let newest = world
                    .store
                    .folder(user, folder)
                    .and_then(|f| f.messages().last().map(|m| m.raw.clone()));
                let text = newest.map(|raw| String::from_utf8_lossy(&raw).into_owned());
                let found = text
                    .as_deref()
                    .is_some_and(|t| t.split("\r\n").any(|l| l == line));
                found.then_some(()).ok_or_else(|| {
                    format!("the newest message in {user} {folder} has no line {line:?}")
                })
            }
            Expect::Tls { term } => {
                let conn = self.terms.get(term).and_then(|t| t.conn);
                conn.and_then(|c| world.endpoint_tls(c))
                    .is_some_and(|t| t.is_secured())
                    .then_some(())
                    .ok_or_else(|| format!("terminal {term} does not type through TLS"))
            }
            Expect::Wire {
                term,
                contains,
                seen,
            } => {
                let wire = self.wire_of(world, term);
                let needle = contains.as_bytes();
                let found = !needle.is_empty() && wire.windows(needle.len()).any(|w| w == needle);
                (found == *seen).then_some(()).ok_or_else(|| match seen {
                    true => {
                        format!("the link of terminal {term} never carried {contains:?} in clear")
                    }
                    false => format!("the link of terminal {term} carried {contains:?} in clear"),
                })
            }
        }
    }

    /// The bytes of `term`'s connection as they crossed the link, both ways.
    fn wire_of(&self, world: &World, term: &str) -> Vec<u8> {
        let Some(conn) = self.terms.get(term).and_then(|t| t.conn) else {
            return Vec::new();
        };
        world
            .net
            .trace
            .of(conn)
            .filter_map(|e| match &e.kind {
                crate::net::TraceKind::Data(bytes) => Some(bytes.as_slice()),
                _ => None,
            })
            .flatten()
            .copied()
            .collect()
    }

    /// Plays the next step; returns the expectations that failed (empty: all good).
    pub fn next_step(&mut self, world: &mut World) -> Vec<String> {
        let Some(step) = self.scenario.steps.get(self.done).cloned() else {
            return Vec::new();
        };
        for t in self.terms.values_mut() {
            t.step_output.clear();
        }
        let mut failures = Vec::new();
        for a in &step.actions {
            if let Err(e) = self.act(world, a) {
                failures.push(e);
            }
        }
        self.settle(world, Duration::from_millis(50));
        failures.extend(
            step.expect
                .iter()
                .filter_map(|e| self.check(world, e).err()),
        );
        self.done += 1;
        failures
    }

    /// Goes back one step by replaying the scenario from the start on a fresh world.
    pub fn back(&mut self, world: &mut World) {
        self.replay_to(world, self.done.saturating_sub(1));
    }

    /// Starts again on a fresh world and plays the first `steps` steps.
    pub fn replay_to(&mut self, world: &mut World, steps: usize) {
        *world = self.start_world();
        self.replay_on(world, steps);
    }

    /// Starts again on `world`, a fresh [`Run::start_world`] the caller prepared (the page
    /// gives a TLS tour's world its TLS), and plays the first `steps` steps.
    pub fn replay_on(&mut self, world: &mut World, steps: usize) {
        *self = Run::new(self.scenario.clone());
        while self.done < steps && !self.is_finished() {
            self.next_step(world);
        }
    }

    /// The terminals the step about to be shown (`done - 1`) acted on, and the hosts they
    /// join: what the tour points at.
    pub fn focus(&self) -> StepFocus {
        let mut focus = StepFocus::default();
        let Some(step) = self
            .done
            .checked_sub(1)
            .and_then(|i| self.scenario.steps.get(i))
        else {
            return focus;
        };
        for a in &step.actions {
            match a {
                Action::Open { term, from, to, .. } => {
                    focus.terms.push(term.clone());
                    focus.hosts.push(from.clone());
                    focus.hosts.push(to.clone());
                }
                Action::Type { term, .. } | Action::Close { term } => {
                    focus.terms.push(term.clone());
                    if let Some(t) = self.terms.get(term) {
                        focus.hosts.push(t.target.clone());
                    }
                }
                Action::HostDown { host } | Action::HostUp { host } => {
                    focus.hosts.push(host.clone())
                }
                Action::CutLink { a, b } | Action::RestoreLink { a, b } => {
                    focus.hosts.push(a.clone());
                    focus.hosts.push(b.clone());
                }
                Action::Fault(rule) => {
                    if let Some((host, _)) = crate::fault::parse_rule(rule)
                        .ok()
                        .as_ref()
                        .and_then(crate::fault::FaultRule::server)
                    {
                        focus.hosts.push(host.to_string());
                    }
                }
                Action::Strict { host, .. } => focus.hosts.push(host.clone()),
                Action::Wait { .. } | Action::RemoveFault { .. } | Action::ClearFaults {} => {}
            }
        }
        focus.terms.dedup();
        focus.hosts.dedup();
        focus
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_values_build_rs_wrote_are_the_files_as_read_at_run_time() {
        let read: Vec<Scenario> = FILES
            .iter()
            .map(|text| parse(text).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(builtin(), read);
        assert!(read.iter().any(|s| s
            .steps
            .iter()
            .any(|st| st.actions.iter().any(|a| matches!(a, Action::Fault(_))))));
    }

    #[test]
    fn every_builtin_scenario_plays_to_its_end_with_every_expectation_met() {
        let all = builtin();
        assert!(all.len() >= 4, "scenarios/ holds at least four scenarios");
        for s in all {
            let id = s.id.clone();
            let mut run = Run::new(s);
            let mut world = run.start_world();
            while !run.is_finished() {
                let step = run.done;
                let failures = run.next_step(&mut world);
                assert!(failures.is_empty(), "{id} step {step}: {failures:?}");
            }
        }
    }

    #[test]
    fn back_replays_to_the_same_world() {
        let s = builtin().into_iter().next().unwrap();
        let mut run = Run::new(s);
        let mut world = Run::fresh_world();
        run.next_step(&mut world);
        run.next_step(&mut world);
        let after_one = {
            let mut r = Run::new(run.scenario.clone());
            let mut w = Run::fresh_world();
            r.next_step(&mut w);
            w.snapshot_json()
        };
        run.back(&mut world);
        assert_eq!(run.done, 1);
        assert_eq!(world.snapshot_json(), after_one);
    }

    /// Regression: a reply that arrived in two reads was shown as two lines.
    #[test]
    fn a_reply_split_over_two_reads_is_one_line() {
        let mut term = Term::default();
        term.receive(Instant::ZERO, b"+OK POP3 ser");
        term.receive(Instant::ZERO, b"ver ready\r\n+OK");
        term.receive(Instant::ZERO, b" bye\r\n");
        let lines: Vec<String> = term.output.iter().map(|l| l.text().into()).collect();
        assert_eq!(lines, ["+OK POP3 server ready", "+OK bye"]);
        assert!(term.output.iter().all(|l| l.speaker == Speaker::Server));
        assert!(term
            .step_output
            .contains("+OK POP3 server ready\r\n+OK bye"));
    }

    /// The envelope tour's dot-stuffed line: doubled on the wire, stored once.
    #[test]
    fn a_dot_stuffed_line_is_stored_with_one_dot() {
        let s = parse(
            r#"{"id":"x","title":"x","steps":[{"text":"t","actions":[
            {"open":{"term":"t","from":"pc.home.example","to":"mx.corp.example","port":25}},
            {"type":{"term":"t","line":"EHLO pc.home.example"}},
            {"type":{"term":"t","line":"MAIL FROM:<smith@isp.example>"}},
            {"type":{"term":"t","line":"RCPT TO:<alice@corp.example>"}},
            {"type":{"term":"t","line":"DATA"}},
            {"type":{"term":"t","line":"Subject: dots"}},
            {"type":{"term":"t","line":""}},
            {"type":{"term":"t","line":"..5% above plan."}},
            {"type":{"term":"t","line":"."}}],
            "expect":[
            {"message_line":{"user":"alice@corp.example","folder":"INBOX","line":".5% above plan."}},
            {"message_line":{"user":"alice@corp.example","folder":"INBOX","line":"..5% above plan."}}
            ]}]}"#,
        )
        .unwrap();
        let mut run = Run::new(s);
        assert_eq!(
            run.next_step(&mut Run::fresh_world()),
            vec![
                "the newest message in alice@corp.example INBOX has no line \"..5% above plan.\""
                    .to_string()
            ]
        );
    }

    #[test]
    fn a_failed_expectation_is_reported() {
        let s = parse(
            r#"{"id":"x","title":"x","steps":[{"text":"t","expect":[{"queue":{"count":3}}]}]}"#,
        )
        .unwrap();
        let mut run = Run::new(s);
        assert_eq!(
            run.next_step(&mut Run::fresh_world()),
            vec!["the queue holds 0 messages, expected 3".to_string()]
        );
    }
}
