//! Sessions shared through a session store: two services on 127.0.0.1 sharing one
//! `MemorySessionStore` (and one event store) behave as one server, with no affinity.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use oxmcp_http::session_store::{BoxFuture, SessionRecord, SessionStoreError};
use oxmcp_http::{
    EventStore, HttpServerConfig, MemoryEventStore, MemorySessionStore, Server, SessionStore,
};
use serde_json::{Value, json};

use crate::support::{Events, init_body, initialize, post, request, start};

/// Two servers sharing `store` and one event store.
async fn pair(store: Arc<dyn SessionStore>) -> (Server, Server, Vec<Arc<crate::support::Seen>>) {
    let events: Arc<dyn EventStore> = Arc::new(MemoryEventStore::default());
    let config = HttpServerConfig::default()
        .with_session_store(Some(store))
        .with_event_store(Some(events));
    let (a, seen_a) = start(config.clone()).await;
    let (b, seen_b) = start(config).await;
    (a, b, vec![seen_a, seen_b])
}

/// DELETE of session `id` at `url`.
async fn delete(url: &str, id: &str) -> reqwest::Response {
    crate::support::http()
        .delete(url)
        .header("mcp-session-id", id)
        .send()
        .await
        .unwrap()
}

async fn json_of(resp: reqwest::Response) -> Value {
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_session_made_on_one_instance_is_served_by_the_other_and_deleted_anywhere() {
    let store = Arc::new(MemorySessionStore::default());
    let (a, b, seen) = pair(store.clone()).await;
    let id = initialize(&a.url(), "2025-11-25").await;
    assert_eq!(store.len(), 1);
    // B never saw an `initialize`: it rebuilds the session from the record.
    let echo = json_of(post(&b.url(), Some(&id), &request(1, "echo", json!({"x": 1}))).await).await;
    assert_eq!(echo["result"]["x"], 1);
    assert_eq!(seen[1].sessions_started.load(Ordering::SeqCst), 1);
    assert_eq!(b.service().session_count(), 1);
    // Rebuilt initialized: a second `initialize` is refused there, as on A.
    let again = post(&b.url(), Some(&id), &init_body("2025-11-25")).await;
    let again: Value = again.json().await.unwrap();
    assert!(
        again["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already initialized")
    );
    // The client's capabilities came along: a request it did not declare (sampling) is
    // refused, one it declared (roots) goes out to it.
    let refused = post(
        &b.url(),
        Some(&id),
        &request(2, "ask_client", json!({"method": "sampling/createMessage"})),
    )
    .await;
    let refused = json_of(refused).await;
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("sampling")
    );
    let asked = post(
        &b.url(),
        Some(&id),
        &request(3, "ask_client", json!({"method": "roots/list"})),
    )
    .await;
    let mut events = Events::new(asked);
    let mut next = async || loop {
        let event = events.next().await.unwrap();
        if event.data.as_deref().is_some_and(|d| !d.is_empty()) {
            return event.json();
        }
    };
    let roots = next().await;
    assert_eq!(roots["method"], "roots/list");
    let answer = json!({"jsonrpc": "2.0", "id": roots["id"], "result": {"roots": []}});
    let accepted = post(&b.url(), Some(&id), &answer.to_string()).await;
    assert_eq!(accepted.status(), 202);
    let result = next().await;
    assert_eq!(result["result"]["answer"]["roots"], json!([]));
    // Both still serve it; a DELETE on B ends it on A too.
    let on_a = post(&a.url(), Some(&id), &request(4, "echo", json!({}))).await;
    assert_eq!(on_a.status(), 200);
    let deleted = delete(&b.url(), &id).await;
    assert_eq!(deleted.status(), 200);
    assert!(store.is_empty());
    for url in [a.url(), b.url()] {
        let gone = post(&url, Some(&id), &request(5, "echo", json!({}))).await;
        assert_eq!(gone.status(), 404, "{url}");
    }
    assert_eq!(a.service().session_count(), 0);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn log_level_and_subscriptions_are_recorded() {
    let store = Arc::new(MemorySessionStore::default());
    let (a, b, _) = pair(store.clone()).await;
    let id = initialize(&a.url(), "2025-11-25").await;
    let level = request(1, "logging/setLevel", json!({"level": "warning"}));
    post(&a.url(), Some(&id), &level).await;
    // The test server declares no resources: the engine refuses the subscription, but the
    // record keeps what the client asked for, as the next instance replays it.
    let sub = request(2, "resources/subscribe", json!({"uri": "file:///a"}));
    post(&b.url(), Some(&id), &sub).await;
    let bytes = store
        .load(&id, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    let record = SessionRecord::decode(&bytes, 1 << 16).unwrap();
    assert_eq!(record.log_level, Some(oxmcp_types::LoggingLevel::Warning));
    assert_eq!(record.subscriptions, ["file:///a"]);
    let unsub = request(3, "resources/unsubscribe", json!({"uri": "file:///a"}));
    post(&a.url(), Some(&id), &unsub).await;
    let bytes = store
        .load(&id, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert!(
        SessionRecord::decode(&bytes, 1 << 16)
            .unwrap()
            .subscriptions
            .is_empty()
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test]
async fn records_are_bounded() {
    let store: Arc<dyn SessionStore> = Arc::new(MemorySessionStore::default());
    let config = HttpServerConfig::default()
        .with_session_store(Some(store))
        .with_max_session_record_bytes(64);
    let (server, _) = start(config).await;
    let resp = post(&server.url(), None, &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(server.service().session_count(), 0);
    server.shutdown().await;
}

/// A store whose backend is down.
#[derive(Debug)]
struct Down;

fn down<T: Send + 'static>() -> BoxFuture<'static, Result<T, SessionStoreError>> {
    Box::pin(async { Err(SessionStoreError("connection refused".into())) })
}

impl SessionStore for Down {
    fn create<'a>(
        &'a self,
        _: &'a str,
        _: Bytes,
        _: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        down()
    }
    fn load<'a>(
        &'a self,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, SessionStoreError>> {
        down()
    }
    fn update<'a>(
        &'a self,
        _: &'a str,
        _: Bytes,
        _: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        down()
    }
    fn replace<'a>(
        &'a self,
        _: &'a str,
        _: Bytes,
        _: Bytes,
        _: Duration,
    ) -> BoxFuture<'a, Result<oxmcp_http::Replaced, SessionStoreError>> {
        down()
    }
    fn touch<'a>(
        &'a self,
        _: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        down()
    }
    fn remove<'a>(&'a self, _: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        down()
    }
}

