//! Stopping the child. On Unix, signals to its process group (SIGTERM, SIGKILL). On
//! Windows, which has neither signals nor process groups of that kind, `taskkill` on the
//! child's process tree: without `/F` it asks the processes to close (a console program
//! does not take that request, and then the forced kill follows after the grace period),
//! with `/F` it terminates them. The Windows path is written to compile; it has not been
//! built or run on Windows.

use std::io;

/// How hard to stop the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// Ask it to stop (SIGTERM).
    Terminate,
    /// Stop it now (SIGKILL).
    Kill,
}

#[cfg(unix)]
pub(super) use unix::{kill_leftovers, stop};
#[cfg(windows)]
pub(super) use windows::{kill_leftovers, stop};

#[cfg(unix)]
mod unix {
    use nix::errno::Errno;
    use nix::sys::signal::{Signal, kill, killpg};
    use nix::unistd::Pid;

    use super::{Stop, io};

    fn pgid(pid: u32) -> io::Result<Pid> {
        i32::try_from(pid)
            .map(Pid::from_raw)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "pid out of range"))
    }

    /// Signals the process group led by `pid`, or `pid` alone if it left the group. SIGKILL
    /// also goes to `pid` directly.
    pub(in super::super) fn stop(pid: u32, how: Stop) -> io::Result<()> {
        let signal = match how {
            Stop::Terminate => Signal::SIGTERM,
            Stop::Kill => Signal::SIGKILL,
        };
        let pid = pgid(pid)?;
        match killpg(pid, signal) {
            Ok(()) if signal != Signal::SIGKILL => return Ok(()),
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(error) => return Err(error.into()),
        }
        match kill(pid, signal) {
            Ok(()) | Err(Errno::ESRCH) => Ok(()),
            Err(error) => Err(error.into()),
        }
    }

    /// Once the child has exited: kills what it left running in its process group (the
    /// group outlives its leader while a member lives, so its id is still ours).
    pub(in super::super) fn kill_leftovers(pid: u32) {
        match pgid(pid).map(|pgid| killpg(pgid, Signal::SIGKILL)) {
            Ok(Ok(())) => tracing::debug!(pid, "killed processes the child left behind"),
            Ok(Err(Errno::ESRCH)) => {}
            Ok(Err(error)) => tracing::debug!(pid, %error, "could not clean the child's group"),
            Err(error) => tracing::debug!(pid, %error, "invalid pid"),
        }
    }
}

#[cfg(windows)]
mod windows {
    use std::path::PathBuf;
    use std::process::{Command, Stdio};

    use super::{Stop, io};

    /// `taskkill.exe` from the system directory (never looked up on `PATH`).
    fn taskkill() -> PathBuf {
        let root = std::env::var_os("SystemRoot").unwrap_or_else(|| "C:\\Windows".into());
        PathBuf::from(root).join("System32").join("taskkill.exe")
    }

    /// Stops the child's process tree (`/T`); a forced kill (`/F`) must succeed unless the
    /// process is already gone, a request to close may be refused.
    pub(in super::super) fn stop(pid: u32, how: Stop) -> io::Result<()> {
        let mut command = Command::new(taskkill());
        command.args(["/PID", &pid.to_string(), "/T"]);
        if how == Stop::Kill {
            command.arg("/F");
        }
        let status = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        // 128: no such process (it exited meanwhile).
        if status.success() || how == Stop::Terminate || status.code() == Some(128) {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "taskkill /F failed with {status}"
            )))
        }
    }

    /// Once the child has exited its tree cannot be found any more: nothing to do.
    pub(in super::super) fn kill_leftovers(_pid: u32) {}
}
