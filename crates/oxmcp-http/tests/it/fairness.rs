//! Fairness of the session table: one client cannot fill it (a per-client cap, by remote
//! address here) nor fill the server with requests in flight (a per-client budget over its
//! sessions), and sessions nobody finished initializing expire within seconds.

use std::net::IpAddr;
use std::time::Duration;

use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};

use crate::support::*;

/// A client whose connections come from `ip` (a loopback alias: 127.0.0.0/8 is all
/// loopback on Linux).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .local_address(ip.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

async fn initialize_from(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init_body("2025-11-25"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_flood_from_one_address_leaves_room_for_another() {
    // The default per-client cap (1,024), under a table of 1,100.
    let (server, _) = start(HttpServerConfig::default().with_max_sessions(1100)).await;
    let url = server.url();
    let flood = client_from("127.0.0.1");
    let mut accepted = 0;
    for _ in 0..1100 {
        let resp = initialize_from(&flood, &url).await;
        if resp.status() == 200 {
            accepted += 1;
            continue;
        }
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["retry-after"], "5");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["jsonrpc"], "2.0");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("too many sessions")
        );
    }
    assert_eq!(accepted, 1024);
    // Another address gets in at once.
    let other = client_from("127.0.0.2");
    let resp = initialize_from(&other, &url).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(server.service().session_count(), 1025);
    server.shutdown().await;
}

#[tokio::test]
async fn a_client_ending_its_sessions_gets_room_again() {
    let config = HttpServerConfig::default().with_max_sessions_per_client(2);
    let (server, _) = start(config).await;
    let url = server.url();
    let a = initialize(&url, "2025-11-25").await;
    let _b = initialize(&url, "2025-11-25").await;
    assert_eq!(
        post(&url, None, &init_body("2025-11-25")).await.status(),
        429
    );
    let resp = http()
        .delete(&url)
        .header("mcp-session-id", &a)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        post(&url, None, &init_body("2025-11-25")).await.status(),
        200
    );
    server.shutdown().await;
}

#[tokio::test]
async fn sessions_never_initialized_expire_fast() {
    let config = HttpServerConfig::default().with_init_timeout(Duration::from_millis(300));
    let (server, _) = start(config).await;
    let url = server.url();
    // Initialized properly.
    let kept = initialize(&url, "2025-11-25").await;
    // No `initialized`, but a request after `initialize`: in use.
    let resp = post(&url, None, &init_body("2025-11-25")).await;
    let used = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let resp = post(&url, Some(&used), &request(1, "ping", json!({}))).await;
    assert_eq!(resp.status(), 200);
    // Never finished initializing, though it keeps a GET stream open.
    let resp = post(&url, None, &init_body("2025-11-25")).await;
    let unused = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let stream = get(&url, &unused, None).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(server.service().session_count(), 3);
    eventually(|| server.service().session_count() == 2).await;
    for (id, status) in [(&kept, 200), (&used, 200), (&unused, 404)] {
        let resp = post(&url, Some(id), &request(2, "ping", json!({}))).await;
        assert_eq!(resp.status(), status);
    }
    server.shutdown().await;
}

#[tokio::test]
async fn behind_axum_connect_info_gives_the_remote_address() {
    use axum::extract::{ConnectInfo, Request};
    use oxmcp_http::RemoteAddr;
    use std::net::SocketAddr;

    let config = HttpServerConfig::default().with_max_sessions_per_client(1);
    let (service, _) = service(config);
    let app =
        axum::Router::new()
            .route_service("/mcp", service)
            .layer(axum::middleware::map_request(
                |ConnectInfo(addr): ConnectInfo<SocketAddr>, mut request: Request| async move {
                    request.extensions_mut().insert(RemoteAddr(addr));
                    request
                },
            ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });
    let url = format!("http://{addr}/mcp");
    let one = client_from("127.0.0.1");
    assert_eq!(initialize_from(&one, &url).await.status(), 200);
    assert_eq!(initialize_from(&one, &url).await.status(), 429);
    let two = client_from("127.0.0.2");
    assert_eq!(initialize_from(&two, &url).await.status(), 200);
    task.abort();
}

#[tokio::test]
async fn one_client_has_a_budget_of_requests_in_flight_over_its_sessions() {
    let config = HttpServerConfig::default().with_max_requests_per_client(2);
    let (server, _) = start(config).await;
    let url = server.url();
    // Two sessions of 127.0.0.1, one long request each: the client's whole budget.
    let (a, b) = (
        initialize(&url, "2025-11-25").await,
        initialize(&url, "2025-11-25").await,
    );
    let sleeper = |session: String, id: u64| {
        let url = url.clone();
        tokio::spawn(async move {
            let body = request(id, "sleep", json!({ "ms": 1500 }));
            post(&url, Some(&session), &body).await.status()
        })
    };
    let slow = [sleeper(a.clone(), 1), sleeper(b.clone(), 1)];
    tokio::time::sleep(Duration::from_millis(400)).await;
    // A third request, in either session, gets 429 with Retry-After and its id.
    let resp = post(&url, Some(&a), &request(2, "ping", json!({}))).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "5");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], 2);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("too many requests in flight")
    );
    // Notifications still go through, and another client is served at once.
    let note = r#"{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}"#;
    assert_eq!(post(&url, Some(&b), note).await.status(), 202);
    let other = client_from("127.0.0.2");
    assert_eq!(initialize_from(&other, &url).await.status(), 200);
    // Once the long requests are answered, the budget is back.
    for task in slow {
        assert_eq!(task.await.unwrap(), 200);
    }
    let resp = post(&url, Some(&a), &request(3, "ping", json!({}))).await;
    assert_eq!(resp.status(), 200);
    server.shutdown().await;
}
