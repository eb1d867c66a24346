//! Errors of the engine, one enum per concern.

use std::time::Duration;

use oxmcp_types::{Era, ErrorData, ProtocolVersion};

/// Why an outgoing request did not produce a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The peer answered with a JSON-RPC error.
    #[error("the peer answered with an error: {0}")]
    Remote(ErrorData),
    /// No answer within the timeout; `notifications/cancelled` was sent.
    #[error("request timed out after {0:?}")]
    Timeout(Duration),
    /// The request was cancelled by the caller; `notifications/cancelled` was sent.
    #[error("request cancelled")]
    Cancelled,
    /// The peer did not declare the capability that gates this method.
    #[error("the peer did not declare the `{capability}` capability needed for `{method}`")]
    CapabilityNotNegotiated {
        /// The method.
        method: String,
        /// The capability's path, such as `sampling` or `resources.subscribe`.
        capability: &'static str,
    },
    /// The method is not one this role may send.
    #[error("a {role} does not send `{method}`")]
    WrongDirection {
        /// The method.
        method: String,
        /// This side's role.
        role: &'static str,
    },
    /// The session is not initialized far enough for this method.
    #[error("`{0}` cannot be sent before the session is initialized")]
    NotInitialized(String),
    /// As many of our requests as [`SessionConfig::max_outgoing_requests`](crate::SessionConfig)
    /// allows already wait for the peer's answers; this one was not sent.
    #[error("too many requests wait for the peer's answers (the limit is {limit})")]
    TooManyOutgoing {
        /// The limit.
        limit: usize,
    },
    /// The session ended before an answer arrived.
    #[error("the session is closed")]
    Closed,
    /// The params could not be serialized.
    #[error("could not serialize the params: {0}")]
    Serialize(#[source] serde_json::Error),
    /// The result did not have the expected shape.
    #[error("the result of `{method}` is invalid: {source}")]
    InvalidResult {
        /// The method.
        method: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A 2026-07-28 request's handler asked the client something that no round has
    /// answered yet: the question goes to the client in the request's `input_required`
    /// result, and the handler runs again when the client retries with the answer (see
    /// [`crate::server::mrtr`]). Handlers pass it on (with `?`) and stop.
    #[error(
        "`{method}` goes to the client as input request `{key}`: the request ends input_required and runs again with the answer"
    )]
    InputRequired {
        /// The method asked.
        method: String,
        /// Its input key.
        key: String,
    },
    /// In the 2026-07-28 revision a server sends no requests of its own: only the handler
    /// of a `tools/call`, `prompts/get` or `resources/read` served by an
    /// [`McpServer`](crate::McpServer) reaches the client, with elicitation, sampling or
    /// roots, through a multi round-trip request.
    #[error(
        "`{method}` cannot be sent to a 2026-07-28 client: only tools/call, prompts/get and resources/read reach it, with elicitation, sampling or roots, as a multi round-trip request"
    )]
    NoRoundTrip {
        /// The method.
        method: String,
    },
    /// Two requests to the client of one handler run used the same input key.
    #[error("input key `{0}` is used twice in one request")]
    DuplicateInputKey(String),
    /// The server still asked for input after as many rounds of a multi round-trip request
    /// as [`ClientConfig::max_input_rounds`](crate::ClientConfig::max_input_rounds) allows.
    #[error("`{method}` still required input after {limit} rounds")]
    TooManyInputRounds {
        /// The method retried.
        method: String,
        /// The limit.
        limit: usize,
    },
    /// The client's handler could not answer an input request of a multi round-trip
    /// request (say, it offers no sampling): the request was not retried.
    #[error("could not answer input request `{key}` (`{method}`): {error}")]
    InputFailed {
        /// The input request's method.
        method: String,
        /// Its key in `inputRequests`.
        key: String,
        /// What the handler answered.
        error: ErrorData,
    },
    /// The server's acknowledgment of `subscriptions/listen` (2026-07-28) leaves out the
    /// resource subscribed to: it sends no updates of it.
    #[error("the server does not send updates of `{uri}`")]
    SubscriptionRefused {
        /// The resource.
        uri: String,
    },
    /// The task the server made of the request (the tasks extension of 2026-07-28) ended
    /// `cancelled`: there is no result.
    #[error("task `{task_id}` was cancelled: {}", status_message.as_deref().unwrap_or("no reason given"))]
    TaskCancelled {
        /// The task.
        task_id: String,
        /// The server's `statusMessage`, if any.
        status_message: Option<String>,
    },
    /// The method has no form in the era the session speaks (for example
    /// `resources/subscribe` in the 2026-07-28 era, where `subscriptions/listen` replaces
    /// it).
    #[error("`{method}` does not exist in the {era:?} era of the protocol")]
    NotInEra {
        /// The method.
        method: String,
        /// The session's era.
        era: Era,
    },
}

impl RequestError {
    /// Whether this is [`InputRequired`](Self::InputRequired): the request ends
    /// `input_required` whatever the handler does next.
    pub fn is_input_required(&self) -> bool {
        matches!(self, Self::InputRequired { .. })
    }

