//! Crash recovery of durable tasks: `everything-server stdio --db <tmp>/tasks.db` gets 100
//! tasks in mixed states through the protocol, is killed with SIGKILL, and restarts on the
//! same database. Checked through the database (opened with `SqliteTaskStore`) and through
//! the protocol (the stdio server gives its tasks one fixed owner, so the new session may
//! read them): every task is still there with its owner, status, createdAt and ttl;
//! results are byte-identical; the interrupted `long_running` tasks resume and complete;
//! the `input_required` ones fail with the interruption message; nothing stays `working`;
//! a short-ttl task expires (and is purged) after the restart. And the HTTP server with
//! `--db` recovers a database before it listens.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use oxmcp::core::client::tasks::TaskHandle;
use oxmcp::core::client::{ClientHandler, McpClient};
use oxmcp::role::Client;
use oxmcp::sqlite::SqliteTaskStore;
use oxmcp::tasks::{StoreError, TaskOutcome, TaskOwner, TaskRecord, TaskStore};
use oxmcp::transport::child::{ChildHandle, ChildProcess, StderrMode};
use oxmcp::types::tasks::{RELATED_TASK_META_KEY, TaskStatus};
use oxmcp::types::{
    CallToolRequestParams, CallToolResult, ErrorCode, Implementation, TaskMetadata, Tool,
};
use oxmcp::{ClientConfig, RequestOptions};
use serde_json::{Value, json};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// How long the interrupted `long_running` tasks work (long enough to be running when the
/// server is killed; they run again from the start after the restart).
const WORKING_SECONDS: u64 = 10;
/// The ttl of the task that must expire after the restart.
const SHORT_TTL_MS: u64 = 15_000;
/// The statusMessage of a task the restart failed.
const INTERRUPTED: &str = "interrupted: the server stopped while the task was running";
/// The longest ttl the everything server gives (its `max_ttl`, one day).
const MAX_TTL_MS: u64 = 86_400_000;
/// A guard on every wait: generous, for a loaded machine.
const GUARD: Duration = Duration::from_secs(90);

/// What a task is meant to be when the server is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Completed,
    Failed,
    Cancelled,
    Working,
    InputRequired,
    ShortTtl,
}

/// The ttls requested, in turn (`None`: the server's default; the last one is above the
/// server's maximum and is cut to it).
const TTLS: [Option<u64>; 5] = [
    None,
    Some(120_000),
    Some(600_000),
    Some(7_200_000),
    Some(2 * MAX_TTL_MS),
];

fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since.as_millis()).expect("milliseconds fit in i64")
}

struct Running {
    client: McpClient,
    child: ChildHandle,
}

