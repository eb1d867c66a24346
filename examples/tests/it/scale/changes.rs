//! Server changes fanned out to every instance: a resource updated, or the tool list
//! changed, on one instance reaches the `subscriptions/listen` stream (2026-07-28) that
//! another instance holds, and the standalone GET stream of a subscribed 2025-11-25
//! session that another instance holds, once, even when the instance where the change
//! happened never served that session; and, when the instance holding that GET stream
//! died, kept for the client's next GET stream instead of sent to the dead instance.
//! Concurrent changes of one session's record on several instances are all kept.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::rig::{Instance, Proxy, Redis};
use super::{call, http, initialize, post};

const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// A 2026-07-28 request: the era's `_meta` in its params.
fn modern(id: u64, method: &str, mut params: Value) -> Value {
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "rig", "version": "0"}
    });
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// POSTs a 2026-07-28 request, with its `Mcp-Method` and (for a tool call) `Mcp-Name`.
async fn post_modern(client: &reqwest::Client, url: &str, body: &Value) -> reqwest::Response {
    let mut req = client
        .post(url)
        .header("accept", "application/json, text/event-stream")
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .header("mcp-method", body["method"].as_str().unwrap());
    if let Some(name) = body["params"]["name"].as_str() {
        req = req.header("mcp-name", name);
    }
    req.body(body.to_string()).send().await.unwrap()
}

/// An open SSE response, read message by message.
struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.status(), 200);
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The messages that come within `wait` (priming events skipped).
    async fn within(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if let Some(data) = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                {
                    seen.push(serde_json::from_str(data).unwrap());
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.resp.chunk()).await {
                Ok(Ok(Some(chunk))) => self.buf.push_str(std::str::from_utf8(&chunk).unwrap()),
                Ok(_) => panic!("the stream ended"),
                Err(_) => return seen,
            }
        }
    }

    /// The messages until one whose method is `method` (within 20 s), that one included.
    async fn until(&mut self, method: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = Vec::new();
        while !seen.iter().any(|m: &Value| m["method"] == method) {
            assert!(Instant::now() < deadline, "no {method} in {seen:?}");
            seen.extend(self.within(Duration::from_millis(200)).await);
        }
        seen
    }
}

