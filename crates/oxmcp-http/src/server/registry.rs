//! The sessions of one service: lookup by id, the caps (all sessions, and per client), and
//! the reaper of idle and never-initialized sessions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, Weak};
use std::time::Duration;

use super::Settings;
use super::client::ClientKey;
use super::session::{ClientBudget, Session};

/// The live sessions of a service.
pub(crate) struct Registry {
    table: RwLock<Table>,
    pub(crate) settings: Arc<Settings>,
    reaper: AtomicBool,
    /// Whether the inbox task runs (see [`ensure_inbox`](Self::ensure_inbox)).
    pub(crate) inbox: AtomicBool,
}

/// The sessions, whom each is counted against, and how many each client has.
#[derive(Default)]
struct Table {
    sessions: HashMap<Arc<str>, Arc<Session>>,
    client_of: HashMap<Arc<str>, ClientKey>,
    per_client: HashMap<ClientKey, ClientSlot>,
}

/// One client's sessions and its budget of requests in flight (shared by its sessions).
struct ClientSlot {
    sessions: usize,
    budget: Arc<ClientBudget>,
}

/// Why a session was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Full {
    /// The service has [`max_sessions`](super::HttpServerConfig::max_sessions).
    Service,
    /// The client has
    /// [`max_sessions_per_client`](super::HttpServerConfig::max_sessions_per_client).
    Client,
}

impl Registry {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            table: RwLock::new(Table::default()),
            settings,
            reaper: AtomicBool::new(false),
            inbox: AtomicBool::new(false),
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.table.write().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn get(&self, id: &str) -> Option<Arc<Session>> {
        self.read().sessions.get(id).cloned()
    }

    pub(crate) fn remove(&self, id: &str) {
        let mut table = self.write();
        if table.sessions.remove(id).is_none() {
            return;
        }
        let Some(client) = table.client_of.remove(id) else {
            return;
        };
        if let Some(slot) = table.per_client.get_mut(&client) {
            slot.sessions -= 1;
            if slot.sessions == 0 {
                table.per_client.remove(&client);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.read().sessions.len()
    }

    /// Adds a session of `client` unless a cap is reached: the service's, or the client's
    /// (a client of unknown address has only the service's). The session's requests in
    /// flight count against its client's budget, which all the client's sessions share.
    pub(crate) fn try_insert(&self, session: Arc<Session>, client: ClientKey) -> Result<(), Full> {
        let mut table = self.write();
        self.insert(&mut table, session, client)
    }

    fn insert(
        &self,
        table: &mut Table,
        session: Arc<Session>,
        client: ClientKey,
    ) -> Result<(), Full> {
        let config = &self.settings.config;
        if table.sessions.len() >= config.max_sessions {
            return Err(Full::Service);
        }
        if client != ClientKey::Unknown {
            let slot = table
                .per_client
                .entry(client.clone())
                .or_insert_with(|| ClientSlot {
                    sessions: 0,
                    budget: Arc::new(ClientBudget::new(config.max_requests_per_client)),
                });
            if slot.sessions >= config.max_sessions_per_client {
                return Err(Full::Client);
            }
            slot.sessions += 1;
            session.set_budget(slot.budget.clone());
            table.client_of.insert(session.id.clone(), client);
        }
        table.sessions.insert(session.id.clone(), session);
        Ok(())
    }

    /// Adds a session rebuilt from the session store, as [`try_insert`](Self::try_insert)
    /// does, unless one with its id is already here: then that one is returned (a
    /// concurrent request rebuilt it first) and `session` is not added.
    pub(crate) fn adopt(
        &self,
        session: Arc<Session>,
        client: ClientKey,
    ) -> Result<Option<Arc<Session>>, Full> {
        let mut table = self.write();
        if let Some(existing) = table.sessions.get(&session.id) {
            return Ok(Some(existing.clone()));
        }
        self.insert(&mut table, session, client).map(|()| None)
    }

    /// Every session (for shutdown).
    pub(crate) fn all(&self) -> Vec<Arc<Session>> {
        self.read().sessions.values().cloned().collect()
    }

    /// Starts the reaper task once (it needs a runtime, so it starts with the first session).
    /// It stops when the registry is dropped.
    pub(crate) fn ensure_reaper(self: &Arc<Self>) {
        if self.reaper.swap(true, Ordering::AcqRel) {
            return;
        }
        let idle = self.settings.config.idle_timeout;
        let init = self.settings.config.init_timeout;
        let period = (idle.min(init) / 4).clamp(Duration::from_millis(10), Duration::from_secs(30));
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
                let init_ms = u64::try_from(init.as_millis()).unwrap_or(u64::MAX);
                let expired: Vec<_> = registry
                    .all()
                    .into_iter()
                    .filter(|s| s.is_idle(now, idle_ms) || s.never_initialized(now, init_ms))
                    .collect();
                drop(registry);
                for session in expired {
                    tracing::debug!(session = %session.id, "ending an idle or uninitialized session");
                    session.end().await;
                }
            }
        });
    }
}
