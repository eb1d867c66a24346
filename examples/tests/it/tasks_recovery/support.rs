//! What the recovery tests share: the server process, the clock, the database, waits.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use oxmcp::client::{ClientHandler, McpClient};
use oxmcp::sqlite::SqliteTaskStore;
use oxmcp::tasks::{ListPosition, StoreError, TaskOutcome, TaskOwner, TaskRecord, TaskStore};
use oxmcp::transport::child::{ChildHandle, ChildProcess, StderrMode};
use oxmcp::types::Implementation;
use oxmcp::types::tasks::RELATED_TASK_META_KEY;
use oxmcp::{ClientConfig, RequestError, RequestOptions};
use serde_json::{Value, json};

pub(super) const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// A guard on every wait: generous, for a loaded machine.
pub(super) const GUARD: Duration = Duration::from_secs(90);

pub(super) fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit in i64")
}

/// A fresh directory under the system's temporary directory.
pub(super) fn temp_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "oxmcp-tasks-recovery-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `everything-server stdio --db ...` and the client connected to it.
pub(super) struct Running {
    pub(super) client: McpClient,
    pub(super) child: ChildHandle,
}

/// Starts `everything-server stdio --db db` and connects; elicitation requests are never
/// answered (the tasks that ask stay `input_required`).
pub(super) async fn start_server(db: &Path) -> Running {
    let (transport, child) = ChildProcess::new(SERVER)
        .arg("stdio")
        .arg("--db")
        .arg(db)
        .stderr(StderrMode::capture())
        .spawn()
        .expect("spawn everything-server");
    let handler = ClientHandler::new().with_form_elicitation(|_form| std::future::pending());
    let config = ClientConfig::new(Implementation::new("recovery-test", "1"));
    let client = McpClient::connect(transport, config, handler)
        .await
        .expect("connect");
    Running { client, child }
}

/// `kill -9` of the server process; returns once it is reaped.
pub(super) async fn kill_9(running: Running) {
    let pid = i32::try_from(running.child.pid()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).expect("SIGKILL");
    let status = tokio::time::timeout(GUARD, running.child.wait())
        .await
        .expect("the killed server is reaped")
        .unwrap();
    assert!(!status.success(), "killed: {status}");
}

/// `tasks/result` of `id`, as the JSON text received.
pub(super) async fn task_result_raw(client: &McpClient, id: &str) -> Result<String, RequestError> {
    let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
    let raw = client
        .peer()
        .request_raw("tasks/result", Some(params), RequestOptions::default())
        .await?;
    Ok(raw.get().to_owned())
}

/// Every record of `owner` in the store, by id.
pub(super) async fn snapshot(
    store: &SqliteTaskStore,
    owner: &TaskOwner,
) -> BTreeMap<String, TaskRecord> {
    let mut records = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .list(owner, after.as_ref(), 50, now_ms())
            .await
            .unwrap();
        for record in page.records {
            after = Some(ListPosition {
                created_at_ms: record.created_at_ms,
                task_id: record.task.task_id.clone(),
            });
            records.insert(record.task.task_id.clone(), record);
        }
        if !page.more {
            return records;
        }
    }
}

/// The stored result's JSON text, if the record has one.
pub(super) fn outcome_text(record: &TaskRecord) -> Option<&str> {
    match &record.outcome {
        Some(TaskOutcome::Result(raw)) => Some(raw.get()),
        _ => None,
    }
}

/// `tasks/result` is the stored result plus the related-task `_meta`.
pub(super) fn check_result_matches(id: &str, protocol: &str, stored: &str) {
    let mut protocol: Value = serde_json::from_str(protocol).unwrap();
    let related = protocol["_meta"][RELATED_TASK_META_KEY]["taskId"].take();
    assert_eq!(related, json!(id), "tasks/result carries the related task");
    let meta = protocol["_meta"].as_object_mut().unwrap();
    meta.remove(RELATED_TASK_META_KEY);
    if meta.is_empty() {
        protocol.as_object_mut().unwrap().remove("_meta");
    }
    let stored: Value = serde_json::from_str(stored).unwrap();
    assert_eq!(
        protocol, stored,
        "tasks/result of {id} is the stored result"
    );
}

/// Reads the store until `done` holds for the record of `id` (the server that changes it is
/// another process: there is nothing to await but the file).
pub(super) async fn until_record(
    store: &SqliteTaskStore,
    owner: &TaskOwner,
    id: &str,
    as_of: impl Fn() -> i64,
    done: impl Fn(Result<&TaskRecord, &StoreError>) -> bool,
) {
    let wait = async {
        loop {
            let got = store.get(owner, id, as_of()).await;
            if done(got.as_ref()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(GUARD, wait)
        .await
        .unwrap_or_else(|_| panic!("task {id} did not get there within {GUARD:?}"));
}
