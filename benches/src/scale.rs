//! The scale-out rows: oxmcp instances sharing sessions, stream events and messages through a
//! `redis-server` of the benchmark's own (no persistence, 127.0.0.1, a temporary directory),
//! one instance alone or three behind the round-robin proxy of [`crate::proxy`].
//!
//! `oxmcp-redis`: one instance on Redis, the load straight to it. `oxmcp-redis-x3`: three
//! instances on one Redis behind the proxy, so consecutive requests of one session land on
//! different instances (each rebuilds the session from Redis the first time it sees it, then
//! keeps it). The servers' CPU is summed into CPU per call; Redis's and the proxy's CPU per
//! call go in the row's note, since on two cores they compete with the servers.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::proc_stats::HttpServer;

/// A `redis-server` of the benchmark's own, killed (and its directory removed) on drop.
pub(crate) struct Redis {
    child: Child,
    pub(crate) pid: u32,
    pub(crate) url: String,
    dir: PathBuf,
}

impl Redis {
    /// Starts `redis-server` (from `PATH`; `scripts/setup-interop` installs it) on a free port.
    pub(crate) async fn start() -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dir = std::env::temp_dir().join(format!("oxmcp-bench-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("redis-server (scripts/setup-interop installs it): {e}"))?;
        let pid = child.id().ok_or("redis-server exited at once")?;
        let redis = Self {
            child,
            pid,
            url: format!("redis://127.0.0.1:{port}/"),
            dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            if Instant::now() > deadline {
                return Err("redis-server did not start in 10 s".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(redis)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Instances on one Redis, and the proxy in front of them when there are several.
pub(crate) struct Cluster {
    pub(crate) addr: SocketAddr,
    pub(crate) instances: Vec<HttpServer>,
    proxy: Option<(Child, u32)>,
    redis: Redis,
}

impl Cluster {
    /// `n` `oxmcp-redis` instances on a fresh Redis, behind the proxy when `n > 1`.
    pub(crate) async fn start(n: usize) -> Result<Self, String> {
        let redis = Redis::start().await?;
        let mut instances = Vec::new();
        for _ in 0..n {
            instances.push(
                HttpServer::spawn_with_env("oxmcp-redis", "OXMCP_BENCH_REDIS", &redis.url).await,
            );
        }
        let ports: Vec<String> = instances.iter().map(|i| i.port.to_string()).collect();
        let (addr, proxy) = if n == 1 {
            (SocketAddr::from(([127, 0, 0, 1], instances[0].port)), None)
        } else {
            let (child, pid, port) = spawn_proxy(&ports.join(",")).await?;
            (SocketAddr::from(([127, 0, 0, 1], port)), Some((child, pid)))
        };
        Ok(Self {
            addr,
            instances,
            proxy,
            redis,
        })
    }

    /// The servers' process ids (their CPU is the row's CPU per call).
    pub(crate) fn server_pids(&self) -> Vec<u32> {
        self.instances.iter().map(|i| i.pid).collect()
    }

    /// The other processes a call goes through, named for the row's note.
    pub(crate) fn helper_pids(&self) -> Vec<(&'static str, u32)> {
        let mut pids = vec![("redis", self.redis.pid)];
        if let Some((_, pid)) = &self.proxy {
            pids.push(("proxy", *pid));
        }
        pids
    }

    pub(crate) async fn stop(self) {
        for instance in self.instances {
            instance.stop().await;
        }
        if let Some((mut child, _)) = self.proxy {
            let _ = child.kill().await;
        }
    }
}

/// `oxmcp-bench proxy PORTS` as a child process, and the port it listens on.
async fn spawn_proxy(ports: &str) -> Result<(Child, u32, u16), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut child = Command::new(exe)
        .args(["proxy", ports])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    let pid = child.id().ok_or("the proxy exited at once")?;
    let stdout = child.stdout.take().ok_or("piped stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .await
        .map_err(|e| e.to_string())?;
    let port = line
        .trim()
        .parse()
        .map_err(|_| format!("the proxy printed {line:?}, not a port"))?;
    Ok((child, pid, port))
}
