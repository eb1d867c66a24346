//! Multi round-trip requests (SEP-2322): instead of sending its own requests to the client,
//! a modern server answers with an [`InputRequiredResult`] naming what it needs
//! ([`InputRequests`]) and an opaque `requestState`; the client retries the original request
//! with the answers ([`InputResponses`]) and the state echoed.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::result::ResultType;
use crate::elicitation::{ElicitRequestParams, ElicitResult};
use crate::meta::{JsonObject, Meta, RequestParams};
use crate::methods::{CreateMessageRequest, ElicitRequest, ListRootsRequest, RequestMethod};
use crate::roots::ListRootsResult;
use crate::sampling::{CreateMessageRequestParams, CreateMessageResult};

/// One thing a server needs from the client before it can complete a request
/// (`InputRequest`): a request without JSON-RPC envelope, `{"method", "params"}`.
///
/// ```
/// use oxmcp_types::modern::InputRequest;
/// let r: InputRequest = serde_json::from_str(r#"{"method":"roots/list"}"#).unwrap();
/// assert_eq!(r.method(), "roots/list");
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"method":"roots/list"}"#);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InputRequest {
    /// `sampling/createMessage`.
    CreateMessage(Box<CreateMessageRequestParams>),
    /// `roots/list` (params optional).
    ListRoots(Option<RequestParams>),
    /// `elicitation/create`.
    Elicit(Box<ElicitRequestParams>),
}

impl InputRequest {
    /// The method string.
    pub fn method(&self) -> &'static str {
        match self {
            Self::CreateMessage(_) => CreateMessageRequest::METHOD,
            Self::ListRoots(_) => ListRootsRequest::METHOD,
            Self::Elicit(_) => ElicitRequest::METHOD,
        }
    }
}

impl From<CreateMessageRequestParams> for InputRequest {
    fn from(p: CreateMessageRequestParams) -> Self {
        Self::CreateMessage(Box::new(p))
    }
}

impl From<ElicitRequestParams> for InputRequest {
    fn from(p: ElicitRequestParams) -> Self {
        Self::Elicit(Box::new(p))
    }
}

/// The wire form of an [`InputRequest`].
#[derive(Serialize, Deserialize)]
struct InputRequestWire<P> {
    method: String,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    params: Option<P>,
}

const fn none<P>() -> Option<P> {
    None
}

impl Serialize for InputRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let params = match self {
            Self::CreateMessage(p) => serde_json::to_value(p),
            Self::ListRoots(Some(p)) => serde_json::to_value(p),
            Self::ListRoots(None) => Ok(Value::Null),
            Self::Elicit(p) => serde_json::to_value(p),
        }
        .map_err(serde::ser::Error::custom)?;
        InputRequestWire {
            method: self.method().to_owned(),
            params: (!params.is_null()).then_some(params),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for InputRequest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let wire = InputRequestWire::<Value>::deserialize(d)?;
        let params = wire.params;
        let need = |p: Option<Value>| p.ok_or_else(|| D::Error::missing_field("params"));
        let res = match wire.method.as_str() {
            CreateMessageRequest::METHOD => {
                serde_json::from_value(need(params)?).map(|p| Self::CreateMessage(Box::new(p)))
            }
            ElicitRequest::METHOD => {
                serde_json::from_value(need(params)?).map(|p| Self::Elicit(Box::new(p)))
            }
            ListRootsRequest::METHOD => params
                .map(serde_json::from_value)
                .transpose()
                .map(Self::ListRoots),
            other => {
                return Err(D::Error::unknown_variant(
                    other,
                    &["sampling/createMessage", "roots/list", "elicitation/create"],
                ));
            }
        };
        res.map_err(D::Error::custom)
    }
}

/// The client's answer to one [`InputRequest`] (`InputResponse`): the result of the
/// request it answers.
///
/// The three results have no common tag; an answer is read by its distinguishing member
/// (`action` for elicitation, `roots` for roots, otherwise a sampling result). An object that
/// is none of them is kept as [`InputResponse::Unrecognized`] rather than failing the whole
/// retried request: the spec asks servers to ignore what they do not recognize (and to ask
/// again for what they miss). A server that knows which request a key named reads it with
/// [`InputResponse::into_result`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum InputResponse {
    /// Answer to `sampling/createMessage`.
    CreateMessage(Box<CreateMessageResult>),
    /// Answer to `roots/list`.
    ListRoots(ListRootsResult),
    /// Answer to `elicitation/create`.
    Elicit(ElicitResult),
    /// An object that is none of the above, kept as it came.
    Unrecognized(JsonObject),
}

