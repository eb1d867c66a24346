//! A client connected over memory to a server built from routes, with raw requests.

use std::sync::{Arc, Mutex};

use oxmcp::types::{Implementation, ProgressNotificationParams};
use oxmcp::{
    ClientConfig, McpServer, NoHandler, RequestError, RequestOptions, RunningClient, ToolRoute,
    connect, transport::memory,
};
use serde_json::Value;

/// A connected client.
pub(crate) struct Session {
    client: RunningClient,
}

/// Serves `routes` and connects a client.
pub(crate) async fn open(routes: Vec<ToolRoute>) -> Session {
    let server = McpServer::builder(info())
        .tools(routes)
        .build()
        .expect("the server builds");
    open_server(&server).await
}

/// The server's `serverInfo`.
pub(crate) fn info() -> Implementation {
    Implementation::new("macro-test", "1.0.0")
}

/// Serves `server` and connects a client.
pub(crate) async fn open_server(server: &McpServer) -> Session {
    let (a, b) = memory::duplex(64);
    server.serve(a);
    let config = ClientConfig::new(Implementation::new("client", "1.0.0"));
    let client = connect(b, config, NoHandler).await.expect("connect");
    Session { client }
}

impl Session {
    /// Sends a request and returns its result or error.
    pub(crate) async fn request(
        &self,
        method: &str,
        params: Value,
        options: RequestOptions,
    ) -> Result<Value, RequestError> {
        let raw = serde_json::value::to_raw_value(&params).expect("params serialize");
        let answer = self
            .client
            .peer()
            .request_raw(method, Some(raw), options)
            .await?;
        Ok(serde_json::from_str(answer.get()).expect("the answer is JSON"))
    }

    /// `tools/list`, as a map from tool name to definition.
    pub(crate) async fn tools(&self) -> serde_json::Map<String, Value> {
        let list = self
            .request("tools/list", serde_json::json!({}), RequestOptions::new())
            .await
            .expect("tools/list");
        let tools = list["tools"].as_array().cloned().unwrap_or_default();
        tools
            .into_iter()
            .map(|tool| (tool["name"].as_str().unwrap_or_default().to_owned(), tool))
            .collect()
    }

    /// `tools/call`, which must succeed at the protocol level.
    pub(crate) async fn call(&self, name: &str, arguments: Value) -> Value {
        self.call_with(name, arguments, RequestOptions::new())
            .await
            .unwrap_or_else(|e| panic!("tools/call {name}: {e}"))
    }

    /// `tools/call` with options.
    pub(crate) async fn call_with(
        &self,
        name: &str,
        arguments: Value,
        options: RequestOptions,
    ) -> Result<Value, RequestError> {
        let params = serde_json::json!({ "name": name, "arguments": arguments });
        self.request("tools/call", params, options).await
    }
}

/// Progress notifications, recorded.
pub(crate) type Progress = Arc<Mutex<Vec<ProgressNotificationParams>>>;

/// Options that ask for progress and record it.
pub(crate) fn recording_progress() -> (RequestOptions, Progress) {
    let progress = Progress::default();
    let sink = progress.clone();
    let options = RequestOptions::new().on_progress(move |p| {
        sink.lock().expect("not poisoned").push(p);
    });
    (options, progress)
}
