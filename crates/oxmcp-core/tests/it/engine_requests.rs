//! Requests and utilities: concurrency, cancellation, progress, timeouts, panics, logging,
//! notification order, requests the other way.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_core::transport::memory;
use oxmcp_core::{RequestError, RequestOptions, SessionConfig, serve_server};
use oxmcp_types::methods::SetLevelRequest;
use oxmcp_types::{ErrorCode, LoggingLevel, SetLevelRequestParams};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::support::*;

#[expect(
    clippy::needless_pass_by_value,
    reason = "call sites read better with json!(..) by value"
)]
fn raw(v: Value) -> Option<Box<RawValue>> {
    Some(serde_json::value::to_raw_value(&v).unwrap())
}

async fn call(
    client: &oxmcp_core::RunningClient,
    method: &str,
    params: Value,
) -> Result<Value, RequestError> {
    client
        .peer()
        .request_raw(method, raw(params), RequestOptions::default())
        .await
        .map(|r| serde_json::from_str(r.get()).unwrap())
}

#[tokio::test(start_paused = true)]
async fn ping_both_ways() {
    let (_h, server, client) = pair().await;
    client.peer().ping().await.unwrap();
    server.peer().ping().await.unwrap();
    assert_eq!(
        call(&client, "ping_client", json!({})).await.unwrap(),
        json!({"pong": true})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_get_their_own_answer() {
    let (_h, _server, client) = pair().await;
    let mut tasks = Vec::new();
    for i in 0..200u64 {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let answer = call(
                &client,
                "echo",
                json!({"n": i, "pad": "x".repeat((i % 7) as usize)}),
            )
            .await
            .unwrap();
            assert_eq!(answer["n"], i);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn slow_requests_do_not_block_fast_ones() {
    let (_h, _server, client) = pair().await;
    let slow = {
        let client = client.clone();
        tokio::spawn(async move { call(&client, "sleep", json!({"ms": 500})).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    let started = tokio::time::Instant::now();
    call(&client, "echo", json!({})).await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(400));
    slow.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn cancelling_a_request_drops_the_handler_and_sends_no_response() {
    let (handler, _server, client) = pair().await;
    let token = CancellationToken::new();
    let request = {
        let client = client.clone();
        let token = token.clone();
        tokio::spawn(async move {
            client
                .peer()
                .request_raw(
                    "sleep",
                    raw(json!({"ms": 5000})),
                    RequestOptions::new().cancel_on(token),
                )
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    token.cancel();
    assert!(matches!(
        request.await.unwrap(),
        Err(RequestError::Cancelled)
    ));
    for _ in 0..100 {
        if handler.seen.cancelled.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(handler.seen.cancelled.load(Ordering::SeqCst), 1);
    assert_eq!(handler.seen.completed.load(Ordering::SeqCst), 0);
    // The session keeps working.
    assert_eq!(
        call(&client, "echo", json!({"after": 1})).await.unwrap()["after"],
        1
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_the_request_future_cancels_it_on_the_peer() {
    let (handler, _server, client) = pair().await;
    let attempt = tokio::time::timeout(
        Duration::from_millis(50),
        call(&client, "sleep", json!({"ms": 5000})),
    )
    .await;
    assert!(attempt.is_err());
    for _ in 0..100 {
        if handler.seen.cancelled.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(handler.seen.cancelled.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_late_response_after_cancellation_is_ignored() {
    let (a, b) = memory::duplex(8);
    let client_task = tokio::spawn(async move { connect_plain(b).await });
    let mut raw_server = RawPeer::new(a);
    let init = raw_server.recv().await;
    raw_server
        .send(json!({"jsonrpc":"2.0","id":init["id"],"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"s","version":"1"}}}))
        .await;
    raw_server.recv().await; // initialized
    let client = client_task.await.unwrap();
    let token = CancellationToken::new();
    let pending = {
        let client = client.clone();
        let token = token.clone();
        tokio::spawn(async move {
            client
                .peer()
                .request_raw("tools/list", None, RequestOptions::new().cancel_on(token))
                .await
        })
    };
    let request = raw_server.recv().await;
    token.cancel();
    let cancelled = raw_server.recv().await;
    assert_eq!(cancelled["method"], "notifications/cancelled");
    assert_eq!(cancelled["params"]["requestId"], request["id"]);
    assert!(matches!(
        pending.await.unwrap(),
        Err(RequestError::Cancelled)
    ));
    // The server answers anyway (the race the spec allows); the client ignores it.
    raw_server
        .send(json!({"jsonrpc":"2.0","id":request["id"],"result":{"tools":[]}}))
        .await;
    // ...and keeps working: its next request is matched to its own answer.
    let ping = tokio::spawn(async move { client.peer().ping().await });
    let request = raw_server.recv().await;
    assert_eq!(request["method"], "ping");
    raw_server
        .send(json!({"jsonrpc":"2.0","id":request["id"],"result":{}}))
        .await;
    ping.await.unwrap().unwrap();
}

#[tokio::test(start_paused = true)]
async fn progress_reaches_the_requester_in_order_and_must_increase() {
    let (_h, _server, client) = pair().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let options = RequestOptions::new()
        .on_progress(move |p| sink.lock().unwrap().push((p.progress, p.total, p.message)));
    let answer = client
        .peer()
        .request_raw("progress", raw(json!({"steps": 3})), options)
        .await
        .unwrap();
    let answer: Value = serde_json::from_str(answer.get()).unwrap();
    assert_eq!(answer["backwardsRefused"], true);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec![
            (1.0, Some(3.0), Some("step 1".to_owned())),
            (2.0, Some(3.0), Some("step 2".to_owned())),
            (3.0, Some(3.0), Some("step 3".to_owned())),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn progress_without_a_token_sends_nothing() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2025-11-25").await;
    raw_client
        .send(json!({"jsonrpc":"2.0","id":5,"method":"progress","params":{"steps":2}}))
        .await;
    let answer = raw_client.recv().await;
    assert_eq!(
        answer["id"], 5,
        "no progress notification may precede the answer: {answer}"
    );
    raw_client.send(json!({"jsonrpc":"2.0","id":6,"method":"progress","params":{"steps":2,"_meta":{"progressToken":"tok"}}})).await;
    let first = raw_client.recv().await;
    assert_eq!(first["method"], "notifications/progress");
    assert_eq!(first["params"]["progressToken"], "tok");
    assert_eq!(raw_client.recv().await["params"]["progress"], 2.0);
    assert_eq!(raw_client.recv().await["id"], 6);
}

/// A progress token whose member name is spelled with an escape is the progress token
/// (a search for the name as written would miss it).
#[tokio::test(start_paused = true)]
async fn an_escaped_progress_token_name_is_the_progress_token() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2025-11-25").await;
    raw_client
        .send_bytes(br#"{"jsonrpc":"2.0","id":7,"method":"progress","params":{"steps":1,"_meta":{"progress\u0054oken":"esc"}}}"#)
        .await;
    let first = raw_client.recv().await;
    assert_eq!(first["method"], "notifications/progress", "{first}");
    assert_eq!(first["params"]["progressToken"], "esc");
    assert_eq!(raw_client.recv().await["id"], 7);
}

#[tokio::test(start_paused = true)]
async fn progress_message_is_not_sent_to_2024_11_05_peers() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2024-11-05").await;
    raw_client.send(json!({"jsonrpc":"2.0","id":6,"method":"progress","params":{"steps":1,"_meta":{"progressToken":1}}})).await;
    let progress = raw_client.recv().await;
    assert_eq!(
        progress["params"],
        json!({"progressToken": 1, "progress": 1.0, "total": 1.0})
    );
}

#[tokio::test(start_paused = true)]
async fn a_timeout_cancels_the_request_on_the_peer() {
    let (handler, _server, client) = pair().await;
    let options = RequestOptions::new().timeout(Duration::from_millis(100));
    let err = client
        .peer()
        .request_raw("sleep", raw(json!({"ms": 3000})), options)
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Timeout(_)), "{err}");
    for _ in 0..100 {
        if handler.seen.cancelled.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(handler.seen.cancelled.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn progress_extends_the_timeout_up_to_the_hard_maximum() {
    let (_h, _server, client) = pair().await;
    // 6 steps 60 ms apart = ~360 ms, with a 150 ms timeout that progress keeps restarting.
    let options = RequestOptions::new()
        .timeout(Duration::from_millis(150))
        .on_progress(|_| {});
    client
        .peer()
        .request_raw("progress", raw(json!({"steps": 6, "everyMs": 60})), options)
        .await
        .unwrap();
    // The same with a hard maximum of 200 ms times out.
    let options = RequestOptions::new()
        .timeout(Duration::from_millis(150))
        .max_total_timeout(Duration::from_millis(200))
        .on_progress(|_| {});
    let err = client
        .peer()
        .request_raw("progress", raw(json!({"steps": 6, "everyMs": 60})), options)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Timeout(d) if d < Duration::from_millis(350)),
        "{err}"
    );
    // Without resetting, the plain timeout applies.
    let options = RequestOptions::new()
        .timeout(Duration::from_millis(150))
        .reset_timeout_on_progress(false)
        .on_progress(|_| {});
    let err = client
        .peer()
        .request_raw("progress", raw(json!({"steps": 6, "everyMs": 60})), options)
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Timeout(_)), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_answers_its_request_with_an_error_and_the_session_lives_on() {
    let (_h, _server, client) = pair().await;
    let err = call(&client, "panic", json!({})).await.unwrap_err();
    let remote = err.as_remote().expect("a JSON-RPC error");
    assert_eq!(remote.code, ErrorCode::INTERNAL_ERROR);
    assert!(remote.message.contains("panicked"));
    assert_eq!(
        call(&client, "echo", json!({"x": 1})).await.unwrap(),
        json!({"x": 1})
    );
}

#[tokio::test(start_paused = true)]
async fn handler_errors_reach_the_requester_unchanged() {
    let (_h, _server, client) = pair().await;
    let err = call(&client, "no/such/method", json!({}))
        .await
        .unwrap_err();
    let remote = err.as_remote().unwrap();
    assert_eq!(remote.code, ErrorCode::METHOD_NOT_FOUND);
    assert_eq!(remote.message, "method not found: no/such/method");
}

#[tokio::test(start_paused = true)]
async fn logging_follows_the_level_the_client_set() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let client_handler = TestClient::default();
    let client = oxmcp_core::connect(b, client_config(), client_handler.clone())
        .await
        .unwrap();
    // Default level: info.
    assert_eq!(
        call(&client, "log", json!({"level": "debug", "data": "d"}))
            .await
            .unwrap()["sent"],
        false
    );
    assert_eq!(
        call(&client, "log", json!({"level": "info", "data": "i"}))
            .await
            .unwrap()["sent"],
        true
    );
    client
        .peer()
        .request::<SetLevelRequest>(&SetLevelRequestParams::new(LoggingLevel::Error))
        .await
        .unwrap();
    assert_eq!(
        call(&client, "log", json!({"level": "warning", "data": "w"}))
            .await
            .unwrap()["sent"],
        false
    );
    assert_eq!(
        call(
            &client,
            "log",
            json!({"level": "critical", "data": {"k": 1}})
        )
        .await
        .unwrap()["sent"],
        true
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let got = client_handler.notifications.lock().unwrap().clone();
    assert_eq!(
        got,
        vec![
            (
                "notifications/message".to_owned(),
                json!({"level": "info", "logger": "test", "data": "i"})
            ),
            (
                "notifications/message".to_owned(),
                json!({"level": "critical", "logger": "test", "data": {"k": 1}})
            ),
        ]
    );
    // An invalid level is -32602.
    let err = call(&client, "logging/setLevel", json!({"level": "loud"}))
        .await
        .unwrap_err();
    assert_eq!(err.as_remote().unwrap().code, ErrorCode::INVALID_PARAMS);
}

#[tokio::test(start_paused = true)]
async fn notifications_are_handled_in_arrival_order() {
    let (handler, _server, client) = pair().await;
    for i in 0..300 {
        client
            .peer()
            .notify_raw(&format!("x/n{i}"), None)
            .await
            .unwrap();
    }
    client.peer().ping().await.unwrap();
    for _ in 0..100 {
        if handler.seen.notifications.lock().unwrap().len() >= 301 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let seen = handler.seen.notifications.lock().unwrap().clone();
    let expected: Vec<String> = std::iter::once("notifications/initialized".to_owned())
        .chain((0..300).map(|i| format!("x/n{i}")))
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test(start_paused = true)]
async fn requests_already_accepted_are_answered_after_the_peer_closes_its_side() {
    let (a, b) = memory::duplex(8);
    let server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2025-11-25").await;
    raw_client
        .send(json!({"jsonrpc":"2.0","id":"late","method":"sleep","params":{"ms":100}}))
        .await;
    // Close the client's writing side only.
    oxmcp_core::transport::TransportWriter::close(&mut raw_client.writer)
        .await
        .unwrap();
    let answer = raw_client.recv().await;
    assert_eq!(answer["id"], "late");
    assert_eq!(answer["result"]["slept"], 100);
    assert_eq!(server.wait().await, oxmcp_core::SessionEnd::PeerClosed);
}

#[tokio::test(start_paused = true)]
async fn requests_past_the_in_flight_limit_are_refused_at_once() {
    let (a, b) = memory::duplex(64);
    let mut session = SessionConfig::default();
    session.max_in_flight_requests = 2;
    let _server = serve_server(
        a,
        full_server_config().with_session_config(session),
        TestServer::default(),
    );
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2025-11-25").await;
    for id in 1..=3 {
        raw_client
            .send(json!({"jsonrpc":"2.0","id":id,"method":"sleep","params":{"ms":200}}))
            .await;
    }
    let refused = raw_client.recv().await;
    assert_eq!(refused["id"], 3);
    assert_eq!(refused["error"]["code"], -32603);
    assert_eq!(
        refused["error"]["message"],
        "too many requests in flight (the limit is 2)"
    );
    let mut ids = vec![
        raw_client.recv().await["id"].clone(),
        raw_client.recv().await["id"].clone(),
    ];
    ids.sort_by_key(|v| v.as_i64());
    assert_eq!(ids, vec![json!(1), json!(2)]);
}

#[tokio::test(start_paused = true)]
async fn a_duplicate_id_of_a_request_in_flight_is_refused() {
    let (a, b) = memory::duplex(8);
    let _server = serve_server(a, full_server_config(), TestServer::default());
    let mut raw_client = RawPeer::new(b);
    raw_client.initialize("2025-11-25").await;
    raw_client
        .send(json!({"jsonrpc":"2.0","id":7,"method":"sleep","params":{"ms":150}}))
        .await;
    raw_client
        .send(json!({"jsonrpc":"2.0","id":7,"method":"echo","params":{}}))
        .await;
    let refused = raw_client.recv().await;
    assert_eq!(refused["error"]["code"], -32600);
    assert_eq!(raw_client.recv().await["result"]["slept"], 150);
}

#[tokio::test(start_paused = true)]
async fn a_server_handler_can_send_requests_to_the_client() {
    let client_config = {
        let mut c = client_config();
        c.capabilities = serde_json::from_value(json!({"roots": {"listChanged": true}})).unwrap();
        c
    };
    let (_h, _server, client) = pair_with(full_server_config(), client_config).await;
    let answer = call(&client, "ask_client", json!({"method": "roots/list"}))
        .await
        .unwrap();
    assert_eq!(answer["answer"]["roots"][0]["uri"], "file:///tmp");
}

#[tokio::test(start_paused = true)]
async fn the_server_cancels_its_own_requests_to_the_client_on_timeout() {
    let (a, b) = memory::duplex(8);
    let server = serve_server(a, full_server_config(), TestServer::default());
    let client_handler = TestClient::default();
    let client = oxmcp_core::connect(b, client_config(), client_handler.clone())
        .await
        .unwrap();
    client.peer().ping().await.unwrap();
    let options = RequestOptions::new().timeout(Duration::from_millis(100));
    let err = server
        .peer()
        .request_raw("client/slow", None, options)
        .await
        .unwrap_err();
    assert!(matches!(err, RequestError::Timeout(_)), "{err}");
    for _ in 0..100 {
        if client_handler.seen.cancelled.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(client_handler.seen.cancelled.load(Ordering::SeqCst), 1);
    server.peer().ping().await.unwrap();
}

/// A server whose notification handler never finishes.
#[derive(Clone)]
struct StuckNotifications;

impl oxmcp_core::Handler<oxmcp_core::role::Server> for StuckNotifications {
    async fn handle_request(
        &self,
        req: oxmcp_core::IncomingRequest,
        _cx: oxmcp_core::RequestContext<oxmcp_core::role::Server>,
    ) -> oxmcp_core::HandlerResult {
        Err(oxmcp_types::ErrorData::method_not_found(&req.method))
    }

    async fn handle_notification(
        &self,
        _n: oxmcp_core::IncomingNotification,
        _cx: oxmcp_core::NotificationContext<oxmcp_core::role::Server>,
    ) {
        std::future::pending::<()>().await;
    }
}

#[tokio::test(start_paused = true)]
async fn close_does_not_hang_on_a_full_notification_queue() {
    let (a, b) = memory::duplex(64);
    let mut session = SessionConfig::default();
    session.notification_queue = 2;
    session.drain_timeout = Duration::from_millis(200);
    let server = serve_server(
        a,
        full_server_config().with_session_config(session),
        StuckNotifications,
    );
    let client = connect_plain(b).await;
    for i in 0..6 {
        client
            .peer()
            .notify_raw(&format!("x/{i}"), None)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.handle().close();
    let end = tokio::time::timeout(Duration::from_secs(3), server.wait()).await;
    assert_eq!(end.expect("close finished"), oxmcp_core::SessionEnd::Closed);
    drop(client);
}

#[tokio::test(start_paused = true)]
async fn requests_after_the_peer_is_gone_fail_at_once() {
    let (a, b) = memory::duplex(8);
    let server = serve_server(a, full_server_config(), TestServer::default());
    let client = connect_plain(b).await;
    client.close().await;
    server.wait().await;
    let started = tokio::time::Instant::now();
    let err = server.peer().ping().await.unwrap_err();
    assert!(matches!(err, RequestError::Closed), "{err}");
    assert!(started.elapsed() < Duration::from_secs(1));
}
