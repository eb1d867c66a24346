//! The tasks extension's answers to `tasks/get`, `tasks/update` and `tasks/cancel`, on the
//! same store and owners as the 2025-11-25 task protocol: a task of another owner, like an
//! unknown or expired one, is -32602 "not found".

use oxmcp_core::context::RequestContext;
use oxmcp_core::handler::{HandlerResult, IncomingRequest, to_result};
use oxmcp_core::role::Role;
use oxmcp_types::ErrorData;
use oxmcp_types::ext_tasks::{
    CancelTask, DetailedTask, GetTask, GetTaskResult, TaskIdParams, UpdateTask,
};
use oxmcp_types::methods::RequestMethod;
use oxmcp_types::tasks::TaskStatus;
use serde_json::{Map, Value, json};

use super::wire::modern_task;
use crate::receiver::clock::now_ms;
use crate::receiver::engine::to_wire;
use crate::receiver::owner::owner_for;
use crate::receiver::requests::{CANCELLED_MESSAGE, lookup_failure};
use crate::{StoreError, TaskEngine, TaskOutcome, TaskOwner, TaskRecord, TaskUpdate};

/// Whether `method` is one of the extension's requests.
pub(crate) fn handles(method: &str) -> bool {
    matches!(
        method,
        GetTask::METHOD | UpdateTask::METHOD | CancelTask::METHOD
    )
}

impl TaskEngine {
    /// Answers a 2026-07-28 `tasks/get`, `tasks/update` or `tasks/cancel` for the tasks the
    /// requestor of `cx` owns.
    ///
    /// - `tasks/get`: the task with what its status implies inlined: the outstanding
    ///   `inputRequests` (`input_required`), the result (`completed`), the JSON-RPC error
    ///   (`failed`). A tool result with `isError: true` is `completed` here, as the
    ///   extension says (the 2025-11-25 protocol shows the same task `failed`).
    /// - `tasks/update`: hands the `inputResponses` to the requests they answer; keys that
    ///   name no outstanding request are ignored. An empty acknowledgement.
    /// - `tasks/cancel`: cancels the task if it is not done yet. An empty acknowledgement,
    ///   for a task that already ended too (cancellation is cooperative).
    ///
    /// Unknown, expired or another owner's task: -32602.
    pub(crate) async fn answer_modern<R: Role>(
        &self,
        request: &IncomingRequest,
        cx: &RequestContext<R>,
    ) -> HandlerResult {
        self.inner.ensure_purger();
        let owner = owner_for(cx, &self.inner.config.owner)
            .map_err(|e| ErrorData::internal_error(e.to_string()))?;
        match request.method.as_str() {
            GetTask::METHOD => {
                let params: TaskIdParams = request.params()?;
                self.get_detailed(&owner, &params.task_id).await
            }
            UpdateTask::METHOD => {
                let params: Map<String, Value> = request.params()?;
                self.update_inputs(&owner, params).await
            }
            CancelTask::METHOD => {
                let params: TaskIdParams = request.params()?;
                self.cancel_modern(&owner, &params.task_id).await
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    async fn get_detailed(&self, owner: &TaskOwner, id: &str) -> HandlerResult {
        let record = self
            .inner
            .store
            .get(owner, id, now_ms())
            .await
            .map_err(|e| lookup_failure(&e))?;
        let inbox = self.inner.live_task(id).map(|live| live.inbox.clone());
        let requests = inbox.map(|inbox| inbox.requests()).unwrap_or_default();
        to_result(&GetTaskResult::new(detailed(&record, requests)?))
    }

    async fn update_inputs(&self, owner: &TaskOwner, params: Map<String, Value>) -> HandlerResult {
        let id = match params.get("taskId") {
            Some(Value::String(id)) => id.clone(),
            _ => return Err(ErrorData::invalid_params("`taskId` must be a string")),
        };
        let responses = match params.get("inputResponses") {
            Some(Value::Object(responses)) => responses.clone(),
            _ => {
                return Err(ErrorData::invalid_params(
                    "`inputResponses` must be an object",
                ));
            }
        };
        self.inner
            .store
            .get_summary(owner, &id, now_ms())
            .await
            .map_err(|e| lookup_failure(&e))?;
        // Answers for a task whose work does not run here answer nothing outstanding.
        if let Some(live) = self.inner.live_task(&id).filter(|l| l.owner == *owner) {
            let delivered = live.inbox.answer(responses)?;
            tracing::debug!(task = %id, delivered, "tasks/update");
        }
        to_result(&json!({ "resultType": "complete" }))
    }

    async fn cancel_modern(&self, owner: &TaskOwner, id: &str) -> HandlerResult {
        let update =
            TaskUpdate::new(TaskStatus::Cancelled, now_ms()).with_message(CANCELLED_MESSAGE);
        match self.inner.store.update(owner, id, update).await {
            Ok(record) => {
                tracing::debug!(task = %id, "task cancelled");
                if let Some(live) = self.inner.live_task(id) {
                    live.cancel.cancel();
                    self.inner.changed(&live, &record);
                }
            }
            // Already done: acknowledged all the same.
            Err(StoreError::InvalidTransition { .. }) => {}
            Err(e) => return Err(lookup_failure(&e)),
        }
        to_result(&json!({ "resultType": "complete" }))
    }
}

/// The record as a `DetailedTask` of the extension.
fn detailed(record: &TaskRecord, requests: Map<String, Value>) -> Result<DetailedTask, ErrorData> {
    let task = modern_task(&to_wire(record));
    let stored = |e: serde_json::Error| {
        ErrorData::internal_error(format!("the stored outcome is not readable: {e}"))
    };
    Ok(match (task.status, &record.outcome) {
        (TaskStatus::InputRequired, _) => {
            let requests = serde_json::from_value(Value::Object(requests)).map_err(stored)?;
            DetailedTask::input_required(task, requests)
        }
        (TaskStatus::Completed | TaskStatus::Failed, Some(TaskOutcome::Result(raw))) => {
            DetailedTask::completed(task, serde_json::from_str(raw.get()).map_err(stored)?)
        }
        (TaskStatus::Failed, Some(TaskOutcome::Error(e))) => DetailedTask::failed(task, e.clone()),
        (TaskStatus::Completed | TaskStatus::Failed, None) => {
            let e = ErrorData::internal_error("the task ended without a stored outcome");
            DetailedTask::failed(task, e)
        }
        _ => DetailedTask::plain(task),
    })
}
