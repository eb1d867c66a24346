//! [`TaskStatusFeed`]: where task handles hear `notifications/tasks/status`.

use std::fmt;

use oxmcp_core::client::{DEFAULT_NOTIFICATION_CAPACITY, Subscription};
use oxmcp_core::handler::IncomingNotification;
use oxmcp_core::role::Role;
use oxmcp_core::session::Peer;
use oxmcp_types::Task;
use oxmcp_types::methods::{NotificationMethod, TaskStatusNotification};
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// Where task handles hear `notifications/tasks/status`: a bounded broadcast of the tasks
/// the receiver reported. Cheap to clone.
///
/// Each session has one ([`TaskRequests::task_status_feed`](crate::TaskRequests::task_status_feed)),
/// fed by a tap on the session's notifications whatever its handler, which the handles of
/// the session's task-augmented requests follow (those of
/// [`McpClientTasksExt`](crate::McpClientTasksExt) and
/// [`ServerTaskRequests`](crate::ServerTaskRequests)). A feed of one's own is fed with
/// [`publish`](Self::publish) or [`publish_notification`](Self::publish_notification), and
/// given to a handle with [`TaskHandle::with_status_feed`](crate::TaskHandle::with_status_feed).
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

    /// The feed of `peer`'s session: created on first use (kept in the session's
    /// extensions, gone with the session), fed by a tap on the session's notifications,
    /// its subscriptions ending when the session ends.
    pub(crate) fn of_session<R: Role>(peer: &Peer<R>) -> Self {
        let mut created = false;
        let feed = peer.session_extensions().get_or_insert_with(|| {
            created = true;
            Self::new()
        });
        let feed = (*feed).clone();
        if created {
            let closed = feed.closed.clone();
            peer.on_session_end(move || closed.cancel());
            let tapped = feed.clone();
            peer.tap_notifications(move |notification| {
                tapped.publish_notification(notification);
            });
        }
        feed
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
