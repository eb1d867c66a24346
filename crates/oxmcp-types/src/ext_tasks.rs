//! The tasks extension `io.modelcontextprotocol/tasks` (SEP-2663) of the modern era: a
//! server may answer `tools/call` with a task handle (`resultType: "task"`) instead of the
//! result; the client polls `tasks/get`, which returns the result once the task is done,
//! answers input requests with `tasks/update`, and may `tasks/cancel`.
//!
//! The shapes differ from the 2025-11-25 tasks of [`crate::tasks`] (`ttlMs` and
//! `pollIntervalMs` instead of `ttl`/`pollInterval`, the result inlined in the task), so they
//! are types of their own; [`TaskStatus`] is shared. A client or server declares the
//! extension under `capabilities.extensions["io.modelcontextprotocol/tasks"]`
//! ([`EXTENSION_ID`]).
//!
//! Names follow the extension's specification text and the second generation of its
//! reference package (`notifications/tasks`, the `taskIds` filter); the extension's draft
//! JSON Schema still carries the first generation's `notifications/tasks/status` and
//! `tasksStatus`, and does not admit `_meta` in params or `resultType` beside a task, which
//! the specification text requires.
//!
//! ```
//! use oxmcp_types::ext_tasks::{CreateTaskResult, Task};
//! use oxmcp_types::tasks::TaskStatus;
//!
//! let handle = CreateTaskResult::new(Task::new("t1", TaskStatus::Working, "2026-08-01T10:00:00Z"));
//! let json = serde_json::to_value(&handle).unwrap();
//! assert_eq!(json["resultType"], "task");
//! assert_eq!(json["ttlMs"], serde_json::Value::Null);
//! ```

use serde::{Deserialize, Serialize};

use crate::jsonrpc::ErrorData;
use crate::meta::{JsonObject, Meta};
use crate::methods::{NotificationMethod, RequestMethod};
use crate::modern::mrtr::{InputRequests, InputResponses};
use crate::modern::result::ResultType;
pub use crate::tasks::TaskStatus;

/// The extension identifier, the key under `capabilities.extensions`.
pub const EXTENSION_ID: &str = "io.modelcontextprotocol/tasks";

/// The `subscriptions/listen` filter member (and acknowledgement member) listing the task
/// ids whose status notifications the client wants (kept in
/// [`SubscriptionFilter::extra`](crate::modern::SubscriptionFilter::extra)).
pub const TASK_IDS_FILTER_KEY: &str = "taskIds";

/// A task's operational state (`Task` of the extension).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The task id, chosen by the server.
    pub task_id: String,
    /// Current state.
    pub status: TaskStatus,
    /// A human-readable explanation of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last update.
    pub last_updated_at: String,
    /// Lifetime in milliseconds from creation; `null`: unlimited. Always written.
    #[serde(
        default,
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub ttl_ms: Option<u64>,
    /// Suggested polling interval in milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub poll_interval_ms: Option<u64>,
}

impl Task {
    /// A task created at `created_at` (also its last update), with unlimited lifetime.
    pub fn new(
        task_id: impl Into<String>,
        status: TaskStatus,
        created_at: impl Into<String>,
    ) -> Self {
        let created_at = created_at.into();
        Self {
            task_id: task_id.into(),
            status,
            status_message: None,
            last_updated_at: created_at.clone(),
            created_at,
            ttl_ms: None,
            poll_interval_ms: None,
        }
    }

    /// Sets the lifetime (`None`: unlimited).
    #[must_use]
    pub fn with_ttl_ms(mut self, ttl_ms: Option<u64>) -> Self {
        self.ttl_ms = ttl_ms;
        self
    }

    /// Sets the polling interval.
    #[must_use]
    pub fn with_poll_interval_ms(mut self, ms: u64) -> Self {
        self.poll_interval_ms = Some(ms);
        self
    }

    /// Sets the status message.
    #[must_use]
    pub fn with_status_message(mut self, message: impl Into<String>) -> Self {
        self.status_message = Some(message.into());
        self
    }
}

