//! Stateless mode under repetition: each POST's short-lived session takes all of the POST's
//! messages, whatever the timing of the built-in `initialize` it is primed with.

use futures_util::future::join_all;
use oxmcp_http::HttpServerConfig;

use crate::support::*;

const NOTIFICATION: &str = r#"{"jsonrpc":"2.0","method":"notifications/x"}"#;

/// A POST with a protocol version header (batches need 2025-03-26).
async fn post_as(url: &str, version: &str, body: &str) -> reqwest::Response {
    http()
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", version)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

/// Finding 2: the answer to the built-in `initialize` ended the session's input when no
/// request of the client was registered, and the POST's own message then met a closed
/// session (404, a few percent of the time). Many rounds, a few at a time, so the race has
/// every chance to show, on two worker threads (the engine's writer runs beside the POST).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_and_request_free_batches_always_get_202() {
    let (server, _) = start(HttpServerConfig::default().with_stateless(true)).await;
    let url = server.url();
    let batch = format!("[{NOTIFICATION},{NOTIFICATION}]");
    for _ in 0..100 {
        let round = (0..4).map(|i| {
            let body = if i % 2 == 0 { NOTIFICATION } else { &batch };
            post_as(&url, "2025-03-26", body)
        });
        for resp in join_all(round).await {
            assert_eq!(resp.status(), 202);
        }
    }
    server.shutdown().await;
}
