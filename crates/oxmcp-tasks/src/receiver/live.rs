//! The in-process side of a task whose work runs in this process: its cancellation token,
//! who is waiting on it, how many requests it has outstanding with the requestor, and
//! where its status notifications go. The durable side is the store's record.

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use oxmcp_types::RequestId;
use oxmcp_types::tasks::{Task, TaskStatus};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::TaskOwner;
use crate::lock;
use crate::modern::inbox::Inbox;
use oxmcp_core::transport::Route;

/// Sends `notifications/tasks/status` for a task to the session that created it.
pub(crate) type StatusSink = Box<dyn Fn(&Task) + Send + Sync>;

/// A `tasks/result` request waiting on a task.
#[derive(Debug)]
struct Waiter {
    session: u64,
    request: RequestId,
    serial: u64,
}

#[derive(Debug, Default)]
struct Waiters {
    list: Vec<Waiter>,
    next_serial: u64,
}

/// A task whose work runs in this process.
pub(crate) struct LiveTask {
    pub(crate) id: String,
    pub(crate) owner: TaskOwner,
    /// The session that owns the task, when it is owned by its session (its tasks are
    /// cancelled when it ends).
    pub(crate) session: Option<u64>,
    /// Fires when the task is cancelled (or disappears from the store); the work sees it as
    /// its request's cancellation token.
    pub(crate) cancel: CancellationToken,
    /// Set when another process took the task's lease over (see
    /// [`TaskStore::renew_leases`](super::TaskStore::renew_leases)): the work here stops and
    /// whatever it returns is discarded, since the task runs elsewhere now.
    pub(crate) lease_lost: AtomicBool,
    /// Bumped after every change of the task's record made by this process.
    changed: watch::Sender<u64>,
    waiters: Mutex<Waiters>,
    /// How many requests the work has outstanding with the requestor: changed at once
    /// (never across an `.await`), so that a dropped request future cannot leave it wrong.
    pub(crate) inputs: Mutex<usize>,
    /// The status this process last wrote for the task (`working` or `input_required`).
    /// Held while a write is under way, which keeps the writes in order.
    pub(crate) shown: tokio::sync::Mutex<TaskStatus>,
    sink: Option<StatusSink>,
    /// The requests a 2026-07-28 task's work waits on (its `inputRequests`).
    pub(crate) inbox: Arc<Inbox>,
}

impl fmt::Debug for LiveTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LiveTask")
            .field("id", &self.id)
            .field("cancelled", &self.cancel.is_cancelled())
            .finish_non_exhaustive()
    }
}

impl LiveTask {
    pub(crate) fn new(
        id: String,
        owner: TaskOwner,
        session: Option<u64>,
        sink: Option<StatusSink>,
    ) -> Arc<Self> {
        Arc::new(Self {
            id,
            owner,
            session,
            cancel: CancellationToken::new(),
            lease_lost: AtomicBool::new(false),
            changed: watch::Sender::new(0),
            waiters: Mutex::new(Waiters::default()),
            inputs: Mutex::new(0),
            shown: tokio::sync::Mutex::new(TaskStatus::Working),
            sink,
            inbox: Arc::new(Inbox::new(run_label())),
        })
    }

    /// A receiver that sees every later [`bump`](Self::bump).
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Wakes everyone waiting on the task (its record changed).
    pub(crate) fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sends the task's new state to the session that created it, if it wants them.
    pub(crate) fn notify(&self, task: &Task) {
        if let Some(sink) = &self.sink {
            sink(task);
        }
    }

    /// Records that the `tasks/result` request `request` of session `session` waits on
    /// this task, until the returned guard is dropped.
    pub(crate) fn add_waiter(self: &Arc<Self>, session: u64, request: RequestId) -> WaiterGuard {
        let mut waiters = lock(&self.waiters);
        let serial = waiters.next_serial;
        waiters.next_serial += 1;
        waiters.list.push(Waiter {
            session,
            request,
            serial,
        });
        WaiterGuard {
            task: self.clone(),
            serial,
        }
    }

    /// How many `tasks/result` requests wait on the task.
    pub(crate) fn waiter_count(&self) -> usize {
        lock(&self.waiters).list.len()
    }

    /// Where a message of this task to session `session` goes: with the latest
    /// `tasks/result` of that session still waiting on the task (so that Streamable HTTP
    /// puts it on that request's stream), else unrelated to any request.
    pub(crate) fn route(&self, session: u64) -> Route {
        lock(&self.waiters)
            .list
            .iter()
            .rev()
            .find(|w| w.session == session)
            .map_or(Route::Unrelated, |w| Route::Related(w.request.clone()))
    }
}

/// Removes a waiter when its `tasks/result` answered or was dropped.
#[derive(Debug)]
pub(crate) struct WaiterGuard {
    task: Arc<LiveTask>,
    serial: u64,
}

impl Drop for WaiterGuard {
    fn drop(&mut self) {
        lock(&self.task.waiters)
            .list
            .retain(|w| w.serial != self.serial);
    }
}

/// A random label for one run of a task's work (8 hex digits), which keeps its input keys
/// apart from those of another run of the same task; a fixed one if the system has no
/// randomness (the keys still differ within the run).
fn run_label() -> String {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_err() {
        return "run".to_owned();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_follow_the_latest_waiter_of_the_session() {
        let task = LiveTask::new("t".into(), TaskOwner::new("o"), None, None);
        assert_eq!(task.route(1), Route::Unrelated);
        let first = task.add_waiter(1, RequestId::Number(10));
        let other = task.add_waiter(2, RequestId::Number(20));
        assert_eq!(task.route(1), Route::Related(RequestId::Number(10)));
        let second = task.add_waiter(1, RequestId::Number(11));
        assert_eq!(task.route(1), Route::Related(RequestId::Number(11)));
        drop(second);
        assert_eq!(task.route(1), Route::Related(RequestId::Number(10)));
        drop(first);
        assert_eq!(task.route(1), Route::Unrelated);
        assert_eq!(task.route(2), Route::Related(RequestId::Number(20)));
        drop(other);
    }

    #[tokio::test]
    async fn bumps_wake_subscribers() {
        let task = LiveTask::new("t".into(), TaskOwner::new("o"), None, None);
        let mut rx = task.subscribe();
        task.bump();
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow(), 1);
    }
}
