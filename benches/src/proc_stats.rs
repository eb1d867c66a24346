//! Server processes: spawning this binary in server mode, and reading CPU time and RSS from
//! /proc (Linux).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The user + system CPU time of a process.
pub(crate) fn cpu_time(pid: u32) -> Duration {
    let (user, system) = cpu_times(pid);
    user + system
}

/// The user and the system CPU time of a process, from `/proc/PID/stat` (in clock ticks of
/// 10 ms); zero when it cannot be read.
pub(crate) fn cpu_times(pid: u32) -> (Duration, Duration) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return (Duration::ZERO, Duration::ZERO);
    };
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second).
    (
        Duration::from_millis(ticks(11) * 10),
        Duration::from_millis(ticks(12) * 10),
    )
}

/// The resident set size of a process, in bytes.
pub(crate) fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib * 1024)
}

static SERVER_EXE: OnceLock<PathBuf> = OnceLock::new();

/// Runs the servers from `path` (another build of this program) instead of this program.
pub(crate) fn set_server_exe(path: PathBuf) {
    let _ = SERVER_EXE.set(path);
}

/// The program given to [`set_server_exe`], if any.
pub(crate) fn server_exe() -> Option<PathBuf> {
    SERVER_EXE.get().cloned()
}

/// This program (or the one given to [`set_server_exe`]), as a server: `serve IMPL TRANSPORT`.
pub(crate) fn server_command(which: &str, transport: &str) -> Command {
    let exe = SERVER_EXE
        .get()
        .cloned()
        .unwrap_or_else(|| std::env::current_exe().expect("the path of this program"));
    let mut command = Command::new(exe);
    command
        .args(["serve", which, transport])
        .kill_on_drop(true)
        .stderr(Stdio::inherit());
    command
}

/// A server process over HTTP and its port.
pub(crate) struct HttpServer {
    pub(crate) child: Child,
    pub(crate) pid: u32,
    pub(crate) port: u16,
}

impl HttpServer {
    /// Spawns `serve IMPL http` and waits for its port.
    pub(crate) async fn spawn(which: &str) -> Self {
        Self::start(server_command(which, "http")).await
    }

    /// [`HttpServer::spawn`] with one more variable in the server's environment.
    pub(crate) async fn spawn_with_env(which: &str, key: &str, value: &str) -> Self {
        let mut command = server_command(which, "http");
        command.env(key, value);
        Self::start(command).await
    }

    async fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the server");
        let pid = child.id().expect("a live server");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .await
            .expect("the server's port");
        let port = line.trim().parse().expect("a port number");
        Self { child, pid, port }
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
