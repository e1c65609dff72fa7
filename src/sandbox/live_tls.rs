//! TLS in the live page's copy of the bridge's world (see [`super::live`]).
//!
//! The bridge's TLS draws on the operating system's randomness and its keys never leave it,
//! so the page cannot redo a handshake or decrypt what a real client sent. What it can do is
//! replay what each of the bridge's TLS layers did: the bridge's provider is wrapped in a
//! [`RecordingTls`], which writes down every call on every layer it made (in the order the
//! world made them) with everything that call produced (records to send, plaintext for the
//! session, handshake steps) and the layer's state after it, as a [`TlsStep`]. The steps go
//! into the live log before the entry whose call caused them. The copy installs a
//! [`ReplayTls`] whose layers do no cryptography: the copy's world is fed the same inputs at
//! the same virtual times, so it makes the same layers and calls them the same way, and each
//! call takes the step the bridge recorded for it. The copy's sessions get the bridge's
//! plaintext, its trace the bridge's ciphertext, its records the same `TLS started` (version
//! and suite): an exact copy, with the page carrying no TLS code at all.
//!
//! A call that finds no step, or a step for another call, means the copy parted from the
//! bridge's world: the feed says so ([`ReplayFeed::diverged`]) and the page asks for the
//! bridge's state. After a state, the copy's layers are numbered from the bridge's next
//! one, and steps of the layers made before it (connections the state does not keep) are
//! dropped.

use crate::ordered::SortedMap;
use crate::time::{Instant, WallClock};
use crate::tls_layer::{
    CertificateInfo, LayerState, ServerCertificate, TlsError, TlsEvent, TlsLayer, TlsOutput,
    TlsProvider, TlsSuite, TlsVersion,
};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

/// Most steps the copy holds for layers that have not been called yet; past it the copy has
/// parted from the bridge (it is far behind on something that will never come).
const MAX_BUFFERED_STEPS: usize = 100_000;

/// One call on one of the bridge's TLS layers, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsStep {
    /// The layer, numbered from 0 in the order the provider made them in this world.
    pub layer: u64,
    pub call: TlsCall,
    /// Everything the call produced, in order.
    #[serde(default)]
    pub outputs: Vec<StepOutput>,
    /// The layer's state after the call.
    #[serde(default)]
    pub state: LayerState,
}

/// Which call a step records (lengths, to check the copy makes the same one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsCall {
    /// The provider made the layer (or failed to, with the error).
    Made {
        server: bool,
        error: Option<TlsError>,
    },
    Input {
        len: usize,
    },
    Write {
        len: usize,
    },
    /// The transport ended ([`TlsLayer::handle_close`]).
    TransportClosed,
    /// Our side closed ([`TlsLayer::close`]).
    Close,
}

