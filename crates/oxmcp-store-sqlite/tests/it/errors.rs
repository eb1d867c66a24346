//! Files the store must refuse, and failures it must report instead of panicking.

use std::time::Duration;

use oxmcp_store_sqlite::rusqlite::Connection;
use oxmcp_store_sqlite::{OpenError, SqliteOptions, SqliteTaskStore};
use oxmcp_tasks::{CreateLimits, StoreError, TaskStore};

use crate::support::{T0, TempDir, mixed_owner, mixed_record};

#[tokio::test]
async fn a_file_that_is_not_sqlite_is_refused_untouched() {
    let dir = TempDir::new();
    let path = dir.db();
    let junk = "this is not a database\n".repeat(400);
    std::fs::write(&path, &junk).expect("write junk");
    let error = SqliteTaskStore::open(&path).await.expect_err("junk opened");
    assert!(matches!(error, OpenError::Corrupt { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("not a usable task database"), "{message}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        junk,
        "the file was changed"
    );
}

#[tokio::test]
async fn damaged_pages_give_backend_errors_not_panics() {
    let dir = TempDir::new();
    let path = dir.db();
    let store = SqliteTaskStore::open(&path).await.expect("open");
    for i in 0..300 {
        let mut record = mixed_record(i);
        record.params = Some(crate::support::raw(&format!(
            "{{\"pad\":\"{}\"}}",
            "p".repeat(900)
        )));
        store
            .create(record, CreateLimits::new(10_000, usize::MAX))
            .await
            .expect("create");
    }
    drop(store);
    // Damage the middle of the file, sparing the first pages that hold the schema.
    checkpoint(&path);
    let mut bytes = std::fs::read(&path).expect("read");
    assert!(bytes.len() > 64 * 1024, "a file of many pages");
    let (start, end) = (8 * 1024, bytes.len() - 8 * 1024);
    for (n, byte) in bytes[start..end].iter_mut().enumerate() {
        *byte = (n % 251) as u8;
    }
    std::fs::write(&path, &bytes).expect("damage");

    let outcome = match SqliteTaskStore::open(&path).await {
        Err(error) => {
            assert!(matches!(error, OpenError::Corrupt { .. }), "{error:?}");
            return;
        }
        Ok(store) => store.list(&mixed_owner(0), None, 1000, T0).await,
    };
    match outcome {
        Err(StoreError::Backend(message)) => {
            assert!(message.contains("corrupt"), "{message}");
        }
        other => panic!("reading damaged pages: {other:?}"),
    }
}

/// Moves everything in the write-ahead log into the database file itself.
fn checkpoint(path: &std::path::Path) {
    let conn = Connection::open(path).expect("open raw");
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
}

#[tokio::test]
async fn a_newer_schema_is_refused_untouched() {
    let dir = TempDir::new();
    let path = dir.db();
    let conn = Connection::open(&path).expect("open raw");
    conn.pragma_update(None, "user_version", 99)
        .expect("set version");
    drop(conn);
    let error = SqliteTaskStore::open(&path)
        .await
        .expect_err("newer schema opened");
    assert!(
        matches!(
            error,
            OpenError::NewerSchema {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("schema version 99"), "{error}");
    let conn = Connection::open(&path).expect("open raw");
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |row| row.get(0))
        .expect("count tables");
    assert_eq!(tables, 0, "no table was created");
}

#[tokio::test]
async fn another_programs_database_is_refused() {
    let dir = TempDir::new();
    let path = dir.db();
    let conn = Connection::open(&path).expect("open raw");
    conn.execute_batch("CREATE TABLE notes (body TEXT)")
        .expect("create");
    drop(conn);
    let error = SqliteTaskStore::open(&path)
        .await
        .expect_err("foreign opened");
    assert!(matches!(error, OpenError::Foreign { .. }), "{error:?}");
}

#[tokio::test]
async fn a_missing_directory_is_an_open_error() {
    let dir = TempDir::new();
    let path = dir.path().join("missing").join("tasks.db");
    let error = SqliteTaskStore::open(&path).await.expect_err("opened");
    assert!(matches!(error, OpenError::Open { .. }), "{error:?}");
    assert!(error.to_string().contains("missing"), "{error}");
}

#[tokio::test]
async fn the_schema_version_is_recorded_and_reopening_keeps_it() {
    let dir = TempDir::new();
    let path = dir.db();
    drop(SqliteTaskStore::open(&path).await.expect("create"));
    drop(SqliteTaskStore::open(&path).await.expect("reopen"));
    let conn = Connection::open(&path).expect("open raw");
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version");
    assert_eq!(version, 1);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_held_past_the_busy_timeout_is_a_backend_error() {
    let dir = TempDir::new();
    let path = dir.db();
    let options = SqliteOptions::new().busy_timeout(Duration::from_millis(100));
    let store = SqliteTaskStore::open_with(&path, options)
        .await
        .expect("open");
    store
        .create(mixed_record(0), CreateLimits::new(10, usize::MAX))
        .await
        .expect("create");
    let holder = Connection::open(&path).expect("open raw");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");

    let error = store
        .create(mixed_record(3), CreateLimits::new(10, usize::MAX))
        .await
        .expect_err("created while locked");
    match &error {
        StoreError::Backend(message) => assert!(message.contains("locked"), "{message}"),
        other => panic!("expected a backend error, got {other:?}"),
    }
    let owner = mixed_owner(0);
    let read = store.get(&owner, "task-000", T0).await;
    assert!(
        read.is_ok(),
        "WAL readers are not blocked by a writer: {read:?}"
    );

    holder.execute_batch("COMMIT").expect("release");
    store
        .create(mixed_record(3), CreateLimits::new(10, usize::MAX))
        .await
        .expect("created once the lock is released");
}
