//! The client side of the stdio transport: a server run as a child process.
//!
//! [`ChildProcess`] describes the program to run; [`spawn`](ChildProcess::spawn) starts it
//! directly (never through a shell) in its own process group, and returns a
//! [`ChildTransport`] (lines read from the child's stdout, written to its stdin) and a
//! [`ChildHandle`] to stop it the way the specification asks: close its stdin, wait, SIGTERM,
//! wait, SIGKILL.
//!
//! Because the child has its own process group, signals from the terminal (Ctrl-C) reach this
//! process, not the child: the client decides when the server stops. Signals go to the whole
//! group, so what the server started stops with it; when every handle and both transport
//! halves are dropped without a shutdown, the group is killed.
//!
//! That is the Unix behaviour. On Windows, which has no such signals, stopping goes through
//! `taskkill` on the child's process tree (a request to close, then a forced kill); that path
//! compiles in principle but has not been built or run on Windows.
//!
//! ```no_run
//! use std::time::Duration;
//! use oxmcp_core::transport::child::{ChildProcess, StderrMode};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let (transport, handle) = ChildProcess::new("my-mcp-server")
//!     .args(["--verbose"])
//!     .env("API_TOKEN", "from the environment")
//!     .stderr(StderrMode::capture())
//!     .term_grace(Duration::from_secs(1))
//!     .spawn()?;
//! // ... run a client session over `transport` ...
//! # drop(transport);
//! let status = handle.shutdown().await?;
//! # Ok(())
//! # }
//! ```

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::lines::{LineConfig, LineTransport};

mod handle;
mod signals;
mod stderr;

pub use handle::{ChildHandle, ChildInput, ChildOutput};
pub use stderr::{DEFAULT_STDERR_BUFFER, StderrCallback, StderrCapture, StderrMode};

/// How long [`ChildHandle::shutdown`] waits after each step by default: 2 seconds.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(2);

/// The transport to a child: lines read from its stdout and written to its stdin. Closing the
/// writer closes the child's stdin.
pub type ChildTransport = LineTransport<ChildOutput, ChildInput>;

/// Errors of [`ChildProcess::spawn`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The program could not be started (not found, not executable, bad directory...).
    #[error("could not start {program:?}: {source}")]
    Spawn {
        /// The program.
        program: OsString,
        /// What the operating system said.
        source: io::Error,
    },
    /// The program started without one of the things the transport needs (a standard stream
    /// or its process id); the child has been killed.
    #[error("the child started without its {0}")]
    Incomplete(&'static str),
}

/// What to run as a child process, and how: a builder.
#[derive(Debug, Clone)]
pub struct ChildProcess {
    program: OsString,
    args: Vec<OsString>,
    env_clear: bool,
    /// Variables to set (`Some`) or remove (`None`), in order.
    env: Vec<(OsString, Option<OsString>)>,
    current_dir: Option<PathBuf>,
    stderr: StderrMode,
    close_grace: Duration,
    term_grace: Duration,
    line_config: LineConfig,
}

impl ChildProcess {
    /// Runs `program` (a path, or a name looked up in `PATH`) with no arguments, this
    /// process's environment and directory, and stderr inherited.
    pub fn new(program: impl Into<OsString>) -> Self {
        Self {
            program: program.into(),
            args: Vec::new(),
            env_clear: false,
            env: Vec::new(),
            current_dir: None,
            stderr: StderrMode::default(),
            close_grace: DEFAULT_GRACE,
            term_grace: DEFAULT_GRACE,
            line_config: LineConfig::default(),
        }
    }

    /// Adds an argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I>(mut self, args: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Sets environment variables.
    pub fn envs<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<OsString>,
        V: Into<OsString>,
    {
        self.env
            .extend(vars.into_iter().map(|(k, v)| (k.into(), Some(v.into()))));
        self
    }

    /// Removes an environment variable.
    pub fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Starts from an empty environment: the child sees only the variables set afterwards.
    pub fn env_clear(mut self) -> Self {
        self.env_clear = true;
        self.env.clear();
        self
    }

    /// Runs the child in `dir`.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.current_dir = Some(dir.into());
        self
    }

    /// Where the child's stderr goes (inherited by default).
    pub fn stderr(mut self, mode: StderrMode) -> Self {
        self.stderr = mode;
        self
    }

    /// How long [`ChildHandle::shutdown`] waits for the child to exit after closing its stdin
    /// before sending SIGTERM (default 2 s).
    pub fn close_grace(mut self, grace: Duration) -> Self {
        self.close_grace = grace;
        self
    }

    /// How long [`ChildHandle::shutdown`] waits after SIGTERM before sending SIGKILL (default
    /// 2 s). Also bounds how long waiting for the child waits for the end of its captured
    /// stderr.
    pub fn term_grace(mut self, grace: Duration) -> Self {
        self.term_grace = grace;
        self
    }

    /// The longest line accepted from the child's stdout (default 4 MiB).
    pub fn max_line_length(mut self, bytes: usize) -> Self {
        self.line_config = self.line_config.with_max_line_length(bytes);
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        if self.env_clear {
            command.env_clear();
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => command.env(key, value),
                None => command.env_remove(key),
            };
        }
        if let Some(dir) = &self.current_dir {
            command.current_dir(dir);
        }
        let stderr = match self.stderr {
            StderrMode::Inherit => Stdio::inherit(),
            StderrMode::Null => Stdio::null(),
            StderrMode::Capture(_) => Stdio::piped(),
        };
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        command
    }

    /// Starts the child. Must be called within a Tokio runtime.
    pub fn spawn(&self) -> Result<(ChildTransport, ChildHandle), SpawnError> {
        let mut child = self.command().spawn().map_err(|source| SpawnError::Spawn {
            program: self.program.clone(),
            source,
        })?;
        // The child is killed (kill_on_drop) if any of these is missing.
        let pid = child.id().ok_or(SpawnError::Incomplete("process id"))?;
        let stdin = child.stdin.take().ok_or(SpawnError::Incomplete("stdin"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or(SpawnError::Incomplete("stdout"))?;
        let stderr = match &self.stderr {
            StderrMode::Capture(capture) => {
                let pipe = child
                    .stderr
                    .take()
                    .ok_or(SpawnError::Incomplete("stderr"))?;
                Some(stderr::spawn_capture(pipe, capture, pid))
            }
            StderrMode::Inherit | StderrMode::Null => None,
        };
        let shared = handle::Shared::start(handle::Spawned {
            child,
            pid,
            stdin,
            close_grace: self.close_grace,
            term_grace: self.term_grace,
            stderr,
        });
        let transport = LineTransport::with_config(
            ChildOutput::new(stdout, shared.clone()),
            ChildInput::new(shared.clone()),
            self.line_config,
        );
        Ok((transport, ChildHandle::new(shared)))
    }
}

#[cfg(all(test, unix))]
mod tests;
