//! The changes of a scaled-out server (list changes, resource updates), fanned out to
//! every instance through one Redis stream, so that a client hears of a change made on
//! any instance on the stream it holds, wherever that is (see [`RedisBus::relay_changes`]).

use std::sync::atomic::Ordering;
use std::time::Duration;

use oxmcp_core::server::{McpServer, ServerChange, WeakMcpServer};
use tokio::sync::mpsc;

use crate::bus::RedisBus;
use crate::connection::RedisConnection;
use crate::error::RedisStoreError;

/// The default bound on the changes kept in the stream (`MAXLEN ~`): an instance that falls
/// further behind than that (cut off from Redis meanwhile) misses the oldest.
pub const DEFAULT_CHANGE_FEED_LEN: usize = 1000;
/// The default bound on the changes made here that wait to be written to Redis; past it
/// a change is not relayed (with a warning): the other instances' clients see it on their
/// next list or read.
pub const DEFAULT_CHANGE_QUEUE: usize = 1024;

/// How long the reader waits after a failed read before the next.
const RETRY: Duration = Duration::from_millis(500);

/// One change on the wire: its kind and, for an update, the resource's URI.
fn encode(change: &ServerChange) -> Option<(&'static str, &str)> {
    Some(match change {
        ServerChange::ToolListChanged => ("tools", ""),
        ServerChange::PromptListChanged => ("prompts", ""),
        ServerChange::ResourceListChanged => ("resources", ""),
        ServerChange::ResourceUpdated(uri) => ("updated", uri.as_str()),
        _ => return None,
    })
}

fn decode(kind: &str, uri: String) -> Option<ServerChange> {
    Some(match kind {
        "tools" => ServerChange::ToolListChanged,
        "prompts" => ServerChange::PromptListChanged,
        "resources" => ServerChange::ResourceListChanged,
        "updated" => ServerChange::ResourceUpdated(uri),
        _ => return None,
    })
}

/// Queues `change` for the writer; false (and a warning) when `queue` is full or closed.
fn enqueue(queue: &mpsc::Sender<ServerChange>, change: &ServerChange) -> bool {
    match queue.try_send(change.clone()) {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, method = change.method(), "a server change was not relayed to the other instances");
            false
        }
    }
}

impl RedisBus {
    /// Fans the changes of `server` out to every instance: each change made here
    /// ([`McpServer::relay_changes`]) is added to the stream `{prefix}:changes` (`MAXLEN ~`
    /// [`with_change_feed_len`](Self::with_change_feed_len), expiring when nothing is
    /// written to it), which every instance reads (`XREAD BLOCK`, on a connection of its
    /// own) and applies to its own sessions and `subscriptions/listen` streams
    /// ([`McpServer::apply_change`]). One `XADD` per change, whatever the number of
    /// instances. From then on the bus says it fans out changes
    /// ([`Bus::fans_out_changes`](oxmcp_http::Bus::fans_out_changes)), so that the HTTP
    /// layer leaves the notification of a change to a session to the instance that holds
    /// the session's standalone stream.
    ///
    /// Call it once per server, before serving, on every instance. Returns the reader's
    /// task, which stops when the server is dropped (or when aborted). Fails when the
    /// server relays its changes elsewhere already, or the reader cannot connect.
    pub async fn relay_changes(
        &self,
        server: &McpServer,
    ) -> Result<tokio::task::JoinHandle<()>, RedisStoreError> {
        let reader = self.inner.options.connect().await?;
        let start = self.last_change().await?;
        let (queue, mut changes) = mpsc::channel(self.inner.change_queue);
        if !server.relay_changes(move |change| {
            enqueue(&queue, change);
        }) {
            return Err(RedisStoreError::Config(
                "the server relays its changes elsewhere already".to_owned(),
            ));
        }
        let writer = self.clone();
        tokio::spawn(async move {
            while let Some(change) = changes.recv().await {
                if let Err(e) = writer.publish(&change).await {
                    tracing::warn!(error = %e, method = change.method(), "a server change was not relayed to the other instances");
                }
            }
        });
        self.inner.fans_out.store(true, Ordering::Release);
        let bus = self.clone();
        let server = server.downgrade();
        Ok(tokio::spawn(bus.read_changes(reader, start, server)))
    }

    fn changes_key(&self) -> String {
        format!("{}changes", self.inner.base)
    }

