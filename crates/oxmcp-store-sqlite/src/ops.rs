//! The store's operations as SQL, each run on the database thread inside the batch's
//! transaction (see `worker`). A batch with a write begins `IMMEDIATE`: it takes the
//! database's write lock before anything is read, so each operation's check and change are
//! atomic against every other connection, in this process or another. Each write runs in
//! its own savepoint, so a refused one leaves nothing behind.

use oxmcp_tasks::{
    CreateLimits, ListPosition, StoreError, TaskOwner, TaskPage, TaskRecord, TaskUpdate,
};
use rusqlite::{Connection, OptionalExtension, Savepoint, params};

use crate::error::backend;
use crate::rows::{self, COLUMNS, Columns};

/// Unexpired at `?2`.
const ALIVE: &str = "(expires_at_ms IS NULL OR expires_at_ms > ?2)";

fn savepoint(conn: &mut Connection) -> Result<Savepoint<'_>, StoreError> {
    conn.savepoint().map_err(|e| backend(&e))
}

pub(crate) fn create(
    conn: &mut Connection,
    record: &TaskRecord,
    limits: CreateLimits,
) -> Result<(), StoreError> {
    record.check_outcome()?;
    let columns = Columns::new(record)?;
    let tx = savepoint(conn)?;
    let now = record.created_at_ms;
    let id = &record.task.task_id;
    let existing: Option<Option<i64>> = tx
        .prepare_cached("SELECT expires_at_ms FROM tasks WHERE task_id = ?1")
        .and_then(|mut s| s.query_row([id], |row| row.get(0)).optional())
        .map_err(|e| backend(&e))?;
    match existing {
        Some(Some(at)) if at <= now => {
            tx.execute("DELETE FROM tasks WHERE task_id = ?1", [id])
                .map_err(|e| backend(&e))?;
        }
        Some(_) => return Err(StoreError::Duplicate),
        None => {}
    }
    let owner = record.owner.as_str();
    let unfinished = count(
        &tx,
        &format!(
            "SELECT count(*) FROM tasks WHERE owner = ?1 AND {ALIVE} \
             AND status IN ('working', 'input_required')"
        ),
        owner,
        now,
    )?;
    limits.check(unfinished, all_of(&tx, owner, now, limits.max_per_owner)?)?;
    tx.prepare_cached(rows::INSERT)
        .and_then(|mut s| s.execute(columns.values().as_slice()))
        .map_err(|e| backend(&e))?;
    tx.commit().map_err(|e| backend(&e))
}

/// How many unexpired tasks `owner` has, counted exactly (reading each row's expiry) only
/// when the count of the index alone, expired rows included, reaches `limit`.
fn all_of(conn: &Connection, owner: &str, now: i64, limit: usize) -> Result<usize, StoreError> {
    let cheap = count(
        conn,
        "SELECT count(*) FROM tasks WHERE owner = ?1",
        owner,
        now,
    )?;
    if cheap < limit {
        return Ok(cheap);
    }
    count(
        conn,
        &format!("SELECT count(*) FROM tasks WHERE owner = ?1 AND {ALIVE}"),
        owner,
        now,
    )
}

/// Runs a `count(*)` query whose parameters are the owner (`?1`) and, if it uses it, the
/// time (`?2`).
fn count(conn: &Connection, sql: &str, owner: &str, now: i64) -> Result<usize, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(|e| backend(&e))?;
    let n: i64 = if statement.parameter_count() >= 2 {
        statement.query_row(params![owner, now], |row| row.get(0))
    } else {
        statement.query_row(params![owner], |row| row.get(0))
    }
    .map_err(|e| backend(&e))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// The owner's unexpired record, or [`StoreError::NotFound`].
fn visible(
    conn: &Connection,
    owner: &TaskOwner,
    task_id: &str,
    now_ms: i64,
) -> Result<TaskRecord, StoreError> {
    select_one(conn, COLUMNS, owner, task_id, now_ms)
}

