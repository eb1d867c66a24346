//! Server changes fanned out to every instance: a resource updated, or the tool list
//! changed, on one instance reaches the `subscriptions/listen` stream (2026-07-28) that
//! another instance holds, and the standalone GET stream of a subscribed 2025-11-25
//! session that another instance holds, once, even when the instance where the change
//! happened never served that session; and, when the instance holding that GET stream
//! died, kept for the client's next GET stream instead of sent to the dead instance.
//! Concurrent changes of one session's record on several instances are all kept.

use std::time::Duration;

use serde_json::{Value, json};

use super::client::{Sse, call, get_stream, http, initialize, modern, post, post_modern};
use super::rig::{Instance, Proxy, Redis};

const SUBSCRIPTION_ID: &str = "io.modelcontextprotocol/subscriptionId";

/// Subscribes `session` to `uri` through `url`.
async fn subscribe(client: &reqwest::Client, url: &str, session: &str, uri: &str) {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": "resources/subscribe",
                      "params": {"uri": uri}});
    let resp = post(client, url, Some(session), &body).await;
    assert_eq!(resp.status(), 200, "subscribe to {uri}");
}

/// Pings `session` through `url` (the instance there then holds the session).
async fn ping(client: &reqwest::Client, url: &str, session: &str, id: u64) {
    let body = json!({"jsonrpc": "2.0", "id": id, "method": "ping"});
    assert_eq!(post(client, url, Some(session), &body).await.status(), 200);
}

fn count(messages: &[Value], method: &str) -> usize {
    messages.iter().filter(|m| m["method"] == method).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_on_one_instance_reach_the_streams_the_others_hold_once() {
    let redis = Redis::start().await;
    let instances = Instance::three(&redis, &[]).await;
    let url: Vec<String> = instances.iter().map(Instance::url).collect();
    let client = http();

    // A listen stream on instance 1.
    let filter = json!({"toolsListChanged": true, "resourceSubscriptions": ["note://1"]});
    let listen = modern(7, "subscriptions/listen", json!({"notifications": filter}));
    let mut listening = Sse::new(post_modern(&client, &url[1], &listen).await);
    let ack = listening
        .until_method("notifications/subscriptions/acknowledged")
        .await;
    assert_eq!(ack[0]["params"]["notifications"], filter);

    // A 2025-11-25 session served by instances 0 and 1 only, subscribed to note://1
    // through 0, its GET stream on 1.
    let session = initialize(&client, &url[0]).await;
    subscribe(&client, &url[0], &session, "note://1").await;
    let mut standalone = Sse::new(get_stream(&client, &url[1], &session, None).await);
    ping(&client, &url[0], &session, 2).await;

    // Instance 2, which never saw the session, changes the note (a 2026-07-28 call).
    let update = modern(
        3,
        "tools/call",
        json!({"name": "update_note", "arguments": {"id": "1", "text": "changed on 2"}}),
    );
    assert_eq!(post_modern(&client, &url[2], &update).await.status(), 200);
    let heard = listening
        .until_method("notifications/resources/updated")
        .await;
    let updated = heard.last().unwrap();
    assert_eq!(updated["params"]["uri"], "note://1");
    assert_eq!(updated["params"]["_meta"][SUBSCRIPTION_ID], 7);
    let mut got = standalone
        .until_method("notifications/resources/updated")
        .await;
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
    let heard = listening
        .until_method("notifications/tools/list_changed")
        .await;
    assert_eq!(heard.last().unwrap()["params"]["_meta"][SUBSCRIPTION_ID], 7);
    let mut got = standalone
        .until_method("notifications/tools/list_changed")
        .await;
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
    let instances = Instance::three(&redis, &[]).await;
    let proxy = Proxy::start(&instances).await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    // Every instance holds the session before the race.
    for id in 1..=3 {
        ping(&client, &url, &session, id).await;
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
    let record: String = oxmcp::redis::redis::cmd("GET")
        .arg(Redis::record_key(&session))
        .query_async(&mut redis.connection().await)
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
    let mut instances = Instance::three(&redis, &["--bus-liveness-ms", "3000"]).await;
    let url: Vec<String> = instances.iter().map(Instance::url).collect();
    let client = http();
    let session = initialize(&client, &url[0]).await;
    subscribe(&client, &url[0], &session, "note://1").await;
    let standalone = Sse::new(get_stream(&client, &url[1], &session, None).await);
    ping(&client, &url[2], &session, 2).await;
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
    let mut next = Sse::new(get_stream(&client, &url[2], &session, None).await);
    let got = next.until_method("notifications/resources/updated").await;
    assert_eq!(got.last().unwrap()["params"]["uri"], "note://1");
}
