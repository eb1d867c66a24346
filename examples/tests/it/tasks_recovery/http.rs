//! `everything-server http --port 0 --db PATH` recovers a database left by a dead process
//! before it listens.

use oxmcp::sqlite::SqliteTaskStore;
use oxmcp::tasks::{CreateLimits, TaskOwner, TaskRecord, TaskStore, TaskUpdate, wire_timestamp};
use oxmcp::types::tasks::TaskStatus;
use oxmcp::types::{CallToolResult, Task};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::checks::INTERRUPTED;
use super::support::{GUARD, SERVER, now_ms, outcome_text, temp_dir, until_record};

/// A database left by a dead process: one interrupted `long_running` task (working) and
/// one `confirm_task` task waiting for input. Returns their ids.
async fn interrupted_database(store: &SqliteTaskStore, owner: &TaskOwner) -> (String, String) {
    let now = now_ms();
    let mut ids = Vec::new();
    for (i, (tool, arguments)) in [
        ("long_running", json!({ "seconds": 1 })),
        ("confirm_task", json!({ "action": "restart" })),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("{i:032x}");
        let task = Task::new(id.clone(), TaskStatus::Working, wire_timestamp(now))
            .with_ttl(Some(600_000))
            .with_poll_interval(250);
        let params = json!({ "name": tool, "arguments": arguments });
        let record = TaskRecord::new(task, owner.clone(), "tools/call", now)
            .with_params(serde_json::value::to_raw_value(&params).unwrap());
        store
            .create(record, CreateLimits::new(10, 10))
            .await
            .unwrap();
        ids.push(id);
    }
    let waiting = TaskUpdate::new(TaskStatus::InputRequired, now + 1);
    store.update(owner, &ids[1], waiting).await.unwrap();
    (ids.remove(0), ids.remove(0))
}

/// The interrupted `long_running` task runs again and completes, the one that waited for
/// input fails; both before the server listens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_with_db_recovers_before_listening() {
    let dir = temp_dir();
    let db = dir.join("tasks.db");
    let store = SqliteTaskStore::open(&db)
        .await
        .expect("create the database");
    let owner = TaskOwner::new("session:a-process-that-died:1");
    let (resumable, waiting) = interrupted_database(&store, &owner).await;

    let mut child = tokio::process::Command::new(SERVER)
        .args(["http", "--port", "0", "--db"])
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn everything-server http");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let listening = tokio::time::timeout(GUARD, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.contains("listening on http://127.0.0.1:");
            seen.push(line);
            if done {
                return;
            }
        }
    })
    .await;
    assert!(listening.is_ok(), "no listening line: {seen:?}");
    let position = |text: &str| seen.iter().position(|l| l.contains(text));
    let summary = position("1 resumed, 1 failed as interrupted");
    assert!(
        summary.is_some() && summary < position("listening on"),
        "recovery runs before listening: {seen:?}"
    );

    let failed = store.get(&owner, &waiting, now_ms()).await.unwrap();
    assert_eq!(failed.task.status, TaskStatus::Failed);
    assert_eq!(failed.task.status_message.as_deref(), Some(INTERRUPTED));
    until_record(&store, &owner, &resumable, now_ms, |got| {
        got.is_ok_and(|r| r.task.status.is_terminal())
    })
    .await;
    let done = store.get(&owner, &resumable, now_ms()).await.unwrap();
    assert_eq!(done.task.status, TaskStatus::Completed);
    let result: CallToolResult = serde_json::from_str(outcome_text(&done).unwrap()).unwrap();
    assert_eq!(
        result.content[0].as_text(),
        Some("worked for 1.0 s in 4 steps")
    );

    child.kill().await.unwrap();
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