/// A [`TlsOutput`], with its bytes in base64 on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOutput {
    Transmit(#[serde(with = "super::live::bytes_base64")] Vec<u8>),
    Plaintext(#[serde(with = "super::live::bytes_base64")] Vec<u8>),
    Event(TlsEvent),
    Close,
}

impl StepOutput {
    fn from_output(output: &TlsOutput) -> StepOutput {
        match output {
            TlsOutput::Transmit(b) => StepOutput::Transmit(b.clone()),
            TlsOutput::Plaintext(b) => StepOutput::Plaintext(b.clone()),
            TlsOutput::Event(e) => StepOutput::Event(e.clone()),
            TlsOutput::Close => StepOutput::Close,
        }
    }

    fn into_output(self) -> TlsOutput {
        match self {
            StepOutput::Transmit(b) => TlsOutput::Transmit(b),
            StepOutput::Plaintext(b) => TlsOutput::Plaintext(b),
            StepOutput::Event(e) => TlsOutput::Event(e),
            StepOutput::Close => TlsOutput::Close,
        }
    }

    fn weight(&self) -> usize {
        match self {
            StepOutput::Transmit(b) | StepOutput::Plaintext(b) => 16 + b.len(),
            StepOutput::Event(TlsEvent::Certificate { chain }) => {
                16 + chain.iter().map(Vec::len).sum::<usize>()
            }
            _ => 16,
        }
    }
}

impl TlsStep {
    /// Roughly how many bytes the step takes (for the live log's bound).
    pub fn weight(&self) -> usize {
        64 + self.outputs.iter().map(StepOutput::weight).sum::<usize>()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves the data as it was: go on with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a [`RecordingTls`] writes its steps; the bridge drains it into the live log.
#[derive(Clone, Default)]
pub struct TlsTap(Arc<Mutex<TapState>>);

#[derive(Default)]
struct TapState {
    next_layer: u64,
    steps: Vec<TlsStep>,
}

impl TlsTap {
    /// The steps recorded since the last call.
    pub fn drain(&self) -> Vec<TlsStep> {
        std::mem::take(&mut lock(&self.0).steps)
    }

    /// The number the next layer made gets.
    pub fn next_layer(&self) -> u64 {
        lock(&self.0).next_layer
    }

    fn new_layer(&self) -> u64 {
        let mut tap = lock(&self.0);
        tap.next_layer += 1;
        tap.next_layer - 1
    }

    fn push(&self, step: TlsStep) {
        lock(&self.0).steps.push(step);
    }
}

/// The bridge's provider, recording every layer's calls into a [`TlsTap`].
pub struct RecordingTls {
    inner: Box<dyn TlsProvider>,
    tap: TlsTap,
}

impl RecordingTls {
    pub fn new(inner: Box<dyn TlsProvider>) -> (RecordingTls, TlsTap) {
        let tap = TlsTap::default();
        (
            RecordingTls {
                inner,
                tap: tap.clone(),
            },
            tap,
        )
    }

    fn made(
        &self,
        server: bool,
        made: Result<Box<dyn TlsLayer>, TlsError>,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        let id = self.tap.new_layer();
        let mut step = TlsStep {
            layer: id,
            call: TlsCall::Made {
                server,
                error: made.as_ref().err().copied(),
            },
            outputs: Vec::new(),
            state: LayerState::default(),
        };
        let made = made.map(|inner| {
            let mut layer = RecordingLayer {
                id,
                inner,
                queue: VecDeque::new(),
                tap: self.tap.clone(),
            };
            // A client's ClientHello is waiting already.
            step.outputs = layer.take_outputs();
            step.state = LayerState::of(layer.inner.as_ref());
            Box::new(layer) as Box<dyn TlsLayer>
        });
        self.tap.push(step);
        made
    }
}

impl TlsProvider for RecordingTls {
    fn has_certificate(&self, host_name: &str) -> bool {
        self.inner.has_certificate(host_name)
    }

    fn server(
        &self,
        host_name: &str,
        certificate: ServerCertificate,
        stream: u64,
        clock: WallClock,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        self.made(
            true,
            self.inner.server(host_name, certificate, stream, clock),
        )
    }

    fn client(
        &self,
        server_name: &str,
        verify: bool,
        stream: u64,
        clock: WallClock,
        now: Instant,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        self.made(
            false,
            self.inner.client(server_name, verify, stream, clock, now),
        )
    }

    fn ca_pem(&self) -> &'static str {
        self.inner.ca_pem()
    }

    fn certificate_info(&self, leaf_der: &[u8]) -> Option<CertificateInfo> {
        self.inner.certificate_info(leaf_der)
    }
}

struct RecordingLayer {
    id: u64,
    inner: Box<dyn TlsLayer>,
    /// The inner layer's outputs, drained at each call, not yet polled.
    queue: VecDeque<TlsOutput>,
    tap: TlsTap,
}

impl RecordingLayer {
    /// Drains the inner layer; returns what it produced, as recorded.
    fn take_outputs(&mut self) -> Vec<StepOutput> {
        let mut recorded = Vec::new();
        while let Some(output) = self.inner.poll_output() {
            recorded.push(StepOutput::from_output(&output));
            self.queue.push_back(output);
        }
        recorded
    }

    fn record(&mut self, call: TlsCall) {
        let outputs = self.take_outputs();
        self.tap.push(TlsStep {
            layer: self.id,
            call,
            outputs,
            state: LayerState::of(self.inner.as_ref()),
        });
    }
}

impl TlsLayer for RecordingLayer {
    fn handle_input(&mut self, now: Instant, ciphertext: &[u8]) {
        self.inner.handle_input(now, ciphertext);
        self.record(TlsCall::Input {
            len: ciphertext.len(),
        });
    }

    fn handle_close(&mut self, now: Instant) {
        self.inner.handle_close(now);
        self.record(TlsCall::TransportClosed);
    }

    fn write_plaintext(&mut self, now: Instant, plaintext: &[u8]) {
        self.inner.write_plaintext(now, plaintext);
        self.record(TlsCall::Write {
            len: plaintext.len(),
        });
    }

    fn close(&mut self, now: Instant) {
        self.inner.close(now);
        self.record(TlsCall::Close);
    }

    fn poll_output(&mut self) -> Option<TlsOutput> {
        self.queue.pop_front()
    }

    fn is_handshaking(&self) -> bool {
        self.inner.is_handshaking()
    }

    fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    fn version(&self) -> Option<TlsVersion> {
        self.inner.version()
    }

    fn suite(&self) -> Option<TlsSuite> {
        self.inner.suite()
    }

    fn verify_error(&self) -> Option<TlsError> {
        self.inner.verify_error()
    }
}

/// The steps the copy has been given and not used yet, shared by a [`ReplayTls`] and the
/// [`super::live::Replay`] that feeds it.
#[derive(Clone, Default)]
pub struct ReplayFeed(Arc<Mutex<FeedState>>);

impl std::fmt::Debug for ReplayFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = lock(&self.0);
        f.debug_struct("ReplayFeed")
            .field("next_layer", &state.next_layer)
            .field("buffered", &state.buffered)
            .field("diverged", &state.diverged)
            .finish()
    }
}

