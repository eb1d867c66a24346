//! The client's requestor API against the real task engine of an `McpServer`: a tool that
//! asks the user while it runs as a task, its status stream, a tool error passed through,
//! cancellation and listing.

use oxmcp_tasks::McpClientTasksExt as _;
use oxmcp_tasks::TaskRequests as _;
use oxmcp_tasks::TasksServerBuilderExt as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::client::{ClientHandler, McpClient};
use oxmcp_core::server::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_core::transport::memory;
use oxmcp_core::{ClientConfig, RequestError, RunningServer};
use oxmcp_tasks::PollPolicy;
use oxmcp_tasks::{MemoryTaskStore, TaskConfig};
use oxmcp_types::elicitation::ElicitAction;
use oxmcp_types::tools::TaskSupport;
use oxmcp_types::{
    CallToolRequestParams, ElicitResult, ErrorCode, ErrorData, Implementation, TaskStatus, Tool,
};
use serde_json::json;
use tokio::sync::Semaphore;

const GUARD: Duration = Duration::from_secs(20);

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct Text {
    text: String,
}

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct NameForm {
    name: String,
}

/// `ask` asks for a name and greets; `wait` holds until the gate opens (or is cancelled);
/// `refuse` fails with a JSON-RPC error.
fn server(gate: &Arc<Semaphore>) -> McpServer {
    let ask = ToolRoute::new("ask", |_: Text, cx| async move {
        match cx.elicit::<NameForm>("Your name?").await {
            Ok(ElicitOutcome::Accepted(form)) => format!("hello {}", form.name),
            other => format!("no name: {other:?}"),
        }
    })
    .with_task_support(TaskSupport::Optional);
    let gate = gate.clone();
    let wait = ToolRoute::new("wait", move |t: Text, _cx| {
        let gate = gate.clone();
        async move {
            gate.acquire().await.unwrap().forget();
            t.text
        }
    })
    .with_task_support(TaskSupport::Required);
    let refuse = ToolRoute::new("refuse", |_: Text, _cx| async move {
        Err::<String, _>(ToolError::protocol(ErrorData::new(
            ErrorCode(-32011),
            "refused on purpose",
        )))
    })
    .with_task_support(TaskSupport::Optional);
    let config = TaskConfig::default()
        .with_poll_interval(Duration::from_millis(20))
        .with_store_poll_interval(Duration::from_millis(20));
    McpServer::builder(Implementation::new("engine", "1"))
        .tool(ask)
        .tool(wait)
        .tool(refuse)
        .task_store(MemoryTaskStore::new(), config)
        .build()
        .unwrap()
}

async fn connect(server: &McpServer, handler: ClientHandler) -> (RunningServer, McpClient) {
    let (a, b) = memory::duplex(64);
    let running = server.serve(a);
    let config = ClientConfig::new(Implementation::new("host", "1"));
    let client = McpClient::connect(b, config, handler).await.unwrap();
    let client =
        client.with_task_poll_policy(PollPolicy::new().with_min_interval(Duration::from_millis(5)));
    (running, client)
}

async fn tool(client: &McpClient, name: &str) -> Tool {
    let tools = client.peer().list_tools().collect_all().await.unwrap();
    tools.into_iter().find(|t| t.name == name).unwrap()
}

fn call(name: &str) -> CallToolRequestParams {
    CallToolRequestParams::new(name)
        .with_arguments(serde_json::from_value(json!({"text": "x"})).unwrap())
}

#[tokio::test(start_paused = true)]
async fn a_tool_that_asks_the_user_runs_to_its_result_as_a_task() {
    let related = Arc::new(Mutex::new(Vec::new()));
    let seen = related.clone();
    let handler = ClientHandler::new().with_form_elicitation(move |form| {
        seen.lock().unwrap().push(form.related_task_id);
        async {
            let mut answer = ElicitResult::new(ElicitAction::Accept);
            answer.content = Some(serde_json::from_value(json!({"name": "Ada"})).unwrap());
            Ok(answer)
        }
    });
    let (_server, client) = connect(&server(&Arc::new(Semaphore::new(0))), handler).await;
    let ask = tool(&client, "ask").await;
    let task = client.call_tool_as_task(&ask, call("ask")).await.unwrap();
    let mut stream = task.status_stream();
    let mut statuses = Vec::new();
    while let Some(status) = tokio::time::timeout(GUARD, stream.next()).await.unwrap() {
        statuses.push(status.unwrap());
    }
    let result = task.result().await.unwrap();
    assert_eq!(result.content[0].as_text(), Some("hello Ada"));
    assert_eq!(*related.lock().unwrap(), [Some(task.task_id().to_owned())]);
    assert_eq!(statuses.last().unwrap().status, TaskStatus::Completed);
    for pair in statuses.windows(2) {
        assert_ne!(pair[0], pair[1], "a status delivered twice: {statuses:?}");
        assert!(
            pair[0].last_updated_at <= pair[1].last_updated_at,
            "{statuses:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_tool_error_comes_back_as_the_same_json_rpc_error() {
    let (_server, client) =
        connect(&server(&Arc::new(Semaphore::new(0))), ClientHandler::new()).await;
    let refuse = tool(&client, "refuse").await;
    let task = client
        .call_tool_as_task(&refuse, call("refuse"))
        .await
        .unwrap();
    let failed = tokio::time::timeout(GUARD, task.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, TaskStatus::Failed);
    match task.result().await {
        Err(RequestError::Remote(e)) => {
            assert_eq!(
                (e.code, e.message.as_str()),
                (ErrorCode(-32011), "refused on purpose")
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn tasks_on_the_engine_are_listed_and_cancelled() {
    let gate = Arc::new(Semaphore::new(0));
    let (_server, client) = connect(&server(&gate), ClientHandler::new()).await;
    let wait = tool(&client, "wait").await;
    let first = client.call_tool_as_task(&wait, call("wait")).await.unwrap();
    let second = client.call_tool_as_task(&wait, call("wait")).await.unwrap();
    let listed: Vec<String> = client
        .peer()
        .list_tasks()
        .collect_all()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.task_id)
        .collect();
    assert!(
        listed.contains(&first.task_id().to_owned())
            && listed.contains(&second.task_id().to_owned())
    );
    assert_eq!(first.cancel().await.unwrap().status, TaskStatus::Cancelled);
    let again = first.cancel().await.unwrap_err();
    assert_eq!(again.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
    // The cancelled run may still be waiting at the gate (first in line): one permit each.
    gate.add_permits(2);
    let result = tokio::time::timeout(GUARD, second.wait_for_result())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result.content[0].as_text(), Some("x"));
    assert_eq!(first.get().await.unwrap().status, TaskStatus::Cancelled);
}
