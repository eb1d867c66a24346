//! The official TypeScript SDK's everything client through the proxy, unaware of the
//! three instances behind it (features `interop` and `redis-tests`).

use super::cluster;
use crate::everything::run;
use crate::interop::{node_ready, repo};

/// The checks that need the example server's own state in one process, which its
/// instances do not share (the demo account `connect_account` connects, the extra tool
/// `toggle_extras` adds): application state, not protocol state, so not in the stores.
const PER_PROCESS: [&str; 2] = ["url_elicitation_required", "list_changed"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typescript_sdk_client_through_the_proxy() {
    node_ready();
    let (_redis, _instances, proxy) = cluster().await;
    let script = repo().join("interop/ts/everything-client.mjs");
    let script = script.to_string_lossy().into_owned();
    let (_, stdout, stderr) = run("node", &[&script, "--url", &proxy.url()]).await;
    let per_process = |line: &str| {
        PER_PROCESS
            .iter()
            .any(|c| line.contains(&format!("\"check\":\"{c}\"")))
    };
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"ok\":false") && !per_process(l))
        .collect();
    assert!(failed.is_empty(), "failed: {failed:#?}\n{stdout}\n{stderr}");
    let passed = stdout.lines().filter(|l| l.contains("\"ok\":true")).count();
    assert_eq!(passed, 20 - PER_PROCESS.len(), "{stdout}");
}
