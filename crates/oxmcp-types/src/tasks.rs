//! Tasks (SEP-1686, experimental in 2025-11-25): durable state machines that wrap a request
//! for polling and deferred results.
//!
//! ```
//! use oxmcp_types::tasks::{Task, TaskStatus};
//! let task = Task::new("t1", TaskStatus::Working, "2025-11-25T10:00:00Z").with_ttl(Some(60_000));
//! let json = serde_json::to_value(&task).unwrap();
//! assert_eq!(json["status"], "working");
//! assert_eq!(json["ttl"], 60_000);
//! assert!(!task.status.is_terminal());
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::meta::{JsonObject, Meta};
use crate::pagination::list_result;

/// The `_meta` key that ties a message to a task: `{"taskId": ...}`.
pub const RELATED_TASK_META_KEY: &str = "io.modelcontextprotocol/related-task";

/// The `_meta` key of [`CreateTaskResult`] with a provisional text the host may hand to the
/// model while the task runs.
pub const MODEL_IMMEDIATE_RESPONSE_META_KEY: &str =
    "io.modelcontextprotocol/model-immediate-response";

/// The state of a task (`TaskStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TaskStatus {
    /// Being worked on (the initial state).
    Working,
    /// Waiting for the requestor (an elicitation or sampling request is pending).
    InputRequired,
    /// Finished successfully (terminal).
    Completed,
    /// Finished with an error (terminal).
    Failed,
    /// Cancelled (terminal).
    Cancelled,
}

impl TaskStatus {
    /// Whether the status can no longer change.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// Whether the spec allows moving from `self` to `next`.
    pub const fn can_become(self, next: Self) -> bool {
        match self {
            Self::Working => !matches!(next, Self::Working),
            Self::InputRequired => !matches!(next, Self::InputRequired),
            Self::Completed | Self::Failed | Self::Cancelled => false,
        }
    }
}

/// A task (`Task`); also the result of `tasks/get` and `tasks/cancel` and the params of
/// `notifications/tasks/status`, which is why it has a `_meta` member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Task {
    /// The task id, chosen by the receiver.
    pub task_id: String,
    /// Current state.
    pub status: TaskStatus,
    /// A human-readable explanation of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
    /// ISO 8601 creation time.
    pub created_at: String,
    /// ISO 8601 time of the last status change.
    pub last_updated_at: String,
    /// Lifetime in milliseconds from creation; `null` means unlimited. Always written; read
    /// as `None` when absent.
    #[serde(
        default,
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub ttl: Option<u64>,
    /// Suggested polling interval in milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub poll_interval: Option<u64>,
    /// Metadata (of the result or notification that carries the task).
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl Task {
    /// A task created at `created_at` (also its last update), with unlimited ttl.
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
            ttl: None,
            poll_interval: None,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Sets the ttl in milliseconds (`None`: unlimited).
    #[must_use]
    pub fn with_ttl(mut self, ttl: Option<u64>) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets the suggested polling interval in milliseconds.
    #[must_use]
    pub fn with_poll_interval(mut self, ms: u64) -> Self {
        self.poll_interval = Some(ms);
        self
    }

    /// Sets the status message.
    #[must_use]
    pub fn with_status_message(mut self, message: impl Into<String>) -> Self {
        self.status_message = Some(message.into());
        self
    }
}

/// The result of `tasks/get` (`GetTaskResult`).
pub type GetTaskResult = Task;
/// The result of `tasks/cancel` (`CancelTaskResult`).
pub type CancelTaskResult = Task;
/// The params of `notifications/tasks/status` (`TaskStatusNotificationParams`).
pub type TaskStatusNotificationParams = Task;
/// The result of `tasks/result` (`GetTaskPayloadResult`): whatever the original request
/// returns, as a JSON object, with the related-task `_meta`.
pub type GetTaskPayloadResult = JsonObject;

/// The `task` member of a task-augmented request (`TaskMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TaskMetadata {
    /// Requested lifetime in milliseconds.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::wire::lenient_opt_u64::deserialize"
    )]
    pub ttl: Option<u64>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl TaskMetadata {
    /// Task metadata with a requested ttl.
    pub fn with_ttl(ttl: u64) -> Self {
        Self {
            ttl: Some(ttl),
            extra: JsonObject::new(),
        }
    }
}

