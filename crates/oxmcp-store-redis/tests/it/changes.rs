//! The change feed of `RedisBus::relay_changes` on its own (the scale rig runs it end to
//! end): bounded, expiring, one entry per change; and the holder of a standalone stream
//! named only while it is live.

use std::time::{Duration, Instant};

use oxmcp_core::McpServer;
use oxmcp_http::Bus;
use oxmcp_store_redis::RedisBus;
use oxmcp_store_redis::redis;
use oxmcp_types::Implementation;

use crate::server::RedisServer;
use crate::support::fresh_options;

fn server() -> McpServer {
    McpServer::builder(Implementation::new("changes", "1"))
        .build()
        .unwrap()
}

async fn conn(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_change_feed_is_bounded_expires_and_names_its_origin() {
    let redis_server = RedisServer::start().await;
    let options = fresh_options(&redis_server);
    let bus = RedisBus::connect(&options)
        .await
        .unwrap()
        .with_change_feed_len(100)
        .with_change_queue(2000);
    assert!(!bus.fans_out_changes());
    let mcp = server();
    let reader = bus.relay_changes(&mcp).await.unwrap();
    assert!(bus.fans_out_changes());
    let again = RedisBus::connect(&options).await.unwrap();
    assert!(
        again.relay_changes(&mcp).await.is_err(),
        "one relay per server"
    );
    for n in 0..2000 {
        // All queued at once: the queue holds them until written.
        mcp.notify_resource_updated(&format!("note://{n}"));
    }
    let mut conn = conn(&redis_server).await;
    let feed = format!("{{{}}}:changes", options.prefix);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let newest: Vec<(String, Vec<(String, String)>)> = redis::cmd("XREVRANGE")
            .arg(&feed)
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut conn)
            .await
            .unwrap();
        let fields = newest.first().map(|(_, f)| f.clone()).unwrap_or_default();
        if fields.contains(&("u".to_owned(), "note://1999".to_owned())) {
            assert!(fields.contains(&("o".to_owned(), bus.instance().to_owned())));
            assert!(fields.contains(&("c".to_owned(), "updated".to_owned())));
            break;
        }
        assert!(Instant::now() < deadline, "the last change never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let len: usize = redis::cmd("XLEN")
        .arg(&feed)
        .query_async(&mut conn)
        .await
        .unwrap();
    // `MAXLEN ~` trims whole nodes (100 entries by default): about the bound.
    assert!((100..=300).contains(&len), "{len}");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&feed)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(ttl > 0, "the feed expires: {ttl}");
    // The reader stops with the server.
    drop(mcp);
    tokio::time::timeout(Duration::from_secs(10), reader)
        .await
        .expect("the reader stops once the server is gone")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_holder_of_a_standalone_stream_is_not_named() {
    let redis_server = RedisServer::start().await;
    // Reads of the inbox block for 100 ms: well within B's liveness.
    let options = fresh_options(&redis_server).response_timeout(Duration::from_millis(200));
    let a = RedisBus::connect(&options).await.unwrap();
    let b = RedisBus::connect(&options)
        .await
        .unwrap()
        .with_liveness(Duration::from_millis(600));
    let ttl = Duration::from_secs(60);
    // Not live before its first read of its inbox.
    b.hold_stream("s", ttl).await.unwrap();
    assert_eq!(a.stream_holder("s").await.unwrap(), None);
    assert!(b.receive().await.unwrap().is_empty());
    assert_eq!(
        a.stream_holder("s").await.unwrap().as_deref(),
        Some(b.instance())
    );
    // B stops reading (it died): once its liveness ran out, nobody holds the stream, and
    // whoever has a message for it keeps it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(a.stream_holder("s").await.unwrap(), None);
    assert_eq!(a.stream_holder("nobody").await.unwrap(), None);
}
