//! [`TaskLink`]: what ties a [`Peer`](crate::Peer) to the task whose work uses it. Every
//! request and notification such a peer sends carries the related-task `_meta`, goes with a
//! `tasks/result` waiting on the task when there is one, and a request moves the task to
//! `input_required` until it is answered.

use std::fmt;
use std::sync::Arc;

use oxmcp_types::tasks::TaskStatus;

use super::engine::EngineInner;
use super::live::LiveTask;
use crate::transport::Route;

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

    /// Counts a request to the requestor as outstanding; the first one moves the task to
    /// `input_required` before the request is sent. The returned guard ends it.
    pub(crate) async fn begin_input(self: &Arc<Self>) -> InputGuard {
        let mut outstanding = self.live.inputs.lock().await;
        *outstanding += 1;
        if *outstanding == 1 {
            self.engine
                .set_status(&self.live, TaskStatus::InputRequired)
                .await;
        }
        InputGuard {
            link: Some(self.clone()),
        }
    }

    async fn end_input(&self) {
        let mut outstanding = self.live.inputs.lock().await;
        *outstanding = outstanding.saturating_sub(1);
        if *outstanding == 0 {
            self.engine
                .set_status(&self.live, TaskStatus::Working)
                .await;
        }
    }
}

/// An outstanding request of a task's work. [`finish`](Self::finish) it when answered; a
/// guard dropped unfinished (the request future was dropped) finishes in the background.
#[derive(Debug)]
pub(crate) struct InputGuard {
    link: Option<Arc<TaskLink>>,
}

impl InputGuard {
    /// The request was answered: the last one moves the task back to `working` before this
    /// returns, so the work goes on in a task that shows `working`.
    pub(crate) async fn finish(mut self) {
        if let Some(link) = self.link.take() {
            link.end_input().await;
        }
    }
}

impl Drop for InputGuard {
    fn drop(&mut self) {
        let Some(link) = self.link.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { link.end_input().await });
        }
    }
}
