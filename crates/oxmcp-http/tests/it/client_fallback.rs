//! The client's fallback to the legacy HTTP+SSE transport when the server refuses the
//! `initialize` POST with 404 or 405, or 400 without a JSON-RPC error in the body.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use oxmcp_core::connect;
use oxmcp_http::{HttpClientConfig, HttpClientTransport, HttpServerConfig, LegacySseConfig};
use serde_json::json;

use crate::client_e2e::{TestClient, call, client_config, connect_to};
use crate::support::*;

fn legacy() -> HttpServerConfig {
    HttpServerConfig::default().with_legacy_sse(Some(LegacySseConfig::default()))
}

#[tokio::test]
async fn a_legacy_server_is_reached_through_the_fallback() {
    let (server, seen) = start(legacy()).await;
    let base = format!("http://{}", server.local_addr());
    // POST /sse is answered 405: the client GETs it and speaks the legacy transport.
    let (client, handler, session) =
        connect_to(&format!("{base}/sse"), HttpClientConfig::default()).await;
    assert_eq!(client.session().peer_info.name, "http-test-server");
    assert_eq!(client.session().protocol_version.as_str(), "2025-11-25");
    let endpoint = session.legacy_endpoint().expect("in legacy mode");
    assert!(
        endpoint.starts_with(&format!("{base}/messages?sessionId=")),
        "{endpoint}"
    );
    assert_eq!(session.get(), None, "no Mcp-Session-Id in legacy mode");
    client.peer().ping().await.unwrap();
    assert_eq!(
        call(&client, "notify", json!({"count": 3})).await.unwrap(),
        json!({"sent": 3})
    );
    let notes = handler.notifications.lock().unwrap().len();
    assert_eq!(
        notes, 3,
        "notifications come on the stream before the result"
    );
    // The server asks the client; the answer goes back by POST.
    let answer = call(&client, "ask_client", json!({})).await.unwrap();
    assert_eq!(answer["answer"]["roots"][0]["name"], "tmp");
    let calls: Vec<_> = (0..20)
        .map(|i| call(&client, "echo", json!({ "i": i })))
        .collect();
    for (i, answer) in futures_util::future::join_all(calls)
        .await
        .into_iter()
        .enumerate()
    {
        assert_eq!(answer.unwrap()["i"], i);
    }
    assert_eq!(server.service().session_count(), 1);
    client.close().await;
    // Closing the stream ends the legacy session on the server.
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    assert_eq!(seen.sessions_started.load(Ordering::SeqCst), 1);
    server.shutdown().await;
}

/// With the fallback off the client never GETs the URL; with it on (the same server) it
/// does, so the count of GETs is a real check.
#[tokio::test]
async fn the_fallback_can_be_turned_off() {
    for fallback in [false, true] {
        let (url, task, gets) = fake_counting(StatusCode::METHOD_NOT_ALLOWED, "", "").await;
        let mut config = HttpClientConfig::default();
        config.legacy_fallback = fallback;
        let transport = HttpClientTransport::with_config(&url, config).unwrap();
        let session = transport.session_id_handle();
        let refused = connect(transport, client_config(), TestClient::default()).await;
        assert!(refused.is_err());
        assert_eq!(session.legacy_endpoint(), None);
        assert_eq!(gets.load(Ordering::SeqCst), usize::from(fallback));
        task.abort();
    }
}

/// Finding 9: a 400 whose body is a JSON-RPC error is the server's answer to the
/// `initialize` (as an oxmcp server answers invalid params); the client keeps it and does
/// not fall back.
#[tokio::test]
async fn a_json_rpc_error_in_a_400_is_kept_without_falling_back() {
    let refusal = r#"{"jsonrpc":"2.0","id":0,"error":{"code":-32602,"message":"invalid initialize params: x"}}"#;
    let (url, task, gets) = fake_counting(
        StatusCode::BAD_REQUEST,
        refusal,
        "event: endpoint\ndata: /messages\n\n",
    )
    .await;
    let error = refused_initialize(&url).await;
    assert!(error.contains("invalid initialize params: x"), "{error}");
    assert!(!error.contains("legacy"), "{error}");
    assert_eq!(gets.load(Ordering::SeqCst), 0);
    task.abort();
}

