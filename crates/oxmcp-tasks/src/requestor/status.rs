//! Following a task's status: `tasks/get` polls paced by the receiver's `pollInterval`
//! (within a floor and a ceiling), merged with `notifications/tasks/status`, each change
//! delivered once and never a stale one after a newer one.

use std::fmt;

use futures_util::Stream;
use oxmcp_core::client::{Subscription, SubscriptionError};
use oxmcp_core::error::RequestError;
use oxmcp_core::role::Role;
use oxmcp_core::session::Peer;
use oxmcp_types::Task;
use tokio::time::Instant;

use super::TaskRequests;
use super::poll::{DEFAULT_MAX_POLL_INTERVAL, PollPolicy};
use super::timestamp::is_older;

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
        // Closed, or whatever else ends a subscription: polling goes on without it.
        Err(_) => Update::Closed,
    }
}

#[cfg(test)]
mod tests {
    use oxmcp_types::TaskStatus;

    use super::*;
    use oxmcp_core::role::Client;

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
