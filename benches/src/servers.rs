//! The servers under test, each run as its own process by `oxmcp-bench serve IMPL TRANSPORT`:
//! oxmcp and rmcp serving the same `echo` tool over Streamable HTTP (127.0.0.1, an ephemeral
//! port printed on stdout, TCP_NODELAY on every accepted socket) or over stdio.

mod raw;
mod sixteen;

use std::net::SocketAddr;
use std::sync::Arc;

use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use oxmcp_core::server::McpServer;
use oxmcp_core::server::tools::ToolRoute;
use oxmcp_http::{HttpServerConfig, McpService, ResponseMode, serve_with};
use oxmcp_store_redis::{RedisBus, RedisEventStore, RedisOptions, RedisSessionStore};
use oxmcp_types::Implementation;
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ServerHandler, ServiceExt, tool, tool_handler, tool_router};
use tokio::io::AsyncWriteExt;

/// The arguments of `echo`, for both implementations.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
pub(crate) struct EchoArgs {
    /// The text to send back.
    text: String,
}

pub(crate) fn oxmcp_server() -> McpServer {
    McpServer::builder(Implementation::new("oxmcp-bench", "1.0"))
        .tool(
            ToolRoute::new("echo", |a: EchoArgs, _cx| async move { a.text })
                .with_description("Echoes the text."),
        )
        .build()
        .expect("the echo tool registers")
}

