//! The sessions a shared server serves: weak handles keyed by session id, each with its
//! resource subscriptions. This is all the per-session state the router keeps.
//!
//! Every request checks that its session is registered, so the check takes a shared lock
//! only; a session is inserted once, and removes itself when it ends.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::value::RawValue;

use crate::error::NotifyError;
use crate::role::Server;
use crate::session::{Peer, WeakPeer};

#[derive(Debug)]
struct SessionEntry {
    peer: WeakPeer<Server>,
    subscriptions: BTreeSet<String>,
}

/// Keyed by the engine's session ids, numbers this process hands out (never a peer's): a
/// fast hash, looked up on every request.
type Ids = HashMap<u64, SessionEntry, foldhash::fast::RandomState>;

type Map = RwLock<Ids>;

/// The live sessions of one server.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: Arc<Map>,
}

fn read(map: &Map) -> RwLockReadGuard<'_, Ids> {
    map.read().unwrap_or_else(PoisonError::into_inner)
}

fn write(map: &Map) -> RwLockWriteGuard<'_, Ids> {
    map.write().unwrap_or_else(PoisonError::into_inner)
}

impl Sessions {
    fn lock(&self) -> RwLockWriteGuard<'_, Ids> {
        write(&self.map)
    }

    /// Registers the session of `peer` (once; later calls only look it up). The session is
    /// forgotten when it ends.
    pub(crate) fn register(&self, peer: &Peer<Server>) {
        let id = peer.session_id();
        if read(&self.map).contains_key(&id) {
            return;
        }
        let inserted = match self.lock().entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(SessionEntry {
                    peer: peer.downgrade(),
                    subscriptions: BTreeSet::new(),
                });
                true
            }
        };
        if inserted {
            let map = Arc::downgrade(&self.map);
            peer.inner.life.on_end(move || {
                if let Some(map) = map.upgrade() {
                    write(&map).remove(&id);
                }
            });
        }
    }

    /// How many sessions are registered.
    pub(crate) fn len(&self) -> usize {
        read(&self.map).len()
    }

    /// Records a subscription; false when the session already holds `limit` others.
    pub(crate) fn subscribe(&self, peer: &Peer<Server>, uri: String, limit: usize) -> bool {
        self.register(peer);
        let mut map = self.lock();
        let Some(entry) = map.get_mut(&peer.session_id()) else {
            return true;
        };
        if entry.subscriptions.len() >= limit && !entry.subscriptions.contains(&uri) {
            return false;
        }
        entry.subscriptions.insert(uri);
        true
    }

    pub(crate) fn unsubscribe(&self, id: u64, uri: &str) {
        if let Some(entry) = self.lock().get_mut(&id) {
            entry.subscriptions.remove(uri);
        }
    }

    /// The live sessions whose subscriptions cover `uri`; forgets dead sessions.
    pub(crate) fn subscribers(&self, uri: &str) -> Vec<Peer<Server>> {
        self.live(|entry| entry.subscriptions.iter().any(|s| covers(s, uri)))
    }

    /// Every live session; forgets dead sessions.
    pub(crate) fn all(&self) -> Vec<Peer<Server>> {
        self.live(|_| true)
    }

    fn live(&self, wanted: impl Fn(&SessionEntry) -> bool) -> Vec<Peer<Server>> {
        let mut map = self.lock();
        let mut peers = Vec::new();
        map.retain(|_, entry| match entry.peer.upgrade() {
            Some(peer) => {
                if wanted(entry) {
                    peers.push(peer);
                }
                true
            }
            None => false,
        });
        peers
    }

    /// Sends a parameterless notification to every live session that may receive it
    /// (sessions that did not negotiate its capability are skipped). Returns how many got it.
    pub(crate) fn broadcast(&self, method: &'static str) -> usize {
        self.all()
            .into_iter()
            .filter(|peer| send_now(peer, method, None))
            .count()
    }
}

/// Sends a notification without waiting. A session whose outbound queue is full (a client
/// that stopped reading, with `outbound_queue` messages already waiting) does not get it:
/// these notifications only say that something changed, and the client will see the change
/// on its next list or read. Returns whether it was queued.
pub(crate) fn send_now(
    peer: &Peer<Server>,
    method: &'static str,
    params: Option<Box<RawValue>>,
) -> bool {
    match peer.try_notify_raw(method, params) {
        Ok(()) => true,
        Err(NotifyError::QueueFull) => {
            tracing::warn!(
                method,
                session = peer.session_id(),
                "notification dropped: the session's outbound queue is full"
            );
            false
        }
        Err(e) => {
            tracing::trace!(method, error = %e, "notification not sent to this session");
            false
        }
    }
}

/// Whether a subscription to `subscribed` covers an update of `uri`: the same resource or
/// a sub-resource of it (`uri` continues `subscribed` after a `/`, `?` or `#`).
pub(crate) fn covers(subscribed: &str, uri: &str) -> bool {
    let Some(rest) = uri.strip_prefix(subscribed) else {
        return false;
    };
    rest.is_empty() || subscribed.ends_with('/') || rest.starts_with(['/', '?', '#'])
}

#[cfg(test)]
mod tests {
    use super::covers;

    #[test]
    fn sub_resources_are_covered() {
        assert!(covers("file:///project", "file:///project"));
        assert!(covers("file:///project", "file:///project/src/main.rs"));
        assert!(covers("file:///project/", "file:///project/a"));
        assert!(covers("db://t", "db://t?row=1"));
        assert!(!covers("file:///project", "file:///project2"));
        assert!(!covers("file:///project/a", "file:///project"));
    }
}
