//! The receiver's answers to `tasks/get`, `tasks/result`, `tasks/list` and `tasks/cancel`.

use oxmcp_types::ErrorData;
use oxmcp_types::methods::{
    CancelTaskRequest, GetTaskPayloadRequest, GetTaskRequest, ListTasksRequest, RequestMethod,
};
use oxmcp_types::pagination::PaginatedRequestParams;
use oxmcp_types::tasks::{ListTasksResult, TaskRequestParams, TaskStatus};
use tokio::sync::watch;

use super::clock::now_ms;
use super::engine::{TaskEngine, require_tasks, to_wire};
use super::inner::store_failure;
use super::live::WaiterGuard;
use super::owner::owner_for;
use super::payload::with_related_task;
use super::{ListPosition, StoreError, TaskOutcome, TaskOwner, TaskRecord, TaskUpdate};
use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{HandlerResult, IncomingRequest, to_result};
use oxmcp_core::role::Role;

/// The `statusMessage` of a task cancelled with `tasks/cancel`.
pub const CANCELLED_MESSAGE: &str = "The task was cancelled by request.";

/// The `statusMessage` of a task cancelled because the session that owned it ended.
pub const SESSION_ENDED_MESSAGE: &str = "the session that created the task ended";

impl TaskEngine {
    /// Whether `method` is one of the `tasks/*` requests [`answer`](Self::answer) handles.
    pub fn handles(method: &str) -> bool {
        matches!(
            method,
            GetTaskRequest::METHOD
                | GetTaskPayloadRequest::METHOD
                | ListTasksRequest::METHOD
                | CancelTaskRequest::METHOD
        )
    }

    /// Answers a `tasks/get`, `tasks/result`, `tasks/list` or `tasks/cancel` request of the
    /// session of `cx`, for the tasks its requestor owns.
    ///
    /// - `tasks/get`: the task. An unknown, expired or foreign id: -32602.
    /// - `tasks/result`: waits until the task is terminal, then returns exactly what the
    ///   request returned (its result with the related-task `_meta` added, or its JSON-RPC
    ///   error). A cancelled task has no result: -32603 saying so, with
    ///   `data: {"taskId", "status": "cancelled"}`. That code is a choice: the spec names
    ///   no error for it, and -32602 would say the request was wrong, while the task it
    ///   names exists and the requestor could not have known it would be cancelled.
    /// - `tasks/list`: the requestor's tasks, oldest first, a page of
    ///   [`TaskConfig::page_size`](super::TaskConfig::page_size) at a time; a cursor that
    ///   was altered or issued to someone else: -32602.
    /// - `tasks/cancel`: moves the task to `cancelled` and fires its work's cancellation
    ///   token; a terminal task: -32602.
    ///
    /// Other methods, any of these before protocol 2025-11-25, and any in a 2026-07-28
    /// request (whose tasks are the extension's): -32601.
    pub async fn answer<R: Role>(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<R>,
    ) -> HandlerResult {
        let method = request.method.as_str();
        // The 2025-11-25 protocol only: a 2026-07-28 request has the tasks extension.
        if !Self::handles(method) || cx.protocol_version().is_modern() {
            return Err(ErrorData::method_not_found(method));
        }
        require_tasks(cx.protocol_version(), method)?;
        self.inner.ensure_purger();
        let owner = owner_for(cx, &self.inner.config.owner)
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        if method == ListTasksRequest::METHOD {
            let params: PaginatedRequestParams = request.params()?;
            return self.list(&owner, params.cursor.as_deref()).await;
        }
        let params: TaskRequestParams = request.params()?;
        let id = params.task_id.as_str();
        match method {
            GetTaskRequest::METHOD => to_result(&to_wire(&self.summary(&owner, id).await?)),
            GetTaskPayloadRequest::METHOD => self.result(&owner, id, cx).await,
            _ => self.cancel(&owner, id, cx).await,
        }
    }

    /// The task without its params and outcome.
    async fn summary(&self, owner: &TaskOwner, id: &str) -> Result<TaskRecord, ErrorData> {
        self.inner
            .store
            .get_summary(owner, id, now_ms())
            .await
            .map_err(|e| lookup_failure(&e))
    }

    async fn get(&self, owner: &TaskOwner, id: &str) -> Result<TaskRecord, ErrorData> {
        self.inner
            .store
            .get(owner, id, now_ms())
            .await
            .map_err(|e| lookup_failure(&e))
    }

    async fn list(&self, owner: &TaskOwner, cursor: Option<&str>) -> HandlerResult {
        let after = cursor
            .map(|c| self.inner.cursors.decode(owner, c))
            .transpose()
            .map_err(|e| ErrorData::invalid_params(format!("invalid cursor: {e}")))?;
        let limit = self.inner.config.page_size.max(1);
        let page = self
            .inner
            .store
            .list(owner, after.as_ref(), limit, now_ms())
            .await
            .map_err(|e| store_failure(&e))?;
        let mut result = ListTasksResult::new(page.records.iter().map(to_wire).collect());
        if page.more
            && let Some(last) = page.records.last()
        {
            let position = ListPosition {
                created_at_ms: last.created_at_ms,
                task_id: last.task.task_id.clone(),
            };
            result.next_cursor = Some(self.inner.cursors.encode(owner, &position));
        }
        to_result(&result)
    }

