//! The input recorder of one modern request: it answers the handler's requests to the
//! client from what earlier rounds and this retry supplied, and collects the questions no
//! one has answered yet.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use oxmcp_types::ErrorData;
use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, ListRootsRequest, RequestMethod};
use oxmcp_types::modern::{InputRequest, InputRequests};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use tokio::sync::Notify;

use super::DEFAULT_MAX_INPUT_REQUESTS;
use super::state::{Answer, Asked, digest};
use crate::error::RequestError;
use crate::session::state::lock;

/// The requests a server may put in `inputRequests`.
const INPUT_METHODS: [&str; 3] = [
    ElicitRequest::METHOD,
    CreateMessageRequest::METHOD,
    ListRootsRequest::METHOD,
];

/// What the handler's run left for the engine to answer with.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// Every question was answered (or none asked): the handler's own answer stands.
    Complete,
    /// An answer the client supplied is not a result of the question it answers.
    Refused(ErrorData),
    /// Questions remain: answer with `input_required`.
    Required {
        /// The questions, as the client gets them.
        requests: InputRequests,
        /// What they were, for the next state.
        asked: BTreeMap<String, Asked>,
        /// The answers this run used, for the next state.
        answers: BTreeMap<String, Answer>,
    },
}

#[derive(Debug, Default)]
struct Rounds {
    /// The answers of earlier rounds (from the state).
    recorded: BTreeMap<String, Answer>,
    /// The questions the last round asked (from the state); `None` without a state.
    asked_before: Option<BTreeMap<String, Asked>>,
    /// The request's `inputResponses`.
    offered: Map<String, Value>,
    /// The answers this run used.
    used: BTreeMap<String, Answer>,
    /// The questions this run asked that have no answer yet, with their params.
    pending: BTreeMap<String, (Asked, Value)>,
    /// How many requests to the client this run made.
    calls: usize,
    refusal: Option<ErrorData>,
}

/// Raised once a handler asked more than a round holds, so that the engine stops it: a
/// flag and a wake-up inside the recorder, nothing allocated of its own (every modern
/// call that may ask has one).
#[derive(Debug, Default)]
pub(crate) struct Overflow {
    raised: AtomicBool,
    notify: Notify,
}

impl Overflow {
    /// Raises it, waking whoever waits.
    pub(crate) fn raise(&self) {
        self.raised.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    /// Whether it was raised.
    pub(crate) fn is_raised(&self) -> bool {
        self.raised.load(Ordering::Acquire)
    }

    /// Ends once it is raised (at once if it was).
    pub(crate) async fn raised(&self) {
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            // Registered before the flag is read: a raise in between still wakes it.
            notified.as_mut().enable();
            if self.is_raised() {
                return;
            }
            notified.await;
        }
    }
}

/// Answers a modern request's handler's requests to the client (see the [module
/// docs](super)). One per request; shared by the clones of its context.
#[derive(Debug)]
pub(crate) struct InputRecorder {
    /// Made on first use: most calls never ask, and then nothing is built or dropped.
    rounds: OnceLock<Mutex<Rounds>>,
    /// How many questions one round may leave open.
    limit: usize,
    /// Raised when the handler asked more: the engine then stops it.
    overflow: Overflow,
    /// Whether this recorder only replays answers (see [`Self::replaying`]).
    replay_only: bool,
}

impl Default for InputRecorder {
    fn default() -> Self {
        Self::empty(DEFAULT_MAX_INPUT_REQUESTS)
    }
}

impl InputRecorder {
    /// A recorder for a request that carried no answers and no state (the common case:
    /// nothing is built for its rounds until the handler asks).
    pub(crate) fn empty(limit: usize) -> Self {
        Self {
            rounds: OnceLock::new(),
            limit,
            overflow: Overflow::default(),
            replay_only: false,
        }
    }

