//! An oxmcp client that checks a server against the interop fixture contract.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp::role::Client;
use oxmcp::types::methods::SetLevelRequest;
use oxmcp::types::{ErrorCode, ErrorData, LoggingLevel, ProtocolVersion, SetLevelRequestParams};
use oxmcp::{
    Handler, HandlerResult, IncomingNotification, IncomingRequest, NotificationContext,
    RequestContext, RequestOptions, RunningClient,
};
use serde_json::value::to_raw_value;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// A client handler that keeps the log messages the server sends.
#[derive(Debug, Clone, Default)]
pub struct LogCollector {
    messages: Arc<Mutex<Vec<Value>>>,
}

impl LogCollector {
    fn take(&self) -> Vec<Value> {
        std::mem::take(
            &mut *self
                .messages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

impl Handler<Client> for LogCollector {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        _: RequestContext<Client>,
    ) -> HandlerResult {
        Err(ErrorData::method_not_found(&request.method))
    }

    async fn handle_notification(&self, n: IncomingNotification, _: NotificationContext<Client>) {
        if n.method == "notifications/message"
            && let Ok(params) = n.params::<Value>()
        {
            self.messages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(params);
        }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone)]
pub struct Check {
    /// The check's name.
    pub name: &'static str,
    /// Whether it passed.
    pub ok: bool,
    /// What was seen.
    pub detail: String,
}

/// Runs every check of the contract against `client`, calling `report` after each.
/// `expect_name` is the `serverInfo.name` the server should report.
pub async fn run_checks(
    client: &RunningClient,
    logs: &LogCollector,
    expect_name: &str,
    mut report: impl FnMut(&Check),
) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut record = |name: &'static str, outcome: Result<String, String>| {
        let (ok, detail) = match outcome {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        let check = Check { name, ok, detail };
        report(&check);
        checks.push(check);
    };
    let session = client.session();
    record(
        "protocol_version",
        expect_eq(&session.protocol_version, &ProtocolVersion::LATEST),
    );
    record(
        "server_info",
        expect_eq(&session.peer_info.name.as_str(), &expect_name),
    );
    record(
        "instructions",
        expect_eq(
            &session.instructions.as_deref(),
            &Some(crate::fixture_server::INSTRUCTIONS),
        ),
    );
    record(
        "ping",
        client
            .peer()
            .ping()
            .await
            .map(|()| "pong".into())
            .map_err(|e| e.to_string()),
    );
    record("tools_list", tools_list(client).await);
    record(
        "call_echo",
        call_text(client, "echo", json!({"text": "hello"}), "hello").await,
    );
    record("call_add", call_add(client).await);
    record("call_progress", call_progress(client).await);
    record("logging", logging(client, logs).await);
    record(
        "ping_client",
        call_text(client, "ping_client", json!({}), "pong").await,
    );
    record("cancel_slow", cancel_slow(client).await);
    record(
        "echo_after_cancel",
        call_text(client, "echo", json!({"text": "still here"}), "still here").await,
    );
    record(
        "cancelled_count",
        call_text(client, "cancelled_count", json!({}), "1").await,
    );
    record(
        "call_fail",
        expect_error(
            client,
            "fail",
            ErrorCode::INTERNAL_ERROR,
            "deliberate failure",
        )
        .await,
    );
    record(
        "unknown_tool",
        expect_error(client, "nope", ErrorCode::INVALID_PARAMS, "").await,
    );
    checks
}

fn expect_eq<T: PartialEq + std::fmt::Debug>(got: &T, want: &T) -> Result<String, String> {
    if got == want {
        Ok(format!("{got:?}"))
    } else {
        Err(format!("expected {want:?}, got {got:?}"))
    }
}

async fn call_tool(
    client: &RunningClient,
    name: &str,
    arguments: Value,
    options: RequestOptions,
) -> Result<Value, String> {
    let params = to_raw_value(&json!({ "name": name, "arguments": arguments }))
        .map_err(|e| e.to_string())?;
    let raw = client
        .peer()
        .request_raw("tools/call", Some(params), options)
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_str(raw.get()).map_err(|e| e.to_string())
}

fn only_text(result: &Value) -> Result<String, String> {
    match result["content"].as_array().map(Vec::as_slice) {
        Some([block]) if block["type"] == "text" && result["isError"] != true => {
            Ok(block["text"].as_str().unwrap_or_default().to_owned())
        }
        _ => Err(format!("expected one text block, got {result}")),
    }
}

async fn call_text(
    client: &RunningClient,
    name: &str,
    arguments: Value,
    want: &str,
) -> Result<String, String> {
    let result = call_tool(client, name, arguments, RequestOptions::new()).await?;
    let text = only_text(&result)?;
    if text == want {
        Ok(text)
    } else {
        Err(format!("expected {want:?}, got {text:?}"))
    }
}

async fn tools_list(client: &RunningClient) -> Result<String, String> {
    let raw = client
        .peer()
        .request_raw("tools/list", None, RequestOptions::new())
        .await
        .map_err(|e| e.to_string())?;
    let list: Value = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
    let mut names: Vec<&str> = list["tools"]
        .as_array()
        .ok_or("no tools array")?
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    names.sort_unstable();
    let want = [
        "add",
        "cancelled_count",
        "echo",
        "fail",
        "log",
        "ping_client",
        "progress",
        "slow",
    ];
    if names == want {
        Ok(names.join(","))
    } else {
        Err(format!("expected {want:?}, got {names:?}"))
    }
}

async fn call_add(client: &RunningClient) -> Result<String, String> {
    let result = call_tool(
        client,
        "add",
        json!({"a": 2, "b": 3}),
        RequestOptions::new(),
    )
    .await?;
    let text = only_text(&result)?;
    if text != "5" || result["structuredContent"]["sum"].as_f64() != Some(5.0) {
        return Err(format!("expected 5 and {{\"sum\":5}}, got {result}"));
    }
    Ok(result.to_string())
}

async fn call_progress(client: &RunningClient) -> Result<String, String> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = RequestOptions::new().on_progress(move |p| {
        sink.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((p.progress, p.total));
    });
    let result = call_tool(client, "progress", json!({"steps": 3}), options).await?;
    let text = only_text(&result)?;
    let seen = seen
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let want = vec![(1.0, Some(3.0)), (2.0, Some(3.0)), (3.0, Some(3.0))];
    if text == "done" && seen == want {
        Ok(format!("{seen:?}"))
    } else {
        Err(format!("got {text:?} with {seen:?}"))
    }
}

