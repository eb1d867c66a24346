//! `everything-server --session-touch-ms` reaches the HTTP server: an instance given an
//! hour refreshes a session's record in Redis at most every 5 min (half the idle timeout),
//! so a request soon after `initialize` leaves the record's expiry where it was; an instance
//! with the default refreshes it on every request.

use std::time::Duration;

use serde_json::json;

use super::client::{http, initialize, post};
use super::rig::{Instance, Redis};

/// The instances' idle timeout, the HTTP server's default: the expiry a refresh sets.
const IDLE_MS: i64 = 600_000;

/// How long the test waits between `initialize` and the request that may refresh.
const PAUSE_MS: i64 = 3000;

/// Pings `session` on `instance`; then the milliseconds its record has left (`PTTL`).
async fn ping_then_left(
    client: &reqwest::Client,
    redis: &Redis,
    instance: &Instance,
    session: &str,
) -> i64 {
    let ping = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
    let resp = post(client, &instance.url(), Some(session), &ping).await;
    assert_eq!(resp.status(), 200);
    oxmcp::redis::redis::cmd("PTTL")
        .arg(Redis::record_key(session))
        .query_async(&mut redis.connection().await)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_touch_ms_spares_the_store_a_refresh_per_request() {
    let redis = Redis::start().await;
    let seldom = Instance::start(&redis, &["--session-touch-ms", "3600000"]).await;
    let always = Instance::start(&redis, &[]).await;
    let client = http();
    let on_seldom = initialize(&client, &seldom.url()).await;
    let on_always = initialize(&client, &always.url()).await;
    tokio::time::sleep(Duration::from_millis(PAUSE_MS as u64)).await;
    // Not refreshed since `initialize`, at least the pause ago (Redis rounds to the ms).
    let left = ping_then_left(&client, &redis, &seldom, &on_seldom).await;
    assert!(left <= IDLE_MS - PAUSE_MS + 1, "{left} ms left");
    // Refreshed by the ping, a moment ago.
    let left = ping_then_left(&client, &redis, &always, &on_always).await;
    assert!(left > IDLE_MS - PAUSE_MS + 1, "{left} ms left");
}
