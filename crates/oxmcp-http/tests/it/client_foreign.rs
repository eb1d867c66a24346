//! The client against servers that are not oxmcp: a stateless server without a GET route,
//! and a server that drops unrelated messages while no GET stream is open.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use oxmcp_core::{ClientConfig, NoHandler, connect};
use oxmcp_http::HttpClientTransport;
use oxmcp_types::Implementation;
use serde_json::{Value, json};

/// What the server saw, in order: the JSON-RPC method of each POST, `GET` for each GET.
type Seen = Arc<Mutex<Vec<String>>>;

/// Answers `initialize` and `ping`, 202 for notifications; `session` adds an
/// `Mcp-Session-Id` to the answer of `initialize`.
async fn answer(seen: Seen, session: bool, body: String) -> Response {
    let message: Value = serde_json::from_str(&body).unwrap();
    let method = message["method"].as_str().unwrap_or("").to_owned();
    seen.lock().unwrap().push(method.clone());
    let Some(id) = message.get("id").cloned() else {
        return StatusCode::ACCEPTED.into_response();
    };
    let result = if method == "initialize" {
        json!({ "protocolVersion": "2025-11-25", "capabilities": {},
                "serverInfo": { "name": "foreign", "version": "1" } })
    } else {
        json!({})
    };
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    if session && method == "initialize" {
        headers.insert("mcp-session-id", "foreign-session".parse().unwrap());
    }
    let body = json!({ "jsonrpc": "2.0", "id": id, "result": result }).to_string();
    (headers, body).into_response()
}

/// An SSE response that stays open (a comment, then nothing).
fn open_stream() -> Response {
    let first = futures_util::stream::once(async {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from_static(b": open\n\n"))
    });
    let body = Body::from_stream(futures_util::StreamExt::chain(
        first,
        futures_util::stream::pending(),
    ));
    ([("content-type", "text/event-stream")], body).into_response()
}

async fn start(session: bool, get_status: Option<StatusCode>) -> (String, Seen) {
    let seen = Seen::default();
    let (on_post, on_get) = (seen.clone(), seen.clone());
    let route = post(move |body: String| answer(on_post.clone(), session, body)).get(move || {
        let seen = on_get.clone();
        async move {
            seen.lock().unwrap().push("GET".to_owned());
            match get_status {
                Some(status) => status.into_response(),
                None => open_stream(),
            }
        }
    });
    let app = axum::Router::new().route("/mcp", route);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

fn me() -> ClientConfig {
    ClientConfig::new(Implementation::new("me", "1.0"))
}

#[tokio::test]
async fn a_404_to_the_get_of_a_client_without_session_means_no_stream_not_an_ended_session() {
    let (url, seen) = start(false, Some(StatusCode::NOT_FOUND)).await;
    let client = connect(HttpClientTransport::new(&url).unwrap(), me(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    client.peer().ping().await.unwrap();
    client.close().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.iter().filter(|m| *m == "GET").count(), 1, "{seen:?}");
}

#[tokio::test]
async fn other_refusals_of_the_get_are_not_retried() {
    let (url, seen) = start(true, Some(StatusCode::BAD_REQUEST)).await;
    let client = connect(HttpClientTransport::new(&url).unwrap(), me(), NoHandler)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    client.peer().ping().await.unwrap();
    client.close().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.iter().filter(|m| *m == "GET").count(), 1, "{seen:?}");
}

#[tokio::test]
async fn the_first_request_after_initialization_waits_for_the_get_stream() {
    let (url, seen) = start(true, None).await;
    let client = connect(HttpClientTransport::new(&url).unwrap(), me(), NoHandler)
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    client.close().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        ["initialize", "notifications/initialized", "GET", "ping"],
        "the GET stream must be open before the first request"
    );
}
