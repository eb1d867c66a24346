//! The outbound side of a session: one bounded queue, and the transport's writer driven by
//! whichever task has something to send.
//!
//! There is no writer task. A sender that finds the writer idle takes it, writes everything
//! queued (its own message and whatever other tasks queue meanwhile), flushes once, and puts
//! it back; a sender that finds it busy queues its message and returns at once, as with a
//! channel: the task holding the writer writes it before flushing. A burst of answers from
//! concurrent handlers thus leaves in one flush, and a lone answer costs no task switch. An
//! idle session holds an idle writer and an empty queue: no task, no channel block.
//!
//! Senders that must not wait on the transport (the task reading the peer's messages, and
//! synchronous callers) queue their message and, when the writer is idle, hand the writing
//! to a short task of its own ([`Outbound::send_detached`], [`Outbound::try_send`]).
//!
//! If the task holding the writer stops half-way (its future was dropped when the session
//! closed), the writer goes back to the slot and a short task writes what is left (or, once
//! the session is closing, closing does); a write error closes the queue for good and ends
//! the session. Closing writes what is queued, waiting up to the drain time for a task still
//! writing, then closes the transport.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::sync::mpsc::error::{SendError, TrySendError};
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use super::SessionEnd;
use super::state::lock;
use crate::handler::BoxFuture;
use crate::transport::{OutboundMessage, TransportError, TransportWriter};

/// How many times a sender drains the queue again for others before it hands the writer to
/// a task of its own (so that a handler is not kept writing for others indefinitely).
const MAX_ROUNDS: usize = 4;

/// Queue capacity kept after a burst; a larger buffer is given back once the queue empties.
const KEEP_CAPACITY: usize = 16;

/// The session as the outbound queue sees it: what it tells when the transport fails.
pub(crate) trait Control: Send + Sync {
    /// Ends the session for `end`: stops taking input and closes it.
    fn end_session(self: Arc<Self>, end: SessionEnd);
    /// Whether the session may serve an unrelated request next (see
    /// [`SessionHandle::is_reusable`](super::SessionHandle::is_reusable)).
    fn is_reusable(self: Arc<Self>) -> bool;
}

/// A [`TransportWriter`] behind a pointer, draining the queue it belongs to.
pub(crate) trait DynWriter: Send {
    /// Writes queued messages until the queue is empty, then flushes.
    fn drain<'a>(&'a mut self, out: &'a Outbound) -> BoxFuture<'a, Result<(), TransportError>>;
    /// Flushes and closes the transport's sending side.
    fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>>;
}

impl<W: TransportWriter> DynWriter for W {
    fn drain<'a>(&'a mut self, out: &'a Outbound) -> BoxFuture<'a, Result<(), TransportError>> {
        Box::pin(async move {
            while let Some(message) = out.pop() {
                self.write(message).await?;
            }
            self.flush().await
        })
    }

    fn close(&mut self) -> BoxFuture<'_, Result<(), TransportError>> {
        Box::pin(TransportWriter::close(self))
    }
}

enum Slot {
    /// Nobody is writing; the writer waits here.
    Idle(Box<dyn DynWriter>),
    /// A task holds the writer and drains the queue before putting it back.
    Busy,
    /// The transport is closed (or failed): nothing more is sent.
    Closed,
}

struct State {
    queue: VecDeque<OutboundMessage>,
    /// The bytes of the messages in `queue`.
    bytes: usize,
    slot: Slot,
    /// The last task started to write the queue (aborted if closing cannot wait for it).
    drainer: Option<AbortHandle>,
}

/// The bounded outbound queue of one session and its transport writer.
pub(crate) struct Outbound {
    me: Weak<Self>,
    state: Mutex<State>,
    capacity: usize,
    /// The bytes the queue may hold (a single larger message still goes, alone).
    max_bytes: usize,
    /// Senders waiting for room in a full queue.
    space: Notify,
    /// Woken whenever the writer goes back to its slot (closing waits for it).
    returned: Notify,
    /// The session's `closed`: once it is cancelled, closing writes what is left.
    closed: CancellationToken,
    control: Weak<dyn Control>,
    /// Where detached writing tasks run (`None` outside a runtime: then only senders write).
    runtime: Option<tokio::runtime::Handle>,
}

impl fmt::Debug for Outbound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = lock(&self.state);
        let slot = match state.slot {
            Slot::Idle(_) => "idle",
            Slot::Busy => "busy",
            Slot::Closed => "closed",
        };
        f.debug_struct("Outbound")
            .field("queued", &state.queue.len())
            .field("bytes", &state.bytes)
            .field("capacity", &self.capacity)
            .field("writer", &slot)
            .finish()
    }
}

impl Outbound {
    /// A queue of `capacity` messages (at least one) and `max_bytes` bytes in front of
    /// `writer`.
    pub(crate) fn new(
        writer: Box<dyn DynWriter>,
        (capacity, max_bytes): (usize, usize),
        closed: CancellationToken,
        control: Weak<dyn Control>,
    ) -> Arc<Self> {
        Arc::new_cyclic(|me| Self {
            me: me.clone(),
            state: Mutex::new(State {
                queue: VecDeque::new(),
                bytes: 0,
                slot: Slot::Idle(writer),
                drainer: None,
            }),
            capacity: capacity.max(1),
            max_bytes,
            space: Notify::new(),
            returned: Notify::new(),
            closed,
            control,
            runtime: tokio::runtime::Handle::try_current().ok(),
        })
    }

