//! The oxmcp peer engine.
//!
//! One engine for both roles of the Model Context Protocol: the lifecycle (`initialize`,
//! version negotiation, `notifications/initialized`), concurrent request handling with
//! per-request cancellation, notifications handled in order, `ping`, progress, timeouts that
//! send `notifications/cancelled`, and capability enforcement in both directions. Transports
//! are pluggable ([`transport`]); stdio, child-process and in-memory ones are included.
//!
//! ```
//! use oxmcp_core::{
//!     ClientConfig, Handler, HandlerResult, IncomingRequest, NoHandler, RequestContext,
//!     ServerConfig, connect, serve_server, to_result, transport::memory,
//! };
//! use oxmcp_core::role::Server;
//! use oxmcp_types::{ErrorData, Implementation};
//!
//! struct Hello;
//!
//! impl Handler<Server> for Hello {
//!     async fn handle_request(&self, req: IncomingRequest, _cx: RequestContext<Server>) -> HandlerResult {
//!         match req.method.as_str() {
//!             "hello" => to_result(&serde_json::json!({ "greeting": "hi" })),
//!             other => Err(ErrorData::method_not_found(other)),
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (a, b) = memory::duplex(16);
//! let server = serve_server(a, ServerConfig::new(Implementation::new("demo", "1.0")), Hello);
//! let client = connect(b, ClientConfig::new(Implementation::new("me", "1.0")), NoHandler)
//!     .await
//!     .unwrap();
//! assert_eq!(client.session().peer_info.name, "demo");
//! client.peer().ping().await.unwrap();
//! let answer = client.peer().request_raw("hello", None, Default::default()).await.unwrap();
//! assert_eq!(answer.get(), r#"{"greeting":"hi"}"#);
//! client.close().await;
//! server.wait().await;
//! # }
//! ```

pub mod augment;
pub mod capability;
pub mod client;
pub mod config;
pub mod context;
pub mod cursor_key;
pub mod error;
pub mod extensions;
pub mod handler;
pub mod middleware;
mod principal;
pub mod role;
pub mod server;
pub mod session;
pub mod transport;
pub mod validate;

pub use client::{ClientConfig, RunningClient, connect};
pub use client::{ClientHandler, McpClient};
pub use config::SessionConfig;
pub use context::{Completion, NotificationContext, RequestContext};
pub use error::{InitializeError, NotifyError, RequestError};
pub use extensions::{ExtensionEntry, Extensions, SessionExtensions};
pub use handler::{
    BoxFuture, Handler, HandlerResult, IncomingNotification, IncomingRequest, NoHandler, to_result,
};
pub use middleware::{Middleware, MiddlewareStack, Next, NextNotification};
pub use principal::Principal;
pub use server::client_requests::{ClientRequestError, ElicitOutcome};
pub use server::{McpServer, RunningServer, ServerConfig, serve_server};
pub use session::{Peer, RequestOptions, SessionEnd, SessionHandle, SessionInfo, WeakPeer};
