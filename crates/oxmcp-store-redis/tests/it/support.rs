//! Stores on a test's own Redis, each under a fresh prefix (so each is empty).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use oxmcp_store_redis::{RedisEventStore, RedisOptions, RedisTaskStore};

use crate::server::RedisServer;

static PREFIXES: AtomicU64 = AtomicU64::new(0);

/// Options for `server` under a prefix not used before in this test binary.
pub(crate) fn fresh_options(server: &RedisServer) -> RedisOptions {
    let n = PREFIXES.fetch_add(1, Ordering::Relaxed);
    RedisOptions::new(server.url())
        .prefix(format!("test{n}"))
        .reconnect(Duration::from_millis(200), 2)
        .connect_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_secs(2))
}

/// A task store on `server` under `options`.
pub(crate) async fn task_store(options: &RedisOptions) -> RedisTaskStore {
    RedisTaskStore::connect(options)
        .await
        .expect("connect the task store")
}

/// An event store on `server` under `options`.
pub(crate) async fn event_store(options: &RedisOptions) -> RedisEventStore {
    RedisEventStore::connect(options)
        .await
        .expect("connect the event store")
}