#[derive(Default)]
struct FeedState {
    /// Layers numbered below this were made before the copy's world began: their steps are
    /// dropped.
    first: u64,
    /// The number the copy's next layer gets.
    next_layer: u64,
    steps: SortedMap<u64, VecDeque<TlsStep>>,
    buffered: usize,
    /// Why the copy parted from the bridge's world, once it has.
    diverged: Option<String>,
}

impl ReplayFeed {
    /// A feed for a world whose first layer is numbered `first` (0 from a start; the
    /// bridge's next one for a state).
    pub fn starting_at(first: u64) -> ReplayFeed {
        let feed = ReplayFeed::default();
        {
            let mut f = lock(&feed.0);
            f.first = first;
            f.next_layer = first;
        }
        feed
    }

    /// Keeps a step the bridge recorded, for the copy's layer to take when called.
    pub fn push(&self, step: TlsStep) {
        let mut f = lock(&self.0);
        if step.layer < f.first {
            return;
        }
        if f.buffered >= MAX_BUFFERED_STEPS {
            f.diverged
                .get_or_insert_with(|| "too many TLS steps not taken".into());
            return;
        }
        f.buffered += 1;
        f.steps.entry(step.layer).or_default().push_back(step);
    }

    /// Why the copy parted from the bridge's world, if it has.
    pub fn diverged(&self) -> Option<String> {
        lock(&self.0).diverged.clone()
    }

    fn new_layer(&self) -> u64 {
        let mut f = lock(&self.0);
        f.next_layer += 1;
        f.next_layer - 1
    }

    /// The step recorded for `layer`'s next call, which must be `call`.
    fn take(&self, layer: u64, call: &TlsCall) -> Option<TlsStep> {
        let mut f = lock(&self.0);
        let step = f.steps.get_mut(&layer).and_then(VecDeque::pop_front);
        if f.steps.get(&layer).is_some_and(VecDeque::is_empty) {
            f.steps.remove(&layer);
        }
        match step {
            Some(step) if same_call(&step.call, call) => {
                f.buffered -= 1;
                Some(step)
            }
            other => {
                if other.is_some() {
                    f.buffered -= 1;
                }
                f.diverged.get_or_insert_with(|| {
                    format!("TLS layer {layer}: the bridge's step for {call:?} is not there")
                });
                None
            }
        }
    }
}

/// Whether a recorded call is the one the copy makes (a layer's making is checked for its
/// side only: the copy cannot know whether the bridge's provider failed).
fn same_call(recorded: &TlsCall, made: &TlsCall) -> bool {
    match (recorded, made) {
        (TlsCall::Made { server: a, .. }, TlsCall::Made { server: b, .. }) => a == b,
        (a, b) => a == b,
    }
}

/// The copy's provider: layers that replay the bridge's steps. It has a certificate for
/// every host, as the bridge's has (the bridge presents its `localhost` certificate for all).
pub struct ReplayTls {
    feed: ReplayFeed,
}

impl ReplayTls {
    pub fn new(feed: ReplayFeed) -> ReplayTls {
        ReplayTls { feed }
    }

    fn made(&self, server: bool) -> Result<Box<dyn TlsLayer>, TlsError> {
        let id = self.feed.new_layer();
        let call = TlsCall::Made {
            server,
            error: None,
        };
        let step = self.feed.take(id, &call).ok_or(TlsError::Internal)?;
        if let TlsCall::Made {
            error: Some(error), ..
        } = step.call
        {
            return Err(error);
        }
        let mut layer = ReplayLayer {
            id,
            feed: self.feed.clone(),
            queue: VecDeque::new(),
            state: LayerState::default(),
        };
        layer.apply(step);
        Ok(Box::new(layer))
    }
}

impl TlsProvider for ReplayTls {
    fn has_certificate(&self, _host_name: &str) -> bool {
        true
    }

