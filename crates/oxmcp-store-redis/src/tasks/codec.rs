//! A task record as the fields of its Redis hash, and back.
//!
//! One hash per task, `{prefix}:t:<id>`; every field is a string:
//!
//! | field | value |
//! |---|---|
//! | `o` | owner |
//! | `s` | status, its wire name (`working`, ...) |
//! | `m` | status message (absent: none) |
//! | `c`, `u` | created / last changed, ms since the Unix epoch |
//! | `e` | expiry, ms (absent: never) |
//! | `lu`, `ca` | wire `lastUpdatedAt`, `createdAt` |
//! | `tl`, `pi` | ttl, pollInterval (absent: none) |
//! | `me` | method |
//! | `k` | the task's member in its owner's listing index |
//! | `p` | params, byte for byte (absent: none) |
//! | `r` | outcome: `R` + the result's JSON text, or `E` + the JSON-RPC error (absent: none) |
//! | `lh`, `lx` | lease holder and lease expiry (Redis server time, ms) |

use oxmcp_tasks::{StoreError, TaskOutcome, TaskOwner, TaskRecord};
use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::value::RawValue;

use crate::error::corrupt;

/// The fields read back, in this order: the summary (all but params and outcome), then
/// params and outcome.
pub(crate) const FIELDS: [&str; 14] = [
    "o", "s", "m", "c", "u", "e", "lu", "ca", "tl", "pi", "me", "k", "p", "r",
];
/// How many of [`FIELDS`] make the summary.
pub(crate) const SUMMARY: usize = 12;

/// One field as Redis returns it (`None`: absent).
pub(crate) type Field = Option<Vec<u8>>;

/// The wire name of a status.
pub(crate) fn status_name(status: TaskStatus) -> Result<String, StoreError> {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(name)) => Ok(name),
        _ => Err(StoreError::Backend(format!(
            "status {status:?} has no wire name"
        ))),
    }
}

fn parse_status(name: &str) -> Result<TaskStatus, StoreError> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|_| corrupt(format!("a task has the unknown status {name:?}")))
}

/// The member of a task in its owner's listing index: the creation time shifted to an
/// unsigned number in 20 digits, `:`, the id; byte order is `(created_at_ms, task_id)`
/// order.
pub(crate) fn list_member(created_at_ms: i64, task_id: &str) -> String {
    let shifted = (created_at_ms as u64) ^ (1 << 63);
    format!("{shifted:020}:{task_id}")
}

/// The outcome as stored.
pub(crate) fn encode_outcome(outcome: &TaskOutcome) -> Result<String, StoreError> {
    match outcome {
        TaskOutcome::Result(raw) => Ok(format!("R{}", raw.get())),
        TaskOutcome::Error(error) => serde_json::to_string(error)
            .map(|json| format!("E{json}"))
            .map_err(|e| StoreError::Backend(format!("cannot encode the task's error: {e}"))),
        other => Err(StoreError::Backend(format!(
            "an outcome this store does not know: {other:?}"
        ))),
    }
}

fn decode_outcome(stored: &str) -> Result<TaskOutcome, StoreError> {
    let bad = || corrupt("a task has an unreadable outcome");
    if let Some(raw) = stored.strip_prefix('R') {
        let raw = RawValue::from_string(raw.to_owned()).map_err(|_| bad())?;
        return Ok(TaskOutcome::Result(raw));
    }
    let json = stored.strip_prefix('E').ok_or_else(bad)?;
    let error: ErrorData = serde_json::from_str(json).map_err(|_| bad())?;
    Ok(TaskOutcome::Error(error))
}

/// The field/value pairs of a new record (absent values left out).
pub(crate) fn encode(record: &TaskRecord) -> Result<Vec<(&'static str, String)>, StoreError> {
    let task = &record.task;
    let mut pairs = vec![
        ("o", record.owner.as_str().to_owned()),
        ("s", status_name(task.status)?),
        ("c", record.created_at_ms.to_string()),
        ("u", record.updated_at_ms.to_string()),
        ("lu", task.last_updated_at.clone()),
        ("ca", task.created_at.clone()),
        ("me", record.method.clone()),
        ("k", list_member(record.created_at_ms, &task.task_id)),
    ];
    let optional = [
        ("m", task.status_message.clone()),
        ("e", record.expires_at_ms.map(|e| e.to_string())),
        ("tl", task.ttl.map(|t| t.to_string())),
        ("pi", task.poll_interval.map(|p| p.to_string())),
        ("p", record.params.as_ref().map(|p| p.get().to_owned())),
    ];
    pairs.extend(optional.into_iter().filter_map(|(f, v)| v.map(|v| (f, v))));
    if let Some(outcome) = &record.outcome {
        pairs.push(("r", encode_outcome(outcome)?));
    }
    Ok(pairs)
}

