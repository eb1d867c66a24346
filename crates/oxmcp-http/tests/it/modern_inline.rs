//! A modern (2026-07-28) request on a pooled engine session runs its handler in the task of
//! its POST: no task of its own, yet a handler that streams before its result still
//! streams, and one whose client leaves is cancelled.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use oxmcp_core::McpServer;
use oxmcp_core::server::tools::{ToolError, ToolRoute};
use oxmcp_http::{HttpServerConfig, McpService};
use oxmcp_types::{CallToolResult, Implementation, Tool};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::modern::modern;
use crate::support::eventually;

tokio::task_local! {
    /// Set around a POST by the test: visible to a handler only in the POST's task.
    static POST_TASK: u32;
}

/// A modern `tools/call` of `tool` with `params` (`_meta.progressToken` included when
/// given), as the service gets it.
pub(crate) fn modern_call(tool: &str, progress: Option<u64>) -> http::Request<Full<Bytes>> {
    let mut body: Value = serde_json::from_str(&modern(
        1,
        "tools/call",
        json!({ "name": tool, "arguments": {} }),
    ))
    .unwrap();
    if let Some(token) = progress {
        body["params"]["_meta"]["progressToken"] = json!(token);
    }
    http::Request::post("http://127.0.0.1/mcp")
        .header("host", "127.0.0.1")
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", "tools/call")
        .header("mcp-name", tool)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

/// What the tools of [`service`] let the test see and do.
#[derive(Default)]
struct Probe {
    /// `slow` started.
    started: Notify,
    /// Lets `slow` (and `stream`, after its progress) finish.
    go: Notify,
    /// `slow`'s run was dropped or cancelled before it finished.
    stopped: AtomicBool,
}

/// Sets `stopped` when dropped before being disarmed.
struct Stopped(Arc<Probe>, bool);

impl Drop for Stopped {
    fn drop(&mut self) {
        if !self.1 {
            self.0.stopped.store(true, Ordering::SeqCst);
        }
    }
}

fn inline_service(probe: &Arc<Probe>, config: HttpServerConfig) -> (McpServer, McpService) {
    let (slow, stream) = (probe.clone(), probe.clone());
    let mcp = McpServer::builder(Implementation::new("inline", "1"))
        .tool(ToolRoute::from_tool(
            Tool::without_arguments("task_local"),
            |_args, _cx| async move {
                let seen = POST_TASK.try_with(|v| *v).ok();
                Ok::<_, ToolError>(CallToolResult::text(format!("{seen:?}")))
            },
        ))
        .tool(ToolRoute::from_tool(
            Tool::without_arguments("slow"),
            move |_args, cx| {
                let probe = slow.clone();
                async move {
                    let mut guard = Stopped(probe.clone(), false);
                    probe.started.notify_one();
                    tokio::select! {
                        () = probe.go.notified() => {}
                        () = cx.cancellation_token().cancelled() => return Err(ToolError::execution("cancelled")),
                    }
                    guard.1 = true;
                    Ok::<_, ToolError>(CallToolResult::text("slow done"))
                }
            },
        ))
        .tool(ToolRoute::from_tool(
            Tool::without_arguments("stream"),
            move |_args, cx| {
                let probe = stream.clone();
                async move {
                    assert!(cx.progress(1.0, None, None).await.unwrap());
                    probe.go.notified().await;
                    Ok::<_, ToolError>(CallToolResult::text("streamed"))
                }
            },
        ))
        .build()
        .unwrap();
    let server = mcp.clone();
    (mcp, McpService::new(move |t| server.serve(t), config))
}

/// The text of the first content block of the tool result `answer` (panics otherwise).
pub(crate) fn result_text(answer: &Value) -> String {
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_else(|| panic!("{answer}"))
        .to_owned()
}

async fn text_of(response: http::Response<oxmcp_http::McpBody>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    result_text(&serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn a_pooled_request_runs_in_the_task_of_its_post() {
    let probe = Arc::new(Probe::default());
    let (_mcp, service) = inline_service(&probe, HttpServerConfig::default());
    let response = POST_TASK
        .scope(7, service.handle(modern_call("task_local", None)))
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(text_of(response).await, "Some(7)");
    // Without idle sessions kept, each request's session is new, and served the same way.
    let config = HttpServerConfig::default().with_idle_modern_sessions(0);
    let (_mcp, service) = inline_service(&probe, config);
    let response = POST_TASK
        .scope(7, service.handle(modern_call("task_local", None)))
        .await;
    assert_eq!(text_of(response).await, "Some(7)");
    // Outside the POST's task, the handler does not see it.
    let response = service.handle(modern_call("task_local", None)).await;
    assert_eq!(text_of(response).await, "None");
}

#[tokio::test]
async fn a_handler_that_notifies_first_streams_and_finishes_after_its_post_answered() {
    let probe = Arc::new(Probe::default());
    let (mcp, service) = inline_service(&probe, HttpServerConfig::default());
    let response = service.handle(modern_call("stream", Some(5))).await;
    // The POST answered with a stream while its handler still waits.
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut body = response.into_body();
    let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
    let first = String::from_utf8_lossy(&first).into_owned();
    assert!(first.contains("notifications/progress"), "{first}");
    // What is left of the handler runs on its own: it finishes when let go.
    probe.go.notify_one();
    let rest = body.collect().await.unwrap().to_bytes();
    let rest = String::from_utf8_lossy(&rest).into_owned();
    assert!(rest.contains("streamed"), "{rest}");
    // The session that streamed was not given back while its handler ran; the next request
    // is served all the same.
    let response = service.handle(modern_call("task_local", None)).await;
    assert_eq!(text_of(response).await, "None");
    assert!(mcp.session_count() <= 2);
}

#[tokio::test]
async fn a_handler_whose_client_leaves_is_stopped_and_its_session_ends() {
    let probe = Arc::new(Probe::default());
    let (mcp, service) = inline_service(&probe, HttpServerConfig::default());
    // The client leaves while the handler waits: its POST's future is dropped.
    tokio::select! {
        _ = service.handle(modern_call("slow", None)) => panic!("answered"),
        () = probe.started.notified() => {}
    }
    assert!(
        probe.stopped.load(Ordering::SeqCst),
        "the handler's run was dropped"
    );
    // Its session is not reused: it ends, and the next request gets another.
    eventually(|| mcp.session_count() == 0).await;
    let response = service.handle(modern_call("task_local", None)).await;
    assert_eq!(text_of(response).await, "None");
    assert_eq!(mcp.session_count(), 1);
}
