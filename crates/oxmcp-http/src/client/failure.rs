//! [`HttpFailure`]: what went wrong on the wire, tagged in the JSON-RPC error the transport
//! makes for a request it could not complete.

use oxmcp_types::ErrorData;
use serde::{Deserialize, Serialize};

/// The key of [`HttpFailure`] in the `data` object of the error.
const KEY: &str = "httpFailure";

/// Why the HTTP client transport failed a request itself, rather than pass on an answer of
/// the server. The transport answers such a request with a JSON-RPC internal error (-32603)
/// whose `data` carries this tag, so callers tell a broken wire from an error the server
/// sent without reading messages.
///
/// ```
/// use oxmcp_http::HttpFailure;
/// use oxmcp_types::ErrorData;
///
/// // What a server's own error looks like: no tag.
/// assert_eq!(HttpFailure::of(&ErrorData::internal_error("the database is down")), None);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum HttpFailure {
    /// The request did not reach the server, or its answer did not come back (connection
    /// refused or reset, TLS, DNS, timeout of the HTTP client).
    Unreachable,
    /// The [`AuthProvider`](super::AuthProvider) could not get a token.
    Authorization,
    /// The server answered with an HTTP error status and no JSON-RPC error in its body.
    Status {
        /// The HTTP status code.
        status: u16,
    },
    /// The server no longer knows the session (HTTP 404), and the request was not sent
    /// again.
    SessionNotFound,
    /// The answer's SSE stream ended without the answer and could not be resumed.
    Stream,
    /// The answer's body could not be read, or was larger than the configured limit.
    Body,
}

impl HttpFailure {
    /// The tag of an error the transport made, `None` for any other error.
    pub fn of(error: &ErrorData) -> Option<Self> {
        let tag = error.data.as_ref()?.get(KEY)?;
        Self::deserialize(tag).ok()
    }

    /// Whether the server refused the credentials: 401 or 403, or no token to send.
    pub fn is_authorization(self) -> bool {
        matches!(
            self,
            Self::Authorization | Self::Status { status: 401 | 403 }
        )
    }

    /// The JSON-RPC error for a request failed this way.
    pub(crate) fn error(self, message: impl Into<String>) -> ErrorData {
        let mut data = serde_json::Map::new();
        data.insert(
            KEY.to_owned(),
            serde_json::to_value(self).unwrap_or_default(),
        );
        ErrorData::internal_error(message).with_data(serde_json::Value::Object(data))
    }
}

impl super::auth::SendError {
    /// How a request that could not be sent failed.
    pub(crate) fn failure(&self) -> HttpFailure {
        match self {
            Self::Http(_) => HttpFailure::Unreachable,
            Self::Auth(_) => HttpFailure::Authorization,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_goes_in_data_and_comes_back() {
        for failure in [
            HttpFailure::Unreachable,
            HttpFailure::Authorization,
            HttpFailure::Status { status: 502 },
            HttpFailure::SessionNotFound,
            HttpFailure::Stream,
            HttpFailure::Body,
        ] {
            let error = failure.error("x");
            assert_eq!(error.code, oxmcp_types::ErrorCode::INTERNAL_ERROR);
            assert_eq!(HttpFailure::of(&error), Some(failure));
        }
        let error = HttpFailure::Status { status: 401 }.error("x");
        assert_eq!(
            error.data,
            Some(serde_json::json!({"httpFailure": {"kind": "status", "status": 401}}))
        );
        assert!(HttpFailure::Status { status: 403 }.is_authorization());
        assert!(!HttpFailure::Status { status: 500 }.is_authorization());
    }

    #[test]
    fn other_errors_carry_no_tag() {
        let server = ErrorData::internal_error("the server answered HTTP 401");
        assert_eq!(HttpFailure::of(&server), None);
        let odd = ErrorData::internal_error("x")
            .with_data(serde_json::json!({"httpFailure": {"kind": "nonsense"}}));
        assert_eq!(HttpFailure::of(&odd), None);
        let not_object = ErrorData::internal_error("x").with_data(serde_json::json!([1]));
        assert_eq!(HttpFailure::of(&not_object), None);
    }
}
