//! Serving the server role over a transport, and [`McpServer`]: the shared router of tools,
//! resources, prompts and completions, with pagination and a `tracing` bridge.

pub mod client_requests;
pub mod completion;
mod listen;
pub(crate) mod missing_capability;
pub mod mrtr;
pub mod pagination;
pub mod prompts;
pub mod resources;
mod roots;
mod router;
mod scope;
mod sessions;
pub mod tools;
pub mod tracing_bridge;

pub use listen::DEFAULT_MAX_LISTEN_STREAMS;
pub use router::{
    DEFAULT_MAX_SUBSCRIPTIONS, McpServer, McpServerBuilder, RegistrationError, ServerChange,
    WeakMcpServer,
};
pub use scope::ScopedOperation;

use std::sync::Arc;

use oxmcp_types::{Implementation, ServerCapabilities};

use crate::config::SessionConfig;
use crate::extensions::Extensions;
use crate::handler::Handler;
use crate::principal::Principal;
use crate::role::Server;
use crate::session::{self, ContextSource, Peer, SessionHandle, SessionInfo};
use crate::transport::{Route, Transport};

/// Who the server is and what it offers.
///
/// ```
/// use oxmcp_core::ServerConfig;
/// use oxmcp_types::{Implementation, ServerCapabilities};
///
/// let config = ServerConfig::new(Implementation::new("demo", "0.1.0"))
///     .with_instructions("Call `echo` to test the connection.");
/// assert!(config.capabilities.tools.is_none());
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// `serverInfo`.
    pub info: Implementation,
    /// What the server declares; methods it does not declare are answered with -32601.
    pub capabilities: ServerCapabilities,
    /// `instructions` for the client.
    pub instructions: Option<String>,
    /// Limits and timeouts.
    pub session: SessionConfig,
    /// Where requests get their negotiated state, when not from `initialize` (see
    /// [`ContextSource`]); `None` (the default) negotiates in `initialize`.
    pub context_source: Option<Arc<dyn ContextSource<Server>>>,
    /// What the session's [extensions](crate::SessionExtensions) start with (for example
    /// the [`Principal`] of a stdio session's one user).
    pub extensions: Extensions,
}

impl ServerConfig {
    /// A server with no capabilities yet.
    pub fn new(info: Implementation) -> Self {
        Self {
            info,
            capabilities: ServerCapabilities::default(),
            instructions: None,
            session: SessionConfig::default(),
            context_source: None,
            extensions: Extensions::new(),
        }
    }

    /// Sets where requests get their negotiated state (see [`ContextSource`]).
    #[must_use]
    pub fn with_context_source(mut self, source: Arc<dyn ContextSource<Server>>) -> Self {
        self.context_source = Some(source);
        self
    }

    /// Adds `value` to the session's extensions at start.
    #[must_use]
    pub fn with_extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// Serves the session for `principal`: every request's
    /// [`principal`](crate::RequestContext::principal) is this one, unless the transport
    /// names another for the request. For transports that authenticate nobody themselves,
    /// such as stdio, whose one client is the user who started the server.
    #[must_use]
    pub fn with_principal(self, principal: Principal) -> Self {
        self.with_extension(principal)
    }

    /// Sets the capabilities.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: ServerCapabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Sets the instructions.
    #[must_use]
    pub fn with_instructions(mut self, instructions: impl Into<String>) -> Self {
        self.instructions = Some(instructions.into());
        self
    }

    /// Sets the session limits and timeouts.
    #[must_use]
    pub fn with_session_config(mut self, session: SessionConfig) -> Self {
        self.session = session;
        self
    }
}

/// A server session in progress.
#[derive(Debug, Clone)]
pub struct RunningServer {
    peer: Peer<Server>,
    handle: SessionHandle,
}

impl RunningServer {
    /// Sends requests and notifications to the client (once it is initialized).
    pub fn peer(&self) -> &Peer<Server> {
        &self.peer
    }

    /// What was negotiated, once the client sent `initialize`.
    pub fn session(&self) -> Option<&Arc<SessionInfo<Server>>> {
        self.peer.session()
    }

    /// Waits for the end of the session, or closes it.
    pub fn handle(&self) -> &SessionHandle {
        &self.handle
    }

    /// Waits until the session ends.
    pub async fn wait(&self) -> session::SessionEnd {
        self.handle.wait().await
    }
}

/// Serves one client over `transport`, answering with `handler`. Returns at once; the
/// session runs on the current Tokio runtime until the client disconnects or it is closed.
pub fn serve_server<T: Transport, H: Handler<Server>>(
    transport: T,
    config: ServerConfig,
    handler: H,
) -> RunningServer {
    let parts = session::state::InnerParts {
        config: config.session,
        own_info: config.info,
        own_capabilities: config.capabilities,
        instructions: config.instructions,
        handler: Arc::new(handler),
        source: config.context_source,
        extensions: config.extensions,
    };
    let (inner, handle) = session::start(transport, parts);
    RunningServer {
        peer: Peer::new(inner, Route::Unrelated),
        handle,
    }
}
