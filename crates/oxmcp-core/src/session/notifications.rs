//! In-order handling of the peer's notifications, without a task per idle session.
//!
//! Notifications wait in a bounded queue; a task handles them one at a time, in arrival
//! order, and ends when the queue is empty. The next notification starts a new one. A full
//! queue makes the sender (the reader) wait, which applies back-pressure to the peer, but
//! never past the session's close.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

use super::Peer;
use super::state::{Inner, lock};
use crate::context::NotificationContext;
use crate::extensions::Extensions;
use crate::handler::IncomingNotification;
use crate::role::Role;
use crate::transport::Route;

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<(IncomingNotification, Extensions)>,
    /// The task handling the queue, while there is one.
    running: Option<AbortHandle>,
    /// No more notifications are taken.
    closed: bool,
}

/// The in-order notification queue of one session.
#[derive(Debug)]
pub(crate) struct Notifications {
    state: Mutex<State>,
    capacity: usize,
    /// The reader, waiting for room.
    space: Notify,
    /// Woken when the handling task ends.
    idle: Notify,
}

impl Notifications {
    /// A queue of `capacity` notifications (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            capacity: capacity.max(1),
            space: Notify::new(),
            idle: Notify::new(),
        }
    }
}

/// Queues `notification` for `inner`'s handler, starting the handling task if none runs.
/// Waits while the queue is full; gives up (dropping it) when the session closes.
pub(crate) async fn push<R: Role>(
    inner: &Arc<Inner<R>>,
    notification: IncomingNotification,
    extensions: Extensions,
) {
    let queue = &inner.notifications;
    let mut notification = Some((notification, extensions));
    loop {
        // Created before looking, so that no wake-up between the two is missed.
        let space = queue.space.notified();
        {
            let mut state = lock(&queue.state);
            if state.closed {
                return;
            }
            if state.queue.len() < queue.capacity {
                state.queue.extend(notification.take());
                if state.running.is_none() {
                    let task = tokio::spawn(run(inner.clone()));
                    state.running = Some(task.abort_handle());
                }
                return;
            }
        }
        tokio::select! {
            () = space => {}
            () = inner.closed.cancelled() => return,
        }
    }
}

/// Handles queued notifications until the queue is empty.
async fn run<R: Role>(inner: Arc<Inner<R>>) {
    let queue = &inner.notifications;
    loop {
        let next = {
            let mut state = lock(&queue.state);
            let next = state.queue.pop_front();
            if next.is_none() {
                state.running = None;
                state.queue = VecDeque::new();
            }
            next
        };
        let Some((notification, extensions)) = next else {
            queue.idle.notify_waiters();
            return;
        };
        queue.space.notify_one();
        let peer = Peer::new(inner.clone(), Route::Unrelated);
        let context = NotificationContext::new(peer, extensions);
        let method = notification.method.clone();
        let work = AssertUnwindSafe(inner.handler.handle_notification(notification, context));
        if work.catch_unwind().await.is_err() {
            tracing::error!(role = R::NAME, %method, "notification handler panicked");
        }
    }
}

/// Takes no more notifications, lets those queued be handled for up to `drain`, then aborts
/// a handler still running and drops the rest.
pub(crate) async fn close<R: Role>(inner: &Inner<R>, drain: Duration) {
    let queue = &inner.notifications;
    let idle = queue.idle.notified();
    let running = {
        let mut state = lock(&queue.state);
        state.closed = true;
        state.running.is_some()
    };
    queue.space.notify_waiters();
    if !running || tokio::time::timeout(drain, idle).await.is_ok() {
        return;
    }
    tracing::warn!(
        role = R::NAME,
        "a notification handler is still running after {drain:?}; aborting it"
    );
    let mut state = lock(&queue.state);
    if let Some(task) = state.running.take() {
        task.abort();
    }
    state.queue = VecDeque::new();
}
