//! The HTTP load generator: raw MCP over hyper, one keep-alive connection per client,
//! pre-serialized bodies, one `tools/call` in flight per client. A 2025-11-25 client opens a
//! session (`initialize`) and calls in it; a 2026-07-28 client sends each call on its own,
//! carrying its version, capabilities and client info in `_meta` and the `Mcp-Method` and
//! `Mcp-Name` headers.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

pub(crate) const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"oxmcp-bench","version":"1.0"}}}"#;
pub(crate) const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello, bench"}}}"#;
const MODERN_CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello, bench"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"oxmcp-bench","version":"1.0"}}}}"#;

/// A 2025-11-25 `tools/call` as large as [`MODERN_CALL`]: the same `_meta`, but for one
/// letter of the version key, which leaves it a session request.
const SIZED_CALL: &str = r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello, bench"},"_meta":{"io.modelcontextprotocol/protocolVersiom":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"oxmcp-bench","version":"1.0"}}}}"#;

/// The body of a `tools/call` of `era`.
pub(crate) fn call_body(era: Era) -> &'static str {
    match era {
        Era::Legacy => CALL,
        Era::Modern => MODERN_CALL,
        Era::LegacySized => SIZED_CALL,
    }
}

/// Which revision a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Era {
    /// 2025-11-25: a session opened by `initialize`.
    Legacy,
    /// 2026-07-28: no session, every request on its own.
    Modern,
    /// 2025-11-25, each call as large as a 2026-07-28 one (its `_meta` and its `Mcp-Method`
    /// and `Mcp-Name` headers): a control, for what the bytes alone cost.
    LegacySized,
}

impl Era {
    /// Whether its clients open a session.
    pub(crate) fn has_session(self) -> bool {
        self != Self::Modern
    }
}

/// One client: a connection and, for a 2025-11-25 client, an initialized session.
pub(crate) struct HttpClient {
    sender: SendRequest<Full<Bytes>>,
    authority: String,
    session: Option<http::HeaderValue>,
    era: Era,
}

pub(crate) fn post(
    authority: &str,
    session: Option<&http::HeaderValue>,
    era: Era,
    body: Bytes,
) -> Request<Full<Bytes>> {
    let mut request = Request::post("/mcp")
        .header(header::HOST, authority)
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header(header::CONTENT_TYPE, "application/json");
    request = match era {
        Era::Legacy => request.header("mcp-protocol-version", "2025-11-25"),
        Era::LegacySized => request
            .header("mcp-protocol-version", "2025-11-25")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "echo"),
        Era::Modern => request
            .header("mcp-protocol-version", "2026-07-28")
            .header("mcp-method", "tools/call")
            .header("mcp-name", "echo"),
    };
    if let Some(session) = session {
        request = request.header("mcp-session-id", session);
    }
    request.body(Full::new(body)).expect("a valid request")
}

impl HttpClient {
    /// Connects (TCP_NODELAY) and opens a session.
    pub(crate) async fn connect(addr: SocketAddr) -> Result<Self, Box<dyn std::error::Error>> {
        Self::connect_as(addr, Era::Legacy).await
    }

    /// Connects (TCP_NODELAY) and, in the 2025-11-25 era, opens a session.
    pub(crate) async fn connect_as(
        addr: SocketAddr,
        era: Era,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        let mut client = Self {
            sender,
            authority: addr.to_string(),
            session: None,
            era,
        };
        if era.has_session() {
            client.initialize().await?;
        }
        Ok(client)
    }

    /// Opens one more session on this connection.
    pub(crate) async fn initialize(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        self.sender.ready().await?;
        let response = self
            .sender
            .send_request(post(
                &self.authority,
                None,
                Era::Legacy,
                Bytes::from_static(INITIALIZE.as_bytes()),
            ))
            .await?;
        self.session = response.headers().get("mcp-session-id").cloned();
        let body = response.into_body().collect().await?.to_bytes();
        if memchr::memmem::find(&body, b"\"result\"").is_none() {
            return Err(format!("initialize failed: {}", String::from_utf8_lossy(&body)).into());
        }
        self.send(Bytes::from_static(INITIALIZED.as_bytes()))
            .await?;
        Ok(())
    }

    async fn send(&mut self, body: Bytes) -> Result<Bytes, Box<dyn std::error::Error>> {
        self.sender.ready().await?;
        let response = self
            .sender
            .send_request(post(&self.authority, self.session.as_ref(), self.era, body))
            .await?;
        Ok(response.into_body().collect().await?.to_bytes())
    }

    /// One `tools/call` round trip; checks that a result came back.
    pub(crate) async fn call(&mut self) -> Result<(), Box<dyn std::error::Error>> {
        let body = self
            .send(Bytes::from_static(call_body(self.era).as_bytes()))
            .await?;
        if memchr::memmem::find(&body, b"hello, bench").is_none() {
            return Err(format!("bad answer: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok(())
    }
}

/// What a load run measured.
#[derive(Debug, Default)]
pub(crate) struct LoadResult {
    pub(crate) calls: usize,
    pub(crate) elapsed: Duration,
    /// Round-trip times in microseconds, sorted.
    pub(crate) latencies: Vec<u32>,
}

impl LoadResult {
    pub(crate) fn per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `p`th percentile latency in microseconds.
    pub(crate) fn percentile(&self, p: f64) -> u32 {
        if self.latencies.is_empty() {
            return 0;
        }
        let i = ((self.latencies.len() - 1) as f64 * p / 100.0).round() as usize;
        self.latencies[i]
    }
}

/// `clients` clients calling as fast as they can: warm up until `start`, count until `end`.
/// Client `i` speaks `eras[i % eras.len()]`.
pub(crate) async fn run(
    addr: SocketAddr,
    clients: usize,
    eras: &[Era],
    start: Instant,
    end: Instant,
) -> LoadResult {
    run_paced(addr, clients, eras, start, end, None).await
}

/// [`run`], with the clients together making at most `rate` calls a second when given: each
/// starts its calls on a schedule of its own (one call every `clients / rate` seconds,
/// never more than one in flight), so that servers are compared at the same throughput
/// whatever the load generator itself spends per call.
pub(crate) async fn run_paced(
    addr: SocketAddr,
    clients: usize,
    eras: &[Era],
    start: Instant,
    end: Instant,
    rate: Option<f64>,
) -> LoadResult {
    let period = rate
        .filter(|r| *r > 0.0)
        .map(|r| Duration::from_secs_f64(clients as f64 / r));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let era = eras[i % eras.len()];
        tasks.push(tokio::spawn(async move {
            let mut client = HttpClient::connect_as(addr, era).await.expect("a client");
            let mut latencies = Vec::with_capacity(1 << 16);
            // The clients' schedules are spread over one period.
            let mut next = tokio::time::Instant::now()
                + period.map_or(Duration::ZERO, |p| p.mul_f64(i as f64 / clients as f64));
            loop {
                if let Some(period) = period {
                    tokio::time::sleep_until(next).await;
                    next += period;
                }
                let t = Instant::now();
                client.call().await.expect("a tools/call answer");
                let done = Instant::now();
                if done >= end {
                    break;
                }
                if t >= start {
                    latencies.push(u32::try_from((done - t).as_micros()).unwrap_or(u32::MAX));
                }
            }
            latencies
        }));
    }
    let mut result = LoadResult::default();
    for task in tasks {
        result.latencies.extend(task.await.expect("a client task"));
    }
    result.latencies.sort_unstable();
    result.calls = result.latencies.len();
    result.elapsed = end - start;
    result
}
