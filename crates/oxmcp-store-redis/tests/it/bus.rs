//! The `RedisBus` and the `RedisSessionStore` on their own: bounds and TTLs.

use std::time::Duration;

use bytes::Bytes;
use oxmcp_http::{Bus, Delivery, Envelope, Replaced, SessionStore};
use oxmcp_store_redis::redis;
use oxmcp_store_redis::{RedisBus, RedisSessionStore};

use crate::server::RedisServer;
use crate::support::fresh_options;

async fn redis_conn(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inboxes_are_bounded_expire_and_broadcasts_skip_the_sender() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let a = RedisBus::connect(&options)
        .await
        .unwrap()
        .with_inbox_len(100);
    let b = RedisBus::connect(&options).await.unwrap();
    assert!(b.receive().await.unwrap().is_empty());
    let envelope = |n: usize| Envelope::new("s", Delivery::Unrelated, Bytes::from(n.to_string()));
    for n in 0..2000 {
        a.send(b.instance(), envelope(n)).await.unwrap();
    }
    let mut conn = redis_conn(&server).await;
    let inbox = format!("{{{}}}:in:{}", options.prefix, b.instance());
    let len: usize = redis::cmd("XLEN")
        .arg(&inbox)
        .query_async(&mut conn)
        .await
        .unwrap();
    // `MAXLEN ~` trims whole nodes (100 entries by default): about the bound, never 2,000.
    assert!((100..=300).contains(&len), "{len}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&inbox)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0, "the inbox expires: {ttl}");
    // B reads what is left, oldest first; the newest is there.
    let mut got = Vec::new();
    while got.len() < len {
        got.extend(b.receive().await.unwrap());
    }
    assert_eq!(got.last().unwrap().message, Bytes::from("1999"));
    // A broadcast reaches B, not A.
    a.broadcast(Envelope::new("s", Delivery::Cancelled, "{}".into()))
        .await
        .unwrap();
    let at_b = b.receive().await.unwrap();
    assert_eq!(at_b.len(), 1);
    assert_eq!(at_b[0].delivery, Delivery::Cancelled);
    assert!(a.receive().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_stops_beating_is_not_broadcast_to() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let a = RedisBus::connect(&options).await.unwrap();
    let b = RedisBus::connect(&options)
        .await
        .unwrap()
        .with_liveness(Duration::from_millis(100));
    // B joins by reading its inbox once, then never again (it died): after its liveness,
    // A skips it.
    assert!(b.receive().await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.broadcast(Envelope::new("s", Delivery::Cancelled, "{}".into()))
        .await
        .unwrap();
    let mut conn = redis_conn(&server).await;
    let inbox = format!("{{{}}}:in:{}", options.prefix, b.instance());
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&inbox)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(exists, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_records_are_bounded_expire_and_are_replaced_atomically() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let store = RedisSessionStore::connect(&options)
        .await
        .unwrap()
        .with_max_record_bytes(16);
    let ttl = Duration::from_millis(300);
    assert!(
        store
            .create("s", Bytes::from(vec![b'x'; 17]), ttl)
            .await
            .is_err()
    );
    store.create("s", "{}".into(), ttl).await.unwrap();
    assert!(store.touch("s", ttl).await.unwrap());
    assert!(store.update("s", "{\"a\":1}".into(), ttl).await.unwrap());
    assert_eq!(
        store.load("s", ttl).await.unwrap().as_deref(),
        Some(&b"{\"a\":1}"[..])
    );
    // Compare and set: only over the expected record, and within the bound.
    let replace = |expected: &'static str, record: &'static str| {
        store.replace("s", expected.into(), record.into(), ttl)
    };
    assert_eq!(replace("{}", "{\"b\":1}").await.unwrap(), Replaced::Changed);
    assert!(
        replace("{\"a\":1}", "{\"b\":22222222222222}")
            .await
            .is_err()
    );
    assert_eq!(
        replace("{\"a\":1}", "{\"b\":1}").await.unwrap(),
        Replaced::Done
    );
    assert_eq!(
        store.load("s", ttl).await.unwrap().as_deref(),
        Some(&b"{\"b\":1}"[..])
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.load("s", ttl).await.unwrap(), None);
    assert_eq!(replace("{\"b\":1}", "{}").await.unwrap(), Replaced::Missing);
    assert!(!store.update("s", "{}".into(), ttl).await.unwrap());
    store.create("t", "{}".into(), ttl).await.unwrap();
    store.remove("t").await.unwrap();
    assert!(!store.touch("t", ttl).await.unwrap());
}
