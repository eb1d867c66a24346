//! [`TaskLink`]: the [`OutboundHook`] that ties a [`Peer`](oxmcp_core::Peer) to the task whose
//! work uses it. Every request and notification such a peer sends carries the related-task
//! `_meta`, goes with a `tasks/result` waiting on the task when there is one, and a request
//! moves the task to `input_required` until it is answered.
//!
//! The count of outstanding requests changes synchronously, and the store write that
//! follows it runs in a task of its own: a request future dropped at any point (a `select!`
//! whose other branch won, an abort) cannot leave the count or the status wrong. Each write
//! reads the count when it runs, under the lock that orders the writes, so the status
//! always ends as the latest count says.

use std::fmt;
use std::sync::Arc;

use oxmcp_types::methods::{
    CancelTaskRequest, GetTaskPayloadRequest, GetTaskRequest, ListTasksRequest, PingRequest,
    RequestMethod,
};
use oxmcp_types::tasks::TaskStatus;
use serde_json::value::RawValue;
use tokio::task::JoinHandle;

use super::inner::EngineInner;
use super::live::LiveTask;
use crate::lock;
use oxmcp_core::handler::BoxFuture;
use oxmcp_core::session::{OutboundHook, Release, WaitHold};
use oxmcp_core::transport::Route;

/// Binds a peer to a task running in this process.
pub(crate) struct TaskLink {
    engine: Arc<EngineInner>,
    live: Arc<LiveTask>,
}

impl fmt::Debug for TaskLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLink")
            .field("task", &self.live.id)
            .finish()
    }
}

impl TaskLink {
    pub(crate) fn new(engine: Arc<EngineInner>, live: Arc<LiveTask>) -> Self {
        Self { engine, live }
    }

    /// The task's id.
    pub(crate) fn task_id(&self) -> &str {
        &self.live.id
    }

    /// Where a message of the task to session `session` goes (see [`LiveTask::route`]).
    pub(crate) fn route(&self, session: u64) -> Route {
        self.live.route(session)
    }

    /// Counts a request to the requestor as outstanding (the guard exists before anything
    /// is awaited); the first one moves the task to `input_required` before this returns,
    /// so before the request is sent. The returned guard ends it.
    pub(crate) async fn begin_input(self: &Arc<Self>) -> InputGuard {
        *lock(&self.live.inputs) += 1;
        let guard = InputGuard {
            link: Some(self.clone()),
        };
        self.synced().await;
        guard
    }

    /// Brings the stored status in line with the count, in a task of its own (which runs
    /// to its end even if the caller stops waiting).
    fn sync_status(&self) -> JoinHandle<()> {
        let (engine, live) = (self.engine.clone(), self.live.clone());
        tokio::spawn(async move {
            let mut shown = live.shown.lock().await;
            let wanted = if *lock(&live.inputs) > 0 {
                TaskStatus::InputRequired
            } else {
                TaskStatus::Working
            };
            if *shown != wanted && engine.set_status(&live, wanted).await {
                *shown = wanted;
            }
        })
    }

    /// Waits for [`sync_status`](Self::sync_status).
    async fn synced(&self) {
        if let Err(e) = self.sync_status().await {
            tracing::error!(task = %self.live.id, error = %e, "the task status write failed");
        }
    }

    fn end_input(&self) {
        let mut outstanding = lock(&self.live.inputs);
        *outstanding = outstanding.saturating_sub(1);
    }
}

/// The id of the task a piece of work runs as: in the extensions of its context (see
/// [`TaskContextExt::task_id`](crate::TaskContextExt::task_id)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RunningTask(pub(crate) String);

/// Whether a request of a task's work is part of the task: it carries the related-task
/// `_meta` and holds the task in `input_required` until answered. Not `ping`, nor the
/// `tasks/*` requests, whose `taskId` names the task they are about (the spec says a
/// requestor SHOULD NOT add the meta to them): polling another task is not input.
fn for_the_task(method: &str) -> bool {
    !matches!(
        method,
        PingRequest::METHOD
            | GetTaskRequest::METHOD
            | GetTaskPayloadRequest::METHOD
            | ListTasksRequest::METHOD
            | CancelTaskRequest::METHOD
    )
}

/// The peer of a task's work: its messages go with a waiting `tasks/result`, carry the
/// related-task `_meta`, and its requests hold the task `input_required`.
pub(crate) struct TaskHook(pub(crate) Arc<TaskLink>);

impl OutboundHook for TaskHook {
    fn route(&self, session: u64, _: &Route) -> Route {
        self.0.route(session)
    }

    fn params(
        &self,
        method: &str,
        params: Option<Box<RawValue>>,
    ) -> Result<Option<Box<RawValue>>, serde_json::Error> {
        if !for_the_task(method) {
            return Ok(params);
        }
        super::payload::with_related_task(params.as_deref(), self.0.task_id()).map(Some)
    }

    fn request_hold<'a>(&'a self, method: &'a str) -> BoxFuture<'a, Option<WaitHold>> {
        Box::pin(async move {
            if for_the_task(method) {
                Some(WaitHold::new(self.0.begin_input().await))
            } else {
                None
            }
        })
    }

    fn hold(&self) -> BoxFuture<'_, Option<WaitHold>> {
        Box::pin(async move { Some(WaitHold::new(self.0.begin_input().await)) })
    }

    fn label(&self) -> Option<&str> {
        Some(self.0.task_id())
    }
}

/// An outstanding request of a task's work. Released when answered; a guard dropped
/// unreleased (the request future was dropped) finishes in the background.
#[derive(Debug)]
pub(crate) struct InputGuard {
    link: Option<Arc<TaskLink>>,
}

impl Release for InputGuard {
    /// The request was answered: the last one moves the task back to `working` before the
    /// returned future completes, so the work goes on in a task that shows `working`.
    fn release(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        let link = self.link.take();
        Box::pin(async move {
            if let Some(link) = link {
                link.end_input();
                link.synced().await;
            }
        })
    }
}

impl Drop for InputGuard {
    fn drop(&mut self) {
        let Some(link) = self.link.take() else { return };
        link.end_input();
        // Without a runtime nothing is written now; the count is right, and the next
        // request of the task, or its end, settles the status.
        if tokio::runtime::Handle::try_current().is_ok() {
            drop(link.sync_status());
        }
    }
}
