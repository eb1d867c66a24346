//! Streams of server notifications for the host: one bounded broadcast channel per kind, so
//! a flood of log messages never makes a list-change subscriber fall behind.

use std::fmt;
use std::sync::{Arc, OnceLock};

use futures_util::Stream;
use oxmcp_types::methods::{
    ElicitationCompleteNotification, LoggingMessageNotification, NotificationMethod,
    PromptListChangedNotification, ResourceListChangedNotification, ResourceUpdatedNotification,
    TaskStatusNotification, ToolListChangedNotification,
};
use oxmcp_types::resources::ResourceUpdatedNotificationParams;
use oxmcp_types::{LoggingMessageNotificationParams, ProgressNotificationParams, Task};
use serde_json::Value;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

use crate::handler::IncomingNotification;
use crate::session::RequestOptions;

/// How many notifications of one kind wait for a slow subscriber before the oldest are
/// dropped, unless told otherwise.
pub const DEFAULT_NOTIFICATION_CAPACITY: usize = 256;

/// Why a [`Subscription`] yielded no notification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// The subscriber fell behind and this many older notifications were dropped; the
    /// next call continues with the oldest one kept.
    #[error("fell behind: {0} notifications were dropped")]
    Lagged(u64),
    /// The session has ended and every notification was delivered.
    #[error("the session has ended")]
    Closed,
}

/// One subscriber's view of one kind of notification, from the moment it subscribed.
pub struct Subscription<T> {
    rx: broadcast::Receiver<T>,
    closed: CancellationToken,
}

impl<T> fmt::Debug for Subscription<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("queued", &self.rx.len())
            .finish()
    }
}

impl<T> Subscription<T> {
    /// A subscriber of `rx` that ends when `closed` is cancelled (and everything queued was
    /// delivered) or when every sender is gone: for extensions with notification topics of
    /// their own.
    pub fn new(rx: broadcast::Receiver<T>, closed: CancellationToken) -> Self {
        Self { rx, closed }
    }
}

impl<T: Clone + Send + 'static> Subscription<T> {
    /// The next notification; [`SubscriptionError::Lagged`] says how many were lost when
    /// this subscriber fell behind.
    pub async fn recv(&mut self) -> Result<T, SubscriptionError> {
        match self.try_recv() {
            Ok(Some(item)) => return Ok(item),
            Ok(None) => {}
            Err(e) => return Err(e),
        }
        tokio::select! {
            item = self.rx.recv() => item.map_err(|e| from_recv(&e)),
            () = self.closed.cancelled() => self.try_recv()?.ok_or(SubscriptionError::Closed),
        }
    }

    /// The next notification if one is queued.
    pub fn try_recv(&mut self) -> Result<Option<T>, SubscriptionError> {
        match self.rx.try_recv() {
            Ok(item) => Ok(Some(item)),
            Err(broadcast::error::TryRecvError::Empty) => Ok(None),
            Err(broadcast::error::TryRecvError::Lagged(n)) => Err(SubscriptionError::Lagged(n)),
            Err(broadcast::error::TryRecvError::Closed) => Err(SubscriptionError::Closed),
        }
    }

    /// The notifications as a stream; lag is reported as an item, the end of the session
    /// ends the stream.
    pub fn into_stream(self) -> impl Stream<Item = Result<T, SubscriptionError>> + Send {
        futures_util::stream::unfold(self, |mut sub| async move {
            match sub.recv().await {
                Err(SubscriptionError::Closed) => None,
                other => Some((other, sub)),
            }
        })
    }
}

fn from_recv(e: &broadcast::error::RecvError) -> SubscriptionError {
    match e {
        broadcast::error::RecvError::Lagged(n) => SubscriptionError::Lagged(*n),
        broadcast::error::RecvError::Closed => SubscriptionError::Closed,
    }
}

/// A notification without a dedicated stream (custom or experimental methods).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OtherNotification {
    /// The method.
    pub method: String,
    /// The params (`null` when absent or unreadable).
    pub params: Value,
}

struct Topics {
    progress: broadcast::Sender<ProgressNotificationParams>,
    log: broadcast::Sender<LoggingMessageNotificationParams>,
    tools_changed: broadcast::Sender<()>,
    resources_changed: broadcast::Sender<()>,
    prompts_changed: broadcast::Sender<()>,
    resource_updated: broadcast::Sender<ResourceUpdatedNotificationParams>,
    elicitation_complete: broadcast::Sender<String>,
    task_status: broadcast::Sender<Task>,
    other: broadcast::Sender<OtherNotification>,
}

/// The server's notifications, by kind, for any number of subscribers. Cheap to clone.
///
/// Each kind has a bounded queue (default [`DEFAULT_NOTIFICATION_CAPACITY`]); a subscriber
/// that falls behind loses the oldest items and is told how many. Subscriptions see what
/// arrives after they subscribed and end when the session ends.
#[derive(Clone)]
pub struct ServerNotifications {
    topics: Arc<Topics>,
    closed: Arc<OnceLock<CancellationToken>>,
}

