//! A handler ends its own request's SSE connection early (SEP-1699) through
//! `SessionStreams`, and the client gets the rest of the stream by resuming.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::role::Server as ServerRole;
use oxmcp_core::{
    Handler, HandlerResult, IncomingRequest, RequestContext, serve_server, to_result,
};
use oxmcp_http::{HttpServerConfig, HttpSessionTransport, McpService, SessionStreams, serve_with};
use oxmcp_types::ErrorData;
use serde_json::{Value, json};

use crate::support::*;

type Streams = Arc<Mutex<HashMap<u64, SessionStreams>>>;

/// `close_stream`: closes this request's connection with a `retryMs` hint, waits `afterMs`,
/// sends one related notification and answers `{"closed": <whether it could close>}`.
#[derive(Clone, Default)]
struct Closer {
    streams: Streams,
}

impl Handler<ServerRole> for Closer {
    async fn handle_request(
        &self,
        req: IncomingRequest,
        cx: RequestContext<ServerRole>,
    ) -> HandlerResult {
        if req.method != "close_stream" {
            return Err(ErrorData::method_not_found(&req.method));
        }
        let params: Value = req.params()?;
        let retry = Duration::from_millis(params["retryMs"].as_u64().unwrap_or(10));
        let streams = self
            .streams
            .lock()
            .unwrap()
            .get(&cx.peer().session_id())
            .cloned();
        let closed = streams.is_some_and(|s| s.close_request_stream(cx.id(), retry));
        tokio::time::sleep(Duration::from_millis(
            params["afterMs"].as_u64().unwrap_or(0),
        ))
        .await;
        let note = serde_json::value::to_raw_value(&json!({ "after": "close" })).unwrap();
        cx.peer()
            .notify_raw("notifications/test", Some(note))
            .await
            .unwrap();
        to_result(&json!({ "closed": closed }))
    }
}

async fn start_closer() -> oxmcp_http::Server {
    let handler = Closer::default();
    let config = server_config();
    let service = McpService::new(
        move |t: HttpSessionTransport| {
            let streams = t.streams();
            let running = serve_server(t, config.clone(), handler.clone());
            handler
                .streams
                .lock()
                .unwrap()
                .insert(running.peer().session_id(), streams);
            running
        },
        HttpServerConfig::default(),
    );
    serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap()
}

#[tokio::test]
async fn a_handler_closes_its_own_stream_and_the_client_resumes_for_the_rest() {
    let server = start_closer().await;
    let url = server.url();
    let id = initialize(&url, "2025-11-25").await;
    let body = request(4, "close_stream", json!({"retryMs": 30, "afterMs": 100}));
    let mut events = Events::new(post(&url, Some(&id), &body).await);
    let priming = events.next().await.unwrap();
    assert_eq!(priming.data.as_deref(), Some(""));
    let last = priming.id.clone().unwrap();
    let hint = events.next().await.unwrap();
    assert_eq!((hint.retry, hint.id, hint.data), (Some(30), None, None));
    // The connection ends while the request is still running.
    assert_eq!(events.next().await, None);
    let rest = Events::new(get(&url, &id, Some(&last)).await).rest().await;
    let messages: Vec<Value> = rest.iter().map(RawEvent::json).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["method"], "notifications/test");
    assert_eq!(messages[1]["id"], 4);
    assert_eq!(messages[1]["result"]["closed"], true);
    server.shutdown().await;
}

#[tokio::test]
async fn streams_of_clients_before_2025_11_25_are_not_closed_early() {
    let server = start_closer().await;
    let url = server.url();
    let id = initialize(&url, "2025-06-18").await;
    let body = request(5, "close_stream", json!({"afterMs": 10}));
    let events = Events::new(post(&url, Some(&id), &body).await).rest().await;
    let messages: Vec<Value> = events.iter().map(RawEvent::json).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[1]["result"]["closed"], false);
    server.shutdown().await;
}