#[tokio::test]
async fn a_store_that_is_down_gives_503_with_retry_after_and_keeps_nothing() {
    let config = HttpServerConfig::default().with_session_store(Some(Arc::new(Down)));
    let (server, _) = start(config).await;
    let resp = post(&server.url(), None, &init_body("2025-11-25")).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(server.service().session_count(), 0);
    let unknown = post(&server.url(), Some("0123"), &request(1, "echo", json!({}))).await;
    assert_eq!(unknown.status(), 503);
    server.shutdown().await;
}

#[tokio::test]
async fn a_stream_opened_on_one_instance_resumes_on_the_other() {
    let store = Arc::new(MemorySessionStore::default());
    let (a, b, _) = pair(store).await;
    let id = initialize(&a.url(), "2025-11-25").await;
    let resp = post(
        &a.url(),
        Some(&id),
        &request(1, "notify", json!({"count": 5})),
    )
    .await;
    let events = Events::new(resp).rest().await;
    let data: Vec<_> = events
        .iter()
        .filter(|e| e.data.as_deref().is_some_and(|d| !d.is_empty()))
        .collect();
    assert_eq!(data.len(), 6);
    // From the second notification on, on B (which never saw the stream).
    let after = data[1].id.clone().unwrap();
    let resumed = crate::support::get(&b.url(), &id, Some(&after)).await;
    assert_eq!(resumed.status(), 200);
    let rest = Events::new(resumed).rest().await;
    let ids: Vec<_> = rest.iter().filter_map(|e| e.id.clone()).collect();
    let want: Vec<_> = data[2..].iter().map(|e| e.id.clone().unwrap()).collect();
    assert_eq!(ids, want, "lost or repeated events");
    assert_eq!(
        rest.last().unwrap().retry,
        Some(1000),
        "ends with a retry hint"
    );
    // An event id of a stream nobody has: nothing to replay.
    let unknown = crate::support::get(&b.url(), &id, Some("12345-3")).await;
    assert_eq!(unknown.status(), 200);
    assert!(
        Events::new(unknown)
            .rest()
            .await
            .iter()
            .all(|e| e.data.is_none())
    );
    a.shutdown().await;
    b.shutdown().await;
}

/// A memory store that counts its calls; when `contended`, its records always changed
/// meanwhile (another instance keeps changing them): every [`SessionStore::replace`] finds
/// another record.
#[derive(Debug, Default)]
struct Contended {
    store: MemorySessionStore,
    contended: bool,
    replaces: std::sync::atomic::AtomicUsize,
    touches: std::sync::atomic::AtomicUsize,
}

impl Contended {
    fn new(contended: bool) -> Self {
        Self {
            contended,
            ..Self::default()
        }
    }
}