    /// The id of the newest change in the stream (`0-0` when there is none): the reader
    /// starts after it.
    async fn last_change(&self) -> Result<String, RedisStoreError> {
        let newest: Vec<Entry> = redis::cmd("XREVRANGE")
            .arg(self.changes_key())
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(1)
            .query_async(&mut self.inner.conn.clone())
            .await?;
        Ok(newest
            .into_iter()
            .next()
            .map_or_else(|| "0-0".to_owned(), |(id, _)| id))
    }

    /// Adds one change made here to the stream.
    async fn publish(&self, change: &ServerChange) -> Result<(), RedisStoreError> {
        let Some((kind, uri)) = encode(change) else {
            return Ok(());
        };
        let key = self.changes_key();
        let _: () = redis::pipe()
            .cmd("XADD")
            .arg(&key)
            .arg("MAXLEN")
            .arg("~")
            .arg(self.inner.change_feed_len)
            .arg("*")
            .arg("o")
            .arg(&self.inner.instance)
            .arg("c")
            .arg(kind)
            .arg("u")
            .arg(uri)
            .ignore()
            .cmd("PEXPIRE")
            .arg(&key)
            .arg(crate::bus::millis(self.inner.liveness) * 4)
            .ignore()
            .query_async(&mut self.inner.conn.clone())
            .await?;
        Ok(())
    }

    /// Reads the stream after `last` until the server is gone, applying the changes the
    /// other instances made.
    async fn read_changes(
        self,
        mut conn: RedisConnection,
        mut last: String,
        server: WeakMcpServer,
    ) {
        loop {
            let reply: Result<Option<Vec<StreamEntries>>, _> = redis::cmd("XREAD")
                .arg("COUNT")
                .arg(256)
                .arg("BLOCK")
                .arg(crate::bus::millis(self.inner.block))
                .arg("STREAMS")
                .arg(self.changes_key())
                .arg(last.as_str())
                .query_async(&mut conn)
                .await;
            let Some(server) = server.upgrade() else {
                return;
            };
            let entries = match reply {
                Ok(reply) => reply.into_iter().flatten().flat_map(|(_, entries)| entries),
                Err(e) => {
                    tracing::warn!(error = %RedisStoreError::from(e), "the server changes of the other instances could not be read");
                    drop(server);
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            };
            for (id, fields) in entries {
                last = id;
                if let Some(change) = self.foreign(fields) {
                    server.apply_change(&change);
                }
            }
        }
    }

    /// The change of a stream entry, unless this instance made it (and told its own
    /// clients then).
    fn foreign(&self, fields: Vec<(String, Vec<u8>)>) -> Option<ServerChange> {
        let (mut origin, mut kind, mut uri) = (None, None, String::new());
        for (name, value) in fields {
            let value = String::from_utf8(value).ok()?;
            match name.as_str() {
                "o" => origin = Some(value),
                "c" => kind = Some(value),
                "u" => uri = value,
                _ => {}
            }
        }
        if origin? == self.inner.instance {
            return None;
        }
        decode(&kind?, uri)
    }
}

/// One stream entry: its id and its field/value pairs.
type Entry = (String, Vec<(String, Vec<u8>)>);

/// The entries `XREAD` returns for one stream: its name and them.
type StreamEntries = (String, Vec<Entry>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_round_trips() {
        for change in [
            ServerChange::ToolListChanged,
            ServerChange::PromptListChanged,
            ServerChange::ResourceListChanged,
            ServerChange::ResourceUpdated("note://1".into()),
        ] {
            let (kind, uri) = encode(&change).unwrap();
            assert_eq!(decode(kind, uri.to_owned()), Some(change));
        }
        assert_eq!(decode("other", String::new()), None);
    }

    #[test]
    fn the_queue_is_bounded() {
        let (queue, mut changes) = mpsc::channel(2);
        assert!(enqueue(&queue, &ServerChange::ToolListChanged));
        assert!(enqueue(&queue, &ServerChange::PromptListChanged));
        assert!(!enqueue(&queue, &ServerChange::ResourceListChanged), "full");
        assert_eq!(changes.try_recv(), Ok(ServerChange::ToolListChanged));
        assert!(enqueue(&queue, &ServerChange::ResourceListChanged));
        drop(changes);
        assert!(!enqueue(&queue, &ServerChange::ToolListChanged), "closed");
    }
}
