//! The storage contract of tasks: [`TaskStore`], what it stores ([`TaskRecord`]), and how
//! it fails ([`StoreError`]). The engine is the only writer of task state; a store only
//! keeps records and applies each change atomically.
//!
//! Implementations: [`MemoryTaskStore`](super::MemoryTaskStore) here, the durable SQLite
//! store in the `oxmcp-store-sqlite` crate. Every implementation must pass the shared
//! contract tests (`oxmcp_tasks::store_contract`, behind the `store-contract` feature).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::value::RawValue;
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

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

impl TaskRecord {
    /// A record of `task` for `owner`, wrapping a `method` request, created at
    /// `created_at_ms`: last updated then too, expiring `task.ttl` ms later (never when the
    /// ttl is `None`), without params or outcome.
    pub fn new(
        task: Task,
        owner: TaskOwner,
        method: impl Into<String>,
        created_at_ms: i64,
    ) -> Self {
        let expires_at_ms = task
            .ttl
            .map(|ttl| created_at_ms.saturating_add(i64::try_from(ttl).unwrap_or(i64::MAX)));
        Self {
            task,
            owner,
            method: method.into(),
            params: None,
            created_at_ms,
            updated_at_ms: created_at_ms,
            expires_at_ms,
            outcome: None,
        }
    }

    /// Sets the params of the wrapped request.
    #[must_use]
    pub fn with_params(mut self, params: Box<RawValue>) -> Self {
        self.params = Some(params);
        self
    }

    /// Sets the time of the last status change.
    #[must_use]
    pub fn with_updated_at_ms(mut self, updated_at_ms: i64) -> Self {
        self.updated_at_ms = updated_at_ms;
        self
    }

    /// Sets the expiry time (`None`: never).
    #[must_use]
    pub fn with_expires_at_ms(mut self, expires_at_ms: Option<i64>) -> Self {
        self.expires_at_ms = expires_at_ms;
        self
    }

    /// Sets the outcome.
    #[must_use]
    pub fn with_outcome(mut self, outcome: TaskOutcome) -> Self {
        self.outcome = Some(outcome);
        self
    }

    /// Whether the task has expired at `now_ms` (`expires_at_ms` at or before it).
    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|at| at <= now_ms)
    }

    /// Checks that the record has an outcome exactly when its status is `completed` or
    /// `failed` ([`StoreError::InvalidOutcome`] otherwise). Stores call this in `create`.
    pub fn check_outcome(&self) -> Result<(), StoreError> {
        check_outcome(self.task.status, self.outcome.is_some())
    }

    /// Applies `update` as every store must: refuses an outcome that does not match the new
    /// status ([`StoreError::InvalidOutcome`]) and a transition that
    /// [`TaskStatus::can_become`] does not allow ([`StoreError::InvalidTransition`]);
    /// otherwise sets the status, the status message, the outcome and the time of the
    /// change (`updated_at_ms` and the wire `lastUpdatedAt`). On error `self` is unchanged.
    /// Owner and expiry checks are the caller's.
    ///
    /// Time never goes back: a change dated before the last one (a wall clock stepped back,
    /// another process whose clock lags) is dated at the last one, so that requestors,
    /// which order statuses by `lastUpdatedAt`, never see a later status as older.
    pub fn apply(&mut self, update: TaskUpdate) -> Result<(), StoreError> {
        check_outcome(update.status, update.outcome.is_some())?;
        let current = self.task.status;
        if !current.can_become(update.status) {
            return Err(StoreError::InvalidTransition {
                current,
                requested: update.status,
            });
        }
        let now_ms = update.now_ms.max(self.updated_at_ms);
        self.task.status = update.status;
        self.task.status_message = update.status_message;
        self.task.last_updated_at = wire_timestamp(now_ms);
        self.updated_at_ms = now_ms;
        self.outcome = update.outcome;
        Ok(())
    }
}

