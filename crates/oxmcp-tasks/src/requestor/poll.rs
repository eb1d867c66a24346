//! [`PollPolicy`]: how often a requestor polls `tasks/get`.

use std::time::Duration;

/// The wait between polls when the receiver suggests no `pollInterval`, unless told
/// otherwise.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);
/// The shortest wait between polls, whatever the receiver suggests, unless told otherwise.
pub const DEFAULT_MIN_POLL_INTERVAL: Duration = Duration::from_millis(100);
/// The longest wait between polls, whatever the receiver suggests, unless told otherwise.
pub const DEFAULT_MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// How often a requestor polls `tasks/get`: the receiver's `pollInterval` when it gives one,
/// else [`default_interval`](Self::default_interval), never below
/// [`min_interval`](Self::min_interval) (a receiver cannot make the requestor spin) and
/// never above [`max_interval`](Self::max_interval) (nor can it make it wait for days).
///
/// ```
/// use std::time::Duration;
/// use oxmcp_tasks::PollPolicy;
///
/// let policy = PollPolicy::default().with_min_interval(Duration::from_millis(200));
/// assert_eq!(policy.interval(Some(5_000)), Duration::from_secs(5));
/// assert_eq!(policy.interval(Some(0)), Duration::from_millis(200));
/// assert_eq!(policy.interval(None), Duration::from_secs(1));
/// assert_eq!(policy.interval(Some(u64::MAX)), Duration::from_secs(60));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollPolicy {
    /// The wait when the receiver suggests none (default [`DEFAULT_POLL_INTERVAL`]).
    pub default_interval: Duration,
    /// The floor (default [`DEFAULT_MIN_POLL_INTERVAL`]).
    pub min_interval: Duration,
    /// The ceiling (default [`DEFAULT_MAX_POLL_INTERVAL`]); the floor wins if it is higher.
    pub max_interval: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            default_interval: DEFAULT_POLL_INTERVAL,
            min_interval: DEFAULT_MIN_POLL_INTERVAL,
            max_interval: DEFAULT_MAX_POLL_INTERVAL,
        }
    }
}

impl PollPolicy {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the wait used when the receiver suggests none.
    #[must_use]
    pub fn with_default_interval(mut self, interval: Duration) -> Self {
        self.default_interval = interval;
        self
    }

    /// Sets the floor.
    #[must_use]
    pub fn with_min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Sets the ceiling.
    #[must_use]
    pub fn with_max_interval(mut self, interval: Duration) -> Self {
        self.max_interval = interval;
        self
    }

    /// The wait before the next poll of a task whose receiver suggested `poll_interval_ms`.
    pub fn interval(&self, poll_interval_ms: Option<u64>) -> Duration {
        let wanted = poll_interval_ms.map_or(self.default_interval, Duration::from_millis);
        wanted.min(self.max_interval).max(self.min_interval)
    }
}
