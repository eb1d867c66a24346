//! [`TaskConfig`]: every limit and interval of the task engine, with its default.

use std::time::Duration;

use super::OwnerPolicy;

/// The default of [`TaskConfig::max_unfinished_per_owner`].
pub const DEFAULT_MAX_UNFINISHED_PER_OWNER: usize = 100;
/// The default of [`TaskConfig::max_tasks_per_owner`].
pub const DEFAULT_MAX_TASKS_PER_OWNER: usize = 1000;
/// The default of [`TaskConfig::max_unfinished`].
pub const DEFAULT_MAX_UNFINISHED: usize = 10_000;
/// The default of [`TaskConfig::max_payload_bytes`]: 4 MiB.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 4 << 20;
/// The default of [`TaskConfig::store_retry`]: 30 s.
pub const DEFAULT_STORE_RETRY: Duration = Duration::from_secs(30);
/// The default of [`TaskConfig::default_ttl`]: one hour.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
/// The default of [`TaskConfig::max_ttl`]: one day.
pub const DEFAULT_MAX_TTL: Duration = Duration::from_secs(86_400);
/// The shortest ttl a task gets, whatever was requested: one second, so that the requestor
/// can still read the task it just created.
pub const MIN_TTL: Duration = Duration::from_secs(1);

/// Limits and intervals of a [`TaskEngine`](super::TaskEngine). Every field has a default;
/// change what you need.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_tasks::TaskConfig;
///
/// let config = TaskConfig::default()
///     .with_max_ttl(Some(Duration::from_secs(600)))
///     .with_poll_interval(Duration::from_millis(250));
/// // A requested ttl is capped; none requested gets the default, capped too.
/// assert_eq!(config.effective_ttl(Some(3_600_000)), Some(600_000));
/// assert_eq!(config.effective_ttl(None), Some(600_000));
/// assert_eq!(config.max_unfinished_per_owner, 100);
/// assert_eq!(config.max_tasks_per_owner, 1000);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TaskConfig {
    /// How many tasks that are not finished one owner may have; past it a task-augmented
    /// request is answered with -32603 (default 100).
    pub max_unfinished_per_owner: usize,
    /// How many tasks one owner may have stored, finished ones included (they count until
    /// they expire); past it a task-augmented request is answered with -32603 (default
    /// 1000).
    pub max_tasks_per_owner: usize,
    /// How many tasks that are not finished may run in this engine, whoever owns them;
    /// past it a task-augmented request is answered with -32603 (default 10 000).
    pub max_unfinished: usize,
    /// The largest params and outcome a task stores, in bytes of JSON: a task-augmented
    /// request with larger params is answered with -32603, and work whose result (or
    /// error) is larger fails its task with -32603 saying so, instead of storing it
    /// (default 4 MiB).
    pub max_payload_bytes: usize,
    /// How long a store write that fails (a database busy or unreachable) is retried, with
    /// backoff, when it stores the outcome of work or the cancellation of a task whose
    /// session ended. If the outcome still cannot be stored, the task is failed instead
    /// (retried as long again) rather than left `working` (default 30 s).
    pub store_retry: Duration,
    /// The ttl of a task whose requestor asked for none; `None`: [`max_ttl`](Self::max_ttl),
    /// unlimited when that is `None` too (default one hour).
    pub default_ttl: Option<Duration>,
    /// The longest ttl a task gets; a longer request is cut to it and the task reports the
    /// ttl it really has. `None`: no cap (default one day).
    pub max_ttl: Option<Duration>,
    /// The `pollInterval` suggested to requestors (default 1 s).
    pub poll_interval: Duration,
    /// How many tasks a page of `tasks/list` holds (default 50, at least 1).
    pub page_size: usize,
    /// How often expired tasks are deleted from the store (default 60 s).
    pub purge_interval: Duration,
    /// Whether to send `notifications/tasks/status` to the session that created a task on
    /// every change of its status (default true).
    pub status_notifications: bool,
    /// How often the store is read for changes made elsewhere (default 1 s): by running
    /// work, to see a cancellation made by another process, only when the store is
    /// [shared](super::TaskStore::shared) between processes; and by a `tasks/result`
    /// waiting on a task whose work does not run in this engine. A `tasks/result` waiting
    /// on a task that runs here is woken by the engine and never reads the store on a
    /// timer.
    pub store_poll_interval: Duration,
    /// How long cancelled work may still run after its cancellation token fired before it
    /// is dropped; whatever it returns is discarded (default 5 s).
    pub cancel_grace: Duration,
    /// Who owns the tasks (default: the requestor that created them; see [`OwnerPolicy`]
    /// for the fixed owner of single-user deployments).
    pub owner: OwnerPolicy,
}

impl Default for TaskConfig {
    fn default() -> Self {
        Self {
            max_unfinished_per_owner: DEFAULT_MAX_UNFINISHED_PER_OWNER,
            max_tasks_per_owner: DEFAULT_MAX_TASKS_PER_OWNER,
            max_unfinished: DEFAULT_MAX_UNFINISHED,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            store_retry: DEFAULT_STORE_RETRY,
            default_ttl: Some(DEFAULT_TTL),
            max_ttl: Some(DEFAULT_MAX_TTL),
            poll_interval: Duration::from_secs(1),
            page_size: 50,
            purge_interval: Duration::from_secs(60),
            status_notifications: true,
            store_poll_interval: Duration::from_secs(1),
            cancel_grace: Duration::from_secs(5),
            owner: OwnerPolicy::Requestor,
        }
    }
}

