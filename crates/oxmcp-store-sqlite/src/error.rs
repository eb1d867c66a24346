//! Why opening a store fails ([`OpenError`]), and how SQLite errors of operations become
//! [`StoreError::Backend`].

use std::path::PathBuf;

use oxmcp_tasks::StoreError;
use rusqlite::ErrorCode;

/// Why [`SqliteTaskStore::open`](crate::SqliteTaskStore::open) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// SQLite could not open or set up the file (missing directory, permissions, a lock
    /// held past the busy timeout, a full disk).
    #[error("cannot open the task database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file is not an SQLite database, or its contents are damaged.
    #[error("{path} is not a usable task database (not SQLite, or corrupt): {source}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: rusqlite::Error,
    },
    /// The file was written by a newer version of this crate; it is left untouched.
    #[error(
        "the task database {path} has schema version {found}, newer than the {supported} this \
         oxmcp-store-sqlite knows: use a newer oxmcp-store-sqlite"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// Its `PRAGMA user_version`.
        found: i64,
        /// The newest version this crate writes.
        supported: i64,
    },
    /// The file holds tables that are not this crate's (its `user_version` is 0 but it is
    /// not empty); it is left untouched.
    #[error("{path} is an SQLite database of something else (it has tables but no task schema)")]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// WAL mode could not be turned on (for example on a file system without shared
    /// memory support).
    #[error("the task database {path} refused WAL mode (journal mode is {mode})")]
    NoWal {
        /// The database file.
        path: PathBuf,
        /// The journal mode SQLite kept.
        mode: String,
    },
    /// The database thread could not be started.
    #[error("cannot start the task database thread: {0}")]
    Thread(#[source] std::io::Error),
}

impl OpenError {
    /// Classifies an SQLite error met while opening `path`.
    pub(crate) fn from_sqlite(path: PathBuf, source: rusqlite::Error) -> Self {
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                Self::Corrupt { path, source }
            }
            _ => Self::Open { path, source },
        }
    }
}

/// An SQLite error of an operation, with its cause, for the engine.
pub(crate) fn backend(error: &rusqlite::Error) -> StoreError {
    let cause = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "the database is locked by another connection (busy timeout passed)"
        }
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => "the database is corrupt",
        Some(ErrorCode::DiskFull) => "the disk is full",
        Some(ErrorCode::ReadOnly) => "the database is read-only",
        Some(ErrorCode::SystemIoFailure) => "an I/O error",
        _ => "SQLite failed",
    };
    StoreError::Backend(format!("{cause}: {error}"))
}

/// A stored value that cannot be read back (the file was changed behind the store).
pub(crate) fn bad_row(what: &str) -> StoreError {
    StoreError::Backend(format!("the database is corrupt: a stored task has {what}"))
}
