//! A Redis Cluster of three primaries on 127.0.0.1, each owning a third of the slots: the
//! stores run their scripts on the node of their prefix's slot, and pass the same checks
//! as on one Redis.

use std::time::{Duration, Instant};

use bytes::Bytes;
use oxmcp_http::{EventId, EventStore};
use oxmcp_store_redis::{RedisEventStore, RedisOptions, RedisTaskStore};
use oxmcp_tasks::store_contract as c;

use crate::server::{RedisServer, free_port};

/// Three cluster nodes, their slots assigned, met and agreeing that the cluster is up.
struct RedisCluster {
    nodes: Vec<RedisServer>,
}

async fn command(url: &str, args: &[&str]) -> String {
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    let value: redis::Value = cmd.query_async(&mut conn).await.unwrap();
    match value {
        redis::Value::BulkString(bytes) => String::from_utf8(bytes).unwrap(),
        redis::Value::VerbatimString { text, .. } => text,
        redis::Value::Int(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

impl RedisCluster {
    async fn start() -> Self {
        let mut nodes = Vec::new();
        let mut bus_ports = Vec::new();
        for _ in 0..3 {
            let bus = free_port().to_string();
            let args = [
                "--save",
                "",
                "--appendonly",
                "no",
                "--cluster-enabled",
                "yes",
            ];
            let node = RedisServer::start_with(
                &[
                    &args[..],
                    &["--cluster-port", &bus, "--cluster-node-timeout", "2000"],
                ]
                .concat(),
            )
            .await;
            nodes.push(node);
            bus_ports.push(bus);
        }
        let ranges = [("0", "5460"), ("5461", "10922"), ("10923", "16383")];
        for (node, (from, to)) in nodes.iter().zip(ranges) {
            command(&node.url(), &["CLUSTER", "ADDSLOTSRANGE", from, to]).await;
        }
        for (node, bus) in nodes.iter().zip(&bus_ports).skip(1) {
            let port = node.port().to_string();
            command(
                &nodes[0].url(),
                &["CLUSTER", "MEET", "127.0.0.1", &port, bus],
            )
            .await;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        for node in &nodes {
            loop {
                let info = command(&node.url(), &["CLUSTER", "INFO"]).await;
                if info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the cluster did not come up: {info}"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Self { nodes }
    }

    fn options(&self, prefix: &str) -> RedisOptions {
        RedisOptions::cluster(self.nodes.iter().map(RedisServer::url)).prefix(prefix)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_task_store_contract_holds_on_a_cluster() {
    let cluster = RedisCluster::start().await;
    let counter = std::sync::atomic::AtomicU64::new(0);
    c::run_all(&|| {
        // Prefixes spread over the three nodes' slots.
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let options = cluster.options(&format!("cluster-test-{n}"));
        async move { RedisTaskStore::connect(&options).await.expect("connect") }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_store_works_on_a_cluster() {
    let cluster = RedisCluster::start().await;
    let prefixes = ["a", "b", "c", "d", "e", "f"];
    let mut thirds = std::collections::BTreeSet::new();
    for prefix in prefixes {
        let key = format!("{{{prefix}}}:e:s:1");
        let slot = command(&cluster.nodes[0].url(), &["CLUSTER", "KEYSLOT", &key]).await;
        thirds.insert(
            slot.trim_start_matches("int(")
                .trim_end_matches(')')
                .parse::<u32>()
                .unwrap()
                / 5461,
        );
    }
    assert_eq!(thirds.len(), 3, "the prefixes land on every node");
    for prefix in prefixes {
        let options = cluster.options(prefix);
        let store = RedisEventStore::connect(&options)
            .await
            .unwrap()
            .with_max_events(3);
        for seq in 1..=5 {
            let message = Bytes::from(format!("{prefix}{seq}"));
            store
                .append("s", EventId::new(1, seq), message)
                .await
                .unwrap();
        }
        let kept = store.replay("s", 1, 0).await.unwrap();
        assert_eq!(kept.iter().map(|e| e.0).collect::<Vec<_>>(), [3, 4, 5]);
        store.remove_session("s").await;
        assert!(store.replay("s", 1, 0).await.unwrap().is_empty());
    }
}
