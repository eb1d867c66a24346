//! A TCP proxy on 127.0.0.1 that cuts connections: every time `every` more occurrences of a
//! pattern went from the server to the client (counted over all connections), it forwards
//! the bytes up to the middle of that occurrence (a partial SSE event) and drops the
//! connection, until it has cut `max_cuts` times.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The running proxy.
pub(crate) struct CuttingProxy {
    addr: SocketAddr,
    cuts: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

struct Counter {
    pattern: &'static [u8],
    every: usize,
    max_cuts: usize,
    seen: AtomicUsize,
    cuts: Arc<AtomicUsize>,
}

impl Counter {
    /// Counts the occurrences in `chunk` (with `carry`, the tail of the previous chunk);
    /// returns where to cut, if this chunk crosses the next threshold.
    fn scan(&self, carry: &[u8], chunk: &[u8]) -> Option<usize> {
        let joined = [carry, chunk].concat();
        let n = self.pattern.len();
        let mut at = 0;
        while at + n <= joined.len() {
            if &joined[at..at + n] == self.pattern {
                // Occurrences wholly inside `carry` were counted with the previous chunk.
                if at + n > carry.len() {
                    let seen = self.seen.fetch_add(1, Ordering::SeqCst) + 1;
                    if seen.is_multiple_of(self.every)
                        && self.cuts.load(Ordering::SeqCst) < self.max_cuts
                    {
                        self.cuts.fetch_add(1, Ordering::SeqCst);
                        return Some((at + n / 2).saturating_sub(carry.len()));
                    }
                }
                at += n;
            } else {
                at += 1;
            }
        }
        None
    }
}

impl CuttingProxy {
    /// A proxy to `upstream`.
    pub(crate) async fn start(
        upstream: SocketAddr,
        pattern: &'static [u8],
        every: usize,
        max_cuts: usize,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cuts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::new(Counter {
            pattern,
            every,
            max_cuts,
            seen: AtomicUsize::new(0),
            cuts: cuts.clone(),
        });
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    pipe(client, server, &counter).await;
                });
            }
        });
        Self { addr, cuts, task }
    }

    /// The URL of the MCP endpoint through the proxy.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/mcp", self.addr)
    }

    /// How many connections were cut.
    pub(crate) fn cuts(&self) -> usize {
        self.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies both ways until either side ends or the counter says to cut.
async fn pipe(client: TcpStream, server: TcpStream, counter: &Counter) {
    let (mut client_rd, mut client_wr) = client.into_split();
    let (mut server_rd, mut server_wr) = server.into_split();
    let upstream = async {
        let _ = tokio::io::copy(&mut client_rd, &mut server_wr).await;
        let _ = server_wr.shutdown().await;
    };
    let downstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        let mut carry = Vec::new();
        loop {
            let n = match server_rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let chunk = &buf[..n];
            if let Some(cut) = counter.scan(&carry, chunk) {
                let _ = client_wr.write_all(&chunk[..cut]).await;
                return;
            }
            if client_wr.write_all(chunk).await.is_err() {
                return;
            }
            let keep = counter.pattern.len().saturating_sub(1).min(chunk.len());
            carry = chunk[chunk.len() - keep..].to_vec();
        }
        let _ = client_wr.shutdown().await;
    };
    // Whichever way ends first ends the connection (both halves are dropped).
    tokio::select! {
        () = upstream => {}
        () = downstream => {}
    }
}
