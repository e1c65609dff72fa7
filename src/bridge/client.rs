//! One real client: its socket, its virtual connection, the bytes between them, and where it
//! is in its life ([`Lifecycle`]). The bridge moves every client through the same steps each
//! turn: [`Client::read`] (socket to world), [`Client::collect`] (world to the client's
//! pending output), [`Client::flush`] (pending output to the socket); finished clients are
//! then reaped by the bridge.

use super::live::LiveLog;
use crate::net::ConnId;
use crate::sandbox::live::LiveEntry;
use crate::sandbox::World;
use crate::time::{Duration, Instant};
use mio::net::TcpStream;
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::time::{Duration as StdDuration, Instant as StdInstant};

/// Most bytes read from one client per turn, so one busy client cannot starve the others.
pub(super) const READ_BUDGET: usize = 64 * 1024;
/// Most bytes of one client's input not yet answered: in flight on the virtual link, or held
/// by the world's flow control because its server is busy. A few bytes of input can ask for a
/// lot of work ("RETR 2" thousands of times, pipelined): this bounds the work one client can
/// queue before its answers show.
const INPUT_WINDOW: usize = 128 * 1024;
/// Most bytes written to one client per turn.
const WRITE_BUDGET: usize = 1024 * 1024;
/// Past this much output waiting for a client, the bridge neither reads from it nor takes more
/// of its answers from the world (whose flow control then stops feeding its server): a client
/// that sends faster than it reads is paused, not buffered without bound.
const PAUSE_AT: usize = 1024 * 1024;
/// Past this much output waiting for a client, the client is dropped (one answer can be this
/// large at most: a FETCH of a whole mailbox, say).
pub const MAX_PENDING: usize = 32 * 1024 * 1024;
/// How long a socket whose virtual end has closed waits for its client to close in turn (so
/// unread input from the client does not turn the close into a reset that loses the last
/// answer).
const LINGER: StdDuration = StdDuration::from_secs(2);
/// A client whose virtual end has closed and that reads nothing of what is left for this long
/// is dropped.
const FLUSH_STALL: StdDuration = StdDuration::from_secs(60);

/// Where a client is in its life. Moves only forward: `Open` -> (`InputClosed`) -> `Flushing`
/// -> (`Lingering`) -> `Finished`; any state may go straight to `Finished` on a socket error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lifecycle {
    /// Both sides talk: input is fed to the world, answers are written back.
    Open,
    /// The client shut down its sending side. Its virtual end closes as soon as everything it
    /// sent has been answered (a client that writes its commands, shuts down writing and then
    /// reads, like `nc -N` or a script, gets every answer); at once when nothing is pending,
    /// so a POP3 maildrop lock goes with the socket.
    InputClosed,
    /// The virtual end is closed: what is pending is written, then the socket is shut down.
    Flushing {
        /// The client had already shut down its sending side.
        client_closed: bool,
    },
    /// Everything was written and our sending side shut down: waiting for the client to
    /// close, until the deadline.
    Lingering { deadline: StdInstant },
    /// To be reaped.
    Finished(Ending),
}

/// How a client's life ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    /// Both sides closed in order.
    Closed,
    /// The socket failed or was reset by the client.
    SocketError,
    /// It did not read its answers (past [`MAX_PENDING`], or for [`FLUSH_STALL`] once the
    /// virtual end had closed).
    TooSlow,
}

pub(super) struct Client {
    pub stream: TcpStream,
    pub conn: ConnId,
    pub state: Lifecycle,
    /// Bytes for the client not yet written, from `written` on.
    pending: Vec<u8>,
    written: usize,
    /// Last time a write made progress, or output became pending.
    last_progress: StdInstant,
    /// Readiness as last reported (edge-triggered): cleared when the socket says WouldBlock.
    pub readable: bool,
    pub writable: bool,
    /// Input fed to the world whose answer cannot be back yet: (virtual time it can be,
    /// bytes).
    in_flight: VecDeque<(Instant, usize)>,
    in_flight_bytes: usize,
    /// The longest round trip of the client's virtual link (zero unless `--latency`).
    round_trip: Duration,
    /// Largest pending output seen (for [`super::Stats`]).
    pub peak_unsent: usize,
    /// Times its reading was paused because its answers piled up.
    pub pauses: u64,
    /// Its answers are piled up: it is not read from (see [`PAUSE_AT`]).
    paused: bool,
}

impl Client {
    pub fn new(stream: TcpStream, conn: ConnId, round_trip: Duration) -> Client {
        Client {
            stream,
            conn,
            state: Lifecycle::Open,
            pending: Vec::new(),
            written: 0,
            last_progress: StdInstant::now(),
            readable: true,
            writable: true,
            in_flight: VecDeque::new(),
            in_flight_bytes: 0,
            round_trip,
            peak_unsent: 0,
            pauses: 0,
            paused: false,
        }
    }

