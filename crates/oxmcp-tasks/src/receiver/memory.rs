//! [`MemoryTaskStore`]: task records in process memory, lost when the process ends.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::store::{
    CreateLimits, ListPosition, StoreError, StoreFuture, TaskOwner, TaskPage, TaskRecord,
    TaskStore, TaskUpdate,
};

/// A [`TaskStore`] in memory: for tests, for a single process that does not need tasks to
/// survive a restart, and as the client's default.
///
/// Cheap to clone (clones share the records). One mutex guards everything and is never
/// held across an `.await`; every operation runs under it in one go (when its future is
/// first polled), so each is atomic.
/// Lookups by id are O(1), listing an owner's tasks is O(log n + page), creating a task
/// is O(log n) (plus a count of the owner's tasks when one is at a limit), and purging is
/// O(log n) per expired task. Expired tasks are invisible to
/// every read at once and take memory until [`TaskStore::purge_expired`] runs.
///
/// ```
/// use oxmcp_tasks::{CreateLimits, MemoryTaskStore, TaskOwner, TaskRecord, TaskStore};
/// use oxmcp_types::tasks::{Task, TaskStatus};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryTaskStore::new();
/// let owner = TaskOwner::new("session:1");
/// let task = Task::new("t1", TaskStatus::Working, "2025-11-25T10:00:00.000Z");
/// let record = TaskRecord::new(task, owner.clone(), "tools/call", 1_764_064_800_000);
/// store.create(record, CreateLimits::new(16, 100)).await.unwrap();
/// let got = store.get(&owner, "t1", 1_764_064_800_001).await.unwrap();
/// assert_eq!(got.task.status, TaskStatus::Working);
/// # });
/// ```
#[derive(Clone, Default)]
pub struct MemoryTaskStore {
    inner: Arc<Mutex<Inner>>,
}

/// The records and their indexes.
#[derive(Default)]
struct Inner {
    /// Every record, by task id.
    tasks: HashMap<String, TaskRecord>,
    /// Per owner: the listing order and the unfinished tasks.
    owners: HashMap<TaskOwner, OwnerIndex>,
    /// `(expires_at_ms, task_id)` of every task that expires, for the purge.
    expiry: BTreeSet<(i64, String)>,
}

/// The tasks of one owner.
#[derive(Default)]
struct OwnerIndex {
    /// `(created_at_ms, task_id)`: the listing order.
    order: BTreeSet<(i64, String)>,
    /// Ids of the tasks that are not terminal (expired ones included until purged).
    unfinished: HashSet<String>,
}

impl MemoryTaskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many records the store holds, expired ones not yet purged included.
    pub fn len(&self) -> usize {
        self.lock().tasks.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // No code under this lock panics; if some future change did, the maps stay usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryTaskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTaskStore")
            .field("records", &self.len())
            .finish()
    }
}

impl Inner {
    fn create(&mut self, record: TaskRecord, limits: CreateLimits) -> Result<(), StoreError> {
        record.check_outcome()?;
        let now_ms = record.created_at_ms;
        if let Some(existing) = self.tasks.get(&record.task.task_id) {
            if !existing.is_expired(now_ms) {
                return Err(StoreError::Duplicate);
            }
            let id = record.task.task_id.clone();
            self.remove(&id);
        }
        if let Some(index) = self.owners.get(&record.owner) {
            let unfinished = self.alive(&index.unfinished, now_ms, limits.max_unfinished_per_owner);
            let all = self.alive(
                index.order.iter().map(|(_, id)| id),
                now_ms,
                limits.max_per_owner,
            );
            limits.check(unfinished, all)?;
        } else {
            limits.check(0, 0)?;
        }
        self.insert(record);
        Ok(())
    }

    /// How many of `ids` are unexpired at `now_ms`, counted exactly only when the cheap
    /// count (which includes expired ones not yet purged) reaches `limit`.
    fn alive<'a, I>(&self, ids: I, now_ms: i64, limit: usize) -> usize
    where
        I: IntoIterator<Item = &'a String>,
        I::IntoIter: ExactSizeIterator,
    {
        let ids = ids.into_iter();
        if ids.len() < limit {
            return ids.len();
        }
        ids.filter_map(|id| self.tasks.get(id))
            .filter(|record| !record.is_expired(now_ms))
            .count()
    }

    fn insert(&mut self, record: TaskRecord) {
        let id = record.task.task_id.clone();
        let index = self.owners.entry(record.owner.clone()).or_default();
        index.order.insert((record.created_at_ms, id.clone()));
        if !record.task.status.is_terminal() {
            index.unfinished.insert(id.clone());
        }
        if let Some(at) = record.expires_at_ms {
            self.expiry.insert((at, id.clone()));
        }
        self.tasks.insert(id, record);
    }

