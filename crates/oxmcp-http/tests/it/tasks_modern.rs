//! The tasks extension of 2026-07-28 over Streamable HTTP: each POST is a request of its
//! own (a session that ends with it), so a task created in one is polled, answered and
//! read in later ones; `Mcp-Name` carries the task id, as the extension asks.

use oxmcp_core::McpServer;
use oxmcp_core::server::client_requests::ElicitOutcome;
use oxmcp_core::server::tools::{NoArguments, ToolError, ToolRoute};
use oxmcp_core::{RequestContext, role::Server};
use oxmcp_http::{HttpServerConfig, McpService, serve_with};
use oxmcp_tasks::{MemoryTaskStore, TaskConfig, TasksServerBuilderExt as _};
use oxmcp_types::Implementation;
use oxmcp_types::tools::TaskSupport;
use serde_json::{Value, json};

use crate::modern::post_modern;
use crate::support::request;

const EXTENSION: &str = "io.modelcontextprotocol/tasks";

/// The answer the user gives in a form.
#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Name {
    name: String,
}

fn tasks_server() -> McpServer {
    let greet = ToolRoute::new(
        "greet",
        |_: NoArguments, cx: RequestContext<Server>| async move {
            match cx.elicit::<Name>("Name?").await? {
                ElicitOutcome::Accepted(n) => Ok::<_, ToolError>(format!("Hello, {}!", n.name)),
                _ => Ok("Hello!".to_owned()),
            }
        },
    )
    .with_task_support(TaskSupport::Required);
    McpServer::builder(Implementation::new("modern-tasks", "1"))
        .tool(greet)
        .task_store(MemoryTaskStore::new(), TaskConfig::default())
        .build()
        .unwrap()
}

/// A modern request of a client that declares the extension, `Mcp-Name` set to `name`.
async fn ask(url: &str, method: &str, mut params: Value, name: &str) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {
            "elicitation": {}, "extensions": { EXTENSION: {} } },
    });
    let response = post_modern(url, request(1, method, params), &[("mcp-name", name)]).await;
    assert_eq!(response.status(), 200, "{method}");
    response.json().await.unwrap()
}

async fn until(url: &str, id: &str, status: &str) -> Value {
    for _ in 0..100 {
        let got = ask(url, "tasks/get", json!({ "taskId": id }), id).await;
        if got["result"]["status"] == status {
            return got["result"].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("task {id} never became {status}");
}

#[tokio::test]
async fn a_task_outlives_its_post_and_takes_input_in_later_ones() {
    for stateless in [false, true] {
        let server = tasks_server();
        let config = HttpServerConfig::default().with_stateless(stateless);
        let service = McpService::new(move |t| server.serve(t), config);
        let http = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
            .await
            .unwrap();
        let url = http.url();
        let handle = ask(
            &url,
            "tools/call",
            json!({ "name": "greet", "arguments": {} }),
            "greet",
        )
        .await;
        assert_eq!(handle["result"]["resultType"], "task", "{handle}");
        let id = handle["result"]["taskId"].as_str().unwrap().to_owned();
        let waiting = until(&url, &id, "input_required").await;
        let key = waiting["inputRequests"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        let answer = json!({ "taskId": id, "inputResponses": {
            key: { "action": "accept", "content": { "name": "Ada" } } } });
        let ack = ask(&url, "tasks/update", answer, &id).await;
        assert_eq!(ack["result"]["resultType"], "complete", "{ack}");
        let done = until(&url, &id, "completed").await;
        assert_eq!(
            done["result"]["content"][0]["text"], "Hello, Ada!",
            "{done}"
        );
        http.shutdown().await;
    }
}
