//! Three everything-server processes on one Redis behind a round-robin proxy with no
//! affinity: they serve as one server (issue 16).

mod changes;
mod restart;
mod rig;
#[cfg(feature = "interop")]
mod sdk;
mod takeover;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use rig::{Instance, Proxy, Redis};

/// Redis, three instances and the proxy in front of them.
async fn cluster() -> (Redis, Vec<Instance>, Proxy) {
    let redis = Redis::start().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis).await);
    }
    let proxy = Proxy::start(instances.iter().map(|i| i.addr).collect()).await;
    (redis, instances, proxy)
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    session: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(s) = session {
        req = req
            .header("mcp-session-id", s)
            .header("mcp-protocol-version", "2025-11-25");
    }
    req.send().await.unwrap()
}

async fn initialize(client: &reqwest::Client, url: &str) -> String {
    let init = json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {"roots": {}, "elicitation": {"form": {}}},
        "clientInfo": {"name": "rig", "version": "0"}}});
    let resp = post(client, url, None, &init).await;
    assert_eq!(resp.status(), 200);
    let session = resp.headers()["mcp-session-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
    assert_eq!(
        post(client, url, Some(&session), &initialized)
            .await
            .status(),
        202
    );
    session
}

/// The JSON-RPC messages of a response, JSON or SSE (priming events skipped).
async fn messages(resp: reqwest::Response) -> Vec<Value> {
    let sse = resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream");
    let text = resp.text().await.unwrap();
    if !sse {
        return vec![serde_json::from_str(&text).unwrap()];
    }
    text.split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data:")))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| serde_json::from_str(d).unwrap())
        .collect()
}

#[expect(
    clippy::needless_pass_by_value,
    reason = "callers pass `json!` literals"
)]
fn call(id: u64, name: &str, arguments: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": arguments}})
}