    fn remove(&mut self, task_id: &str) {
        let Some(record) = self.tasks.remove(task_id) else {
            return;
        };
        let key = (record.created_at_ms, record.task.task_id);
        if let Some(index) = self.owners.get_mut(&record.owner) {
            index.order.remove(&key);
            index.unfinished.remove(&key.1);
            if index.order.is_empty() {
                self.owners.remove(&record.owner);
            }
        }
        if let Some(at) = record.expires_at_ms {
            self.expiry.remove(&(at, key.1));
        }
    }

    /// The owner's unexpired record `task_id`, for reading or changing.
    fn visible_mut(
        &mut self,
        owner: &TaskOwner,
        task_id: &str,
        now_ms: i64,
    ) -> Result<&mut TaskRecord, StoreError> {
        match self.tasks.get_mut(task_id) {
            Some(record) if record.owner == *owner && !record.is_expired(now_ms) => Ok(record),
            _ => Err(StoreError::NotFound),
        }
    }

    fn update(
        &mut self,
        owner: &TaskOwner,
        task_id: &str,
        update: TaskUpdate,
    ) -> Result<TaskRecord, StoreError> {
        let record = self.visible_mut(owner, task_id, update.now_ms)?;
        record.apply(update)?;
        let record = record.clone();
        if record.task.status.is_terminal()
            && let Some(index) = self.owners.get_mut(owner)
        {
            index.unfinished.remove(task_id);
        }
        Ok(record)
    }

    fn list(
        &self,
        owner: &TaskOwner,
        after: Option<&ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> TaskPage {
        let Some(index) = self.owners.get(owner) else {
            return TaskPage {
                records: Vec::new(),
                more: false,
            };
        };
        let start = match after {
            Some(pos) => Bound::Excluded((pos.created_at_ms, pos.task_id.clone())),
            None => Bound::Unbounded,
        };
        let mut visible = index
            .order
            .range((start, Bound::Unbounded))
            .filter_map(|(_, id)| self.tasks.get(id))
            .filter(|record| !record.is_expired(now_ms));
        let records: Vec<TaskRecord> = visible.by_ref().take(limit).cloned().collect();
        let more = visible.next().is_some();
        TaskPage { records, more }
    }

    fn unfinished(&self, now_ms: i64) -> Vec<TaskRecord> {
        let mut records: Vec<TaskRecord> = self
            .owners
            .values()
            .flat_map(|index| index.unfinished.iter())
            .filter_map(|id| self.tasks.get(id))
            .filter(|record| !record.is_expired(now_ms))
            .cloned()
            .collect();
        records.sort_by(|a, b| {
            (a.created_at_ms, &a.task.task_id).cmp(&(b.created_at_ms, &b.task.task_id))
        });
        records
    }

    fn purge_expired(&mut self, now_ms: i64) -> usize {
        let mut purged = 0;
        while let Some((at, id)) = self.expiry.first().cloned() {
            if at > now_ms {
                break;
            }
            self.remove(&id);
            purged += 1;
        }
        purged
    }
}

/// A copy of `record` without its params and outcome (which are not copied).
fn summary(record: &TaskRecord) -> TaskRecord {
    TaskRecord {
        task: record.task.clone(),
        owner: record.owner.clone(),
        method: record.method.clone(),
        params: None,
        created_at_ms: record.created_at_ms,
        updated_at_ms: record.updated_at_ms,
        expires_at_ms: record.expires_at_ms,
        outcome: None,
    }
}

impl TaskStore for MemoryTaskStore {
    fn create(&self, record: TaskRecord, limits: CreateLimits) -> StoreFuture<'_, ()> {
        Box::pin(async move { self.lock().create(record, limits) })
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(async move {
            self.lock()
                .visible_mut(owner, task_id, now_ms)
                .map(|record| record.clone())
        })
    }

    fn get_summary<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(async move {
            self.lock()
                .visible_mut(owner, task_id, now_ms)
                .map(|record| summary(record))
        })
    }

    fn update<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        update: TaskUpdate,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(async move { self.lock().update(owner, task_id, update) })
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        after: Option<&'a ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskPage> {
        Box::pin(async move { Ok(self.lock().list(owner, after, limit, now_ms)) })
    }

    fn unfinished(&self, now_ms: i64) -> StoreFuture<'_, Vec<TaskRecord>> {
        Box::pin(async move { Ok(self.lock().unfinished(now_ms)) })
    }

    fn purge_expired(&self, now_ms: i64) -> StoreFuture<'_, usize> {
        Box::pin(async move { Ok(self.lock().purge_expired(now_ms)) })
    }
}
