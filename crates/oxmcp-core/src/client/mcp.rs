//! [`McpClient`]: a connected client with the host's handler, notification streams, roots,
//! tool approvals and the -32042 retry helper.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oxmcp_types::elicitation::{ElicitAction, ElicitRequestUrlParams, UrlElicitationRequiredData};
use oxmcp_types::methods::{NotificationMethod, RootsListChangedNotification};
use oxmcp_types::{NotificationParams, ProtocolVersion, Root, Tool};
use tokio::sync::{mpsc, watch};

use super::handler::ClientHandler;
use super::notifications::{ServerNotifications, SubscriptionError};
use super::pagination::PaginationError;
use super::requests::{UrlElicitation, UrlElicitationSource};
use super::tools::{ToolApprovals, ToolChanges};
use super::{ClientConfig, RunningClient, connect};
use crate::error::{InitializeError, NotifyError, RequestError};
use crate::extensions::Extensions;
use crate::role::Client;
use crate::session::state::lock;
use crate::session::{Peer, SessionEnd};
use crate::transport::Transport;

/// How [`McpClient::retry_after_url_elicitation`] deals with -32042 errors.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UrlRetryPolicy {
    /// How many times the request is retried at most (default 3).
    pub max_retries: usize,
    /// How long to wait for `notifications/elicitation/complete` of each elicitation
    /// (default 10 minutes).
    pub completion_timeout: Duration,
}

impl Default for UrlRetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            completion_timeout: Duration::from_secs(600),
        }
    }
}

/// Why [`McpClient::retry_after_url_elicitation`] gave up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UrlRetryError {
    /// The request failed otherwise (or still asked for elicitations after the last retry).
    #[error(transparent)]
    Request(RequestError),
    /// The -32042 error's data does not list URL elicitations.
    #[error("the server's URL-elicitation-required error is malformed")]
    MalformedError(RequestError),
    /// This client has no URL consent hook (it did not declare `elicitation.url`).
    #[error("URL-mode elicitation is not enabled in this client")]
    UrlModeNotEnabled(RequestError),
    /// The user did not consent to an elicitation.
    #[error("the user did not consent to elicitation `{elicitation_id}` ({action:?})")]
    NotAccepted {
        /// The elicitation.
        elicitation_id: String,
        /// What the user did.
        action: ElicitAction,
    },
    /// The server did not report an elicitation complete in time.
    #[error("elicitation `{elicitation_id}` did not complete within {timeout:?}")]
    CompletionTimeout {
        /// The elicitation.
        elicitation_id: String,
        /// The timeout.
        timeout: Duration,
    },
    /// The session ended while waiting.
    #[error("the session ended while waiting for elicitation `{0}`")]
    Closed(String),
}

/// The tool list after a refresh, and what changed among the approved tools.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ToolsSnapshot {
    /// Every tool, as the server sent it.
    pub tools: Vec<Tool>,
    /// Approved tools whose definition changed or that disappeared.
    pub changes: ToolChanges,
}

/// A connected client for a host: typed requests (through [`peer`](Self::peer)), the
/// host's [`ClientHandler`], notification streams, roots, tool approvals and retries of
/// requests that need URL-mode elicitation. Cheap to clone.
///
/// ```
/// use oxmcp_core::client::{ClientHandler, McpClient};
/// use oxmcp_core::{ClientConfig, NoHandler, ServerConfig, serve_server, transport::memory};
/// use oxmcp_types::{Implementation, Root};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (a, b) = memory::duplex(16);
/// let _server = serve_server(a, ServerConfig::new(Implementation::new("srv", "1")), NoHandler);
/// let handler = ClientHandler::new().with_roots(vec![Root::new("file:///work")]);
/// let client = McpClient::connect(b, ClientConfig::new(Implementation::new("host", "1")), handler)
///     .await
///     .unwrap();
/// assert!(client.peer().session().unwrap().protocol_version >= oxmcp_types::ProtocolVersion::V2025_06_18);
/// client.set_roots(vec![Root::new("file:///elsewhere")]).await.unwrap();
/// client.close().await;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct McpClient {
    running: RunningClient,
    handler: ClientHandler,
    approvals: Arc<Mutex<ToolApprovals>>,
    retry: UrlRetryPolicy,
    extensions: Extensions,
}

