//! [`ClientHandler`]: the host's answers to the server's requests (roots, sampling,
//! elicitation), and the server's notifications turned into streams.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, RwLock};

use oxmcp_types::capabilities::{ElicitationCapability, RootsCapability, SamplingCapability};
use oxmcp_types::elicitation::{ElicitAction, ElicitRequestFormParams, ElicitRequestUrlParams};
use oxmcp_types::methods::{
    CreateMessageRequest, ElicitRequest, ElicitationCompleteNotification, ListRootsRequest,
    NotificationMethod, RequestMethod,
};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult};
use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, ElicitRequestParams, ElicitResult, ErrorData, JsonObject,
    ListRootsResult, ProtocolVersion, Root,
};

mod tasks;

use super::notifications::ServerNotifications;
use super::requests::{
    FormElicitation, SamplingRequest, UrlElicitation, UrlElicitationSource, UrlTracker,
    related_task_id,
};
use crate::context::{NotificationContext, RequestContext};
use crate::extensions::Extensions;
use crate::handler::{
    BoxFuture, Handler, HandlerResult, IncomingNotification, IncomingRequest, to_result,
};
use crate::middleware::{Middleware, MiddlewareStack};
use crate::role::Client;
use crate::validate::check_tool_balance;

type SamplingFn = Arc<
    dyn Fn(SamplingRequest) -> BoxFuture<'static, Result<CreateMessageResult, ErrorData>>
        + Send
        + Sync,
>;
type FormFn = Arc<
    dyn Fn(FormElicitation) -> BoxFuture<'static, Result<ElicitResult, ErrorData>> + Send + Sync,
>;
type UrlConsentFn = Arc<dyn Fn(UrlElicitation) -> BoxFuture<'static, ElicitAction> + Send + Sync>;

/// How often the host is asked again when its form answer does not match the form, unless
/// told otherwise.
pub const DEFAULT_MAX_FORM_ATTEMPTS: usize = 3;

/// State shared by the handler and the [`McpClient`](super::McpClient) built around it.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) notifications: ServerNotifications,
    pub(crate) urls: UrlTracker,
    pub(crate) roots: RwLock<Option<Vec<Root>>>,
}

/// The host's side of a client session: answers `roots/list`, `sampling/createMessage` and
/// `elicitation/create` with the host's callbacks, and publishes the server's notifications
/// on [`ServerNotifications`]. What it can answer decides what the client declares
/// ([`capabilities`](Self::capabilities)).
///
/// ```
/// use oxmcp_core::client::ClientHandler;
/// use oxmcp_types::{Root, ElicitResult};
/// use oxmcp_types::elicitation::ElicitAction;
///
/// let handler = ClientHandler::new()
///     .with_roots(vec![Root::new("file:///home/me/project")])
///     .with_form_elicitation(|_form| async { Ok(ElicitResult::new(ElicitAction::Decline)) })
///     .with_url_elicitation(|_url| async { ElicitAction::Decline });
/// let caps = serde_json::to_value(handler.capabilities()).unwrap();
/// assert_eq!(caps, serde_json::json!({
///     "roots": {"listChanged": true},
///     "elicitation": {"form": {}, "url": {}}
/// }));
/// ```
#[derive(Clone)]
pub struct ClientHandler {
    pub(crate) shared: Arc<Shared>,
    sampling: Option<SamplingFn>,
    sampling_tools: bool,
    sampling_context: bool,
    form: Option<FormFn>,
    pub(crate) url_consent: Option<UrlConsentFn>,
    max_form_attempts: usize,
    /// Values of extensions (see [`ClientHandler::extension`]).
    extensions: Extensions,
    layers: MiddlewareStack<Client>,
}

impl fmt::Debug for ClientHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandler")
            .field("capabilities", &self.capabilities())
            .field("max_form_attempts", &self.max_form_attempts)
            .finish_non_exhaustive()
    }
}

impl Default for ClientHandler {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientHandler {
    /// A handler that answers nothing (and declares nothing) yet.
    pub fn new() -> Self {
        Self {
            shared: Arc::default(),
            sampling: None,
            sampling_tools: false,
            sampling_context: false,
            form: None,
            url_consent: None,
            max_form_attempts: DEFAULT_MAX_FORM_ATTEMPTS,
            extensions: Extensions::new(),
            layers: MiddlewareStack::new(),
        }
    }

