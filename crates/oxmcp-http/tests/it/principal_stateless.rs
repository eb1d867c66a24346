//! Two principals on a stateless server: nothing is shared between them. Each POST is its
//! own short-lived session, so a session id names nothing (none is issued, one sent is no
//! key to anything, GET and DELETE have no session to reach); each request runs as its own
//! caller even when the two interleave; a task belongs to the principal that created it,
//! outlives the POST that created it, and stays private to its owner.

use futures_util::future::join_all;
use oxmcp_http::HttpServerConfig;
use serde_json::{Value, json};

use crate::context::{post_as, start};
use crate::support::*;

/// The JSON answer to one stateless request of `who`, sent with `session` as its session id.
async fn ask(url: &str, who: &str, session: Option<&str>, method: &str, params: Value) -> Value {
    let resp = post_as(url, Some(who), session, &[], &request(9, method, params)).await;
    assert_eq!(resp.status(), 200, "{method} as {who}");
    assert!(resp.headers().get("mcp-session-id").is_none());
    resp.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stateless_principals_share_no_session_and_no_task() {
    let (running, server) = start(HttpServerConfig::default().with_stateless(true)).await;
    let url = running.url();

    // Interleaved calls each see their own caller.
    let calls = (0..40).map(|i| {
        let who = if i % 2 == 0 { "alice" } else { "bob" };
        let url = url.clone();
        async move {
            let answer = ask(&url, who, None, "tools/call", json!({"name": "whoami"})).await;
            (who, answer["result"]["content"][0]["text"].clone())
        }
    });
    for (who, text) in join_all(calls).await {
        assert_eq!(text, format!("{who}|https://issuer.test|-|true"));
    }

    // Alice's task, created by one POST.
    let call = json!({"name": "slow", "task": {"ttl": 60000}});
    let created = ask(&url, "alice", None, "tools/call", call).await;
    let task_id = created["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("{created}"))
        .to_owned();
    let get = json!({ "taskId": task_id });

    // Bob sees none of it, whatever session id he names (here alice's task id, as a guess).
    for session in [None, Some(task_id.as_str())] {
        let listed = ask(&url, "bob", session, "tasks/list", json!({})).await;
        assert_eq!(listed["result"]["tasks"], json!([]), "{listed}");
        for method in ["tasks/get", "tasks/result", "tasks/cancel"] {
            let foreign = ask(&url, "bob", session, method, get.clone()).await;
            assert_eq!(foreign["error"]["code"], -32602, "{method}: {foreign}");
        }
    }

    // Alice reads it from later POSTs: the task outlived the POST that created it.
    let own = ask(&url, "alice", None, "tasks/get", get.clone()).await;
    assert_eq!(own["result"]["taskId"], task_id, "{own}");
    let result = ask(&url, "alice", None, "tasks/result", get).await;
    assert_eq!(result["result"]["content"][0]["text"], "slow done");
    let listed = ask(&url, "alice", None, "tasks/list", json!({})).await;
    assert_eq!(listed["result"]["tasks"][0]["taskId"], task_id);

    // No session to reach by GET or DELETE, for anyone; none left behind.
    for who in ["alice", "bob"] {
        let get = http()
            .get(&url)
            .header("authorization", format!("Bearer {who}"))
            .header("accept", "text/event-stream")
            .header("mcp-session-id", "any")
            .send()
            .await
            .unwrap();
        assert_eq!(get.status(), 405);
        let delete = http()
            .delete(&url)
            .header("authorization", format!("Bearer {who}"))
            .header("mcp-session-id", "any")
            .send()
            .await
            .unwrap();
        assert_eq!(delete.status(), 405);
    }
    assert_eq!(running.service().session_count(), 0);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while server.session_count() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(server.session_count(), 0);
    running.shutdown().await;
}