impl McpClient {
    /// Connects with `handler` answering the server. The declared capabilities are those of
    /// `config`, with `roots`, `sampling` and `elicitation` set from the handler
    /// ([`ClientHandler::declare`]).
    pub async fn connect<T: Transport>(
        transport: T,
        mut config: ClientConfig,
        handler: ClientHandler,
    ) -> Result<Self, InitializeError> {
        config.capabilities = handler.declare(config.capabilities);
        let running = connect(transport, config, handler.clone()).await?;
        handler
            .notifications()
            .bind(running.peer().inner.closed.clone());
        Ok(Self {
            running,
            handler,
            approvals: Arc::default(),
            retry: UrlRetryPolicy::default(),
            extensions: Extensions::new(),
        })
    }

    /// Sets how -32042 errors are retried.
    #[must_use]
    pub fn with_retry_policy(mut self, policy: UrlRetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Keeps a value for extensions of the client (one per type), readable with
    /// [`extension`](Self::extension): the task extension keeps its poll policy there.
    /// Clones made before keep the values they had.
    #[must_use]
    pub fn with_extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The value of type `T` kept with [`with_extension`](Self::with_extension).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// Sends requests to the server: every typed method is on [`Peer<Client>`].
    pub fn peer(&self) -> &Peer<Client> {
        self.running.peer()
    }

    /// The underlying session.
    pub fn running(&self) -> &RunningClient {
        &self.running
    }

    /// The server's notifications, as streams.
    pub fn notifications(&self) -> &ServerNotifications {
        self.handler.notifications()
    }

    /// Closes the session and waits until the transport is closed.
    pub async fn close(&self) -> SessionEnd {
        self.running.close().await
    }

    /// Replaces the roots offered to the server and sends
    /// `notifications/roots/list_changed`. Fails when roots were not offered at connect.
    pub async fn set_roots(&self, roots: Vec<Root>) -> Result<(), NotifyError> {
        {
            let mut current = self
                .handler
                .shared
                .roots
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(current) = current.as_mut() else {
                return Err(NotifyError::CapabilityNotNegotiated {
                    method: RootsListChangedNotification::METHOD.to_owned(),
                    capability: "roots",
                });
            };
            *current = roots;
        }
        // The modern era has no such notification: the server asks for the roots each time.
        if self.running.era() == oxmcp_types::Era::Modern {
            return Ok(());
        }
        self.peer()
            .notify::<RootsListChangedNotification>(&NotificationParams::default())
            .await
    }

    /// Approves this definition of a tool (see [`ToolApprovals`]).
    pub fn approve_tool(&self, tool: &Tool) {
        lock(&self.approvals).approve(tool);
    }

    /// Withdraws the approval of the tool `name`.
    pub fn revoke_tool(&self, name: &str) -> Option<Tool> {
        lock(&self.approvals).revoke(name)
    }

    /// Whether exactly this definition of the tool is approved.
    pub fn is_tool_approved(&self, tool: &Tool) -> bool {
        lock(&self.approvals).is_approved(tool)
    }

    /// A copy of the approvals.
    pub fn tool_approvals(&self) -> ToolApprovals {
        lock(&self.approvals).clone()
    }

    /// Lists every tool again and reports which approved tools changed definition or
    /// disappeared. Approvals are not touched: the host decides.
    pub async fn refresh_tools(&self) -> Result<ToolsSnapshot, PaginationError> {
        let tools = self.peer().list_tools().collect_all().await?;
        let changes = lock(&self.approvals).compare(&tools);
        Ok(ToolsSnapshot { tools, changes })
    }

    /// Refreshes the tools each time the server sends `notifications/tools/list_changed`
    /// and delivers the snapshots. Ends when the session ends or the receiver is dropped.
    pub fn watch_tools(&self) -> mpsc::Receiver<Result<ToolsSnapshot, PaginationError>> {
        let (tx, rx) = mpsc::channel(16);
        let mut changed = self.notifications().tool_list_changed();
        let client = self.clone();
        tokio::spawn(async move {
            loop {
                match changed.recv().await {
                    Ok(()) | Err(SubscriptionError::Lagged(_)) => {}
                    Err(SubscriptionError::Closed) => return,
                }
                // Several notifications in a row need one refresh.
                while let Ok(Some(())) = changed.try_recv() {}
                if tx.send(client.refresh_tools().await).await.is_err() {
                    return;
                }
            }
        });
        rx
    }

    /// Runs `request` and, when it fails with -32042 (`URLElicitationRequiredError`), asks
    /// the user's consent for each URL elicitation it lists (with the consent hook of the
    /// handler), waits for the server's `notifications/elicitation/complete` for each, and
    /// runs `request` again, at most [`UrlRetryPolicy::max_retries`] times.
    ///
    /// ```no_run
    /// # async fn f(client: oxmcp_core::client::McpClient) -> Result<(), oxmcp_core::client::UrlRetryError> {
    /// use oxmcp_types::CallToolRequestParams;
    /// let result = client
    ///     .retry_after_url_elicitation(|| client.peer().call_tool(CallToolRequestParams::new("calendar")))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn retry_after_url_elicitation<T, F, Fut>(
        &self,
        mut request: F,
    ) -> Result<T, UrlRetryError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RequestError>>,
    {
        let mut retries = 0;
        loop {
            let error = match request().await {
                Ok(value) => return Ok(value),
                Err(e) => e,
            };
            let required = error
                .as_remote()
                .is_some_and(|e| e.code == oxmcp_types::ErrorCode::URL_ELICITATION_REQUIRED);
            if !required || retries >= self.retry.max_retries {
                return Err(UrlRetryError::Request(error));
            }
            let Some(data) = error
                .as_remote()
                .and_then(UrlElicitationRequiredData::from_error)
            else {
                return Err(UrlRetryError::MalformedError(error));
            };
            if !self.url_mode_enabled() {
                return Err(UrlRetryError::UrlModeNotEnabled(error));
            }
            retries += 1;
            self.complete_url_elicitations(data.elicitations).await?;
        }
    }