/// Starts `everything-server stdio --db db` and connects; elicitation requests are never
/// answered (the tasks that ask stay `input_required`).
async fn start_server(db: &Path) -> Running {
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

async fn tool(client: &McpClient, name: &str) -> Tool {
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    tools.into_iter().find(|t| t.name == name).unwrap()
}

/// The task `kind` number `i` of the mix: which tool, arguments and requested ttl.
fn plan(kind: Kind, i: usize) -> (&'static str, Value, Option<u64>) {
    let ttl = TTLS[i % TTLS.len()];
    match kind {
        Kind::Completed => ("long_running", json!({ "seconds": 0 }), ttl),
        Kind::Failed => (
            "failing_task",
            json!({ "reason": format!("failure {i}") }),
            ttl,
        ),
        Kind::Cancelled => ("long_running", json!({ "seconds": 3600 }), ttl),
        Kind::Working => ("long_running", json!({ "seconds": WORKING_SECONDS }), ttl),
        Kind::InputRequired => (
            "confirm_task",
            json!({ "action": format!("step {i}") }),
            ttl,
        ),
        Kind::ShortTtl => ("long_running", json!({ "seconds": 0 }), Some(SHORT_TTL_MS)),
    }
}

/// Creates one task of `kind` and brings it to the state it should have at the kill.
async fn create(
    client: &McpClient,
    tools: &BTreeMap<&str, Tool>,
    kind: Kind,
    i: usize,
) -> TaskHandle<Client, CallToolResult> {
    let (name, arguments, ttl) = plan(kind, i);
    let mut params =
        CallToolRequestParams::new(name).with_arguments(serde_json::from_value(arguments).unwrap());
    if let Some(ttl) = ttl {
        params = params.with_task(TaskMetadata::with_ttl(ttl));
    }
    let task = client
        .call_tool_as_task(&tools[name], params)
        .await
        .expect("task created");
    let wanted = match kind {
        Kind::Completed | Kind::ShortTtl => TaskStatus::Completed,
        Kind::Failed => TaskStatus::Failed,
        Kind::Cancelled => {
            let cancelled = task.cancel().await.expect("tasks/cancel");
            assert_eq!(cancelled.status, TaskStatus::Cancelled);
            return task;
        }
        Kind::Working => return task,
        Kind::InputRequired => TaskStatus::InputRequired,
    };
    let reached = tokio::time::timeout(GUARD, task.wait())
        .await
        .expect("the task settles")
        .expect("tasks/get");
    assert_eq!(reached.status, wanted, "{kind:?} {i}: {reached:?}");
    task
}

/// The mix: 100 tasks, the working ones last (so that they still run at the kill) and the
/// short-ttl one at the very end.
fn mix() -> Vec<Kind> {
    let mut kinds = Vec::new();
    for (kind, n) in [
        (Kind::Completed, 40),
        (Kind::Failed, 20),
        (Kind::Cancelled, 15),
        (Kind::InputRequired, 9),
        (Kind::Working, 15),
        (Kind::ShortTtl, 1),
    ] {
        kinds.extend(std::iter::repeat_n(kind, n));
    }
    kinds
}

/// What the protocol said about one task before the kill.
struct Recorded {
    kind: Kind,
    task: oxmcp::types::Task,
    /// `tasks/result` as received, for the terminal tasks that have one.
    result: Option<String>,
}

/// `tasks/list` (all pages), `tasks/get` of each task, `tasks/result` of the terminal ones.
async fn record(client: &McpClient, created: &[(Kind, String)]) -> BTreeMap<String, Recorded> {
    let listed = client.peer().list_tasks().collect_all().await.unwrap();
    assert_eq!(listed.len(), created.len(), "tasks/list shows every task");
    let mut recorded = BTreeMap::new();
    for (kind, id) in created {
        let task = client.peer().get_task(id.clone()).await.unwrap();
        let listed_task = listed.iter().find(|t| t.task_id == *id).expect("listed");
        assert_eq!(listed_task.status, task.status);
        let result = match task.status {
            TaskStatus::Completed | TaskStatus::Failed => {
                Some(task_result_raw(client, id).await.expect("tasks/result"))
            }
            _ => None,
        };
        recorded.insert(
            id.clone(),
            Recorded {
                kind: *kind,
                task,
                result,
            },
        );
    }
    recorded
}

/// `tasks/result` of `id`, as the JSON text received.
async fn task_result_raw(client: &McpClient, id: &str) -> Result<String, oxmcp::RequestError> {
    let params = serde_json::value::to_raw_value(&json!({ "taskId": id })).unwrap();
    let raw = client
        .peer()
        .request_raw("tasks/result", Some(params), RequestOptions::default())
        .await?;
    Ok(raw.get().to_owned())
}

/// Every record of `owner` in the store, by id.
async fn snapshot(store: &SqliteTaskStore, owner: &TaskOwner) -> BTreeMap<String, TaskRecord> {
    let mut records = BTreeMap::new();
    let mut after = None;
    loop {
        let page = store
            .list(owner, after.as_ref(), 50, now_ms())
            .await
            .unwrap();
        for record in page.records {
            after = Some(oxmcp::tasks::ListPosition {
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

fn outcome_text(record: &TaskRecord) -> Option<&str> {
    match &record.outcome {
        Some(TaskOutcome::Result(raw)) => Some(raw.get()),
        _ => None,
    }
}

/// `tasks/result` is the stored result plus the related-task `_meta`.
fn check_result_matches(id: &str, protocol: &str, stored: &str) {
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

/// A fresh directory under the system's temporary directory.
fn temp_dir() -> PathBuf {
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

/// Reads the store until `done` holds for the record of `id` (the server that changes it is
/// another process: there is nothing to await but the file).
async fn until_record(
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_and_restart_keeps_every_task() {
    let dir = temp_dir();
    let db = dir.join("tasks.db");

    // 1. 100 tasks in mixed states.
    let first = start_server(&db).await;
    let mut tools = BTreeMap::new();
    for name in ["long_running", "confirm_task", "failing_task"] {
        tools.insert(name, tool(&first.client, name).await);
    }
    let clock = std::time::Instant::now();
    let mut created = Vec::new();
    for (i, kind) in mix().into_iter().enumerate() {
        let task = create(&first.client, &tools, kind, i).await;
        created.push((kind, task.task_id().to_owned()));
    }
    assert_eq!(created.len(), 100);
    eprintln!("100 tasks created and settled in {:?}", clock.elapsed());

    // 2. What the protocol and the database say, just before the kill.
    let recorded = record(&first.client, &created).await;
    let store = SqliteTaskStore::open(&db).await.expect("open the database");
    let unfinished = store.unfinished(now_ms()).await.unwrap();
    let owner = unfinished.first().expect("unfinished tasks").owner.clone();
    assert_eq!(
        owner.as_str(),
        "fixed:everything-server-stdio",
        "the stdio server's one owner"
    );
    let before = snapshot(&store, &owner).await;
    assert_eq!(before.len(), 100, "every task is in the database");
    for (id, rec) in &recorded {
        let stored = &before[id];
        let expected = match rec.kind {
            Kind::Completed | Kind::ShortTtl => TaskStatus::Completed,
            Kind::Failed => TaskStatus::Failed,
            Kind::Cancelled => TaskStatus::Cancelled,
            Kind::Working => TaskStatus::Working,
            Kind::InputRequired => TaskStatus::InputRequired,
        };
        assert_eq!(
            stored.task.status, expected,
            "{:?} {id} before the kill (a working task must still run: the machine is too slow?)",
            rec.kind
        );
        assert_eq!(rec.task.status, expected);
        assert_eq!(rec.task.created_at, stored.task.created_at);
        assert_eq!(rec.task.ttl, stored.task.ttl);
        if let Some(result) = &rec.result {
            check_result_matches(id, result, outcome_text(stored).expect("stored result"));
        }
    }
    let short_id = created
        .iter()
        .find(|(k, _)| *k == Kind::ShortTtl)
        .map(|(_, id)| id.clone())
        .unwrap();
    let short = before[&short_id].clone();
    assert_eq!(short.task.ttl, Some(SHORT_TTL_MS));

    eprintln!(
        "recorded (protocol and database) after {:?}",
        clock.elapsed()
    );

    // 3. kill -9.
    let pid = i32::try_from(first.child.pid()).unwrap();
    kill(Pid::from_raw(pid), Signal::SIGKILL).expect("SIGKILL");
    let status = tokio::time::timeout(GUARD, first.child.wait())
        .await
        .expect("the killed server is reaped")
        .unwrap();
    assert!(!status.success(), "killed: {status}");
    drop(first.client);

    // 4. Restart on the same database: recovery runs before serving.
    let restart = std::time::Instant::now();
    let second = start_server(&db).await;
    eprintln!(
        "restarted, recovered and initialized in {:?}",
        restart.elapsed()
    );
    // The short-ttl task outlived the kill; read as of its creation, before it expires.
    let as_of_creation = short.created_at_ms;
    let kept = store
        .get(&owner, &short_id, as_of_creation)
        .await
        .expect("the short-ttl task survived the restart");
    assert_eq!(kept, short);

    // 5. Every task, through the database.
    let after = snapshot(&store, &owner).await;
    for (id, old) in &before {
        let rec = &recorded[id];
        let new = after
            .get(id)
            .or_else(|| (id == &short_id).then_some(&kept))
            .unwrap_or_else(|| panic!("{:?} {id} lost", rec.kind));
        assert_eq!(new.owner, old.owner);
        assert_eq!(new.created_at_ms, old.created_at_ms);
        assert_eq!(new.task.created_at, old.task.created_at);
        assert_eq!(new.task.ttl, old.task.ttl);
        assert_eq!(new.expires_at_ms, old.expires_at_ms);
        assert_eq!(
            new.params.as_ref().map(|p| p.get()),
            old.params.as_ref().map(|p| p.get())
        );
        match rec.kind {
            Kind::Completed | Kind::Failed | Kind::Cancelled | Kind::ShortTtl => {
                // Terminal: untouched, results byte for byte.
                assert_eq!(new, old, "{:?} {id} changed", rec.kind);
            }
            Kind::Working => assert!(
                matches!(new.task.status, TaskStatus::Working | TaskStatus::Completed),
                "resumed {id}: {:?}",
                new.task.status
            ),
            Kind::InputRequired => {
                assert_eq!(new.task.status, TaskStatus::Failed, "{id}");
                assert_eq!(new.task.status_message.as_deref(), Some(INTERRUPTED));
                match &new.outcome {
                    Some(TaskOutcome::Error(e)) => {
                        assert_eq!(e.code, ErrorCode::INTERNAL_ERROR);
                        assert_eq!(e.message, INTERRUPTED);
                    }
                    other => panic!("interrupted {id}: outcome {other:?}"),
                }
            }
        }
    }
    let ttls: Vec<Option<u64>> = after.values().map(|r| r.task.ttl).collect();
    assert!(ttls.contains(&Some(MAX_TTL_MS)), "a ttl cut to the maximum");
    assert!(ttls.contains(&Some(3_600_000)), "the default ttl");

    // 6. Through the protocol: the stdio server gives its tasks one fixed owner (it has a
    // single user), so the new session serves the tasks of the killed process.
    let peer = second.client.peer();
    let listed = peer.list_tasks().collect_all().await.unwrap();
    for (kind, id) in &created {
        assert!(
            listed.iter().any(|t| t.task_id == *id),
            "{kind:?} {id} not listed after the restart"
        );
    }
    for (id, rec) in &recorded {
        let task = peer.get_task(id.clone()).await.unwrap();
        assert_eq!(task.created_at, rec.task.created_at, "{id}");
        assert_eq!(task.ttl, rec.task.ttl, "{id}");
        match rec.kind {
            Kind::Completed | Kind::Failed | Kind::Cancelled | Kind::ShortTtl => {
                assert_eq!(task, rec.task, "{:?} {id} changed", rec.kind);
            }
            Kind::InputRequired => {
                assert_eq!(task.status, TaskStatus::Failed, "{id}");
                assert_eq!(task.status_message.as_deref(), Some(INTERRUPTED));
                let error = task_result_raw(&second.client, id).await.unwrap_err();
                let error = error.as_remote().cloned().expect("a JSON-RPC error");
                assert_eq!(error.code, ErrorCode::INTERNAL_ERROR);
                assert_eq!(error.message, INTERRUPTED);
            }
            Kind::Working => assert!(
                matches!(task.status, TaskStatus::Working | TaskStatus::Completed),
                "resumed {id}: {:?}",
                task.status
            ),
        }
        if let Some(before_kill) = &rec.result {
            let after_restart = task_result_raw(&second.client, id).await.unwrap();
            assert_eq!(
                &after_restart, before_kill,
                "tasks/result of {id} is byte-identical across the kill"
            );
        }
    }

    // 7. The resumed tasks complete (their work ran again from the stored arguments):
    // `tasks/result` of each waits for it. Then nothing is unfinished.
    let expected_text = format!(
        "worked for {WORKING_SECONDS}.0 s in {} steps",
        WORKING_SECONDS * 4
    );
    let mut waits = tokio::task::JoinSet::new();
    for (kind, id) in &created {
        if *kind == Kind::Working {
            let task = second.client.task::<CallToolResult>(id.clone());
            waits.spawn(async move { (task.task_id().to_owned(), task.result().await) });
        }
    }
    let resumed = tokio::time::timeout(GUARD, waits.join_all())
        .await
        .expect("the resumed tasks complete");
    assert_eq!(resumed.len(), 15);
    for (id, result) in resumed {
        let result = result.unwrap_or_else(|e| panic!("resumed {id}: {e}"));
        assert_eq!(result.content[0].as_text(), Some(expected_text.as_str()));
        let done = store.get(&owner, &id, now_ms()).await.unwrap();
        assert_eq!(done.task.status, TaskStatus::Completed, "resumed {id}");
    }
    eprintln!(
        "the 15 resumed tasks completed {:?} after the restart",
        restart.elapsed()
    );
    let left = store.unfinished(now_ms()).await.unwrap();
    assert!(left.is_empty(), "unfinished after recovery: {}", left.len());

    // 8. The short-ttl task expires, and the restarted server purges it.
    let expires = short.expires_at_ms.unwrap();
    until_record(&store, &owner, &short_id, now_ms, |got| {
        matches!(got, Err(StoreError::NotFound))
    })
    .await;
    assert!(now_ms() >= expires, "gone only once expired");
    until_record(
        &store,
        &owner,
        &short_id,
        || as_of_creation,
        |got| matches!(got, Err(StoreError::NotFound)),
    )
    .await;
    let gone = peer.get_task(short_id.clone()).await.unwrap_err();
    assert_eq!(
        gone.as_remote().map(|e| e.code),
        Some(ErrorCode::INVALID_PARAMS),
        "an expired task is unknown: {gone}"
    );

    second.client.close().await;
    let status = second.child.shutdown().await.unwrap();
    assert!(status.success(), "{status}");
    let stderr = second.child.stderr().unwrap_or_default();
    assert!(
        stderr.contains("15 resumed, 9 failed as interrupted"),
        "the recovery summary: {stderr}"
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A database left by a dead process: one interrupted `long_running` task (working) and
/// one `confirm_task` task waiting for input. Returns their ids.
async fn interrupted_database(store: &SqliteTaskStore, owner: &TaskOwner) -> (String, String) {
    use oxmcp::tasks::{TaskUpdate, wire_timestamp};
    use oxmcp::types::Task;

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
        store.create(record, 10).await.unwrap();
        ids.push(id);
    }
    let waiting = TaskUpdate::new(TaskStatus::InputRequired, now + 1);
    store.update(owner, &ids[1], waiting).await.unwrap();
    (ids.remove(0), ids.remove(0))
}

/// `everything-server http --port 0 --db PATH` recovers before it listens: the interrupted
/// `long_running` task runs again and completes, the one that waited for input fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_server_with_db_recovers_before_listening() {
    use tokio::io::{AsyncBufReadExt, BufReader};

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
    let summary = seen
        .iter()
        .position(|l| l.contains("1 resumed, 1 failed as interrupted"));
    let listen = seen.iter().position(|l| l.contains("listening on"));
    assert!(
        summary.is_some() && summary < listen,
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
