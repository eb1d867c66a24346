//! Streamable HTTP for oxmcp (MCP 2025-11-25, with the 2025-06-18 and 2025-03-26 revisions).
//!
//! - Server: [`McpService`], a tower `Service<http::Request<B>>` for one MCP endpoint that
//!   mounts in axum or plain hyper, and [`serve`], a one-call hyper server on a (loopback)
//!   address. Sessions with secure ids, idle reaping and a cap; a stateless mode; JSON or
//!   SSE answers; the standalone GET stream; resumption through an [`EventStore`]; SSE
//!   polling; JSON-RPC batches for 2025-03-26 sessions; DNS-rebinding protection and limits
//!   on by default; the legacy HTTP+SSE endpoints (2024-11-05) on request
//!   ([`LegacySseConfig`]).
//! - Client: [`HttpClientTransport`], an oxmcp-core transport for `oxmcp_core::connect`,
//!   with a transparent new session when the server ended the old one, and a fallback to
//!   the legacy HTTP+SSE transport for servers that refuse the `initialize` POST.
//! - [`sse`]: the server-sent events reader the client uses.
//!
//! ```
//! use oxmcp_core::{ClientConfig, NoHandler, ServerConfig, connect, serve_server};
//! use oxmcp_http::{HttpClientTransport, serve};
//! use oxmcp_types::Implementation;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let config = ServerConfig::new(Implementation::new("demo", "1.0"));
//! let server = serve("127.0.0.1:0".parse().unwrap(), move |t| {
//!     serve_server(t, config.clone(), NoHandler)
//! })
//! .await
//! .unwrap();
//! let transport = HttpClientTransport::new(&server.url()).unwrap();
//! let me = ClientConfig::new(Implementation::new("me", "1.0"));
//! let client = connect(transport, me, NoHandler).await.unwrap();
//! client.peer().ping().await.unwrap();
//! client.close().await;
//! server.shutdown().await;
//! # }
//! ```

pub mod bus;
pub mod client;
pub mod event_store;
pub mod server;
pub mod session_store;
pub mod sse;

pub use bus::{Bus, BusError, Delivery, Envelope};
pub use client::{
    HttpClientConfig, HttpClientError, HttpClientTransport, HttpFailure, SessionIdHandle,
};
pub use event_store::{EventId, EventStore, EventStoreError, MemoryEventStore};
pub use server::{
    AllowedHosts, AllowedOrigins, AuthHook, AuthRejection, HttpServerConfig, HttpSessionTransport,
    LegacySseConfig, McpBody, McpService, NoAuth, Principal, RemoteAddr, ResponseMode, ServeError,
    Server, SessionFactory, SessionStreams, SsePolling, serve, serve_with,
};
pub use session_store::{
    MemorySessionStore, Replaced, SessionRecord, SessionStore, SessionStoreError,
};
