//! The tasks extension of 2026-07-28 over real stdio on a durable store:
//! `everything-server stdio --db` runs a modern `long_running` task, is killed with
//! SIGKILL, and after the restart on the same SQLite file the task resumes and its result
//! is read with `tasks/get`; `confirm_task` takes its input through `tasks/update`. And
//! the oxmcp client's side of the extension against the everything server over HTTP.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::stdio_eras::{StdioServer, modern_meta};

const EXTENSION: &str = "io.modelcontextprotocol/tasks";

fn temp_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir =
        std::env::temp_dir().join(format!("oxmcp-modern-tasks-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ask(server: &mut StdioServer, id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = modern_meta(&json!({ "elicitation": {}, "extensions": { EXTENSION: {} } }));
    server.ask(id, method, &params)
}

/// Polls `tasks/get` until the task shows `status` (within 20 s). A synchronous test:
/// no runtime runs here that a blocking sleep could hold up.
#[expect(clippy::disallowed_methods)]
fn until(server: &mut StdioServer, id: &str, status: &str) -> Value {
    for n in 0..400 {
        let got = ask(server, 1000 + n, "tasks/get", json!({ "taskId": id }));
        if got["result"]["status"] == status {
            return got["result"].clone();
        }
        assert!(got.get("error").is_none(), "{got}");
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("task {id} never became {status}");
}

#[test]
fn a_modern_task_survives_kill_9_on_sqlite() {
    let dir = temp_dir();
    let db = dir.join("tasks.db");
    let db_arg = db.to_str().unwrap();
    let mut first = StdioServer::spawn(&["--db", db_arg]);
    let call = json!({ "name": "long_running", "arguments": { "seconds": 1 } });
    let handle = ask(&mut first, 1, "tools/call", call);
    assert_eq!(handle["result"]["resultType"], "task", "{handle}");
    let id = handle["result"]["taskId"].as_str().unwrap().to_owned();
    let working = ask(&mut first, 2, "tasks/get", json!({ "taskId": id }));
    assert_eq!(working["result"]["status"], "working", "{working}");
    first.kill_9();

    let mut second = StdioServer::spawn(&["--db", db_arg]);
    let done = until(&mut second, &id, "completed");
    let text = done["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.starts_with("worked for 1.0 s"), "{done}");
    second.finish();
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_modern_task_takes_its_input_through_tasks_update() {
    let mut server = StdioServer::spawn(&[]);
    let call = json!({ "name": "confirm_task", "arguments": { "action": "deploy" } });
    let handle = ask(&mut server, 1, "tools/call", call);
    let id = handle["result"]["taskId"].as_str().unwrap().to_owned();
    let waiting = until(&mut server, &id, "input_required");
    let requests = waiting["inputRequests"].as_object().unwrap();
    let (key, request) = requests.iter().next().unwrap();
    assert_eq!(request["method"], "elicitation/create", "{waiting}");
    let answer = json!({ "taskId": id, "inputResponses": {
        key.clone(): { "action": "accept", "content": { "confirmed": true } } } });
    let ack = ask(&mut server, 2, "tasks/update", answer);
    assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
    let done = until(&mut server, &id, "completed");
    assert!(done["result"]["content"].is_array(), "{done}");
    // Without the extension the tool, which needs a task, is refused with -32021.
    let plain = json!({ "name": "confirm_task", "arguments": { "action": "x" },
                        "_meta": modern_meta(&json!({})) });
    let refused = server.ask(3, "tools/call", &plain);
    assert_eq!(refused["error"]["code"], -32021, "{refused}");
    server.finish();
}

/// The oxmcp client in the 2026-07-28 era with the tasks extension
/// (`ClientConfig::with_tasks_extension`) against the everything server over Streamable
/// HTTP on 127.0.0.1: `call_tool` follows its tasks to their results (`long_running`),
/// answering `confirm_task`'s form through `tasks/update` with the host's handler; a tool
/// error is a completed task's result; `call_tool_or_task` keeps the handle, which
/// cancels.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oxmcp_client_follows_the_everything_servers_tasks_over_http() {
    use std::collections::BTreeMap;

    use oxmcp::client::{ClientHandler, ToolCallOutcome};
    use oxmcp::types::elicitation::{ElicitResult, ElicitValue};
    use oxmcp::types::{CallToolRequestParams, CallToolResult, ContentBlock, Era, Implementation};
    use oxmcp::{ClientConfig, McpClient, RequestError};

    fn call(tool: &str, arguments: Value) -> CallToolRequestParams {
        CallToolRequestParams::new(tool).with_arguments(match arguments {
            Value::Object(map) => map,
            other => panic!("arguments must be an object: {other}"),
        })
    }
    fn text(result: &CallToolResult) -> String {
        match result.content.first() {
            Some(ContentBlock::Text(t)) => t.text.clone(),
            other => panic!("not text: {other:?}"),
        }
    }

    let (server, _state) = oxmcp_examples::everything_server::build().expect("the server builds");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let http = oxmcp::http::serve(addr, move |t| server.serve(t))
        .await
        .expect("bind 127.0.0.1");
    let host = ClientHandler::new().with_form_elicitation(|form| async move {
        assert_eq!(form.params.message, "Confirm: deploy?");
        let content = BTreeMap::from([
            ("confirmed".to_owned(), ElicitValue::Boolean(true)),
            ("comment".to_owned(), ElicitValue::String("go".into())),
        ]);
        Ok(ElicitResult::accept(content))
    });
    let config = ClientConfig::new(Implementation::new("tasks-client", "1.0"))
        .with_era(Era::Modern)
        .with_tasks_extension();
    let transport = oxmcp::http::HttpClientTransport::new(&http.url()).unwrap();
    let client = McpClient::connect(transport, config, host).await.unwrap();
    assert_eq!(client.running().era(), Era::Modern);

    let peer = client.peer();
    let worked = peer.call_tool(call("long_running", json!({ "seconds": 0.5 })));
    let worked = text(&worked.await.unwrap());
    assert!(worked.starts_with("worked for 0.5 s"), "{worked}");
    let confirmed = peer.call_tool(call("confirm_task", json!({ "action": "deploy" })));
    assert_eq!(
        text(&confirmed.await.unwrap()),
        "deploy confirmed: confirmed=true, comment=go"
    );
    let failed = peer.call_tool(call("failing_task", json!({})));
    let failed = failed.await.unwrap();
    assert_eq!(failed.is_error, Some(true), "{failed:?}");

    let outcome = peer.call_tool_or_task(call("long_running", json!({ "seconds": 60 })));
    let ToolCallOutcome::Task(task) = outcome.await.unwrap() else {
        panic!("long_running is a task")
    };
    assert_eq!(task.created().unwrap().poll_interval_ms, Some(250));
    task.cancel().await.unwrap();
    match task.result().await {
        Err(RequestError::TaskCancelled { task_id, .. }) => assert_eq!(task_id, task.task_id()),
        other => panic!("{other:?}"),
    }
    client.close().await;
    http.shutdown().await;
}
