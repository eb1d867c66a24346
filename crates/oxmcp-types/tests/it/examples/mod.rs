//! The map from schema definition name to the Rust type that models it and a builder of
//! example instances, adapted to the revision being checked.

mod defs;
mod features;
mod messages;

use oxmcp_types::jsonrpc::{Message, Notification, Request, Response};
use oxmcp_types::methods::{NotificationMethod, RequestMethod};
use oxmcp_types::{AdaptToVersion, ProtocolVersion, RequestId};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

pub use defs::all;

/// One definition's example.
pub struct Example {
    /// The definition name in the schema.
    pub def: &'static str,
    /// The Rust type that models it.
    pub rust: &'static str,
    /// Instances for a revision that has the definition.
    pub build: fn(ProtocolVersion) -> Vec<Value>,
    /// Deserializes an instance into the Rust type and serializes it back.
    pub round_trip: fn(&Value) -> Value,
    /// Whether the Rust type keeps unknown top-level members.
    pub open: bool,
}

/// Serializes `x` adapted to `v`.
pub fn ser<T: Serialize + AdaptToVersion + Clone>(x: &T, v: ProtocolVersion) -> Value {
    serde_json::to_value(x.clone().adapted_to(v)).unwrap()
}

/// Serializes each item adapted to `v`.
pub fn ser_all<T: Serialize + AdaptToVersion + Clone>(xs: &[T], v: ProtocolVersion) -> Vec<Value> {
    xs.iter().map(|x| ser(x, v)).collect()
}

/// Serializes `x` as is.
pub fn plain<T: Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap()
}

/// Round trip through `T`.
pub fn rt<T: Serialize + DeserializeOwned>(v: &Value) -> Value {
    let t: T = serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"));
    serde_json::to_value(t).unwrap()
}

pub fn raw<T: Serialize>(x: &T) -> Box<RawValue> {
    serde_json::value::to_raw_value(x).unwrap()
}

pub fn message_json(m: &Message) -> Value {
    serde_json::from_slice(&m.to_vec()).unwrap()
}

/// A request message of method `M`, params adapted to `v`.
pub fn request<M: RequestMethod>(params: Option<&M::Params>, v: ProtocolVersion) -> Value
where
    M::Params: AdaptToVersion + Clone,
{
    let params = params.map(|p| raw(&p.clone().adapted_to(v)));
    message_json(&Request::new(RequestId::Number(1), M::METHOD, params).into())
}

/// A notification message of method `M`, params adapted to `v`.
pub fn notification<M: NotificationMethod>(params: Option<&M::Params>, v: ProtocolVersion) -> Value
where
    M::Params: AdaptToVersion + Clone,
{
    let params = params.map(|p| raw(&p.clone().adapted_to(v)));
    message_json(&Notification::new(M::METHOD, params).into())
}

/// A result response carrying `result`.
pub fn response(result: &Value) -> Value {
    message_json(&Response::new(RequestId::from("r-1"), raw(result)).into())
}

/// Round trip of a message through the envelope decoder, with the params of request `M`
/// through `M::Params`.
pub fn rt_request<M: RequestMethod>(v: &Value) -> Value {
    let msg = Message::from_slice(v.to_string().as_bytes()).unwrap();
    let Message::Request(req) = msg else {
        panic!("not a request: {v}")
    };
    assert_eq!(req.method, M::METHOD);
    let params = req.params.map(|p| {
        let typed: M::Params = serde_json::from_str(p.get()).unwrap_or_else(|e| panic!("{e}: {v}"));
        raw(&typed)
    });
    message_json(&Request::new(req.id, req.method, params).into())
}

/// Round trip of a notification through the decoder and `M::Params`.
pub fn rt_notification<M: NotificationMethod>(v: &Value) -> Value {
    let msg = Message::from_slice(v.to_string().as_bytes()).unwrap();
    let Message::Notification(n) = msg else {
        panic!("not a notification: {v}")
    };
    assert_eq!(n.method, M::METHOD);
    let params = n.params.map(|p| {
        let typed: M::Params = serde_json::from_str(p.get()).unwrap_or_else(|e| panic!("{e}: {v}"));
        raw(&typed)
    });
    message_json(&Notification::new(n.method, params).into())
}

/// Round trip of any message (or batch) through the envelope decoder.
pub fn rt_message(v: &Value) -> Value {
    let bytes = v.to_string();
    if v.is_array() {
        let items = oxmcp_types::jsonrpc::decode_batch(bytes.as_bytes(), 64).unwrap();
        Value::Array(
            items
                .into_iter()
                .map(|m| message_json(&m.unwrap()))
                .collect(),
        )
    } else {
        message_json(&Message::from_slice(bytes.as_bytes()).unwrap())
    }
}

/// Whether revision `v` has `method`.
pub fn has_method(method: &str, v: ProtocolVersion) -> bool {
    if method.starts_with("tasks/")
        || method == "notifications/tasks/status"
        || method == "notifications/elicitation/complete"
    {
        v >= ProtocolVersion::V2025_11_25
    } else if method == "elicitation/create" {
        v >= ProtocolVersion::V2025_06_18
    } else {
        true
    }
}

/// Keeps the messages whose method revision `v` has.
pub fn for_version(msgs: Vec<Value>, v: ProtocolVersion) -> Vec<Value> {
    msgs.into_iter()
        .filter(|m| {
            m["method"]
                .as_str()
                .is_none_or(|method| has_method(method, v))
        })
        .collect()
}