    /// Whether nothing waits to be written and nobody is writing: a message written now
    /// by other means overtakes none of the session's.
    pub(crate) fn is_quiet(&self) -> bool {
        let state = lock(&self.state);
        state.queue.is_empty() && matches!(state.slot, Slot::Idle(_))
    }

    /// Queues `message` and, if nobody is writing, writes the queue in this task. Waits while
    /// the queue is full. Fails once the transport is closed.
    pub(crate) async fn send(
        &self,
        message: OutboundMessage,
    ) -> Result<(), SendError<OutboundMessage>> {
        if let Some(writer) = self.enqueue(message).await? {
            let mut holding = Holding {
                out: self,
                writer: Some(writer),
            };
            self.drive(&mut holding).await;
        }
        Ok(())
    }

    /// Queues `message` without ever writing in this task: an idle writer is handed to a task
    /// of its own. Waits only while the queue is full.
    pub(crate) async fn send_detached(
        &self,
        message: OutboundMessage,
    ) -> Result<(), SendError<OutboundMessage>> {
        if let Some(writer) = self.enqueue(message).await? {
            self.put_back(writer);
        }
        Ok(())
    }

    /// Queues `message` without waiting (for synchronous callers); an idle writer is handed to
    /// a task of its own.
    pub(crate) fn try_send(
        &self,
        message: OutboundMessage,
    ) -> Result<(), TrySendError<OutboundMessage>> {
        let writer = {
            let mut state = lock(&self.state);
            let full = self.is_full(&state, message.bytes.len());
            match state.slot {
                Slot::Closed => return Err(TrySendError::Closed(message)),
                Slot::Busy if full => return Err(TrySendError::Full(message)),
                _ => {}
            }
            push(&mut state, message);
            take_idle(&mut state)
        };
        if let Some(writer) = writer {
            self.put_back(writer);
        }
        Ok(())
    }

    /// Queues `message`, waiting for room; returns the writer if it was idle (the caller now
    /// holds it and must drive it or put it back).
    async fn enqueue(
        &self,
        message: OutboundMessage,
    ) -> Result<Option<Box<dyn DynWriter>>, SendError<OutboundMessage>> {
        loop {
            // Created before looking, so that no wake-up between the two is missed.
            let space = self.space.notified();
            {
                let mut state = lock(&self.state);
                let full = self.is_full(&state, message.bytes.len());
                match state.slot {
                    Slot::Closed => return Err(SendError(message)),
                    Slot::Busy if full => {}
                    _ => {
                        push(&mut state, message);
                        return Ok(take_idle(&mut state));
                    }
                }
            }
            space.await;
        }
    }

    /// Whether a message of `incoming` bytes must wait: the queue holds as many messages or
    /// bytes as it may (an empty queue always takes one message, however large).
    fn is_full(&self, state: &State, incoming: usize) -> bool {
        state.queue.len() >= self.capacity
            || (!state.queue.is_empty() && state.bytes.saturating_add(incoming) > self.max_bytes)
    }

    /// The next queued message, for the task holding the writer.
    fn pop(&self) -> Option<OutboundMessage> {
        let message = {
            let mut state = lock(&self.state);
            let message = state.queue.pop_front();
            if let Some(message) = &message {
                state.bytes -= message.bytes.len();
            }
            message
        };
        if message.is_some() {
            // One sender per message taken: a woken sender whose message still does not fit
            // waits again, and the next message taken wakes the next one (an empty queue
            // takes any message, so a waiter always gets in eventually).
            self.space.notify_one();
        }
        message
    }

    /// Writes the queue with the held writer in this task, then puts the writer back.
    async fn drive(&self, holding: &mut Holding<'_>) {
        for _ in 0..MAX_ROUNDS {
            let Some(writer) = holding.writer.as_mut() else {
                return;
            };
            if let Err(error) = writer.drain(self).await {
                holding.writer = None;
                self.fail(&error);
                return;
            }
            let mut state = lock(&self.state);
            if state.queue.is_empty() {
                if state.queue.capacity() > KEEP_CAPACITY {
                    state.queue.shrink_to(KEEP_CAPACITY);
                }
                if let Some(writer) = holding.writer.take() {
                    restore(&mut state, writer);
                }
                drop(state);
                self.returned.notify_waiters();
                return;
            }
        }
        // Others keep sending: a task of its own carries on (`Holding`'s drop hands it over).
    }

    /// Puts the writer back; if messages are waiting, a task of its own writes them (unless
    /// the session is closing: then closing writes them).
    fn put_back(&self, writer: Box<dyn DynWriter>) {
        let pending = {
            let mut state = lock(&self.state);
            let pending = !state.queue.is_empty()
                && matches!(state.slot, Slot::Busy)
                && !self.closed.is_cancelled();
            if pending {
                Some(writer)
            } else {
                restore(&mut state, writer);
                None
            }
        };
        match pending {
            Some(writer) => self.spawn_drain(writer),
            None => self.returned.notify_waiters(),
        }
    }

