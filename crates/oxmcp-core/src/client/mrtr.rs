//! A 2026-07-28 client's requests: each carries the protocol version, the client's
//! capabilities, its info and its log level in `_meta`; an `input_required` result (multi
//! round-trip requests, SEP-2322) is answered by the host's handler, the same
//! [`ClientHandler`](super::ClientHandler) callbacks that answer a legacy server's
//! requests, and the request is retried with the answers and the echoed `requestState`,
//! at most [`ClientConfig::max_input_rounds`] times; an `UnsupportedProtocolVersion` error
//! (-32022) is retried once with a version from the server's list. The methods the era
//! dropped are emulated where they have a meaning (`ping` becomes `server/discover`,
//! `logging/setLevel` sets the level sent with each request, `resources/subscribe` and
//! `unsubscribe` change the filter of the session's `subscriptions/listen` request, see
//! [`listen`](super::listen)) and refused otherwise.

use std::sync::Mutex;

use futures_util::future::BoxFuture;
use oxmcp_types::ext_tasks::CreateTaskResult;
use oxmcp_types::methods::{
    CallToolRequest, DiscoverRequest, InitializeRequest, ListToolsRequest, PingRequest,
    RequestMethod, SetLevelRequest, SubscribeRequest, UnsubscribeRequest,
};
use oxmcp_types::modern::SubscriptionFilter;
use oxmcp_types::modern::meta::LOG_LEVEL_KEY;
use oxmcp_types::modern::{
    InputRequest, InputRequests, InputRequiredResult, InputResponse, InputResponses, RequestMeta,
    ResultType, UnsupportedProtocolVersionData,
};
use oxmcp_types::{
    ClientCapabilities, Era, Implementation, JsonObject, LoggingLevel, ProtocolVersion, RequestId,
    ResourceRequestParams, ServerCapabilities, SetLevelRequestParams,
};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio_util::sync::CancellationToken;

use super::ClientConfig;
use super::ext_tasks::{ModernTask, TaskPolling};
use super::listen::{self, Listener};
use crate::context::RequestContext;
use crate::error::RequestError;
use crate::extensions::Extensions;
use crate::handler::{IncomingNotification, IncomingRequest};
use crate::role::Client;
use crate::session::state::lock;
use crate::session::{Exchange, Peer, RequestOptions, RequestState};

/// The default of [`ClientConfig::max_input_rounds`].
pub const DEFAULT_MAX_INPUT_ROUNDS: usize = 10;

/// Shapes and retries the requests of a modern client session.
pub(crate) struct ModernExchange {
    version: Mutex<ProtocolVersion>,
    capabilities: ClientCapabilities,
    info: Implementation,
    log_level: Mutex<Option<LoggingLevel>>,
    max_rounds: usize,
    listener: Listener,
    /// Whether the requests declare the tasks extension.
    tasks: bool,
    /// How tasks the server makes of requests are polled.
    polling: TaskPolling,
}

impl ModernExchange {
    pub(crate) fn new(
        version: ProtocolVersion,
        capabilities: ClientCapabilities,
        config: &ClientConfig,
    ) -> Self {
        let tasks = capabilities
            .extensions
            .as_ref()
            .is_some_and(|e| e.contains_key(oxmcp_types::ext_tasks::EXTENSION_ID));
        Self {
            tasks,
            polling: config.task_polling,
            version: Mutex::new(version),
            capabilities,
            info: config.info.clone(),
            log_level: Mutex::new(None),
            max_rounds: config.max_input_rounds,
            listener: Listener::new(config.discover_timeout),
        }
    }

