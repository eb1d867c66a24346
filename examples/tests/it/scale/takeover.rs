//! A task whose instance is killed (SIGKILL) is taken over by another one once its lease
//! ran out, as `TaskEngine::recover` says: a resumable tool (`long_running`) runs again
//! from its stored arguments and completes; any other (`confirm_task`, waiting for its
//! elicitation) ends `failed` as interrupted. The client, polling through the proxy, sees
//! both outcomes.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::client::{call, http, initialize, messages, post};
use super::rig::{Instance, Proxy, Redis};

/// The task lease of the instances: short, so that a takeover comes within seconds.
const LEASE_MS: &str = "1500";

/// How long `long_running` works.
const WORK_SECONDS: f64 = 2.0;

/// Makes a task of `tool` with `arguments` on the instance at `url` (not through the
/// proxy: both tasks must run on the instance the test kills); returns its id.
async fn create(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    id: u64,
    tool: &str,
    arguments: Value,
) -> String {
    let mut body = call(id, tool, arguments);
    body["params"]["task"] = json!({"ttl": 120_000});
    let created = messages(post(client, url, Some(session), &body).await).await;
    created[0]["result"]["task"]["taskId"]
        .as_str()
        .unwrap_or_else(|| panic!("no task: {created:?}"))
        .to_owned()
}

/// `tasks/get` of `task` through `url`.
async fn get(client: &reqwest::Client, url: &str, session: &str, task: &str) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 100, "method": "tasks/get",
                      "params": {"taskId": task}});
    let got = messages(post(client, url, Some(session), &body).await).await;
    got[0]["result"].clone()
}

/// Polls `task` through `url` until it leaves `working`/`input_required`; its last state.
async fn settled(client: &reqwest::Client, url: &str, session: &str, task: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let task_state = get(client, url, session, task).await;
        match task_state["status"].as_str() {
            Some("working" | "input_required") => {}
            Some(_) => return task_state,
            None => panic!("tasks/get failed: {task_state:?}"),
        }
        assert!(Instant::now() < deadline, "still {task_state:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tasks_of_a_killed_instance_are_taken_over_by_lease() {
    let redis = Redis::start().await;
    let mut instances = Instance::three(&redis, &["--task-lease-ms", LEASE_MS]).await;
    let proxy = Proxy::start(&instances).await;
    let client = http();
    let url = proxy.url();
    let session = initialize(&client, &url).await;
    let doomed = instances[0].url();
    let work = json!({"seconds": WORK_SECONDS});
    let resumable = create(&client, &doomed, &session, 1, "long_running", work).await;
    let confirm = json!({"action": "deploy"});
    let waiting = create(&client, &doomed, &session, 2, "confirm_task", confirm).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(&client, &url, &session, &waiting).await["status"] != "input_required" {
        assert!(Instant::now() < deadline, "confirm_task never asked");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The first task has worked for a moment on instance 0, which dies.
    tokio::time::sleep(Duration::from_millis(500)).await;
    instances[0].kill().await;
    proxy.down(0);
    let killed = Instant::now();
    let done = settled(&client, &url, &session, &resumable).await;
    assert_eq!(done["status"], "completed", "{done:?}");
    // It ran again from its start elsewhere: the lease had to run out first (it was
    // renewed every 500 ms), then the whole work again.
    let took = killed.elapsed();
    assert!(
        took >= Duration::from_millis(2500),
        "completed {took:?} after the kill: not run again"
    );
    let body = json!({"jsonrpc": "2.0", "id": 101, "method": "tasks/result",
                      "params": {"taskId": resumable}});
    let result = messages(post(&client, &url, Some(&session), &body).await).await;
    assert_eq!(
        result[0]["result"]["content"][0]["text"], "worked for 2.0 s in 8 steps",
        "{result:?}"
    );
    // Not resumable: failed, saying why, and tasks/result says the same.
    let failed = settled(&client, &url, &session, &waiting).await;
    assert_eq!(failed["status"], "failed", "{failed:?}");
    assert_eq!(
        failed["statusMessage"],
        "interrupted: the server stopped while the task was running"
    );
    let body = json!({"jsonrpc": "2.0", "id": 102, "method": "tasks/result",
                      "params": {"taskId": waiting}});
    let result = messages(post(&client, &url, Some(&session), &body).await).await;
    assert_eq!(result[0]["error"]["code"], -32603, "{result:?}");
}
