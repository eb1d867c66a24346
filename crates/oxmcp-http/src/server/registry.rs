//! The sessions of one service: lookup by id, the cap, and the idle reaper.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use super::Settings;
use super::session::Session;

/// The live sessions of a service.
pub(crate) struct Registry {
    sessions: RwLock<HashMap<Arc<str>, Arc<Session>>>,
    settings: Arc<Settings>,
    reaper: AtomicBool,
}

impl Registry {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            sessions: RwLock::new(HashMap::new()),
            settings,
            reaper: AtomicBool::new(false),
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    pub(crate) fn remove(&self, id: &str) {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }

    pub(crate) fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Adds a session unless the cap is reached.
    pub(crate) fn try_insert(&self, session: Arc<Session>) -> bool {
        let mut sessions = self
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if sessions.len() >= self.settings.config.max_sessions {
            return false;
        }
        sessions.insert(session.id.clone(), session);
        true
    }

    /// Every session (for shutdown).
    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// Starts the reaper task once (it needs a runtime, so it starts with the first session).
    /// It stops when the registry is dropped.
    pub(crate) fn ensure_reaper(self: &Arc<Self>) {
        if self.reaper.swap(true, Ordering::AcqRel) {
            return;
        }
        let idle = self.settings.config.idle_timeout;
        let period = (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(30));
        let weak: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(registry) = weak.upgrade() else {
                    return;
                };
                let now = registry.settings.now_ms();
                let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
                let idle_sessions: Vec<_> = registry
                    .all()
                    .into_iter()
                    .filter(|s| s.is_idle(now, idle_ms))
                    .collect();
                drop(registry);
                for session in idle_sessions {
                    tracing::debug!(session = %session.id, "ending an idle session");
                    session.end().await;
                }
            }
        });
    }
}
