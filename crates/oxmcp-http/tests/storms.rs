//! Memory under a storm, in a test binary of its own (so that no other test shares the
//! process whose RSS it reads; its tests take turns):
//!
//! - a client that sends `notifications/roots/list_changed` in a loop to a server that
//!   refreshes its roots on each (what the everything server does) and never answers
//!   `roots/list`. Before roots/list was coalesced and outgoing requests capped, each
//!   notification left a request waiting 60 s: RSS grew by about 1 GB in 7 s;
//! - clients that call a tool reporting progress without end, with the longest progress
//!   token allowed, on connections they never read. Before SSE queues were bounded in bytes
//!   and tokens in length, four such calls held about 478 MB.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use oxmcp_core::McpServer;
use oxmcp_http::{HttpServerConfig, McpService, serve_with};
use oxmcp_types::Implementation;
use serde_json::json;

/// How much a storm may grow the resident set.
const BOUND_MIB: u64 = 32;

/// The storms take turns: each reads the process's RSS.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one storm on a runtime of its own, after the other storms.
fn storm(test: impl Future<Output = ()>) {
    let _turn = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(test);
}

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

#[test]
fn a_roots_storm_keeps_memory_bounded() {
    storm(roots_storm());
}

async fn roots_storm() {
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

#[test]
fn progress_floods_to_readers_that_never_read_keep_memory_bounded() {
    storm(progress_flood());
}

/// Notifications the flood tool sends per call (each about 1.3 KB with its token): 26 MB
/// per call, over 100 MB for the four, were they all kept.
const FLOOD_STEPS: u32 = 20_000;

async fn progress_flood() {
    use oxmcp_core::server::tools::{ToolError, ToolRoute};
    use oxmcp_types::{CallToolResult, Tool};
    use tokio::io::AsyncWriteExt;

    let sent = std::sync::Arc::new(AtomicU64::new(0));
    let counted = sent.clone();
    let flood = ToolRoute::from_tool(Tool::without_arguments("flood"), move |_args, cx| {
        let sent = counted.clone();
        async move {
            let message = "m".repeat(1024);
            for step in 1..=FLOOD_STEPS {
                let progress = f64::from(step);
                if cx
                    .progress(progress, None, Some(message.clone()))
                    .await
                    .is_err()
                {
                    break;
                }
                sent.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, ToolError>(CallToolResult::text("flooded"))
        }
    });
    let server = McpServer::builder(Implementation::new("flood", "1"))
        .tool(flood)
        .build()
        .unwrap();
    let serving = server.clone();
    let service = McpService::new(move |t| serving.serve(t), HttpServerConfig::default());
    let running = serve_with("127.0.0.1:0".parse().unwrap(), service, "/mcp")
        .await
        .unwrap();
    let (url, addr) = (running.url(), running.local_addr());
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let session = initialized_session(&client, &url).await;
    let before = rss_kib();
    // Four calls with a 256-byte progress token (the longest a session takes by default,
    // quotes included), each on a connection that is never read.
    let token = "t".repeat(254);
    let mut silent = Vec::new();
    for id in 1..=4 {
        let body = json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": { "name": "flood", "arguments": {}, "_meta": { "progressToken": token } }
        })
        .to_string();
        let head = format!(
            "POST /mcp HTTP/1.1\r\nhost: {addr}\r\naccept: application/json, text/event-stream\r\n\
             content-type: application/json\r\nmcp-session-id: {session}\r\n\
             mcp-protocol-version: 2025-11-25\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        silent.push(stream);
    }
    // Sample the resident set while the handlers push (they stop when their streams are
    // closed, or after every step).
    let mut peak = before;
    let mut last = (0, tokio::time::Instant::now());
    for _ in 0..300 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        peak = peak.max(rss_kib());
        let now = sent.load(Ordering::Relaxed);
        if now == last.0 && last.1.elapsed() > Duration::from_secs(2) {
            break;
        }
        if now != last.0 {
            last = (now, tokio::time::Instant::now());
        }
    }
    let grown_mib = peak.saturating_sub(before) / 1024;
    let pushed = sent.load(Ordering::Relaxed);
    eprintln!("RSS peaked {grown_mib} MiB above the start; {pushed} progress notifications sent");
    assert!(
        pushed >= 4 * u64::from(FLOOD_STEPS) / 2,
        "the floods ran: {pushed} notifications"
    );
    assert!(
        grown_mib <= BOUND_MIB,
        "RSS grew by {grown_mib} MiB under four unread progress floods (bound {BOUND_MIB} MiB)"
    );
    // The server still serves everyone else.
    let ping = json!({"jsonrpc":"2.0","id":9,"method":"ping"}).to_string();
    assert_eq!(post(&client, &url, Some(&session), ping).await, 200);
    drop(silent);
    running.shutdown().await;
}

/// A session of `url`, initialized.
async fn initialized_session(client: &reqwest::Client, url: &str) -> String {
    let init = json!({
        "jsonrpc": "2.0", "id": 0, "method": "initialize",
        "params": { "protocolVersion": "2025-11-25", "capabilities": {},
                    "clientInfo": { "name": "flood", "version": "0" } }
    });
    let response = client
        .post(url)
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
        post(client, url, Some(&session), initialized.to_string()).await,
        202
    );
    session
}