fn text(field: Field, what: &str) -> Result<Option<String>, StoreError> {
    field
        .map(|bytes| {
            String::from_utf8(bytes).map_err(|_| corrupt(format!("a task's {what} is not UTF-8")))
        })
        .transpose()
}

fn required(field: Field, what: &str) -> Result<String, StoreError> {
    text(field, what)?.ok_or_else(|| corrupt(format!("a task has no {what}")))
}

fn number<T: std::str::FromStr>(field: Field, what: &str) -> Result<Option<T>, StoreError> {
    text(field, what)?
        .map(|t| {
            t.parse()
                .map_err(|_| corrupt(format!("a task's {what} is not a number")))
        })
        .transpose()
}

/// The record of task `id` from its fields, read in [`FIELDS`] order ([`SUMMARY`] of them
/// or all). `None` when the hash does not exist (no owner).
pub(crate) fn decode(id: &str, fields: Vec<Field>) -> Result<Option<TaskRecord>, StoreError> {
    if fields.len() != SUMMARY && fields.len() != FIELDS.len() {
        return Err(corrupt("a reply with the wrong number of task fields"));
    }
    let mut it = fields.into_iter();
    let mut next = || it.next().flatten();
    let Some(owner) = text(next(), "owner")? else {
        return Ok(None);
    };
    let status = parse_status(&required(next(), "status")?)?;
    let message = text(next(), "status message")?;
    let created: i64 =
        number(next(), "creation time")?.ok_or_else(|| corrupt("a task has no creation time"))?;
    let updated: i64 =
        number(next(), "update time")?.ok_or_else(|| corrupt("a task has no update time"))?;
    let expires: Option<i64> = number(next(), "expiry")?;
    let last_updated = required(next(), "lastUpdatedAt")?;
    let created_wire = required(next(), "createdAt")?;
    let ttl: Option<u64> = number(next(), "ttl")?;
    let poll: Option<u64> = number(next(), "pollInterval")?;
    let method = required(next(), "method")?;
    let _member = next();
    let params = text(next(), "params")?
        .map(|p| RawValue::from_string(p).map_err(|_| corrupt("a task has unreadable params")))
        .transpose()?;
    let outcome = text(next(), "outcome")?
        .as_deref()
        .map(decode_outcome)
        .transpose()?;
    let mut task = Task::new(id, status, created_wire).with_ttl(ttl);
    task.poll_interval = poll;
    task.status_message = message;
    task.last_updated_at = last_updated;
    let mut record = TaskRecord::new(task, TaskOwner::new(owner), method, created)
        .with_updated_at_ms(updated)
        .with_expires_at_ms(expires);
    record.params = params;
    record.outcome = outcome;
    Ok(Some(record))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_members_sort_as_creation_time_then_id() {
        let mut keys = [
            (i64::MIN, "a"),
            (-1, "z"),
            (0, "a"),
            (0, "b"),
            (1_764_064_800_000, "a"),
            (i64::MAX, "a"),
        ];
        keys.sort();
        let members: Vec<String> = keys.iter().map(|(c, id)| list_member(*c, id)).collect();
        let mut sorted = members.clone();
        sorted.sort();
        assert_eq!(members, sorted);
        assert!(members.iter().all(|m| m.find(':') == Some(20)));
    }

    #[test]
    fn a_record_survives_its_fields() {
        let task = Task::new("t", TaskStatus::Failed, "2025-11-25T10:00:00Z")
            .with_ttl(Some(5))
            .with_poll_interval(7)
            .with_status_message("m");
        let error = ErrorData::internal_error("boom");
        let record = TaskRecord::new(task, TaskOwner::new("o"), "tools/call", -3)
            .with_params(RawValue::from_string("{ }".into()).unwrap())
            .with_outcome(TaskOutcome::Error(error));
        let pairs = encode(&record).unwrap();
        let fields = FIELDS
            .iter()
            .map(|f| {
                pairs
                    .iter()
                    .find(|(n, _)| n == f)
                    .map(|(_, v)| v.clone().into_bytes())
            })
            .collect();
        assert_eq!(decode("t", fields).unwrap(), Some(record));
    }

    #[test]
    fn unreadable_fields_are_reported_not_panicked() {
        let mut fields: Vec<Field> = vec![None; FIELDS.len()];
        assert_eq!(decode("t", fields.clone()).unwrap(), None);
        fields[0] = Some(b"o".to_vec());
        fields[1] = Some(b"sleeping".to_vec());
        assert!(matches!(decode("t", fields), Err(StoreError::Backend(_))));
        assert!(decode("t", vec![None; 3]).is_err());
    }
}
