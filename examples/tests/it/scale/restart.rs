//! Redis restarted while clients call through the proxy: while it is down, new work gets
//! 503 with `Retry-After` (and nothing of it is accepted); every request that got a 200
//! got its answer; once Redis is back, the sessions made before (kept by its append-only
//! file) and new ones are served again. Without persistence, a restart ends every session
//! (404: the client starts a new one).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;

use super::rig::{Instance, Proxy, Redis};
use super::{call, http, initialize, messages, post, text_of};

/// Redis with an append-only file synced on every write: what it acknowledged survives
/// a kill (with `everysec`, the last second may not; without persistence, nothing does:
/// every session is gone after a restart and its next request gets 404).
const PERSISTENT: &[&str] = &[
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
];

/// What the clients saw.
#[derive(Default)]
struct Tally {
    /// 200s whose answer was the one asked for.
    answered: AtomicUsize,
    /// 503s with a `Retry-After`.
    refused: AtomicUsize,
    /// Answers after the restart.
    after: AtomicUsize,
    /// Anything else: a 200 without its answer, a 503 without `Retry-After`, another
    /// status, a failed connection.
    wrong: Mutex<Vec<String>>,
}

impl Tally {
    async fn wrong(&self, what: String) {
        self.wrong.lock().await.push(what);
    }

    /// Files one response to `tools/call` `echo` of `text` with id `n`; true when answered.
    async fn call(&self, resp: reqwest::Response, n: u64, text: &str, back: bool) -> bool {
        match resp.status().as_u16() {
            200 => {
                let got = messages(resp).await;
                if got.len() == 1 && got[0]["id"] == n && text_of(&got[0]) == text {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                    if back {
                        self.after.fetch_add(1, Ordering::Relaxed);
                    }
                    true
                } else {
                    self.wrong(format!("200 without the answer to {text}: {got:?}"))
                        .await;
                    false
                }
            }
            503 => {
                self.refused(&resp).await;
                false
            }
            status => {
                let body = resp.text().await.unwrap_or_default();
                self.wrong(format!("{status} for {text}: {body}")).await;
                false
            }
        }
    }

    async fn refused(&self, resp: &reqwest::Response) {
        if resp.headers().contains_key("retry-after") {
            self.refused.fetch_add(1, Ordering::Relaxed);
        } else {
            self.wrong("503 without Retry-After".into()).await;
        }
    }
}