    /// `params` with this client's `_meta` members added (those already there are kept
    /// unless they are the era's own keys).
    fn shaped(&self, params: &JsonObject) -> Result<Box<RawValue>, RequestError> {
        let version = *lock(&self.version);
        let mut own = RequestMeta::new(version, self.capabilities.clone())
            .with_client_info(self.info.clone());
        if let Some(level) = *lock(&self.log_level) {
            own = own.with_log_level(level);
        }
        let mut params = params.clone();
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(JsonObject::new()));
        if !meta.is_object() {
            *meta = Value::Object(JsonObject::new());
        }
        if let Value::Object(meta) = meta {
            meta.remove(LOG_LEVEL_KEY);
            meta.extend(own.into_meta());
        }
        serde_json::value::to_raw_value(&params).map_err(RequestError::Serialize)
    }

    async fn run(
        &self,
        peer: &Peer<Client>,
        method: &str,
        params: Option<Box<RawValue>>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        match method {
            PingRequest::METHOD => return self.ping(peer, options).await,
            SetLevelRequest::METHOD => return self.set_level(params.as_deref()),
            SubscribeRequest::METHOD => return self.subscribe(peer, params.as_deref(), true).await,
            UnsubscribeRequest::METHOD => {
                return self.subscribe(peer, params.as_deref(), false).await;
            }
            InitializeRequest::METHOD => {
                return Err(RequestError::NotInEra {
                    method: method.to_owned(),
                    era: Era::Modern,
                });
            }
            _ => {}
        }
        let mut params = object_of(params.as_deref())?;
        let mut rounds = 0;
        let mut version_retried = false;
        loop {
            let raw = self.shaped(&params)?;
            let answer = match peer
                .send_request_unchecked(method, Some(raw), options.clone())
                .await
            {
                Ok(answer) => answer,
                Err(e) if !version_retried && self.switch_version(&e) => {
                    version_retried = true;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let input = match result_type(&answer, method)? {
                Some(ResultType::InputRequired) => input_required(&answer, method)?,
                Some(ResultType::Task) => return self.task(peer, method, answer, options).await,
                _ if method == ListToolsRequest::METHOD => {
                    return super::modern::valid_tools(answer);
                }
                _ => return Ok(answer),
            };
            if rounds == self.max_rounds {
                return Err(RequestError::TooManyInputRounds {
                    method: method.to_owned(),
                    limit: self.max_rounds,
                });
            }
            rounds += 1;
            let requests = input.input_requests.unwrap_or_default();
            let responses = answer_inputs(peer, requests, options.cancel.as_ref()).await?;
            retry_params(&mut params, responses, input.request_state)?;
        }
    }

    /// A task handle the server answered `method` with (the tasks extension): followed to
    /// the request's result, or returned as it is when the caller keeps task handles. Only
    /// `tools/call` of a client that declared the extension may be answered so; any other
    /// is an invalid result, as the extension says.
    async fn task(
        &self,
        peer: &Peer<Client>,
        method: &str,
        answer: Box<RawValue>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        use serde::de::Error as _;
        let invalid = |source| RequestError::InvalidResult {
            method: method.to_owned(),
            source,
        };
        if !self.tasks || method != CallToolRequest::METHOD {
            let why = format!(
                "a task handle (resultType \"task\") answers only tools/call of a client that \
                 declared {}",
                oxmcp_types::ext_tasks::EXTENSION_ID
            );
            return Err(invalid(serde_json::Error::custom(why)));
        }
        if options.keep_task_handle {
            return Ok(answer);
        }
        let created: CreateTaskResult = serde_json::from_str(answer.get()).map_err(invalid)?;
        let task = ModernTask::<Box<RawValue>>::new(peer.clone(), created.task, self.polling);
        task.follow(&options, true).await
    }

    /// After -32022: uses the newest version of the server's list that oxmcp speaks (the
    /// caller retries once: a server that refuses the version it lists is not asked again).
    fn switch_version(&self, error: &RequestError) -> bool {
        let Some(data) = error
            .as_remote()
            .and_then(UnsupportedProtocolVersionData::from_error)
        else {
            return false;
        };
        match data.best_version() {
            Some(v) => {
                *lock(&self.version) = v;
                true
            }
            None => false,
        }
    }

    /// `ping` has no modern form: `server/discover` tells as well that the server answers.
    async fn ping(
        &self,
        peer: &Peer<Client>,
        options: RequestOptions,
    ) -> Result<Box<RawValue>, RequestError> {
        let raw = self.shaped(&JsonObject::new())?;
        peer.send_request_unchecked(DiscoverRequest::METHOD, Some(raw), options)
            .await?;
        empty()
    }

    /// Opens the session's listen request for the list changes `server` declares.
    pub(crate) async fn listen(
        &self,
        peer: &Peer<Client>,
        server: &ServerCapabilities,
    ) -> Result<(), RequestError> {
        let open = |filter: &_, cancel| self.open_listen(peer, filter, cancel);
        self.listener.start(peer, server, open).await
    }

    fn open_listen(
        &self,
        peer: &Peer<Client>,
        filter: &SubscriptionFilter,
        cancel: CancellationToken,
    ) -> Result<listen::Failed, RequestError> {
        let params = self.shaped(&listen::listen_params(filter)?)?;
        let (failed, failure) = tokio::sync::oneshot::channel();
        tokio::spawn(listen::run(peer.clone(), params, cancel, failed));
        Ok(failure)
    }

    /// `resources/subscribe` and `unsubscribe` have no modern form: the URI joins or leaves
    /// the listen request's filter, and the request is opened again.
    async fn subscribe(
        &self,
        peer: &Peer<Client>,
        params: Option<&RawValue>,
        add: bool,
    ) -> Result<Box<RawValue>, RequestError> {
        let text = params.map_or("{}", RawValue::get);
        let params: ResourceRequestParams =
            serde_json::from_str(text).map_err(RequestError::Serialize)?;
        let uri = params.uri;
        let edit = |filter: &mut SubscriptionFilter| {
            let uris = filter.resource_subscriptions.get_or_insert_with(Vec::new);
            uris.retain(|u| *u != uri);
            if add {
                uris.push(uri.clone());
            }
        };
        let open = |filter: &_, cancel| self.open_listen(peer, filter, cancel);
        let acknowledged = self.listener.change(peer, open, edit).await?;
        let honoured = acknowledged
            .resource_subscriptions
            .is_some_and(|uris| uris.contains(&uri));
        if add && !honoured {
            return Err(RequestError::SubscriptionRefused { uri });
        }
        empty()
    }

    /// `logging/setLevel` has no modern form: the level goes in each request's `_meta`.
    fn set_level(&self, params: Option<&RawValue>) -> Result<Box<RawValue>, RequestError> {
        let text = params.map_or("{}", RawValue::get);
        let params: SetLevelRequestParams =
            serde_json::from_str(text).map_err(RequestError::Serialize)?;
        *lock(&self.log_level) = Some(params.level);
        empty()
    }
}

impl Exchange<Client> for ModernExchange {
    fn request<'a>(
        &'a self,
        peer: &'a Peer<Client>,
        method: &'a str,
        params: Option<Box<RawValue>>,
        options: RequestOptions,
    ) -> BoxFuture<'a, Result<Box<RawValue>, RequestError>> {
        Box::pin(self.run(peer, method, params, options))
    }

    fn accepts(&self, notification: &IncomingNotification) -> bool {
        self.listener.accepts(notification)
    }

    fn task_polling(&self) -> TaskPolling {
        self.polling
    }
}

