//! The JSON-RPC message envelope.
//!
//! Params and results stay as raw JSON text ([`RawValue`]) so that a message is parsed once:
//! the envelope here, the typed params by whoever handles the method.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::{ErrorData, RequestId};

/// A request: it expects a response with the same id.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request {
    /// The request id, unique among the sender's requests in this session.
    pub id: RequestId,
    /// The method name, for example `tools/call`.
    pub method: String,
    /// The params object, as raw JSON.
    pub params: Option<Box<RawValue>>,
}

/// A notification: no id and no response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Notification {
    /// The method name, for example `notifications/progress`.
    pub method: String,
    /// The params object, as raw JSON.
    pub params: Option<Box<RawValue>>,
}

/// A successful response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The id of the request this answers.
    pub id: RequestId,
    /// The result, as raw JSON.
    pub result: Box<RawValue>,
}

/// An error response.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ErrorResponse {
    /// The id of the request this answers; `None` when the request's id could not be read
    /// (written as `"id": null`, as JSON-RPC 2.0 requires).
    pub id: Option<RequestId>,
    /// The error.
    pub error: ErrorData,
}

/// Any JSON-RPC 2.0 message.
///
/// ```
/// use oxmcp_types::{Message, RequestId};
///
/// let msg = Message::from_slice(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).unwrap();
/// let Message::Request(req) = &msg else { panic!() };
/// assert_eq!(req.id, RequestId::Number(1));
/// assert_eq!(req.method, "ping");
/// assert_eq!(msg.to_vec(), br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Message {
    /// A request.
    Request(Request),
    /// A notification.
    Notification(Notification),
    /// A successful response.
    Response(Response),
    /// An error response.
    Error(ErrorResponse),
}

impl Request {
    /// A request with raw params.
    pub fn new(id: RequestId, method: impl Into<String>, params: Option<Box<RawValue>>) -> Self {
        Self {
            id,
            method: method.into(),
            params,
        }
    }
}

impl Notification {
    /// A notification with raw params.
    pub fn new(method: impl Into<String>, params: Option<Box<RawValue>>) -> Self {
        Self {
            method: method.into(),
            params,
        }
    }
}

impl Response {
    /// A response with a raw result.
    pub fn new(id: RequestId, result: Box<RawValue>) -> Self {
        Self { id, result }
    }
}

impl ErrorResponse {
    /// An error response.
    pub fn new(id: Option<RequestId>, error: ErrorData) -> Self {
        Self { id, error }
    }
}

impl Message {
    /// The method of a request or notification.
    pub fn method(&self) -> Option<&str> {
        match self {
            Self::Request(r) => Some(&r.method),
            Self::Notification(n) => Some(&n.method),
            Self::Response(_) | Self::Error(_) => None,
        }
    }

    /// Serializes the message as compact JSON (no newlines).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(128);
        self.write_to(&mut buf);
        buf
    }

    /// Appends the compact JSON of the message to `buf`.
    pub fn write_to(&self, buf: &mut Vec<u8>) {
        // Serializing these types cannot fail: every field is a string, an integer, raw JSON
        // that was valid when it was built, or a `serde_json::Value`.
        if let Err(e) = serde_json::to_writer(&mut *buf, self) {
            unreachable!("serializing a JSON-RPC message failed: {e}");
        }
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("jsonrpc", "2.0")?;
        match self {
            Self::Request(r) => {
                m.serialize_entry("id", &r.id)?;
                m.serialize_entry("method", &r.method)?;
                if let Some(p) = &r.params {
                    m.serialize_entry("params", p)?;
                }
            }
            Self::Notification(n) => {
                m.serialize_entry("method", &n.method)?;
                if let Some(p) = &n.params {
                    m.serialize_entry("params", p)?;
                }
            }
            Self::Response(r) => {
                m.serialize_entry("id", &r.id)?;
                m.serialize_entry("result", &r.result)?;
            }
            Self::Error(e) => {
                m.serialize_entry("id", &e.id)?;
                m.serialize_entry("error", &e.error)?;
            }
        }
        m.end()
    }
}

impl From<Request> for Message {
    fn from(r: Request) -> Self {
        Self::Request(r)
    }
}

impl From<Notification> for Message {
    fn from(n: Notification) -> Self {
        Self::Notification(n)
    }
}

impl From<Response> for Message {
    fn from(r: Response) -> Self {
        Self::Response(r)
    }
}

impl From<ErrorResponse> for Message {
    fn from(e: ErrorResponse) -> Self {
        Self::Error(e)
    }
}