/// A task with what its status implies inlined (`DetailedTask`): the outstanding input
/// requests (`input_required`), the result (`completed`) or the JSON-RPC error (`failed`).
/// The answer of `tasks/get` and the params of the status notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DetailedTask {
    /// The task.
    #[serde(flatten)]
    pub task: Task,
    /// Outstanding requests to the client (status `input_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_requests: Option<InputRequests>,
    /// The original request's result (status `completed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<JsonObject>,
    /// The JSON-RPC error the request failed with (status `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorData>,
}

/// Why a [`DetailedTask`] does not carry what its status requires.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a `{status}` task must carry `{member}`")]
#[non_exhaustive]
pub struct IncompleteTask {
    /// The status, as on the wire.
    pub status: &'static str,
    /// The member it lacks.
    pub member: &'static str,
}

impl DetailedTask {
    /// A task in `working` or `cancelled` state, with nothing inlined.
    pub fn plain(task: Task) -> Self {
        Self {
            task,
            input_requests: None,
            result: None,
            error: None,
        }
    }

    /// A `completed` task carrying `result`.
    pub fn completed(mut task: Task, result: JsonObject) -> Self {
        task.status = TaskStatus::Completed;
        Self {
            result: Some(result),
            ..Self::plain(task)
        }
    }

    /// A `failed` task carrying `error`.
    pub fn failed(mut task: Task, error: ErrorData) -> Self {
        task.status = TaskStatus::Failed;
        Self {
            error: Some(error),
            ..Self::plain(task)
        }
    }

    /// An `input_required` task carrying `requests`.
    pub fn input_required(mut task: Task, requests: InputRequests) -> Self {
        task.status = TaskStatus::InputRequired;
        Self {
            input_requests: Some(requests),
            ..Self::plain(task)
        }
    }

    /// Checks that the member the status requires is present.
    pub fn check(&self) -> Result<(), IncompleteTask> {
        let missing = match self.task.status {
            TaskStatus::InputRequired if self.input_requests.is_none() => {
                Some(("input_required", "inputRequests"))
            }
            TaskStatus::Completed if self.result.is_none() => Some(("completed", "result")),
            TaskStatus::Failed if self.error.is_none() => Some(("failed", "error")),
            _ => None,
        };
        missing.map_or(Ok(()), |(status, member)| {
            Err(IncompleteTask { status, member })
        })
    }
}

/// A task handle, returned instead of a request's result (`CreateTaskResult`,
/// `resultType: "task"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateTaskResult {
    /// The task's seed state.
    #[serde(flatten)]
    pub task: Task,
    /// Always `task`.
    pub result_type: ResultType,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl CreateTaskResult {
    /// The handle of `task`.
    pub fn new(task: Task) -> Self {
        Self {
            task,
            result_type: ResultType::Task,
            meta: None,
        }
    }
}

/// The answer of `tasks/get` (`GetTaskResult`, `resultType: "complete"`); also, without
/// `resultType`, the params of the status notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GetTaskResult {
    /// The task and what its status implies.
    #[serde(flatten)]
    pub task: DetailedTask,
    /// `complete` on a result; absent on notification params.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_type: Option<ResultType>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl GetTaskResult {
    /// The answer describing `task`.
    pub fn new(task: DetailedTask) -> Self {
        Self {
            task,
            result_type: Some(ResultType::Complete),
            meta: None,
        }
    }
}

/// Params of the status notification: the same shape as a `tasks/get` answer.
pub type TaskStatusNotificationParams = GetTaskResult;

/// The empty acknowledgement of `tasks/update` and `tasks/cancel` (`resultType:
/// "complete"`).
pub type TaskAck = crate::meta::EmptyResult;

/// Params naming a task (`tasks/get`, `tasks/cancel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskIdParams {
    /// The task.
    pub task_id: String,
    /// Metadata (the modern request `_meta`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl TaskIdParams {
    /// Params naming `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            meta: None,
        }
    }
}

/// Params of `tasks/update`: answers to the task's outstanding input requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateTaskParams {
    /// The task.
    pub task_id: String,
    /// Answers, by the keys of the task's `inputRequests`.
    pub input_responses: InputResponses,
    /// Metadata (the modern request `_meta`).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

impl UpdateTaskParams {
    /// Answers for task `task_id`.
    pub fn new(task_id: impl Into<String>, input_responses: InputResponses) -> Self {
        Self {
            task_id: task_id.into(),
            input_responses,
            meta: None,
        }
    }
}

