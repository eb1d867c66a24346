//! A `redis-server` of the test's own: started on a free 127.0.0.1 port with a fresh
//! temporary directory, without persistence (`--save '' --appendonly no`), killed and its
//! directory removed on drop.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`.
pub(crate) struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server without persistence.
    pub(crate) async fn start() -> Self {
        Self::start_with(&["--save", "", "--appendonly", "no"]).await
    }

    /// Starts a server with these extra arguments (a few tries: the free port picked may
    /// be taken by someone else before the server binds it).
    pub(crate) async fn start_with(extra: &[&str]) -> Self {
        let dir = temp_dir();
        for _ in 0..5 {
            let port = free_port();
            if let Some(child) = spawn(&dir, port, extra).await {
                return Self { child, port, dir };
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        panic!("redis-server did not start (is it installed? scripts/setup-interop does)");
    }

    /// `redis://127.0.0.1:<port>/`.
    pub(crate) fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The port.
    #[cfg_attr(
        not(feature = "cluster"),
        expect(dead_code, reason = "used by the cluster tests")
    )]
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL) and waits for it; the directory stays until drop.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port and directory (killing it first if it
    /// runs), with these extra arguments.
    pub(crate) async fn restart(&mut self, extra: &[&str]) {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            // The port may linger for a moment after the kill.
            if let Some(child) = spawn(&self.dir, self.port, extra).await {
                self.child = child;
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Starts `redis-server` on `port` in `dir` and waits until it answers PING (`None` if it
/// exits or does not answer within 10 s).
async fn spawn(dir: &Path, port: u16, extra: &[&str]) -> Option<Child> {
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--dir", dir.to_str().expect("a UTF-8 temporary path")])
        .args(["--loglevel", "warning"])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn redis-server (scripts/setup-interop installs it)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        if ping(port).await {
            return Some(child);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

fn temp_dir() -> PathBuf {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random bytes");
    let name = format!("oxmcp-store-redis-{:016x}", u64::from_le_bytes(bytes));
    let dir = std::env::temp_dir().join(name);
    std::fs::create_dir_all(&dir).expect("create the temporary directory");
    dir
}

/// Whether a server answers PING on `port` (RESP over a plain socket).
async fn ping(port: u16) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let answer = async {
        let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        socket.write_all(b"PING\r\n").await.ok()?;
        let mut reply = [0u8; 7];
        socket.read_exact(&mut reply).await.ok()?;
        Some(&reply == b"+PONG\r\n")
    };
    matches!(
        tokio::time::timeout(Duration::from_millis(500), answer).await,
        Ok(Some(true))
    )
}