    /// Writes the queue in a task of its own (the slot stays busy meanwhile).
    fn spawn_drain(&self, writer: Box<dyn DynWriter>) {
        let (Some(runtime), Some(this)) = (&self.runtime, self.me.upgrade()) else {
            // No runtime to run it on: the writer waits for the next sender.
            restore(&mut lock(&self.state), writer);
            self.returned.notify_waiters();
            return;
        };
        // It finishes what it writes even when the session closes (closing waits for it, up
        // to the drain time, then aborts it).
        let task = runtime.spawn(async move {
            let mut holding = Holding {
                out: &this,
                writer: Some(writer),
            };
            this.drive(&mut holding).await;
        });
        lock(&self.state).drainer = Some(task.abort_handle());
    }

    /// The transport failed: nothing more is sent, and the session ends.
    fn fail(&self, error: &TransportError) {
        tracing::debug!(%error, "transport write failed; closing the session");
        {
            let mut state = lock(&self.state);
            state.slot = Slot::Closed;
            state.queue = VecDeque::new();
            state.bytes = 0;
        }
        self.space.notify_waiters();
        self.returned.notify_waiters();
        if let Some(control) = self.control.upgrade() {
            control.end_session(SessionEnd::TransportError(error.to_string()));
        }
    }

    /// Writes what is queued and closes the transport, waiting up to `drain` for a task still
    /// holding the writer (a transport that takes nothing more is abandoned). Later sends fail.
    pub(crate) async fn close(&self, drain: Duration) {
        let deadline = tokio::time::Instant::now() + drain;
        let writer = loop {
            let returned = self.returned.notified();
            {
                let mut state = lock(&self.state);
                match std::mem::replace(&mut state.slot, Slot::Busy) {
                    Slot::Idle(writer) => break Some(writer),
                    Slot::Closed => {
                        state.slot = Slot::Closed;
                        break None;
                    }
                    Slot::Busy => {}
                }
            }
            if tokio::time::timeout_at(deadline, returned).await.is_err() {
                tracing::warn!("the transport did not close within {drain:?}");
                let drainer = {
                    let mut state = lock(&self.state);
                    state.slot = Slot::Closed;
                    state.drainer.take()
                };
                if let Some(task) = drainer {
                    task.abort();
                }
                break None;
            }
        };
        if let Some(mut writer) = writer {
            let written = tokio::time::timeout_at(deadline, async {
                if writer.drain(self).await.is_ok() {
                    let _ = writer.close().await;
                }
            })
            .await;
            if written.is_err() {
                tracing::warn!("the transport did not close within {drain:?}");
            }
        }
        {
            let mut state = lock(&self.state);
            state.slot = Slot::Closed;
            state.queue = VecDeque::new();
            state.bytes = 0;
        }
        self.space.notify_waiters();
    }
}

/// Appends `message` to the queue, counting its bytes.
fn push(state: &mut State, message: OutboundMessage) {
    state.bytes += message.bytes.len();
    state.queue.push_back(message);
}

/// Takes the writer out of its slot if it is idle (marking it busy).
fn take_idle(state: &mut State) -> Option<Box<dyn DynWriter>> {
    match std::mem::replace(&mut state.slot, Slot::Busy) {
        Slot::Idle(writer) => Some(writer),
        other => {
            state.slot = other;
            None
        }
    }
}

/// Puts a writer back into a busy slot (a closed slot stays closed, dropping the writer).
fn restore(state: &mut State, writer: Box<dyn DynWriter>) {
    if matches!(state.slot, Slot::Busy) {
        state.slot = Slot::Idle(writer);
    }
}

/// The writer while a task holds it: if that task stops early, the writer goes back and a
/// task of its own writes what is left.
struct Holding<'a> {
    out: &'a Outbound,
    writer: Option<Box<dyn DynWriter>>,
}

impl Drop for Holding<'_> {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            self.out.put_back(writer);
        }
    }
}

/// A writer that hands each message to a channel (whose receiver does the writing).
#[derive(Debug)]
pub(crate) struct ChannelWriter {
    tx: Option<tokio::sync::mpsc::Sender<OutboundMessage>>,
}

impl ChannelWriter {
    pub(crate) fn new(tx: tokio::sync::mpsc::Sender<OutboundMessage>) -> Self {
        Self { tx: Some(tx) }
    }
}

impl TransportWriter for ChannelWriter {
    async fn write(&mut self, message: OutboundMessage) -> Result<(), TransportError> {
        let tx = self.tx.as_ref().ok_or(TransportError::Closed)?;
        tx.send(message).await.map_err(|_| TransportError::Closed)
    }

    async fn flush(&mut self) -> Result<(), TransportError> {
        Ok(())
    }

    async fn close(&mut self) -> Result<(), TransportError> {
        self.tx = None;
        Ok(())
    }
}
