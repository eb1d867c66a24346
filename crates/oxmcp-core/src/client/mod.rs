//! The client role: connecting (`initialize`, version check, `notifications/initialized`),
//! typed methods for every server request ([`Peer<Client>`]), auto-pagination, the host's
//! [`ClientHandler`] for the server's requests, notification streams, and [`McpClient`],
//! which ties them together.

mod api;
mod handler;
mod mcp;
mod notifications;
mod pagination;
mod requests;
mod tools;

pub use handler::{ClientHandler, DEFAULT_MAX_FORM_ATTEMPTS};
pub use mcp::{McpClient, ToolsSnapshot, UrlRetryError, UrlRetryPolicy};
pub use notifications::{
    DEFAULT_NOTIFICATION_CAPACITY, OtherNotification, ServerNotifications, Subscription,
    SubscriptionError,
};
pub use pagination::{DEFAULT_MAX_PAGES, ListMethod, PaginationError, Paginator};
pub use requests::{FormElicitation, SamplingRequest, UrlElicitation, UrlElicitationSource};
pub use tools::{ToolApprovals, ToolChange, ToolChanges};

use std::sync::Arc;
use std::time::Duration;

use oxmcp_types::methods::{
    InitializeRequest, InitializedNotification, NotificationMethod, RequestMethod,
};
use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, EmptyParams, Implementation, InitializeRequestParams,
    InitializeResult, ProtocolVersion,
};

use crate::config::SessionConfig;
use crate::error::{InitializeError, RequestError};
use crate::handler::Handler;
use crate::role::Client;
use crate::session::{self, Peer, Phase, RequestOptions, SessionHandle, SessionInfo};
use crate::transport::{Route, Transport};

/// Who the client is, what it offers, and which versions it accepts.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientConfig {
    /// `clientInfo`.
    pub info: Implementation,
    /// What the client declares.
    pub capabilities: ClientCapabilities,
    /// The version requested in `initialize` (default: the latest).
    pub protocol_version: ProtocolVersion,
    /// The oldest version the client accepts from the server (default: the oldest supported).
    pub min_protocol_version: ProtocolVersion,
    /// How long to wait for the answer to `initialize` (default 30 s).
    pub initialize_timeout: Duration,
    /// Limits and timeouts.
    pub session: SessionConfig,
}

impl ClientConfig {
    /// A client with no capabilities.
    pub fn new(info: Implementation) -> Self {
        Self {
            info,
            capabilities: ClientCapabilities::default(),
            protocol_version: ProtocolVersion::LATEST,
            min_protocol_version: ProtocolVersion::V2024_11_05,
            initialize_timeout: Duration::from_secs(30),
            session: SessionConfig::default(),
        }
    }

    /// Sets the capabilities.
    #[must_use]
    pub fn with_capabilities(mut self, capabilities: ClientCapabilities) -> Self {
        self.capabilities = capabilities;
        self
    }

    /// Sets the requested protocol version.
    #[must_use]
    pub fn with_protocol_version(mut self, version: ProtocolVersion) -> Self {
        self.protocol_version = version;
        self
    }

    /// Sets the session limits and timeouts.
    #[must_use]
    pub fn with_session_config(mut self, session: SessionConfig) -> Self {
        self.session = session;
        self
    }
}

/// An initialized client session.
#[derive(Debug, Clone)]
pub struct RunningClient {
    peer: Peer<Client>,
    handle: SessionHandle,
    initialize_result: Arc<InitializeResult>,
}

impl RunningClient {
    /// Sends requests and notifications to the server.
    pub fn peer(&self) -> &Peer<Client> {
        &self.peer
    }

    /// What was negotiated.
    pub fn session(&self) -> &Arc<SessionInfo<Client>> {
        self.peer
            .session()
            .unwrap_or_else(|| unreachable!("a connected client is initialized"))
    }

    /// The server's answer to `initialize`, as it came.
    pub fn initialize_result(&self) -> &InitializeResult {
        &self.initialize_result
    }

    /// Waits for the end of the session, or closes it.
    pub fn handle(&self) -> &SessionHandle {
        &self.handle
    }

    /// Closes the session and waits until the transport is closed.
    pub async fn close(&self) -> session::SessionEnd {
        self.handle.close();
        self.handle.wait().await
    }
}

/// Connects to a server over `transport`: sends `initialize`, checks the version the server
/// chose, sends `notifications/initialized`. `handler` answers the server's requests
/// (sampling, roots, elicitation) for the capabilities declared in `config`.
pub async fn connect<T: Transport, H: Handler<Client>>(
    transport: T,
    config: ClientConfig,
    handler: H,
) -> Result<RunningClient, InitializeError> {
    // What the client says of itself fits the revision it asks for.
    let params = InitializeRequestParams::new(
        config.protocol_version.as_str(),
        config.capabilities.clone(),
        config.info.clone(),
    )
    .adapted_to(config.protocol_version);
    let parts = session::state::InnerParts {
        config: config.session,
        own_info: config.info,
        own_capabilities: config.capabilities,
        instructions: None,
        handler: Arc::new(handler),
        source: None,
        extensions: crate::Extensions::new(),
    };
    let (inner, handle) = session::start(transport, parts);
    let peer = Peer::new(inner.clone(), Route::Unrelated);
    let outcome = handshake(
        &peer,
        &params,
        config.initialize_timeout,
        config.min_protocol_version,
    )
    .await;
    match outcome {
        Ok(result) => Ok(RunningClient {
            peer,
            handle,
            initialize_result: Arc::new(result),
        }),
        Err(e) => {
            handle.close();
            handle.wait().await;
            Err(e)
        }
    }
}

async fn handshake(
    peer: &Peer<Client>,
    params: &InitializeRequestParams,
    timeout: Duration,
    minimum: ProtocolVersion,
) -> Result<InitializeResult, InitializeError> {
    let inner = &peer.inner;
    inner.begin_initialize();
    let raw = serde_json::value::to_raw_value(params).map_err(RequestError::Serialize)?;
    let options = RequestOptions::new().timeout(timeout);
    let answer = peer
        .send_request_unchecked(InitializeRequest::METHOD, Some(raw), options)
        .await?;
    let result: InitializeResult =
        serde_json::from_str(answer.get()).map_err(|source| RequestError::InvalidResult {
            method: InitializeRequest::METHOD.to_owned(),
            source,
        })?;
    // `initialize` only ever negotiates a legacy-era revision.
    let version = ProtocolVersion::parse_legacy(&result.protocol_version)
        .map_err(|_| InitializeError::UnsupportedVersion(result.protocol_version.clone()))?;
    if version < minimum {
        return Err(InitializeError::VersionTooOld {
            chosen: version,
            minimum,
        });
    }
    let info = SessionInfo::new(
        version,
        result.capabilities.clone(),
        result.server_info.clone(),
        result.instructions.clone(),
    );
    let _ = inner.info.set(info);
    let raw = serde_json::value::to_raw_value(&EmptyParams::default())
        .map_err(RequestError::Serialize)?;
    peer.notify_unchecked(InitializedNotification::METHOD, Some(raw))
        .await
        .map_err(|_| RequestError::Closed)?;
    inner.set_phase(Phase::Operating);
    Ok(result)
}