async fn logging(client: &RunningClient, logs: &LogCollector) -> Result<String, String> {
    client
        .peer()
        .request::<SetLevelRequest>(&SetLevelRequestParams::new(LoggingLevel::Warning))
        .await
        .map_err(|e| e.to_string())?;
    logs.take();
    call_text(
        client,
        "log",
        json!({"level": "info", "message": "quiet"}),
        "logged",
    )
    .await?;
    call_text(
        client,
        "log",
        json!({"level": "error", "message": "loud"}),
        "logged",
    )
    .await?;
    // Notifications and responses travel on one ordered stream; allow the notification
    // task a moment to run.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got = logs.take();
    let ok = got.len() == 1 && got[0]["level"] == "error" && got[0]["data"] == "loud";
    if ok {
        Ok(format!("{got:?}"))
    } else {
        Err(format!("expected only the error message, got {got:?}"))
    }
}

async fn cancel_slow(client: &RunningClient) -> Result<String, String> {
    let token = CancellationToken::new();
    let canceller = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        canceller.cancel();
    });
    match call_tool(
        client,
        "slow",
        json!({"seconds": 30}),
        RequestOptions::new().cancel_on(token),
    )
    .await
    {
        Err(e) if e.contains("cancelled") => {
            // Give the server a moment to see the cancellation before cancelled_count.
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(e)
        }
        other => Err(format!("expected a cancellation, got {other:?}")),
    }
}

async fn expect_error(
    client: &RunningClient,
    tool: &str,
    code: ErrorCode,
    part: &str,
) -> Result<String, String> {
    let params =
        to_raw_value(&json!({ "name": tool, "arguments": {} })).map_err(|e| e.to_string())?;
    match client
        .peer()
        .request_raw("tools/call", Some(params), RequestOptions::new())
        .await
    {
        Err(e) => match e.as_remote() {
            Some(remote) if remote.code == code && remote.message.contains(part) => {
                Ok(remote.to_string())
            }
            _ => Err(format!(
                "expected error {code} containing {part:?}, got {e}"
            )),
        },
        Ok(raw) => Err(format!("expected error {code}, got result {}", raw.get())),
    }
}
