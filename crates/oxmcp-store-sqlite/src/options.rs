//! [`SqliteOptions`]: durability, waiting on locks, and the request queue.

use std::time::Duration;

/// How hard SQLite works to make a commit durable (`PRAGMA synchronous`, in WAL mode).
///
/// Both survive the process being killed (`kill -9`, a panic, an abort): a commit is in the
/// write-ahead log in the operating system's cache before it returns, and the next opener
/// replays it. They differ on a power loss or kernel crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Synchronous {
    /// `FULL` (the default): every commit waits for the log to reach the disk (`fsync`),
    /// so a completed task also survives a power loss.
    #[default]
    Full,
    /// `NORMAL`: the log is synced at checkpoints only; a power loss may lose the last
    /// commits (never corrupt the database). Faster where `fsync` is slow.
    Normal,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Settings of a [`SqliteTaskStore`](crate::SqliteTaskStore); every one has a default.
///
/// ```
/// use std::time::Duration;
/// use oxmcp_store_sqlite::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions::new()
///     .synchronous(Synchronous::Normal)
///     .busy_timeout(Duration::from_secs(2))
///     .queue_capacity(256)
///     .max_batch(32);
/// # drop(options);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    pub(crate) synchronous: Synchronous,
    pub(crate) busy_timeout: Duration,
    pub(crate) queue_capacity: usize,
    pub(crate) max_batch: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            busy_timeout: Self::DEFAULT_BUSY_TIMEOUT,
            queue_capacity: Self::DEFAULT_QUEUE_CAPACITY,
            max_batch: Self::DEFAULT_MAX_BATCH,
        }
    }
}

impl SqliteOptions {
    /// How long an operation waits for another connection's lock (5 s).
    pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);
    /// How many operations may wait for the database thread (1024).
    pub const DEFAULT_QUEUE_CAPACITY: usize = 1024;
    /// How many waiting operations are committed together (128).
    pub const DEFAULT_MAX_BATCH: usize = 128;

    /// The defaults: [`Synchronous::Full`], a 5 s busy timeout, a queue of 1024, batches of
    /// up to 128.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the durability of commits (default [`Synchronous::Full`]).
    #[must_use]
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// Sets how long an operation waits while another connection (another store on the
    /// same file, another process) holds the lock, before it fails with
    /// `StoreError::Backend` naming the lock (default 5 s).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Sets how many operations may wait for the database thread; callers past that wait
    /// for room, so memory stays bounded under any load (default 1024; 0 counts as 1).
    #[must_use]
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = capacity.max(1);
        self
    }

    /// Sets how many waiting operations the database thread runs in one transaction (group
    /// commit: one `fsync` for all of them). Each is still answered only once committed,
    /// and one that fails undoes only its own changes. Larger batches raise throughput
    /// under load and the wait of the batch's first operation (default 128; 0 counts as 1,
    /// which commits every operation on its own).
    #[must_use]
    pub fn max_batch(mut self, max: usize) -> Self {
        self.max_batch = max.max(1);
        self
    }
}
