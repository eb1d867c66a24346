//! Three everything-server processes on one Redis behind a round-robin proxy with no
//! affinity: they serve as one server (issue 16).

mod changes;
mod client;
mod restart;
mod rig;
#[cfg(feature = "interop")]
mod sdk;
mod takeover;
mod touch;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use client::{
    Event, Sse, call, echo, echoed, get_stream, http, initialize, messages, post, text_of,
};
use rig::{Instance, Proxy, Redis};

/// Redis, three instances and the proxy in front of them.
async fn cluster() -> (Redis, Vec<Instance>, Proxy) {
    let redis = Redis::start().await;
    let instances = Instance::three(&redis, &[]).await;
    let proxy = Proxy::start(&instances).await;
    (redis, instances, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_alternates_instances_and_server_requests_cross_them() {
    let (_redis, _instances, proxy) = cluster().await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    for n in 1..=9 {
        echoed(&client, &url, &session, n, &format!("call {n}")).await;
    }
    // Every instance served some of them.
    assert!(proxy.counts.iter().all(|c| c.load(Ordering::Relaxed) >= 3));
    // roots/list sent by the instance running the tool, answered through the next one.
    let roots = json!({"roots": [{"uri": "file:///rig", "name": "rig"}]});
    let listed = call_answering(
        &client,
        &url,
        &session,
        20,
        "list_roots",
        "roots/list",
        roots,
    );
    assert_eq!(listed.await, "1 root(s): file:///rig (rig)");
    // An elicitation, the same way.
    let decline = json!({"action": "decline"});
    let elicited = call_answering(
        &client,
        &url,
        &session,
        21,
        "elicit_profile",
        "elicitation/create",
        decline,
    );
    assert_eq!(elicited.await, "declined");
}

/// Calls `tool` (id `id`) in `session` through `url`, answers with `result` the request
/// `method` the server sends on the call's stream (through `url` too), and returns the text
/// of the call's result.
async fn call_answering(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    id: u64,
    tool: &str,
    method: &str,
    result: Value,
) -> String {
    let body = call(id, tool, json!({}));
    let mut resp = Sse::new(post(client, url, Some(session), &body).await);
    let asked = resp.until_method(method).await.pop().unwrap();
    let answer = json!({"jsonrpc": "2.0", "id": asked["id"], "result": result});
    let answered = post(client, url, Some(session), &answer).await;
    assert_eq!(answered.status(), 202, "the answer to {method}");
    let done = resp.until(|m| m["id"] == id).await.pop().unwrap();
    text_of(&done).to_owned()
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
                        let resp = echo(&client, &url, &session, n, &text).await;
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

/// The sequence number of an event, from its id `<stream>-<seq>`.
fn seq(event: &Event) -> u64 {
    let id = event.id.as_deref().expect("an event id");
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
    let mut resp = Sse::new(post(&client, &url, Some(&session), &body).await);
    let holder = proxy.last();
    let before = resp.events_until(|seen| seen.len() >= 3).await;
    // The instance goes on storing events the client does not read, then dies.
    tokio::time::sleep(Duration::from_millis(800)).await;
    instances[holder].kill().await;
    proxy.down(holder);
    drop(resp);
    let last_id = before.last().unwrap().id.as_deref();
    let resumed = get_stream(&client, &url, &session, last_id).await;
    assert_eq!(resumed.status(), 200);
    assert_ne!(proxy.last(), holder);
    let after = Sse::new(resumed).events_until(|_| false).await;
    assert!(
        !after.is_empty(),
        "the events stored before the kill are replayed"
    );
    let seqs: Vec<u64> = before.iter().chain(&after).map(seq).collect();
    let first = seqs[0];
    assert_eq!(
        seqs,
        (first..first + seqs.len() as u64).collect::<Vec<_>>(),
        "lost or repeated events"
    );
    let steps: Vec<f64> = before
        .iter()
        .chain(&after)
        .map(|e| e.message["params"]["progress"].as_f64().unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[1] == w[0] + 1.0), "{steps:?}");
}
