//! The MCP error codes of 2026-07-28 and the `data` they carry: header mismatch (-32020),
//! missing required client capability (-32021), unsupported protocol version (-32022).

use serde::{Deserialize, Serialize};

use crate::capabilities::ClientCapabilities;
use crate::jsonrpc::{ErrorCode, ErrorData};
use crate::meta::JsonObject;
use crate::version::ProtocolVersion;

/// `data` of an `UnsupportedProtocolVersionError` (-32022): what the client asked for and
/// what the server offers instead.
///
/// ```
/// use oxmcp_types::modern::UnsupportedProtocolVersionData;
/// use oxmcp_types::{ErrorCode, ErrorData, ProtocolVersion};
///
/// let e = ErrorData::unsupported_protocol_version("2099-01-01", &ProtocolVersion::MODERN);
/// assert_eq!(e.code, ErrorCode::UNSUPPORTED_PROTOCOL_VERSION);
/// let data = UnsupportedProtocolVersionData::from_error(&e).unwrap();
/// assert_eq!(data.supported, ["2026-07-28"]);
/// assert_eq!(data.requested, "2099-01-01");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnsupportedProtocolVersionData {
    /// The revisions the server supports; the client retries with one it speaks too.
    pub supported: Vec<String>,
    /// The revision the client requested.
    pub requested: String,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl UnsupportedProtocolVersionData {
    /// The data of a -32022 error, if `error` is one and its data is well formed.
    pub fn from_error(error: &ErrorData) -> Option<Self> {
        if error.code != ErrorCode::UNSUPPORTED_PROTOCOL_VERSION {
            return None;
        }
        error.data.as_ref().and_then(|d| Self::deserialize(d).ok())
    }

    /// The newest offered revision that oxmcp speaks in the modern era.
    pub fn best_version(&self) -> Option<ProtocolVersion> {
        self.supported
            .iter()
            .filter_map(|s| ProtocolVersion::parse_modern(s).ok())
            .max()
    }
}

/// `data` of a `MissingRequiredClientCapabilityError` (-32021): the capabilities the
/// request needs from the client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MissingRequiredClientCapabilityData {
    /// What the client would have to declare.
    pub required_capabilities: ClientCapabilities,
    /// Members this revision does not define, kept as they came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

impl MissingRequiredClientCapabilityData {
    /// The data of a -32021 error, if `error` is one and its data is well formed.
    pub fn from_error(error: &ErrorData) -> Option<Self> {
        if error.code != ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY {
            return None;
        }
        error.data.as_ref().and_then(|d| Self::deserialize(d).ok())
    }
}

impl ErrorData {
    /// A -32022 error: `requested` is not a revision this server serves per request;
    /// `supported` lists those it does (for HTTP, the status is 400). A dual-era server lists
    /// both eras ([`ProtocolVersion::EVERY`]), as the spec's example does; a modern client
    /// retries with a modern one and a dual-era client may fall back to `initialize`.
    pub fn unsupported_protocol_version(requested: &str, supported: &[ProtocolVersion]) -> Self {
        let data = UnsupportedProtocolVersionData {
            supported: supported.iter().map(|v| v.as_str().to_owned()).collect(),
            requested: requested.to_owned(),
            extra: JsonObject::new(),
        };
        Self::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            format!("unsupported protocol version: {requested}"),
        )
        .with_data(serde_json::to_value(data).unwrap_or_default())
    }

    /// A -32021 error: the request needs `required` from the client, which did not declare
    /// it on this request.
    pub fn missing_required_client_capability(required: ClientCapabilities) -> Self {
        let data = MissingRequiredClientCapabilityData {
            required_capabilities: required,
            extra: JsonObject::new(),
        };
        Self::new(
            ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
            "missing required client capability",
        )
        .with_data(serde_json::to_value(data).unwrap_or_default())
    }

    /// A -32020 error: an HTTP header (`Mcp-Method`, `Mcp-Name`, `MCP-Protocol-Version`, an
    /// `x-mcp-header` parameter) is missing, malformed, or disagrees with the body (for HTTP,
    /// the status is 400).
    pub fn header_mismatch(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::HEADER_MISMATCH, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn errors_serialize_as_the_schema_says() {
        let e = ErrorData::unsupported_protocol_version("1.0", &ProtocolVersion::MODERN);
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], -32022);
        assert_eq!(
            v["data"],
            json!({"supported": ["2026-07-28"], "requested": "1.0"})
        );
        let e = ErrorData::missing_required_client_capability(ClientCapabilities::default());
        assert_eq!(
            serde_json::to_value(&e).unwrap()["data"],
            json!({"requiredCapabilities": {}})
        );
        assert_eq!(ErrorData::header_mismatch("x").code.0, -32020);
    }

    #[test]
    fn data_is_read_only_from_its_own_code() {
        let e =
            ErrorData::invalid_params("x").with_data(json!({"supported": [], "requested": "a"}));
        assert_eq!(UnsupportedProtocolVersionData::from_error(&e), None);
        let e = ErrorData::new(ErrorCode::UNSUPPORTED_PROTOCOL_VERSION, "x").with_data(json!(3));
        assert_eq!(UnsupportedProtocolVersionData::from_error(&e), None);
        let e = ErrorData::unsupported_protocol_version("x", &[ProtocolVersion::V2025_11_25]);
        let data = UnsupportedProtocolVersionData::from_error(&e).unwrap();
        assert_eq!(
            data.best_version(),
            None,
            "a legacy revision is no per-request choice"
        );
        let e = ErrorData::missing_required_client_capability(ClientCapabilities::default());
        assert!(MissingRequiredClientCapabilityData::from_error(&e).is_some());
    }
}