    pub fn unsent(&self) -> usize {
        self.pending.len() - self.written
    }

    /// Input sent whose answer cannot be back yet, or not yet read by its server (see
    /// [`INPUT_WINDOW`]).
    fn unanswered(&mut self, world: &World) -> usize {
        let now = world.now();
        while let Some(&(due, n)) = self.in_flight.front() {
            if due > now {
                break;
            }
            self.in_flight.pop_front();
            self.in_flight_bytes -= n;
        }
        self.in_flight_bytes + world.unfed_input(self.conn)
    }

    /// Whether a read now would take input in (the state allows it, the socket said it has
    /// something, and the client is not paused).
    pub fn wants_read(&mut self, world: &World) -> bool {
        if !self.readable {
            return false;
        }
        match self.state {
            Lifecycle::Open => self.unsent() < PAUSE_AT && self.unanswered(world) < INPUT_WINDOW,
            // Read (and discard) to see the client close.
            Lifecycle::Flushing {
                client_closed: false,
            }
            | Lifecycle::Lingering { .. } => true,
            _ => false,
        }
    }

    /// When this client next has something to do by itself (not prompted by its socket or
    /// the world): a linger or a stall running out, or input on the link arriving (which
    /// reopens the input window). Virtual instants are mapped to real ones by `real`.
    pub fn deadline(&self, real: impl Fn(Instant) -> StdInstant) -> Option<StdInstant> {
        match self.state {
            Lifecycle::Lingering { deadline } => Some(deadline),
            Lifecycle::Flushing { .. } if self.unsent() > 0 => {
                Some(self.last_progress + FLUSH_STALL)
            }
            Lifecycle::Open if self.readable => self.in_flight.front().map(|(due, _)| real(*due)),
            _ => None,
        }
    }

