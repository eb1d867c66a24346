//! The client's side of the tasks extension (`io.modelcontextprotocol/tasks`) at the wire,
//! against a stand-in modern server driven by hand: a task handle is followed with
//! `tasks/get` at the task's pace, each input request is answered once through
//! `tasks/update`, a failed task is its JSON-RPC error; a handle the client did not ask for
//! (the extension undeclared) is an invalid result.

use std::collections::BTreeMap;
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient, TaskPolling};
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::{ClientConfig, RequestError};
use oxmcp_types::elicitation::{ElicitResult, ElicitValue};
use oxmcp_types::{CallToolRequestParams, CallToolResult, Era, Implementation};
use serde_json::{Value, json};

use crate::support::RawPeer;

type Raw = RawPeer<MemoryTransport>;

const EXTENSION: &str = "io.modelcontextprotocol/tasks";

async fn reply(raw: &mut Raw, request: &Value, result: Value) {
    raw.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
        .await;
}

/// A modern client of a stand-in server (the extension declared when `tasks`), and the
/// server's raw end, past the probe.
async fn connect(tasks: bool) -> (McpClient, Raw) {
    connect_with(tasks, TaskPolling::default()).await
}

async fn connect_with(tasks: bool, polling: TaskPolling) -> (McpClient, Raw) {
    let (a, b) = memory::duplex(16);
    let mut raw = RawPeer::new(a);
    let mut config = ClientConfig::new(Implementation::new("c", "1"))
        .with_era(Era::Modern)
        .with_task_polling(polling);
    if tasks {
        config = config.with_tasks_extension();
    }
    let host = ClientHandler::new().with_form_elicitation(|_form| async {
        let content = BTreeMap::from([("name".to_owned(), ElicitValue::String("Ada".into()))]);
        Ok(ElicitResult::accept(content))
    });
    let client = tokio::spawn(McpClient::connect(b, config, host));
    let probe = raw.recv().await;
    assert_eq!(probe["method"], "server/discover");
    let discovered = json!({"supportedVersions": ["2026-07-28"],
        "capabilities": {"tools": {}, "extensions": {EXTENSION: {}}},
        "ttlMs": 0, "cacheScope": "private", "resultType": "complete"});
    reply(&mut raw, &probe, discovered).await;
    (client.await.unwrap().unwrap(), raw)
}

fn task(status: &str) -> Value {
    json!({"taskId": "t-1", "status": status, "createdAt": "2026-08-01T10:00:00Z",
        "lastUpdatedAt": "2026-08-01T10:00:00Z", "ttlMs": 60000, "pollIntervalMs": 500})
}

/// `task(status)` with `members` added.
fn with(mut value: Value, members: Value) -> Value {
    let Value::Object(members) = members else {
        panic!("members must be an object")
    };
    for (key, member) in members {
        value[key] = member;
    }
    value
}

/// Starts `call_tool("job")` on `client`: the call, and the request the server got.
async fn call_job(
    client: &McpClient,
    raw: &mut Raw,
) -> (
    tokio::task::JoinHandle<Result<CallToolResult, RequestError>>,
    Value,
) {
    let call = tokio::spawn({
        let peer = client.peer().clone();
        async move { peer.call_tool(CallToolRequestParams::new("job")).await }
    });
    (call, raw.recv().await)
}

