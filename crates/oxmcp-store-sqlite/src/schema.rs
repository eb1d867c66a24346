//! The schema, its version (`PRAGMA user_version`) and the connection settings.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::OpenError;
use crate::options::SqliteOptions;

/// The migrations, in order: migration `i` takes the schema from version `i` to `i + 1`.
/// Shipped migrations are never edited; a change of schema is a new one.
const MIGRATIONS: &[&str] = &[
    // Version 1. JSON (params, result, error) is TEXT kept byte for byte; times are ms since
    // the Unix epoch, with the wire strings beside them; ttl and pollInterval are u64 stored
    // bit for bit in INTEGER.
    "CREATE TABLE tasks (
        task_id TEXT PRIMARY KEY NOT NULL,
        owner TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN
            ('working', 'input_required', 'completed', 'failed', 'cancelled')),
        status_message TEXT,
        created_at TEXT NOT NULL,
        last_updated_at TEXT NOT NULL,
        ttl INTEGER,
        poll_interval INTEGER,
        params TEXT,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER,
        result TEXT,
        error TEXT,
        CHECK (result IS NULL OR error IS NULL)
    ) STRICT;
    CREATE INDEX tasks_by_owner ON tasks (owner, created_at_ms, task_id);
    CREATE INDEX tasks_by_expiry ON tasks (expires_at_ms) WHERE expires_at_ms IS NOT NULL;
    CREATE INDEX tasks_unfinished ON tasks (owner, created_at_ms, task_id)
        WHERE status IN ('working', 'input_required');",
];

/// The schema version this crate writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Opens `path`, sets WAL, durability and the busy timeout, and brings the schema to
/// [`SCHEMA_VERSION`].
pub(crate) fn open(path: &Path, options: &SqliteOptions) -> Result<Connection, OpenError> {
    let fail = |e| OpenError::from_sqlite(path.to_owned(), e);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(fail)?;
    conn.busy_timeout(options.busy_timeout).map_err(fail)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(fail)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(OpenError::NoWal {
            path: path.to_owned(),
            mode,
        });
    }
    conn.pragma_update(None, "synchronous", options.synchronous.pragma_value())
        .map_err(fail)?;
    migrate(&mut conn, path)?;
    Ok(conn)
}

/// Applies the migrations the file lacks, all in one transaction; refuses a newer schema
/// and a database of something else.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), OpenError> {
    let fail = |e| OpenError::from_sqlite(path.to_owned(), e);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(fail)?;
    let found: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(fail)?;
    if found > SCHEMA_VERSION {
        return Err(OpenError::NewerSchema {
            path: path.to_owned(),
            found,
            supported: SCHEMA_VERSION,
        });
    }
    if found <= 0 {
        let tables: i64 = tx
            .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
            .map_err(fail)?;
        if tables > 0 || found < 0 {
            return Err(OpenError::Foreign {
                path: path.to_owned(),
            });
        }
    }
    let start = usize::try_from(found).unwrap_or(0);
    for (done, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        tx.execute_batch(sql).map_err(fail)?;
        tracing::debug!(version = done + 1, "task database migrated");
    }
    if found < SCHEMA_VERSION {
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(fail)?;
    }
    tx.commit().map_err(fail)
}
