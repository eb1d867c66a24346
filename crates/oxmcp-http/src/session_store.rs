//! Sessions shared between the instances of a scaled-out server: the [`SessionStore`]
//! trait, the [`SessionRecord`] it keeps, and the bounded in-memory [`MemorySessionStore`].
//!
//! Without a store (the default), a session lives in the process that created it, as
//! before. With one ([`HttpServerConfig::with_session_store`](crate::HttpServerConfig::with_session_store)),
//! the instance that answers `initialize` writes a record of the session; any instance
//! that gets a request for a session it does not hold loads the record and rebuilds the
//! session from it, without an `initialize` of its own; a DELETE on any instance removes
//! the record, and every instance that still holds the session drops it on its next
//! request for it (404). Records expire after the service's
//! [`idle_timeout`](crate::HttpServerConfig::idle_timeout) without use (each request
//! refreshes it) and are at most
//! [`max_session_record_bytes`](crate::HttpServerConfig::max_session_record_bytes) long.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use oxmcp_types::{InitializeRequestParams, LoggingLevel};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

pub use crate::event_store::BoxFuture;

/// What an instance needs to serve a session it did not create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionRecord {
    /// The client's `initialize` params, as the creating instance answered them: the
    /// negotiated version, the client's capabilities and info follow from them.
    pub initialize: InitializeRequestParams,
    /// Whom the session belongs to ([`Principal::key`](oxmcp_core::Principal::key)), if
    /// anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The level the client set with `logging/setLevel`, if it set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LoggingLevel>,
    /// The URIs of the client's `resources/subscribe`, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<String>,
}

/// Why a record could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The encoded record is longer than the bound.
    #[error("session record of {len} bytes, over the bound of {max}")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The bytes are not a record.
    #[error("malformed session record: {0}")]
    Malformed(#[from] serde_json::Error),
}

impl SessionRecord {
    /// The record of a session initialized with `initialize`, owned by `owner`.
    pub fn new(initialize: InitializeRequestParams, owner: Option<String>) -> Self {
        Self {
            initialize,
            owner,
            log_level: None,
            subscriptions: Vec::new(),
        }
    }

    /// The record as JSON, at most `max` bytes.
    pub fn encode(&self, max: usize) -> Result<Bytes, RecordError> {
        let bytes = serde_json::to_vec(self)?;
        if bytes.len() > max {
            return Err(RecordError::TooLarge {
                len: bytes.len(),
                max,
            });
        }
        Ok(Bytes::from(bytes))
    }

    /// The record of `bytes` (as [`encode`](Self::encode) wrote them), at most `max` long.
    pub fn decode(bytes: &[u8], max: usize) -> Result<Self, RecordError> {
        if bytes.len() > max {
            return Err(RecordError::TooLarge {
                len: bytes.len(),
                max,
            });
        }
        Ok(serde_json::from_slice(bytes)?)
    }
}

/// A failure of the store's backend (unreachable, for one): the request that needed it
/// is refused with 503, and nothing it carried was accepted.
#[derive(Debug, thiserror::Error)]
#[error("session store failure: {0}")]
pub struct SessionStoreError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Where the sessions of a scaled-out server are kept, encoded (see [`SessionRecord`]).
///
/// Every method names a session by its `Mcp-Session-Id`; `ttl` is how long a record lives
/// without use. Every call is one round trip to the backend, atomic on its own.
pub trait SessionStore: Send + Sync + fmt::Debug + 'static {
    /// Keeps a new session's record for `ttl`.
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>>;

    /// The record of `id`, its life extended to `ttl`; `None` when there is none (never
    /// created, expired or removed).
    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, SessionStoreError>>;

    /// Replaces the record of `id`, if it still exists, and extends its life to `ttl`;
    /// false when there is none.
    fn update<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>>;

    /// Replaces the record of `id` with `record` only if it is still `expected` (compare
    /// and set, atomic in the backend), and extends its life to `ttl`: what two instances
    /// changing one session's record at once need, so that neither change is lost (the
    /// one that finds [`Replaced::Changed`] reads the record again and retries).
    fn replace<'a>(
        &'a self,
        id: &'a str,
        expected: Bytes,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Replaced, SessionStoreError>>;

    /// Extends the life of `id`'s record to `ttl`; false when there is none.
    fn touch<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>>;

    /// Forgets `id`'s record (the session ended everywhere).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>>;
}

/// What [`SessionStore::replace`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Replaced {
    /// The record was the expected one and is replaced.
    Done,
    /// The record is not the expected one (changed meanwhile): nothing written.
    Changed,
    /// There is no record (never created, expired or removed): nothing written.
    Missing,
}

/// The default bound on the number of records of a [`MemorySessionStore`].
pub const DEFAULT_MAX_RECORDS: usize = 100_000;

/// A [`SessionStore`] in memory, for the services of one process (tests, or several
/// [`McpService`](crate::McpService)s behind one listener): records expire after their
/// `ttl`, and past `max_records` the one that expires first is dropped.
#[derive(Debug)]
pub struct MemorySessionStore {
    max_records: usize,
    records: Mutex<HashMap<String, (Bytes, Instant)>>,
}

impl Default for MemorySessionStore {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_RECORDS)
    }
}

impl MemorySessionStore {
    /// A store of at most `max_records` records (at least 1).
    pub fn new(max_records: usize) -> Self {
        Self {
            max_records: max_records.max(1),
            records: Mutex::new(HashMap::new()),
        }
    }

