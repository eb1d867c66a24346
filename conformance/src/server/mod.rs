//! The conformance fixture server: exactly the tools, resources, prompts and completions the
//! suite's server scenarios call by name, on an [`McpServer`] served over Streamable HTTP.
//!
//! Every session gets the default HTTP settings (sessions, resumption with the in-memory
//! event store, DNS-rebinding protection for loopback names). The one thing a handler needs
//! beyond the engine is its session's [`SessionStreams`]: `test_reconnection` closes its own
//! SSE connection mid-call (SEP-1699), so the factory keeps each session's handle in a
//! [`StreamRegistry`] keyed by the engine's session id.

mod catalog;
mod elicitation;
mod modern;
mod rounds;
mod tasks;
mod tools;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use oxmcp_core::server::{McpServer, RegistrationError};
use oxmcp_http::{
    HttpServerConfig, HttpSessionTransport, McpService, ServeError, Server, SessionStreams,
    serve_with,
};
use oxmcp_tasks::TasksServerBuilderExt as _;
use oxmcp_types::Implementation;

/// The name the fixture gives itself in `initialize`.
pub const SERVER_NAME: &str = "oxmcp-conformance-server";

/// The stream handles of the live HTTP sessions, by engine session id
/// (`Peer::session_id`). Cheap to clone; clones share the map.
#[derive(Debug, Clone, Default)]
pub struct StreamRegistry {
    inner: Arc<Mutex<HashMap<u64, SessionStreams>>>,
}

impl StreamRegistry {
    fn with<T>(&self, f: impl FnOnce(&mut HashMap<u64, SessionStreams>) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Remembers the streams of engine session `session`.
    pub fn insert(&self, session: u64, streams: SessionStreams) {
        self.with(|map| map.insert(session, streams));
    }

    /// The streams of engine session `session`, while it lives.
    pub fn get(&self, session: u64) -> Option<SessionStreams> {
        self.with(|map| map.get(&session).cloned())
    }

    /// Forgets engine session `session`.
    pub fn remove(&self, session: u64) {
        self.with(|map| map.remove(&session));
    }

    /// How many sessions are known.
    pub fn len(&self) -> usize {
        self.with(|map| map.len())
    }

    /// Whether no session is known.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Builds the fixture server; `streams` is where `test_reconnection` finds its session.
pub fn build(streams: StreamRegistry) -> Result<McpServer, RegistrationError> {
    let mut builder =
        McpServer::builder(Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION")))
            .instructions("The oxmcp fixture for the official MCP conformance suite.")
            .tools(tools::routes(streams))
            .tools(rounds::routes())
            .tools(tasks::routes())
            .tasks(tasks::engine())
            .prompt(rounds::prompt())
            .resource_template(catalog::template());
    for resource in catalog::resources() {
        builder = builder.resource(resource);
    }
    for prompt in catalog::prompts() {
        builder = builder.prompt(prompt);
    }
    let server = builder.build()?;
    server.add_tools(modern::routes(&server.downgrade()))?;
    Ok(server)
}

/// The HTTP service: each new session is served by `server`, with its streams registered
/// in `streams` until it ends.
pub fn service(server: McpServer, streams: StreamRegistry, config: HttpServerConfig) -> McpService {
    McpService::new(
        move |transport: HttpSessionTransport| {
            let handle = transport.streams();
            let running = server.serve(transport);
            let id = running.peer().session_id();
            streams.insert(id, handle);
            let streams = streams.clone();
            let session = running.handle().clone();
            tokio::spawn(async move {
                session.wait().await;
                streams.remove(id);
            });
            running
        },
        config,
    )
}

/// Why the fixture could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A tool, resource or prompt was refused (a bug in the fixture).
    #[error("the fixture is invalid: {0}")]
    Registration(#[from] RegistrationError),
    /// The address could not be bound.
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// Serves the fixture at `/mcp` on `addr` (use a loopback address) with the default HTTP
/// settings.
pub async fn serve(addr: SocketAddr) -> Result<Server, StartError> {
    let streams = StreamRegistry::default();
    let server = build(streams.clone())?;
    let service = service(server, streams, HttpServerConfig::default());
    Ok(serve_with(addr, service, oxmcp_http::server::DEFAULT_PATH).await?)
}