/// A server at `/mcp` whose POST is refused with `status` and whose GET is `get`.
async fn fake(
    status: StatusCode,
    get_answer: &'static str,
) -> (String, tokio::task::JoinHandle<()>) {
    let (url, task, _) = fake_counting(status, "", get_answer).await;
    (url, task)
}

/// [`fake`], with a body for the refused POST and a count of the GETs it got.
async fn fake_counting(
    status: StatusCode,
    post_body: &'static str,
    get_answer: &'static str,
) -> (String, tokio::task::JoinHandle<()>, Arc<AtomicUsize>) {
    let gets = Arc::new(AtomicUsize::new(0));
    let counted = gets.clone();
    let app = Router::new().route(
        "/mcp",
        get(move || async move {
            counted.fetch_add(1, Ordering::SeqCst);
            ([("content-type", "text/event-stream")], get_answer).into_response()
        })
        .post(move || async move {
            (status, [("content-type", "application/json")], post_body).into_response()
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (url, task, gets)
}

async fn refused_initialize(url: &str) -> String {
    refused_within(url, Duration::from_secs(5)).await
}

async fn refused_within(url: &str, wait: Duration) -> String {
    let mut config = HttpClientConfig::default();
    config.legacy_endpoint_timeout = wait;
    let transport = HttpClientTransport::with_config(url, config).unwrap();
    let mut me = client_config();
    me.initialize_timeout = Duration::from_secs(10);
    let error = connect(transport, me, TestClient::default())
        .await
        .expect_err("initialize fails");
    error.to_string()
}

#[tokio::test]
async fn a_foreign_endpoint_or_a_missing_endpoint_event_fails_initialize() {
    for status in [
        StatusCode::BAD_REQUEST,
        StatusCode::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED,
    ] {
        // Another host, absolute or scheme-relative, and another scheme on the same host.
        for answer in [
            "event: endpoint\ndata: http://elsewhere.example/messages?sessionId=1\n\n",
            "event: endpoint\ndata: //elsewhere.example/messages?sessionId=1\n\n",
            "event: endpoint\ndata: https://127.0.0.1/messages?sessionId=1\n\n",
        ] {
            let (url, task) = fake(status, answer).await;
            let error = refused_initialize(&url).await;
            assert!(
                error.contains(&format!(
                    "the server refused the initialize POST with {status}"
                )) && error.contains("is not on the server's origin"),
                "{error}"
            );
            task.abort();
        }
    }
    let (url, task) = fake(StatusCode::NOT_FOUND, "event: message\ndata: {}\n\n").await;
    let error = refused_initialize(&url).await;
    assert!(
        error.contains("the stream began with a `message` event, not `endpoint`"),
        "{error}"
    );
    task.abort();
    let (url, task) = fake(StatusCode::NOT_FOUND, "").await;
    let error = refused_initialize(&url).await;
    assert!(
        error.contains("the stream ended before the endpoint event"),
        "{error}"
    );
    task.abort();
}

#[tokio::test]
async fn other_refusals_do_not_fall_back() {
    let (url, task) = fake(
        StatusCode::FORBIDDEN,
        "event: endpoint\ndata: /messages\n\n",
    )
    .await;
    let error = refused_initialize(&url).await;
    assert!(!error.contains("legacy"), "{error}");
    task.abort();
}

#[tokio::test]
async fn a_stream_without_an_endpoint_event_times_out() {
    let app = Router::new().route(
        "/mcp",
        get(|| async {
            let silent = futures_util::stream::pending::<Result<bytes::Bytes, std::io::Error>>();
            (
                [("content-type", "text/event-stream")],
                axum::body::Body::from_stream(silent),
            )
                .into_response()
        })
        .post(|| async { StatusCode::METHOD_NOT_ALLOWED.into_response() }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/mcp", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    let error = refused_within(&url, Duration::from_millis(200)).await;
    assert!(error.contains("no endpoint event within 200ms"), "{error}");
    task.abort();
}