/// The owner's unexpired record without params and outcome, or [`StoreError::NotFound`].
pub(crate) fn get_summary(
    conn: &Connection,
    owner: &TaskOwner,
    task_id: &str,
    now_ms: i64,
) -> Result<TaskRecord, StoreError> {
    select_one(conn, rows::SUMMARY_COLUMNS, owner, task_id, now_ms)
}

fn select_one(
    conn: &Connection,
    columns: &str,
    owner: &TaskOwner,
    task_id: &str,
    now_ms: i64,
) -> Result<TaskRecord, StoreError> {
    let sql = format!("SELECT {columns} FROM tasks WHERE task_id = ?1 AND {ALIVE} AND owner = ?3");
    let mut statement = conn.prepare_cached(&sql).map_err(|e| backend(&e))?;
    let mut found = statement
        .query(params![task_id, now_ms, owner.as_str()])
        .map_err(|e| backend(&e))?;
    match found.next().map_err(|e| backend(&e))? {
        Some(row) => rows::read(row),
        None => Err(StoreError::NotFound),
    }
}

pub(crate) fn get(
    conn: &Connection,
    owner: &TaskOwner,
    task_id: &str,
    now_ms: i64,
) -> Result<TaskRecord, StoreError> {
    visible(conn, owner, task_id, now_ms)
}

pub(crate) fn update(
    conn: &mut Connection,
    owner: &TaskOwner,
    task_id: &str,
    update: TaskUpdate,
) -> Result<TaskRecord, StoreError> {
    let tx = savepoint(conn)?;
    let mut record = visible(&tx, owner, task_id, update.now_ms)?;
    record.apply(update)?;
    let columns = Columns::new(&record)?;
    tx.prepare_cached(rows::UPDATE)
        .and_then(|mut s| s.execute(columns.change().as_slice()))
        .map_err(|e| backend(&e))?;
    tx.commit().map_err(|e| backend(&e))?;
    Ok(record)
}

pub(crate) fn list(
    conn: &Connection,
    owner: &TaskOwner,
    after: Option<&ListPosition>,
    limit: usize,
    now_ms: i64,
) -> Result<TaskPage, StoreError> {
    // One more than asked tells whether more follow.
    let fetch = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let order = "ORDER BY created_at_ms, task_id LIMIT ?3";
    let mut records = match after {
        None => {
            let sql = format!("SELECT {COLUMNS} FROM tasks WHERE owner = ?1 AND {ALIVE} {order}");
            query(conn, &sql, params![owner.as_str(), now_ms, fetch])?
        }
        Some(pos) => {
            let sql = format!(
                "SELECT {COLUMNS} FROM tasks WHERE owner = ?1 AND {ALIVE} \
                 AND (created_at_ms, task_id) > (?4, ?5) {order}"
            );
            let args = params![
                owner.as_str(),
                now_ms,
                fetch,
                pos.created_at_ms,
                pos.task_id
            ];
            query(conn, &sql, args)?
        }
    };
    let more = records.len() > limit;
    records.truncate(limit);
    Ok(TaskPage { records, more })
}

pub(crate) fn unfinished(conn: &Connection, now_ms: i64) -> Result<Vec<TaskRecord>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tasks WHERE status IN ('working', 'input_required') \
         AND (expires_at_ms IS NULL OR expires_at_ms > ?1) ORDER BY created_at_ms, task_id"
    );
    query(conn, &sql, params![now_ms])
}

pub(crate) fn purge_expired(conn: &mut Connection, now_ms: i64) -> Result<usize, StoreError> {
    conn.prepare_cached("DELETE FROM tasks WHERE expires_at_ms <= ?1")
        .and_then(|mut s| s.execute([now_ms]))
        .map_err(|e| backend(&e))
}

fn query(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<TaskRecord>, StoreError> {
    let mut statement = conn.prepare_cached(sql).map_err(|e| backend(&e))?;
    let mut rows = statement.query(args).map_err(|e| backend(&e))?;
    let mut records = Vec::new();
    while let Some(row) = rows.next().map_err(|e| backend(&e))? {
        records.push(rows::read(row)?);
    }
    Ok(records)
}
