//! A [`TaskRecord`] as a row of `tasks`, and back.

use oxmcp_tasks::{StoreError, TaskOutcome, TaskOwner, TaskRecord};
use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use rusqlite::{Row, ToSql};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::{backend, bad_row};

/// The columns [`read`] expects, in its order.
pub(crate) const COLUMNS: &str = "task_id, owner, method, status, status_message, created_at, \
    last_updated_at, ttl, poll_interval, params, created_at_ms, updated_at_ms, expires_at_ms, \
    result, error";

/// [`COLUMNS`] without params, result and error (read as NULL): a record's summary.
pub(crate) const SUMMARY_COLUMNS: &str = "task_id, owner, method, status, status_message, \
    created_at, last_updated_at, ttl, poll_interval, NULL, created_at_ms, updated_at_ms, \
    expires_at_ms, NULL, NULL";

/// The statement [`Columns::values`] fills.
pub(crate) const INSERT: &str = "INSERT INTO tasks (task_id, owner, method, status, \
    status_message, created_at, last_updated_at, ttl, poll_interval, params, created_at_ms, \
    updated_at_ms, expires_at_ms, result, error) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// The statement that stores a change of state: [`Columns::change`] fills it.
pub(crate) const UPDATE: &str = "UPDATE tasks SET status = ?2, status_message = ?3, \
    last_updated_at = ?4, updated_at_ms = ?5, result = ?6, error = ?7 WHERE task_id = ?1";

/// The values of a record that are not stored as they are.
pub(crate) struct Columns<'r> {
    record: &'r TaskRecord,
    owner: &'r str,
    params: Option<&'r str>,
    status: String,
    ttl: Option<i64>,
    poll_interval: Option<i64>,
    result: Option<&'r str>,
    error: Option<String>,
}

impl<'r> Columns<'r> {
    pub(crate) fn new(record: &'r TaskRecord) -> Result<Self, StoreError> {
        let (result, error) = match &record.outcome {
            None => (None, None),
            Some(TaskOutcome::Result(raw)) => (Some(raw.get()), None),
            Some(TaskOutcome::Error(error)) => {
                let text = serde_json::to_string(error)
                    .map_err(|e| StoreError::Backend(format!("cannot encode an error: {e}")))?;
                (None, Some(text))
            }
            Some(_) => {
                return Err(StoreError::Backend(
                    "an outcome kind this store does not know".to_owned(),
                ));
            }
        };
        Ok(Self {
            record,
            owner: record.owner.as_str(),
            params: record.params.as_ref().map(|p| p.get()),
            status: status_text(record.task.status)?,
            // u64 kept bit for bit in a signed INTEGER, read back with `cast_unsigned`.
            ttl: record.task.ttl.map(u64::cast_signed),
            poll_interval: record.task.poll_interval.map(u64::cast_signed),
            result,
            error,
        })
    }

    /// The values of [`INSERT`].
    pub(crate) fn values(&self) -> [&dyn ToSql; 15] {
        let r = self.record;
        [
            &r.task.task_id,
            &self.owner,
            &r.method,
            &self.status,
            &r.task.status_message,
            &r.task.created_at,
            &r.task.last_updated_at,
            &self.ttl,
            &self.poll_interval,
            &self.params,
            &r.created_at_ms,
            &r.updated_at_ms,
            &r.expires_at_ms,
            &self.result,
            &self.error,
        ]
    }

    /// The values of [`UPDATE`].
    pub(crate) fn change(&self) -> [&dyn ToSql; 7] {
        let r = self.record;
        [
            &r.task.task_id,
            &self.status,
            &r.task.status_message,
            &r.task.last_updated_at,
            &r.updated_at_ms,
            &self.result,
            &self.error,
        ]
    }
}

/// The stored form of a status (its wire name).
pub(crate) fn status_text(status: TaskStatus) -> Result<String, StoreError> {
    match serde_json::to_value(status) {
        Ok(Value::String(text)) => Ok(text),
        _ => Err(StoreError::Backend(format!(
            "cannot store status {status:?}"
        ))),
    }
}

/// Reads a row selected with [`COLUMNS`].
pub(crate) fn read(row: &Row<'_>) -> Result<TaskRecord, StoreError> {
    let get_err = |e: rusqlite::Error| backend(&e);
    let status: String = row.get(3).map_err(get_err)?;
    let status: TaskStatus =
        serde_json::from_value(Value::String(status)).map_err(|_| bad_row("an unknown status"))?;
    let mut task = Task::new(
        row.get::<_, String>(0).map_err(get_err)?,
        status,
        row.get::<_, String>(5).map_err(get_err)?,
    );
    task.status_message = row.get(4).map_err(get_err)?;
    task.last_updated_at = row.get(6).map_err(get_err)?;
    task.ttl = row
        .get::<_, Option<i64>>(7)
        .map_err(get_err)?
        .map(i64::cast_unsigned);
    task.poll_interval = row
        .get::<_, Option<i64>>(8)
        .map_err(get_err)?
        .map(i64::cast_unsigned);
    let owner = TaskOwner::new(row.get::<_, String>(1).map_err(get_err)?);
    let method: String = row.get(2).map_err(get_err)?;
    let mut record = TaskRecord::new(task, owner, method, row.get(10).map_err(get_err)?);
    record.params = row
        .get::<_, Option<String>>(9)
        .map_err(get_err)?
        .map(|text| raw(text, "params that are not JSON"))
        .transpose()?;
    record.updated_at_ms = row.get(11).map_err(get_err)?;
    record.expires_at_ms = row.get(12).map_err(get_err)?;
    record.outcome = read_outcome(row.get(13).map_err(get_err)?, row.get(14).map_err(get_err)?)?;
    Ok(record)
}

fn read_outcome(
    result: Option<String>,
    error: Option<String>,
) -> Result<Option<TaskOutcome>, StoreError> {
    match (result, error) {
        (None, None) => Ok(None),
        (Some(text), None) => Ok(Some(TaskOutcome::Result(raw(
            text,
            "a result that is not JSON",
        )?))),
        (None, Some(text)) => serde_json::from_str::<ErrorData>(&text)
            .map(|error| Some(TaskOutcome::Error(error)))
            .map_err(|_| bad_row("an error that is not a JSON-RPC error")),
        (Some(_), Some(_)) => Err(bad_row("both a result and an error")),
    }
}

fn raw(text: String, what: &str) -> Result<Box<RawValue>, StoreError> {
    RawValue::from_string(text).map_err(|_| bad_row(what))
}
