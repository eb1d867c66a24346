//! The database thread: it owns the connection, so the async runtime never blocks on SQLite
//! and each store has exactly one writer.
//!
//! Group commit: the thread takes every operation waiting in the queue (up to
//! `SqliteOptions::max_batch`) and runs them in one transaction, each inside its own savepoint, so an
//! operation that fails undoes only its own changes. Answers are sent after the commit: an
//! operation is acknowledged only once it is durable, and if the commit fails every
//! operation of the batch that had succeeded gets the commit's error instead. Under load
//! this turns many small commits (each an `fsync` with `synchronous=FULL`) into one.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use oxmcp_tasks::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::{OpenError, backend};
use crate::options::SqliteOptions;
use crate::schema;

/// Whether an operation writes (its batch then takes the write lock up front).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Read,
    Write,
}

/// Sends an operation's answer once its batch has ended: given the commit's error, if any.
type Answer = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// An operation: run on the connection (or given the error that kept the batch from
/// starting), it returns how to answer.
type Job = Box<dyn FnOnce(Result<&mut Connection, StoreError>) -> Answer + Send>;

struct Queued {
    access: Access,
    job: Job,
}

/// The sending side of the thread's queue; the thread ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Queued>,
}

impl Worker {
    /// Starts the thread, which opens and migrates `path`; returns once it is ready.
    pub(crate) async fn start(path: PathBuf, options: SqliteOptions) -> Result<Self, OpenError> {
        let (jobs, queue) = mpsc::channel::<Queued>(options.queue_capacity);
        let (ready_tx, ready) = oneshot::channel();
        std::thread::Builder::new()
            .name("oxmcp-sqlite-tasks".to_owned())
            .spawn(move || match schema::open(&path, &options) {
                Ok(conn) => {
                    // If the opener gave up waiting, `queue` is closed and `run` ends.
                    let _ = ready_tx.send(Ok(()));
                    run(conn, queue, options.max_batch);
                }
                Err(error) => {
                    let _ = ready_tx.send(Err(error));
                }
            })
            .map_err(OpenError::Thread)?;
        match ready.await {
            Ok(Ok(())) => Ok(Self { jobs }),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(OpenError::Thread(std::io::Error::other(
                "the database thread stopped while opening",
            ))),
        }
    }

    /// Runs `op` on the database thread and returns its result once it is committed.
    /// Waits for room when the queue is full. An operation sent before its caller gives up
    /// still runs.
    pub(crate) async fn call<T, F>(&self, access: Access, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = conn.and_then(op);
            Box::new(move |commit_error: Option<&StoreError>| {
                let result = match (result, commit_error) {
                    (Ok(_), Some(error)) => Err(error.clone()),
                    (result, _) => result,
                };
                // The caller may be gone; then nobody needs the answer.
                let _ = reply.send(result);
            })
        });
        self.jobs
            .send(Queued { access, job })
            .await
            .map_err(|_| StoreError::Backend("the task database thread has stopped".to_owned()))?;
        answer.await.map_err(|_| {
            StoreError::Backend("the task database thread failed during the operation".to_owned())
        })?
    }
}

/// The thread's loop: a batch at a time until every sender is gone.
fn run(mut conn: Connection, mut queue: mpsc::Receiver<Queued>, max_batch: usize) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        run_batch(&mut conn, batch);
    }
    if let Err((_, error)) = conn.close() {
        tracing::warn!(%error, "closing the task database failed");
    }
}

/// Runs `batch` in one transaction and answers each operation after it ends.
fn run_batch(conn: &mut Connection, batch: Vec<Queued>) {
    let writes = batch.iter().any(|q| q.access == Access::Write);
    let begin = if writes {
        "BEGIN IMMEDIATE"
    } else {
        "BEGIN DEFERRED"
    };
    if let Err(error) = conn.execute_batch(begin) {
        let error = backend(&error);
        for queued in batch {
            (queued.job)(Err(error.clone()))(None);
        }
        return;
    }
    let mut answers = Vec::with_capacity(batch.len());
    for queued in batch {
        // A job that panics (a bug, never bad input) fails only its own caller: its
        // savepoint rolls back as it unwinds, and the batch goes on.
        match catch_unwind(AssertUnwindSafe(|| (queued.job)(Ok(&mut *conn)))) {
            Ok(answer) => answers.push(answer),
            Err(_) => tracing::error!("a task database operation panicked and was rolled back"),
        }
    }
    let commit_error = conn.execute_batch("COMMIT").err().map(|error| {
        // The transaction may still be open (a busy commit); end it.
        let _ = conn.execute_batch("ROLLBACK");
        backend(&error)
    });
    for answer in answers {
        answer(commit_error.as_ref());
    }
}
