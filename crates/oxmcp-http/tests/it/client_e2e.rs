//! The oxmcp client and the oxmcp server over HTTP, end to end.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::request::Parts;
use oxmcp_core::role::Client;
use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest,
    NotificationContext, RequestContext, RequestError, RequestOptions, RunningClient, SessionEnd,
    connect, to_result,
};
use oxmcp_http::event_store::BoxFuture;
use oxmcp_http::{
    AuthHook, AuthRejection, HttpClientConfig, HttpClientTransport, HttpServerConfig, Server,
    SessionIdHandle, SsePolling,
};
use oxmcp_types::{ClientCapabilities, ErrorData, Implementation};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support::*;

/// Answers `roots/list` and records notifications.
#[derive(Debug, Clone, Default)]
pub(crate) struct TestClient {
    pub(crate) notifications: Arc<Mutex<Vec<(String, Value)>>>,
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
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    async fn handle_notification(&self, n: IncomingNotification, _cx: NotificationContext<Client>) {
        let params: Value = n.params().unwrap_or(Value::Null);
        self.notifications.lock().unwrap().push((n.method, params));
    }
}

pub(crate) fn client_config() -> ClientConfig {
    let caps: ClientCapabilities = serde_json::from_value(json!({ "roots": {} })).unwrap();
    ClientConfig::new(Implementation::new("http-test-client", "1.0")).with_capabilities(caps)
}

pub(crate) async fn connect_to(
    url: &str,
    config: HttpClientConfig,
) -> (RunningClient, TestClient, SessionIdHandle) {
    let transport = HttpClientTransport::with_config(url, config).unwrap();
    let session = transport.session_id_handle();
    let handler = TestClient::default();
    let client = connect(transport, client_config(), handler.clone())
        .await
        .unwrap();
    (client, handler, session)
}

pub(crate) async fn call(
    client: &RunningClient,
    method: &str,
    params: Value,
) -> Result<Value, RequestError> {
    let raw = serde_json::value::to_raw_value(&params).unwrap();
    let answer = client
        .peer()
        .request_raw(method, Some(raw), RequestOptions::new())
        .await?;
    Ok(serde_json::from_str(answer.get()).unwrap())
}

async fn started(config: HttpServerConfig) -> (Server, Arc<Seen>, String) {
    let (server, seen) = start(config).await;
    let url = server.url();
    (server, seen, url)
}

#[tokio::test]
async fn initialize_ping_call_and_close_with_delete() {
    let (server, _, url) = started(HttpServerConfig::default()).await;
    let (client, _, session) = connect_to(&url, HttpClientConfig::default()).await;
    assert_eq!(client.session().peer_info.name, "http-test-server");
    assert_eq!(session.get().unwrap().len(), 32);
    client.peer().ping().await.unwrap();
    assert_eq!(
        call(&client, "echo", json!({"v": [1, 2]})).await.unwrap(),
        json!({"v": [1, 2]})
    );
    // Many requests at once, on concurrent POSTs.
    let calls: Vec<_> = (0..50)
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
    let service = server.service().clone();
    eventually(|| service.session_count() == 0).await;
    server.shutdown().await;
}

