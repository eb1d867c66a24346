//! The scale-out rig: a `redis-server` of the test's own, everything-server processes on
//! it, and a round-robin HTTP proxy in front of them with no affinity (each request goes
//! to the next instance), all on 127.0.0.1.

use std::net::{SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SERVER: &str = env!("CARGO_BIN_EXE_everything-server");

/// A free port on 127.0.0.1 (free when asked; a child binding it may still race).
pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A `redis-server` of the test's own in a temporary directory, killed on drop: without
/// persistence ([`start`](Self::start)), or with the settings a test gives
/// ([`start_with`](Self::start_with)), which a [`restart`](Self::restart) keeps.
pub(crate) struct Redis {
    child: Child,
    pub(crate) url: String,
    port: u16,
    dir: std::path::PathBuf,
    settings: Vec<String>,
}

/// No persistence: what a restart loses everything with.
const VOLATILE: &[&str] = &["--save", "", "--appendonly", "no"];

impl Redis {
    pub(crate) async fn start() -> Self {
        Self::start_with(VOLATILE).await
    }

    /// A server with `settings` (persistence, say) beside the port, address and directory.
    pub(crate) async fn start_with(settings: &[&str]) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("oxmcp-rig-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let settings: Vec<String> = settings.iter().map(|s| (*s).to_owned()).collect();
        let child = spawn_redis(port, &dir, &settings)
            .await
            .expect("redis-server did not start");
        Self {
            child,
            url: format!("redis://127.0.0.1:{port}/"),
            port,
            dir,
            settings,
        }
    }

    /// A connection to the server, to look at what the instances keep there.
    pub(crate) async fn connection(&self) -> oxmcp::redis::redis::aio::MultiplexedConnection {
        oxmcp::redis::redis::Client::open(self.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }

    /// The key of the record of `session` (the stores' default prefix).
    pub(crate) fn record_key(session: &str) -> String {
        format!("{{oxmcp}}:s:{session}")
    }

    /// Kills the server (SIGKILL) and waits for it: its port refuses connections now.
    pub(crate) async fn kill(&mut self) {
        self.child.kill().await.expect("kill redis-server");
    }

    /// Starts the server again on the same port, directory and settings (it reloads what
    /// its persistence kept), once the port is free again.
    pub(crate) async fn restart(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(child) = spawn_redis(self.port, &self.dir, &self.settings).await {
                self.child = child;
                return;
            }
            assert!(Instant::now() < deadline, "redis-server did not restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Starts `redis-server` on `port` in `dir`, and waits until it accepts connections
/// (`None` when it exits first, or does not within 10 s).
async fn spawn_redis(port: u16, dir: &std::path::Path, settings: &[String]) -> Option<Child> {
    let mut child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--dir", dir.to_str().unwrap()])
        .args(settings)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("redis-server (scripts/setup-interop installs it)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return None;
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(child);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One everything-server process on `redis`, killed on drop.
pub(crate) struct Instance {
    /// Killed when dropped.
    child: Child,
    addr: SocketAddr,
}

impl Instance {
    /// Three instances on `redis`, each with `flags` (`--task-lease-ms`, say).
    pub(crate) async fn three(redis: &Redis, flags: &[&str]) -> Vec<Self> {
        let mut instances = Vec::new();
        for _ in 0..3 {
            instances.push(Self::start(redis, flags).await);
        }
        instances
    }

    /// One instance on `redis` with `flags`, once it listens.
    pub(crate) async fn start(redis: &Redis, flags: &[&str]) -> Self {
        let port = free_port();
        let mut child = Command::new(SERVER)
            .args(["http", "--port", &port.to_string(), "--redis", &redis.url])
            .args(flags)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn everything-server");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let listening = tokio::time::timeout(Duration::from_secs(20), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if line.contains("listening on") {
                    return true;
                }
            }
            false
        })
        .await;
        assert_eq!(listening, Ok(true), "everything-server did not start");
        // Keep draining its stderr so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Its MCP endpoint (not through the proxy).
    pub(crate) fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// Kills the process at once (SIGKILL), as a crash would.
    pub(crate) async fn kill(&mut self) {
        self.child.kill().await.expect("kill everything-server");
    }
}

/// The round-robin proxy in front of some instances: `url()` is its MCP endpoint; `counts`
/// how many requests went to each instance.
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    pub(crate) counts: Arc<Vec<AtomicUsize>>,
    /// The backends still up (the proxy skips the others).
    up: Arc<Vec<AtomicBool>>,
    /// The backend of the latest request.
    last: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub(crate) async fn start(instances: &[Instance]) -> Self {
        let backends: Vec<SocketAddr> = instances.iter().map(|i| i.addr).collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let counts: Arc<Vec<AtomicUsize>> =
            Arc::new(backends.iter().map(|_| AtomicUsize::new(0)).collect());
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client: Client<HttpConnector, Incoming> =
            Client::builder(TokioExecutor::new()).build(connector);
        let next = Arc::new(AtomicUsize::new(0));
        let up: Arc<Vec<AtomicBool>> =
            Arc::new(backends.iter().map(|_| AtomicBool::new(true)).collect());
        let last = Arc::new(AtomicUsize::new(0));
        let (backends, seen) = (Arc::new(backends), counts.clone());
        let (alive, latest) = (up.clone(), last.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (client, next, backends, seen) =
                    (client.clone(), next.clone(), backends.clone(), seen.clone());
                let (alive, latest) = (alive.clone(), latest.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |mut req: hyper::Request<Incoming>| {
                        let mut n = next.fetch_add(1, Ordering::Relaxed) % backends.len();
                        while !alive[n].load(Ordering::Relaxed) {
                            n = next.fetch_add(1, Ordering::Relaxed) % backends.len();
                        }
                        latest.store(n, Ordering::Relaxed);
                        seen[n].fetch_add(1, Ordering::Relaxed);
                        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
                        *req.uri_mut() = format!("http://{}{path}", backends[n]).parse().unwrap();
                        let client = client.clone();
                        async move { client.request(req).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Self {
            addr,
            counts,
            up,
            last,
            task,
        }
    }

    /// The backend the latest request went to.
    pub(crate) fn last(&self) -> usize {
        self.last.load(Ordering::Relaxed)
    }

    /// Sends nothing more to backend `n` (it died).
    pub(crate) fn down(&self, n: usize) {
        self.up[n].store(false, Ordering::Relaxed);
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