fn empty() -> Result<Box<RawValue>, RequestError> {
    serde_json::value::to_raw_value(&JsonObject::new()).map_err(RequestError::Serialize)
}

fn object_of(params: Option<&RawValue>) -> Result<JsonObject, RequestError> {
    match params {
        None => Ok(JsonObject::new()),
        Some(raw) => serde_json::from_str(raw.get()).map_err(RequestError::Serialize),
    }
}

/// The `resultType` of `answer`, if it has one.
pub(super) fn result_type(
    answer: &RawValue,
    method: &str,
) -> Result<Option<ResultType>, RequestError> {
    #[derive(serde::Deserialize)]
    struct Kind {
        #[serde(rename = "resultType", default)]
        result_type: Option<ResultType>,
    }
    let kind: Kind =
        serde_json::from_str(answer.get()).map_err(|source| RequestError::InvalidResult {
            method: method.to_owned(),
            source,
        })?;
    Ok(kind.result_type)
}

/// `answer` as an `input_required` result.
fn input_required(answer: &RawValue, method: &str) -> Result<InputRequiredResult, RequestError> {
    serde_json::from_str(answer.get()).map_err(|source| RequestError::InvalidResult {
        method: method.to_owned(),
        source,
    })
}

/// The params of the retry: the original ones with this round's answers and the state.
fn retry_params(
    params: &mut JsonObject,
    responses: InputResponses,
    state: Option<String>,
) -> Result<(), RequestError> {
    if responses.is_empty() {
        params.remove("inputResponses");
    } else {
        let responses = serde_json::to_value(responses).map_err(RequestError::Serialize)?;
        params.insert("inputResponses".to_owned(), responses);
    }
    match state {
        Some(state) => params.insert("requestState".to_owned(), Value::String(state)),
        None => params.remove("requestState"),
    };
    Ok(())
}

/// Answers each input request with the session's handler, one after the other (a host
/// shows one question at a time).
pub(super) async fn answer_inputs(
    peer: &Peer<Client>,
    requests: InputRequests,
    cancel: Option<&CancellationToken>,
) -> Result<InputResponses, RequestError> {
    let Some(session) = peer.session().cloned() else {
        return Err(RequestError::Closed);
    };
    let mut responses = InputResponses::new();
    for (key, request) in requests {
        let method = request.method();
        let failed = |error| RequestError::InputFailed {
            method: method.to_owned(),
            key: key.clone(),
            error,
        };
        let params = input_params(&request)?;
        let cancel = cancel.map_or_else(CancellationToken::new, CancellationToken::child_token);
        let cx = RequestContext::new(
            RequestId::String(format!("input:{key}").into()),
            None,
            RequestState::new(cancel),
            peer.unrelated(),
            session.clone(),
            Extensions::new(),
        );
        let incoming = IncomingRequest::new(method, params);
        let answer = peer
            .inner
            .handler
            .handle_request(incoming, cx)
            .await
            .map_err(failed)?;
        let response: InputResponse =
            serde_json::from_str(answer.get()).map_err(|source| RequestError::InvalidResult {
                method: method.to_owned(),
                source,
            })?;
        responses.insert(key, response);
    }
    Ok(responses)
}

/// The params of an input request, as a server request would carry them.
fn input_params(request: &InputRequest) -> Result<Option<Box<RawValue>>, RequestError> {
    let mut wire = serde_json::to_value(request).map_err(RequestError::Serialize)?;
    match wire.get_mut("params").map(Value::take) {
        None | Some(Value::Null) => Ok(None),
        Some(params) => serde_json::value::to_raw_value(&params)
            .map(Some)
            .map_err(RequestError::Serialize),
    }
}
