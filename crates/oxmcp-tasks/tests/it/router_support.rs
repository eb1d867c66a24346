//! Helpers for the `McpServer` router tests: a recording client, raw requests, waiting for
//! notifications.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::transport::memory::{self, MemoryTransport};
use oxmcp_core::{RequestError, RequestOptions, RunningClient, RunningServer, connect};
use oxmcp_types::{ErrorCode, Implementation};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::support::{RawPeer, TestClient, client_config};

pub(crate) type Notes = Arc<Mutex<Vec<(String, Value)>>>;

pub(crate) fn info() -> Implementation {
    Implementation::new("router-test", "1.0.0").with_title("Router Test")
}

/// A connected client of `server`, with the notifications it receives.
pub(crate) struct Session {
    pub(crate) server: RunningServer,
    pub(crate) client: RunningClient,
    pub(crate) notes: Notes,
}

pub(crate) async fn open(server: &McpServer) -> Session {
    let (a, b) = memory::duplex(64);
    let running = server.serve(a);
    let handler = TestClient::default();
    let notes = handler.notifications.clone();
    let client = connect(b, client_config(), handler).await.expect("connect");
    client.peer().ping().await.expect("ping");
    Session {
        server: running,
        client,
        notes,
    }
}

/// A raw client of `server` that negotiated `version`.
pub(crate) async fn open_raw(server: &McpServer, version: &str) -> RawPeer<MemoryTransport> {
    let (a, b) = memory::duplex(64);
    server.serve(a);
    let mut raw = RawPeer::new(b);
    let answer = raw.initialize(version).await;
    assert_eq!(answer["result"]["protocolVersion"], version);
    raw
}

impl Session {
    pub(crate) async fn request(&self, method: &str, params: Value) -> Result<Value, RequestError> {
        let raw: Box<RawValue> = serde_json::value::to_raw_value(&params).unwrap();
        self.client
            .peer()
            .request_raw(method, Some(raw), RequestOptions::default())
            .await
            .map(|r| serde_json::from_str(r.get()).unwrap())
    }

    /// The result, which must not be an error.
    pub(crate) async fn ok(&self, method: &str, params: Value) -> Value {
        match self.request(method, params).await {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {e}"),
        }
    }

    /// The JSON-RPC error, which must be one with `code`.
    pub(crate) async fn err(&self, method: &str, params: Value, code: ErrorCode) -> Value {
        match self.request(method, params).await {
            Err(RequestError::Remote(e)) => {
                assert_eq!(e.code, code, "{e}");
                serde_json::to_value(&e).unwrap()
            }
            other => panic!("{method}: expected error {code}, got {other:?}"),
        }
    }

    /// Waits (up to 2 s) for a notification with `method` and returns its params.
    pub(crate) async fn notification(&self, method: &str) -> Value {
        let found = tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                if let Some(p) = self.take(method) {
                    return p;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        found.unwrap_or_else(|_| panic!("no {method} notification arrived"))
    }

    /// Asserts that no notification with `method` arrives within 100 ms.
    pub(crate) async fn no_notification(&self, method: &str) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(self.take(method).is_none(), "unexpected {method}");
    }

    fn take(&self, method: &str) -> Option<Value> {
        let mut notes = self.notes.lock().unwrap();
        let at = notes.iter().position(|(m, _)| m == method)?;
        Some(notes.remove(at).1)
    }

    pub(crate) async fn close(self) {
        self.client.close().await;
        self.server.wait().await;
    }
}

/// Arguments of `echo`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct EchoArgs {
    pub(crate) text: String,
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "call sites read better with json!(..) by value"
)]
pub(crate) fn call(name: &str, arguments: Value) -> Value {
    json!({ "name": name, "arguments": arguments })
}