    fn url_mode_enabled(&self) -> bool {
        // -32042 exists in 2025-11-25 only: the modern era retries through input requests.
        let version_ok = self.peer().session().is_some_and(|s| {
            s.protocol_version >= ProtocolVersion::V2025_11_25 && !s.protocol_version.is_modern()
        });
        version_ok && self.handler.url_consent.is_some()
    }

    /// Asks consent for each elicitation, then waits until each is reported complete.
    async fn complete_url_elicitations(
        &self,
        elicitations: Vec<ElicitRequestUrlParams>,
    ) -> Result<(), UrlRetryError> {
        let mut waiting: Vec<(String, watch::Receiver<bool>)> = Vec::new();
        for params in elicitations {
            let id = params.elicitation_id.clone();
            let done = self.handler.shared.urls.register(&id);
            let action = self.ask_url_consent(params).await;
            if action != ElicitAction::Accept {
                self.handler.shared.urls.forget(&id);
                for (other, _) in &waiting {
                    self.handler.shared.urls.forget(other);
                }
                return Err(UrlRetryError::NotAccepted {
                    elicitation_id: id,
                    action,
                });
            }
            waiting.push((id, done));
        }
        for (id, done) in waiting {
            self.wait_for_completion(id, done).await?;
        }
        Ok(())
    }

    async fn ask_url_consent(&self, params: ElicitRequestUrlParams) -> ElicitAction {
        let Some(consent) = &self.handler.url_consent else {
            return ElicitAction::Decline;
        };
        if let Err(e) = super::requests::check_elicitation_url(&params.url) {
            tracing::warn!(error = %e, "declining a URL elicitation");
            return ElicitAction::Decline;
        }
        let server = self.running.session().peer_info.clone();
        consent(UrlElicitation {
            params,
            server,
            source: UrlElicitationSource::RequiredByError,
            related_task_id: None,
        })
        .await
    }

    async fn wait_for_completion(
        &self,
        id: String,
        mut done: watch::Receiver<bool>,
    ) -> Result<(), UrlRetryError> {
        let timeout = self.retry.completion_timeout;
        match tokio::time::timeout(timeout, done.wait_for(|complete| *complete)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(UrlRetryError::Closed(id)),
            Err(_) => {
                self.handler.shared.urls.forget(&id);
                Err(UrlRetryError::CompletionTimeout {
                    elicitation_id: id,
                    timeout,
                })
            }
        }
    }
}