fn check_outcome(status: TaskStatus, has_outcome: bool) -> Result<(), StoreError> {
    let wants_outcome = matches!(status, TaskStatus::Completed | TaskStatus::Failed);
    if wants_outcome == has_outcome {
        Ok(())
    } else {
        Err(StoreError::InvalidOutcome { status })
    }
}

/// The wire form of a time (`createdAt`, `lastUpdatedAt`): ISO 8601 in UTC with
/// milliseconds, as JavaScript's `Date.toISOString` writes it. Times before 1970 and after
/// 9999 are clamped to those years, so the output always has this shape.
///
/// ```
/// use oxmcp_tasks::wire_timestamp;
/// assert_eq!(wire_timestamp(0), "1970-01-01T00:00:00.000Z");
/// assert_eq!(wire_timestamp(1_764_064_800_123), "2025-11-25T10:00:00.123Z");
/// ```
pub fn wire_timestamp(ms: i64) -> String {
    const MAX_MS: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
    const WIRE: &[BorrowedFormatItem<'_>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    let ms = ms.clamp(0, MAX_MS);
    let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    // Every time in the clamped range has this form; formatting it cannot fail.
    at.format(WIRE)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
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

/// The limits [`TaskStore::create`] enforces, per owner.
///
/// ```
/// use oxmcp_tasks::CreateLimits;
///
/// let limits = CreateLimits::new(100, 1000);
/// assert_eq!((limits.max_unfinished_per_owner, limits.max_per_owner), (100, 1000));
/// assert_eq!(CreateLimits::UNLIMITED.max_per_owner, usize::MAX);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreateLimits {
    /// How many unexpired tasks that are not terminal (`working`, `input_required`) the
    /// owner may have.
    pub max_unfinished_per_owner: usize,
    /// How many unexpired tasks the owner may have stored, finished ones included.
    pub max_per_owner: usize,
}

impl CreateLimits {
    /// No limit.
    pub const UNLIMITED: Self = Self {
        max_unfinished_per_owner: usize::MAX,
        max_per_owner: usize::MAX,
    };

    /// At most `max_unfinished_per_owner` unfinished tasks and `max_per_owner` tasks in
    /// all per owner.
    pub const fn new(max_unfinished_per_owner: usize, max_per_owner: usize) -> Self {
        Self {
            max_unfinished_per_owner,
            max_per_owner,
        }
    }

    /// Checks an owner's counts (of unexpired tasks) before one more is created.
    pub fn check(&self, unfinished: usize, all: usize) -> Result<(), StoreError> {
        if unfinished >= self.max_unfinished_per_owner {
            return Err(StoreError::LimitReached {
                kind: LimitKind::UnfinishedPerOwner,
                limit: self.max_unfinished_per_owner,
            });
        }
        if all >= self.max_per_owner {
            return Err(StoreError::LimitReached {
                kind: LimitKind::PerOwner,
                limit: self.max_per_owner,
            });
        }
        Ok(())
    }
}

/// Which limit of [`CreateLimits`] refused a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// [`CreateLimits::max_unfinished_per_owner`].
    UnfinishedPerOwner,
    /// [`CreateLimits::max_per_owner`].
    PerOwner,
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
    /// An outcome was given with a status other than `completed` or `failed`, or one of
    /// those without an outcome.
    #[error(
        "an outcome goes with completed and failed only, and they need one (status {status:?})"
    )]
    InvalidOutcome {
        /// The status the record or update has.
        status: TaskStatus,
    },
    /// The owner has as many tasks as a limit of [`CreateLimits`] allows.
    #[error("too many tasks ({kind:?} limit {limit})")]
    LimitReached {
        /// Which limit.
        kind: LimitKind,
        /// Its value.
        limit: usize,
    },
    /// The backend failed (I/O, database, corruption); the message names the cause.
    #[error("task store failed: {0}")]
    Backend(String),
    /// The backend cannot be reached now (a database server down or restarting); the
    /// message names the cause. Unlike [`Backend`](Self::Backend), expected to pass: the
    /// engine retries its writes, and a server may answer new work with "unavailable".
    #[error("task store unavailable: {0}")]
    Unavailable(String),
}