/// `tasks/get` of the extension: the task's state, with the result once it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetTask;
impl RequestMethod for GetTask {
    const METHOD: &'static str = "tasks/get";
    type Params = TaskIdParams;
    type Result = GetTaskResult;
}

/// `tasks/update`: answers to a task's input requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateTask;
impl RequestMethod for UpdateTask {
    const METHOD: &'static str = "tasks/update";
    type Params = UpdateTaskParams;
    type Result = TaskAck;
}

/// `tasks/cancel` of the extension: cooperative, acknowledged at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CancelTask;
impl RequestMethod for CancelTask {
    const METHOD: &'static str = "tasks/cancel";
    type Params = TaskIdParams;
    type Result = TaskAck;
}

/// The status notification (`notifications/tasks`), sent on a `subscriptions/listen`
/// stream whose filter listed the task under `taskIds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskStatusNotification;
impl NotificationMethod for TaskStatusNotification {
    const METHOD: &'static str = "notifications/tasks";
    type Params = TaskStatusNotificationParams;
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task() -> Task {
        Task::new("t1", TaskStatus::Working, "2026-08-01T10:00:00Z")
            .with_ttl_ms(Some(60_000))
            .with_poll_interval_ms(500)
    }

    #[test]
    fn a_completed_task_inlines_its_result() {
        let result = json!({"content": [], "isError": false})
            .as_object()
            .unwrap()
            .clone();
        let get = GetTaskResult::new(DetailedTask::completed(task(), result));
        let v = serde_json::to_value(&get).unwrap();
        assert_eq!(
            v,
            json!({"taskId": "t1", "status": "completed", "createdAt": "2026-08-01T10:00:00Z",
                   "lastUpdatedAt": "2026-08-01T10:00:00Z", "ttlMs": 60000,
                   "pollIntervalMs": 500, "result": {"content": [], "isError": false},
                   "resultType": "complete"})
        );
        let back: GetTaskResult = serde_json::from_value(v).unwrap();
        assert_eq!(back, get);
        assert_eq!(back.task.check(), Ok(()));
    }

    #[test]
    fn check_names_what_a_status_lacks() {
        let mut t = DetailedTask::plain(task());
        t.task.status = TaskStatus::Failed;
        assert_eq!(
            t.check(),
            Err(IncompleteTask {
                status: "failed",
                member: "error"
            })
        );
        let failed = DetailedTask::failed(task(), ErrorData::internal_error("x"));
        assert_eq!(failed.check(), Ok(()));
        t.task.status = TaskStatus::InputRequired;
        assert!(t.check().is_err());
    }

    #[test]
    fn the_status_notification_carries_the_detailed_task() {
        use crate::modern::SubscriptionFilter;
        let mut filter = SubscriptionFilter::default();
        filter
            .extra
            .insert(TASK_IDS_FILTER_KEY.into(), json!(["t1"]));
        assert_eq!(
            serde_json::to_value(&filter).unwrap(),
            json!({"taskIds": ["t1"]})
        );
        let mut params: TaskStatusNotificationParams =
            GetTaskResult::new(DetailedTask::plain(task()));
        params.result_type = None;
        params.meta = Some(crate::modern::subscriptions::subscription_meta(
            &crate::RequestId::from(9),
        ));
        let v = serde_json::to_value(&params).unwrap();
        assert!(v.get("resultType").is_none());
        assert_eq!(v["_meta"]["io.modelcontextprotocol/subscriptionId"], 9);
        assert_eq!(TaskStatusNotification::METHOD, "notifications/tasks");
    }

    #[test]
    fn update_params_and_handles() {
        let p: UpdateTaskParams = serde_json::from_value(json!({
            "taskId": "t1", "inputResponses": {"name": {"action": "decline"}}
        }))
        .unwrap();
        assert_eq!(p.input_responses.len(), 1);
        let handle: CreateTaskResult = serde_json::from_value(json!({
            "resultType": "task", "taskId": "t", "status": "working",
            "createdAt": "a", "lastUpdatedAt": "b", "ttlMs": null
        }))
        .unwrap();
        assert_eq!(handle.result_type, ResultType::Task);
        assert_eq!(handle.task.ttl_ms, None);
    }
}