impl SessionStore for Contended {
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        self.store.create(id, record, ttl)
    }
    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, SessionStoreError>> {
        self.store.load(id, ttl)
    }
    fn update<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        self.store.update(id, record, ttl)
    }
    fn replace<'a>(
        &'a self,
        id: &'a str,
        expected: Bytes,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<oxmcp_http::Replaced, SessionStoreError>> {
        self.replaces.fetch_add(1, Ordering::SeqCst);
        if !self.contended {
            return self.store.replace(id, expected, record, ttl);
        }
        Box::pin(async { Ok(oxmcp_http::Replaced::Changed) })
    }
    fn touch<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        self.touches.fetch_add(1, Ordering::SeqCst);
        self.store.touch(id, ttl)
    }
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        self.store.remove(id)
    }
}

#[tokio::test]
async fn a_record_that_keeps_changing_is_retried_then_refused_with_503() {
    let store = Arc::new(Contended::new(true));
    let config = HttpServerConfig::default()
        .with_session_store(Some(store.clone()))
        .with_session_record_attempts(3);
    let (server, _) = start(config).await;
    let id = initialize(&server.url(), "2025-11-25").await;
    let level = request(1, "logging/setLevel", json!({"level": "warning"}));
    let resp = post(&server.url(), Some(&id), &level).await;
    assert_eq!(resp.status(), 503);
    assert!(resp.headers().contains_key("retry-after"));
    assert_eq!(store.replaces.load(Ordering::SeqCst), 3);
    // Nothing of it was kept.
    let bytes = store
        .load(&id, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        SessionRecord::decode(&bytes, 1 << 16).unwrap().log_level,
        None
    );
    server.shutdown().await;
}

/// Calls of one session on `server`, each answered.
async fn calls(server: &Server, id: &str, n: u64) {
    for i in 0..n {
        let resp = post(
            &server.url(),
            Some(id),
            &request(100 + i, "echo", json!({})),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
}

#[tokio::test]
async fn every_request_refreshes_the_session_unless_an_interval_is_set() {
    let store = Arc::new(Contended::new(false));
    let config = HttpServerConfig::default().with_session_store(Some(store.clone()));
    let (every, _) = start(config.clone()).await;
    let id = initialize(&every.url(), "2025-11-25").await;
    calls(&every, &id, 10).await;
    assert!(store.touches.load(Ordering::SeqCst) >= 10);

    let (seldom, _) = start(config.with_session_touch_interval(Duration::from_secs(3600))).await;
    let before = store.touches.load(Ordering::SeqCst);
    let id = initialize(&seldom.url(), "2025-11-25").await;
    calls(&seldom, &id, 10).await;
    // Only the first request after `initialize` (its notification or the first call).
    assert_eq!(store.touches.load(Ordering::SeqCst) - before, 1);
    every.shutdown().await;
    seldom.shutdown().await;
}

#[tokio::test]
async fn the_interval_is_at_most_half_the_idle_timeout() {
    let store = Arc::new(Contended::new(false));
    let config = HttpServerConfig::default()
        .with_session_store(Some(store.clone()))
        .with_idle_timeout(Duration::from_millis(1000))
        .with_session_touch_interval(Duration::from_secs(3600));
    let (server, _) = start(config).await;
    let id = initialize(&server.url(), "2025-11-25").await;
    let before = store.touches.load(Ordering::SeqCst);
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(550)).await;
        calls(&server, &id, 1).await;
    }
    // Each call came more than 500 ms (half the idle timeout) after the last refresh.
    assert_eq!(store.touches.load(Ordering::SeqCst) - before, 3);
    // And the record outlived more than its idle timeout of use.
    assert_eq!(store.store.len(), 1);
    server.shutdown().await;
}

#[tokio::test]
async fn without_a_bus_a_delete_elsewhere_is_seen_at_the_next_refresh() {
    let store = Arc::new(MemorySessionStore::default());
    let interval = Duration::from_secs(2);
    let config = HttpServerConfig::default()
        .with_session_store(Some(store.clone()))
        .with_session_touch_interval(interval);
    let (a, _) = start(config.clone()).await;
    let (b, _) = start(config).await;
    let id = initialize(&a.url(), "2025-11-25").await;
    calls(&a, &id, 1).await;
    let deleted = delete(&b.url(), &id).await;
    assert_eq!(deleted.status(), 200);
    assert!(store.is_empty());
    // A refreshed the session less than an interval ago: it has not asked the store since.
    calls(&a, &id, 1).await;
    tokio::time::sleep(interval + Duration::from_millis(100)).await;
    let gone = post(&a.url(), Some(&id), &request(9, "echo", json!({}))).await;
    assert_eq!(gone.status(), 404);
    assert_eq!(a.service().session_count(), 0);
    a.shutdown().await;
    b.shutdown().await;
}
