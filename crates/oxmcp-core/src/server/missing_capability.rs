//! `MissingRequiredClientCapability` (-32021, 2026-07-28): a request whose processing needs
//! a client capability the request did not declare is refused with it, its
//! `data.requiredCapabilities` naming the capability. A handler that passes on the engine's
//! refusal of such a request to the client ([`ClientRequestError::CapabilityMissing`], or
//! [`RequestError::CapabilityNotNegotiated`]) with `?` answers with it, as an
//! [`ErrorData`] or a tool's protocol error.
//!
//! The code belongs to the modern era: a legacy request gets what it got before (a tool's
//! execution error, `isError: true`; another handler's -32603), see [`for_legacy`].

use oxmcp_types::{ClientCapabilities, ErrorCode, ErrorData, JsonObject};
use serde_json::Value;

use super::client_requests::ClientRequestError;
use crate::error::RequestError;

/// The client capabilities object that declares `path` (`sampling.tools` gives
/// `{"sampling":{"tools":{}}}`).
pub(crate) fn required(path: &str) -> ClientCapabilities {
    let mut node = Value::Object(JsonObject::new());
    for key in path.rsplit('.') {
        let mut parent = JsonObject::new();
        parent.insert(key.to_owned(), node);
        node = Value::Object(parent);
    }
    serde_json::from_value(node).unwrap_or_default()
}

/// The -32021 error `error` stands for, if it is a missing client capability.
pub(crate) fn from_client_request(error: &ClientRequestError) -> Option<ErrorData> {
    let (ClientRequestError::CapabilityMissing { capability }
    | ClientRequestError::Request(RequestError::CapabilityNotNegotiated { capability, .. })) =
        error
    else {
        return None;
    };
    let mut data = ErrorData::missing_required_client_capability(required(capability));
    data.message = error.to_string();
    Some(data)
}

/// `error` as a legacy request gets it: a -32021 (which legacy revisions do not define)
/// becomes -32603 with the same message.
pub(crate) fn for_legacy(mut error: ErrorData) -> ErrorData {
    if error.code == ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY {
        error = ErrorData::internal_error(error.message);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_capability_objects() {
        let caps = serde_json::to_value(required("sampling.tools")).unwrap();
        assert_eq!(caps, serde_json::json!({ "sampling": { "tools": {} } }));
        let caps = serde_json::to_value(required("elicitation")).unwrap();
        assert_eq!(caps, serde_json::json!({ "elicitation": {} }));
    }

    #[test]
    fn missing_capabilities_are_32021_in_modern_requests_only() {
        let e = ClientRequestError::CapabilityMissing {
            capability: "sampling",
        };
        let data = from_client_request(&e).unwrap();
        assert_eq!(data.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY);
        assert_eq!(
            data.data.as_ref().unwrap()["requiredCapabilities"],
            serde_json::json!({ "sampling": {} })
        );
        assert!(data.message.contains("sampling"));
        let legacy = for_legacy(data);
        assert_eq!(legacy.code, ErrorCode::INTERNAL_ERROR);
        assert!(legacy.message.contains("sampling"));
        let e = ClientRequestError::Request(RequestError::CapabilityNotNegotiated {
            method: "roots/list".into(),
            capability: "roots",
        });
        assert!(from_client_request(&e).is_some());
        assert!(from_client_request(&ClientRequestError::TaskAugmented).is_none());
    }
}