    /// The JSON-RPC error the peer sent, if that is what this is.
    pub fn as_remote(&self) -> Option<&ErrorData> {
        match self {
            Self::Remote(e) => Some(e),
            _ => None,
        }
    }
}

impl RequestError {
    /// A copy of this error, for callers that share one request's outcome (serde's errors
    /// are kept as their text).
    pub(crate) fn duplicate(&self) -> Self {
        use serde::de::Error as _;
        match self {
            Self::Remote(e) => Self::Remote(e.clone()),
            Self::Timeout(d) => Self::Timeout(*d),
            Self::Cancelled => Self::Cancelled,
            Self::CapabilityNotNegotiated { method, capability } => Self::CapabilityNotNegotiated {
                method: method.clone(),
                capability,
            },
            Self::WrongDirection { method, role } => Self::WrongDirection {
                method: method.clone(),
                role,
            },
            Self::NotInitialized(method) => Self::NotInitialized(method.clone()),
            Self::TooManyOutgoing { limit } => Self::TooManyOutgoing { limit: *limit },
            Self::Closed => Self::Closed,
            Self::Serialize(e) => Self::Serialize(serde_json::Error::custom(e.to_string())),
            Self::InvalidResult { method, source } => Self::InvalidResult {
                method: method.clone(),
                source: serde_json::Error::custom(source.to_string()),
            },
            Self::InputRequired { method, key } => Self::InputRequired {
                method: method.clone(),
                key: key.clone(),
            },
            Self::NoRoundTrip { method } => Self::NoRoundTrip {
                method: method.clone(),
            },
            Self::DuplicateInputKey(key) => Self::DuplicateInputKey(key.clone()),
            Self::TooManyInputRounds { method, limit } => Self::TooManyInputRounds {
                method: method.clone(),
                limit: *limit,
            },
            Self::InputFailed { method, key, error } => Self::InputFailed {
                method: method.clone(),
                key: key.clone(),
                error: error.clone(),
            },
            Self::SubscriptionRefused { uri } => Self::SubscriptionRefused { uri: uri.clone() },
            Self::TaskCancelled {
                task_id,
                status_message,
            } => Self::TaskCancelled {
                task_id: task_id.clone(),
                status_message: status_message.clone(),
            },
            Self::NotInEra { method, era } => Self::NotInEra {
                method: method.clone(),
                era: *era,
            },
        }
    }
}

/// Why a notification could not be sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The sender did not declare (or the peer did not declare) the gating capability.
    #[error("the `{capability}` capability needed for `{method}` was not negotiated")]
    CapabilityNotNegotiated {
        /// The method.
        method: String,
        /// The capability's path.
        capability: &'static str,
    },
    /// The method is not one this role may send.
    #[error("a {role} does not send `{method}`")]
    WrongDirection {
        /// The method.
        method: String,
        /// This side's role.
        role: &'static str,
    },
    /// Progress must increase with every notification.
    #[error("progress must increase: {new} is not greater than {previous}")]
    ProgressNotIncreasing {
        /// The last progress value sent.
        previous: f64,
        /// The refused value.
        new: f64,
    },
    /// The request this notification belongs to has completed or was cancelled.
    #[error("the request has completed; no more notifications can be sent for it")]
    RequestCompleted,
    /// The session is not initialized far enough for this notification.
    #[error("`{0}` cannot be sent before the session is initialized")]
    NotInitialized(String),
    /// The session ended.
    #[error("the session is closed")]
    Closed,
    /// The outbound queue is full (only from the non-waiting `try_` methods).
    #[error("the outbound queue is full")]
    QueueFull,
    /// The params could not be serialized.
    #[error("could not serialize the params: {0}")]
    Serialize(#[source] serde_json::Error),
}

/// Why a session could not be established.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InitializeError {
    /// The `initialize` request failed.
    #[error("initialize failed: {0}")]
    Request(#[from] RequestError),
    /// The server chose a protocol version this client does not support.
    #[error("the server chose protocol version `{0}`, which this client does not support")]
    UnsupportedVersion(String),
    /// The client is pinned to the 2026-07-28 era and the server's answer to the
    /// `server/discover` probe was not a modern one (a legacy server).
    #[error("the server does not speak the 2026-07-28 era: {0}")]
    NotModern(#[source] RequestError),
    /// The server speaks none of the revisions this client may use (its `supported` list,
    /// from `server/discover` or an `UnsupportedProtocolVersion` error).
    #[error(
        "the server supports none of this client's protocol versions (it offers {supported:?})"
    )]
    NoCommonVersion {
        /// The versions the server listed.
        supported: Vec<String>,
    },
    /// The server chose a version older than the client allows.
    #[error("the server chose protocol version {chosen}, older than the minimum {minimum}")]
    VersionTooOld {
        /// What the server chose.
        chosen: ProtocolVersion,
        /// The configured minimum.
        minimum: ProtocolVersion,
    },
}
