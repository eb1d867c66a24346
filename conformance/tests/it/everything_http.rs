//! The oxmcp HTTP client against the official TypeScript everything server
//! (npm `@modelcontextprotocol/server-everything`, from the interop cache) in its Streamable
//! HTTP mode, bound to 127.0.0.1 by conformance/bind-loopback.mjs.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::client::ClientHandler;
use oxmcp_core::{ClientConfig, McpClient, RequestOptions};
use oxmcp_http::HttpClientTransport;
use oxmcp_types::content::Role;
use oxmcp_types::sampling::CreateMessageResult;
use oxmcp_types::{CallToolRequestParams, Implementation, JsonObject, SamplingMessageContentBlock};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::support::*;

fn args(value: Value) -> JsonObject {
    match value {
        Value::Object(object) => object,
        _ => JsonObject::new(),
    }
}

/// Starts the everything server on a free loopback port and returns it with its URL.
async fn start_everything() -> (tokio::process::Child, String) {
    let entry =
        interop_node_modules().join("@modelcontextprotocol/server-everything/dist/index.js");
    assert!(
        entry.exists(),
        "{} is missing: run scripts/setup-interop",
        entry.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let preload = format!(
        "--import={}",
        repo().join("conformance/bind-loopback.mjs").display()
    );
    let mut child = tokio::process::Command::new(node())
        .arg(preload)
        .arg(entry)
        .arg("streamableHttp")
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn the everything server");
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let listening = async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            if line.contains("listening on port") {
                return;
            }
        }
        panic!("the everything server exited before listening");
    };
    tokio::time::timeout(Duration::from_secs(20), listening)
        .await
        .expect("the everything server listens within 20 s");
    // Keep draining its log so that it never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = stderr.next_line().await {} });
    (child, format!("http://127.0.0.1:{port}/mcp"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oxmcp_http_client_against_the_typescript_everything_server() {
    let (mut server, url) = start_everything().await;
    let handler = ClientHandler::new().with_sampling(|request| async move {
        let asked = serde_json::to_string(&request.params.messages).unwrap_or_default();
        let answer = SamplingMessageContentBlock::text(format!("oxmcp saw {} bytes", asked.len()));
        Ok(CreateMessageResult::new(
            Role::Assistant,
            answer,
            "oxmcp-test-model",
        ))
    });
    let transport = HttpClientTransport::new(&url).unwrap();
    let config = ClientConfig::new(Implementation::new("oxmcp-http-client", "1.0"));
    let client = McpClient::connect(transport, config, handler)
        .await
        .unwrap();

    // The tools that depend on the client's capabilities are added after initialization.
    let mut names = Vec::new();
    for _ in 0..50 {
        let tools = client.peer().list_tools().collect_all().await.unwrap();
        names = tools.into_iter().map(|t| t.name).collect();
        if names.iter().any(|n| n == "trigger-sampling-request") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for expected in [
        "echo",
        "get-sum",
        "trigger-long-running-operation",
        "trigger-sampling-request",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }

    let call = |name: &'static str, arguments: Value| {
        CallToolRequestParams::new(name).with_arguments(args(arguments))
    };
    let echo = client
        .peer()
        .call_tool(call("echo", json!({"message": "hi"})))
        .await
        .unwrap();
    assert_eq!(echo.content[0].as_text(), Some("Echo: hi"));
    let sum = client
        .peer()
        .call_tool(call("get-sum", json!({"a": 2, "b": 3})))
        .await
        .unwrap();
    assert_eq!(sum.content[0].as_text(), Some("The sum of 2 and 3 is 5."));

    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = progress.clone();
    let options = RequestOptions::new().on_progress(move |p| seen.lock().unwrap().push(p.progress));
    let long = call(
        "trigger-long-running-operation",
        json!({"duration": 0.3, "steps": 3}),
    );
    let done = client.peer().call_tool_with(long, options).await.unwrap();
    assert_ne!(done.is_error, Some(true), "{done:?}");
    assert_eq!(*progress.lock().unwrap(), [1.0, 2.0, 3.0]);

    let sampled = client
        .peer()
        .call_tool(call("trigger-sampling-request", json!({"prompt": "hello"})))
        .await
        .unwrap();
    let text = sampled.content[0].as_text().unwrap_or_default();
    assert!(text.contains("oxmcp saw"), "{text}");

    let resources = client.peer().list_resources().collect_all().await.unwrap();
    assert!(!resources.is_empty());
    let read = client
        .peer()
        .read_resource(resources[0].uri.clone())
        .await
        .unwrap();
    assert_eq!(read.contents[0].uri(), resources[0].uri);
    let prompts = client.peer().list_prompts().collect_all().await.unwrap();
    assert!(!prompts.is_empty());

    client.close().await;
    server.kill().await.unwrap();
}
