//! The native TCP bridge: real sockets on one side, the virtual world on the other.
//!
//! Each real listener stands for one virtual service (host and port). A real client that
//! connects gets a virtual connection from a virtual PC to that service; the bridge then only
//! moves bytes both ways and moves the virtual clock along with real time. Real clients sit
//! right next to the host they reach (no delay on that link unless `--latency` asks for one),
//! while the links between virtual hosts keep theirs, so relaying still takes visible time.
//!
//! Event driven, on one thread: the loop waits (with `mio`) until a socket is ready, the
//! world's next deadline comes, or the HTTP API has a request, then takes one turn: read
//! what clients sent into the world, accept new clients, answer API requests, advance the
//! world to the real time elapsed, collect each client's answers, write them, reap finished
//! clients. A turn that had to stop short (a budget ran out) is followed at once by another.
//!
//! No client can hold up the others: reads and writes are bounded per client and per turn;
//! a client's unanswered input is bounded (the world's flow control holds input whose
//! answers are not taken); a client whose answers pile up unread is paused, and dropped past
//! [`MAX_PENDING`]. Socket errors end that client only.

mod api;
mod client;
mod http;
mod import;
mod live;
mod mailpit;
mod options;
mod page;
mod setup;
mod transcript;

pub use client::MAX_PENDING;
pub use options::{Command, Options, USAGE};
pub use setup::ListenerInfo;

use crate::net::ConnId;
use crate::sandbox::live::LiveEntry;
use crate::sandbox::World;
use crate::time::Instant;
use client::{Client, Ending, Lifecycle};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token, Waker};
use setup::Route;
use std::collections::BTreeMap;
use std::io::{self, ErrorKind, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant as StdInstant};
use transcript::Transcript;

/// Most bytes read from all clients together per turn.
const TURN_READ_BUDGET: usize = 1024 * 1024;
/// Most clients at once; more are accepted and closed at once.
const MAX_CLIENTS: usize = 512;
/// Most new connections taken from one listener per turn.
const ACCEPTS_PER_TURN: usize = 32;
/// The token of the waker (API requests, stop); listeners' tokens are their index, clients'
/// start at [`FIRST_CLIENT`] and are never reused.
const WAKER: Token = Token(usize::MAX);
const FIRST_CLIENT: usize = 1 << 16;

struct Listener {
    info: ListenerInfo,
    route: Route,
    socket: TcpListener,
    /// A connection may be waiting (edge-triggered: cleared on WouldBlock).
    ready: bool,
}

/// The bridge: the world, the listeners, the clients and the optional HTTP API.
pub struct Bridge {
    opts: Options,
    world: World,
    /// Real time at virtual time zero.
    started: StdInstant,
    poll: Poll,
    waker: Arc<Waker>,
    stop: Arc<AtomicBool>,
    listeners: Vec<Listener>,
    clients: BTreeMap<usize, Client>,
    next_token: usize,
    http: Option<http::HttpApi>,
    transcript: Option<Transcript>,
    /// Transcript lines not yet printed.
    lines: Vec<String>,
    /// Counters of clients already reaped (see [`Bridge::stats`]).
    stats: Stats,
    /// The Mailpit-compatible API's own state (its chaos settings).
    mailpit: mailpit::MailpitState,
    /// Every input given to the world, for the live page (kept with `--http` only).
    live: live::LiveLog,
    /// Log readers held until the log grows (long poll), with the end of their hold.
    live_waiting: Vec<(http::PendingCall, StdInstant)>,
}

/// What the bridge has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub accepted: u64,
    /// Real connections closed because the virtual connect failed.
    pub refused: u64,
    /// Clients dropped for not reading their output (past [`MAX_PENDING`], or for a minute
    /// after the virtual end closed).
    pub dropped_slow: u64,
    /// Times a client's reading was paused because its answers piled up unread.
    pub paused: u64,
    /// Most output ever waiting for one client.
    pub peak_unsent: usize,
    /// Turns of the loop (each after a wait, or at once after a turn cut short by a budget).
    pub turns: u64,
}

/// Stops a running bridge from another thread.
#[derive(Clone)]
pub struct StopHandle {
    flag: Arc<AtomicBool>,
    waker: Arc<Waker>,
}

impl StopHandle {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::Relaxed);
        let _ = self.waker.wake();
    }
}