    async fn cancel<R: Role>(
        &self,
        owner: &TaskOwner,
        id: &str,
        cx: &RequestContext<R>,
    ) -> HandlerResult {
        let update =
            TaskUpdate::new(TaskStatus::Cancelled, now_ms()).with_message(CANCELLED_MESSAGE);
        let record = match self.inner.store.update(owner, id, update).await {
            Ok(record) => record,
            Err(StoreError::InvalidTransition { current, .. }) => {
                return Err(ErrorData::invalid_params(format!(
                    "cannot cancel task: already in terminal status '{}'",
                    status_name(current)
                )));
            }
            Err(e) => return Err(lookup_failure(&e)),
        };
        tracing::debug!(task = %id, "task cancelled");
        match self.inner.live_task(id) {
            Some(live) => {
                live.cancel.cancel();
                self.inner.changed(&live, &record);
            }
            None if self.inner.config.status_notifications => {
                // The work runs elsewhere (or no longer): tell the requestor here.
                self.notify_requestor(cx, &record);
            }
            None => {}
        }
        to_result(&to_wire(&record))
    }

    fn notify_requestor<R: Role>(&self, cx: &RequestContext<R>, record: &TaskRecord) {
        use oxmcp_types::methods::{NotificationMethod, TaskStatusNotification};
        let Ok(raw) = serde_json::value::to_raw_value(&to_wire(record)) else {
            return;
        };
        let peer = cx.peer().unrelated();
        if let Err(e) = peer.try_notify_raw(TaskStatusNotification::METHOD, Some(raw)) {
            tracing::debug!(error = %e, "task status notification not sent");
        }
    }

    /// `tasks/result`: waits for a terminal status. A task whose work runs in this engine
    /// wakes its waiters on every change (a cancellation made by another process sharing
    /// the store ends the work here, which wakes them too), so they never read the store on
    /// a timer. For a task whose work runs elsewhere (another process, or another engine on
    /// the same store) the store is read every `store_poll_interval`.
    async fn result<R: Role>(
        &self,
        owner: &TaskOwner,
        id: &str,
        cx: &RequestContext<R>,
    ) -> HandlerResult {
        let mut waiting: Option<WaiterGuard> = None;
        loop {
            // Subscribe before reading, so that no change between the two is missed.
            let live = self.inner.live_task(id).filter(|l| l.owner == *owner);
            let mut changes = live.as_ref().map(|l| l.subscribe());
            // The status first; the outcome (which may be large) once there is one.
            if self.summary(owner, id).await?.task.status.is_terminal() {
                return payload(&self.get(owner, id).await?);
            }
            if waiting.is_none()
                && let Some(live) = &live
            {
                waiting = Some(live.add_waiter(cx.peer().session_id(), cx.id().clone()));
            }
            let elsewhere = live.is_none();
            drop(live);
            tokio::select! {
                () = changed(&mut changes) => {}
                () = tokio::time::sleep(self.inner.config.store_poll_interval), if elsewhere => {}
            }
        }
    }
}

async fn changed(changes: &mut Option<watch::Receiver<u64>>) {
    match changes {
        // An error means the task's work ended and its state is gone: read the store again.
        Some(rx) => drop(rx.changed().await),
        None => std::future::pending().await,
    }
}

/// What `tasks/result` returns for a terminal task.
fn payload(record: &TaskRecord) -> HandlerResult {
    let id = &record.task.task_id;
    match (&record.task.status, &record.outcome) {
        (TaskStatus::Cancelled, _) => Err(ErrorData::internal_error(format!(
            "task {id} was cancelled: it has no result"
        ))
        .with_data(serde_json::json!({ "taskId": id, "status": "cancelled" }))),
        (_, Some(TaskOutcome::Result(raw))) => with_related_task(Some(raw), id).map_err(|e| {
            ErrorData::internal_error(format!("the stored result is not a JSON object: {e}"))
        }),
        (_, Some(TaskOutcome::Error(e))) => Err(e.clone()),
        _ => Err(ErrorData::internal_error(format!(
            "task {id} ended without a stored result"
        ))),
    }
}

/// -32602 for an id that is unknown, expired or another owner's (indistinguishable);
/// -32603 for a store failure.
pub(crate) fn lookup_failure(e: &StoreError) -> ErrorData {
    match e {
        StoreError::NotFound => {
            ErrorData::invalid_params("Failed to retrieve task: Task not found")
        }
        other => store_failure(other),
    }
}

/// The wire name of a status (`completed`, `input_required`, ...).
fn status_name(status: TaskStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{status:?}"),
    }
}