impl InputResponse {
    /// Reads the answer as the result of request method `M`, whatever variant it was
    /// decoded as.
    pub fn into_result<M: RequestMethod>(self) -> Result<M::Result, serde_json::Error> {
        serde_json::to_value(self).and_then(serde_json::from_value)
    }
}

impl<'de> Deserialize<'de> for InputResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        let Some(obj) = value.as_object() else {
            return Err(D::Error::custom("an input response must be an object"));
        };
        let typed = if obj.contains_key("action") {
            ElicitResult::deserialize(&value).map(Self::Elicit)
        } else if obj.contains_key("roots") {
            ListRootsResult::deserialize(&value).map(Self::ListRoots)
        } else {
            CreateMessageResult::deserialize(&value).map(|r| Self::CreateMessage(Box::new(r)))
        };
        Ok(typed.unwrap_or_else(|_| match value {
            Value::Object(obj) => Self::Unrecognized(obj),
            _ => Self::Unrecognized(JsonObject::new()),
        }))
    }
}

impl From<ElicitResult> for InputResponse {
    fn from(r: ElicitResult) -> Self {
        Self::Elicit(r)
    }
}

impl From<ListRootsResult> for InputResponse {
    fn from(r: ListRootsResult) -> Self {
        Self::ListRoots(r)
    }
}

impl From<CreateMessageResult> for InputResponse {
    fn from(r: CreateMessageResult) -> Self {
        Self::CreateMessage(Box::new(r))
    }
}

/// What the server needs, by server-chosen key (`InputRequests`).
pub type InputRequests = BTreeMap<String, InputRequest>;

/// The client's answers, by the keys of the [`InputRequests`] (`InputResponses`).
pub type InputResponses = BTreeMap<String, InputResponse>;

/// A result saying the request needs more input before it completes
/// (`InputRequiredResult`, `resultType: "input_required"`). At least one of
/// `inputRequests` and `requestState` is present; decoding refuses a result with neither.
///
/// ```
/// use oxmcp_types::modern::{InputRequest, InputRequiredResult};
/// use oxmcp_types::meta::RequestParams;
///
/// let r = InputRequiredResult::new()
///     .with_input_request("roots", InputRequest::ListRoots(None))
///     .with_request_state("opaque");
/// let json = serde_json::to_value(&r).unwrap();
/// assert_eq!(json["resultType"], "input_required");
/// assert_eq!(json["inputRequests"]["roots"]["method"], "roots/list");
/// assert!(serde_json::from_str::<InputRequiredResult>(r#"{"resultType":"input_required"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(try_from = "InputRequiredWire")]
#[non_exhaustive]
pub struct InputRequiredResult {
    /// What the server needs from the client.
    pub input_requests: Option<InputRequests>,
    /// Opaque state the client echoes on the retry.
    pub request_state: Option<String>,
    /// Metadata.
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    pub extra: JsonObject,
}

impl Serialize for InputRequiredResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            input_requests: Option<&'a InputRequests>,
            #[serde(skip_serializing_if = "Option::is_none")]
            request_state: Option<&'a str>,
            result_type: ResultType,
            #[serde(rename = "_meta", skip_serializing_if = "Option::is_none")]
            meta: Option<&'a Meta>,
            #[serde(flatten)]
            extra: &'a JsonObject,
        }
        Out {
            input_requests: self.input_requests.as_ref(),
            request_state: self.request_state.as_deref(),
            result_type: ResultType::InputRequired,
            meta: self.meta.as_ref(),
            extra: &self.extra,
        }
        .serialize(s)
    }
}

/// The decoded form of an [`InputRequiredResult`], checked on conversion.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InputRequiredWire {
    #[serde(default)]
    input_requests: Option<InputRequests>,
    #[serde(default)]
    request_state: Option<String>,
    result_type: ResultType,
    #[serde(rename = "_meta", default)]
    meta: Option<Meta>,
    #[serde(flatten)]
    extra: JsonObject,
}

