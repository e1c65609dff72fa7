//! The native TCP bridge: real sockets on one side, the virtual world on the other.
//!
//! Each real listener stands for one virtual service (host and port). A real client that
//! connects gets a virtual connection from a virtual PC to that service; the bridge then only
//! moves bytes both ways and moves the virtual clock along with real time. Everything runs on
//! one thread with non-blocking sockets: every turn of the loop accepts, reads a bounded amount
//! from each client, advances the world to the real time elapsed, and writes what each client
//! has pending.
//!
//! No client can hold up the others: reads are bounded per client and per turn; input not yet
//! answered is bounded per client ([`INPUT_WINDOW`], since the virtual network itself has no
//! flow control); a client whose answers pile up unread is not read from until it catches up,
//! and is dropped past [`MAX_PENDING`]. Socket errors end that client only.
//!
//! Closing: when the virtual end closes or resets, what is pending is written, then the socket
//! is shut down. When the client closes its side, the virtual end is closed after a short grace
//! ([`EOF_GRACE`]) for the answers to its last commands.

mod options;
mod transcript;

pub use options::{Command, Options, USAGE};

use crate::net::{ConnId, HostId};
use crate::sandbox::{default_world, EndpointState, World};
use crate::time::{Instant, WallClock};
use std::collections::VecDeque;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration as StdDuration, Instant as StdInstant, SystemTime, UNIX_EPOCH};
use transcript::Transcript;

/// Most bytes read from one client per turn, so one busy client cannot starve the others.
const READ_BUDGET: usize = 64 * 1024;
/// Most bytes read from all clients together per turn.
const TURN_READ_BUDGET: usize = 1024 * 1024;
/// Most bytes of one client's input in flight: fed to the world less than a virtual round
/// trip ago, so not yet answered. The world does all the work for input that arrives at one
/// virtual instant in one go, and a few bytes of input can ask for a lot of work ("RETR 2"
/// thousands of times, pipelined); this bounds the work one client can queue before its
/// answers show (and, past [`PAUSE_READING_AT`], stop its reading). It also caps one client's
/// upload speed at this much per round trip (128 KiB per 40 ms by default: 3 MiB/s).
const INPUT_WINDOW: usize = 128 * 1024;
/// Most bytes written to one client per turn.
const WRITE_BUDGET: usize = 1024 * 1024;
/// Past this much output waiting for a client, the bridge stops reading from it (it is
/// sending faster than it reads answers).
const PAUSE_READING_AT: usize = 1024 * 1024;
/// Past this much output waiting for a client, the client is dropped.
pub const MAX_PENDING: usize = 32 * 1024 * 1024;
/// Most clients at once; more are accepted and closed at once.
const MAX_CLIENTS: usize = 512;
/// Most new connections taken from one listener per turn.
const ACCEPTS_PER_TURN: usize = 32;
/// How long a socket whose virtual end has closed waits for its client to close in turn
/// (so unread input from the client does not turn the close into a reset that loses the
/// last answer).
const LINGER: StdDuration = StdDuration::from_secs(2);
/// After a client closes its sending side, how long (virtual time) its connection stays open
/// for the answers to what it sent last: a client that writes its commands, shuts down
/// writing and reads (`nc -N`, a script) gets them. Then the bridge closes the virtual end.
const EOF_GRACE: crate::time::Duration = crate::time::Duration::from_millis(100);
/// A client whose virtual end has closed and that reads nothing of what is left for this
/// long is dropped.
const FLUSH_STALL: StdDuration = StdDuration::from_secs(60);
/// Sleep of an idle turn.
const IDLE_SLEEP: StdDuration = StdDuration::from_millis(1);
/// Sleep of an idle turn with no client and nothing due in the world.
const QUIET_SLEEP: StdDuration = StdDuration::from_millis(5);

/// One service the bridge serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerInfo {
    /// `smtp`, `submission`, `pop3` or `imap`.
    pub service: &'static str,
    /// The virtual host the connections go to.
    pub virtual_host: String,
    pub virtual_port: u16,
    /// The real address listened on.
    pub addr: SocketAddr,
}

impl ListenerInfo {
    /// The line printed at start: `LISTEN <service> <virtual-host> <ip>:<port>`.
    pub fn listen_line(&self) -> String {
        format!(
            "LISTEN {} {} {}",
            self.service, self.virtual_host, self.addr
        )
    }
}

struct Listener {
    info: ListenerInfo,
    /// The virtual host the connections come from.
    from: HostId,
    socket: TcpListener,
}