    /// Step 1: reads what the client sent (at most `budget` bytes, taken from it) into the
    /// world; sees the client close.
    pub fn read(
        &mut self,
        world: &mut World,
        log: &mut LiveLog,
        buf: &mut [u8],
        budget: &mut usize,
    ) {
        if !self.wants_read(world) {
            return;
        }
        let feeding = self.state == Lifecycle::Open;
        let mut left = if feeding {
            READ_BUDGET
                .min(*budget)
                .min(INPUT_WINDOW.saturating_sub(self.unanswered(world)))
        } else {
            READ_BUDGET.min(*budget)
        };
        let mut fed = 0;
        while left > 0 {
            let want = left.min(buf.len());
            match self.stream.read(&mut buf[..want]) {
                Ok(0) => {
                    self.readable = false;
                    self.state = match self.state {
                        Lifecycle::Open => Lifecycle::InputClosed,
                        Lifecycle::Flushing { .. } => Lifecycle::Flushing {
                            client_closed: true,
                        },
                        _ => Lifecycle::Finished(Ending::Closed),
                    };
                    break;
                }
                Ok(n) => {
                    quick_ack(&self.stream);
                    left -= n;
                    *budget -= n;
                    // After the virtual end has gone, input is read only to be discarded.
                    if feeding {
                        world.send(self.conn, &buf[..n]);
                        log.record(
                            world,
                            LiveEntry::Send {
                                conn: self.conn.0,
                                data: buf[..n].to_vec(),
                            },
                        );
                        fed += n;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    quick_ack(&self.stream);
                    self.readable = false;
                    break;
                }
                Err(_) => {
                    // Reset by the client: nothing more can be written either.
                    self.state = Lifecycle::Finished(Ending::SocketError);
                    break;
                }
            }
        }
        if fed > 0 && self.round_trip > Duration::ZERO {
            self.in_flight
                .push_back((world.now() + self.round_trip, fed));
            self.in_flight_bytes += fed;
        }
    }

    /// Step 2: takes the world's answers into pending output (not past [`PAUSE_AT`] while the
    /// virtual end is open: the rest waits in the world, whose flow control then holds the
    /// client's further input), and follows the virtual end's state.
    pub fn collect(&mut self, world: &mut World, log: &mut LiveLog, now: StdInstant) {
        let virtual_open = matches!(self.state, Lifecycle::Open | Lifecycle::InputClosed);
        if !virtual_open && !matches!(self.state, Lifecycle::Flushing { .. }) {
            return;
        }
        loop {
            if virtual_open && self.unsent() >= PAUSE_AT {
                break;
            }
            let received = world.take_received(self.conn);
            if received.is_empty() {
                break;
            }
            log.record(world, LiveEntry::Take { conn: self.conn.0 });
            if self.unsent() == 0 {
                self.last_progress = now;
            }
            self.pending.extend_from_slice(&received);
            if world.unfed_input(self.conn) == 0 {
                break;
            }
            // The inbox was emptied: let the server read what flow control held back.
            let t = world.now();
            log.run_until(world, t);
        }
        self.peak_unsent = self.peak_unsent.max(self.unsent());
        let paused = self.unsent() >= PAUSE_AT;
        if paused && !self.paused {
            self.pauses += 1;
        }
        self.paused = paused;
        if self.unsent() > MAX_PENDING {
            self.state = Lifecycle::Finished(Ending::TooSlow);
            return;
        }
        if self.state == Lifecycle::InputClosed && self.unanswered(world) == 0 {
            world.close(self.conn);
            log.record(world, LiveEntry::Close { conn: self.conn.0 });
            // Answers that arrived while closing.
            let received = world.take_received(self.conn);
            log.record(world, LiveEntry::Take { conn: self.conn.0 });
            self.pending.extend_from_slice(&received);
        }
        let open = world.endpoint(self.conn).is_some_and(|e| e.is_open());
        if !open {
            match self.state {
                Lifecycle::Open => {
                    self.state = Lifecycle::Flushing {
                        client_closed: false,
                    }
                }
                Lifecycle::InputClosed => {
                    self.state = Lifecycle::Flushing {
                        client_closed: true,
                    }
                }
                _ => {}
            }
        }
    }

    /// Step 3: writes pending output (a bounded amount); shuts the socket down once the
    /// virtual end is gone and everything is written.
    pub fn flush(&mut self, now: StdInstant) {
        if let Lifecycle::Lingering { deadline } = self.state {
            if now >= deadline {
                self.state = Lifecycle::Finished(Ending::Closed);
            }
            return;
        }
        if matches!(self.state, Lifecycle::Finished(_)) {
            return;
        }
        let mut budget = WRITE_BUDGET;
        while self.writable && self.unsent() > 0 && budget > 0 {
            let end = self.pending.len().min(self.written + budget);
            match self.stream.write(&self.pending[self.written..end]) {
                Ok(0) => break,
                Ok(n) => {
                    self.written += n;
                    budget -= n;
                    self.last_progress = now;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => self.writable = false,
                Err(_) => {
                    self.state = Lifecycle::Finished(Ending::SocketError);
                    return;
                }
            }
        }
        if self.written == self.pending.len() {
            self.pending.clear();
            self.written = 0;
        } else if self.written >= 64 * 1024 && self.written * 2 >= self.pending.len() {
            self.pending.drain(..self.written);
            self.written = 0;
        }
        let Lifecycle::Flushing { client_closed } = self.state else {
            return;
        };
        if self.unsent() > 0 {
            if now.duration_since(self.last_progress) > FLUSH_STALL {
                // Nothing more will come and the client does not take what is left.
                self.state = Lifecycle::Finished(Ending::TooSlow);
            }
            return;
        }
        self.state = if client_closed {
            Lifecycle::Finished(Ending::Closed)
        } else {
            let _ = self.stream.shutdown(Shutdown::Write);
            Lifecycle::Lingering {
                deadline: now + LINGER,
            }
        };
    }

    /// Whether the client can make progress right now without waiting for its socket or
    /// the world's next deadline: more to read or to write than one turn's budget took, or
    /// answers waiting in the world that it has room for.
    pub fn has_ready_work(&mut self, world: &World) -> bool {
        let collecting = matches!(
            self.state,
            Lifecycle::Open | Lifecycle::InputClosed | Lifecycle::Flushing { .. }
        );
        let answers_waiting = collecting
            && self.unsent() < PAUSE_AT
            && world
                .endpoint(self.conn)
                .is_some_and(|e| !e.inbox.is_empty());
        matches!(self.state, Lifecycle::Finished(_))
            || (self.writable && self.unsent() > 0)
            || answers_waiting
            || self.wants_read(world)
    }
}

/// Asks the kernel to acknowledge what arrives next at once, not after the delayed-ACK timer
/// (40 ms on Linux). A client with Nagle's algorithm on (the default) that writes a command
/// in two pieces holds the second until the first is acknowledged: Python's imaplib writes an
/// APPEND literal, then the CRLF ending the command, and every APPEND waited 40 ms for an ACK
/// the bridge had no answer to piggyback on. Linux clears the flag as it pleases, so it is set
/// again after every read.
#[cfg(target_os = "linux")]
fn quick_ack(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: the descriptor belongs to `stream`, which is open for this call; the option
    // value is a live c_int of the length given. A failure changes nothing but speed.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_: &TcpStream) {}