    /// How many records are kept (expired ones included until they are next looked at).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no record is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Bytes, Instant)>> {
        self.records.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The live record of `id`, its life extended to `ttl`.
    fn refresh(&self, id: &str, ttl: Duration, with: Option<Bytes>) -> Option<Bytes> {
        let now = Instant::now();
        let mut records = self.lock();
        match records.get_mut(id) {
            Some((_, expiry)) if *expiry <= now => {
                records.remove(id);
                None
            }
            Some((bytes, expiry)) => {
                *expiry = now + ttl;
                if let Some(new) = with {
                    *bytes = new;
                }
                Some(bytes.clone())
            }
            None => None,
        }
    }
}

impl SessionStore for MemorySessionStore {
    fn create<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        let now = Instant::now();
        let mut records = self.lock();
        records.retain(|_, (_, expiry)| *expiry > now);
        while records.len() >= self.max_records {
            let first = records
                .iter()
                .min_by_key(|(_, (_, e))| *e)
                .map(|(k, _)| k.clone());
            match first {
                Some(first) => records.remove(&first),
                None => break,
            };
        }
        records.insert(id.to_owned(), (record, now + ttl));
        Box::pin(std::future::ready(Ok(())))
    }

    fn load<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Option<Bytes>, SessionStoreError>> {
        Box::pin(std::future::ready(Ok(self.refresh(id, ttl, None))))
    }

    fn update<'a>(
        &'a self,
        id: &'a str,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        let kept = self.refresh(id, ttl, Some(record)).is_some();
        Box::pin(std::future::ready(Ok(kept)))
    }

    fn replace<'a>(
        &'a self,
        id: &'a str,
        expected: Bytes,
        record: Bytes,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<Replaced, SessionStoreError>> {
        let now = Instant::now();
        let mut records = self.lock();
        let replaced = match records.get_mut(id) {
            Some((_, expiry)) if *expiry <= now => {
                records.remove(id);
                Replaced::Missing
            }
            Some((bytes, _)) if *bytes != expected => Replaced::Changed,
            Some((bytes, expiry)) => {
                *bytes = record;
                *expiry = now + ttl;
                Replaced::Done
            }
            None => Replaced::Missing,
        };
        Box::pin(std::future::ready(Ok(replaced)))
    }

    fn touch<'a>(
        &'a self,
        id: &'a str,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, SessionStoreError>> {
        Box::pin(std::future::ready(Ok(self
            .refresh(id, ttl, None)
            .is_some())))
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Result<(), SessionStoreError>> {
        self.lock().remove(id);
        Box::pin(std::future::ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxmcp_types::{ClientCapabilities, Implementation};

    fn record() -> SessionRecord {
        let params = InitializeRequestParams::new(
            "2025-11-25",
            ClientCapabilities::default(),
            Implementation::new("c", "1"),
        );
        SessionRecord::new(params, Some("0:#alice".into()))
    }

    #[test]
    fn records_round_trip_within_their_bound() {
        let mut r = record();
        r.log_level = Some(LoggingLevel::Warning);
        r.subscriptions.push("file:///a".into());
        let bytes = r.encode(4096).unwrap();
        assert_eq!(SessionRecord::decode(&bytes, 4096).unwrap(), r);
        assert!(matches!(
            r.encode(10),
            Err(RecordError::TooLarge { max: 10, .. })
        ));
        assert!(matches!(
            SessionRecord::decode(&bytes, 10),
            Err(RecordError::TooLarge { .. })
        ));
        assert!(matches!(
            SessionRecord::decode(b"{}", 10),
            Err(RecordError::Malformed(_))
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn memory_records_expire_are_bounded_and_removed() {
        let store = MemorySessionStore::new(2);
        let ttl = Duration::from_secs(10);
        store.create("a", "1".into(), ttl).await.unwrap();
        tokio::time::advance(Duration::from_secs(6)).await;
        assert!(store.touch("a", ttl).await.unwrap());
        store.create("b", "2".into(), ttl).await.unwrap();
        tokio::time::advance(Duration::from_secs(6)).await;
        // "a" was touched: it lives on.
        assert_eq!(
            store.load("a", ttl).await.unwrap().as_deref(),
            Some(&b"1"[..])
        );
        store.create("c", "3".into(), ttl).await.unwrap();
        // Past the bound, the record that expires first ("b") went.
        assert_eq!(store.len(), 2);
        assert!(!store.touch("b", ttl).await.unwrap());
        assert!(store.update("c", "4".into(), ttl).await.unwrap());
        assert_eq!(
            store.load("c", ttl).await.unwrap().as_deref(),
            Some(&b"4"[..])
        );
        store.remove("c").await.unwrap();
        assert!(!store.update("c", "5".into(), ttl).await.unwrap());
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(store.load("a", ttl).await.unwrap(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn memory_replace_compares_then_sets() {
        let store = MemorySessionStore::default();
        let ttl = Duration::from_secs(10);
        store.create("a", "1".into(), ttl).await.unwrap();
        let replace = |expected: &'static str, record: &'static str| {
            store.replace("a", expected.into(), record.into(), ttl)
        };
        assert_eq!(replace("0", "2").await.unwrap(), Replaced::Changed);
        assert_eq!(replace("1", "2").await.unwrap(), Replaced::Done);
        assert_eq!(
            store.load("a", ttl).await.unwrap().as_deref(),
            Some(&b"2"[..])
        );
        tokio::time::advance(Duration::from_secs(11)).await;
        assert_eq!(replace("2", "3").await.unwrap(), Replaced::Missing);
        assert_eq!(
            store
                .replace("b", "1".into(), "2".into(), ttl)
                .await
                .unwrap(),
            Replaced::Missing
        );
    }
}
