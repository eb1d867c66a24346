//! A test client handler, a raw peer for driving the wire by hand, and setup helpers
//! (the part of oxmcp-core's test support the task tests use).

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oxmcp_core::role::Client;
use oxmcp_core::transport::{
    Frame, OutboundMessage, Route, Transport, TransportReader, TransportWriter,
};
use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest,
    NotificationContext, RequestContext, to_result,
};
use oxmcp_types::{ErrorData, Implementation};
use serde_json::{Value, json};

/// What the test server saw.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) cancelled: AtomicUsize,
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

pub(crate) fn client_config() -> ClientConfig {
    ClientConfig::new(Implementation::new("test-client", "0.1.0"))
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
