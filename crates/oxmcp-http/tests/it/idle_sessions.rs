//! Idle sessions cost no task: the engine takes each POSTed message in the task serving the
//! POST, writes from the task that answers, and handles notifications in a task that exists
//! only while some wait.

use oxmcp_http::HttpServerConfig;

use crate::support::{eventually, initialize, start};

fn alive_tasks() -> usize {
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[tokio::test]
async fn fifty_idle_sessions_add_no_task() {
    let (server, _seen) = start(HttpServerConfig::default()).await;
    let url = server.url();
    // The first session starts the idle reaper; its connections close afterwards.
    initialize(&url, "2025-11-25").await;
    let before = alive_tasks();
    for _ in 0..50 {
        initialize(&url, "2025-11-25").await;
    }
    assert_eq!(server.service().session_count(), 51);
    // Each session ran a task for its `initialized` notification, and each POST a connection
    // task: all of them end, and nothing stays per session.
    eventually(|| alive_tasks() <= before).await;
    server.shutdown().await;
}
