//! Redis restarted while clients call through the proxy: while it is down, new work gets
//! 503 with `Retry-After` (and nothing of it is accepted); every request that got a 200
//! got its answer; once Redis is back, the sessions made before (kept by its append-only
//! file) and new ones are served again. Without persistence, a restart ends every session
//! (404: the client starts a new one).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::client::{call, echo, echoed, http, initialize, messages, post, post_request, text_of};
use super::rig::{Instance, Proxy, Redis};

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

    /// Files one response to the tool call `n` (`what`), whose answer must be the last
    /// message, the only one with an id, and say `text`; true when answered.
    async fn call(
        &self,
        resp: reqwest::Response,
        n: u64,
        what: &str,
        text: &str,
        back: bool,
    ) -> bool {
        match resp.status().as_u16() {
            200 => {
                let got = messages(resp).await;
                let answers = got.iter().filter(|m| m.get("id").is_some()).count();
                let last = got.last().cloned().unwrap_or_default();
                if answers == 1 && last["id"] == n && text_of(&last) == text {
                    self.answered.fetch_add(1, Ordering::Relaxed);
                    if back {
                        self.after.fetch_add(1, Ordering::Relaxed);
                    }
                    true
                } else {
                    self.wrong(format!("{what}: 200 without its answer: {got:?}"))
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
                self.wrong(format!("{what}: {status}: {body}")).await;
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

/// The load's state, shared by its clients and the test.
#[derive(Default)]
struct Load {
    /// Set to end the load.
    stop: AtomicBool,
    /// Set once Redis is back.
    back: AtomicBool,
    tally: Tally,
}

/// What a client of the load calls.
#[derive(Debug, Clone, Copy)]
enum Calls {
    /// `echo`, answered at once.
    Echo,
    /// `long_running` (1.5 s, with progress): a 200 is an SSE stream that must end with
    /// the call's answer, even when Redis died meanwhile (its events are then not kept for
    /// resumption, but the live stream goes on).
    Long,
}

impl Calls {
    /// Call `n` in `session`, and the text of its answer.
    fn request(self, session: &str, n: u64) -> (Value, String) {
        match self {
            Self::Echo => {
                let text = format!("{session}/{n}");
                (call(n, "echo", json!({"text": text})), text)
            }
            Self::Long => {
                let mut body = call(n, "long_running", json!({"seconds": 1.5}));
                body["params"]["_meta"] = json!({"progressToken": n});
                (body, "worked for 1.5 s in 6 steps".to_owned())
            }
        }
    }
}

/// Makes `calls` in `session` until the load stops, as fast as answers come (100 ms apart
/// after a call that got none).
async fn caller(url: String, session: String, calls: Calls, load: Arc<Load>) {
    let client = http();
    let mut n = 0;
    while !load.stop.load(Ordering::Relaxed) {
        n += 1;
        let (body, text) = calls.request(&session, n);
        let what = format!("{calls:?} call {n} in {session}");
        let after = load.back.load(Ordering::Relaxed);
        let sent = post_request(&client, &url, Some(&session), &body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let answered = match sent {
            Ok(resp) => load.tally.call(resp, n, &what, &text, after).await,
            Err(e) => {
                load.tally.wrong(format!("{what}: no response: {e}")).await;
                false
            }
        };
        if !answered {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Makes new sessions until the load stops: each `initialize` gets 200 or 503 with
/// `Retry-After`.
async fn opener(url: String, load: Arc<Load>) {
    let tally = &load.tally;
    let client = http();
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "opener", "version": "0"}}});
    while !load.stop.load(Ordering::Relaxed) {
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
    let instances = Instance::three(&redis, &[]).await;
    let proxy = Proxy::start(&instances).await;
    let client = http();
    let url = proxy.url();
    let load = Arc::new(Load::default());
    let tally = &load.tally;
    let mut sessions = Vec::new();
    let mut workers = vec![tokio::spawn(opener(url.clone(), load.clone()))];
    let callers = [Calls::Echo; 6].into_iter().chain([Calls::Long; 2]);
    for calls in callers {
        let session = initialize(&client, &url).await;
        sessions.push(session.clone());
        let caller = caller(url.clone(), session, calls, load.clone());
        workers.push(tokio::spawn(caller));
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
    load.back.store(true, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(30);
    while tally.after.load(Ordering::Relaxed) < 60 {
        assert!(Instant::now() < deadline, "service did not resume");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    load.stop.store(true, Ordering::Relaxed);
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
            echoed(&client, &url, session, id, "again").await;
        }
    }
    let fresh = initialize(&client, &url).await;
    echoed(&client, &url, &fresh, 1, "new").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_persistence_a_restart_ends_every_session_and_new_ones_work() {
    let mut redis = Redis::start().await;
    let instances = Instance::three(&redis, &[]).await;
    let proxy = Proxy::start(&instances).await;
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
        let resp = echo(&client, &url, &session, n, "x").await;
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
        let resp = echo(&client, &url, &session, 100 + k, "x").await;
        assert_eq!(resp.status(), 404);
    }
    let fresh = initialize(&client, &url).await;
    for k in 0..3 {
        echoed(&client, &url, &fresh, 200 + k, "new").await;
    }
}
