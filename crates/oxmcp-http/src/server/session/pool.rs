//! The idle engine sessions modern (2026-07-28) requests are served on.
//!
//! A modern request brings its whole context in its `_meta` and leaves nothing behind, so
//! the engine session that served one can serve the next, of any client, instead of each
//! request starting and shutting down one of its own. A session goes back to the pool only
//! after a JSON answer (an SSE answer keeps it until its stream ends, then it ends), and is
//! taken out again only while [`SessionHandle::is_reusable`] holds: nothing of its earlier
//! requests (a task, a kept `Peer`, a session extension) could reach the next one. The pool
//! keeps at most [`idle_modern_sessions`](crate::HttpServerConfig::idle_modern_sessions),
//! oldest first out.
//!
//! [`SessionHandle::is_reusable`]: oxmcp_core::SessionHandle::is_reusable

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use super::{Session, lock, stateless};
use crate::server::ServiceInner;

/// The idle sessions; clones share them.
#[derive(Clone, Default)]
pub(crate) struct ModernPool {
    idle: Arc<Idle>,
}

/// The idle sessions, ended when the last service that could take them is dropped (an idle
/// session's engine and transport hold each other until its input ends).
#[derive(Default)]
struct Idle(Mutex<VecDeque<Arc<Session>>>);

impl Drop for Idle {
    fn drop(&mut self) {
        for session in std::mem::take(&mut *lock(&self.0)) {
            session.close_input();
        }
    }
}

impl std::fmt::Debug for ModernPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModernPool")
            .field("idle", &lock(&self.idle.0).len())
            .finish()
    }
}

impl ModernPool {
    /// A session for one modern request: an idle one that can serve it, else a new one.
    /// An idle session that cannot (something of an earlier request still holds it) ends.
    pub(crate) fn take(&self, inner: &ServiceInner) -> Arc<Session> {
        loop {
            let Some(session) = lock(&self.idle.0).pop_front() else {
                break;
            };
            if session.handle.get().is_some_and(|h| h.is_reusable()) && !session.is_closed() {
                return session;
            }
            session.close_input();
        }
        stateless::pooled_session(inner)
    }

    /// Gives back the session of a request answered in JSON: kept while there is room,
    /// else ended.
    pub(crate) fn give_back(&self, inner: &ServiceInner, session: Arc<Session>) {
        let cap = inner.settings.config.idle_modern_sessions;
        if !session.is_closed() {
            let mut idle = lock(&self.idle.0);
            if idle.len() < cap {
                idle.push_back(session);
                return;
            }
        }
        session.close_input();
    }

    /// Ends every idle session.
    pub(crate) fn close_all(&self) {
        let idle = std::mem::take(&mut *lock(&self.idle.0));
        for session in idle {
            session.close_input();
        }
    }
}