impl fmt::Debug for ServerNotifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerNotifications")
            .field("log_subscribers", &self.topics.log.receiver_count())
            .finish_non_exhaustive()
    }
}

impl Default for ServerNotifications {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_NOTIFICATION_CAPACITY)
    }
}

impl ServerNotifications {
    /// Queues of `capacity` notifications per kind.
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            topics: Arc::new(Topics {
                progress: broadcast::channel(capacity).0,
                log: broadcast::channel(capacity).0,
                tools_changed: broadcast::channel(capacity).0,
                resources_changed: broadcast::channel(capacity).0,
                prompts_changed: broadcast::channel(capacity).0,
                resource_updated: broadcast::channel(capacity).0,
                elicitation_complete: broadcast::channel(capacity).0,
                task_status: broadcast::channel(capacity).0,
                other: broadcast::channel(capacity).0,
            }),
            closed: Arc::new(OnceLock::new()),
        }
    }

    /// Ties the subscriptions to the end of a session.
    pub(crate) fn bind(&self, closed: CancellationToken) {
        let _ = self.closed.set(closed);
    }

    fn subscribe<T: Clone>(&self, sender: &broadcast::Sender<T>) -> Subscription<T> {
        Subscription {
            rx: sender.subscribe(),
            closed: self.closed.get().cloned().unwrap_or_default(),
        }
    }

    /// `notifications/progress` of the requests sent with [`track_progress`](Self::track_progress).
    pub fn progress(&self) -> Subscription<ProgressNotificationParams> {
        self.subscribe(&self.topics.progress)
    }

    /// `notifications/message`: the server's log messages.
    pub fn logs(&self) -> Subscription<LoggingMessageNotificationParams> {
        self.subscribe(&self.topics.log)
    }

    /// `notifications/tools/list_changed`.
    pub fn tool_list_changed(&self) -> Subscription<()> {
        self.subscribe(&self.topics.tools_changed)
    }

    /// `notifications/resources/list_changed`.
    pub fn resource_list_changed(&self) -> Subscription<()> {
        self.subscribe(&self.topics.resources_changed)
    }

    /// `notifications/prompts/list_changed`.
    pub fn prompt_list_changed(&self) -> Subscription<()> {
        self.subscribe(&self.topics.prompts_changed)
    }

    /// `notifications/resources/updated` of subscribed resources.
    pub fn resource_updated(&self) -> Subscription<ResourceUpdatedNotificationParams> {
        self.subscribe(&self.topics.resource_updated)
    }

    /// The ids of URL-mode elicitations the server reported complete
    /// (`notifications/elicitation/complete`). Only ids this client knows (it consented to
    /// them) and that were not completed before are reported.
    pub fn elicitation_complete(&self) -> Subscription<String> {
        self.subscribe(&self.topics.elicitation_complete)
    }

    /// `notifications/tasks/status`: the state of tasks this client created on the server
    /// (the server may send them or not; task handles poll as well).
    pub fn task_status(&self) -> Subscription<Task> {
        self.subscribe(&self.topics.task_status)
    }

    /// Notifications of other methods (custom or experimental).
    pub fn other(&self) -> Subscription<OtherNotification> {
        self.subscribe(&self.topics.other)
    }

    /// `options` that also ask for progress and publish it on [`progress`](Self::progress)
    /// (besides calling the callback `options` already had).
    pub fn track_progress(&self, mut options: RequestOptions) -> RequestOptions {
        let sender = self.topics.progress.clone();
        let previous = options.on_progress.take();
        options.on_progress(move |p| {
            if let Some(previous) = &previous {
                previous(p.clone());
            }
            let _ = sender.send(p);
        })
    }

    pub(crate) fn publish_elicitation_complete(&self, id: String) {
        let _ = self.topics.elicitation_complete.send(id);
    }

    /// Publishes one incoming notification on its topic. `elicitation/complete` is handled
    /// by the caller (only known ids are published).
    pub(crate) fn publish(&self, n: &IncomingNotification) {
        let t = &self.topics;
        let sent = match n.method.as_str() {
            LoggingMessageNotification::METHOD => n.params().map(|p| t.log.send(p).is_ok()),
            ToolListChangedNotification::METHOD => Ok(t.tools_changed.send(()).is_ok()),
            ResourceListChangedNotification::METHOD => Ok(t.resources_changed.send(()).is_ok()),
            PromptListChangedNotification::METHOD => Ok(t.prompts_changed.send(()).is_ok()),
            ResourceUpdatedNotification::METHOD => {
                n.params().map(|p| t.resource_updated.send(p).is_ok())
            }
            ElicitationCompleteNotification::METHOD => Ok(false),
            TaskStatusNotification::METHOD => {
                n.params().map(|p: Task| t.task_status.send(p).is_ok())
            }
            other => {
                let params = n.params().unwrap_or(Value::Null);
                let item = OtherNotification {
                    method: other.to_owned(),
                    params,
                };
                Ok(t.other.send(item).is_ok())
            }
        };
        if let Err(e) = sent {
            tracing::debug!(method = %n.method, error = %e, "ignoring a malformed notification");
        }
    }
}