fn text_of(result: &Value) -> &str {
    result["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or("")
}

/// Reads an SSE response until a message with `id` (a JSON-RPC request of the server
/// when `request`), returning it; the response stays open.
async fn until(
    resp: &mut reqwest::Response,
    buf: &mut String,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if let Some(data) = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                && !data.is_empty()
            {
                let message: Value = serde_json::from_str(data).unwrap();
                if pred(&message) {
                    return message;
                }
            }
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), resp.chunk())
            .await
            .expect("an SSE chunk within 20 s")
            .unwrap()
            .expect("the stream goes on");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_alternates_instances_and_server_requests_cross_them() {
    let (_redis, _instances, proxy) = cluster().await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    for n in 1..=9 {
        let text = format!("call {n}");
        let resp = post(
            &client,
            &url,
            Some(&session),
            &call(n, "echo", json!({"text": text})),
        )
        .await;
        assert_eq!(resp.status(), 200, "call {n}");
        assert_eq!(text_of(&messages(resp).await[0]), text);
    }
    // Every instance served some of them.
    assert!(proxy.counts.iter().all(|c| c.load(Ordering::Relaxed) >= 3));
    // roots/list sent by the instance running the tool, answered through the next one.
    let mut resp = post(
        &client,
        &url,
        Some(&session),
        &call(20, "list_roots", json!({})),
    )
    .await;
    let mut buf = String::new();
    let asked = until(&mut resp, &mut buf, |m| m["method"] == "roots/list").await;
    let answer = json!({"jsonrpc": "2.0", "id": asked["id"],
        "result": {"roots": [{"uri": "file:///rig", "name": "rig"}]}});
    assert_eq!(
        post(&client, &url, Some(&session), &answer).await.status(),
        202
    );
    let done = until(&mut resp, &mut buf, |m| m["id"] == 20).await;
    assert_eq!(text_of(&done), "1 root(s): file:///rig (rig)");
    // An elicitation, the same way.
    let mut resp = post(
        &client,
        &url,
        Some(&session),
        &call(21, "elicit_profile", json!({})),
    )
    .await;
    let mut buf = String::new();
    let asked = until(&mut resp, &mut buf, |m| m["method"] == "elicitation/create").await;
    let answer = json!({"jsonrpc": "2.0", "id": asked["id"], "result": {"action": "decline"}});
    assert_eq!(
        post(&client, &url, Some(&session), &answer).await.status(),
        202
    );
    let done = until(&mut resp, &mut buf, |m| m["id"] == 21).await;
    assert_eq!(text_of(&done), "declined");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_made_through_one_instance_are_polled_and_cancelled_through_the_others() {
    let (_redis, _instances, proxy) = cluster().await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    let mut create = call(1, "long_running", json!({"seconds": 30}));
    create["params"]["task"] = json!({"ttl": 60000});
    let created = messages(post(&client, &url, Some(&session), &create).await).await;
    let task_id = created[0]["result"]["task"]["taskId"]
        .as_str()
        .expect("a task")
        .to_owned();
    for n in 2..5 {
        let get = json!({"jsonrpc": "2.0", "id": n, "method": "tasks/get", "params": {"taskId": task_id}});
        let got = messages(post(&client, &url, Some(&session), &get).await).await;
        assert_eq!(got[0]["result"]["status"], "working", "{got:?}");
    }
    let list = json!({"jsonrpc": "2.0", "id": 5, "method": "tasks/list"});
    let listed = messages(post(&client, &url, Some(&session), &list).await).await;
    assert_eq!(listed[0]["result"]["tasks"][0]["taskId"], task_id.as_str());
    let cancel =
        json!({"jsonrpc": "2.0", "id": 6, "method": "tasks/cancel", "params": {"taskId": task_id}});
    let cancelled = messages(post(&client, &url, Some(&session), &cancel).await).await;
    assert_eq!(
        cancelled[0]["result"]["status"], "cancelled",
        "{cancelled:?}"
    );
    let get =
        json!({"jsonrpc": "2.0", "id": 7, "method": "tasks/get", "params": {"taskId": task_id}});
    let got = messages(post(&client, &url, Some(&session), &get).await).await;
    assert_eq!(got[0]["result"]["status"], "cancelled");
}

/// How many sessions the many-sessions test runs (`OXMCP_RIG_SESSIONS`, default 1,000).
fn sessions() -> usize {
    std::env::var("OXMCP_RIG_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_sessions_of_ten_calls_none_misrouted() {
    let (_redis, _instances, proxy) = cluster().await;
    let client = http();
    let url = Arc::new(proxy.url());
    let (sessions, concurrency) = (sessions(), 16);
    let misrouted = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, url, misrouted, next) =
                (client.clone(), url.clone(), misrouted.clone(), next.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < sessions {
                    let session = initialize(&client, &url).await;
                    for n in 1..=10 {
                        let text = format!("{session}/{n}");
                        let body = call(n, "echo", json!({"text": text}));
                        let resp = post(&client, &url, Some(&session), &body).await;
                        let ok = resp.status() == 200 && {
                            let got = messages(resp).await;
                            got[0]["id"] == n && text_of(&got[0]) == text
                        };
                        if !ok {
                            misrouted.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    eprintln!(
        "{sessions} sessions x 10 calls through 3 instances in {:?}",
        started.elapsed()
    );
    assert_eq!(misrouted.load(Ordering::Relaxed), 0);
}

/// The SSE events of `resp` as (`id`, message), until `done` holds for what was read (or
/// the stream ends); the response stays open.
async fn events_until(
    resp: &mut reqwest::Response,
    done: impl Fn(&[(String, Value)]) -> bool,
) -> Vec<(String, Value)> {
    let (mut buf, mut seen) = (String::new(), Vec::new());
    while !done(&seen) {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let id = block.lines().find_map(|l| l.strip_prefix("id: "));
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data:"))
                .map(str::trim);
            if let (Some(id), Some(data)) = (id, data.filter(|d| !d.is_empty())) {
                seen.push((id.to_owned(), serde_json::from_str(data).unwrap()));
            }
        }
        if done(&seen) {
            break;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(20), resp.chunk())
            .await
            .expect("an SSE chunk within 20 s")
            .unwrap();
        match chunk {
            Some(chunk) => buf.push_str(std::str::from_utf8(&chunk).unwrap()),
            None => break,
        }
    }
    seen
}

/// The sequence number of an event id `<stream>-<seq>`.
fn seq(id: &str) -> u64 {
    id.rsplit_once('-').unwrap().1.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_of_a_killed_instance_resumes_on_another_with_nothing_lost_or_repeated() {
    let (_redis, mut instances, proxy) = cluster().await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    let mut body = call(1, "long_running", json!({"seconds": 20}));
    body["params"]["_meta"] = json!({"progressToken": "p"});
    let mut resp = post(&client, &url, Some(&session), &body).await;
    let holder = proxy.last();
    let before = events_until(&mut resp, |seen| seen.len() >= 3).await;
    // The instance goes on storing events the client does not read, then dies.
    tokio::time::sleep(Duration::from_millis(800)).await;
    instances[holder].kill().await;
    proxy.down(holder);
    drop(resp);
    let last_id = &before.last().unwrap().0;
    let mut resumed = client
        .get(&url)
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .header("last-event-id", last_id)
        .send()
        .await
        .unwrap();
    assert_eq!(resumed.status(), 200);
    assert_ne!(proxy.last(), holder);
    let after = events_until(&mut resumed, |_| false).await;
    assert!(
        !after.is_empty(),
        "the events stored before the kill are replayed"
    );
    let seqs: Vec<u64> = before.iter().chain(&after).map(|(id, _)| seq(id)).collect();
    let first = seqs[0];
    assert_eq!(
        seqs,
        (first..first + seqs.len() as u64).collect::<Vec<_>>(),
        "lost or repeated events"
    );
    let steps: Vec<f64> = before
        .iter()
        .chain(&after)
        .map(|(_, m)| m["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[1] == w[0] + 1.0), "{steps:?}");
}
