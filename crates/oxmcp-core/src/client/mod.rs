//! The client role: connecting (`initialize`, version check, `notifications/initialized`),
//! typed methods for every server request ([`Peer<Client>`]), auto-pagination, the host's
//! [`ClientHandler`] for the server's requests, notification streams, and [`McpClient`],
//! which ties them together.

mod api;
mod ext_tasks;
mod handler;
mod listen;
mod mcp;
mod modern;
mod mrtr;
mod notifications;
mod pagination;
mod requests;
mod tools;

pub use ext_tasks::{
    DEFAULT_MAX_TASK_POLL_INTERVAL, DEFAULT_MAX_TASK_WAIT, DEFAULT_MIN_TASK_POLL_INTERVAL,
    DEFAULT_TASK_POLL_INTERVAL, ModernTask, TaskPolling, ToolCallOutcome,
};
pub use handler::{ClientHandler, DEFAULT_MAX_FORM_ATTEMPTS};
pub use mcp::{McpClient, ToolsSnapshot, UrlRetryError, UrlRetryPolicy};
pub use mrtr::DEFAULT_MAX_INPUT_ROUNDS;
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
use oxmcp_types::modern::DiscoverResult;
use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, EmptyParams, Era, Implementation, InitializeRequestParams,
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
    /// The version requested in `initialize` (default: the latest legacy one). A modern
    /// version here is the one the `server/discover` probe asks for first (default: the
    /// latest modern one); `initialize` then asks for the latest legacy one.
    pub protocol_version: ProtocolVersion,
    /// The era to speak: `Some(Era::Legacy)` (the default) sends `initialize` at once;
    /// `None` probes with `server/discover` (2026-07-28) and falls back to `initialize`
    /// when the server is a legacy one; `Some(Era::Modern)` probes and fails against a
    /// legacy server.
    pub era: Option<Era>,
    /// How long to wait for the answer to the `server/discover` probe (default 10 s);
    /// silence means a legacy server.
    pub discover_timeout: Duration,
    /// How many times one request is retried with answers to the server's input requests
    /// (multi round-trip requests, 2026-07-28) before it fails with
    /// [`RequestError::TooManyInputRounds`] (default [`DEFAULT_MAX_INPUT_ROUNDS`]).
    pub max_input_rounds: usize,
    /// In the 2026-07-28 era, whether to keep a `subscriptions/listen` request open for the
    /// list changes the server declares (default true), as a legacy session's GET stream
    /// does; `resources/subscribe` opens one in any case.
    pub listen: bool,
    /// In the 2026-07-28 era, how `tasks/get` is paced while a request the server made a
    /// task of (the tasks extension, declared with
    /// [`with_tasks_extension`](Self::with_tasks_extension)) is followed to its result.
    pub task_polling: TaskPolling,
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
            era: Some(Era::Legacy),
            discover_timeout: Duration::from_secs(10),
            max_input_rounds: DEFAULT_MAX_INPUT_ROUNDS,
            listen: true,
            task_polling: TaskPolling::default(),
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

    /// Pins the era (see [`era`](Self::era)).
    #[must_use]
    pub fn with_era(mut self, era: Era) -> Self {
        self.era = Some(era);
        self
    }

    /// Lets the server's answer to `server/discover` choose the era (see
    /// [`era`](Self::era)).
    #[must_use]
    pub fn with_era_probe(mut self) -> Self {
        self.era = None;
        self
    }

    /// Sets how many input rounds one request may take (see
    /// [`max_input_rounds`](Self::max_input_rounds)).
    #[must_use]
    pub fn with_max_input_rounds(mut self, rounds: usize) -> Self {
        self.max_input_rounds = rounds;
        self
    }

    /// Declares the tasks extension of 2026-07-28 (`io.modelcontextprotocol/tasks`,
    /// SEP-2663) in the capabilities of each modern request: the server may then answer a
    /// `tools/call` with a task handle. The client follows such a task to its result, so the
    /// typed methods ([`Peer::call_tool`] and the rest) return what the request would have:
    /// it polls `tasks/get` paced by the task's `pollIntervalMs` (within
    /// [`task_polling`](Self::task_polling)), answers the task's `inputRequests` with the
    /// session's handler (the one that answers a legacy server's elicitation, sampling and
    /// roots requests) through `tasks/update`, and cancels the task (`tasks/cancel`) when
    /// the request is cancelled. A failed task is the server's JSON-RPC error
    /// ([`RequestError::Remote`]), a cancelled one [`RequestError::TaskCancelled`].
    /// [`Peer::call_tool_or_task`] keeps the handle instead ([`ModernTask`]).
    ///
    /// No effect in the legacy era, whose tasks the `oxmcp-tasks` crate requests.
    ///
    /// ```
    /// use oxmcp_core::ClientConfig;
    /// use oxmcp_types::Implementation;
    ///
    /// let config = ClientConfig::new(Implementation::new("me", "1.0")).with_tasks_extension();
    /// let extensions = config.capabilities.extensions.as_ref().unwrap();
    /// assert!(extensions.contains_key("io.modelcontextprotocol/tasks"));
    /// ```
    #[must_use]
    pub fn with_tasks_extension(mut self) -> Self {
        let extensions = self
            .capabilities
            .extensions
            .get_or_insert_with(Default::default);
        extensions
            .entry(oxmcp_types::ext_tasks::EXTENSION_ID)
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        self
    }

    /// Sets how `tasks/get` is paced (see [`task_polling`](Self::task_polling)).
    #[must_use]
    pub fn with_task_polling(mut self, polling: TaskPolling) -> Self {
        self.task_polling = polling;
        self
    }

    /// Sets the session limits and timeouts.
    #[must_use]
    pub fn with_session_config(mut self, session: SessionConfig) -> Self {
        self.session = session;
        self
    }
}

