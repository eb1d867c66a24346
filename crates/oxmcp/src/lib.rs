//! oxmcp: a complete Model Context Protocol implementation in Rust.
//!
//! This facade is the one crate applications depend on. It re-exports the wire model
//! ([`types`]) and the peer engine ([`core`]), plus the items most programs use at the top
//! level.
//!
//! - [`types`]: every request, result and notification of MCP 2025-11-25 (and the older
//!   revisions), the JSON-RPC envelope, capabilities.
//! - [`core`]: sessions for both roles, [`Handler`], [`RequestContext`], [`Peer`], and the
//!   stdio, child-process and in-memory transports.
//!
//! ```
//! use oxmcp::{ClientConfig, NoHandler, ServerConfig, connect, serve_server, transport::memory};
//! use oxmcp::types::Implementation;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (a, b) = memory::duplex(16);
//! let _server = serve_server(a, ServerConfig::new(Implementation::new("s", "1")), NoHandler);
//! let client = connect(b, ClientConfig::new(Implementation::new("c", "1")), NoHandler).await.unwrap();
//! client.peer().ping().await.unwrap();
//! # }
//! ```

pub use oxmcp_core as core;
pub use oxmcp_core::{
    ClientConfig, Handler, HandlerResult, IncomingNotification, IncomingRequest, InitializeError,
    NoHandler, NotificationContext, NotifyError, Peer, RequestContext, RequestError,
    RequestOptions, RunningClient, RunningServer, ServerConfig, SessionConfig, SessionEnd,
    SessionHandle, SessionInfo, connect, role, serve_server, to_result, transport,
};
pub use oxmcp_types as types;

/// The README's examples, compiled as doc tests so that the guide stays true.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
