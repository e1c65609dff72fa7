//! The one sans-IO shape every protocol session has (see ARCHITECTURE.md, "Session API").
//!
//! A session is a state machine: bytes in, bytes and events out, `now` passed in. It never
//! reads a clock and never does I/O. After every `handle_*` call the driver drains
//! [`Session::poll_output`] until it returns `None`. Partial input is normal: a session buffers
//! it (within a size limit) and answers when a whole command is there.
//!
//! Sessions that need the world (the mailbox store, the relay queue) get it as a context
//! argument, `Ctx`, on every input call, so the session itself owns no shared state and a
//! reply that says "accepted" is only produced after the context has done the work.

use crate::time::Instant;
use std::collections::VecDeque;

/// What a session asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output<E> {
    /// Send these bytes to the peer.
    Transmit(Vec<u8>),
    /// Something the driver (or the UI) may want to know, such as a state change.
    Event(E),
    /// Close the connection once every earlier `Transmit` is sent.
    Close,
}

/// The session contract.
pub trait Session<Ctx: ?Sized> {
    type Event;

    /// Bytes from the peer, split anywhere, pipelined or not.
    fn handle_input(&mut self, ctx: &mut Ctx, now: Instant, bytes: &[u8]);
    /// The clock reached (or passed) [`Session::poll_timeout`]; safe to call early.
    fn handle_timeout(&mut self, ctx: &mut Ctx, now: Instant);
    /// The peer closed the connection or the link dropped. No more input will come.
    fn handle_close(&mut self, ctx: &mut Ctx, now: Instant);
    /// The next thing to do, if any.
    fn poll_output(&mut self) -> Option<Output<Self::Event>>;
    /// When the session next wants [`Session::handle_timeout`] (an idle timer, say).
    fn poll_timeout(&self) -> Option<Instant>;
    /// True once the session has asked to close, or its peer has gone.
    fn is_closed(&self) -> bool;
}

/// A queue of outputs, the usual way a session implements `poll_output`.
#[derive(Debug, Clone)]
pub struct OutputQueue<E> {
    queue: VecDeque<Output<E>>,
    closed: bool,
}

impl<E> Default for OutputQueue<E> {
    fn default() -> Self {
        OutputQueue {
            queue: VecDeque::new(),
            closed: false,
        }
    }
}

impl<E> OutputQueue<E> {
    pub fn transmit(&mut self, bytes: impl Into<Vec<u8>>) {
        if !self.closed {
            self.queue.push_back(Output::Transmit(bytes.into()));
        }
    }

    pub fn event(&mut self, event: E) {
        self.queue.push_back(Output::Event(event));
    }

    /// Ask the driver to close; later transmits are dropped.
    pub fn close(&mut self) {
        if !self.closed {
            self.closed = true;
            self.queue.push_back(Output::Close);
        }
    }

    /// Mark closed without emitting `Close` (the peer has gone already).
    pub fn mark_closed(&mut self) {
        self.closed = true;
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    pub fn pop(&mut self) -> Option<Output<E>> {
        self.queue.pop_front()
    }
}

/// Feeds `input` to `session` split into chunks of `chunk` bytes and returns everything it
/// transmitted, plus whether it asked to close. Used by transcript tests.
pub fn drive_chunked<Ctx: ?Sized, S: Session<Ctx>>(
    session: &mut S,
    ctx: &mut Ctx,
    now: Instant,
    input: &[u8],
    chunk: usize,
) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut closed = false;
    let mut drain = |s: &mut S, out: &mut Vec<u8>| {
        while let Some(o) = s.poll_output() {
            match o {
                Output::Transmit(b) => out.extend_from_slice(&b),
                Output::Event(_) => {}
                Output::Close => closed = true,
            }
        }
    };
    drain(session, &mut out);
    for piece in input.chunks(chunk.max(1)) {
        session.handle_input(ctx, now, piece);
        drain(session, &mut out);
    }
    (out, closed)
}

/// A server session's mark on client input that carries a secret (a password, a SASL
/// response, an IMAP LOGIN literal), so that transcripts can mask it without guessing from
/// the server's wording. `end` is a position in the client's byte stream (bytes the session
/// has been given since the connection opened): the secret is on the client line that holds
/// byte `end - 1`. The first `shown_words` words of that line stay readable (`PASS` of
/// `PASS x`, `a1 LOGIN boss` of `a1 LOGIN boss x`); the rest is the secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretInput {
    pub end: u64,
    pub shown_words: u8,
}