/// The value under [`RELATED_TASK_META_KEY`] (`RelatedTaskMetadata`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RelatedTaskMetadata {
    /// The related task.
    pub task_id: String,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl RelatedTaskMetadata {
    /// Metadata relating to `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            extra: JsonObject::new(),
        }
    }

    /// Reads the related task from a `_meta` object.
    ///
    /// ```
    /// use oxmcp_types::tasks::RelatedTaskMetadata;
    /// let mut meta = oxmcp_types::Meta::new();
    /// RelatedTaskMetadata::new("t9").insert_into(&mut meta);
    /// assert_eq!(RelatedTaskMetadata::from_meta(&meta).unwrap().task_id, "t9");
    /// ```
    pub fn from_meta(meta: &Meta) -> Option<Self> {
        meta.get(RELATED_TASK_META_KEY)
            .and_then(|v| Self::deserialize(v).ok())
    }

    /// Writes this under [`RELATED_TASK_META_KEY`] into `meta`.
    pub fn insert_into(&self, meta: &mut Meta) {
        let mut obj = self.extra.clone();
        obj.insert("taskId".to_owned(), Value::String(self.task_id.clone()));
        meta.insert(RELATED_TASK_META_KEY.to_owned(), Value::Object(obj));
    }
}

/// What a receiver answers to a task-augmented request (`CreateTaskResult`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateTaskResult {
    /// The task just created.
    pub task: Task,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl CreateTaskResult {
    /// A result for `task`.
    pub fn new(task: Task) -> Self {
        Self {
            task,
            meta: None,
            extra: JsonObject::new(),
        }
    }

    /// Sets the provisional text under [`MODEL_IMMEDIATE_RESPONSE_META_KEY`].
    #[must_use]
    pub fn with_model_immediate_response(mut self, text: impl Into<String>) -> Self {
        self.meta.get_or_insert_with(Meta::new).insert(
            MODEL_IMMEDIATE_RESPONSE_META_KEY.to_owned(),
            Value::String(text.into()),
        );
        self
    }

    /// The provisional text under [`MODEL_IMMEDIATE_RESPONSE_META_KEY`], if any.
    pub fn model_immediate_response(&self) -> Option<&str> {
        self.meta
            .as_ref()?
            .get(MODEL_IMMEDIATE_RESPONSE_META_KEY)?
            .as_str()
    }
}

/// Params naming one task: `tasks/get`, `tasks/result` and `tasks/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TaskRequestParams {
    /// The task.
    pub task_id: String,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl TaskRequestParams {
    /// Params naming `task_id`.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            ..Self::default()
        }
    }
}

/// Params of `tasks/get`.
pub type GetTaskRequestParams = TaskRequestParams;
/// Params of `tasks/result`.
pub type GetTaskPayloadRequestParams = TaskRequestParams;
/// Params of `tasks/cancel`.
pub type CancelTaskRequestParams = TaskRequestParams;

list_result!(
    /// The result of `tasks/list`.
    ListTasksResult {
        /// The tasks of this page.
        tasks: Task => "tasks"
    }
);

/// Params that may ask for task augmentation (`TaskAugmentedRequestParams`): `tools/call`,
/// `sampling/createMessage` and `elicitation/create`.
pub trait TaskAugmentedRequestParams {
    /// The `task` member, if the requestor asked for a task.
    fn task(&self) -> Option<&TaskMetadata>;
    /// Removes and returns the `task` member.
    fn take_task(&mut self) -> Option<TaskMetadata>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_spec() {
        use TaskStatus::*;
        assert!(Working.can_become(InputRequired));
        assert!(InputRequired.can_become(Working));
        assert!(!Working.can_become(Working));
        for t in [Completed, Failed, Cancelled] {
            assert!(t.is_terminal());
            assert!(!t.can_become(Working));
        }
    }

    #[test]
    fn ttl_null_is_written_and_read() {
        let t = Task::new("a", TaskStatus::Completed, "2025-01-01T00:00:00Z");
        let v = serde_json::to_value(&t).unwrap();
        assert!(v["ttl"].is_null());
        assert_eq!(serde_json::from_value::<Task>(v).unwrap(), t);
    }
}