struct Client {
    stream: TcpStream,
    conn: ConnId,
    /// Bytes for the client not yet written, from `written` on.
    pending: Vec<u8>,
    written: usize,
    /// The client closed its sending side (or it failed).
    client_done: bool,
    /// When the virtual end is closed after the client closed its side (see [`EOF_GRACE`]).
    close_virtual_at: Option<Instant>,
    /// Last time a write made progress, or output became pending.
    last_progress: StdInstant,
    /// The virtual end closed or reset: flush, then close.
    virtual_done: bool,
    /// Set once everything is flushed and our side shut down: waiting for the client to
    /// close, until this deadline.
    lingering: Option<StdInstant>,
    /// Input fed to the world and not yet answered: (virtual time its answer is due, bytes).
    in_flight: VecDeque<(Instant, usize)>,
    in_flight_bytes: usize,
}

impl Client {
    fn unsent(&self) -> usize {
        self.pending.len() - self.written
    }
}

/// The bridge: the world, the listeners and the clients.
pub struct Bridge {
    world: World,
    started: StdInstant,
    listeners: Vec<Listener>,
    clients: Vec<Client>,
    /// Which client reads first this turn.
    turn_start: usize,
    transcript: Option<Transcript>,
    /// Transcript lines not yet printed.
    lines: Vec<String>,
    /// Counters, for tests and curiosity.
    pub stats: Stats,
}

/// What the bridge has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub accepted: u64,
    /// Real connections closed because the virtual connect failed.
    pub refused: u64,
    /// Clients dropped for not reading their output (past [`MAX_PENDING`], or for
    /// [`FLUSH_STALL`] after the virtual end closed).
    pub dropped_slow: u64,
}

/// The virtual end of a new connection: (service, target host, port, client host).
struct Route {
    service: &'static str,
    target: HostId,
    port: u16,
    from: HostId,
}

impl Bridge {
    /// Builds the default world (clock at the real time, extra users added) and binds the
    /// four listeners.
    pub fn new(opts: &Options) -> io::Result<Bridge> {
        let (mut world, d) = default_world(1);
        world.clock = WallClock {
            epoch_unix: real_unix_now(),
        };
        let corp = world.net.host_name(d.corp).to_string();
        for (address, password) in &opts.users {
            add_user(&mut world, &corp, address, password)?;
        }
        opts.apply_to_world(&mut world)
            .map_err(|e| io::Error::new(ErrorKind::InvalidInput, e))?;
        let routes = [
            Route {
                service: "smtp",
                target: d.corp,
                port: 25,
                from: d.sender_pc,
            },
            Route {
                service: "submission",
                target: d.isp,
                port: 587,
                from: d.sender_pc,
            },
            Route {
                service: "pop3",
                target: d.corp,
                port: 110,
                from: d.recipient_pc,
            },
            Route {
                service: "imap",
                target: d.corp,
                port: 143,
                from: d.recipient_pc,
            },
        ];
        let mut listeners = Vec::new();
        for r in routes {
            let port = opts
                .port_offset
                .checked_add(r.port)
                .ok_or_else(|| io::Error::new(ErrorKind::InvalidInput, "port offset too large"))?;
            let addr = SocketAddr::new(opts.bind, port);
            let socket = TcpListener::bind(addr)
                .map_err(|e| io::Error::new(e.kind(), format!("{} on {addr}: {e}", r.service)))?;
            socket.set_nonblocking(true)?;
            let addr = socket.local_addr()?;
            listeners.push(Listener {
                info: ListenerInfo {
                    service: r.service,
                    virtual_host: world.net.host_name(r.target).to_string(),
                    virtual_port: r.port,
                    addr,
                },
                from: r.from,
                socket,
            });
        }
        let transcript = opts.trace.then(|| Transcript::new(&world.net));
        Ok(Bridge {
            world,
            started: StdInstant::now(),
            listeners,
            clients: Vec::new(),
            turn_start: 0,
            transcript,
            lines: Vec::new(),
            stats: Stats::default(),
        })
    }