impl TaskConfig {
    /// Sets [`max_unfinished_per_owner`](Self::max_unfinished_per_owner).
    #[must_use]
    pub fn with_max_unfinished_per_owner(mut self, limit: usize) -> Self {
        self.max_unfinished_per_owner = limit;
        self
    }

    /// Sets [`max_tasks_per_owner`](Self::max_tasks_per_owner).
    #[must_use]
    pub fn with_max_tasks_per_owner(mut self, limit: usize) -> Self {
        self.max_tasks_per_owner = limit;
        self
    }

    /// Sets [`max_unfinished`](Self::max_unfinished).
    #[must_use]
    pub fn with_max_unfinished(mut self, limit: usize) -> Self {
        self.max_unfinished = limit;
        self
    }

    /// Sets [`max_payload_bytes`](Self::max_payload_bytes).
    #[must_use]
    pub fn with_max_payload_bytes(mut self, limit: usize) -> Self {
        self.max_payload_bytes = limit;
        self
    }

    /// Sets [`store_retry`](Self::store_retry).
    #[must_use]
    pub fn with_store_retry(mut self, retry: Duration) -> Self {
        self.store_retry = retry;
        self
    }

    /// Sets [`default_ttl`](Self::default_ttl).
    #[must_use]
    pub fn with_default_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.default_ttl = ttl;
        self
    }

    /// Sets [`max_ttl`](Self::max_ttl).
    #[must_use]
    pub fn with_max_ttl(mut self, ttl: Option<Duration>) -> Self {
        self.max_ttl = ttl;
        self
    }

    /// Sets [`poll_interval`](Self::poll_interval).
    #[must_use]
    pub fn with_poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Sets [`page_size`](Self::page_size) (at least 1).
    #[must_use]
    pub fn with_page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Sets [`purge_interval`](Self::purge_interval).
    #[must_use]
    pub fn with_purge_interval(mut self, interval: Duration) -> Self {
        self.purge_interval = interval;
        self
    }

    /// Sets [`status_notifications`](Self::status_notifications).
    #[must_use]
    pub fn with_status_notifications(mut self, enabled: bool) -> Self {
        self.status_notifications = enabled;
        self
    }

    /// Sets [`store_poll_interval`](Self::store_poll_interval).
    #[must_use]
    pub fn with_store_poll_interval(mut self, interval: Duration) -> Self {
        self.store_poll_interval = interval;
        self
    }

    /// Sets [`cancel_grace`](Self::cancel_grace).
    #[must_use]
    pub fn with_cancel_grace(mut self, grace: Duration) -> Self {
        self.cancel_grace = grace;
        self
    }

    /// Sets [`owner`](Self::owner). [`OwnerPolicy::Fixed`] is for single-user deployments
    /// only: see its warning.
    #[must_use]
    pub fn with_owner(mut self, owner: OwnerPolicy) -> Self {
        self.owner = owner;
        self
    }

    /// The ttl in milliseconds a task gets when `requested` was asked for: the request (or
    /// [`default_ttl`](Self::default_ttl)), cut to [`max_ttl`](Self::max_ttl) and raised to
    /// [`MIN_TTL`]; `None` means unlimited.
    pub fn effective_ttl(&self, requested: Option<u64>) -> Option<u64> {
        let wanted = requested.or_else(|| self.default_ttl.map(millis));
        let max = self.max_ttl.map(millis);
        let ttl = match (wanted, max) {
            (Some(w), Some(m)) => Some(w.min(m)),
            (Some(w), None) => Some(w),
            (None, m) => m,
        };
        ttl.map(|t| t.max(millis(MIN_TTL)))
    }

    /// The per-owner limits a store enforces when it creates a task.
    pub(crate) fn create_limits(&self) -> super::CreateLimits {
        super::CreateLimits::new(self.max_unfinished_per_owner, self.max_tasks_per_owner)
    }

    /// [`poll_interval`](Self::poll_interval) in milliseconds.
    pub(crate) fn poll_interval_ms(&self) -> u64 {
        millis(self.poll_interval)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_is_defaulted_capped_and_floored() {
        let config = TaskConfig::default();
        assert_eq!(config.effective_ttl(None), Some(3_600_000));
        assert_eq!(config.effective_ttl(Some(5_000)), Some(5_000));
        assert_eq!(config.effective_ttl(Some(u64::MAX)), Some(86_400_000));
        assert_eq!(config.effective_ttl(Some(0)), Some(1_000));
        let unlimited = config.clone().with_max_ttl(None).with_default_ttl(None);
        assert_eq!(unlimited.effective_ttl(None), None);
        assert_eq!(unlimited.effective_ttl(Some(7)), Some(1_000));
        let capped_only = config.with_default_ttl(None);
        assert_eq!(capped_only.effective_ttl(None), Some(86_400_000));
    }

    #[test]
    fn page_size_is_at_least_one() {
        assert_eq!(TaskConfig::default().with_page_size(0).page_size, 1);
    }
}