    fn server(
        &self,
        _host_name: &str,
        _certificate: ServerCertificate,
        _stream: u64,
        _clock: WallClock,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        self.made(true)
    }

    fn client(
        &self,
        _server_name: &str,
        _verify: bool,
        _stream: u64,
        _clock: WallClock,
        _now: Instant,
    ) -> Result<Box<dyn TlsLayer>, TlsError> {
        self.made(false)
    }

    fn ca_pem(&self) -> &'static str {
        ""
    }

    fn certificate_info(&self, _leaf_der: &[u8]) -> Option<CertificateInfo> {
        None
    }
}

struct ReplayLayer {
    id: u64,
    feed: ReplayFeed,
    queue: VecDeque<TlsOutput>,
    state: LayerState,
}

impl ReplayLayer {
    fn apply(&mut self, step: TlsStep) {
        self.queue
            .extend(step.outputs.into_iter().map(StepOutput::into_output));
        self.state = step.state;
    }

    /// Takes the bridge's step for `call`; without one the copy has parted from the bridge,
    /// and the layer fails (the feed says why, and the page asks for the bridge's state).
    fn replay(&mut self, call: TlsCall) {
        match self.feed.take(self.id, &call) {
            Some(step) => self.apply(step),
            None if !self.state.closed => {
                self.state.closed = true;
                self.queue
                    .push_back(TlsOutput::Event(TlsEvent::Failed(TlsError::Internal)));
                self.queue.push_back(TlsOutput::Close);
            }
            None => {}
        }
    }
}

impl TlsLayer for ReplayLayer {
    fn handle_input(&mut self, _now: Instant, ciphertext: &[u8]) {
        self.replay(TlsCall::Input {
            len: ciphertext.len(),
        });
    }

    fn handle_close(&mut self, _now: Instant) {
        self.replay(TlsCall::TransportClosed);
    }

    fn write_plaintext(&mut self, _now: Instant, plaintext: &[u8]) {
        self.replay(TlsCall::Write {
            len: plaintext.len(),
        });
    }

    fn close(&mut self, _now: Instant) {
        self.replay(TlsCall::Close);
    }

    fn poll_output(&mut self) -> Option<TlsOutput> {
        self.queue.pop_front()
    }

    fn is_handshaking(&self) -> bool {
        self.state.handshaking
    }

    fn is_closed(&self) -> bool {
        self.state.closed
    }

    fn version(&self) -> Option<TlsVersion> {
        self.state.version
    }

    fn suite(&self) -> Option<TlsSuite> {
        self.state.suite
    }

    fn verify_error(&self) -> Option<TlsError> {
        self.state.verify_error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(layer: u64, call: TlsCall, outputs: Vec<StepOutput>) -> TlsStep {
        TlsStep {
            layer,
            call,
            outputs,
            state: LayerState::default(),
        }
    }

    #[test]
    fn a_replayed_layer_gives_the_recorded_outputs_call_by_call() {
        let feed = ReplayFeed::starting_at(0);
        let provider = ReplayTls::new(feed.clone());
        feed.push(step(
            0,
            TlsCall::Made {
                server: true,
                error: None,
            },
            vec![],
        ));
        feed.push(step(
            0,
            TlsCall::Input { len: 3 },
            vec![StepOutput::Plaintext(b"EHLO x\r\n".to_vec())],
        ));
        let mut layer = provider
            .server("h", ServerCertificate::Own, 0, WallClock { epoch_unix: 0 })
            .unwrap();
        layer.handle_input(Instant::ZERO, b"abc");
        assert_eq!(
            layer.poll_output(),
            Some(TlsOutput::Plaintext(b"EHLO x\r\n".to_vec()))
        );
        assert_eq!(feed.diverged(), None);
        // A call the bridge never made: the copy has parted from it, and the layer fails.
        layer.handle_input(Instant::ZERO, b"more");
        assert!(feed.diverged().is_some());
        assert_eq!(
            layer.poll_output(),
            Some(TlsOutput::Event(TlsEvent::Failed(TlsError::Internal)))
        );
    }

    #[test]
    fn steps_of_layers_older_than_the_copy_are_dropped() {
        let feed = ReplayFeed::starting_at(5);
        feed.push(step(4, TlsCall::Close, vec![]));
        let provider = ReplayTls::new(feed.clone());
        // The copy's first layer is the bridge's 5th, which was made without a step here.
        assert!(provider
            .client("h", true, 0, WallClock { epoch_unix: 0 }, Instant::ZERO)
            .is_err());
        assert!(feed.diverged().unwrap().contains("layer 5"));
    }
}
