//! The open `subscriptions/listen` streams of a server (2026-07-28): each with the filter
//! the server acknowledged and the changes waiting to go out on it.
//!
//! A change reaches a stream as a flag (`tools`, `prompts`, `resources` list changed) or as
//! the URI of an updated resource, and waits there until the stream's request sends it.
//! Waiting changes are merged: a second tool list change before the first went out adds
//! nothing, nor does a second update of the same URI (each only says "look again"). What a
//! stream can have waiting is therefore bounded by its filter: three flags and its URIs,
//! whose number [`max_subscriptions_per_session`] bounds. How many streams a server keeps
//! open at once is bounded by [`max_listen_streams`].
//!
//! [`max_subscriptions_per_session`]: crate::server::McpServerBuilder::max_subscriptions_per_session
//! [`max_listen_streams`]: crate::server::McpServerBuilder::max_listen_streams

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use oxmcp_types::modern::SubscriptionFilter;
use tokio::sync::Notify;

use super::sessions::covers;

/// The default of [`McpServerBuilder::max_listen_streams`](crate::server::McpServerBuilder::max_listen_streams).
pub const DEFAULT_MAX_LISTEN_STREAMS: usize = 4096;

/// Something that changed, as a listen stream hears of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// The tool list (`notifications/tools/list_changed`).
    Tools,
    /// The prompt list (`notifications/prompts/list_changed`).
    Prompts,
    /// The resource list (`notifications/resources/list_changed`).
    Resources,
    /// One resource (`notifications/resources/updated`).
    Updated(String),
}

/// What waits to go out on one stream.
#[derive(Debug, Default)]
struct Pending {
    tools: bool,
    prompts: bool,
    resources: bool,
    /// Updated URIs, each once, in the order they changed.
    updated: Vec<String>,
    /// The server ends the stream (gracefully, with a result).
    ended: bool,
}

/// One open stream.
#[derive(Debug)]
struct Listener {
    filter: SubscriptionFilter,
    pending: Mutex<Pending>,
    wake: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Listener {
    /// Whether the stream asked for `change`.
    fn wants(&self, change: &Change) -> bool {
        let f = &self.filter;
        match change {
            Change::Tools => f.tools_list_changed == Some(true),
            Change::Prompts => f.prompts_list_changed == Some(true),
            Change::Resources => f.resources_list_changed == Some(true),
            Change::Updated(uri) => f
                .resource_subscriptions
                .as_ref()
                .is_some_and(|uris| uris.iter().any(|s| covers(s, uri))),
        }
    }

    fn push(&self, change: &Change) {
        {
            let mut p = lock(&self.pending);
            match change {
                Change::Tools => p.tools = true,
                Change::Prompts => p.prompts = true,
                Change::Resources => p.resources = true,
                Change::Updated(uri) => {
                    if !p.updated.contains(uri) {
                        p.updated.push(uri.clone());
                    }
                }
            }
        }
        self.wake.notify_one();
    }
}

/// Why a stream could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooMany {
    pub(crate) limit: usize,
}

/// The open listen streams of one server.
#[derive(Debug)]
pub(crate) struct Listeners {
    map: Arc<Mutex<HashMap<u64, Arc<Listener>>>>,
    next: AtomicU64,
    limit: usize,
}

