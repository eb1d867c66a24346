//! The one-call helper: serve an MCP endpoint with hyper on an address.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, StatusCode};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::body;
use super::client::bucket;
use super::connections::{Connections, Registration, Tracked};
use super::inbound::RemoteAddr;
use super::{HttpServerConfig, McpService, SessionFactory};

/// The path [`serve`] answers on.
pub const DEFAULT_PATH: &str = "/mcp";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound.
    #[error("could not listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The failure.
        #[source]
        source: std::io::Error,
    },
    /// Two of the endpoints would share a path: the MCP endpoint and, when they are on,
    /// the legacy HTTP+SSE paths must all differ.
    #[error("the path {path} is given to two endpoints (MCP, legacy SSE, legacy messages)")]
    PathClash {
        /// The path given twice.
        path: String,
    },
}

/// The first path shared by two endpoints, if any.
fn clashing_path(service: &McpService, path: &str) -> Option<String> {
    let legacy = service.inner.settings.config.legacy_sse.as_ref()?;
    let paths = [
        path,
        legacy.sse_path.as_str(),
        legacy.messages_path.as_str(),
    ];
    paths
        .iter()
        .enumerate()
        .find(|(i, p)| paths[..*i].contains(p))
        .map(|(_, p)| (*p).to_owned())
}

/// A running HTTP server.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    path: String,
    service: McpService,
    stop: CancellationToken,
    task: JoinHandle<()>,
    connections: Arc<Connections>,
}

impl Server {
    /// The address the server listens on (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL of the MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local_addr, self.path)
    }

    /// How many connections are open (at most
    /// [`max_connections`](HttpServerConfig::max_connections)).
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// The service (for its session count, or to end all sessions).
    pub fn service(&self) -> &McpService {
        &self.service
    }

    /// Stops accepting, ends every session, lets open connections finish, and waits.
    pub async fn shutdown(self) {
        self.stop.cancel();
        self.service.close_all().await;
        let _ = self.task.await;
    }
}

/// Serves `factory`'s sessions on `addr` (use `127.0.0.1:PORT`: a loopback address is the
/// safe default, and the Host/Origin checks accept only loopback names unless configured)
/// at [`DEFAULT_PATH`], with the default settings. Each connection speaks HTTP/1.1, or
/// HTTP/2 when it opens with the HTTP/2 preface (prior knowledge; there is no TLS here, so
/// no ALPN), with at most
/// [`max_streams_per_connection`](HttpServerConfig::max_streams_per_connection) requests
/// open at once.
///
/// ```no_run
/// use oxmcp_core::{NoHandler, ServerConfig, serve_server};
/// use oxmcp_types::Implementation;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let config = ServerConfig::new(Implementation::new("demo", "1.0"));
/// let server = oxmcp_http::serve("127.0.0.1:8080".parse().unwrap(), move |t| {
///     serve_server(t, config.clone(), NoHandler)
/// })
/// .await
/// .unwrap();
/// println!("listening on {}", server.url());
/// # }
/// ```
pub async fn serve(addr: SocketAddr, factory: impl SessionFactory) -> Result<Server, ServeError> {
    serve_with(
        addr,
        McpService::new(factory, HttpServerConfig::default()),
        DEFAULT_PATH,
    )
    .await
}

/// Serves `service` on `addr` at `path` (and at the legacy HTTP+SSE paths when the
/// service's [`legacy_sse`](HttpServerConfig::legacy_sse) is on); other paths get 404.
/// Fails with [`ServeError::PathClash`] when two of these paths are the same.
pub async fn serve_with(
    addr: SocketAddr,
    service: McpService,
    path: &str,
) -> Result<Server, ServeError> {
    if let Some(path) = clashing_path(&service, path) {
        return Err(ServeError::PathClash { path });
    }
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    let local_addr = listener
        .local_addr()
        .map_err(|source| ServeError::Bind { addr, source })?;
    let stop = CancellationToken::new();
    let config = service.config();
    let connections = Arc::new(Connections::new(
        config.max_connections,
        config.max_connections_per_client,
    ));
    let task = tokio::spawn(accept_loop(
        listener,
        service.clone(),
        path.to_owned(),
        stop.clone(),
        connections.clone(),
    ));
    Ok(Server {
        local_addr,
        path: path.to_owned(),
        service,
        stop,
        task,
        connections,
    })
}

/// Accepts one connection with `TCP_NODELAY` set: without it an SSE answer leaves as
/// several small writes that Nagle's algorithm and delayed ACKs hold back.
pub(crate) async fn accept(listener: &TcpListener) -> std::io::Result<(TcpStream, SocketAddr)> {
    let (stream, peer) = listener.accept().await?;
    stream.set_nodelay(true)?;
    Ok((stream, peer))
}

/// Whether an accept failed for want of file descriptors (`EMFILE`, `ENFILE`).
fn out_of_descriptors(e: &std::io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23 | 24))
}

async fn accept_loop(
    listener: TcpListener,
    service: McpService,
    path: String,
    stop: CancellationToken,
    open: Arc<Connections>,
) {
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let accepted = tokio::select! {
            () = stop.cancelled() => break,
            accepted = accept(&listener) => accepted,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors: make room by closing an idle connection, as at
                // the cap. Otherwise (or with none idle) wait a little rather than spin.
                tracing::warn!(error = %e, "accept failed");
                if !(out_of_descriptors(&e) && open.close_one()) {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                continue;
            }
        };
        let Some(registration) = open.admit(bucket(remote.ip()), &stop) else {
            drop(stream);
            continue;
        };
        connections.spawn(connection(
            stream,
            remote,
            service.clone(),
            path.clone(),
            registration,
        ));
    }
    connections.close();
    connections.wait().await;
}

async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    service: McpService,
    path: String,
    registration: Registration,
) {
    let header_timeout = service.config().header_read_timeout;
    let streams = service.config().max_streams_per_connection;
    let state = registration.state.clone();
    let remote = Arc::new(RemoteAddr(remote));
    let handler = hyper::service::service_fn(move |request: Request<Incoming>| {
        let busy = state.begin();
        let remote = remote.clone();
        let service = service.clone();
        let on_path = request.uri().path() == path || service.is_legacy_path(request.uri().path());
        async move {
            let document = (!on_path && request.method() == http::Method::GET)
                .then(|| service.document(request.uri().path()))
                .flatten();
            let response = if on_path {
                service.handle_from(request, Some(remote)).await
            } else if let Some(document) = document {
                body::document(document)
            } else {
                body::invalid(StatusCode::NOT_FOUND, "not found")
            };
            Ok::<_, Infallible>(response.map(|body| Tracked::new(body, busy)))
        }
    });
    let close = registration.state.close.clone();
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(streams);
    let conn = builder.serve_connection(TokioIo::new(stream), handler);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "HTTP connection ended with an error");
            }
        }
        () = close.cancelled() => {
            // The server stops, or the connection is closed for room: requests in flight
            // finish first; an idle connection (perhaps half-way through a header) is
            // closed at once by dropping it.
            if registration.state.is_busy() {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
            }
        }
    }
    drop(registration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_sockets_have_nodelay() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let client = tokio::spawn(async move { TcpStream::connect(addr).await.unwrap() });
        let (server_side, _) = accept(&listener).await.unwrap();
        assert!(server_side.nodelay().unwrap());
        drop(client.await.unwrap());
    }
}
