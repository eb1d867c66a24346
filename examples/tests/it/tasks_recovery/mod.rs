//! Crash recovery of durable tasks: `everything-server stdio --db <tmp>/tasks.db` gets 100
//! tasks in mixed states through the protocol ([`mix`]), is killed with SIGKILL, and
//! restarts on the same database. Checked ([`checks`]) through the database (opened with
//! `SqliteTaskStore`) and through the protocol (the stdio server gives its tasks one fixed
//! owner, so the new session may read them): every task is still there with its owner,
//! status, createdAt and ttl; results are byte-identical; the interrupted `long_running`
//! tasks resume and complete; the `input_required` ones fail with the interruption message;
//! nothing stays `working`; a short-ttl task expires (and is purged) after the restart.
//! And the HTTP server with `--db` recovers a database before it listens ([`http`]).

mod checks;
mod http;
mod mix;
mod support;

use std::time::Instant;

use oxmcp::sqlite::SqliteTaskStore;

use checks::{
    await_resumed, check_before_kill, check_database_after, check_expiry, check_protocol_after,
};
use mix::{create_mix, record};
use support::{kill_9, start_server, temp_dir};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_and_restart_keeps_every_task() {
    let dir = temp_dir();
    let db = dir.join("tasks.db");

    let first = start_server(&db).await;
    let clock = Instant::now();
    let created = create_mix(&first.client).await;
    eprintln!("100 tasks created and settled in {:?}", clock.elapsed());
    let recorded = record(&first.client, &created).await;
    let store = SqliteTaskStore::open(&db).await.expect("open the database");
    let before = check_before_kill(&store, created, recorded).await;
    eprintln!(
        "recorded (protocol and database) after {:?}",
        clock.elapsed()
    );

    kill_9(first).await;

    let restart = Instant::now();
    let second = start_server(&db).await;
    eprintln!(
        "restarted, recovered and initialized in {:?}",
        restart.elapsed()
    );
    check_database_after(&store, &before).await;
    check_protocol_after(&second.client, &before).await;
    await_resumed(&second.client, &store, &before).await;
    eprintln!(
        "the 15 resumed tasks completed {:?} after the restart",
        restart.elapsed()
    );
    check_expiry(&second.client, &store, &before).await;

    second.client.close().await;
    let status = second.child.shutdown().await.unwrap();
    assert!(status.success(), "{status}");
    let stderr = second.child.stderr().unwrap_or_default();
    assert!(
        stderr.contains("15 resumed, 9 failed as interrupted"),
        "the recovery summary: {stderr}"
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}