impl Listeners {
    /// No stream yet; at most `limit` open at once.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            map: Arc::default(),
            next: AtomicU64::new(1),
            limit,
        }
    }

    /// Opens a stream hearing of what `filter` names, unless `limit` are open.
    pub(crate) fn open(&self, filter: SubscriptionFilter) -> Result<ListenGuard, TooMany> {
        let listener = Arc::new(Listener {
            filter,
            pending: Mutex::default(),
            wake: Notify::new(),
        });
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        {
            let mut map = lock(&self.map);
            if map.len() >= self.limit {
                return Err(TooMany { limit: self.limit });
            }
            map.insert(id, listener.clone());
        }
        Ok(ListenGuard {
            map: self.map.clone(),
            id,
            listener,
        })
    }

    /// Tells every stream that asked for it about `change`; returns how many did.
    pub(crate) fn publish(&self, change: &Change) -> usize {
        let wanting: Vec<Arc<Listener>> = lock(&self.map)
            .values()
            .filter(|l| l.wants(change))
            .cloned()
            .collect();
        for listener in &wanting {
            listener.push(change);
        }
        wanting.len()
    }

    /// Ends every open stream (each answers its request with a result); returns how many.
    pub(crate) fn end_all(&self) -> usize {
        let all: Vec<Arc<Listener>> = lock(&self.map).values().cloned().collect();
        for listener in &all {
            lock(&listener.pending).ended = true;
            listener.wake.notify_one();
        }
        all.len()
    }

    /// How many streams are open.
    pub(crate) fn len(&self) -> usize {
        lock(&self.map).len()
    }
}

/// One open stream, closed when dropped (its request ended, however it ended).
#[derive(Debug)]
pub(crate) struct ListenGuard {
    map: Arc<Mutex<HashMap<u64, Arc<Listener>>>>,
    id: u64,
    listener: Arc<Listener>,
}

/// What a stream has to send now.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Due {
    /// The changes, list changes first.
    pub(crate) changes: Vec<Change>,
    /// Whether the server ends the stream after them.
    pub(crate) ended: bool,
}

impl ListenGuard {
    /// Waits until something is due, and takes it.
    pub(crate) async fn next(&self) -> Due {
        loop {
            let due = self.take();
            if !due.changes.is_empty() || due.ended {
                return due;
            }
            self.listener.wake.notified().await;
        }
    }

    fn take(&self) -> Due {
        let p = std::mem::take(&mut *lock(&self.listener.pending));
        let flags = [
            (p.tools, Change::Tools),
            (p.prompts, Change::Prompts),
            (p.resources, Change::Resources),
        ];
        let mut changes: Vec<Change> = flags
            .into_iter()
            .filter_map(|(set, change)| set.then_some(change))
            .collect();
        changes.extend(p.updated.into_iter().map(Change::Updated));
        Due {
            changes,
            ended: p.ended,
        }
    }
}

impl Drop for ListenGuard {
    fn drop(&mut self) {
        lock(&self.map).remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> SubscriptionFilter {
        SubscriptionFilter::default()
            .with_tools_list_changed()
            .with_resource("file:///a")
    }

    #[tokio::test]
    async fn changes_are_filtered_and_merged() {
        let listeners = Listeners::new(4);
        let guard = listeners.open(filter()).unwrap();
        listeners.publish(&Change::Prompts);
        listeners.publish(&Change::Updated("file:///b".into()));
        listeners.publish(&Change::Tools);
        listeners.publish(&Change::Updated("file:///a/x".into()));
        listeners.publish(&Change::Tools);
        listeners.publish(&Change::Updated("file:///a/x".into()));
        let due = guard.next().await;
        assert_eq!(
            due.changes,
            vec![Change::Tools, Change::Updated("file:///a/x".into())]
        );
        assert!(!due.ended);
        assert_eq!(guard.take(), Due::default(), "nothing left");
    }

    #[tokio::test]
    async fn bounded_and_closed_on_drop() {
        let listeners = Listeners::new(2);
        let a = listeners.open(filter()).unwrap();
        let _b = listeners.open(filter()).unwrap();
        assert_eq!(listeners.open(filter()).unwrap_err(), TooMany { limit: 2 });
        drop(a);
        assert_eq!(listeners.len(), 1);
        assert!(listeners.open(filter()).is_ok());
    }

    #[tokio::test]
    async fn end_all_wakes_every_stream() {
        let listeners = Listeners::new(4);
        let guard = listeners.open(SubscriptionFilter::default()).unwrap();
        let waiting = tokio::spawn(async move { guard.next().await });
        tokio::task::yield_now().await;
        assert_eq!(listeners.end_all(), 1);
        let due = waiting.await.unwrap();
        assert!(due.ended && due.changes.is_empty());
    }
}
