//! Around the handler of a modern `tools/call`, `prompts/get` or `resources/read`: the
//! recorder built from the request's `inputResponses` and checked `requestState` before,
//! the `input_required` result after.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::Poll;
use std::time::{SystemTime, UNIX_EPOCH};

use memchr::memmem::Finder;
use oxmcp_types::ErrorData;
use oxmcp_types::modern::InputRequiredResult;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::RoundTripConfig;
use super::recorder::{InputRecorder, Outcome, RoundHandle};
use super::state::{Binding, Payload, digest, digest_bytes};
use crate::context::RequestContext;
use crate::handler::{HandlerResult, IncomingRequest, to_result};
use crate::role::Server;
use crate::session::ModernState;

/// The requests that may end `input_required`.
const SUPPORTED: [&str; 3] = ["tools/call", "prompts/get", "resources/read"];

/// The params members that are not part of what a state is bound to.
const UNBOUND: [&str; 3] = ["_meta", "inputResponses", "requestState"];

/// A modern request whose handler runs with an input recorder.
#[derive(Debug)]
pub(crate) struct Started {
    recorder: Arc<InputRecorder>,
    method: &'static str,
    principal: Option<String>,
    /// The binding, when a state was checked against it already.
    binding: Option<Binding>,
}

// Built once: a searcher costs more to build than to run over one request.
static INPUT_RESPONSES: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(b"inputResponses"));
static REQUEST_STATE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"requestState"));

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a state of request `method` with `params` from `principal` is bound to.
fn binding_of(method: &str, params: &Map<String, Value>, principal: Option<String>) -> Binding {
    let salient: Map<String, Value> = params
        .iter()
        .filter(|(k, _)| !UNBOUND.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Binding {
        method: method.to_owned(),
        params: digest(&Value::Object(salient)),
        principal,
    }
}

fn parse_params(raw: Option<&RawValue>) -> Result<Map<String, Value>, ErrorData> {
    serde_json::from_str(raw.map_or("{}", RawValue::get))
        .map_err(|e| ErrorData::invalid_params(format!("invalid params: {e}")))
}

/// Whether params `text` may hold `inputResponses` or `requestState` members: they mention
/// them outside their `_meta`, when the transport found where that lies (a `_meta` is often
/// most of the params), else anywhere; or they have a `\u` escape, which could spell them.
fn mentions_input(text: &str, cx: &RequestContext<Server>) -> bool {
    let place = cx
        .extensions()
        .get::<ModernState>()
        .and_then(ModernState::meta_place);
    let (before, after) =
        match place.and_then(|p| Some((text.get(..p.cut.0)?, text.get(p.cut.1..)?))) {
            Some(outside) => outside,
            None => (text, ""),
        };
    [before, after].iter().any(|part| {
        let part = part.as_bytes();
        // Both names have a capital letter, which most params have none of.
        let named = memchr::memchr2(b'R', b'S', part).is_some()
            && (INPUT_RESPONSES.find(part).is_some() || REQUEST_STATE.find(part).is_some());
        named || oxmcp_types::raw::may_spell_in_escapes(part)
    })
}

/// The recorder of `request`, when it is a modern request that may end `input_required`:
/// its `inputResponses` and, after checking it, its `requestState`. -32602 for a state
/// that fails a check, and for members of the wrong type.
pub(crate) fn begin(
    config: &RoundTripConfig,
    request: &IncomingRequest,
    cx: &RequestContext<Server>,
) -> Result<Option<Started>, ErrorData> {
    if !cx.protocol_version().is_modern() {
        return Ok(None);
    }
    let Some(method) = SUPPORTED.into_iter().find(|m| *m == request.method) else {
        return Ok(None);
    };
    let principal = cx.principal().map(|p| digest_bytes(p.key().as_bytes()));
    let mut started = Started {
        recorder: Arc::new(InputRecorder::empty(config.max_input_requests)),
        method,
        principal,
        binding: None,
    };
    let text = request.params.as_deref().map_or("", RawValue::get);
    if !mentions_input(text, cx) {
        return Ok(Some(started));
    }
    let params = parse_params(request.params.as_deref())?;
    let offered = match params.get("inputResponses") {
        None => Map::new(),
        Some(Value::Object(answers)) => answers.clone(),
        Some(_) => {
            return Err(ErrorData::invalid_params(
                "inputResponses must be an object",
            ));
        }
    };
    let (recorded, asked) = match params.get("requestState") {
        None => (BTreeMap::new(), None),
        Some(Value::String(state)) => {
            let now = now_ms();
            let payload = Payload::open(state, &config.keys, config.max_state_bytes, now)?;
            let binding = binding_of(started.method, &params, started.principal.clone());
            payload.check_binding(&binding)?;
            if let Some(guard) = &config.replay_guard {
                guard.accept(state, payload.expires_ms, now)?;
            }
            started.binding = Some(binding);
            (payload.answers, Some(payload.asked))
        }
        Some(_) => return Err(ErrorData::invalid_params("requestState must be a string")),
    };
    started.recorder = Arc::new(InputRecorder::new(
        offered,
        recorded,
        asked,
        config.max_input_requests,
    ));
    Ok(Some(started))
}

impl Started {
    /// Runs `work`, the handler, unless it asks more questions than a round may hold: it is
    /// stopped then (its calls no longer return), and the answer is the recorder's refusal.
    /// `work` comes pinned where its caller made it: a handler's future is large, and is not
    /// moved again.
    pub(crate) async fn run<F: Future<Output = HandlerResult>>(
        &self,
        mut work: Pin<&mut F>,
    ) -> HandlerResult {
        // Most handlers answer when first polled: nothing waits on the overflow then.
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        if let Poll::Ready(result) = first {
            return result;
        }
        tokio::select! {
            biased;
            result = &mut work => result,
            () = self.recorder.overflow().raised() => Err(ErrorData::internal_error("stopped")),
        }
    }

    /// What the request's peer answers its requests to the client with.
    pub(crate) fn handle(&self) -> RoundHandle {
        RoundHandle {
            recorder: self.recorder.clone(),
            key: None,
        }
    }

    /// The request's answer: the handler's `result` when it asked nothing that is still
    /// open, else `input_required` with the open questions and a new state, bound to the
    /// request's `params`.
    pub(crate) fn finish(
        self,
        config: &RoundTripConfig,
        result: HandlerResult,
        params: Option<&RawValue>,
    ) -> HandlerResult {
        let (requests, asked, answers) = match self.recorder.outcome() {
            Outcome::Complete => return result,
            Outcome::Refused(e) => return Err(e),
            Outcome::Required {
                requests,
                asked,
                answers,
            } => (requests, asked, answers),
        };
        let binding = match self.binding {
            Some(binding) => binding,
            None => binding_of(self.method, &parse_params(params)?, self.principal),
        };
        let ttl_ms = u64::try_from(config.state_ttl.as_millis()).unwrap_or(u64::MAX);
        let payload = Payload {
            binding,
            expires_ms: now_ms().saturating_add(ttl_ms),
            answers,
            asked,
        };
        let state = payload.seal(&config.keys).map_err(|e| {
            ErrorData::internal_error(format!("could not write the request state: {e}"))
        })?;
        if state.len() > config.max_state_bytes {
            return Err(ErrorData::internal_error(format!(
                "the request state would have {} bytes, more than the limit of {} \
                 (RoundTripConfig::max_state_bytes)",
                state.len(),
                config.max_state_bytes
            )));
        }
        tracing::debug!(method = %self.method, questions = requests.len(), "input required");
        let mut answer = InputRequiredResult::new().with_request_state(state);
        answer.input_requests = Some(requests);
        to_result(&answer)
    }
}