/// A connected client session: initialized (legacy era) or discovered (modern era).
#[derive(Debug, Clone)]
pub struct RunningClient {
    peer: Peer<Client>,
    handle: SessionHandle,
    initialize_result: Arc<InitializeResult>,
    discover_result: Option<Arc<DiscoverResult>>,
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

    /// The server's answer to `initialize`, as it came. In the modern era, what its
    /// `server/discover` answer said, in that shape: the version chosen, the capabilities,
    /// the server's info (from `_meta`) and instructions.
    pub fn initialize_result(&self) -> &InitializeResult {
        &self.initialize_result
    }

    /// The server's answer to `server/discover`, in the modern era.
    pub fn discover_result(&self) -> Option<&DiscoverResult> {
        self.discover_result.as_deref()
    }

    /// The era the session speaks.
    pub fn era(&self) -> Era {
        self.session().protocol_version.era()
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

/// Connects to a server over `transport`. Unless [`ClientConfig::era`] pins the legacy
/// era, it first probes with `server/discover` (2026-07-28, see [`ClientConfig::era`] for
/// the fallback); in the legacy era it sends `initialize`, checks the version the server
/// chose and sends `notifications/initialized`. `handler` answers the server's requests
/// (sampling, roots, elicitation), and in the modern era its input requests, for the
/// capabilities declared in `config`.
pub async fn connect<T: Transport, H: Handler<Client>>(
    transport: T,
    config: ClientConfig,
    handler: H,
) -> Result<RunningClient, InitializeError> {
    let parts = session::state::InnerParts {
        config: config.session.clone(),
        own_info: config.info.clone(),
        own_capabilities: config.capabilities.clone(),
        instructions: None,
        handler: Arc::new(handler),
        source: None,
        extensions: crate::Extensions::new(),
    };
    let (inner, handle) = session::start(transport, parts);
    let peer = Peer::new(inner.clone(), Route::Unrelated);
    match open(&peer, &config).await {
        Ok((initialize_result, discover_result)) => Ok(RunningClient {
            peer,
            handle,
            initialize_result: Arc::new(initialize_result),
            discover_result: discover_result.map(Arc::new),
        }),
        Err(e) => {
            handle.close();
            handle.wait().await;
            Err(e)
        }
    }
}

/// Opens the session in the era the config pins or the probe finds.
async fn open(
    peer: &Peer<Client>,
    config: &ClientConfig,
) -> Result<(InitializeResult, Option<DiscoverResult>), InitializeError> {
    peer.inner.begin_initialize();
    if config.era != Some(Era::Legacy) {
        match modern::probe(peer, config).await? {
            modern::Probe::Modern(result, version) => {
                let (synthesized, exchange) = modern::operate(peer, config, &result, version);
                if config.listen
                    && let Err(e) = exchange.listen(peer, &result.capabilities).await
                {
                    tracing::warn!(error = %e, "could not open subscriptions/listen");
                }
                return Ok((synthesized, Some(*result)));
            }
            modern::Probe::Legacy(why) if config.era == Some(Era::Modern) => return Err(why),
            modern::Probe::Legacy(why) => {
                tracing::debug!(reason = %why, "a legacy server: falling back to initialize");
            }
        }
    }
    // What the client says of itself fits the revision it asks for.
    let version = if config.protocol_version.is_modern() {
        ProtocolVersion::LATEST
    } else {
        config.protocol_version
    };
    let params = InitializeRequestParams::new(
        version.as_str(),
        config.capabilities.clone(),
        config.info.clone(),
    )
    .adapted_to(version);
    let result = handshake(
        peer,
        &params,
        config.initialize_timeout,
        config.min_protocol_version,
    )
    .await?;
    Ok((result, None))
}

async fn handshake(
    peer: &Peer<Client>,
    params: &InitializeRequestParams,
    timeout: Duration,
    minimum: ProtocolVersion,
) -> Result<InitializeResult, InitializeError> {
    let inner = &peer.inner;
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
