//! Following a task's status: `tasks/get` polls paced by the receiver's `pollInterval`
//! (within a floor and a ceiling), merged with `notifications/tasks/status`, each change
//! delivered once and never a stale one after a newer one.

use std::fmt;
use std::time::Duration;

use futures_util::Stream;
use oxmcp_types::Task;
use oxmcp_types::methods::{NotificationMethod, TaskStatusNotification};
use tokio::sync::broadcast;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::timestamp::is_older;
use crate::client::SubscriptionError;
use crate::client::notifications::{DEFAULT_NOTIFICATION_CAPACITY, Subscription};
use crate::error::RequestError;
use crate::handler::IncomingNotification;
use crate::role::Role;
use crate::session::Peer;

/// The wait between polls when the receiver suggests no `pollInterval`, unless told
/// otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The shortest wait between polls, whatever the receiver suggests, unless told otherwise.
pub const DEFAULT_MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// The longest wait between polls, whatever the receiver suggests, unless told otherwise.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// How often a requestor polls `tasks/get`: the receiver's `pollInterval` when it gives one,
/// else [`default_interval`](Self::default_interval), never below
/// [`min_interval`](Self::min_interval) (a receiver cannot make the requestor spin) and
/// never above [`max_interval`](Self::max_interval) (nor can it make it wait for days).
///
/// ```
/// use std::time::Duration;
/// use oxmcp_core::client::tasks::PollPolicy;
///
/// let policy = PollPolicy::default().with_min_interval(Duration::from_millis(200));
/// assert_eq!(policy.interval(Some(5_000)), Duration::from_secs(5));
/// assert_eq!(policy.interval(Some(0)), Duration::from_millis(200));
/// assert_eq!(policy.interval(None), Duration::from_secs(1));
/// assert_eq!(policy.interval(Some(u64::MAX)), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// The wait when the receiver suggests none (default [`DEFAULT_POLL_INTERVAL`]).
    pub default_interval: Duration,
    /// The floor (default [`DEFAULT_MIN_POLL_INTERVAL`]).
    pub min_interval: Duration,
    /// The ceiling (default [`DEFAULT_MAX_POLL_INTERVAL`]); the floor wins if it is higher.
    pub max_interval: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            default_interval: DEFAULT_POLL_INTERVAL,
            min_interval: DEFAULT_MIN_POLL_INTERVAL,
            max_interval: DEFAULT_MAX_POLL_INTERVAL,
        }
    }
}

impl PollPolicy {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the wait used when the receiver suggests none.
    #[must_use]
    pub fn with_default_interval(mut self, interval: Duration) -> Self {
        self.default_interval = interval;
        self
    }

    /// Sets the floor.
    #[must_use]
    pub fn with_min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Sets the ceiling.
    #[must_use]
    pub fn with_max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// The wait before the next poll of a task whose receiver suggested `poll_interval_ms`.
    pub fn interval(&self, poll_interval_ms: Option<u64>) -> Duration {
        let wanted = poll_interval_ms.map_or(self.default_interval, Duration::from_millis);
        wanted.min(self.max_interval).max(self.min_interval)
    }
}

/// Where task handles hear `notifications/tasks/status`: a bounded broadcast of the tasks
/// the receiver reported. Cheap to clone.
///
/// [`McpClient`](crate::client::McpClient) feeds one from the server's notifications and
/// gives it to its handles. On the server, each session has one
/// ([`Peer::task_status_feed`](crate::Peer::task_status_feed)), which the handles of its
/// task-augmented requests follow and [`McpServer`](crate::server::McpServer) feeds; a
/// server with a handler of its own feeds it from `handle_notification` with
/// [`publish_notification`](Self::publish_notification).
#[derive(Clone)]
pub struct TaskStatusFeed {
    tx: broadcast::Sender<Task>,
    closed: CancellationToken,
}

impl fmt::Debug for TaskStatusFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskStatusFeed")
            .field("subscribers", &self.tx.receiver_count())
            .finish()
    }
}

impl Default for TaskStatusFeed {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskStatusFeed {
    /// A feed keeping up to [`DEFAULT_NOTIFICATION_CAPACITY`] tasks for slow subscribers.
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_NOTIFICATION_CAPACITY)
    }

    /// A feed keeping up to `capacity` tasks (at least one) for slow subscribers; a
    /// subscriber that falls further behind polls at once instead.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity.max(1)).0,
            closed: CancellationToken::new(),
        }
    }

    /// The same feed, its subscriptions ending when `closed` is cancelled.
    pub(crate) fn bound_to(&self, closed: CancellationToken) -> Self {
        Self {
            tx: self.tx.clone(),
            closed,
        }
    }

    /// Hands `task` to every subscriber.
    pub fn publish(&self, task: Task) {
        let _ = self.tx.send(task);
    }

    /// Publishes the task of a `notifications/tasks/status` notification; returns false
    /// (and publishes nothing) for other methods and malformed params.
    pub fn publish_notification(&self, notification: &IncomingNotification) -> bool {
        if notification.method != TaskStatusNotification::METHOD {
            return false;
        }
        match notification.params::<Task>() {
            Ok(task) => {
                self.publish(task);
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "ignoring a malformed task status notification");
                false
            }
        }
    }

    /// Every task published from now on.
    pub fn subscribe(&self) -> Subscription<Task> {
        Subscription::new(self.tx.subscribe(), self.closed.clone())
    }
}

