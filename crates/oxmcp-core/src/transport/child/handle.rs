//! The running child: its process group, its reaper, the shutdown sequence, and the two
//! streams the transport uses.

use std::io;
use std::pin::Pin;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::timeout;

use super::signals::{Stop, kill_leftovers, stop};
use super::stderr::{StderrRing, lock};

/// The outcome of waiting for the child.
type Reaped = Result<ExitStatus, Arc<io::Error>>;

/// What the transport halves and the handles share. When the last of them is dropped and the
/// child still runs, its process group is killed.
#[derive(Debug)]
pub(super) struct Shared {
    pid: u32,
    close_grace: Duration,
    term_grace: Duration,
    /// `None` once closed.
    stdin: Mutex<Option<ChildStdin>>,
    /// Set by the reaper task once the child has exited and been reaped.
    status: watch::Receiver<Option<Reaped>>,
    stderr: Option<Arc<StderrRing>>,
    stderr_task: Mutex<Option<JoinHandle<()>>>,
}

/// The parts of a freshly spawned child.
#[derive(Debug)]
pub(super) struct Spawned {
    pub(super) child: Child,
    pub(super) pid: u32,
    pub(super) stdin: ChildStdin,
    pub(super) close_grace: Duration,
    pub(super) term_grace: Duration,
    pub(super) stderr: Option<(Arc<StderrRing>, JoinHandle<()>)>,
}

impl Shared {
    /// Starts the reaper task (which owns the child from now on) and returns the shared state.
    pub(super) fn start(spawned: Spawned) -> Arc<Self> {
        let (tx, status) = watch::channel(None);
        tokio::spawn(reap(spawned.child, spawned.pid, tx));
        let (stderr, stderr_task) = spawned.stderr.unzip();
        Arc::new(Self {
            pid: spawned.pid,
            close_grace: spawned.close_grace,
            term_grace: spawned.term_grace,
            stdin: Mutex::new(Some(spawned.stdin)),
            status,
            stderr,
            stderr_task: Mutex::new(stderr_task),
        })
    }

    fn has_exited(&self) -> bool {
        self.status.borrow().is_some()
    }

    /// Stops the child's process group, unless the child was already reaped (its pid may
    /// then belong to someone else).
    fn signal(&self, how: Stop) -> io::Result<()> {
        if self.has_exited() {
            return Ok(());
        }
        stop(self.pid, how)
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if !self.has_exited() {
            tracing::debug!(
                pid = self.pid,
                "child dropped without shutdown: killing its group"
            );
            if let Err(error) = stop(self.pid, Stop::Kill) {
                tracing::debug!(pid = self.pid, %error, "could not kill the child");
            }
        }
        if let Some(task) = lock(&self.stderr_task).take() {
            task.abort();
        }
    }
}

/// Waits for the child, kills what it left in its process group, and publishes its status.
/// Owning the child here means it is always reaped, even if nobody waits for it.
async fn reap(mut child: Child, pid: u32, tx: watch::Sender<Option<Reaped>>) {
    let status = child.wait().await.map_err(Arc::new);
    if status.is_ok() {
        kill_leftovers(pid);
    }
    tx.send_replace(Some(status));
}

/// A handle on a spawned child: its pid, its exit status, its captured stderr, and the
/// shutdown sequence. Cheap to clone.
///
/// The child runs in its own process group. When the last handle and both transport halves
/// are dropped while the child still runs, the whole group is killed (SIGKILL). The child is
/// always reaped, and once it has exited, whatever it left running in its group is killed
/// too: no zombies, no orphans (a process that moved to another group or session on purpose
/// is out of reach).
#[derive(Debug, Clone)]
pub struct ChildHandle {
    shared: Arc<Shared>,
}

impl ChildHandle {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// The child's process id, which is also its process group id.
    pub fn pid(&self) -> u32 {
        self.shared.pid
    }

    /// The exit status if the child has exited, without waiting.
    pub fn try_wait(&self) -> io::Result<Option<ExitStatus>> {
        self.shared.status.borrow().clone().map(into_io).transpose()
    }