/// Durable (or not) storage of task records. All methods are atomic with respect to each
/// other: of 100 concurrent updates of one task to `cancelled`, exactly one succeeds.
///
/// Implementations must not hold locks across `.await` points of their callers and must
/// pass the contract tests in `store_contract`.
pub trait TaskStore: Send + Sync + 'static {
    /// Inserts a new record, unless the id is taken ([`StoreError::Duplicate`]) or the
    /// owner is at a limit of `limits` ([`StoreError::LimitReached`], checked as
    /// [`CreateLimits::check`] does: unfinished tasks first, then all). Ids are unique
    /// across owners. Expiry is judged at `record.created_at_ms`: an expired task counts
    /// for neither the limits nor duplicates (its id may be used again). A record whose
    /// outcome does not match its status is refused ([`StoreError::InvalidOutcome`]).
    fn create(&self, record: TaskRecord, limits: CreateLimits) -> StoreFuture<'_, ()>;

    /// Whether other processes may change the records behind this store's back (a database
    /// that several processes open). The engine then reads the record of each task it
    /// runs every [`store_poll_interval`](super::TaskConfig::store_poll_interval), to see
    /// a cancellation made elsewhere; for a store of this process alone it never polls.
    /// Default: false.
    fn shared(&self) -> bool {
        false
    }

    /// How often the engine must renew the leases of the tasks it runs, for a store that
    /// several live processes share and that keeps leases: each task is run by one process
    /// at a time, the holder of its lease. `None` (the default): the store keeps no leases
    /// (one process serves tasks from it at a time).
    ///
    /// A store with leases gives the lease of a task it creates to its own process (every
    /// process has its own store value, with its own holder identity), renews them in
    /// [`renew_leases`](Self::renew_leases), and lets [`claim`](Self::claim) take one over
    /// only once it expired: a process that stopped (crashed, killed, cut off) loses its
    /// tasks to the others when its leases run out, and never while they last.
    fn lease_renewal(&self) -> Option<Duration> {
        None
    }

    /// Takes the lease of the unfinished task `task_id` for this process when nobody holds
    /// an unexpired one; false when a process holds it (this one included: a task it has
    /// just created is about to run here), or the task is missing or finished. What [`TaskEngine::recover`](super::TaskEngine::recover)
    /// asks before it resumes or fails a task. Default (no leases): true.
    fn claim<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, bool> {
        let _ = task_id;
        Box::pin(std::future::ready(Ok(true)))
    }

    /// Extends this process's leases of `task_ids` (the tasks it runs); returns the ids of
    /// those another process holds now (this one's lease ran out and was taken over): the
    /// engine stops their work here without writing anything. Missing or finished tasks
    /// are not returned. Default (no leases): none.
    fn renew_leases<'a>(&'a self, task_ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        let _ = task_ids;
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    /// The record of task `task_id` if it belongs to `owner` and has not expired at
    /// `now_ms` (an expired one is reported as [`StoreError::NotFound`]).
    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord>;

    /// [`get`](Self::get) without the params and the outcome (both `None` in the record
    /// returned, whatever its status): what `tasks/get` and the watch of a running task
    /// need, without reading what may be megabytes. The default reads the whole record and
    /// drops them; a store that can read less should.
    fn get_summary<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(async move {
            let mut record = self.get(owner, task_id, now_ms).await?;
            record.params = None;
            record.outcome = None;
            Ok(record)
        })
    }

    /// Applies `update` if the task belongs to `owner`, has not expired at `update.now_ms`,
    /// and its current status may become `update.status`, as [`TaskRecord::apply`] does;
    /// returns the record as it is afterwards.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_timestamps_of_known_instants() {
        assert_eq!(wire_timestamp(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            wire_timestamp(4_107_542_399_999),
            "2100-02-28T23:59:59.999Z"
        );
        assert_eq!(wire_timestamp(-5), "1970-01-01T00:00:00.000Z");
        assert_eq!(wire_timestamp(i64::MAX), "9999-12-31T23:59:59.999Z");
        assert_eq!(wire_timestamp(i64::MIN), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn wire_timestamps_read_back_as_rfc_3339() {
        // One instant a day, at a different millisecond each, over four centuries.
        for days in 0..146_097_i64 {
            let ms = days * 86_400_000 + (days * 7_919) % 86_400_000;
            let text = wire_timestamp(ms);
            assert_eq!(text.len(), 24, "{text}");
            let parsed =
                OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(
                parsed.unix_timestamp_nanos(),
                i128::from(ms) * 1_000_000,
                "{text}"
            );
        }
    }

    #[test]
    fn apply_sets_the_time_of_the_change_and_refuses_without_changing() {
        let task = Task::new("t", TaskStatus::Working, wire_timestamp(1000));
        let mut record = TaskRecord::new(task, TaskOwner::new("o"), "tools/call", 1000);
        let before = record.clone();
        let refused = record.apply(TaskUpdate::new(TaskStatus::Working, 2000));
        assert!(matches!(refused, Err(StoreError::InvalidTransition { .. })));
        let refused = record.apply(TaskUpdate::new(TaskStatus::Completed, 2000));
        assert_eq!(
            refused,
            Err(StoreError::InvalidOutcome {
                status: TaskStatus::Completed
            })
        );
        assert_eq!(record, before);
        record
            .apply(TaskUpdate::new(TaskStatus::Cancelled, 2000).with_message("bye"))
            .unwrap();
        assert_eq!(record.updated_at_ms, 2000);
        assert_eq!(record.task.last_updated_at, "1970-01-01T00:00:02.000Z");
        assert_eq!(record.task.status_message.as_deref(), Some("bye"));
    }

    #[test]
    fn time_never_goes_back() {
        let task = Task::new("t", TaskStatus::Working, wire_timestamp(5000));
        let mut record = TaskRecord::new(task, TaskOwner::new("o"), "tools/call", 5000);
        record
            .apply(TaskUpdate::new(TaskStatus::InputRequired, 9000))
            .unwrap();
        // The clock stepped back: the next change is dated at the last one, not before.
        record
            .apply(TaskUpdate::new(TaskStatus::Working, 7000))
            .unwrap();
        assert_eq!(record.updated_at_ms, 9000);
        assert_eq!(record.task.last_updated_at, wire_timestamp(9000));
        record
            .apply(TaskUpdate::new(TaskStatus::Cancelled, 9500))
            .unwrap();
        assert_eq!(record.updated_at_ms, 9500);
    }

    #[test]
    fn limits_check_unfinished_tasks_first() {
        let limits = CreateLimits::new(2, 3);
        assert_eq!(limits.check(1, 2), Ok(()));
        let unfinished = limits.check(2, 3).unwrap_err();
        assert_eq!(
            unfinished,
            StoreError::LimitReached {
                kind: LimitKind::UnfinishedPerOwner,
                limit: 2
            }
        );
        let all = limits.check(0, 3).unwrap_err();
        assert_eq!(
            all,
            StoreError::LimitReached {
                kind: LimitKind::PerOwner,
                limit: 3
            }
        );
    }

    #[test]
    fn a_huge_ttl_saturates_the_expiry() {
        let task = Task::new("t", TaskStatus::Working, "x").with_ttl(Some(u64::MAX));
        let record = TaskRecord::new(task, TaskOwner::new("o"), "tools/call", 5);
        assert_eq!(record.expires_at_ms, Some(i64::MAX));
        assert!(!record.is_expired(i64::MAX - 1));
    }
}