/// The status changes of one task, in order, each once: the current status first (from an
/// immediate `tasks/get`), then every change seen by a poll or announced by
/// `notifications/tasks/status`. A status older than one already delivered (by
/// `lastUpdatedAt`) is dropped, unless it is terminal: a terminal status is always
/// delivered (a receiver whose clock stepped back may date it before the last one, and
/// dropping it would leave the stream waiting for ever). Ends after a terminal status, or
/// after a poll failed (the error is the last item).
pub struct TaskStatusStream<R: Role> {
    peer: Peer<R>,
    task_id: String,
    policy: PollPolicy,
    updates: Option<Subscription<Task>>,
    next_poll: Instant,
    last: Option<Task>,
    done: bool,
}

impl<R: Role> fmt::Debug for TaskStatusStream<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskStatusStream")
            .field("task_id", &self.task_id)
            .field("policy", &self.policy)
            .field("notifications", &self.updates.is_some())
            .field("last", &self.last.as_ref().map(|t| t.status))
            .field("done", &self.done)
            .finish()
    }
}

/// What the notification side of the merge produced.
enum Update {
    Task(Task),
    Lagged,
    Closed,
}

impl<R: Role> TaskStatusStream<R> {
    pub(crate) fn new(
        peer: Peer<R>,
        task_id: String,
        policy: PollPolicy,
        updates: Option<Subscription<Task>>,
    ) -> Self {
        Self {
            peer,
            task_id,
            policy,
            updates,
            next_poll: Instant::now(),
            last: None,
            done: false,
        }
    }

    /// The next status change; `None` once the task was seen terminal or a poll failed.
    pub async fn next(&mut self) -> Option<Result<Task, RequestError>> {
        while !self.done {
            let candidate = tokio::select! {
                biased;
                update = next_update(&mut self.updates) => match update {
                    Update::Task(task) => {
                        let fresh = task.task_id == self.task_id;
                        // A notification is news: the next poll can wait a full interval.
                        if fresh {
                            self.next_poll = self.after(task.poll_interval);
                        }
                        fresh.then_some(task)
                    }
                    Update::Lagged => {
                        self.next_poll = Instant::now();
                        None
                    }
                    Update::Closed => {
                        self.updates = None;
                        None
                    }
                },
                () = tokio::time::sleep_until(self.next_poll) => {
                    match self.peer.get_task(self.task_id.clone()).await {
                        Ok(task) => {
                            self.next_poll = self.after(task.poll_interval);
                            Some(task)
                        }
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
            };
            if let Some(task) = candidate.and_then(|t| self.accept(t)) {
                self.done = task.status.is_terminal();
                return Some(Ok(task));
            }
        }
        None
    }

    /// The changes as a stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<Task, RequestError>> + Send {
        futures_util::stream::unfold(self, |mut stream| async move {
            let item = stream.next().await?;
            Some((item, stream))
        })
    }

    /// The last status delivered.
    pub fn last(&self) -> Option<&Task> {
        self.last.as_ref()
    }

    fn after(&self, poll_interval_ms: Option<u64>) -> Instant {
        let now = Instant::now();
        let wait = self.policy.interval(poll_interval_ms);
        now.checked_add(wait)
            .unwrap_or_else(|| now + DEFAULT_MAX_POLL_INTERVAL)
    }

    /// Keeps `task` if it says something new and is not older than what was delivered
    /// (a terminal status is never too old).
    fn accept(&mut self, task: Task) -> Option<Task> {
        if let Some(last) = &self.last {
            let same = last.status == task.status
                && last.status_message == task.status_message
                && last.last_updated_at == task.last_updated_at;
            let stale = !task.status.is_terminal()
                && is_older(&task.last_updated_at, &last.last_updated_at);
            if same || stale {
                return None;
            }
        }
        self.last = Some(task.clone());
        Some(task)
    }
}

async fn next_update(updates: &mut Option<Subscription<Task>>) -> Update {
    let Some(subscription) = updates else {
        return std::future::pending().await;
    };
    match subscription.recv().await {
        Ok(task) => Update::Task(task),
        Err(SubscriptionError::Lagged(_)) => Update::Lagged,
        Err(SubscriptionError::Closed) => Update::Closed,
    }
}

#[cfg(test)]
mod tests {
    use oxmcp_types::TaskStatus;

    use super::*;
    use crate::role::Client;

    fn at(status: TaskStatus, time: &str) -> Task {
        let mut task = Task::new("t", status, "2025-11-25T10:00:00.000Z");
        task.last_updated_at = time.to_owned();
        task
    }

    #[test]
    fn a_terminal_status_dated_before_the_last_is_still_delivered() {
        let (peer, _) = Peer::<Client>::detached();
        let mut stream = TaskStatusStream::new(peer, "t".into(), PollPolicy::default(), None);
        let working = at(TaskStatus::Working, "2025-11-25T10:00:05.000Z");
        assert!(stream.accept(working).is_some());
        // The receiver's clock stepped back: an older input_required is stale, dropped...
        let stale = at(TaskStatus::InputRequired, "2025-11-25T10:00:01.000Z");
        assert!(stream.accept(stale).is_none());
        // ...but the terminal status, dated earlier too, is the end: delivered.
        let completed = at(TaskStatus::Completed, "2025-11-25T10:00:02.000Z");
        let delivered = stream.accept(completed).expect("the terminal status");
        assert_eq!(delivered.status, TaskStatus::Completed);
        assert_eq!(stream.last().map(|t| t.status), Some(TaskStatus::Completed));
    }
}