/// Calls `echo` in `session` until `stop`, as fast as answers come (100 ms apart after
/// a 503).
async fn caller(
    url: String,
    session: String,
    stop: Arc<AtomicBool>,
    back: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let client = http();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let text = format!("{session}/{n}");
        let body = call(n, "echo", json!({"text": text}));
        let after = back.load(Ordering::Relaxed);
        match client_post(&client, &url, &session, &body).await {
            Ok(resp) => {
                if !tally.call(resp, n, &text, after).await {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Err(e) => tally.wrong(format!("no response for {text}: {e}")).await,
        }
    }
}

async fn client_post(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    body: &serde_json::Value,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-session-id", session)
        .header("mcp-protocol-version", "2025-11-25")
        .body(body.to_string())
        .timeout(Duration::from_secs(30))
        .send()
        .await
}

/// Calls `long_running` (1.5 s, with progress) in `session` until `stop`: a 200 is an SSE
/// stream that must end with the call's answer, even when Redis died meanwhile (its events
/// are then not kept for resumption, but the live stream goes on).
async fn worker(
    url: String,
    session: String,
    stop: Arc<AtomicBool>,
    back: Arc<AtomicBool>,
    tally: Arc<Tally>,
) {
    let client = http();
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let mut body = call(n, "long_running", json!({"seconds": 1.5}));
        body["params"]["_meta"] = json!({"progressToken": n});
        let after = back.load(Ordering::Relaxed);
        let resp = match client_post(&client, &url, &session, &body).await {
            Ok(resp) => resp,
            Err(e) => {
                tally
                    .wrong(format!("no response for long call {n}: {e}"))
                    .await;
                continue;
            }
        };
        match resp.status().as_u16() {
            200 => {
                let got = messages(resp).await;
                let last = got.last().cloned().unwrap_or_default();
                if last["id"] == n && text_of(&last) == "worked for 1.5 s in 6 steps" {
                    tally.answered.fetch_add(1, Ordering::Relaxed);
                    if after {
                        tally.after.fetch_add(1, Ordering::Relaxed);
                    }
                } else {
                    tally
                        .wrong(format!("long call {n}: 200 without its answer: {got:?}"))
                        .await;
                }
            }
            503 => {
                tally.refused(&resp).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            status => tally.wrong(format!("long call {n}: {status}")).await,
        }
    }
}

/// Makes new sessions until `stop`: each `initialize` gets 200 or 503 with `Retry-After`.
async fn opener(url: String, stop: Arc<AtomicBool>, tally: Arc<Tally>) {
    let client = http();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "opener", "version": "0"}}});
    while !stop.load(Ordering::Relaxed) {
        let resp = post(&client, &url, None, &init).await;
        match resp.status().as_u16() {
            200 => {
                let ok = resp.headers().contains_key("mcp-session-id")
                    && messages(resp).await[0]["result"]["protocolVersion"] == "2025-11-25";
                if !ok {
                    tally
                        .wrong("initialize: 200 without a session".into())
                        .await;
                }
            }
            503 => tally.refused(&resp).await,
            status => tally.wrong(format!("initialize: {status}")).await,
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long Redis stays down (`OXMCP_RIG_OUTAGE_MS`, default 3,000: longer than the
/// store's reconnection attempts for one command).
fn outage() -> Duration {
    let ms = std::env::var("OXMCP_RIG_OUTAGE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    Duration::from_millis(ms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_load_refuses_clearly_loses_nothing_and_serves_again() {
    let mut redis = Redis::start_with(PERSISTENT).await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis).await);
    }
    let proxy = Proxy::start(instances.iter().map(|i| i.addr).collect()).await;
    let client = http();
    let url = proxy.url();
    let (stop, back) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let tally = Arc::new(Tally::default());
    let mut sessions = Vec::new();
    let mut workers = Vec::new();
    for _ in 0..6 {
        let session = initialize(&client, &url).await;
        sessions.push(session.clone());
        let (stop, back, tally) = (stop.clone(), back.clone(), tally.clone());
        workers.push(tokio::spawn(caller(
            url.clone(),
            session,
            stop,
            back,
            tally,
        )));
    }
    workers.push(tokio::spawn(opener(
        url.clone(),
        stop.clone(),
        tally.clone(),
    )));
    for _ in 0..2 {
        let session = initialize(&client, &url).await;
        sessions.push(session.clone());
        let (stop, back, tally) = (stop.clone(), back.clone(), tally.clone());
        workers.push(tokio::spawn(worker(
            url.clone(),
            session,
            stop,
            back,
            tally,
        )));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = tally.answered.load(Ordering::Relaxed);
    assert!(before > 0, "no call answered before the restart");
    redis.kill().await;
    tokio::time::sleep(outage()).await;
    assert!(
        tally.refused.load(Ordering::Relaxed) > 0,
        "nothing refused while Redis was down"
    );
    redis.restart().await;
    back.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tally.after.load(Ordering::Relaxed) < 60 {
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.await.unwrap();
    }
    let wrong = tally.wrong.lock().await;
    assert!(wrong.is_empty(), "{:#?}", &wrong[..wrong.len().min(20)]);
    eprintln!(
        "answered {} ({} after the restart), refused {} with Retry-After",
        tally.answered.load(Ordering::Relaxed),
        tally.after.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed)
    );
    // Every session made before the restart is served again, on every instance, and so
    // is a new one.
    for (n, session) in sessions.iter().enumerate() {
        for k in 0..3 {
            let id = 1000 + (n * 3 + k) as u64;
            let body = call(id, "echo", json!({"text": "again"}));
            let resp = post(&client, &url, Some(session), &body).await;
            assert_eq!(resp.status(), 200, "session {n} after the restart");
            assert_eq!(text_of(&messages(resp).await[0]), "again");
        }
    }
    let fresh = initialize(&client, &url).await;
    let resp = post(
        &client,
        &url,
        Some(&fresh),
        &call(1, "echo", json!({"text": "new"})),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(text_of(&messages(resp).await[0]), "new");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_persistence_a_restart_ends_every_session_and_new_ones_work() {
    let mut redis = Redis::start().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis).await);
    }
    let proxy = Proxy::start(instances.iter().map(|i| i.addr).collect()).await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    redis.kill().await;
    redis.restart().await;
    // Its record went with Redis's memory: 404 (the client starts a new session), after
    // 503s while the instances reconnect; never an answer in the lost session.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut n = 0;
    loop {
        n += 1;
        let resp = post(
            &client,
            &url,
            Some(&session),
            &call(n, "echo", json!({"text": "x"})),
        )
        .await;
        match resp.status().as_u16() {
            404 => break,
            503 => assert!(resp.headers().contains_key("retry-after")),
            status => panic!("{status} for a session Redis forgot"),
        }
        assert!(Instant::now() < deadline, "still 503");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every instance forgets it (each checks the store on each request).
    for k in 0..3 {
        let resp = post(
            &client,
            &url,
            Some(&session),
            &call(100 + k, "echo", json!({"text": "x"})),
        )
        .await;
        assert_eq!(resp.status(), 404);
    }
    let fresh = initialize(&client, &url).await;
    for k in 0..3 {
        let resp = post(
            &client,
            &url,
            Some(&fresh),
            &call(200 + k, "echo", json!({"text": "new"})),
        )
        .await;
        assert_eq!(resp.status(), 200);
        assert_eq!(text_of(&messages(resp).await[0]), "new");
    }
}
