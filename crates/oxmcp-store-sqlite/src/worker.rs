//! The database thread: it owns the connection and runs one operation at a time, so the
//! async runtime never blocks on SQLite and each store has exactly one writer.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use oxmcp_core::tasks::StoreError;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::error::OpenError;
use crate::options::SqliteOptions;
use crate::schema;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The sending side of the thread's queue; the thread ends when every clone is dropped.
#[derive(Clone)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Starts the thread, which opens and migrates `path`; returns once it is ready.
    pub(crate) async fn start(path: PathBuf, options: SqliteOptions) -> Result<Self, OpenError> {
        let (jobs, queue) = mpsc::channel::<Job>(options.queue_capacity);
        let (ready_tx, ready) = oneshot::channel();
        std::thread::Builder::new()
            .name("oxmcp-sqlite-tasks".to_owned())
            .spawn(move || match schema::open(&path, &options) {
                Ok(conn) => {
                    // The opener may have given up waiting; then `queue` is closed and `run` ends.
                    let _ = ready_tx.send(Ok(()));
                    run(conn, queue);
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

    /// Runs `op` on the database thread and returns its result. Waits for room when the
    /// queue is full. An operation sent before its caller gives up still runs.
    pub(crate) async fn call<T, F>(&self, op: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            // The caller may be gone; then nobody needs the answer.
            let _ = reply.send(op(conn));
        });
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Backend("the task database thread has stopped".to_owned()))?;
        answer.await.map_err(|_| {
            StoreError::Backend("the task database thread failed during the operation".to_owned())
        })?
    }
}

/// The thread's loop: one job at a time until every sender is gone. A job that panics
/// (a bug, never bad input) fails only its own caller: its transaction rolls back as it
/// unwinds, and the thread goes on.
fn run(mut conn: Connection, mut queue: mpsc::Receiver<Job>) {
    while let Some(job) = queue.blocking_recv() {
        if catch_unwind(AssertUnwindSafe(|| job(&mut conn))).is_err() {
            tracing::error!("a task database operation panicked; its transaction was rolled back");
        }
    }
    if let Err((_, error)) = conn.close() {
        tracing::warn!(%error, "closing the task database failed");
    }
}