impl Bridge {
    /// Builds the world (clock at the real time, extra users added) and binds the listeners
    /// (and the HTTP API's, with `--http`).
    pub fn new(opts: &Options) -> io::Result<Bridge> {
        let invalid = |e: String| io::Error::new(ErrorKind::InvalidInput, e);
        let setup::BuiltWorld {
            world,
            routes,
            spec,
            tap,
        } = setup::build_world(opts).map_err(invalid)?;
        if let Some(path) = &opts.ca_out {
            setup::write_ca(path).map_err(|e| {
                io::Error::new(e.kind(), format!("--ca-out {}: {e}", path.display()))
            })?;
        }
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER)?);
        let mut listeners = Vec::new();
        for (i, route) in routes.into_iter().enumerate() {
            let name = route.name();
            let addr = SocketAddr::new(opts.bind, route.real_port);
            let mut socket = TcpListener::bind(addr)
                .map_err(|e| io::Error::new(e.kind(), format!("{name} on {addr}: {e}")))?;
            poll.registry()
                .register(&mut socket, Token(i), Interest::READABLE)?;
            listeners.push(Listener {
                info: ListenerInfo {
                    service: name,
                    virtual_host: world.net.host_name(route.target).to_string(),
                    virtual_port: route.port,
                    addr: socket.local_addr()?,
                },
                route,
                socket,
                ready: true,
            });
        }
        let http = match opts.http_port {
            Some(port) => Some(http::HttpApi::start(
                SocketAddr::new(opts.bind, port),
                page::PageSource::choose(opts.page_dir.as_deref()),
                waker.clone(),
            )?),
            None => None,
        };
        let transcript = opts.trace.then(|| Transcript::new(&world));
        Ok(Bridge {
            opts: opts.clone(),
            world,
            started: StdInstant::now(),
            poll,
            waker,
            stop: Arc::new(AtomicBool::new(false)),
            listeners,
            clients: BTreeMap::new(),
            next_token: FIRST_CLIENT,
            http,
            transcript,
            lines: Vec::new(),
            stats: Stats::default(),
            mailpit: mailpit::MailpitState::default(),
            live: live::LiveLog::new(spec, tap, opts.http_port.is_some()),
            live_waiting: Vec::new(),
        })
    }

    /// The listeners: the mailbox host's smtp, submission, pop3, imap, then (with
    /// `--all-hosts`) the other services, host by host.
    pub fn listeners(&self) -> impl Iterator<Item = &ListenerInfo> {
        self.listeners.iter().map(|l| &l.info)
    }

    /// The HTTP API's address, with `--http`.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(|h| h.addr)
    }

    /// With `--http`, where the page's files come from (`PAGE built into this binary ...` or
    /// `PAGE from <folder>`), for the operator (the binary prints it to stderr).
    pub fn page_line(&self) -> Option<String> {
        self.http.as_ref().map(|h| h.page.describe())
    }

    /// The lines printed at start: one `LISTEN` line per listener (and `LISTEN http api
    /// <addr>` with `--http`), then `READY`.
    pub fn start_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.listeners().map(ListenerInfo::listen_line).collect();
        if let Some(addr) = self.http_addr() {
            lines.push(format!("LISTEN http api {addr}"));
        }
        lines.push("READY".into());
        lines
    }

    /// What the bridge has done so far, clients still connected included.
    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        for c in self.clients.values() {
            s.paused += c.pauses;
            s.peak_unsent = s.peak_unsent.max(c.peak_unsent);
        }
        s
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// A handle that stops [`Bridge::run`] from another thread.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            flag: self.stop.clone(),
            waker: self.waker.clone(),
        }
    }

    /// Serves until stopped (see [`Bridge::stop_handle`]), writing transcript lines (with
    /// `--trace`) to `out`.
    pub fn run(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        while !self.stop.load(Ordering::Relaxed) {
            let timeout = self.wait_timeout();
            match self.poll.poll(&mut events, timeout) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for ev in events.iter() {
                self.note_readiness(ev);
            }
            self.turn(out);
        }
        Ok(())
    }

    fn note_readiness(&mut self, ev: &mio::event::Event) {
        let Token(t) = ev.token();
        if ev.token() == WAKER {
            return;
        }
        if let Some(l) = self.listeners.get_mut(t) {
            l.ready = true;
        } else if let Some(c) = self.clients.get_mut(&t) {
            // Errors and hang-ups show on the next read or write.
            c.readable |= ev.is_readable() || ev.is_read_closed() || ev.is_error();
            c.writable |= ev.is_writable() || ev.is_write_closed() || ev.is_error();
        }
    }

    /// How long the loop may wait: not at all when a turn was cut short, until the world's
    /// next deadline or a client's, or (nothing due) until a socket or the API wakes it.
    fn wait_timeout(&mut self) -> Option<StdDuration> {
        let world = &self.world;
        if self.listeners.iter().any(|l| l.ready)
            || self.clients.values_mut().any(|c| c.has_ready_work(world))
        {
            return Some(StdDuration::ZERO);
        }
        let started = self.started;
        let real = |t: Instant| started + StdDuration::from_millis(t.as_millis());
        let deadline = self
            .clients
            .values()
            .filter_map(|c| c.deadline(real))
            .chain(self.world.poll_timeout().map(real))
            .chain(self.live_waiting.iter().map(|(_, until)| *until))
            .min()?;
        Some(deadline.saturating_duration_since(StdInstant::now()))
    }

    /// One turn of the loop.
    pub fn turn(&mut self, out: &mut dyn Write) {
        self.stats.turns += 1;
        self.advance_clock();
        self.read();
        self.accept();
        self.serve_api();
        self.advance_clock();
        self.collect();
        self.flush();
        self.reap();
        self.answer_live_readers();
        self.print_transcript(out);
    }

    fn advance_clock(&mut self) {
        let ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.live
            .run_until(&mut self.world, Instant::from_millis(ms));
    }

    /// Reads what each client sent into the world, within the turn's budget. Clients already
    /// connected go before new ones are accepted, so a client that drops and reconnects at
    /// once is seen closing first (its POP3 lock is gone when it logs in again).
    fn read(&mut self) {
        let mut buf = vec![0u8; 16 * 1024];
        let mut budget = TURN_READ_BUDGET;
        // Start after the client that went first last turn, so the budget is shared fairly.
        let first = self.stats.turns as usize % self.clients.len().max(1);
        let tokens: Vec<usize> = self.clients.keys().copied().collect();
        let (later, earlier) = tokens.split_at(first.min(tokens.len()));
        for t in earlier.iter().chain(later) {
            if let Some(c) = self.clients.get_mut(t) {
                c.read(&mut self.world, &mut self.live, &mut buf, &mut budget);
            }
        }
    }

    fn accept(&mut self) {
        for li in 0..self.listeners.len() {
            for _ in 0..ACCEPTS_PER_TURN {
                let l = &mut self.listeners[li];
                let stream = match l.socket.accept() {
                    Ok((stream, _)) => stream,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        l.ready = false;
                        break;
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    // Out of descriptors, an aborted handshake: try again next turn.
                    Err(_) => break,
                };
                let route = l.route;
                self.stats.accepted += 1;
                if self.clients.len() >= MAX_CLIENTS {
                    let _ = stream.shutdown(Shutdown::Both);
                    continue;
                }
                self.add_client(stream, route);
            }
        }
    }

    fn add_client(&mut self, mut stream: mio::net::TcpStream, route: Route) {
        let _ = stream.set_nodelay(true);
        let host = self.world.net.host_name(route.target).to_string();
        let connected = self.world.connect(route.from, &host, route.port);
        let from = self.world.net.host_name(route.from).to_string();
        self.live.record(
            &self.world,
            LiveEntry::Connect {
                from,
                host,
                port: route.port,
                conn: connected.as_ref().ok().map(|c| c.0),
            },
        );
        let conn = match connected {
            Ok(conn) => conn,
            Err(_) => {
                // Refused (the service is not there), host down...: the real client sees its
                // connection closed.
                self.stats.refused += 1;
                let _ = stream.shutdown(Shutdown::Both);
                return;
            }
        };
        // The bridge takes what arrives after every step and bounds it itself; the endpoint
        // must not cut a large answer.
        if let Some(e) = self.world.endpoint_mut(conn) {
            e.inbox_limit = usize::MAX;
        }
        let token = self.next_token;
        self.next_token += 1;
        let interest = Interest::READABLE | Interest::WRITABLE;
        if self
            .poll
            .registry()
            .register(&mut stream, Token(token), interest)
            .is_err()
        {
            self.close_and_forget(conn);
            return;
        }
        let one_way =
            self.world.net.link_latency(route.from, route.target) + self.world.net.faults.jitter;
        self.clients
            .insert(token, Client::new(stream, conn, one_way.saturating_mul(2)));
    }

    fn close_and_forget(&mut self, conn: ConnId) {
        self.world.close(conn);
        self.live
            .record(&self.world, LiveEntry::Close { conn: conn.0 });
        self.world.forget(conn);
        self.live
            .record(&self.world, LiveEntry::Forget { conn: conn.0 });
    }

    fn collect(&mut self) {
        let now = StdInstant::now();
        for c in self.clients.values_mut() {
            c.collect(&mut self.world, &mut self.live, now);
        }
    }

    fn flush(&mut self) {
        let now = StdInstant::now();
        for c in self.clients.values_mut() {
            c.flush(now);
        }
    }

    /// Removes finished clients: both ends closed, counted.
    fn reap(&mut self) {
        let finished: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| matches!(c.state, Lifecycle::Finished(_)))
            .map(|(t, _)| *t)
            .collect();
        for t in finished {
            let Some(mut c) = self.clients.remove(&t) else {
                continue;
            };
            self.stats.paused += c.pauses;
            self.stats.peak_unsent = self.stats.peak_unsent.max(c.peak_unsent);
            if c.state == Lifecycle::Finished(Ending::TooSlow) {
                self.stats.dropped_slow += 1;
            }
            self.close_and_forget(c.conn);
            let _ = self.poll.registry().deregister(&mut c.stream);
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }

    /// Drops every client without touching the world (which is being replaced).
    fn drop_all_clients(&mut self) {
        for (_, mut c) in std::mem::take(&mut self.clients) {
            let _ = self.poll.registry().deregister(&mut c.stream);
            let _ = c.stream.shutdown(Shutdown::Both);
        }
    }

    /// Puts back the world as it was at start (the default world and the `--user`
    /// accounts); every client is disconnected.
    fn reset_world(&mut self) -> Result<(), String> {
        let built = setup::build_world(&self.opts)?;
        self.drop_all_clients();
        self.world = built.world;
        self.live.restart(built.spec, built.tap);
        self.mailpit = mailpit::MailpitState::default();
        self.started = StdInstant::now();
        if self.transcript.is_some() {
            self.transcript = Some(Transcript::new(&self.world));
        }
        Ok(())
    }

    fn serve_api(&mut self) {
        while let Some(request) = self.http.as_ref().and_then(http::HttpApi::next_request) {
            if let Some(hold) = self.live_hold(&request.call) {
                // Long poll: answered when the log grows or the hold ends.
                self.live_waiting.push((request, hold));
                continue;
            }
            let response = self.handle_api(&request.call);
            let is_live_read = request.call.path.starts_with("/api/live/");
            if request.call.method != http::Method::Get && !is_live_read {
                self.live.changed();
            }
            request.reply(response);
        }
    }

    /// How long a `GET /api/live/log?from=N&wait=1` may be held: a reader at the log's end
    /// (nothing to give it yet) waits up to [`live::MAX_HOLD`], unless
    /// [`live::MAX_WAITING`] readers wait already.
    fn live_hold(&self, call: &http::ApiCall) -> Option<StdInstant> {
        if call.method != http::Method::Get
            || call.path.trim_end_matches('/') != "/api/live/log"
            || self.live_waiting.len() >= live::MAX_WAITING
        {
            return None;
        }
        let params = api::parse_query(&call.query);
        let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let from: u64 = param("from")?.parse().ok()?;
        let waits = param("wait").is_some_and(|v| v != "0");
        (waits && from == self.live.end()).then(|| StdInstant::now() + live::MAX_HOLD)
    }

    /// Answers the held log readers the log has grown for, or whose hold is over.
    fn answer_live_readers(&mut self) {
        if self.live_waiting.is_empty() {
            return;
        }
        let now = StdInstant::now();
        let end = self.live.end();
        let (due, held): (Vec<_>, Vec<_>) = std::mem::take(&mut self.live_waiting)
            .into_iter()
            .partition(|(request, until)| {
                *until <= now || self.live_hold(&request.call).is_none() || end == 0
            });
        self.live_waiting = held;
        for (request, _) in due {
            let response = self.handle_api(&request.call);
            request.reply(response);
        }
    }

    fn print_transcript(&mut self, out: &mut dyn Write) {
        let Some(t) = &mut self.transcript else {
            return;
        };
        t.drain(&self.world, &mut self.lines);
        if self.lines.is_empty() {
            return;
        }
        let mut text = String::new();
        for line in self.lines.drain(..) {
            text.push_str(&line);
            text.push('\n');
        }
        // A closed stdout is not a reason to stop serving.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
}

impl Drop for Bridge {
    fn drop(&mut self) {
        if let Some(h) = &self.http {
            h.shut_down();
        }
    }
}

#[cfg(test)]
mod tests;
