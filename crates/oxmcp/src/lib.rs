//! oxmcp: a complete Model Context Protocol implementation in Rust.
//!
//! This facade is the one crate applications depend on, with `tokio` for the runtime:
//!
//! ```toml
//! [dependencies]
//! oxmcp = "0.1"
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//! ```
//!
//! A server with two tools, over stdio (the client starts it and talks on its stdin and
//! stdout):
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use oxmcp::prelude::*;
//! use oxmcp::transport::stdio::stdio;
//! use oxmcp::types::Implementation;
//!
//! /// The result of `add`.
//! #[schema]
//! struct Sum {
//!     sum: f64,
//! }
//!
//! struct Calculator;
//!
//! #[tool_router]
//! impl Calculator {
//!     /// Adds two numbers.
//!     #[tool(annotations(read_only))]
//!     async fn add(
//!         &self,
//!         /// The first number.
//!         a: f64,
//!         /// The second number.
//!         b: f64,
//!     ) -> Json<Sum> {
//!         Json(Sum { sum: a + b })
//!     }
//!
//!     /// Reads a small text file.
//!     #[tool]
//!     fn read(
//!         &self,
//!         /// The file's path.
//!         path: String,
//!     ) -> std::io::Result<String> {
//!         // Any error type works: it becomes a tool execution error the model can read.
//!         std::fs::read_to_string(path)
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let server = McpServer::builder(Implementation::new("calculator", "1.0.0"))
//!         .tools(Arc::new(Calculator).tool_routes())
//!         .build()?;
//!     server.serve(stdio()).wait().await; // until the client closes stdin
//!     Ok(())
//! }
//! ```
//!
//! What is where:
//!
//! - At the root and in the [`prelude`]: the server ([`McpServer`], [`ToolRoute`],
//!   [`ResourceRoute`], [`ResourceTemplateRoute`], [`PromptRoute`], [`ToolError`],
//!   [`Json`], [`RequestContext`]), the client ([`McpClient`], [`ClientHandler`]) and the
//!   macros.
//! - [`types`]: every request, result and notification of MCP 2025-11-25 (and the older
//!   revisions), the JSON-RPC envelope, capabilities.
//! - [`transport`]: stdio, child process, in memory; [`server`] and [`client`]: the rest of
//!   the SDK of each role (pagination, completion, the `tracing` bridge, notification
//!   streams, ...).
//! - [`core`]: the engine crate itself, for what the facade does not name: sessions for
//!   both roles, [`Handler`], [`Peer`].
//!
//! The engine without the SDK: a [`Handler`] answers requests by method name.
//!
//! ```
//! use oxmcp::{ClientConfig, NoHandler, ServerConfig, connect, serve_server, transport::memory};
//! use oxmcp::types::Implementation;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() {
//!     let (a, b) = memory::duplex(16);
//!     let _server = serve_server(a, ServerConfig::new(Implementation::new("s", "1")), NoHandler);
//!     let client = connect(b, ClientConfig::new(Implementation::new("c", "1")), NoHandler).await.unwrap();
//!     client.peer().ping().await.unwrap();
//! }
//! ```
//!
//! # Tools with macros
//!
//! With the `macros` feature (on by default), [`macro@tool_router`] on an inherent impl turns
//! its [`macro@tool`] methods into tools. The doc comment is the description; the name is the
//! method's; the arguments are either one struct that derives `Deserialize` and
//! `JsonSchema`, or plain parameters, from which the macro generates that struct (their doc
//! comments, `#[serde(...)]` and `#[schemars(...)]` attributes move to its fields). A
//! [`RequestContext`] parameter, anywhere in the list, receives the request's context. The
//! return type is anything that implements [`ToolOutput`]: text, content, [`Json`] for
//! structured output with a generated `outputSchema`, or a `Result` of one with an error
//! that converts into [`ToolError`].
//!
//! ```
//! use std::sync::Arc;
//!
//! use oxmcp::prelude::*;
//! use oxmcp::types::Implementation;
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct AddArgs {
//!     /// The first number.
//!     a: f64,
//!     /// The second number.
//!     b: f64,
//! }
//!
//! #[derive(serde::Serialize, schemars::JsonSchema)]
//! struct Sum {
//!     sum: f64,
//! }
//!
//! struct Calculator;
//!
//! #[tool_router]
//! impl Calculator {
//!     /// Adds two numbers.
//!     #[tool(title = "Add", annotations(read_only, idempotent))]
//!     async fn add(&self, args: AddArgs) -> Json<Sum> {
//!         Json(Sum { sum: args.a + args.b })
//!     }
//!
//!     /// Echoes text, reporting progress.
//!     #[tool]
//!     async fn echo(
//!         &self,
//!         cx: RequestContext<Server>,
//!         /// The text to echo.
//!         text: String,
//!     ) -> Result<String, ToolError> {
//!         cx.progress(1.0, Some(1.0), None).await.map_err(|e| ToolError::execution(e))?;
//!         Ok(text)
//!     }
//! }
//!
//! let routes = Arc::new(Calculator).tool_routes();
//! assert_eq!(routes[1].tool().input_schema["required"], serde_json::json!(["text"]));
//! let server = McpServer::builder(Implementation::new("calculator", "1.0.0"))
//!     .tools(routes)
//!     .build()
//!     .unwrap();
//! # let _ = server;
//! ```
//!
//! The argument and output types derive `Serialize`/`Deserialize` and `JsonSchema`
//! (schemars 1.x). [`macro@schema`] derives them through `oxmcp`'s re-exports, so that a
//! crate needs no direct dependency on `serde` or `schemars` (deriving with those crates
//! directly works as well). The code the macros generate needs nothing but `oxmcp`.
//!
//! A tool may be a plain `fn` as well as an `async fn`. With a `Result` return type, `?`
//! works on any `std::error::Error + Send + Sync + 'static` (and `anyhow::Error`, `String`,
//! `&str`): it becomes a tool execution error (`isError: true`) the model can read, while
//! an [`types::ErrorData`] stays a JSON-RPC error.
//!
//! # Features
//!
//! - `macros` (default): [`macro@tool_router`] and [`macro@tool`], [`macro@prompt_router`]
//!   and [`macro@prompt`], [`macro@resource_router`] and [`macro@resource`],
//!   [`macro@schema`].
//! - `tasks` (default): tasks, for both roles (`oxmcp::tasks`, the `oxmcp-tasks` crate).
//! - `http`: Streamable HTTP, server and client (`oxmcp::http`).
//! - `sqlite`: the durable task store in embedded SQLite (`oxmcp::sqlite::SqliteTaskStore`);
//!   implies `tasks`.
//! - `redis`: several server processes on one Redis (`oxmcp::redis`: `RedisTaskStore` with
//!   leases, `RedisEventStore` on Redis Streams, `RedisSessionStore` and `RedisBus`, so
//!   that any instance serves any request and every server change reaches every client);
//!   implies `tasks` and `http`.
//!
//! # Tasks
//!
//! With the `tasks` feature (on by default), `oxmcp::tasks` (MCP 2025-11-25, SEP-1686, the
//! `oxmcp-tasks` crate): a `TaskEngine` over a `TaskStore` (`MemoryTaskStore`, or the
//! SQLite store with the `sqlite` feature) runs task-augmented requests; give one to
//! `McpServer::builder(..).tasks(engine)` (`TasksServerBuilderExt`) and mark tools with
//! `ToolRoute::with_task_support`. Clients call tools as tasks with
//! `McpClient::call_tool_as_task` (`McpClientTasksExt`). The [`prelude`] brings the
//! extension traits into scope.

/// OAuth 2.1 for the HTTP client (`auth::client::OAuthClient`). Enabled by the `auth`
/// feature.
#[cfg(feature = "auth")]
pub use oxmcp_auth as auth;
/// The engine crate, `oxmcp-core`, for what the facade does not name.
pub use oxmcp_core as core;
pub use oxmcp_core::server::completion::Completer;
pub use oxmcp_core::server::prompts::{PromptArguments, PromptRoute};
pub use oxmcp_core::server::resources::{
    ResourceRoute, ResourceTemplateRoute, UriVariables, resource_not_found,
};
pub use oxmcp_core::server::tools::{Json, NoArguments, ToolError, ToolOutput, ToolRoute};
pub use oxmcp_core::server::{McpServerBuilder, RegistrationError};
pub use oxmcp_core::{
    ClientConfig, ClientHandler, ClientRequestError, ElicitOutcome, Extensions, Handler,
    HandlerResult, IncomingNotification, IncomingRequest, InitializeError, McpClient, McpServer,
    Middleware, Next, NoHandler, NotificationContext, NotifyError, Peer, Principal, RequestContext,
    RequestError, RequestOptions, RunningClient, RunningServer, ServerConfig, SessionConfig,
    SessionEnd, SessionExtensions, SessionHandle, SessionInfo, client, connect, middleware, role,
    serve_server, server, to_result, transport,
};
/// Streamable HTTP: the server (`McpService`, `serve`) and the client transport
/// (`HttpClientTransport`). Enabled by the `http` feature.
#[cfg(feature = "http")]
pub use oxmcp_http as http;
#[cfg(feature = "macros")]
pub use oxmcp_macros::{
    prompt, prompt_router, resource, resource_router, schema, tool, tool_router,
};
/// Several server processes on one Redis: the task store with leases
/// (`RedisTaskStore`) and the event store of resumable streams (`RedisEventStore`).
/// Enabled by the `redis` feature.
#[cfg(feature = "redis")]
pub use oxmcp_store_redis as redis;
/// Durable task storage in one embedded SQLite file (`SqliteTaskStore`). Enabled by the
/// `sqlite` feature.
#[cfg(feature = "sqlite")]
pub use oxmcp_store_sqlite as sqlite;
/// Tasks, for both roles: the engine, its settings, the store contract and the in-memory
/// store; task handles, polling and the extension traits. Enabled by the `tasks` feature.
#[cfg(feature = "tasks")]
pub use oxmcp_tasks as tasks;
pub use oxmcp_types as types;
/// `schemars`, re-exported: [`macro@schema`] derives `JsonSchema` through it, and the code
/// the macros generate names it (see [the macros guide](crate#tools-with-macros)).
pub use schemars;
/// `serde`, re-exported: [`macro@schema`] derives `Serialize` and `Deserialize` through it,
/// and the code the macros generate names it (see [the macros guide](crate#tools-with-macros)).
pub use serde;
/// `serde_json`, re-exported for building JSON values.
pub use serde_json;

/// The names most servers and clients use: `use oxmcp::prelude::*;`.
pub mod prelude {
    pub use crate::role::Server;
    #[cfg(feature = "tasks")]
    pub use crate::tasks::{
        ClientTaskRequests as _, McpClientTasksExt as _, MemoryTaskStore, ServerTaskRequests as _,
        TaskConfig, TaskContextExt as _, TaskEngine, TaskRequests as _, TasksClientExt as _,
        TasksServerBuilderExt as _, TasksServerExt as _,
    };
    pub use crate::{
        ClientHandler, ElicitOutcome, Json, McpClient, McpServer, PromptRoute, RequestContext,
        ResourceRoute, ResourceTemplateRoute, ToolError, ToolRoute,
    };
    #[cfg(feature = "macros")]
    pub use crate::{prompt, prompt_router, resource, resource_router, schema, tool, tool_router};
}

/// What the code the macros generate needs. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private;

/// The README's examples, compiled as doc tests so that the guide stays true. They use the
/// default features (tasks among them).
#[doc = include_str!("../../../README.md")]
#[cfg(all(doctest, feature = "tasks"))]
pub struct ReadmeDoctests;
