//! [`RedisTaskStore`]: task records in Redis, shared by every process of a server, with
//! leases on the tasks each process runs.

mod codec;
mod scripts;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oxmcp_tasks::{
    CreateLimits, LimitKind, ListPosition, StoreError, StoreFuture, TaskOwner, TaskPage,
    TaskRecord, TaskStore, TaskUpdate, wire_timestamp,
};
use oxmcp_types::tasks::TaskStatus;

use self::codec::{
    FIELDS, Field, SUMMARY, decode, encode, encode_outcome, list_member, status_name,
};
use self::scripts::Scripts;
use crate::connection::RedisConnection;
use crate::error::{RedisStoreError, corrupt, store_error};
use crate::options::RedisOptions;

/// Every status, to tell the update script which ones may become the new one.
const ALL_STATUSES: [TaskStatus; 5] = [
    TaskStatus::Working,
    TaskStatus::InputRequired,
    TaskStatus::Completed,
    TaskStatus::Failed,
    TaskStatus::Cancelled,
];
/// The longest TTL a key gets (100 years): a longer task ttl is bounded by this.
const MAX_KEY_TTL_MS: i64 = 100 * 365 * 86_400_000;
/// How many expired tasks one purge script deletes before the next one runs.
const PURGE_BATCH: usize = 256;
/// How many times an update dated before the task's last change is dated again.
const STALE_RETRIES: usize = 8;

/// A [`TaskStore`] in Redis, for several processes serving tasks from one store.
///
/// Every operation is one Lua script or one read, atomic across processes; every key has
/// a TTL (the task's expiry plus [`RedisOptions::key_grace`]) unless it holds a task that
/// never expires (those are bounded by the per-owner limits). The store is
/// [shared](TaskStore::shared), so the engine watches the tasks it runs for a
/// cancellation made by another process, and keeps leases: the process that creates a
/// task holds its lease, renews it every third of [`RedisOptions::lease`], and another
/// process's [`TaskEngine::recover`](oxmcp_tasks::TaskEngine::recover) takes the task over
/// only once the lease ran out. Lease times are Redis's clock, not the processes'.
///
/// Times given by the caller (creation, expiry, `now_ms`) are compared exactly up to 2^53
/// ms (the year 287,396); Redis's Lua numbers are doubles.
///
/// Cheap to clone (clones share the connection and the lease holder identity).
#[derive(Clone)]
pub struct RedisTaskStore {
    conn: RedisConnection,
    base: Arc<str>,
    holder: Arc<str>,
    lease: Duration,
    grace_ms: i64,
    scripts: Arc<Scripts>,
}

impl fmt::Debug for RedisTaskStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTaskStore")
            .field("base", &self.base)
            .field("holder", &self.holder)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

impl RedisTaskStore {
    /// Connects to the Redis of `options` (the first connection must succeed; after that
    /// the connection manager reconnects with backoff while operations fail with
    /// [`StoreError::Unavailable`]).
    pub async fn connect(options: &RedisOptions) -> Result<Self, RedisStoreError> {
        let conn = options.connect().await?;
        Self::with_connection(conn, options)
    }

