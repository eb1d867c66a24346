//! The event store on Redis Streams: what one instance appends, another replays; bounded
//! per stream and in the number of streams; gone with the session, or after its TTL.

use std::time::Duration;

use bytes::Bytes;
use oxmcp_http::{EventId, EventStore};
use oxmcp_store_redis::redis;

use crate::server::RedisServer;
use crate::support::{event_store, fresh_options};

fn seqs(events: &[(u64, Bytes)]) -> Vec<u64> {
    events.iter().map(|e| e.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_written_by_one_instance_resumes_on_another() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let (a, b) = (event_store(&options).await, event_store(&options).await);
    for seq in 1..=5 {
        let message = Bytes::from(format!(
            r#"{{"jsonrpc":"2.0","method":"m","params":{{"n":{seq}}}}}"#
        ));
        a.append("s1", EventId::new(7, seq), message).await.unwrap();
    }
    a.append("s1", EventId::new(8, 1), Bytes::from("other stream"))
        .await
        .unwrap();
    a.append("s2", EventId::new(7, 1), Bytes::from("other session"))
        .await
        .unwrap();
    let all = b.replay("s1", 7, 0).await.unwrap();
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    assert_eq!(
        all[2].1,
        r#"{"jsonrpc":"2.0","method":"m","params":{"n":3}}"#
    );
    let rest = b.replay("s1", 7, 3).await.unwrap();
    assert_eq!(seqs(&rest), [4, 5]);
    assert!(b.replay("s1", 7, 5).await.unwrap().is_empty());
    assert!(
        b.replay("s1", 9, 0).await.unwrap().is_empty(),
        "unknown stream"
    );
    assert!(
        b.replay("nope", 7, 0).await.unwrap().is_empty(),
        "unknown session"
    );
    // An append retried (its first try reached Redis) adds nothing.
    a.append("s1", EventId::new(7, 5), Bytes::from("again"))
        .await
        .unwrap();
    let all = b.replay("s1", 7, 0).await.unwrap();
    assert_eq!(seqs(&all), [1, 2, 3, 4, 5]);
    assert_ne!(all[4].1, "again");
    // Binary-safe.
    let odd = Bytes::from(vec![0u8, 255, b'\n', b'"']);
    a.append("s3", EventId::new(1, 1), odd.clone())
        .await
        .unwrap();
    assert_eq!(b.replay("s3", 1, 0).await.unwrap(), [(1, odd)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_stream_keeps_its_newest_events_and_a_gap_is_visible() {
    let server = RedisServer::start().await;
    let store = event_store(&fresh_options(&server))
        .await
        .with_max_events(3);
    for seq in 1..=10 {
        store
            .append("s", EventId::new(1, seq), Bytes::from("x"))
            .await
            .unwrap();
    }
    // The server sees that 1..=7 are missing after 0 (410 Gone), not a silent gap.
    assert_eq!(seqs(&store.replay("s", 1, 0).await.unwrap()), [8, 9, 10]);
    assert_eq!(seqs(&store.replay("s", 1, 8).await.unwrap()), [9, 10]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_keeps_at_most_its_number_of_streams_dropping_the_least_recent() {
    let server = RedisServer::start().await;
    let store = event_store(&fresh_options(&server))
        .await
        .with_max_streams(3);
    for session in ["a", "b", "c", "d"] {
        store
            .append(session, EventId::new(1, 1), Bytes::from("x"))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    assert!(
        store.replay("a", 1, 0).await.unwrap().is_empty(),
        "the oldest dropped"
    );
    for session in ["b", "c", "d"] {
        assert_eq!(
            store.replay(session, 1, 0).await.unwrap().len(),
            1,
            "{session}"
        );
    }
    // Appending to a stream makes it recent again.
    store
        .append("b", EventId::new(1, 2), Bytes::from("y"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(3)).await;
    store
        .append("e", EventId::new(1, 1), Bytes::from("x"))
        .await
        .unwrap();
    assert!(store.replay("c", 1, 0).await.unwrap().is_empty());
    assert_eq!(store.replay("b", 1, 0).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_go_with_their_session_and_expire_after_its_ttl() {
    let server = RedisServer::start().await;
    let options = fresh_options(&server);
    let store = event_store(&options).await;
    for stream in 1..=3 {
        store
            .append("ended", EventId::new(stream, 1), Bytes::from("x"))
            .await
            .unwrap();
    }
    store
        .append("kept", EventId::new(1, 1), Bytes::from("x"))
        .await
        .unwrap();
    store.remove_session("ended").await;
    for stream in 1..=3 {
        assert!(store.replay("ended", stream, 0).await.unwrap().is_empty());
    }
    assert_eq!(store.replay("kept", 1, 0).await.unwrap().len(), 1);

    // Every key has a TTL.
    let mut conn = redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{{{}}}:*", options.prefix))
        .query(&mut conn)
        .unwrap();
    assert!(keys.len() >= 3, "{keys:?}");
    for key in keys {
        let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut conn).unwrap();
        assert!(ttl > 0, "{key} has no TTL ({ttl})");
    }

    let short = event_store(&options)
        .await
        .with_session_ttl(Duration::from_millis(200));
    short
        .append("brief", EventId::new(1, 1), Bytes::from("x"))
        .await
        .unwrap();
    assert_eq!(short.replay("brief", 1, 0).await.unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        short.replay("brief", 1, 0).await.unwrap().is_empty(),
        "expired"
    );
}
