//! A test server handler, a raw peer for driving the wire by hand, and setup helpers.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::role::{Client, Server};
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::transport::{
    Frame, OutboundMessage, Route, Transport, TransportReader, TransportWriter,
};
use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest, NoHandler,
    NotificationContext, RequestContext, RunningClient, RunningServer, ServerConfig, connect,
    serve_server, to_result,
};
use oxmcp_types::{ErrorData, Implementation, LoggingLevel, ServerCapabilities};
use serde_json::{Value, json};

/// What the test server saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) cancelled: AtomicUsize,
    pub(crate) completed: AtomicUsize,
    pub(crate) notifications: Mutex<Vec<String>>,
}

/// Sets a flag when dropped before being disarmed: proves a handler future was dropped.
struct DropFlag(Arc<Seen>, bool);

impl Drop for DropFlag {
    fn drop(&mut self) {
        if !self.1 {
            self.0.cancelled.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// The server handler used by the engine tests.
#[derive(Debug, Clone, Default)]
pub(crate) struct TestServer {
    pub(crate) seen: Arc<Seen>,
}

impl Handler<Server> for TestServer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<Server>,
    ) -> HandlerResult {
        let params: Value = req.params()?;
        match req.method.as_str() {
            "echo" => to_result(&params),
            "sleep" => {
                let mut flag = DropFlag(self.seen.clone(), false);
                let ms = params["ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                flag.1 = true;
                self.seen.completed.fetch_add(1, Ordering::SeqCst);
                to_result(&json!({ "slept": ms }))
            }
            "progress" => {
                let steps = params["steps"].as_u64().unwrap_or(3);
                let every = params["everyMs"].as_u64().unwrap_or(0);
                for i in 1..=steps {
                    cx.progress(i as f64, Some(steps as f64), Some(format!("step {i}")))
                        .await
                        .map_err(|e| ErrorData::internal_error(e.to_string()))?;
                    if every > 0 {
                        tokio::time::sleep(Duration::from_millis(every)).await;
                    }
                }
                let backwards = cx.progress(0.5, None, None).await;
                to_result(&json!({ "backwardsRefused": backwards.is_err() }))
            }
            "panic" => panic!("deliberate panic in a handler"),
            "log" => {
                let level: LoggingLevel = serde_json::from_value(params["level"].clone())
                    .map_err(|e| ErrorData::invalid_params(e.to_string()))?;
                let sent = cx
                    .log(level, Some("test"), params["data"].clone())
                    .await
                    .map_err(|e| ErrorData::internal_error(e.to_string()))?;
                to_result(&json!({ "sent": sent }))
            }
            "ping_client" => {
                cx.peer()
                    .ping()
                    .await
                    .map_err(|e| ErrorData::internal_error(e.to_string()))?;
                to_result(&json!({ "pong": true }))
            }
            "ask_client" => {
                let method = params["method"].as_str().unwrap_or_default().to_owned();
                match cx
                    .peer()
                    .request_raw(&method, None, Default::default())
                    .await
                {
                    Ok(raw) => to_result(
                        &json!({ "answer": serde_json::from_str::<Value>(raw.get()).unwrap() }),
                    ),
                    Err(e) => to_result(&json!({ "error": e.to_string() })),
                }
            }
            "notify_client" => {
                let method = params["method"].as_str().unwrap_or_default().to_owned();
                match cx.peer().notify_raw(&method, None).await {
                    Ok(()) => to_result(&json!({ "sent": true })),
                    Err(e) => to_result(&json!({ "error": e.to_string() })),
                }
            }
            "tools/list" => to_result(&json!({ "tools": [] })),
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Server>) {
        self.seen.notifications.lock().unwrap().push(n.method);
    }
}

/// A client handler that answers `roots/list` and `client/slow`, and counts notifications.
#[derive(Debug, Clone, Default)]
pub(crate) struct TestClient {
    pub(crate) notifications: Arc<Mutex<Vec<(String, Value)>>>,
    pub(crate) seen: Arc<Seen>,
}

impl Handler<Client> for TestClient {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        _cx: RequestContext<Client>,
    ) -> HandlerResult {
        match req.method.as_str() {
            "roots/list" => {
                to_result(&json!({ "roots": [{ "uri": "file:///tmp", "name": "tmp" }] }))
            }
            "client/slow" => {
                let mut flag = DropFlag(self.seen.clone(), false);
                tokio::time::sleep(Duration::from_secs(5)).await;
                flag.1 = true;
                to_result(&json!({}))
            }
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Client>) {
        let params: Value = n.params().unwrap_or(Value::Null);
        self.notifications.lock().unwrap().push((n.method, params));
    }
}

pub(crate) fn server_info() -> Implementation {
    Implementation::new("test-server", "1.2.3")
        .with_title("Test Server")
        .with_description("A server for tests")
        .with_website_url("https://example.com")
}

pub(crate) fn full_server_config() -> ServerConfig {
    let caps: ServerCapabilities = serde_json::from_value(json!({
        "tools": { "listChanged": true },
        "logging": {},
    }))
    .unwrap();
    ServerConfig::new(server_info())
        .with_capabilities(caps)
        .with_instructions("Use echo.")
}

pub(crate) fn client_config() -> ClientConfig {
    ClientConfig::new(Implementation::new("test-client", "0.1.0"))
}

/// A server with [`TestServer`] and a connected client with the given handler.
pub(crate) async fn pair_with(
    config: ServerConfig,
    client: ClientConfig,
) -> (TestServer, RunningServer, RunningClient) {
    let (a, b) = memory::duplex(64);
    let handler = TestServer::default();
    let server = serve_server(a, config, handler.clone());
    let client = connect(b, client, TestClient::default())
        .await
        .expect("connect");
    // The server reads in order: once it answered this ping it has seen `initialized`.
    client.peer().ping().await.expect("ping");
    (handler, server, client)
}

pub(crate) async fn pair() -> (TestServer, RunningServer, RunningClient) {
    pair_with(full_server_config(), client_config()).await
}

/// A client that connects with no handler.
pub(crate) async fn connect_plain(t: MemoryTransport) -> RunningClient {
    connect(t, client_config(), NoHandler)
        .await
        .expect("connect")
}

/// Drives one end of a transport by hand: writes raw lines, reads raw messages.
pub(crate) struct RawPeer<T: Transport> {
    pub(crate) reader: T::Reader,
    pub(crate) writer: T::Writer,
}

impl<T: Transport> RawPeer<T> {
    pub(crate) fn new(t: T) -> Self {
        let (reader, writer) = t.split();
        Self { reader, writer }
    }

    pub(crate) async fn send_bytes(&mut self, bytes: &[u8]) {
        self.writer
            .write(OutboundMessage::new(bytes.to_vec(), Route::Unrelated))
            .await
            .unwrap();
        self.writer.flush().await.unwrap();
    }

    pub(crate) async fn send(&mut self, v: Value) {
        self.send_bytes(&serde_json::to_vec(&v).unwrap()).await;
    }

    /// The next message, as JSON (fails after 5 s).
    pub(crate) async fn recv(&mut self) -> Value {
        let frame = tokio::time::timeout(Duration::from_secs(5), self.reader.read())
            .await
            .expect("timed out waiting for a message")
            .unwrap()
            .expect("stream ended");
        match frame {
            Frame::Message(bytes) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("unexpected frame {other:?}"),
        }
    }

    /// Asserts nothing arrives within `ms`.
    pub(crate) async fn expect_silence(&mut self, ms: u64) {
        if let Ok(frame) = tokio::time::timeout(Duration::from_millis(ms), self.reader.read()).await
        {
            panic!("expected silence, got {frame:?}");
        }
    }

    /// Sends `initialize` + `notifications/initialized` as a client and returns the result.
    pub(crate) async fn initialize(&mut self, version: &str) -> Value {
        self.send(json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
            "protocolVersion": version, "capabilities": {}, "clientInfo": {"name":"raw","version":"0"}}}))
            .await;
        let answer = self.recv().await;
        self.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
            .await;
        answer
    }
}
