//! 10,000 requests refused for every reason there is leave no session behind: none in the
//! service's map, none started in the engine, nothing in the event store.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::StreamExt;
use oxmcp_http::{HttpServerConfig, MemoryEventStore};
use serde_json::json;

use crate::support::*;

const LIMIT: usize = 4096;

/// The ways a request is refused, each with the status it gets.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    BadHost,
    BadOrigin,
    TooLargeDeclared,
    TooLargeStreamed,
    MalformedJson,
    NotInitializeRequest,
    NotInitializeNotification,
    UnknownSession,
    BadInitializeParams,
    NotAcceptable,
    WrongContentType,
    BadProtocolVersion,
    GetUnknownSession,
    DeleteUnknownSession,
}

const ALL: [Refusal; 14] = [
    Refusal::BadHost,
    Refusal::BadOrigin,
    Refusal::TooLargeDeclared,
    Refusal::TooLargeStreamed,
    Refusal::MalformedJson,
    Refusal::NotInitializeRequest,
    Refusal::NotInitializeNotification,
    Refusal::UnknownSession,
    Refusal::BadInitializeParams,
    Refusal::NotAcceptable,
    Refusal::WrongContentType,
    Refusal::BadProtocolVersion,
    Refusal::GetUnknownSession,
    Refusal::DeleteUnknownSession,
];

/// Refusals that do not depend on sessions (they apply in stateless mode too).
const STATELESS: [Refusal; 8] = [
    Refusal::BadHost,
    Refusal::BadOrigin,
    Refusal::TooLargeDeclared,
    Refusal::TooLargeStreamed,
    Refusal::MalformedJson,
    Refusal::NotAcceptable,
    Refusal::WrongContentType,
    Refusal::BadProtocolVersion,
];

/// An `initialize` padded past the body limit.
fn oversized_initialize() -> String {
    let padding = "x".repeat(LIMIT * 2);
    json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": { "name": padding, "version": "0" } }
    })
    .to_string()
}

async fn send(client: &reqwest::Client, url: &str, refusal: Refusal, n: usize) -> u16 {
    let init = init_body("2025-11-25");
    let post = || {
        client
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
    };
    let unknown = format!("{n:032x}");
    let request = match refusal {
        Refusal::BadHost => post().header("host", "evil.example").body(init),
        Refusal::BadOrigin => post().header("origin", "http://evil.example").body(init),
        // The server may close the connection after a 413 (the body is not read): such a
        // connection is not kept for the next request.
        Refusal::TooLargeDeclared => post()
            .header("connection", "close")
            .body(oversized_initialize()),
        Refusal::TooLargeStreamed => {
            let body = oversized_initialize().into_bytes();
            let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                body.chunks(1024).map(|c| Ok(c.to_vec())).collect();
            post()
                .header("connection", "close")
                .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                    chunks,
                )))
        }
        Refusal::MalformedJson => post().body(r#"{"jsonrpc":"2.0","id":0,"method":"initialize""#),
        Refusal::NotInitializeRequest => post().body(request(0, "tools/list", json!({}))),
        Refusal::NotInitializeNotification => {
            post().body(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        }
        Refusal::UnknownSession => {
            post()
                .header("mcp-session-id", &unknown)
                .body(request(1, "tools/list", json!({})))
        }
        Refusal::BadInitializeParams => {
            post().body(r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"x":1}}"#)
        }
        Refusal::NotAcceptable => client
            .post(url)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(init),
        Refusal::WrongContentType => client
            .post(url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "text/plain")
            .body(init),
        Refusal::BadProtocolVersion => post()
            .header("mcp-protocol-version", "1999-01-01")
            .body(init),
        Refusal::GetUnknownSession => client
            .get(url)
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &unknown),
        Refusal::DeleteUnknownSession => client.delete(url).header("mcp-session-id", &unknown),
    };
    let response = match request.send().await {
        Ok(response) => response,
        // The server may answer 413 and close before the client has written its whole body:
        // the client then sees the connection end instead of the answer.
        Err(e)
            if matches!(
                refusal,
                Refusal::TooLargeStreamed | Refusal::TooLargeDeclared
            ) =>
        {
            assert!(e.is_request(), "{e}");
            return 413;
        }
        Err(e) => panic!("{refusal:?}: {e}"),
    };
    let status = response.status().as_u16();
    // Read the body so that the connection is reused.
    let _ = response.bytes().await;
    status
}

fn expected(refusal: Refusal) -> u16 {
    match refusal {
        Refusal::BadHost | Refusal::BadOrigin => 403,
        Refusal::TooLargeDeclared | Refusal::TooLargeStreamed => 413,
        Refusal::UnknownSession | Refusal::GetUnknownSession | Refusal::DeleteUnknownSession => 404,
        Refusal::NotAcceptable => 406,
        Refusal::WrongContentType => 415,
        Refusal::MalformedJson
        | Refusal::NotInitializeRequest
        | Refusal::NotInitializeNotification
        | Refusal::BadInitializeParams
        | Refusal::BadProtocolVersion => 400,
    }
}

/// Sends `total` refused requests, cycling through `kinds`, 32 at a time; checks each status
/// and that no session of any kind was left behind.
async fn refuse(config: HttpServerConfig, kinds: &[Refusal], total: usize) {
    let store = Arc::new(MemoryEventStore::default());
    let config = config
        .with_max_body_bytes(LIMIT)
        .with_event_store(Some(store.clone()));
    let (server, seen) = start(config).await;
    let url = server.url();
    let client = http();
    let wrong = futures_util::stream::iter(0..total)
        .map(|n| {
            let (client, url) = (client.clone(), url.clone());
            let refusal = kinds[n % kinds.len()];
            async move {
                let status = send(&client, &url, refusal, n).await;
                (status != expected(refusal)).then_some((refusal, status))
            }
        })
        .buffer_unordered(32)
        .filter_map(std::future::ready)
        .collect::<Vec<_>>()
        .await;
    assert!(wrong.is_empty(), "unexpected statuses: {wrong:?}");
    assert_eq!(server.service().session_count(), 0);
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 0);
    assert_eq!(store.session_count(), 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_refused_requests_leave_no_session_behind() {
    refuse(HttpServerConfig::default(), &ALL, 10_000).await;
    refuse(
        HttpServerConfig::default().with_stateless(true),
        &STATELESS,
        2_000,
    )
    .await;
}

#[tokio::test]
async fn the_session_count_sees_a_session_that_was_made() {
    // The control for the test above: an accepted initialize does show up in every count.
    let store = Arc::new(MemoryEventStore::default());
    let config = HttpServerConfig::default().with_event_store(Some(store));
    let (server, seen) = start(config).await;
    let session = initialize(&server.url(), "2025-11-25").await;
    assert!(!session.is_empty());
    assert_eq!(server.service().session_count(), 1);
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}