    /// Waits for the child to exit by itself (and, with capture, for the end of its stderr, a
    /// bounded time).
    pub async fn wait(&self) -> io::Result<ExitStatus> {
        let status = self.exit_status().await;
        self.drain_stderr().await;
        status
    }

    /// Stops the child the way the MCP specification asks: closes its stdin, waits up to the
    /// close grace for it to exit, sends SIGTERM to its process group, waits up to the term
    /// grace, then sends SIGKILL. Returns its exit status; at once if it has already exited.
    pub async fn shutdown(&self) -> io::Result<ExitStatus> {
        let pid = self.shared.pid;
        self.close_stdin();
        let status = match timeout(self.shared.close_grace, self.exit_status()).await {
            Ok(status) => status,
            Err(_) => {
                tracing::debug!(pid, "child still running after stdin closed: SIGTERM");
                self.shared.signal(Stop::Terminate)?;
                match timeout(self.shared.term_grace, self.exit_status()).await {
                    Ok(status) => status,
                    Err(_) => {
                        tracing::debug!(pid, "child still running after SIGTERM: SIGKILL");
                        self.shared.signal(Stop::Kill)?;
                        self.exit_status().await
                    }
                }
            }
        };
        self.drain_stderr().await;
        status
    }

    /// Kills the child's process group at once (SIGKILL) and returns the child's exit status.
    pub async fn kill(&self) -> io::Result<ExitStatus> {
        self.shared.signal(Stop::Kill)?;
        let status = self.exit_status().await;
        self.drain_stderr().await;
        status
    }

    /// Closes the child's stdin now: the end of its input. Later writes fail with
    /// [`TransportError::Closed`](crate::transport::TransportError::Closed).
    pub fn close_stdin(&self) {
        drop(lock(&self.shared.stdin).take());
    }

    /// The most recent stderr output (whole lines, lossily decoded as UTF-8) when stderr is
    /// captured, else `None`.
    pub fn stderr(&self) -> Option<String> {
        self.shared.stderr.as_ref().map(|ring| ring.text())
    }

    async fn exit_status(&self) -> io::Result<ExitStatus> {
        let mut status = self.shared.status.clone();
        loop {
            if let Some(reaped) = status.borrow_and_update().clone() {
                return into_io(reaped);
            }
            if status.changed().await.is_err() {
                return Err(io::Error::other(
                    "the child's reaper task ended without an exit status",
                ));
            }
        }
    }

    /// Lets the capture task read what the child wrote before exiting. Bounded: a process
    /// that escaped the group may hold the pipe open.
    async fn drain_stderr(&self) {
        let task = lock(&self.shared.stderr_task).take();
        if let Some(mut task) = task
            && timeout(self.shared.term_grace, &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

fn into_io(reaped: Reaped) -> io::Result<ExitStatus> {
    reaped.map_err(|error| io::Error::new(error.kind(), error))
}

/// The child's stdin, as the transport writes it.
#[derive(Debug)]
pub struct ChildInput {
    shared: Arc<Shared>,
}

impl ChildInput {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

fn stdin_closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the child's stdin is closed")
}

impl AsyncWrite for ChildInput {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match lock(&self.shared.stdin).as_mut() {
            Some(stdin) => Pin::new(stdin).poll_write(cx, buf),
            None => Poll::Ready(Err(stdin_closed())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match lock(&self.shared.stdin).as_mut() {
            Some(stdin) => Pin::new(stdin).poll_flush(cx),
            None => Poll::Ready(Err(stdin_closed())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        drop(lock(&self.shared.stdin).take());
        Poll::Ready(Ok(()))
    }
}

/// The child's stdout, as the transport reads it.
#[derive(Debug)]
pub struct ChildOutput {
    stdout: ChildStdout,
    _shared: Arc<Shared>,
}

impl ChildOutput {
    pub(super) fn new(stdout: ChildStdout, shared: Arc<Shared>) -> Self {
        Self {
            stdout,
            _shared: shared,
        }
    }
}

impl AsyncRead for ChildOutput {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}
