//! A temporary directory per test, and records to store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use oxmcp_tasks::{TaskOutcome, TaskOwner, TaskRecord, TaskUpdate};
use oxmcp_types::ErrorData;
use oxmcp_types::tasks::{Task, TaskStatus};
use serde_json::json;
use serde_json::value::RawValue;

/// 2025-11-25T10:00:00Z in ms.
pub(crate) const T0: i64 = 1_764_064_800_000;

/// A fresh directory under the system's temporary directory, removed on drop.
pub(crate) struct TempDir {
    path: PathBuf,
    files: AtomicU64,
}

impl TempDir {
    pub(crate) fn new() -> Self {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random bytes");
        let name = format!("oxmcp-store-sqlite-{:016x}", u64::from_le_bytes(bytes));
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).expect("create the temporary directory");
        Self {
            path,
            files: AtomicU64::new(0),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A database path not used before in this directory.
    pub(crate) fn db(&self) -> PathBuf {
        let n = self.files.fetch_add(1, Ordering::Relaxed);
        self.path.join(format!("tasks-{n}.db"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

pub(crate) fn raw(json: &str) -> Box<RawValue> {
    RawValue::from_string(json.to_owned()).expect("valid JSON")
}

/// The status task `i` of a mixed set ends in.
pub(crate) fn mixed_status(i: usize) -> TaskStatus {
    [
        TaskStatus::Working,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::InputRequired,
        TaskStatus::Cancelled,
    ][i % 5]
}

/// The owner of task `i` of a mixed set.
pub(crate) fn mixed_owner(i: usize) -> TaskOwner {
    TaskOwner::new(format!("session:{}", i % 3))
}

/// Task `i` of a mixed set as created: working, with params and a ttl for some.
pub(crate) fn mixed_record(i: usize) -> TaskRecord {
    let created = T0 + i64::try_from(i).expect("small") * 10;
    let ttl = i.is_multiple_of(2).then_some(86_400_000);
    let task = Task::new(
        format!("task-{i:03}"),
        TaskStatus::Working,
        oxmcp_tasks::wire_timestamp(created),
    )
    .with_ttl(ttl)
    .with_poll_interval(500);
    let params =
        format!(r#"{{"name":"long_running" , "arguments":{{"seconds":{i}.50,"s":"\u00e9 {i}"}}}}"#);
    TaskRecord::new(task, mixed_owner(i), "tools/call", created).with_params(raw(&params))
}

/// The update that takes task `i` of a mixed set to [`mixed_status`] (none for working).
pub(crate) fn mixed_update(i: usize) -> Option<TaskUpdate> {
    let now = T0 + i64::try_from(i).expect("small") * 10 + 5;
    let update = TaskUpdate::new(mixed_status(i), now).with_message(format!("step {i}"));
    match mixed_status(i) {
        TaskStatus::Working => None,
        TaskStatus::Completed => Some(update.with_outcome(TaskOutcome::Result(raw(&format!(
            "{{\"content\":[{{\"type\":\"text\",\"text\":\"done {i}\"}}], \"isError\" : false}}"
        ))))),
        TaskStatus::Failed => Some(update.with_outcome(TaskOutcome::Error(
            ErrorData::internal_error(format!("failed {i}")).with_data(json!({"i": i, "x": 2.5})),
        ))),
        _ => Some(update),
    }
}