impl TryFrom<InputRequiredWire> for InputRequiredResult {
    type Error = String;

    fn try_from(w: InputRequiredWire) -> Result<Self, String> {
        if w.result_type != ResultType::InputRequired {
            return Err(format!(
                "resultType is `{}`, not `input_required`",
                w.result_type
            ));
        }
        if w.input_requests.is_none() && w.request_state.is_none() {
            return Err("an input_required result needs inputRequests or requestState".into());
        }
        Ok(Self {
            input_requests: w.input_requests,
            request_state: w.request_state,
            meta: w.meta,
            extra: w.extra,
        })
    }
}

impl InputRequiredResult {
    /// An empty result: add input requests or a state before sending it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an input request under `key`.
    #[must_use]
    pub fn with_input_request(mut self, key: impl Into<String>, request: InputRequest) -> Self {
        self.input_requests
            .get_or_insert_with(InputRequests::new)
            .insert(key.into(), request);
        self
    }

    /// Sets the request state.
    #[must_use]
    pub fn with_request_state(mut self, state: impl Into<String>) -> Self {
        self.request_state = Some(state.into());
        self
    }
}

/// The members a retried request adds to its params (`InputResponseRequestParams`); the
/// params of `tools/call`, `prompts/get` and `resources/read` carry the same two members.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InputResponseRequestParams {
    /// Answers to the server's input requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_responses: Option<InputResponses>,
    /// The state the server sent, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_state: Option<String>,
    /// Metadata.
    #[serde(rename = "_meta", default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elicitation::ElicitAction;
    use serde_json::json;

    #[test]
    fn input_requests_round_trip_by_method() {
        let v = json!({
            "a": {"method": "elicitation/create", "params": {"mode": "form", "message": "Name?",
                  "requestedSchema": {"type": "object", "properties": {}}}},
            "b": {"method": "roots/list", "params": {}},
            "c": {"method": "sampling/createMessage", "params": {"messages": [], "maxTokens": 5}}
        });
        let r: InputRequests = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(r["a"].method(), "elicitation/create");
        assert!(matches!(r["b"], InputRequest::ListRoots(Some(_))));
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
        let bad = json!({"method": "ping"});
        assert!(serde_json::from_value::<InputRequest>(bad).is_err());
        let no_params = json!({"method": "elicitation/create"});
        assert!(serde_json::from_value::<InputRequest>(no_params).is_err());
    }

    #[test]
    fn input_responses_are_told_apart_by_their_members() {
        let v = json!({
            "a": {"action": "accept", "content": {"name": "Ada"}},
            "b": {"roots": [{"uri": "file:///x"}]},
            "c": {"role": "assistant", "content": {"type": "text", "text": "hi"}, "model": "m"}
        });
        let r: InputResponses = serde_json::from_value(v.clone()).unwrap();
        assert!(matches!(&r["a"], InputResponse::Elicit(e) if e.action == ElicitAction::Accept));
        assert!(matches!(r["b"], InputResponse::ListRoots(_)));
        assert!(matches!(r["c"], InputResponse::CreateMessage(_)));
        assert_eq!(serde_json::to_value(&r).unwrap(), v);
        let roots = r["b"].clone().into_result::<ListRootsRequest>().unwrap();
        assert_eq!(roots.roots.len(), 1);
        assert!(serde_json::from_value::<InputResponse>(json!([1])).is_err());
        // What is none of the three is kept, not refused, and read as a result it fails.
        let odd: InputResponse = serde_json::from_value(json!({"action": "shrug"})).unwrap();
        assert!(matches!(odd, InputResponse::Unrecognized(_)));
        assert_eq!(
            serde_json::to_value(&odd).unwrap(),
            json!({"action": "shrug"})
        );
        assert!(odd.into_result::<ElicitRequest>().is_err());
    }

    #[test]
    fn input_required_needs_requests_or_state_and_its_type() {
        let ok = json!({"resultType": "input_required", "requestState": "s"});
        let r: InputRequiredResult = serde_json::from_value(ok.clone()).unwrap();
        assert_eq!(serde_json::to_value(&r).unwrap(), ok);
        let wrong = json!({"resultType": "complete", "requestState": "s"});
        assert!(serde_json::from_value::<InputRequiredResult>(wrong).is_err());
    }
}