    /// The listeners, in the order smtp, submission, pop3, imap.
    pub fn listeners(&self) -> impl Iterator<Item = &ListenerInfo> {
        self.listeners.iter().map(|l| &l.info)
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// Clients connected now.
    pub fn client_count(&self) -> usize {
        self.clients.len()
    }

    /// Serves until `stop` returns true, writing transcript lines (with `--trace`) to `out`.
    pub fn run(&mut self, out: &mut dyn Write, mut stop: impl FnMut() -> bool) {
        while !stop() {
            if !self.turn(out) {
                std::thread::sleep(self.idle_sleep());
            }
        }
    }

    /// How long an idle turn may sleep: short while clients are connected or the world has
    /// something due soon, longer when nothing at all is going on.
    fn idle_sleep(&self) -> StdDuration {
        if !self.clients.is_empty() {
            return IDLE_SLEEP;
        }
        let now = self.world.now();
        match self.world.poll_timeout() {
            Some(t) if t.saturating_since(now).as_millis() < QUIET_SLEEP.as_millis() as u64 => {
                IDLE_SLEEP
            }
            _ => QUIET_SLEEP,
        }
    }

    /// One turn of the loop. Returns whether anything happened (if not, the caller may sleep).
    pub fn turn(&mut self, out: &mut dyn Write) -> bool {
        self.advance_clock();
        let mut busy = self.accept();
        busy |= self.read();
        self.advance_clock();
        busy |= self.write();
        self.print_transcript(out);
        busy
    }

    fn advance_clock(&mut self) {
        let ms = self.started.elapsed().as_millis();
        let ms = u64::try_from(ms).unwrap_or(u64::MAX);
        self.world.run_until(Instant::from_millis(ms));
    }

    fn accept(&mut self) -> bool {
        let mut busy = false;
        for li in 0..self.listeners.len() {
            for _ in 0..ACCEPTS_PER_TURN {
                let stream = match self.listeners[li].socket.accept() {
                    Ok((stream, _)) => stream,
                    // WouldBlock: no more waiting. Anything else (out of descriptors, an
                    // aborted handshake): try again next turn.
                    Err(_) => break,
                };
                busy = true;
                self.stats.accepted += 1;
                if self.clients.len() >= MAX_CLIENTS || stream.set_nonblocking(true).is_err() {
                    let _ = stream.shutdown(Shutdown::Both);
                    continue;
                }
                let _ = stream.set_nodelay(true);
                let l = &self.listeners[li];
                match self
                    .world
                    .connect(l.from, &l.info.virtual_host, l.info.virtual_port)
                {
                    Ok(conn) => {
                        // The bridge takes what arrives after every step and bounds it
                        // itself (MAX_PENDING); the endpoint must not cut a large answer.
                        if let Some(e) = self.world.endpoint_mut(conn) {
                            e.inbox_limit = usize::MAX;
                        }
                        self.clients.push(Client {
                            stream,
                            conn,
                            pending: Vec::new(),
                            written: 0,
                            client_done: false,
                            close_virtual_at: None,
                            last_progress: StdInstant::now(),
                            virtual_done: false,
                            lingering: None,
                            in_flight: VecDeque::new(),
                            in_flight_bytes: 0,
                        })
                    }
                    Err(_) => {
                        // Refused (the service is not there), host down...: the real client
                        // sees its connection closed.
                        self.stats.refused += 1;
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                }
            }
        }
        busy
    }

    /// Reads what each client sent (a bounded amount) into the world.
    fn read(&mut self) -> bool {
        let mut busy = false;
        let mut buf = vec![0u8; 16 * 1024];
        let now = self.world.now();
        let faults = self.world.net.faults;
        // Input sent now is answered a round trip later at the earliest.
        let round_trip = (faults.latency + faults.jitter).saturating_mul(2);
        let answered_at = now + round_trip.max(crate::time::Duration::from_millis(1));
        let mut turn_budget = TURN_READ_BUDGET;
        // Start with a different client each turn so that the turn budget is shared fairly.
        let count = self.clients.len();
        self.turn_start = if count == 0 {
            0
        } else {
            (self.turn_start + 1) % count
        };
        for i in 0..count {
            let c = &mut self.clients[(self.turn_start + i) % count];
            while c.in_flight.front().is_some_and(|(due, _)| *due <= now) {
                if let Some((_, n)) = c.in_flight.pop_front() {
                    c.in_flight_bytes -= n;
                }
            }
            if c.client_done || c.unsent() >= PAUSE_READING_AT {
                continue;
            }
            let mut budget = READ_BUDGET
                .min(turn_budget)
                .min(INPUT_WINDOW.saturating_sub(c.in_flight_bytes));
            let mut fed = 0;
            while budget > 0 {
                let want = budget.min(buf.len());
                match c.stream.read(&mut buf[..want]) {
                    Ok(0) => {
                        // The client closed (at least its sending side): its last answers
                        // may still come, then the virtual end closes.
                        c.client_done = true;
                        c.close_virtual_at = Some(now + EOF_GRACE);
                        busy = true;
                        break;
                    }
                    Ok(n) => {
                        busy = true;
                        budget -= n;
                        turn_budget -= n;
                        // Once the virtual end has gone, input is discarded.
                        if !c.virtual_done {
                            self.world.send(c.conn, &buf[..n]);
                            fed += n;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        // Reset by the client: nothing more can be written either.
                        busy = true;
                        c.client_done = true;
                        c.virtual_done = true;
                        c.pending.clear();
                        c.written = 0;
                        self.world.close(c.conn);
                        break;
                    }
                }
            }
            if fed > 0 {
                c.in_flight.push_back((answered_at, fed));
                c.in_flight_bytes += fed;
            }
        }
        busy
    }

    /// Collects the world's output for each client, writes it, and closes what is finished.
    fn write(&mut self) -> bool {
        let mut busy = false;
        let now = StdInstant::now();
        let world = &mut self.world;
        let stats = &mut self.stats;
        self.clients.retain_mut(|c| {
            let received = world.take_received(c.conn);
            if !received.is_empty() && c.lingering.is_none() {
                if c.unsent() == 0 {
                    c.last_progress = now;
                }
                c.pending.extend_from_slice(&received);
            }
            if c.close_virtual_at.is_some_and(|t| t <= world.now()) {
                c.close_virtual_at = None;
                world.close(c.conn);
            }
            let open = world.endpoint(c.conn).map(|e| e.state) == Some(EndpointState::Open);
            if !open {
                c.virtual_done = true;
            }
            if c.unsent() > MAX_PENDING {
                // A client that does not read its answers.
                stats.dropped_slow += 1;
                finish(world, c);
                busy = true;
                return false;
            }
            let mut budget = WRITE_BUDGET;
            while c.unsent() > 0 && budget > 0 {
                let end = c.pending.len().min(c.written + budget);
                match c.stream.write(&c.pending[c.written..end]) {
                    Ok(0) => break,
                    Ok(n) => {
                        busy = true;
                        c.written += n;
                        budget -= n;
                        c.last_progress = now;
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        // The client has gone.
                        finish(world, c);
                        busy = true;
                        return false;
                    }
                }
            }
            if c.written == c.pending.len() {
                c.pending.clear();
                c.written = 0;
            } else if c.written >= 64 * 1024 && c.written * 2 >= c.pending.len() {
                c.pending.drain(..c.written);
                c.written = 0;
            }
            if c.virtual_done && c.unsent() > 0 && now.duration_since(c.last_progress) > FLUSH_STALL
            {
                // Nothing more will come and the client does not take what is left.
                stats.dropped_slow += 1;
                finish(world, c);
                busy = true;
                return false;
            }
            if !c.virtual_done || c.unsent() > 0 {
                return true;
            }
            // The virtual end is gone and everything is written: close our side, then wait a
            // little for the client to close too.
            match c.lingering {
                None => {
                    busy = true;
                    world.close(c.conn);
                    world.forget(c.conn);
                    if c.client_done {
                        let _ = c.stream.shutdown(Shutdown::Both);
                        return false;
                    }
                    let _ = c.stream.shutdown(Shutdown::Write);
                    c.lingering = Some(now + LINGER);
                    true
                }
                Some(deadline) => {
                    if c.client_done || now >= deadline {
                        let _ = c.stream.shutdown(Shutdown::Both);
                        busy = true;
                        false
                    } else {
                        true
                    }
                }
            }
        });
        busy
    }

    fn print_transcript(&mut self, out: &mut dyn Write) {
        let Some(t) = &mut self.transcript else {
            return;
        };
        t.drain(&self.world.net, &mut self.lines);
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

/// Closes both ends of a client at once.
fn finish(world: &mut World, c: &mut Client) {
    world.close(c.conn);
    world.forget(c.conn);
    let _ = c.stream.shutdown(Shutdown::Both);
}

/// Adds an account; a domain not known yet becomes local to `host` and gets an MX record
/// pointing there. An existing account gets the new password.
fn add_user(world: &mut World, host: &str, address: &str, password: &str) -> io::Result<()> {
    let (local, domain) = address
        .rsplit_once('@')
        .ok_or_else(|| io::Error::new(ErrorKind::InvalidInput, "not a mail address"))?;
    if world.store.domain_host(domain).is_none() {
        world.store.add_domain(domain, host);
        world.net.dns.add_mx(domain, 10, host);
    }
    let result = if world.store.is_user(address) {
        world.store.set_password(address, password)
    } else {
        world.store.add_account(address, password, local)
    };
    result.map_err(|e| io::Error::new(ErrorKind::InvalidInput, format!("{address}: {e:?}")))
}

fn real_unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