#[tokio::test(start_paused = true)]
async fn a_task_is_polled_its_input_answered_once_and_its_failure_returned() {
    let (client, mut raw) = connect(true).await;
    let (call, request) = call_job(&client, &mut raw).await;
    let declared = &request["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"];
    assert_eq!(declared["extensions"][EXTENSION], json!({}), "{request}");
    let started = tokio::time::Instant::now();
    reply(
        &mut raw,
        &request,
        with(task("working"), json!({"resultType": "task"})),
    )
    .await;
    let question = json!({"name": {"method": "elicitation/create", "params": {
        "mode": "form", "message": "Name?",
        "requestedSchema": {"type": "object", "properties": {"name": {"type": "string"}}}}}});
    let waiting = with(
        task("input_required"),
        json!({"resultType": "complete", "inputRequests": question}),
    );
    // Polled at the task's pace, with the era's `_meta`.
    let get = raw.recv().await;
    assert_eq!(get["method"], "tasks/get", "{get}");
    assert_eq!(get["params"]["taskId"], "t-1");
    assert_eq!(
        get["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"],
        "2026-07-28"
    );
    assert_eq!(started.elapsed(), Duration::from_millis(500));
    reply(&mut raw, &get, waiting.clone()).await;
    let update = raw.recv().await;
    assert_eq!(update["method"], "tasks/update", "{update}");
    assert_eq!(
        update["params"]["inputResponses"]["name"],
        json!({"action": "accept", "content": {"name": "Ada"}})
    );
    reply(&mut raw, &update, json!({"resultType": "complete"})).await;
    // The same question still outstanding is not answered again.
    let get = raw.recv().await;
    assert_eq!(get["method"], "tasks/get", "{get}");
    reply(&mut raw, &get, waiting).await;
    let get = raw.recv().await;
    assert_eq!(get["method"], "tasks/get", "answered once: {get}");
    let error = json!({"code": -32000, "message": "the job broke"});
    let failed = with(
        task("failed"),
        json!({"resultType": "complete", "error": error}),
    );
    reply(&mut raw, &get, failed).await;
    match call.await.unwrap() {
        Err(RequestError::Remote(e)) => assert_eq!(e.message, "the job broke"),
        other => panic!("{other:?}"),
    }
}

/// A task the server keeps working for ever is followed no longer than `max_wait`: the
/// call ends with a timeout, and the task it made is cancelled.
#[tokio::test(start_paused = true)]
async fn a_task_that_never_ends_is_followed_no_longer_than_max_wait() {
    let polling = TaskPolling::default().with_max_wait(Duration::from_millis(2750));
    let (client, mut raw) = connect_with(true, polling).await;
    let (call, request) = call_job(&client, &mut raw).await;
    let started = tokio::time::Instant::now();
    reply(
        &mut raw,
        &request,
        with(task("working"), json!({"resultType": "task"})),
    )
    .await;
    // Polled every 500 ms, always working, until the limit.
    let mut polls = 0;
    let cancel = loop {
        let next = raw.recv().await;
        if next["method"] != "tasks/get" {
            break next;
        }
        polls += 1;
        reply(
            &mut raw,
            &next,
            with(task("working"), json!({"resultType": "complete"})),
        )
        .await;
    };
    assert_eq!(cancel["method"], "tasks/cancel", "{cancel}");
    assert_eq!(cancel["params"]["taskId"], "t-1");
    assert_eq!(
        polls, 5,
        "at 0.5, 1, ... 2.5 s; the sixth would be past the limit"
    );
    assert_eq!(started.elapsed(), Duration::from_millis(2750));
    reply(
        &mut raw,
        &cancel,
        with(task("cancelled"), json!({"resultType": "complete"})),
    )
    .await;
    match call.await.unwrap() {
        Err(RequestError::Timeout(limit)) => assert_eq!(limit, Duration::from_millis(2750)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_task_handle_the_client_did_not_ask_for_is_invalid() {
    let (client, mut raw) = connect(false).await;
    let (call, request) = call_job(&client, &mut raw).await;
    let declared = &request["params"]["_meta"]["io.modelcontextprotocol/clientCapabilities"];
    assert!(declared.get("extensions").is_none(), "{request}");
    reply(
        &mut raw,
        &request,
        with(task("working"), json!({"resultType": "task"})),
    )
    .await;
    match call.await.unwrap() {
        Err(RequestError::InvalidResult { method, .. }) => assert_eq!(method, "tools/call"),
        other => panic!("{other:?}"),
    }
}
