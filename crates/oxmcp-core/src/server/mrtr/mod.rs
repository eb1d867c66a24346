//! Multi round-trip requests (2026-07-28, SEP-2322): a handler's requests to the client in
//! the modern era.
//!
//! In the 2026-07-28 revision a server sends no requests of its own: a `tools/call`,
//! `prompts/get` or `resources/read` that needs the client (elicitation, sampling, roots)
//! ends with an `input_required` result naming what it needs (`inputRequests`, by key) and an
//! opaque `requestState`; the client retries the request with the answers
//! (`inputResponses`) and the state echoed.
//!
//! Handlers do not change: [`RequestContext::elicit`](crate::RequestContext::elicit),
//! [`create_message`](crate::RequestContext::create_message),
//! [`list_roots`](crate::RequestContext::list_roots) (and the [`Peer`](crate::Peer) methods
//! and typed requests behind them) work in both eras. The [`McpServer`](super::McpServer)
//! gives each such modern request an **input recorder**, and its peer asks the recorder
//! instead of the client:
//!
//! - a question answered in an earlier round (kept in the state) or by this retry gets its
//!   answer, and the handler goes on;
//! - any other question is recorded, and the call fails at once with
//!   [`RequestError::InputRequired`](crate::RequestError::InputRequired) (a handler that
//!   propagates it with `?` simply stops).
//!
//! When the handler returns with questions recorded, whatever it returned, the request is
//! answered `input_required` with those questions and a new state holding the answers used
//! so far. The retry runs the handler **again from the start**, and its calls are answered
//! in order from the state and the retry's answers, so it gets past them to the next
//! question or to its result. Hence:
//!
//! - what a handler does before its last question runs once per round: keep side effects
//!   after the questions, or make them idempotent;
//! - questions asked together (with `futures::join!`, for example) go to the client in one
//!   round: each call records its question and fails, and all of them are sent;
//! - a round holds at most [`RoundTripConfig::max_input_requests`] questions: a handler
//!   that asks more (one that asks again whenever a question fails never gets an answer
//!   in this run) is stopped, and the request answered -32603;
//! - a question is identified by its input key (by default `elicitation-1`, `sampling-2`,
//!   `roots-3`: the kind and the position of the call; name one with
//!   [`RequestContext::with_input_key`](crate::RequestContext::with_input_key)) and by the
//!   digest of its params: a recorded answer to a question asked differently this time does
//!   not count, and the question is asked again.
//!
//! A `tools/call` that the tasks extension makes a task of runs its handler as the task's
//! work, whose questions go to the task's `inputRequests` instead; a tool marked
//! [`ToolRoute::with_input_before_task`](crate::server::tools::ToolRoute::with_input_before_task)
//! first asks here, in rounds of the call, until its handler calls
//! [`RequestContext::continue_as_task`](crate::RequestContext::continue_as_task).
//!
//! Answers a retry supplies count only for the questions the state says were asked (a
//! request without a state may answer first-round questions up front); others are ignored.
//! An answer that is not a result of its question's method refuses the request with -32602.
//!
//! The state is signed with HMAC-SHA-256 ([`RequestStateKeys`]: one key signs, several may
//! verify, so keys rotate and instances behind a load balancer can share them) and binds the
//! method, a digest of the params (without `_meta`, `inputResponses` and `requestState`),
//! the caller's [`Principal`](crate::Principal) and an expiry. A state that is altered,
//! expired, signed with an unknown key, issued for another request or longer than the limit
//! is refused with -32602 ([`RequestStateError`]). A state is not single-use unless the
//! config has a [`ReplayGuard`] ([`RoundTripConfig::with_replay_guard`], per process).
//! Keys can come from configuration ([`RequestStateKeys::from_config`], the environment
//! variable [`REQUEST_STATE_KEYS_ENV`]).
//!
//! Other modern requests (`tools/list`, ...) and handlers not served by an `McpServer`
//! cannot reach the client: their requests to it fail with
//! [`RequestError::NoRoundTrip`](crate::RequestError::NoRoundTrip). Legacy sessions
//! (2025-11-25 and older) are untouched: requests go to the client as before.

mod engine;
mod keys;
mod keys_config;
mod recorder;
mod replay;
mod state;

use std::sync::Arc;
use std::time::Duration;

