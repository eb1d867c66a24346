//! Memory under a storm, in a test binary of its own (so that no other test shares the
//! process whose RSS it reads): a client that sends `notifications/roots/list_changed` in a
//! loop to a server that refreshes its roots on each (what the everything server does) and
//! never answers `roots/list`. Before roots/list was coalesced and outgoing requests capped,
//! each notification left a request waiting 60 s: RSS grew by about 1 GB in 7 s.

use std::time::Duration;

use oxmcp_core::McpServer;
use oxmcp_http::{HttpServerConfig, McpService, serve_with};
use oxmcp_types::Implementation;
use serde_json::json;

/// How much the storm may grow the resident set.
const BOUND_MIB: u64 = 32;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("procfs");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

async fn post(client: &reqwest::Client, url: &str, session: Option<&str>, body: String) -> u16 {
    let mut request = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body);
    if let Some(session) = session {
        request = request
            .header("mcp-session-id", session)
            .header("mcp-protocol-version", "2025-11-25");
    }
    request.send().await.expect("a response").status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_roots_storm_keeps_memory_bounded() {
    let server = McpServer::builder(Implementation::new("storm", "1"))
        .on_notification(|n, cx| async move {
            if n.method == "notifications/roots/list_changed" {
                let peer = cx.peer().clone();
                tokio::spawn(async move { peer.list_roots().await });
            }
        })
        .build()
        .unwrap();
    let serving = server.clone();
    let service = McpService::new(move |t| serving.serve(t), HttpServerConfig::default());
    let running = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let url = running.url();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let init = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25",
                    "capabilities": { "roots": { "listChanged": true } },
                    "clientInfo": { "name": "storm", "version": "0" } }
    });
    let response = client
        .post(&url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(init.to_string())
        .send()
        .await
        .unwrap();
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
    assert_eq!(
        post(&client, &url, Some(&session), initialized.to_string()).await,
        202
    );
    let changed = json!({"jsonrpc":"2.0","method":"notifications/roots/list_changed"}).to_string();
    // Warm up (allocator arenas, connection pool), then measure.
    for _ in 0..500 {
        post(&client, &url, Some(&session), changed.clone()).await;
    }
    let before = rss_kib();
    let storm = async {
        let mut sent = 0u32;
        while sent < 20_000 {
            let batch = (0..16).map(|_| post(&client, &url, Some(&session), changed.clone()));
            for status in futures_util::future::join_all(batch).await {
                assert_eq!(status, 202);
            }
            sent += 16;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), storm)
        .await
        .expect("the storm is served");
    let grown_mib = rss_kib().saturating_sub(before) / 1024;
    eprintln!("RSS grew by {grown_mib} MiB during 20,000 roots/list_changed");
    assert!(
        grown_mib <= BOUND_MIB,
        "RSS grew by {grown_mib} MiB during 20,000 roots/list_changed (bound {BOUND_MIB} MiB)"
    );
    running.shutdown().await;
}
