//! Requests from the server to the client, from inside a handler: sampling
//! (`sampling/createMessage`, with tools), elicitation (form mode with a typed answer, URL
//! mode, `notifications/elicitation/complete`, the -32042 error) and `roots/list`.
//!
//! Every method checks the negotiated version and the client's capabilities first and
//! refuses locally, with a [`ClientRequestError`] that says what is missing, instead of
//! sending something the client did not agree to.
//!
//! ```no_run
//! use oxmcp_core::RequestContext;
//! use oxmcp_core::role::Server;
//! use oxmcp_core::server::client_requests::{ClientRequestError, ElicitOutcome};
//!
//! /// Where to ship the order.
//! #[derive(schemars::JsonSchema, serde::Deserialize)]
//! struct Address {
//!     street: String,
//!     city: String,
//! }
//!
//! async fn ship(cx: &RequestContext<Server>) -> Result<String, ClientRequestError> {
//!     Ok(match cx.peer().elicit::<Address>("Where should we ship it?").await? {
//!         ElicitOutcome::Accepted(a) => format!("shipping to {}, {}", a.street, a.city),
//!         ElicitOutcome::Declined | ElicitOutcome::Cancelled => "not shipped".to_owned(),
//!     })
//! }
//! ```

use std::sync::Arc;

use oxmcp_types::elicitation::{
    ElicitAction, ElicitRequestFormParams, ElicitRequestUrlParams, ElicitResult,
    ElicitationCompleteNotificationParams, ElicitationSchema, StringFormat,
    UrlElicitationRequiredData,
};
use oxmcp_types::methods::{
    CreateMessageRequest, ElicitRequest, ElicitationCompleteNotification, ListRootsRequest,
};
use oxmcp_types::sampling::{CreateMessageRequestParams, CreateMessageResult, IncludeContext};
use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, ElicitRequestParams, ErrorData, ProtocolVersion, Root,
    SamplingMessageContentBlock,
};
use serde::de::DeserializeOwned;

use crate::context::RequestContext;
use crate::error::{NotifyError, RequestError};
use crate::role::Server;
use crate::session::{Peer, RequestOptions, SessionInfo};
use crate::validate::{
    FormAnswerError, FormSchemaError, ToolBalanceError, check_tool_balance, form_schema_for,
    validate_form_answer,
};