pub(crate) use engine::begin;
pub use keys::{KeyError, MAX_KEY_ID_LEN, MIN_SECRET_LEN, RequestStateKey, RequestStateKeys};
pub use keys_config::REQUEST_STATE_KEYS_ENV;
pub(crate) use recorder::{InputRecorder, RoundHandle};
pub use replay::{DEFAULT_REPLAY_GUARD_BYTES, ENTRY_BYTES, ReplayGuard};
pub use state::RequestStateError;

/// The default of [`RoundTripConfig::state_ttl`]: ten minutes.
pub const DEFAULT_STATE_TTL: Duration = Duration::from_secs(600);
/// The default of [`RoundTripConfig::max_state_bytes`]: 64 KiB.
pub const DEFAULT_MAX_STATE_BYTES: usize = 64 * 1024;
/// The default of [`RoundTripConfig::max_input_requests`]: 32.
pub const DEFAULT_MAX_INPUT_REQUESTS: usize = 32;

/// How an [`McpServer`](super::McpServer) runs multi round-trip requests (set with
/// [`McpServerBuilder::round_trips`](super::McpServerBuilder::round_trips)).
///
/// ```
/// use std::time::Duration;
/// use oxmcp_core::server::mrtr::{RequestStateKeys, RoundTripConfig};
///
/// let shared = RequestStateKeys::parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8").unwrap();
/// let config = RoundTripConfig::default()
///     .with_keys(shared)
///     .with_state_ttl(Duration::from_secs(120))
///     .with_max_state_bytes(16 * 1024);
/// assert_eq!(config.max_state_bytes, 16 * 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RoundTripConfig {
    /// The keys that sign and check `requestState` (default: one random key).
    pub keys: RequestStateKeys,
    /// How long a state stays valid (default [`DEFAULT_STATE_TTL`]): the time a user has
    /// to answer.
    pub state_ttl: Duration,
    /// The longest state the server writes or accepts (default
    /// [`DEFAULT_MAX_STATE_BYTES`]). A round whose state would be longer fails with -32603;
    /// a longer state in a retry is refused with -32602.
    pub max_state_bytes: usize,
    /// How many questions one round may ask (default [`DEFAULT_MAX_INPUT_REQUESTS`]). A
    /// handler that asks more (one that asks again whenever a question fails, for example)
    /// is stopped, and the request answered -32603.
    pub max_input_requests: usize,
    /// Makes each state good for one retry (default: none; see [`ReplayGuard`]). Clones
    /// of the config share the guard.
    pub replay_guard: Option<Arc<ReplayGuard>>,
}

impl Default for RoundTripConfig {
    fn default() -> Self {
        Self {
            keys: RequestStateKeys::random(),
            state_ttl: DEFAULT_STATE_TTL,
            max_state_bytes: DEFAULT_MAX_STATE_BYTES,
            max_input_requests: DEFAULT_MAX_INPUT_REQUESTS,
            replay_guard: None,
        }
    }
}

impl RoundTripConfig {
    /// Sets the keys.
    #[must_use]
    pub fn with_keys(mut self, keys: RequestStateKeys) -> Self {
        self.keys = keys;
        self
    }

    /// Sets how long a state stays valid.
    #[must_use]
    pub fn with_state_ttl(mut self, ttl: Duration) -> Self {
        self.state_ttl = ttl;
        self
    }

    /// Sets how many questions one round may ask.
    #[must_use]
    pub fn with_max_input_requests(mut self, max: usize) -> Self {
        self.max_input_requests = max;
        self
    }

    /// Accepts each state once, remembering those accepted in at most `max_bytes` (see
    /// [`ReplayGuard`]; [`DEFAULT_REPLAY_GUARD_BYTES`] is a reasonable budget). For
    /// servers whose states must be consumed at most once: the spec's binding of a state to
    /// its caller, request and expiry does not make it single-use.
    #[must_use]
    pub fn with_replay_guard(mut self, max_bytes: usize) -> Self {
        self.replay_guard = Some(Arc::new(ReplayGuard::new(max_bytes)));
        self
    }

    /// Sets the longest state written or accepted.
    #[must_use]
    pub fn with_max_state_bytes(mut self, max: usize) -> Self {
        self.max_state_bytes = max;
        self
    }
}