/// The rmcp server, written the way rmcp's own examples write one.
#[derive(Debug, Clone)]
pub(crate) struct RmcpEcho {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl RmcpEcho {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    #[tool(description = "Echoes the text.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for RmcpEcho {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

/// Which server a process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Impl {
    /// oxmcp with its defaults (JSON answers when the handler sends nothing else first).
    Oxmcp,
    /// oxmcp with every answer on an SSE stream (what rmcp's stateful mode does).
    OxmcpSse,
    /// oxmcp in its stateless mode (no sessions: every POST is served on its own).
    OxmcpStateless,
    /// rmcp 3.11 with its defaults (stateful, SSE answers).
    Rmcp,
    /// The ceiling: hyper answering each POST with a fixed JSON body (no MCP at all).
    Raw,
    /// oxmcp with its sessions, stream events and messages between instances on the Redis
    /// named by `OXMCP_BENCH_REDIS` (HTTP only): any number of these behave as one server.
    OxmcpRedis,
    /// oxmcp with sixteen typed tools (cold start; stdio only).
    Oxmcp16,
    /// rmcp with the same sixteen tools (cold start; stdio only).
    Rmcp16,
}

impl Impl {
    pub(crate) fn parse(name: &str) -> Option<Self> {
        match name {
            // The same server; the load generator speaks 2026-07-28 (or both revisions) to it.
            "oxmcp" | "oxmcp-modern" | "oxmcp-mixed" => Some(Self::Oxmcp),
            "oxmcp-sse" => Some(Self::OxmcpSse),
            "oxmcp-stateless" => Some(Self::OxmcpStateless),
            "rmcp" => Some(Self::Rmcp),
            "raw" => Some(Self::Raw),
            "oxmcp-redis" | "oxmcp-redis-x3" => Some(Self::OxmcpRedis),
            "oxmcp-16tools" => Some(Self::Oxmcp16),
            "rmcp-16tools" => Some(Self::Rmcp16),
            _ => None,
        }
    }
}

pub(crate) async fn print_port(addr: SocketAddr) -> std::io::Result<()> {
    let mut out = tokio::io::stdout();
    out.write_all(format!("{}\n", addr.port()).as_bytes())
        .await?;
    out.flush().await
}

/// HTTP settings with sessions, events and the bus on the Redis of `OXMCP_BENCH_REDIS`, the
/// bus also relaying `server`'s changes to the other instances, as a deployment would.
async fn on_redis(server: &McpServer) -> Result<HttpServerConfig, Box<dyn std::error::Error>> {
    let url = std::env::var("OXMCP_BENCH_REDIS").map_err(|_| "set OXMCP_BENCH_REDIS")?;
    let options = RedisOptions::new(url).prefix("oxmcp-bench");
    let bus = RedisBus::connect(&options).await?;
    drop(bus.relay_changes(server).await?);
    // `OXMCP_BENCH_TOUCH_MS`: refresh a session's expiry at most that often (default: on
    // every request).
    let touch = std::env::var("OXMCP_BENCH_TOUCH_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_millis);
    Ok(HttpServerConfig::default()
        .with_session_touch_interval(touch)
        .with_event_store(Some(Arc::new(RedisEventStore::connect(&options).await?)))
        .with_session_store(Some(Arc::new(RedisSessionStore::connect(&options).await?)))
        .with_bus(Some(Arc::new(bus))))
}

/// Serves over Streamable HTTP on 127.0.0.1 until killed.
pub(crate) async fn serve_http(which: Impl) -> Result<(), Box<dyn std::error::Error>> {
    let any: SocketAddr = "127.0.0.1:0".parse()?;
    match which {
        Impl::Oxmcp | Impl::OxmcpSse | Impl::OxmcpStateless => {
            let server = oxmcp_server();
            let mode = if which == Impl::OxmcpSse {
                ResponseMode::Sse
            } else {
                ResponseMode::Auto
            };
            let config = HttpServerConfig::default()
                .with_response_mode(mode)
                .with_stateless(which == Impl::OxmcpStateless);
            let service = McpService::new(move |t| server.serve(t), config);
            let running = serve_with(any, service, "/mcp").await?;
            print_port(running.local_addr()).await?;
            std::future::pending::<()>().await;
        }
        Impl::Raw => raw::serve_http(any).await?,
        Impl::OxmcpRedis => {
            let server = oxmcp_server();
            let config = on_redis(&server).await?;
            let service = McpService::new(move |t| server.serve(t), config);
            let running = serve_with(any, service, "/mcp").await?;
            print_port(running.local_addr()).await?;
            std::future::pending::<()>().await;
        }
        Impl::Oxmcp16 | Impl::Rmcp16 => return Err("the sixteen-tool servers serve stdio".into()),
        Impl::Rmcp => {
            let service: StreamableHttpService<RmcpEcho, LocalSessionManager> =
                StreamableHttpService::new(
                    || Ok(RmcpEcho::new()),
                    Arc::default(),
                    StreamableHttpServerConfig::default(),
                );
            let listener = tokio::net::TcpListener::bind(any).await?;
            print_port(listener.local_addr()?).await?;
            loop {
                let (stream, _) = listener.accept().await?;
                stream.set_nodelay(true)?;
                let service = TowerToHyperService::new(service.clone());
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
    Ok(())
}

/// Serves over stdio until stdin ends.
pub(crate) async fn serve_stdio(which: Impl) -> Result<(), Box<dyn std::error::Error>> {
    match which {
        Impl::Oxmcp | Impl::OxmcpSse | Impl::OxmcpStateless => {
            oxmcp_server()
                .serve(oxmcp_core::transport::stdio())
                .wait()
                .await;
        }
        Impl::Raw => raw::serve_stdio().await?,
        Impl::OxmcpRedis => return Err("the Redis server serves HTTP".into()),
        Impl::Oxmcp16 => {
            sixteen::oxmcp_server()
                .serve(oxmcp_core::transport::stdio())
                .wait()
                .await;
        }
        Impl::Rmcp16 => {
            let running = sixteen::RmcpSixteen::new()
                .serve(rmcp::transport::io::stdio_pipes())
                .await?;
            running.waiting().await?;
        }
        Impl::Rmcp => {
            let running = RmcpEcho::new()
                .serve(rmcp::transport::io::stdio_pipes())
                .await?;
            running.waiting().await?;
        }
    }
    Ok(())
}