/// Why a request to the client was refused locally or failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientRequestError {
    /// The client did not declare the capability this needs.
    #[error("the client did not declare the `{capability}` capability")]
    CapabilityMissing {
        /// The capability's path, such as `sampling.tools` or `elicitation.url`.
        capability: &'static str,
    },
    /// The negotiated protocol version predates the feature.
    #[error(
        "{feature} needs protocol version {required} or later; the session speaks {negotiated}"
    )]
    VersionTooOld {
        /// The feature.
        feature: &'static str,
        /// The first version that has it.
        required: ProtocolVersion,
        /// The session's version.
        negotiated: ProtocolVersion,
    },
    /// The client has not finished `initialize` yet.
    #[error("the session is not initialized")]
    NotInitialized,
    /// The params ask for a task; these helpers wait for an immediate result (the
    /// `*_as_task` methods of the `oxmcp-tasks` crate send tasks).
    #[error("the params ask for a task: use the `_as_task` method instead")]
    TaskAugmented,
    /// The sampling messages break the tool-use balance rules.
    #[error(transparent)]
    ToolBalance(#[from] ToolBalanceError),
    /// The type asked for cannot be expressed as an elicitation form.
    #[error(transparent)]
    FormSchema(#[from] FormSchemaError),
    /// An elicitation mode this version of oxmcp cannot send.
    #[error("this elicitation mode is not supported")]
    UnsupportedElicitationMode,
    /// A URL-mode elicitation URL that is not an absolute URI.
    #[error("`{0}` is not a valid absolute URL")]
    InvalidUrl(String),
    /// The client accepted a form with an answer that does not match it.
    #[error("the client's answer was refused: {0}")]
    InvalidAnswer(#[from] FormAnswerError),
    /// The client's answer matches the form but not the Rust type.
    #[error("the client's answer does not fit the requested type: {0}")]
    AnswerType(#[source] serde_json::Error),
    /// The request failed (the client's error, a timeout, a closed session...).
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A notification could not be sent.
    #[error(transparent)]
    Notify(#[from] NotifyError),
}

impl ClientRequestError {
    /// Whether the request went to the client as an input request of a 2026-07-28
    /// `input_required` result ([`RequestError::InputRequired`]): the handler should stop
    /// (pass the error on with `?`); it runs again once the client answered.
    pub fn is_input_required(&self) -> bool {
        matches!(self, Self::Request(e) if e.is_input_required())
    }
}

impl From<ClientRequestError> for ErrorData {
    /// For handlers that pass it on with `?`: a missing client capability is
    /// `MissingRequiredClientCapability` (-32021, naming it; -32603 for a legacy request),
    /// anything else an internal error naming the problem.
    fn from(e: ClientRequestError) -> Self {
        super::missing_capability::from_client_request(&e)
            .unwrap_or_else(|| Self::internal_error(e.to_string()))
    }
}

/// What the user did with a typed form (see [`Peer::elicit`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElicitOutcome<T> {
    /// The user submitted the form; the answer, validated and deserialized.
    Accepted(T),
    /// The user explicitly refused.
    Declined,
    /// The user dismissed the form without deciding.
    Cancelled,
}

type Caps = ClientCapabilities;

/// Checks that the session speaks `required` or later, for `feature` (the error names it).
///
/// These `require_*` checks are the local refusals of requests to the client, for
/// extensions that send requests of their own (task-augmented ones, for example).
pub fn require_version(
    info: &SessionInfo<Server>,
    feature: &'static str,
    required: ProtocolVersion,
) -> Result<(), ClientRequestError> {
    let negotiated = info.protocol_version;
    if negotiated < required {
        return Err(ClientRequestError::VersionTooOld {
            feature,
            required,
            negotiated,
        });
    }
    Ok(())
}

pub(super) fn missing(capability: &'static str) -> ClientRequestError {
    ClientRequestError::CapabilityMissing { capability }
}

/// Checks that URL-mode elicitation may be used in this session (2025-11-25, and the
/// client declared `elicitation.url`).
pub fn require_url_mode(info: &SessionInfo<Server>) -> Result<(), ClientRequestError> {
    require_version(info, "URL-mode elicitation", ProtocolVersion::V2025_11_25)?;
    let caps: &Caps = &info.peer_capabilities;
    match &caps.elicitation {
        Some(e) if e.supports_url() => Ok(()),
        _ => Err(missing("elicitation.url")),
    }
}

/// Checks that form-mode elicitation with `schema` may be used in this session (the client
/// declared form mode; multi-select fields need 2025-11-25).
pub fn require_form_mode(
    info: &SessionInfo<Server>,
    schema: &ElicitationSchema,
) -> Result<(), ClientRequestError> {
    require_version(info, "form-mode elicitation", ProtocolVersion::V2025_06_18)?;
    match &info.peer_capabilities.elicitation {
        Some(e) if e.supports_form() => {}
        Some(_) => return Err(missing("elicitation.form")),
        None => return Err(missing("elicitation")),
    }
    if schema.properties.values().any(|f| f.is_multi_select()) {
        require_version(
            info,
            "multi-select form fields",
            ProtocolVersion::V2025_11_25,
        )?;
    }
    Ok(())
}

/// Checks what a sampling request needs: `sampling`, and `sampling.tools` / a 2025-11-25
/// session for tools, `sampling.context` for `includeContext` beyond `none`.
pub fn require_sampling(
    info: &SessionInfo<Server>,
    params: &CreateMessageRequestParams,
) -> Result<(), ClientRequestError> {
    let sampling = info
        .peer_capabilities
        .sampling
        .as_ref()
        .ok_or_else(|| missing("sampling"))?;
    let tool_blocks = params.messages.iter().any(|m| {
        m.content.blocks().iter().any(|b| {
            matches!(
                b,
                SamplingMessageContentBlock::ToolUse(_)
                    | SamplingMessageContentBlock::ToolResult(_)
            )
        })
    });
    if params.tools.is_some() || params.tool_choice.is_some() || tool_blocks {
        require_version(info, "sampling with tools", ProtocolVersion::V2025_11_25)?;
        if sampling.tools.is_none() {
            return Err(missing("sampling.tools"));
        }
    }
    // `sampling.context` exists since 2025-11-25; before, `includeContext` needed nothing.
    let wants_context = matches!(
        params.include_context,
        Some(IncludeContext::ThisServer | IncludeContext::AllServers)
    );
    if wants_context
        && info.protocol_version >= ProtocolVersion::V2025_11_25
        && sampling.context.is_none()
    {
        return Err(missing("sampling.context"));
    }
    check_tool_balance(&params.messages)?;
    Ok(())
}

impl Peer<Server> {
    pub(super) fn session_info(&self) -> Result<&Arc<SessionInfo<Server>>, ClientRequestError> {
        self.session().ok_or(ClientRequestError::NotInitialized)
    }

    /// Asks the client to sample an LLM (`sampling/createMessage`), with tools and a tool
    /// choice when the params have them. Refused locally when the client did not declare
    /// `sampling` (or `sampling.tools` for tools and tool blocks, or `sampling.context` for
    /// `includeContext` beyond `none`), when tools are used before 2025-11-25, and when the
    /// messages break the tool_use / tool_result balance rules.
    pub async fn create_message(
        &self,
        params: CreateMessageRequestParams,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        self.create_message_with(params, RequestOptions::default())
            .await
    }

    /// [`create_message`](Self::create_message) with request options (timeout, progress).
    pub async fn create_message_with(
        &self,
        params: CreateMessageRequestParams,
        options: RequestOptions,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        let info = self.session_info()?;
        if params.task.is_some() {
            return Err(ClientRequestError::TaskAugmented);
        }
        require_sampling(info, &params)?;
        let params = params.adapted_to(info.protocol_version);
        Ok(self
            .request_with::<CreateMessageRequest>(&params, options)
            .await?)
    }

    /// Asks the user to fill in a form derived from `T` (`elicitation/create`, form mode)
    /// and returns the typed answer. The answer is checked against the form, then
    /// deserialized into `T`. See [`form_schema_for`] for the types a form can hold.
    /// Forms must not ask for secrets (passwords, API keys): use [`elicit_url`](Self::elicit_url).
    pub async fn elicit<T: schemars::JsonSchema + DeserializeOwned>(
        &self,
        message: impl Into<String>,
    ) -> Result<ElicitOutcome<T>, ClientRequestError> {
        let schema = form_schema_for::<T>()?;
        let result = self
            .elicit_form(ElicitRequestFormParams::new(message, schema))
            .await?;
        match result.action {
            ElicitAction::Accept => {
                let content = serde_json::to_value(result.content.unwrap_or_default())
                    .map_err(ClientRequestError::AnswerType)?;
                T::deserialize(content)
                    .map(ElicitOutcome::Accepted)
                    .map_err(ClientRequestError::AnswerType)
            }
            ElicitAction::Decline => Ok(ElicitOutcome::Declined),
            _ => Ok(ElicitOutcome::Cancelled),
        }
    }

    /// Sends a form-mode `elicitation/create` with a form built by hand. An accepted answer
    /// is checked against the form ([`ClientRequestError::InvalidAnswer`] otherwise).
    /// Refused locally before 2025-06-18, when the client did not declare form mode (an
    /// empty `elicitation` object means form mode), and for multi-select fields before
    /// 2025-11-25.
    pub async fn elicit_form(
        &self,
        params: ElicitRequestFormParams,
    ) -> Result<ElicitResult, ClientRequestError> {
        let info = self.session_info()?;
        require_form_mode(info, &params.requested_schema)?;
        if params.task.is_some() {
            return Err(ClientRequestError::TaskAugmented);
        }
        let sent = ElicitRequestParams::Form(params).adapted_to(info.protocol_version);
        let result = self.request::<ElicitRequest>(&sent).await?;
        if let (ElicitAction::Accept, ElicitRequestParams::Form(form)) = (result.action, &sent) {
            let content = result.content.clone().unwrap_or_default();
            validate_form_answer(&form.requested_schema, &content)?;
        }
        Ok(result)
    }

    /// Asks the user to open `url` (`elicitation/create`, URL mode, 2025-11-25) for an
    /// interaction that must not pass through the client (third-party authorization,
    /// payment, entering a secret). `accept` means the user agreed to open it, not that the
    /// interaction finished: send [`notify_elicitation_complete`](Self::notify_elicitation_complete)
    /// when it does. Refused locally unless the client declared `elicitation.url`.
    ///
    /// The URL must not carry credentials or personal data, and the page it opens must check
    /// that the user who opens it is the user who triggered the elicitation.
    pub async fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
        elicitation_id: impl Into<String>,
    ) -> Result<ElicitAction, ClientRequestError> {
        let info = self.session_info()?;
        require_url_mode(info)?;
        let url = url.into();
        if !crate::validate::format_is_valid(StringFormat::Uri, &url) {
            return Err(ClientRequestError::InvalidUrl(url));
        }
        let params = ElicitRequestUrlParams::new(message, elicitation_id, url);
        // In the 2026-07-28 revision an input request carries no elicitation id.
        let sent = ElicitRequestParams::Url(params).adapted_to(info.protocol_version);
        let result = self.request::<ElicitRequest>(&sent).await?;
        Ok(result.action)
    }

    /// Tells this client that the URL-mode elicitation `elicitation_id` has completed
    /// (`notifications/elicitation/complete`). It goes to this session's client only: keep
    /// the [`Peer`] (or a [`WeakPeer`](crate::WeakPeer)) of the session that received the
    /// elicitation, and call this on it.
    pub async fn notify_elicitation_complete(
        &self,
        elicitation_id: impl Into<String>,
    ) -> Result<(), ClientRequestError> {
        require_url_mode(self.session_info()?)?;
        let params = ElicitationCompleteNotificationParams::new(elicitation_id);
        Ok(self
            .notify::<ElicitationCompleteNotification>(&params)
            .await?)
    }

    /// The -32042 `URLElicitationRequiredError` for a request that cannot proceed until the
    /// user completed `elicitations` (URL mode, each with its `elicitationId`). Return it
    /// from the handler. Refused when this client cannot do URL-mode elicitation.
    ///
    /// ```no_run
    /// # use oxmcp_core::{Peer, role::Server};
    /// # fn f(peer: &Peer<Server>) -> Result<(), oxmcp_types::ErrorData> {
    /// use oxmcp_types::elicitation::ElicitRequestUrlParams;
    /// let connect = ElicitRequestUrlParams::new(
    ///     "Connect your calendar", "el-42", "https://example.com/connect/el-42");
    /// Err(peer.url_elicitation_required("calendar access needed", vec![connect])?)
    /// # }
    /// ```
    pub fn url_elicitation_required(
        &self,
        message: impl Into<String>,
        elicitations: Vec<ElicitRequestUrlParams>,
    ) -> Result<ErrorData, ClientRequestError> {
        require_url_mode(self.session_info()?)?;
        let data = UrlElicitationRequiredData::new(elicitations);
        Ok(ErrorData::url_elicitation_required(message, data))
    }

    /// Asks the client for its roots (`roots/list`). Refused locally unless the client
    /// declared `roots`.
    pub async fn list_roots(&self) -> Result<Vec<Root>, ClientRequestError> {
        let info = self.session_info()?;
        if info.peer_capabilities.roots.is_none() {
            return Err(missing("roots"));
        }
        if self.has_rounds() {
            // Answered by the request's rounds: nothing in flight to share.
            let params = oxmcp_types::RequestParams::default();
            let result = self.request::<ListRootsRequest>(&params).await?;
            return Ok(result.roots);
        }
        Ok(super::roots::list_roots(self).await?)
    }
}

impl RequestContext<Server> {
    /// This context, with its next request to the client (elicitation, sampling, roots)
    /// named `key` in the `inputRequests` of a 2026-07-28 `input_required` result, instead
    /// of the default (`elicitation-1`, `sampling-2`, ...: the kind and the position of the
    /// call; see [`crate::server::mrtr`]). Name one call per context: a key used twice in
    /// a request fails with [`RequestError::DuplicateInputKey`]. No effect in the legacy
    /// era, where requests go to the client as they are.
    ///
    /// ```no_run
    /// # use oxmcp_core::RequestContext;
    /// # use oxmcp_core::role::Server;
    /// # use oxmcp_core::server::client_requests::{ClientRequestError, ElicitOutcome};
    /// #[derive(schemars::JsonSchema, serde::Deserialize)]
    /// struct Name {
    ///     name: String,
    /// }
    ///
    /// async fn greet(cx: &RequestContext<Server>) -> Result<String, ClientRequestError> {
    ///     let asked = cx.with_input_key("user_name");
    ///     Ok(match asked.elicit::<Name>("What is your name?").await? {
    ///         ElicitOutcome::Accepted(n) => format!("Hello, {}!", n.name),
    ///         _ => "Hello!".to_owned(),
    ///     })
    /// }
    /// ```
    #[must_use]
    pub fn with_input_key(&self, key: impl Into<String>) -> Self {
        let peer = self.peer().with_input_key(key);
        self.clone().with_peer(peer)
    }

    /// [`Peer::create_message`], related to this request.
    pub async fn create_message(
        &self,
        params: CreateMessageRequestParams,
    ) -> Result<CreateMessageResult, ClientRequestError> {
        self.peer().create_message(params).await
    }

    /// [`Peer::elicit`], related to this request.
    pub async fn elicit<T: schemars::JsonSchema + DeserializeOwned>(
        &self,
        message: impl Into<String>,
    ) -> Result<ElicitOutcome<T>, ClientRequestError> {
        self.peer().elicit(message).await
    }

    /// [`Peer::elicit_url`], related to this request.
    pub async fn elicit_url(
        &self,
        message: impl Into<String>,
        url: impl Into<String>,
        elicitation_id: impl Into<String>,
    ) -> Result<ElicitAction, ClientRequestError> {
        self.peer().elicit_url(message, url, elicitation_id).await
    }

    /// [`Peer::list_roots`], related to this request.
    pub async fn list_roots(&self) -> Result<Vec<Root>, ClientRequestError> {
        self.peer().list_roots().await
    }
}
