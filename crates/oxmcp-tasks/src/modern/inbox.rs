//! [`Inbox`]: the requests to the client that a 2026-07-28 task's work is waiting on. They
//! are the task's `inputRequests` in `tasks/get`, and `tasks/update` answers them.
//!
//! Keys are unique over the task's lifetime, as the extension requires: a counter within
//! one run of the work, and a random run label, so that a run resumed after a restart never
//! reuses a key of an earlier run.

use std::collections::BTreeMap;
use std::sync::Mutex;

use oxmcp_types::ErrorData;
use oxmcp_types::methods::{CreateMessageRequest, ElicitRequest, ListRootsRequest, RequestMethod};
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use crate::lock;

/// The requests a task may put in `inputRequests`.
pub(crate) const INPUT_METHODS: [&str; 3] = [
    ElicitRequest::METHOD,
    CreateMessageRequest::METHOD,
    ListRootsRequest::METHOD,
];

/// One request waiting for the client's answer.
#[derive(Debug)]
struct Open {
    method: String,
    params: Value,
    answer: oneshot::Sender<Value>,
}

#[derive(Debug, Default)]
struct State {
    asked: u64,
    open: BTreeMap<String, Open>,
}

/// The outstanding input requests of one task whose work runs in this process.
#[derive(Debug)]
pub(crate) struct Inbox {
    /// Tells this run's keys from those of other runs of the same task.
    run: String,
    state: Mutex<State>,
}

impl Inbox {
    /// An empty inbox for a run labelled `run`.
    pub(crate) fn new(run: String) -> Self {
        Self {
            run,
            state: Mutex::new(State::default()),
        }
    }

    /// Records the request `method` with `params`; returns its key and where its answer
    /// arrives.
    pub(crate) fn ask(&self, method: &str, params: Value) -> (String, oneshot::Receiver<Value>) {
        let (answer, rx) = oneshot::channel();
        let mut state = lock(&self.state);
        state.asked += 1;
        let key = format!("{}-{}-{}", kind(method), state.asked, self.run);
        let open = Open {
            method: method.to_owned(),
            params,
            answer,
        };
        state.open.insert(key.clone(), open);
        (key, rx)
    }

    /// Forgets the request `key` (answered, or no longer waited for).
    pub(crate) fn withdraw(&self, key: &str) {
        lock(&self.state).open.remove(key);
    }

    /// The outstanding requests, as `inputRequests` shows them.
    pub(crate) fn requests(&self) -> Map<String, Value> {
        let state = lock(&self.state);
        state
            .open
            .iter()
            .map(|(key, open)| {
                let request = serde_json::json!({ "method": open.method, "params": open.params });
                (key.clone(), request)
            })
            .collect()
    }

    /// Hands each answer to the request its key names. Keys that name no outstanding
    /// request are ignored, as the extension says; an answer that is not a result of its
    /// request's method refuses the whole update (-32602) and delivers nothing. Returns how
    /// many answers were delivered.
    pub(crate) fn answer(&self, responses: Map<String, Value>) -> Result<usize, ErrorData> {
        let mut state = lock(&self.state);
        for (key, value) in &responses {
            if let Some(open) = state.open.get(key)
                && let Err(why) = check_result(&open.method, value)
            {
                return Err(ErrorData::invalid_params(format!(
                    "inputResponses.{key} is not a result of `{}`: {why}",
                    open.method
                )));
            }
        }
        let mut delivered = 0;
        for (key, value) in responses {
            if let Some(open) = state.open.remove(&key) {
                // The work may have stopped waiting; the answer is then dropped.
                delivered += usize::from(open.answer.send(value).is_ok());
            }
        }
        Ok(delivered)
    }
}

/// The kind of request in a key: `elicitation`, `sampling` or `roots`.
fn kind(method: &str) -> &'static str {
    match method {
        ElicitRequest::METHOD => "elicitation",
        CreateMessageRequest::METHOD => "sampling",
        _ => "roots",
    }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keys_are_unique_and_answers_reach_their_request() {
        let inbox = Inbox::new("r1".into());
        let (name, mut name_rx) = inbox.ask(ElicitRequest::METHOD, json!({ "message": "Name?" }));
        let (roots, _roots_rx) = inbox.ask(ListRootsRequest::METHOD, json!({}));
        assert_eq!(
            (name.as_str(), roots.as_str()),
            ("elicitation-1-r1", "roots-2-r1")
        );
        assert_eq!(inbox.requests()[&name]["params"]["message"], "Name?");
        // A malformed answer refuses the update; unknown keys are ignored.
        let bad = json!({ name.clone(): { "roots": "no" } });
        assert!(inbox.answer(serde_json::from_value(bad).unwrap()).is_err());
        assert!(name_rx.try_recv().is_err());
        let good = json!({ name: { "action": "decline" }, "other-9-x": {} });
        assert_eq!(inbox.answer(serde_json::from_value(good).unwrap()), Ok(1));
        assert_eq!(name_rx.try_recv().unwrap()["action"], "decline");
        assert_eq!(inbox.requests().len(), 1);
        inbox.withdraw(&roots);
        assert!(inbox.requests().is_empty());
    }
}