    /// A recorder for a request that carried `offered` answers and, with a state, the
    /// `recorded` answers and the questions `asked_before`; at most `limit` questions stay
    /// open.
    pub(crate) fn new(
        offered: Map<String, Value>,
        recorded: BTreeMap<String, Answer>,
        asked_before: Option<BTreeMap<String, Asked>>,
        limit: usize,
    ) -> Self {
        let recorder = Self::empty(limit);
        if !(offered.is_empty() && recorded.is_empty() && asked_before.is_none()) {
            let _ = recorder.rounds.set(Mutex::new(Rounds {
                recorded,
                asked_before,
                offered,
                ..Rounds::default()
            }));
        }
        recorder
    }

    /// The rounds, made empty on first use.
    fn rounds(&self) -> std::sync::MutexGuard<'_, Rounds> {
        lock(self.rounds.get_or_init(Mutex::default))
    }

    /// A recorder that answers a run's requests from `answers` (those an earlier run of the
    /// same handler used, by input key) and leaves every other request to the peer's
    /// other means ([`Self::replay`]): the rounds of a call that continued as a task, for
    /// the run of its handler as the task's work.
    pub(crate) fn replaying(answers: BTreeMap<String, Answer>) -> Self {
        let mut recorder = Self::new(
            Map::new(),
            answers,
            Some(BTreeMap::new()),
            DEFAULT_MAX_INPUT_REQUESTS,
        );
        recorder.replay_only = true;
        recorder
    }

    /// For a [replaying](Self::replaying) recorder: the recorded answer to the request
    /// `method` with `params` under input key `key` (else the key numbered by the order of
    /// the calls, as the recording run numbered it), or `None` when there is none (then
    /// the request goes on its way). Always `None` for a recording one.
    pub(crate) fn replay(
        &self,
        key: Option<&str>,
        method: &str,
        params: Option<&RawValue>,
    ) -> Option<Result<Box<RawValue>, RequestError>> {
        if !self.replay_only || !INPUT_METHODS.contains(&method) {
            return None;
        }
        let question = match params.map(|raw| serde_json::from_str::<Value>(raw.get())) {
            Some(Ok(value)) => digest(&value),
            Some(Err(e)) => return Some(Err(RequestError::Serialize(e))),
            None => digest(&Value::Object(Map::new())),
        };
        let mut rounds = self.rounds();
        rounds.calls += 1;
        let key = key.map_or_else(|| auto_key(method, rounds.calls), str::to_owned);
        let answer = rounds
            .recorded
            .remove(&key)
            .filter(|a| a.method == method && a.question == question)?;
        Some(to_raw(&answer.result))
    }

    /// Whether the run left nothing for an `input_required` answer: no open question and
    /// no refusal.
    pub(crate) fn is_settled(&self) -> bool {
        let Some(rounds) = self.rounds.get() else {
            return true;
        };
        let rounds = lock(rounds);
        rounds.pending.is_empty() && rounds.refusal.is_none()
    }

    /// The answers this run used so far, by input key.
    pub(crate) fn used_answers(&self) -> BTreeMap<String, Answer> {
        self.rounds
            .get()
            .map(|r| lock(r).used.clone())
            .unwrap_or_default()
    }

    /// Raised once the handler asked more than the limit: stop it.
    pub(crate) fn overflow(&self) -> &Overflow {
        &self.overflow
    }

    /// The answer to the handler's request `method` with `params`, under input key `key`
    /// (else one numbered by the order of the calls): recorded in an earlier round, or
    /// supplied by this retry. Otherwise the question is kept for the `input_required`
    /// result and the call fails with [`RequestError::InputRequired`].
    pub(crate) fn answer(
        &self,
        key: Option<&str>,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Box<RawValue>, RequestError> {
        if !INPUT_METHODS.contains(&method) {
            return Err(RequestError::NoRoundTrip {
                method: method.to_owned(),
            });
        }
        let params = match params {
            Some(raw) => serde_json::from_str(raw.get()).map_err(RequestError::Serialize)?,
            None => Value::Object(Map::new()),
        };
        let question = digest(&params);
        let mut rounds = self.rounds();
        rounds.calls += 1;
        let key = key.map_or_else(|| auto_key(method, rounds.calls), str::to_owned);
        if rounds.used.contains_key(&key) || rounds.pending.contains_key(&key) {
            return Err(RequestError::DuplicateInputKey(key));
        }
        let asks = |m: &str, q: &str| m == method && q == question;
        if let Some(answer) = rounds.recorded.get(&key).cloned()
            && asks(&answer.method, &answer.question)
        {
            let raw = to_raw(&answer.result)?;
            rounds.used.insert(key, answer);
            return Ok(raw);
        }
        let expected = match &rounds.asked_before {
            // Without a state, answers supplied up front stand for the first round.
            None => true,
            Some(asked) => asked
                .get(&key)
                .is_some_and(|a| asks(&a.method, &a.question)),
        };
        if let Some(offer) = rounds.offered.get(&key).filter(|_| expected).cloned() {
            if let Err(why) = check_result(method, &offer) {
                let refusal = ErrorData::invalid_params(format!(
                    "inputResponses.{key} is not a result of `{method}`: {why}"
                ));
                rounds.refusal.get_or_insert(refusal);
                return Err(RequestError::InputRequired {
                    method: method.to_owned(),
                    key,
                });
            }
            let raw = to_raw(&offer)?;
            let answer = Answer {
                method: method.to_owned(),
                question,
                result: offer,
            };
            rounds.used.insert(key, answer);
            return Ok(raw);
        }
        if rounds.pending.len() >= self.limit {
            let limit = self.limit;
            rounds.refusal.get_or_insert_with(|| {
                ErrorData::internal_error(format!(
                    "the handler asked the client more than {limit} questions in one round \
                     (RoundTripConfig::max_input_requests)"
                ))
            });
            self.overflow.raise();
        } else {
            let asked = Asked {
                method: method.to_owned(),
                question,
            };
            rounds.pending.insert(key.clone(), (asked, params));
        }
        Err(RequestError::InputRequired {
            method: method.to_owned(),
            key,
        })
    }

    /// What the run left: a refusal, the questions still open, or nothing.
    pub(crate) fn outcome(&self) -> Outcome {
        let Some(rounds) = self.rounds.get() else {
            return Outcome::Complete;
        };
        let mut rounds = lock(rounds);
        if let Some(refusal) = rounds.refusal.take() {
            return Outcome::Refused(refusal);
        }
        if rounds.pending.is_empty() {
            return Outcome::Complete;
        }
        let mut requests = InputRequests::new();
        let mut asked = BTreeMap::new();
        for (key, (question, params)) in std::mem::take(&mut rounds.pending) {
            let wire = serde_json::json!({ "method": question.method, "params": params });
            match serde_json::from_value::<InputRequest>(wire) {
                Ok(request) => {
                    requests.insert(key.clone(), request);
                    asked.insert(key, question);
                }
                Err(e) => {
                    return Outcome::Refused(ErrorData::internal_error(format!(
                        "input request `{key}` is not a valid `{}`: {e}",
                        question.method
                    )));
                }
            }
        }
        Outcome::Required {
            requests,
            asked,
            answers: std::mem::take(&mut rounds.used),
        }
    }
}