    /// Keeps a value for extensions (one per type), readable with
    /// [`extension`](Self::extension) (the task extension keeps its engine there).
    #[must_use]
    pub fn with_extension<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }

    /// The value of type `T` kept with [`with_extension`](Self::with_extension).
    pub fn extension<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.extensions.get::<T>()
    }

    /// Puts `middleware` in front of this handler: it sees every request and notification
    /// of the server first (see [`Middleware`]), and adds to what the client declares.
    #[must_use]
    pub fn layer(mut self, middleware: impl Middleware<Client>) -> Self {
        self.layers = self.layers.with(middleware);
        self
    }

    /// Offers these roots (`roots` with `listChanged`: change them later with
    /// [`McpClient::set_roots`](super::McpClient::set_roots)).
    #[must_use]
    pub fn with_roots(self, roots: Vec<Root>) -> Self {
        *self
            .shared
            .roots
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(roots);
        self
    }

    /// Answers `sampling/createMessage` with `f` (declares `sampling`). The user should be
    /// able to review and refuse; a refusal is an error such as code -1.
    #[must_use]
    pub fn with_sampling<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(SamplingRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<CreateMessageResult, ErrorData>> + Send + 'static,
    {
        self.sampling = Some(Arc::new(move |r| Box::pin(f(r))));
        self
    }

    /// Whether the host's model can use tools in sampling (declares `sampling.tools`).
    #[must_use]
    pub fn with_sampling_tools(mut self, yes: bool) -> Self {
        self.sampling_tools = yes;
        self
    }

    /// Whether the host honours `includeContext` beyond `none` (declares
    /// `sampling.context`, soft-deprecated).
    #[must_use]
    pub fn with_sampling_context(mut self, yes: bool) -> Self {
        self.sampling_context = yes;
        self
    }

    /// Answers form-mode `elicitation/create` with `f` (declares `elicitation.form`).
    #[must_use]
    pub fn with_form_elicitation<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(FormElicitation) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<ElicitResult, ErrorData>> + Send + 'static,
    {
        self.form = Some(Arc::new(move |r| Box::pin(f(r))));
        self
    }

    /// Asks the user's consent to open URL-mode elicitations with `consent` (declares
    /// `elicitation.url`): for `elicitation/create` requests and for the -32042 retry helper.
    /// `Accept` means the user agreed and the host opened the URL.
    #[must_use]
    pub fn with_url_elicitation<F, Fut>(mut self, consent: F) -> Self
    where
        F: Fn(UrlElicitation) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ElicitAction> + Send + 'static,
    {
        self.url_consent = Some(Arc::new(move |r| Box::pin(consent(r))));
        self
    }

    /// How many times the host is asked for a form answer that matches the form before
    /// the request fails (default [`DEFAULT_MAX_FORM_ATTEMPTS`]).
    #[must_use]
    pub fn with_max_form_attempts(mut self, attempts: usize) -> Self {
        self.max_form_attempts = attempts.max(1);
        self
    }

    /// Uses `notifications` (for example with another capacity) for the server's
    /// notifications.
    #[must_use]
    pub fn with_notifications(mut self, notifications: ServerNotifications) -> Self {
        let roots = self.roots();
        self.shared = Arc::new(Shared {
            notifications,
            urls: UrlTracker::default(),
            roots: RwLock::new(roots),
        });
        self
    }

    /// The server's notifications.
    pub fn notifications(&self) -> &ServerNotifications {
        &self.shared.notifications
    }

    /// The roots offered now, if roots are offered.
    pub fn roots(&self) -> Option<Vec<Root>> {
        self.shared
            .roots
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// What the client declares, given the callbacks that are set.
    pub fn capabilities(&self) -> ClientCapabilities {
        self.declare(ClientCapabilities::default())
    }

    /// `base` with `roots`, `sampling` and `elicitation` replaced by what this handler
    /// answers, then what its middleware adds (the task extension: `tasks`); other members,
    /// such as `experimental`, are kept.
    pub fn declare(&self, mut base: ClientCapabilities) -> ClientCapabilities {
        let marker = || Some(JsonObject::new());
        base.roots = self.roots().map(|_| {
            let mut roots = RootsCapability::default();
            roots.list_changed = Some(true);
            roots
        });
        base.sampling = self.sampling.as_ref().map(|_| {
            let mut s = SamplingCapability::default();
            s.tools = marker().filter(|_| self.sampling_tools);
            s.context = marker().filter(|_| self.sampling_context);
            s
        });
        base.elicitation = (self.form.is_some() || self.url_consent.is_some()).then(|| {
            let mut e = ElicitationCapability::default();
            e.form = marker().filter(|_| self.form.is_some());
            e.url = marker().filter(|_| self.url_consent.is_some());
            e
        });
        self.layers.capabilities(&mut base);
        base
    }

    /// This handler without its middleware: the end of the middleware chain.
    fn routes_only(&self) -> Arc<Self> {
        let mut routes = self.clone();
        routes.layers = MiddlewareStack::new();
        Arc::new(routes)
    }

    async fn route(&self, request: IncomingRequest, cx: RequestContext<Client>) -> HandlerResult {
        match request.method.as_str() {
            ListRootsRequest::METHOD => self.list_roots(&cx),
            CreateMessageRequest::METHOD => self.sample(request.params()?, cx).await,
            ElicitRequest::METHOD => self.elicit(request.params()?, cx).await,
            other => Err(ErrorData::method_not_found(other)),
        }
    }

    fn on_notification(&self, n: &IncomingNotification) {
        if n.method == ElicitationCompleteNotification::METHOD {
            self.on_elicitation_complete(n);
        } else {
            self.shared.notifications.publish(n);
        }
    }
}

fn invalid(message: impl Into<String>) -> ErrorData {
    ErrorData::invalid_params(message)
}

impl ClientHandler {
    fn list_roots(&self, cx: &RequestContext<Client>) -> HandlerResult {
        let roots = self
            .roots()
            .ok_or_else(|| ErrorData::method_not_found(ListRootsRequest::METHOD))?;
        to_result(&ListRootsResult::new(roots).adapted_to(cx.protocol_version()))
    }

    /// The checks of a sampling request that come before the host is asked (a failed one
    /// is the request's error, also for a task-augmented request: no task is created).
    fn check_sampling(
        &self,
        params: &CreateMessageRequestParams,
        cx: &RequestContext<Client>,
    ) -> Result<(), ErrorData> {
        if self.sampling.is_none() {
            return Err(ErrorData::method_not_found(CreateMessageRequest::METHOD));
        }
        let declared_tools = cx
            .own_capabilities()
            .sampling
            .as_ref()
            .is_some_and(|s| s.tools.is_some());
        if (params.tools.is_some() || params.tool_choice.is_some()) && !declared_tools {
            return Err(invalid(
                "tools and toolChoice need the client's `sampling.tools` capability, which it did not declare",
            ));
        }
        check_tool_balance(&params.messages)?;
        Ok(())
    }

    /// Asks the host's model (the request was checked).
    async fn run_sampling(
        &self,
        params: CreateMessageRequestParams,
        cx: &RequestContext<Client>,
    ) -> HandlerResult {
        let callback = self
            .sampling
            .as_ref()
            .ok_or_else(|| ErrorData::method_not_found(CreateMessageRequest::METHOD))?;
        let request = SamplingRequest {
            related_task_id: related_task_id(params.meta.as_ref()),
            params,
            server: cx.session().peer_info.clone(),
            protocol_version: cx.protocol_version(),
            cancellation: cx.cancellation_token().clone(),
        };
        let result = callback(request).await?;
        to_result(&result.adapted_to(cx.protocol_version()))
    }

    /// The checks of an elicitation that come before the host is asked: the mode was
    /// declared, and a URL may be shown at all.
    fn check_elicitation(
        &self,
        params: &ElicitRequestParams,
        cx: &RequestContext<Client>,
    ) -> Result<(), ErrorData> {
        let declared = cx.own_capabilities().elicitation.as_ref();
        match params {
            ElicitRequestParams::Url(url) => {
                let url_mode = declared.is_some_and(ElicitationCapability::supports_url)
                    && cx.protocol_version() >= ProtocolVersion::V2025_11_25;
                if !url_mode || self.url_consent.is_none() {
                    return Err(invalid(
                        "URL-mode elicitation was not declared by this client",
                    ));
                }
                super::requests::check_elicitation_url(&url.url)
                    .map_err(|e| invalid(format!("refused URL-mode elicitation: {e}")))
            }
            ElicitRequestParams::Form(_) => {
                if !declared.is_some_and(ElicitationCapability::supports_form)
                    || self.form.is_none()
                {
                    return Err(invalid(
                        "form-mode elicitation was not declared by this client",
                    ));
                }
                Ok(())
            }
            _ => Err(invalid("unknown elicitation mode")),
        }
    }

    /// Asks the host (the request was checked).
    async fn run_elicitation(
        &self,
        params: ElicitRequestParams,
        cx: &RequestContext<Client>,
    ) -> HandlerResult {
        match params {
            ElicitRequestParams::Url(url) => self.consent_to_url(url, cx).await,
            ElicitRequestParams::Form(form) => self.fill_form(form, cx).await,
            _ => Err(invalid("unknown elicitation mode")),
        }
    }

    async fn consent_to_url(
        &self,
        params: ElicitRequestUrlParams,
        cx: &RequestContext<Client>,
    ) -> HandlerResult {
        let consent = self
            .url_consent
            .as_ref()
            .ok_or_else(|| invalid("URL-mode elicitation was not declared by this client"))?;
        let id = params.elicitation_id.clone();
        // Tracked before asking, so that a completion arriving during the question counts
        // (2025-11-25: the modern era has no completion notification, the request is
        // retried instead).
        let tracked = !cx.protocol_version().is_modern();
        if tracked {
            drop(self.shared.urls.register(&id));
        }
        let action = consent(UrlElicitation {
            related_task_id: related_task_id(params.meta.as_ref()),
            params,
            server: cx.session().peer_info.clone(),
            source: UrlElicitationSource::Request,
        })
        .await;
        if tracked && action != ElicitAction::Accept {
            self.shared.urls.forget(&id);
        }
        to_result(&ElicitResult::new(action).adapted_to(cx.protocol_version()))
    }

    async fn fill_form(
        &self,
        params: ElicitRequestFormParams,
        cx: &RequestContext<Client>,
    ) -> HandlerResult {
        let callback = self
            .form
            .as_ref()
            .ok_or_else(|| invalid("form-mode elicitation was not declared by this client"))?;
        let mut previous_error = None;
        let task = related_task_id(params.meta.as_ref());
        for attempt in 1..=self.max_form_attempts {
            let request = FormElicitation {
                related_task_id: task.clone(),
                params: params.clone(),
                server: cx.session().peer_info.clone(),
                attempt,
                previous_error: previous_error.take(),
            };
            let mut result = callback(request).await?;
            if result.action != ElicitAction::Accept {
                // Content only goes with `accept`.
                result.content = None;
                return to_result(&result.adapted_to(cx.protocol_version()));
            }
            let content = result.content.clone().unwrap_or_else(BTreeMap::new);
            match crate::validate::validate_form_answer(&params.requested_schema, &content) {
                Ok(()) => return to_result(&result.adapted_to(cx.protocol_version())),
                Err(e) => {
                    tracing::debug!(attempt, error = %e, "the host's form answer was refused");
                    previous_error = Some(e);
                }
            }
        }
        Err(ErrorData::internal_error(
            "the client could not produce an answer that matches the form",
        ))
    }

    fn on_elicitation_complete(&self, n: &IncomingNotification) {
        let Ok(params) =
            n.params::<oxmcp_types::elicitation::ElicitationCompleteNotificationParams>()
        else {
            return;
        };
        if self.shared.urls.complete(&params.elicitation_id) {
            self.shared
                .notifications
                .publish_elicitation_complete(params.elicitation_id);
        } else {
            tracing::debug!(id = %params.elicitation_id, "ignoring the completion of an unknown elicitation");
        }
    }
}

impl Handler<Client> for ClientHandler {
    async fn handle_request(
        &self,
        request: IncomingRequest,
        cx: RequestContext<Client>,
    ) -> HandlerResult {
        if self.layers.is_empty() {
            return self.route(request, cx).await;
        }
        let routes = self.routes_only();
        self.layers.run_request(routes, request, cx).await
    }

    async fn handle_notification(&self, n: IncomingNotification, cx: NotificationContext<Client>) {
        if self.layers.is_empty() {
            return self.on_notification(&n);
        }
        let routes = self.routes_only();
        self.layers.run_notification(routes, n, cx).await;
    }
}
