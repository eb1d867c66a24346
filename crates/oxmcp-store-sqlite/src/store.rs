//! [`SqliteTaskStore`]: the [`TaskStore`] on the database thread.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxmcp_tasks::{
    CreateLimits, ListPosition, StoreFuture, TaskOwner, TaskPage, TaskRecord, TaskStore, TaskUpdate,
};

use crate::error::OpenError;
use crate::ops;
use crate::options::SqliteOptions;
use crate::worker::{Access, Worker};

/// A durable [`TaskStore`] in one SQLite file (WAL mode). See the [crate docs](crate).
///
/// Cheap to clone: clones share one database thread, which closes the file when the last
/// clone is dropped.
///
/// Several stores (in one process or several) may open the same file for storage: SQLite's
/// locking keeps them consistent, and the store says it is [shared](TaskStore::shared), so
/// an engine running a task watches its record for a cancellation made by another process.
/// But [`TaskEngine::recover`](oxmcp_tasks::TaskEngine::recover) must run only when
/// no other live process serves tasks from the file: it takes every unfinished task in it
/// for one interrupted by a stopped process, and would resume or fail the running tasks of
/// the others.
#[derive(Clone)]
pub struct SqliteTaskStore {
    worker: Worker,
    path: Arc<PathBuf>,
}

impl SqliteTaskStore {
    /// Opens (creating it if needed) the task database at `path` with the default
    /// [`SqliteOptions`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, OpenError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens (creating it if needed) the task database at `path`: starts its thread, turns
    /// on WAL mode, sets durability and the busy timeout, and creates or migrates the
    /// schema. Refuses a file that is not SQLite or is corrupt ([`OpenError::Corrupt`]),
    /// one of a newer schema ([`OpenError::NewerSchema`]) and another program's database
    /// ([`OpenError::Foreign`]), leaving them untouched.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, OpenError> {
        let path = path.as_ref().to_owned();
        let worker = Worker::start(path.clone(), options).await?;
        Ok(Self {
            worker,
            path: Arc::new(path),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl fmt::Debug for SqliteTaskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteTaskStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TaskStore for SqliteTaskStore {
    fn create(&self, record: TaskRecord, limits: CreateLimits) -> StoreFuture<'_, ()> {
        Box::pin(self.worker.call(Access::Write, move |conn| {
            ops::create(conn, &record, limits)
        }))
    }

    /// True: other processes may open the same file.
    fn shared(&self) -> bool {
        true
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        let (owner, task_id) = (owner.clone(), task_id.to_owned());
        Box::pin(self.worker.call(Access::Read, move |conn| {
            ops::get(conn, &owner, &task_id, now_ms)
        }))
    }

    fn get_summary<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        let (owner, task_id) = (owner.clone(), task_id.to_owned());
        Box::pin(self.worker.call(Access::Read, move |conn| {
            ops::get_summary(conn, &owner, &task_id, now_ms)
        }))
    }

    fn update<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        update: TaskUpdate,
    ) -> StoreFuture<'a, TaskRecord> {
        let (owner, task_id) = (owner.clone(), task_id.to_owned());
        Box::pin(self.worker.call(Access::Write, move |conn| {
            ops::update(conn, &owner, &task_id, update)
        }))
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        after: Option<&'a ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskPage> {
        let (owner, after) = (owner.clone(), after.cloned());
        Box::pin(self.worker.call(Access::Read, move |conn| {
            ops::list(conn, &owner, after.as_ref(), limit, now_ms)
        }))
    }

    fn unfinished(&self, now_ms: i64) -> StoreFuture<'_, Vec<TaskRecord>> {
        Box::pin(
            self.worker
                .call(Access::Read, move |conn| ops::unfinished(conn, now_ms)),
        )
    }

    fn purge_expired(&self, now_ms: i64) -> StoreFuture<'_, usize> {
        Box::pin(
            self.worker
                .call(Access::Write, move |conn| ops::purge_expired(conn, now_ms)),
        )
    }
}
