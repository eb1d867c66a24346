//! Interop of tasks: the official TypeScript SDK client (`client.experimental.tasks`) and
//! the official Python SDK client (`session.experimental`) drive the task tools of the
//! oxmcp everything server, over stdio (`everything-server stdio`) and over Streamable
//! HTTP (the server in this process on 127.0.0.1). The oxmcp client driving the task tool
//! of the official TypeScript everything server is in `everything_interop`.

use std::path::PathBuf;

use serde_json::Value;

use super::everything::run;
use super::interop::{node_ready, python, repo};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// The checks of `interop/ts/tasks-client.mjs`, in order.
const TS_CHECKS: [&str; 8] = [
    "initialize",
    "tools/list taskSupport",
    "long_running",
    "input_required (confirm_task)",
    "failed (failing_task)",
    "cancel",
    "taskSupport rules",
    "tasks/list",
];

/// The checks of `interop/python/tasks_client.py`, in order.
const PY_CHECKS: [&str; 6] = [
    "initialize",
    "long_running",
    "input_required (confirm_task)",
    "failed (failing_task)",
    "cancel",
    "tasks/list",
];

/// Runs `program script target...` and checks that it reported exactly `checks`, all ok.
async fn run_client(program: PathBuf, script: &str, target: &[&str], checks: &[&str]) {
    let program = program.to_string_lossy().into_owned();
    let script = repo().join(script).to_string_lossy().into_owned();
    let mut args = vec![script.as_str()];
    args.extend_from_slice(target);
    let (ok, stdout, stderr) = run(&program, &args).await;
    let reported: Vec<(String, bool)> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|v| {
            let name = v["check"].as_str().unwrap_or_default().to_owned();
            (name, v["ok"] == Value::Bool(true))
        })
        .collect();
    let names: Vec<&str> = reported.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, checks, "{script}:\n{stdout}\n{stderr}");
    let failed: Vec<&str> = reported
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        ok && failed.is_empty(),
        "{script} failed {failed:?}:\n{stdout}\n{stderr}"
    );
}

/// Serves the everything server on 127.0.0.1 (a free port) while `f` runs with its URL.
async fn over_http<F, Fut>(f: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let (server, _state) = oxmcp_examples::everything_server::build().expect("the server builds");
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    let http = oxmcp::http::serve(addr, move |t| server.serve(t))
        .await
        .expect("bind 127.0.0.1");
    f(http.url()).await;
    http.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_tasks_client_over_stdio() {
    node_ready();
    let target = ["--", SERVER, "stdio"];
    run_client(
        PathBuf::from("node"),
        "interop/ts/tasks-client.mjs",
        &target,
        &TS_CHECKS,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_tasks_client_over_http() {
    node_ready();
    over_http(|url| async move {
        run_client(
            PathBuf::from("node"),
            "interop/ts/tasks-client.mjs",
            &[&url],
            &TS_CHECKS,
        )
        .await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_tasks_client_over_stdio() {
    let target = ["--", SERVER, "stdio"];
    run_client(
        python(),
        "interop/python/tasks_client.py",
        &target,
        &PY_CHECKS,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_sdk_tasks_client_over_http() {
    over_http(|url| async move {
        run_client(
            python(),
            "interop/python/tasks_client.py",
            &[&url],
            &PY_CHECKS,
        )
        .await;
    })
    .await;
}