/// The key of the `n`th request of a run that named none: `elicitation-1`, `sampling-2`,
/// `roots-3`.
fn auto_key(method: &str, n: usize) -> String {
    let kind = match method {
        ElicitRequest::METHOD => "elicitation",
        CreateMessageRequest::METHOD => "sampling",
        _ => "roots",
    };
    format!("{kind}-{n}")
}

fn to_raw(value: &Value) -> Result<Box<RawValue>, RequestError> {
    serde_json::value::to_raw_value(value).map_err(RequestError::Serialize)
}

/// Whether `value` reads as a result of `method`.
fn check_result(method: &str, value: &Value) -> Result<(), serde_json::Error> {
    use serde::Deserialize as _;
    match method {
        ElicitRequest::METHOD => {
            <ElicitRequest as RequestMethod>::Result::deserialize(value).map(drop)
        }
        CreateMessageRequest::METHOD => {
            <CreateMessageRequest as RequestMethod>::Result::deserialize(value).map(drop)
        }
        _ => <ListRootsRequest as RequestMethod>::Result::deserialize(value).map(drop),
    }
}

/// The recorder a peer answers its requests to the client with, and the input key its
/// next request takes (see [`RequestContext::with_input_key`](crate::RequestContext::with_input_key)).
#[derive(Debug, Clone)]
pub(crate) struct RoundHandle {
    pub(crate) recorder: Arc<InputRecorder>,
    pub(crate) key: Option<Arc<str>>,
}

