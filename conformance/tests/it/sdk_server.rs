//! The oxmcp HTTP client against a server of the official TypeScript SDK over Streamable
//! HTTP (conformance/interop/ts/http-server.mjs): results, structured output, progress,
//! logging, elicitation, and a stream the server cuts mid-call, which the client resumes.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::client::ClientHandler;
use oxmcp_core::{ClientConfig, McpClient, RequestOptions};
use oxmcp_http::HttpClientTransport;
use oxmcp_types::elicitation::ElicitValue;
use oxmcp_types::{
    CallToolRequestParams, CallToolResult, ElicitResult, Implementation, JsonObject,
};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::*;

/// The TypeScript SDK server, and its URL once it listens.
async fn start_ts_server() -> (tokio::process::Child, String) {
    let mut child = tokio::process::Command::new(node())
        .arg(repo().join("conformance/interop/ts/http-server.mjs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the TypeScript SDK server");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("the TypeScript SDK server listens within 20 s")
    .unwrap();
    let url = line.trim().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");
    (child, url)
}

fn args(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

async fn call(client: &McpClient, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name).with_arguments(args(arguments));
    let result = client.peer().call_tool(params).await.unwrap();
    assert_ne!(result.is_error, Some(true), "{name}: {result:?}");
    result
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oxmcp_http_client_against_the_typescript_sdk_server() {
    let (mut server, url) = start_ts_server().await;
    let handler = ClientHandler::new().with_form_elicitation(|_form| async {
        let mut content = std::collections::BTreeMap::new();
        content.insert("name".to_owned(), ElicitValue::String("ada".to_owned()));
        Ok(ElicitResult::accept(content))
    });
    let transport = HttpClientTransport::new(&url).unwrap();
    let session = transport.session_id_handle();
    let config = ClientConfig::new(Implementation::new("oxmcp-http-client", "1.0"));
    let client = McpClient::connect(transport, config, handler)
        .await
        .unwrap();
    assert!(
        session.get().is_some(),
        "the TypeScript server assigned a session"
    );
    let info = client.peer().session().unwrap();
    assert_eq!(info.peer_info.name, "ts-sdk-http-server");

    let tools = client.peer().list_tools().collect_all().await.unwrap();
    let names: Vec<_> = tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["echo", "add", "progress", "log", "ask", "cut"]);

    assert_eq!(
        text(&call(&client, "echo", json!({"text": "hi"})).await),
        "hi"
    );
    let sum = call(&client, "add", json!({"a": 2, "b": 3})).await;
    assert_eq!(sum.structured_content.unwrap()["sum"], 5);

    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options = RequestOptions::new().on_progress(move |p| seen.lock().unwrap().push(p.progress));
    let params = CallToolRequestParams::new("progress").with_arguments(args(json!({"steps": 4})));
    let done = client.peer().call_tool_with(params, options).await.unwrap();
    assert_eq!(text(&done), "done in 4");
    assert_eq!(*progress.lock().unwrap(), [1.0, 2.0, 3.0, 4.0]);

    let mut logs = client.notifications().logs();
    call(&client, "log", json!({"message": "hello"})).await;
    let log = tokio::time::timeout(Duration::from_secs(5), logs.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(log.data, json!("hello"));

    assert_eq!(text(&call(&client, "ask", json!({})).await), "accept:ada");

    // The server closes the call's SSE stream after a notification; the client resumes
    // with Last-Event-ID and gets the result, and the notification exactly once.
    let cut = call(&client, "cut", json!({})).await;
    assert_eq!(text(&cut), "resumed");
    let before = tokio::time::timeout(Duration::from_secs(5), logs.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.data, json!("before the cut"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(logs.try_recv().unwrap().is_none(), "a message was repeated");

    client.close().await;
    server.kill().await.unwrap();
}