#[tokio::test]
async fn progress_arrives_over_sse_before_the_result() {
    let (server, _, url) = started(HttpServerConfig::default()).await;
    let (client, _, _) = connect_to(&url, HttpClientConfig::default()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let options = RequestOptions::new().on_progress({
        let seen = seen.clone();
        move |p| seen.lock().unwrap().push(p.progress)
    });
    let raw = serde_json::value::to_raw_value(&json!({"steps": 4})).unwrap();
    let answer = client
        .peer()
        .request_raw("progress", Some(raw), options)
        .await
        .unwrap();
    assert_eq!(answer.get(), r#"{"steps":4}"#);
    assert_eq!(*seen.lock().unwrap(), [1.0, 2.0, 3.0, 4.0]);
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn cancellation_stops_the_server_handler() {
    let (server, seen, url) = started(HttpServerConfig::default()).await;
    let (client, _, _) = connect_to(&url, HttpClientConfig::default()).await;
    let token = CancellationToken::new();
    let raw = serde_json::value::to_raw_value(&json!({"ms": 10_000})).unwrap();
    let request = client.peer().request_raw(
        "sleep",
        Some(raw),
        RequestOptions::new().cancel_on(token.clone()),
    );
    let canceller = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        token.cancel();
    };
    let (answer, ()) = tokio::join!(request, canceller);
    assert!(matches!(answer, Err(RequestError::Cancelled)), "{answer:?}");
    eventually(|| seen.cancelled.load(Ordering::SeqCst) == 1).await;
    // The session still works.
    client.peer().ping().await.unwrap();
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn server_requests_reach_the_client_over_the_request_stream() {
    let (server, _, url) = started(HttpServerConfig::default()).await;
    let (client, _, _) = connect_to(&url, HttpClientConfig::default()).await;
    let answer = call(&client, "ask_client", json!({"method": "roots/list"}))
        .await
        .unwrap();
    assert_eq!(answer["answer"]["roots"][0]["name"], "tmp");
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn unrelated_notifications_arrive_on_the_get_stream() {
    let (server, _, url) = started(HttpServerConfig::default()).await;
    let (client, handler, _) = connect_to(&url, HttpClientConfig::default()).await;
    call(&client, "notify_unrelated", json!({"count": 5}))
        .await
        .unwrap();
    let seen = handler.notifications.clone();
    eventually(|| seen.lock().unwrap().len() == 5).await;
    let got = seen.lock().unwrap().clone();
    for (n, (method, params)) in got.iter().enumerate() {
        assert_eq!(method, "notifications/unrelated");
        assert_eq!(params["n"], n);
    }
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn an_ended_session_ends_the_client_without_renewal() {
    let (server, _, url) = started(HttpServerConfig::default()).await;
    let mut config = HttpClientConfig::default();
    config.standalone_stream = false;
    config.reinitialize = false;
    let (client, _, _) = connect_to(&url, config).await;
    client.peer().ping().await.unwrap();
    server.service().close_all().await;
    let err = call(&client, "echo", json!({})).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Remote(_) | RequestError::Closed),
        "{err:?}"
    );
    let end = tokio::time::timeout(Duration::from_secs(5), client.handle().wait())
        .await
        .unwrap();
    assert!(matches!(end, SessionEnd::TransportError(_)), "{end:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn streams_cut_by_sse_polling_are_resumed_without_loss() {
    let polling = SsePolling::new(Duration::from_millis(60), Duration::from_millis(10));
    let (server, _, url) =
        started(HttpServerConfig::default().with_sse_polling(Some(polling))).await;
    let (client, handler, _) = connect_to(&url, HttpClientConfig::default()).await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let options = RequestOptions::new().on_progress({
        let seen = seen.clone();
        move |p| seen.lock().unwrap().push(p.progress)
    });
    let raw = serde_json::value::to_raw_value(&json!({"steps": 8, "everyMs": 25})).unwrap();
    let answer = client
        .peer()
        .request_raw("progress", Some(raw), options)
        .await
        .unwrap();
    assert_eq!(answer.get(), r#"{"steps":8}"#);
    assert_eq!(
        *seen.lock().unwrap(),
        (1..=8).map(f64::from).collect::<Vec<_>>()
    );
    // The GET stream is cut too, and resumed: nothing lost, nothing twice.
    for _ in 0..4 {
        call(&client, "notify_unrelated", json!({"count": 5}))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    let notes = handler.notifications.clone();
    eventually(|| notes.lock().unwrap().len() >= 20).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let got: Vec<Value> = notes
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p["n"].clone())
        .collect();
    let expected: Vec<Value> = (0..4).flat_map(|_| (0..5).map(Value::from)).collect();
    assert_eq!(got, expected);
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_client_loses_nothing() {
    let (server, _, url) = started(HttpServerConfig::default().with_sse_queue(2)).await;
    let mut config = HttpClientConfig::default();
    config.default_retry = Duration::from_millis(10);
    let (client, handler, _) = connect_to(&url, config).await;
    let answer = call(&client, "notify", json!({"count": 300}))
        .await
        .unwrap();
    assert_eq!(answer["sent"], 300);
    let notes = handler.notifications.clone();
    eventually(|| notes.lock().unwrap().len() == 300).await;
    let got: Vec<Value> = notes
        .lock()
        .unwrap()
        .iter()
        .map(|(_, p)| p["n"].clone())
        .collect();
    assert_eq!(got, (0..300).map(Value::from).collect::<Vec<_>>());
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn stateless_servers_work_without_a_session() {
    let (server, _, url) = started(HttpServerConfig::default().with_stateless(true)).await;
    let (client, _, session) = connect_to(&url, HttpClientConfig::default()).await;
    assert_eq!(session.get(), None);
    assert_eq!(
        call(&client, "echo", json!({"s": 1})).await.unwrap(),
        json!({"s": 1})
    );
    let answer = call(&client, "progress", json!({"steps": 2}))
        .await
        .unwrap();
    assert_eq!(answer["steps"], 2);
    assert_eq!(server.service().session_count(), 0);
    client.close().await;
    server.shutdown().await;
}

/// Accepts only `Authorization: Bearer secret`.
struct Bearer;

impl AuthHook for Bearer {
    fn authorize<'a>(&'a self, parts: &'a Parts) -> BoxFuture<'a, Result<(), AuthRejection>> {
        let ok = parts
            .headers
            .get("authorization")
            .is_some_and(|v| v == "Bearer secret");
        Box::pin(async move {
            if ok {
                Ok(())
            } else {
                Err(AuthRejection::new(
                    http::StatusCode::UNAUTHORIZED,
                    Some(http::HeaderValue::from_static("Bearer")),
                ))
            }
        })
    }
}

#[tokio::test]
async fn custom_headers_go_on_every_request() {
    let (service, _) = service(HttpServerConfig::default());
    let service = service.with_auth(Bearer);
    let server = oxmcp_http::serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = server.url();
    let transport = HttpClientTransport::new(&url).unwrap();
    assert!(
        connect(transport, client_config(), TestClient::default())
            .await
            .is_err()
    );
    assert_eq!(server.service().session_count(), 0);
    let mut config = HttpClientConfig::default();
    config
        .headers
        .insert("authorization", "Bearer secret".parse().unwrap());
    let (client, handler, _) = connect_to(&url, config).await;
    call(&client, "notify_unrelated", json!({"count": 1}))
        .await
        .unwrap();
    let notes = handler.notifications.clone();
    eventually(|| notes.lock().unwrap().len() == 1).await;
    client.close().await;
    server.shutdown().await;
}

#[tokio::test]
async fn the_client_follows_no_redirects() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/mcp",
        axum::routing::post(|| async {
            (
                http::StatusCode::TEMPORARY_REDIRECT,
                [("location", "http://127.0.0.1:9/elsewhere")],
            )
        }),
    );
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    let transport = HttpClientTransport::new(&format!("http://{addr}/mcp")).unwrap();
    let config = client_config();
    let err = connect(transport, config, TestClient::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("307"), "{err}");
    task.abort();
}
