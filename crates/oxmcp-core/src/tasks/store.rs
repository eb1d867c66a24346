//! The storage contract of tasks: [`TaskStore`], what it stores ([`TaskRecord`]), and how
//! it fails ([`StoreError`]). The engine is the only writer of task state; a store only
//! keeps records and applies each change atomically.
//!
//! Implementations: [`MemoryTaskStore`](super::MemoryTaskStore) here, the durable SQLite
//! store in the `oxmcp-store-sqlite` crate. Every implementation must pass the shared
//! contract tests (`oxmcp_core::tasks::store_contract`, behind the `store-contract` feature).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::value::RawValue;

/// A boxed future, so that [`TaskStore`] can be used as `Arc<dyn TaskStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Who a task belongs to: the authenticated principal, else the session that created it.
/// Opaque to the store, compared byte for byte. Every read and write names the owner; a
/// task of another owner is reported exactly like a task that does not exist.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaskOwner(String);

impl TaskOwner {
    /// An owner named `key` (for example `principal:alice` or `session:<random>`).
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TaskOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Owners may name principals; print a prefix only.
        let shown: String = self.0.chars().take(12).collect();
        write!(f, "TaskOwner({shown}…)")
    }
}

/// How a terminal task ended: exactly what the underlying request returned.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TaskOutcome {
    /// The request's result, as the JSON text it was (kept byte for byte).
    Result(Box<RawValue>),
    /// The request's JSON-RPC error.
    Error(ErrorData),
}

impl PartialEq for TaskOutcome {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Result(a), Self::Result(b)) => a.get() == b.get(),
            (Self::Error(a), Self::Error(b)) => a == b,
            _ => false,
        }
    }
}

/// Everything a store keeps about one task.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskRecord {
    /// The task as the wire shows it (id, status, statusMessage, timestamps, ttl,
    /// pollInterval). `_meta` and unknown members are not stored.
    pub task: Task,
    /// Who may see it.
    pub owner: TaskOwner,
    /// The method of the request the task wraps (`tools/call`, `sampling/createMessage`,
    /// `elicitation/create`).
    pub method: String,
    /// The params of that request (without `task`), so that a resumable handler can run
    /// again after a restart. Kept byte for byte.
    pub params: Option<Box<RawValue>>,
    /// Creation time, milliseconds since the Unix epoch (the wire `createdAt` is derived).
    pub created_at_ms: i64,
    /// Last status change, milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// When the store may delete the task: `created_at_ms + ttl`; `None` = never.
    pub expires_at_ms: Option<i64>,
    /// Set exactly when the status is `completed` or `failed`.
    pub outcome: Option<TaskOutcome>,
}

impl PartialEq for TaskRecord {
    fn eq(&self, other: &Self) -> bool {
        self.task == other.task
            && self.owner == other.owner
            && self.method == other.method
            && self.params.as_ref().map(|p| p.get()) == other.params.as_ref().map(|p| p.get())
            && self.created_at_ms == other.created_at_ms
            && self.updated_at_ms == other.updated_at_ms
            && self.expires_at_ms == other.expires_at_ms
            && self.outcome == other.outcome
    }
}

/// One change of a task's state, applied atomically by [`TaskStore::update`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskUpdate {
    /// The new status; the store refuses it unless
    /// [`TaskStatus::can_become`](oxmcp_types::tasks::TaskStatus::can_become) allows it
    /// from the current one.
    pub status: TaskStatus,
    /// The new status message (`None` clears it).
    pub status_message: Option<String>,
    /// The outcome, for `completed` and `failed`.
    pub outcome: Option<TaskOutcome>,
    /// The time of the change (becomes `lastUpdatedAt`), ms since the Unix epoch.
    pub now_ms: i64,
}

impl TaskUpdate {
    /// A change to `status` at `now_ms`, without message or outcome.
    pub fn new(status: TaskStatus, now_ms: i64) -> Self {
        Self {
            status,
            status_message: None,
            outcome: None,
            now_ms,
        }
    }

    /// Sets the status message.
    #[must_use]
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.status_message = Some(message.into());
        self
    }

    /// Sets the outcome.
    #[must_use]
    pub fn with_outcome(mut self, outcome: TaskOutcome) -> Self {
        self.outcome = Some(outcome);
        self
    }
}

/// Where a page of [`TaskStore::list`] starts: after the task with this creation time and
/// id (tasks are listed by `(created_at_ms, task_id)` ascending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPosition {
    /// `created_at_ms` of the last task of the previous page.
    pub created_at_ms: i64,
    /// Its id.
    pub task_id: String,
}

/// One page of [`TaskStore::list`].
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPage {
    /// At most `limit` records, in `(created_at_ms, task_id)` order.
    pub records: Vec<TaskRecord>,
    /// Whether more records follow the last one.
    pub more: bool,
}

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No task with this id belongs to this owner (it may not exist, belong to someone
    /// else, or have expired: the caller cannot tell which).
    #[error("task not found")]
    NotFound,
    /// The transition is not allowed from the current status (which is returned).
    #[error("task is {current:?}: cannot become {requested:?}")]
    InvalidTransition {
        /// The status the task has.
        current: TaskStatus,
        /// The status that was asked for.
        requested: TaskStatus,
    },
    /// A task with this id exists already.
    #[error("task id already in use")]
    Duplicate,
    /// The owner has `limit` unfinished tasks already.
    #[error("too many unfinished tasks (limit {limit})")]
    LimitReached {
        /// The limit that applied.
        limit: usize,
    },
    /// The backend failed (I/O, database, corruption); the message names the cause.
    #[error("task store failed: {0}")]
    Backend(String),
}

/// Durable (or not) storage of task records. All methods are atomic with respect to each
/// other: of 100 concurrent updates of one task to `cancelled`, exactly one succeeds.
///
/// Implementations must not hold locks across `.await` points of their callers and must
/// pass the contract tests in `store_contract`.
pub trait TaskStore: Send + Sync + 'static {
    /// Inserts a new record, unless the owner already has `max_active` tasks that are not
    /// terminal ([`StoreError::LimitReached`]) or the id is taken ([`StoreError::Duplicate`]).
    fn create(&self, record: TaskRecord, max_active: usize) -> StoreFuture<'_, ()>;

    /// The record of task `task_id` if it belongs to `owner` and has not expired at
    /// `now_ms` (an expired one is reported as [`StoreError::NotFound`]).
    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord>;

    /// Applies `update` if the task belongs to `owner`, has not expired, and its current
    /// status may become `update.status`; returns the record as it is afterwards.
    fn update<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        update: TaskUpdate,
    ) -> StoreFuture<'a, TaskRecord>;

    /// The owner's unexpired tasks, oldest first, starting after `after`, at most `limit`.
    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        after: Option<&'a ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskPage>;

    /// Every unexpired task of any owner that is not terminal (`working` or
    /// `input_required`): what a restarted process must resume or fail.
    fn unfinished(&self, now_ms: i64) -> StoreFuture<'_, Vec<TaskRecord>>;

    /// Deletes every task whose `expires_at_ms` is at or before `now_ms`; returns how many.
    fn purge_expired(&self, now_ms: i64) -> StoreFuture<'_, usize>;
}