    /// A store on an existing connection.
    pub fn with_connection(
        conn: RedisConnection,
        options: &RedisOptions,
    ) -> Result<Self, RedisStoreError> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| {
            RedisStoreError::Config(format!("no randomness for the holder id: {e}"))
        })?;
        let holder = format!("{}-{:016x}", std::process::id(), u64::from_le_bytes(random));
        Ok(Self {
            conn,
            base: options.key_base()?.into(),
            holder: holder.into(),
            lease: options.lease_duration(),
            grace_ms: i64::try_from(options.key_grace.as_millis()).unwrap_or(MAX_KEY_TTL_MS),
            scripts: Arc::new(Scripts::new()),
        })
    }

    /// The identity of this store's process in leases (random per store value).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    fn task_key(&self, id: &str) -> String {
        format!("{}t:{id}", self.base)
    }

    fn owner_key(&self, kind: &str, owner: &TaskOwner) -> String {
        format!("{}{kind}:{}", self.base, owner.as_str())
    }

    fn lease_ms(&self) -> u64 {
        u64::try_from(self.lease.as_millis()).unwrap_or(u64::MAX)
    }

    /// The TTL of a record's keys: its ttl plus the grace, at most 100 years; none for a
    /// task that never expires.
    fn key_ttl(&self, record: &TaskRecord) -> Option<i64> {
        let expires = record.expires_at_ms?;
        let life = expires.saturating_sub(record.created_at_ms).max(0);
        Some(life.saturating_add(self.grace_ms).clamp(1, MAX_KEY_TTL_MS))
    }

    async fn read(&self, task_id: &str, fields: &[&str]) -> Result<Vec<Field>, StoreError> {
        let mut conn = self.conn.clone();
        redis::cmd("HMGET")
            .arg(self.task_key(task_id))
            .arg(fields)
            .query_async(&mut conn)
            .await
            .map_err(store_error)
    }

    async fn get_fields(
        &self,
        owner: &TaskOwner,
        task_id: &str,
        now_ms: i64,
        fields: &[&str],
    ) -> Result<TaskRecord, StoreError> {
        let record = decode(task_id, self.read(task_id, fields).await?)?;
        match record {
            Some(r) if r.owner == *owner && !r.is_expired(now_ms) => Ok(r),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn create_record(
        &self,
        record: TaskRecord,
        limits: CreateLimits,
    ) -> Result<(), StoreError> {
        record.check_outcome()?;
        let id = &record.task.task_id;
        let limit = |n: usize| {
            if n == usize::MAX {
                -1
            } else {
                i64::try_from(n).unwrap_or(-1)
            }
        };
        let unfinished = !record.task.status.is_terminal();
        let mut invocation = self.scripts.create.prepare_invoke();
        invocation
            .key(self.task_key(id))
            .arg(&*self.base)
            .arg(id)
            .arg(record.owner.as_str())
            .arg(record.created_at_ms)
            .arg(
                record
                    .expires_at_ms
                    .map(|e| e.to_string())
                    .unwrap_or_default(),
            )
            .arg(limit(limits.max_unfinished_per_owner))
            .arg(limit(limits.max_per_owner))
            .arg(list_member(record.created_at_ms, id))
            .arg(if unfinished { "1" } else { "0" })
            .arg(
                self.key_ttl(&record)
                    .map(|t| t.to_string())
                    .unwrap_or_default(),
            )
            .arg(if unfinished { &*self.holder } else { "" })
            .arg(self.lease_ms());
        for (field, value) in encode(&record)? {
            invocation.arg(field).arg(value);
        }
        let mut conn = self.conn.clone();
        let answer: String = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(store_error)?;
        match answer.as_str() {
            "ok" => Ok(()),
            "dup" => Err(StoreError::Duplicate),
            "limit-unfinished" => Err(StoreError::LimitReached {
                kind: LimitKind::UnfinishedPerOwner,
                limit: limits.max_unfinished_per_owner,
            }),
            "limit-all" => Err(StoreError::LimitReached {
                kind: LimitKind::PerOwner,
                limit: limits.max_per_owner,
            }),
            other => Err(corrupt(format!("the create script answered {other:?}"))),
        }
    }

    async fn update_record(
        &self,
        owner: &TaskOwner,
        task_id: &str,
        update: TaskUpdate,
    ) -> Result<TaskRecord, StoreError> {
        let fits = matches!(update.status, TaskStatus::Completed | TaskStatus::Failed)
            == update.outcome.is_some();
        let mut from = String::from(",");
        for status in ALL_STATUSES
            .into_iter()
            .filter(|s| s.can_become(update.status))
        {
            from.push_str(&status_name(status)?);
            from.push(',');
        }
        let outcome = update.outcome.as_ref().map(encode_outcome).transpose()?;
        let mut at = update.now_ms;
        for _ in 0..STALE_RETRIES {
            let reply: Vec<Field> = self
                .scripts
                .update
                .key(self.task_key(task_id))
                .arg(&*self.base)
                .arg(task_id)
                .arg(owner.as_str())
                .arg(update.now_ms)
                .arg(at)
                .arg(wire_timestamp(at))
                .arg(status_name(update.status)?)
                .arg(&from)
                .arg(if fits { "1" } else { "0" })
                .arg(if update.status.is_terminal() {
                    "1"
                } else {
                    "0"
                })
                .arg(update.status_message.as_deref().unwrap_or_default())
                .arg(if update.status_message.is_some() {
                    "1"
                } else {
                    "0"
                })
                .arg(outcome.as_deref().unwrap_or_default())
                .arg(if outcome.is_some() { "1" } else { "0" })
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            let mut reply = reply.into_iter();
            let tag = reply.next().flatten().unwrap_or_default();
            let rest: Vec<Field> = reply.collect();
            let detail = || {
                let text = rest.first().cloned().flatten().unwrap_or_default();
                String::from_utf8(text).unwrap_or_default()
            };
            match tag.as_slice() {
                b"ok" => {
                    return decode(task_id, rest)?
                        .ok_or_else(|| corrupt("an updated task vanished"));
                }
                b"nf" => return Err(StoreError::NotFound),
                b"outcome" => {
                    return Err(StoreError::InvalidOutcome {
                        status: update.status,
                    });
                }
                b"tr" => {
                    let current = serde_json::from_value(serde_json::Value::String(detail()))
                        .map_err(|_| corrupt("a task has an unknown status"))?;
                    return Err(StoreError::InvalidTransition {
                        current,
                        requested: update.status,
                    });
                }
                b"stale" => {
                    at = detail()
                        .parse()
                        .map_err(|_| corrupt("a task's update time is not a number"))?;
                }
                _ => return Err(corrupt("the update script gave an unknown answer")),
            }
        }
        Err(StoreError::Backend(
            "the task kept changing while it was being updated".to_owned(),
        ))
    }

    async fn list_records(
        &self,
        owner: &TaskOwner,
        after: Option<&ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> Result<TaskPage, StoreError> {
        let start = after.map_or_else(
            || "-".to_owned(),
            |p| format!("({}", list_member(p.created_at_ms, &p.task_id)),
        );
        let reply: Vec<Field> = self
            .scripts
            .list
            .key(self.owner_key("ol", owner))
            .arg(&*self.base)
            .arg(owner.as_str())
            .arg(start)
            .arg(limit.min(i64::MAX as usize))
            .arg(now_ms)
            .arg("1")
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(store_error)?;
        let mut reply = reply.into_iter();
        let more = reply.next().flatten().as_deref() == Some(b"1".as_slice());
        let records = records(reply.collect(), FIELDS.len())?;
        Ok(TaskPage { records, more })
    }

    async fn unfinished_records(&self, now_ms: i64) -> Result<Vec<TaskRecord>, StoreError> {
        let reply: Vec<Field> = self
            .scripts
            .unfinished
            .key(format!("{}u", self.base))
            .arg(&*self.base)
            .arg(now_ms)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(store_error)?;
        records(reply, FIELDS.len())
    }

    async fn purge(&self, now_ms: i64) -> Result<usize, StoreError> {
        let mut purged = 0;
        loop {
            let (done, seen): (usize, usize) = self
                .scripts
                .purge
                .key(format!("{}x", self.base))
                .arg(&*self.base)
                .arg(now_ms)
                .arg(PURGE_BATCH)
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            purged += done;
            if seen < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }
}

/// Records from a flat reply of `id, fields...` groups of `width` fields.
fn records(flat: Vec<Field>, width: usize) -> Result<Vec<TaskRecord>, StoreError> {
    if !flat.len().is_multiple_of(width + 1) {
        return Err(corrupt("a reply with a partial task"));
    }
    let mut out = Vec::with_capacity(flat.len() / (width + 1));
    let mut it = flat.into_iter();
    while let Some(id) = it.next() {
        let id = String::from_utf8(id.unwrap_or_default())
            .map_err(|_| corrupt("a task id is not UTF-8"))?;
        let fields: Vec<Field> = it.by_ref().take(width).collect();
        if let Some(record) = decode(&id, fields)? {
            out.push(record);
        }
    }
    Ok(out)
}

impl TaskStore for RedisTaskStore {
    fn create(&self, record: TaskRecord, limits: CreateLimits) -> StoreFuture<'_, ()> {
        Box::pin(self.create_record(record, limits))
    }

    fn shared(&self) -> bool {
        true
    }

    fn lease_renewal(&self) -> Option<Duration> {
        Some(self.lease / 3)
    }

    fn claim<'a>(&'a self, task_id: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let taken: i64 = self
                .scripts
                .claim
                .key(self.task_key(task_id))
                .arg(&*self.base)
                .arg(&*self.holder)
                .arg(self.lease_ms())
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)?;
            Ok(taken == 1)
        })
    }

    fn renew_leases<'a>(&'a self, task_ids: &'a [String]) -> StoreFuture<'a, Vec<String>> {
        Box::pin(async move {
            let mut invocation = self.scripts.renew.prepare_invoke();
            invocation
                .key(format!("{}u", self.base))
                .arg(&*self.base)
                .arg(&*self.holder)
                .arg(self.lease_ms());
            for id in task_ids {
                invocation.arg(id);
            }
            invocation
                .invoke_async(&mut self.conn.clone())
                .await
                .map_err(store_error)
        })
    }

    fn get<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(self.get_fields(owner, task_id, now_ms, &FIELDS))
    }

    fn get_summary<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(self.get_fields(owner, task_id, now_ms, &FIELDS[..SUMMARY]))
    }

    fn update<'a>(
        &'a self,
        owner: &'a TaskOwner,
        task_id: &'a str,
        update: TaskUpdate,
    ) -> StoreFuture<'a, TaskRecord> {
        Box::pin(self.update_record(owner, task_id, update))
    }

    fn list<'a>(
        &'a self,
        owner: &'a TaskOwner,
        after: Option<&'a ListPosition>,
        limit: usize,
        now_ms: i64,
    ) -> StoreFuture<'a, TaskPage> {
        Box::pin(self.list_records(owner, after, limit, now_ms))
    }

    fn unfinished(&self, now_ms: i64) -> StoreFuture<'_, Vec<TaskRecord>> {
        Box::pin(self.unfinished_records(now_ms))
    }

    fn purge_expired(&self, now_ms: i64) -> StoreFuture<'_, usize> {
        Box::pin(self.purge(now_ms))
    }
}