fn count(messages: &[Value], method: &str) -> usize {
    messages.iter().filter(|m| m["method"] == method).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_one_instance_reach_the_streams_the_others_hold_once() {
    let redis = Redis::start().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis).await);
    }
    let url: Vec<String> = instances
        .iter()
        .map(|i| format!("http://{}/mcp", i.addr))
        .collect();
    let client = http();

    // A listen stream on instance 1.
    let filter = json!({"toolsListChanged": true, "resourceSubscriptions": ["note://1"]});
    let listen = modern(7, "subscriptions/listen", json!({"notifications": filter}));
    let mut listening = Sse::new(post_modern(&client, &url[1], &listen).await);
    let ack = listening
        .until("notifications/subscriptions/acknowledged")
        .await;
    assert_eq!(ack[0]["params"]["notifications"], filter);

    // A 2025-11-25 session served by instances 0 and 1 only, subscribed to note://1
    // through 0, its GET stream on 1.
    let session = initialize(&client, &url[0]).await;
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                           "params": {"uri": "note://1"}});
    assert_eq!(
        post(&client, &url[0], Some(&session), &subscribe)
            .await
            .status(),
        200
    );
    let get = client
        .get(&url[1])
        .header("accept", "text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-11-25")
        .send()
        .await
        .unwrap();
    let mut standalone = Sse::new(get);
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(
        post(&client, &url[0], Some(&session), &ping).await.status(),
        200
    );

    // Instance 2, which never saw the session, changes the note (a 2026-07-28 call).
    let update = modern(
        3,
        "tools/call",
        json!({"name": "update_note", "arguments": {"id": "1", "text": "changed on 2"}}),
    );
    assert_eq!(post_modern(&client, &url[2], &update).await.status(), 200);
    let heard = listening.until("notifications/resources/updated").await;
    let updated = heard
        .iter()
        .find(|m| m["method"] == "notifications/resources/updated")
        .unwrap();
    assert_eq!(updated["params"]["uri"], "note://1");
    assert_eq!(updated["params"]["_meta"][SUBSCRIPTION_ID], 7);
    let mut got = standalone.until("notifications/resources/updated").await;
    got.extend(standalone.within(Duration::from_millis(1500)).await);
    assert_eq!(
        count(&got, "notifications/resources/updated"),
        1,
        "once: {got:?}"
    );

    // The tool list changes on instance 2: both streams hear of it, the GET stream once.
    let toggle = call(4, "toggle_extras", json!({}));
    let toggle = modern(4, "tools/call", toggle["params"].clone());
    assert_eq!(post_modern(&client, &url[2], &toggle).await.status(), 200);
    let heard = listening.until("notifications/tools/list_changed").await;
    assert_eq!(heard.last().unwrap()["params"]["_meta"][SUBSCRIPTION_ID], 7);
    let mut got = standalone.until("notifications/tools/list_changed").await;
    got.extend(standalone.within(Duration::from_millis(1500)).await);
    for method in [
        "notifications/tools/list_changed",
        "notifications/resources/list_changed",
        "notifications/prompts/list_changed",
    ] {
        assert_eq!(count(&got, method), 1, "{method} once: {got:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_record_changes_on_every_instance_are_all_kept() {
    let redis = Redis::start().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start(&redis).await);
    }
    let proxy = Proxy::start(instances.iter().map(|i| i.addr).collect()).await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    // Every instance holds the session before the race.
    for id in 1..=3 {
        let ping = json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
        assert_eq!(
            post(&client, &url, Some(&session), &ping).await.status(),
            200
        );
    }
    // 30 subscriptions at once, spread over the three instances, each a read and a
    // write of the one record.
    let subscribing: Vec<_> = (0..30)
        .map(|n| {
            let (client, url, session) = (client.clone(), url.clone(), session.clone());
            tokio::spawn(async move {
                let body = json!({"jsonrpc": "2.0", "id": 100 + n, "method": "resources/subscribe",
                                  "params": {"uri": format!("note://{n}")}});
                post(&client, &url, Some(&session), &body).await.status()
            })
        })
        .collect();
    for subscribed in subscribing {
        assert_eq!(subscribed.await.unwrap(), 200);
    }
    let mut conn = oxmcp::redis::redis::Client::open(redis.url.as_str())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let record: String = oxmcp::redis::redis::cmd("GET")
        .arg(format!("{{oxmcp}}:s:{session}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let record: Value = serde_json::from_str(&record).unwrap();
    let mut kept: Vec<&str> = record["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    kept.sort_unstable();
    let mut asked: Vec<String> = (0..30).map(|n| format!("note://{n}")).collect();
    asked.sort_unstable();
    assert_eq!(kept, asked, "a subscription was lost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_for_the_stream_of_a_dead_instance_waits_for_the_next_get() {
    let redis = Redis::start().await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(Instance::start_with(&redis, &["--bus-liveness-ms", "3000"]).await);
    }
    let url: Vec<String> = instances
        .iter()
        .map(|i| format!("http://{}/mcp", i.addr))
        .collect();
    let client = http();
    let session = initialize(&client, &url[0]).await;
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                           "params": {"uri": "note://1"}});
    assert_eq!(
        post(&client, &url[0], Some(&session), &subscribe)
            .await
            .status(),
        200
    );
    let get = |n: usize| {
        client
            .get(&url[n])
            .header("accept", "text/event-stream")
            .header("mcp-session-id", &session)
            .header("mcp-protocol-version", "2025-11-25")
            .send()
    };
    let standalone = Sse::new(get(1).await.unwrap());
    let ping = json!({"jsonrpc": "2.0", "id": 2, "method": "ping"});
    assert_eq!(
        post(&client, &url[2], Some(&session), &ping).await.status(),
        200
    );
    // The holder of the GET stream dies; once its liveness ran out, a change is kept by
    // the instances that hold the session, for their next GET stream.
    instances[1].kill().await;
    drop(standalone);
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let update = call(
        3,
        "update_note",
        json!({"id": "1", "text": "while 1 is dead"}),
    );
    assert_eq!(
        post(&client, &url[0], Some(&session), &update)
            .await
            .status(),
        200
    );
    // Every instance has heard of the change before the client comes back.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut next = Sse::new(get(2).await.unwrap());
    let got = next.until("notifications/resources/updated").await;
    let updated = got
        .iter()
        .find(|m| m["method"] == "notifications/resources/updated")
        .unwrap();
    assert_eq!(updated["params"]["uri"], "note://1");
}
