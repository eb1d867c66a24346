//! What one peer can make the engine hold or do: outgoing requests capped per session,
//! `roots/list` refreshes coalesced, identifiers bounded in bytes, progress tokens of the
//! wrong type refused, and requests before `notifications/initialized` refused.

use std::time::Duration;

use oxmcp_core::server::McpServer;
use oxmcp_core::transport::memory;
use oxmcp_core::{RequestError, ServerConfig, SessionConfig, serve_server};
use oxmcp_types::Implementation;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::support::{RawPeer, TestServer, full_server_config};

/// Initializes a raw client that declares `capabilities`, and sends `initialized`.
async fn raw_client(raw: &mut RawPeer<memory::MemoryTransport>, capabilities: Value) -> Value {
    raw.send(
        json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
        "protocolVersion": "2025-11-25", "capabilities": capabilities,
        "clientInfo": {"name":"raw","version":"0"}}}),
    )
    .await;
    let answer = raw.recv().await;
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .await;
    answer
}

/// Every message that arrives within `quiet_ms` of the previous one.
async fn drain(raw: &mut RawPeer<memory::MemoryTransport>, quiet_ms: u64) -> Vec<Value> {
    use oxmcp_core::transport::{Frame, TransportReader};
    let mut seen = Vec::new();
    while let Ok(frame) =
        tokio::time::timeout(Duration::from_millis(quiet_ms), raw.reader.read()).await
    {
        match frame {
            Ok(Some(Frame::Message(bytes))) => seen.push(serde_json::from_slice(&bytes).unwrap()),
            _ => break,
        }
    }
    seen
}

#[tokio::test(start_paused = true)]
async fn a_roots_storm_costs_one_outstanding_request() {
    let (refreshed, mut refreshes) = mpsc::unbounded_channel();
    let server = McpServer::builder(Implementation::new("roots", "1"))
        .on_notification(move |n, cx| {
            let refreshed = refreshed.clone();
            async move {
                if n.method == "notifications/roots/list_changed" {
                    let peer = cx.peer().clone();
                    tokio::spawn(async move {
                        let _ = refreshed.send(peer.list_roots().await.map(|r| r.len()));
                    });
                }
            }
        })
        .build()
        .unwrap();
    let (a, b) = memory::duplex(4096);
    let _running = server.serve(a);
    let mut raw = RawPeer::new(b);
    raw_client(&mut raw, json!({ "roots": { "listChanged": true } })).await;
    for _ in 0..2000 {
        raw.send(json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}))
            .await;
    }
    let sent = drain(&mut raw, 300).await;
    let lists: Vec<&Value> = sent
        .iter()
        .filter(|m| m["method"] == "roots/list")
        .collect();
    assert_eq!(
        lists.len(),
        1,
        "one roots/list in flight, not one per notification"
    );
    // One answer serves every refresh that joined it; past the cap of waiters (the
    // session's max_outgoing_requests, 256) a refresh fails at once instead of waiting.
    let id = lists[0]["id"].clone();
    raw.send(json!({"jsonrpc":"2.0","id": id,"result":{"roots":[{"uri":"file:///a"}]}}))
        .await;
    let (mut served, mut refused) = (0, 0);
    while served + refused < 2000 {
        let got = tokio::time::timeout(Duration::from_secs(5), refreshes.recv()).await;
        match got.expect("every refresh ends").unwrap() {
            Ok(count) => {
                assert_eq!(count, 1);
                served += 1;
            }
            Err(oxmcp_core::server::client_requests::ClientRequestError::Request(
                RequestError::TooManyOutgoing { limit: 256 },
            )) => refused += 1,
            Err(other) => panic!("{other}"),
        }
    }
    assert!(
        (1..=257).contains(&served),
        "{served} served, {refused} refused"
    );
    // The next refresh asks again.
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}))
        .await;
    let again = raw.recv().await;
    assert_eq!(again["method"], "roots/list");
}