impl RoundHandle {
    /// Answers a request to the client from the recorder. Once the handler asked more
    /// questions than a round may hold, it never returns: the engine stops the handler (a
    /// handler that asks again whenever a question fails would otherwise never yield).
    pub(crate) async fn answer(
        &self,
        method: &str,
        params: Option<&RawValue>,
    ) -> Result<Box<RawValue>, RequestError> {
        let answer = self.recorder.answer(self.key.as_deref(), method, params);
        if self.recorder.overflow.is_raised() {
            std::future::pending::<()>().await;
        }
        answer
    }

    /// For a replaying recorder: the recorded answer to this request, if any (see
    /// [`InputRecorder::replay`]).
    pub(crate) fn replay(
        &self,
        method: &str,
        params: Option<&RawValue>,
    ) -> Option<Result<Box<RawValue>, RequestError>> {
        self.recorder.replay(self.key.as_deref(), method, params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn raw(v: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(v).unwrap()
    }

    fn elicit(message: &str) -> Box<RawValue> {
        raw(&json!({"mode": "form", "message": message,
                   "requestedSchema": {"type": "object", "properties": {}}}))
    }

    #[test]
    fn unanswered_questions_are_collected_in_call_order() {
        let r = InputRecorder::default();
        let e = r.answer(None, "elicitation/create", Some(&elicit("a")));
        assert!(
            matches!(e, Err(RequestError::InputRequired { ref key, .. }) if key == "elicitation-1")
        );
        let s = r.answer(
            None,
            "sampling/createMessage",
            Some(&raw(&json!({"messages": [], "maxTokens": 5}))),
        );
        assert!(s.is_err());
        assert!(r.answer(Some("mine"), "roots/list", None).is_err());
        assert!(matches!(
            r.answer(Some("mine"), "roots/list", None),
            Err(RequestError::DuplicateInputKey(k)) if k == "mine"
        ));
        assert!(matches!(
            r.answer(None, "ping", None),
            Err(RequestError::NoRoundTrip { .. })
        ));
        let Outcome::Required {
            requests,
            asked,
            answers,
        } = r.outcome()
        else {
            panic!("questions remain")
        };
        assert_eq!(
            requests.keys().collect::<Vec<_>>(),
            ["elicitation-1", "mine", "sampling-2"]
        );
        assert_eq!(asked["mine"].method, "roots/list");
        assert!(answers.is_empty());
    }

    #[test]
    fn offered_answers_count_only_for_the_question_asked() {
        let params = elicit("Name?");
        let question = digest(&serde_json::from_str(params.get()).unwrap());
        let mut asked = BTreeMap::new();
        let q = Asked {
            method: "elicitation/create".into(),
            question,
        };
        asked.insert("name".to_owned(), q);
        let offer = json!({"action": "accept", "content": {"name": "Ada"}});
        let mut offered = Map::new();
        offered.insert("name".into(), offer.clone());
        offered.insert("other".into(), offer.clone());
        let r = InputRecorder::new(offered, BTreeMap::new(), Some(asked), 8);
        let got = r
            .answer(Some("name"), "elicitation/create", Some(&params))
            .unwrap();
        assert_eq!(serde_json::from_str::<Value>(got.get()).unwrap(), offer);
        // `other` was never asked: its answer is ignored and the question asked.
        assert!(
            r.answer(Some("other"), "elicitation/create", Some(&params))
                .is_err()
        );
        let Outcome::Required {
            answers, requests, ..
        } = r.outcome()
        else {
            panic!("`other` is open")
        };
        assert_eq!(answers.keys().collect::<Vec<_>>(), ["name"]);
        assert_eq!(requests.keys().collect::<Vec<_>>(), ["other"]);
    }

    #[test]
    fn a_malformed_answer_refuses_the_request() {
        let mut offered = Map::new();
        offered.insert("elicitation-1".into(), json!(12345));
        let r = InputRecorder::new(offered, BTreeMap::new(), None, 8);
        assert!(
            r.answer(None, "elicitation/create", Some(&elicit("a")))
                .is_err()
        );
        assert!(matches!(r.outcome(), Outcome::Refused(e) if e.code.0 == -32602));
    }

    #[test]
    fn a_changed_question_is_asked_again() {
        let old = elicit("old question");
        let recorded = || {
            let answer = Answer {
                method: "elicitation/create".into(),
                question: digest(&serde_json::from_str(old.get()).unwrap()),
                result: json!({"action": "decline"}),
            };
            BTreeMap::from([("elicitation-1".to_owned(), answer)])
        };
        let same = InputRecorder::new(Map::new(), recorded(), Some(BTreeMap::new()), 8);
        assert!(same.answer(None, "elicitation/create", Some(&old)).is_ok());
        assert!(matches!(same.outcome(), Outcome::Complete));
        let changed = InputRecorder::new(Map::new(), recorded(), Some(BTreeMap::new()), 8);
        assert!(
            changed
                .answer(None, "elicitation/create", Some(&elicit("new")))
                .is_err()
        );
        assert!(matches!(changed.outcome(), Outcome::Required { .. }));
    }
}

#[cfg(test)]
mod replay_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_replaying_recorder_answers_what_was_recorded_and_passes_the_rest_on() {
        let params = serde_json::value::to_raw_value(&json!({"message": "Name?"})).unwrap();
        let question = digest(&serde_json::from_str(params.get()).unwrap());
        let answer = |result| Answer {
            method: "elicitation/create".into(),
            question: question.clone(),
            result,
        };
        let answers = BTreeMap::from([
            ("name".to_owned(), answer(json!({"action": "decline"}))),
            (
                "elicitation-2".to_owned(),
                answer(json!({"action": "cancel"})),
            ),
        ]);
        let r = InputRecorder::replaying(answers);
        let named = r.replay(Some("name"), "elicitation/create", Some(&params));
        assert_eq!(named.unwrap().unwrap().get(), r#"{"action":"decline"}"#);
        // The second call of the run takes the second automatic key.
        let second = r.replay(None, "elicitation/create", Some(&params));
        assert_eq!(second.unwrap().unwrap().get(), r#"{"action":"cancel"}"#);
        // Answered once: asked again, it goes on its way, as do unknown keys.
        assert!(
            r.replay(Some("name"), "elicitation/create", Some(&params))
                .is_none()
        );
        assert!(r.replay(Some("other"), "roots/list", None).is_none());
        assert!(r.replay(None, "ping", None).is_none());
        // A recording recorder never replays.
        let recording = InputRecorder::default();
        assert!(recording.replay(None, "roots/list", None).is_none());
        assert!(recording.is_settled());
    }
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn past_the_limit_the_run_is_refused_and_stopped() {
        let r = InputRecorder::new(Map::new(), BTreeMap::new(), None, 2);
        for _ in 0..2 {
            assert!(r.answer(None, "roots/list", None).is_err());
        }
        assert!(!r.overflow().is_raised());
        assert!(r.answer(None, "roots/list", None).is_err());
        assert!(r.overflow().is_raised());
        assert!(matches!(r.outcome(), Outcome::Refused(e) if e.message.contains("more than 2")));
    }
}