#[tokio::test(start_paused = true)]
async fn outgoing_requests_are_capped_per_session() {
    let mut session = SessionConfig::default();
    session.max_outgoing_requests = 4;
    let config = full_server_config().with_session_config(session);
    let (a, b) = memory::duplex(64);
    let running = serve_server(a, config, TestServer::default());
    let mut raw = RawPeer::new(b);
    raw_client(&mut raw, json!({})).await;
    // Let the server see `initialized` before it sends anything.
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"ping"}))
        .await;
    assert_eq!(raw.recv().await["id"], 1);
    let peer = running.peer().clone();
    let mut waiting = Vec::new();
    for _ in 0..4 {
        let peer = peer.clone();
        waiting.push(tokio::spawn(async move { peer.ping().await }));
    }
    // The four pings reach the client (which does not answer them yet).
    let mut ids = Vec::new();
    for _ in 0..4 {
        let ping = raw.recv().await;
        assert_eq!(ping["method"], "ping");
        ids.push(ping["id"].clone());
    }
    let refused = peer.ping().await.unwrap_err();
    assert!(
        matches!(refused, RequestError::TooManyOutgoing { limit: 4 }),
        "{refused}"
    );
    // An answer frees a place.
    raw.send(json!({"jsonrpc":"2.0","id": ids[0],"result":{}}))
        .await;
    let answered = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(i) = waiting
                .iter()
                .position(tokio::task::JoinHandle::is_finished)
            {
                return waiting.remove(i).await.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    answered.await.expect("a ping is answered").unwrap();
    let fifth = tokio::spawn(async move { peer.ping().await });
    assert_eq!(raw.recv().await["method"], "ping", "a place opened");
    fifth.abort();
    for task in waiting {
        task.abort();
    }
}

#[tokio::test(start_paused = true)]
async fn long_request_ids_are_refused_with_a_null_id() {
    let (a, b) = memory::duplex(64);
    let _running = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    let long = "x".repeat(300);
    raw.send(json!({"jsonrpc":"2.0","id": long,"method":"echo","params":{}}))
        .await;
    let answer = raw.recv().await;
    assert_eq!(answer["id"], Value::Null, "the long id is not echoed");
    assert_eq!(answer["error"]["code"], -32600);
    let fits = "y".repeat(250);
    raw.send(json!({"jsonrpc":"2.0","id": fits,"method":"echo","params":{}}))
        .await;
    assert_eq!(raw.recv().await["id"], fits);
}

#[tokio::test(start_paused = true)]
async fn progress_tokens_must_be_short_strings_or_integers() {
    let (a, b) = memory::duplex(64);
    let _running = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.initialize("2025-11-25").await;
    let cases = [
        (json!("x".repeat(1 << 20)), Some(-32602)),
        (json!({"not": "a token"}), Some(-32602)),
        (json!(1.5), Some(-32602)),
        (json!("fine"), None),
        (json!(7), None),
    ];
    for (n, (token, error)) in cases.into_iter().enumerate() {
        let params = json!({ "_meta": { "progressToken": token } });
        raw.send(json!({"jsonrpc":"2.0","id": n,"method":"echo","params": params}))
            .await;
        let answer = raw.recv().await;
        assert_eq!(answer["id"], n);
        match error {
            Some(code) => assert_eq!(answer["error"]["code"], code, "{n}: {answer}"),
            None => assert!(answer["result"].is_object(), "{n}: {answer}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn requests_before_initialized_are_refused() {
    let (a, b) = memory::duplex(64);
    let _running = serve_server(a, full_server_config(), TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.send(
        json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name":"raw","version":"0"}}}),
    )
    .await;
    assert!(raw.recv().await["result"].is_object());
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"echo","params":{}}))
        .await;
    let early = raw.recv().await;
    assert_eq!(early["error"]["code"], -32600, "{early}");
    raw.send(json!({"jsonrpc":"2.0","id":2,"method":"ping"}))
        .await;
    assert!(
        raw.recv().await["result"].is_object(),
        "ping is always answered"
    );
    raw.send(json!({"jsonrpc":"2.0","method":"notifications/initialized"}))
        .await;
    raw.send(json!({"jsonrpc":"2.0","id":3,"method":"echo","params":{}}))
        .await;
    assert!(raw.recv().await["result"].is_object());
}

#[tokio::test(start_paused = true)]
async fn the_lifecycle_check_can_be_turned_off() {
    let mut session = SessionConfig::default();
    session.strict_lifecycle = false;
    let config: ServerConfig = full_server_config().with_session_config(session);
    let (a, b) = memory::duplex(64);
    let _running = serve_server(a, config, TestServer::default());
    let mut raw = RawPeer::new(b);
    raw.send(
        json!({"jsonrpc":"2.0","id":"init","method":"initialize","params":{
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name":"raw","version":"0"}}}),
    )
    .await;
    raw.recv().await;
    raw.send(json!({"jsonrpc":"2.0","id":1,"method":"echo","params":{}}))
        .await;
    assert!(raw.recv().await["result"].is_object());
}
