//! The reserved `_meta` keys of 2026-07-28: what every request carries instead of a
//! handshake, what results and notifications may carry.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::capabilities::ClientCapabilities;
use crate::lifecycle::Implementation;
use crate::logging::LoggingLevel;
use crate::meta::{JsonObject, Meta, PROGRESS_TOKEN_KEY, ProgressToken};

/// `_meta` key of a request: the protocol revision it speaks (required).
pub const PROTOCOL_VERSION_KEY: &str = "io.modelcontextprotocol/protocolVersion";
/// `_meta` key of a request: the client's capabilities for this request (required).
pub const CLIENT_CAPABILITIES_KEY: &str = "io.modelcontextprotocol/clientCapabilities";
/// `_meta` key of a request: the client software (should be sent).
pub const CLIENT_INFO_KEY: &str = "io.modelcontextprotocol/clientInfo";
/// `_meta` key of a request: the log level it opts in to; without it the server sends no
/// `notifications/message` for the request.
pub const LOG_LEVEL_KEY: &str = "io.modelcontextprotocol/logLevel";
/// `_meta` key of a result: the server software (should be sent).
pub const SERVER_INFO_KEY: &str = "io.modelcontextprotocol/serverInfo";
/// `_meta` key of a notification delivered on a `subscriptions/listen` stream (and of the
/// result that closes it): the id of the `subscriptions/listen` request.
pub const SUBSCRIPTION_ID_KEY: &str = "io.modelcontextprotocol/subscriptionId";

/// The request-specific members of a modern request's `_meta` (`RequestMetaObject`).
///
/// ```
/// use oxmcp_types::modern::RequestMeta;
/// use oxmcp_types::{ClientCapabilities, ProtocolVersion};
///
/// let meta = RequestMeta::new(ProtocolVersion::V2026_07_28, ClientCapabilities::default()).into_meta();
/// assert_eq!(meta["io.modelcontextprotocol/protocolVersion"], "2026-07-28");
/// let back = RequestMeta::from_meta(&meta).unwrap();
/// assert_eq!(back.protocol_version, "2026-07-28");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestMeta {
    /// The protocol revision of this request, as sent.
    #[serde(rename = "io.modelcontextprotocol/protocolVersion")]
    pub protocol_version: String,
    /// The client's capabilities for this request only.
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    pub client_capabilities: ClientCapabilities,
    /// The client software, self-reported.
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub client_info: Option<Implementation>,
    /// The log level the request opts in to.
    #[serde(
        rename = "io.modelcontextprotocol/logLevel",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub log_level: Option<LoggingLevel>,
    /// The progress token of the request.
    #[serde(
        rename = "progressToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub progress_token: Option<ProgressToken>,
    /// Every other `_meta` member (trace context, vendor keys), kept as it came.
    #[serde(flatten)]
    pub extra: JsonObject,
}

/// Why a request's `_meta` is not a valid modern `RequestMetaObject`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestMetaError {
    /// A required key is absent.
    #[error("`_meta` lacks `{0}`")]
    Missing(&'static str),
    /// A key is present but malformed.
    #[error("`_meta[\"{key}\"]` is malformed: {reason}")]
    Malformed {
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl RequestMeta {
    /// The required members; the rest empty.
    pub fn new(version: crate::ProtocolVersion, client_capabilities: ClientCapabilities) -> Self {
        Self {
            protocol_version: version.as_str().to_owned(),
            client_capabilities,
            client_info: None,
            log_level: None,
            progress_token: None,
            extra: JsonObject::new(),
        }
    }

    /// Sets the client info.
    #[must_use]
    pub fn with_client_info(mut self, info: Implementation) -> Self {
        self.client_info = Some(info);
        self
    }

    /// Sets the log level.
    #[must_use]
    pub fn with_log_level(mut self, level: LoggingLevel) -> Self {
        self.log_level = Some(level);
        self
    }

    /// Reads the modern members of a request's `_meta`, naming the first missing or
    /// malformed key.
    pub fn from_meta(meta: &Meta) -> Result<Self, RequestMetaError> {
        for key in [PROTOCOL_VERSION_KEY, CLIENT_CAPABILITIES_KEY] {
            if !meta.contains_key(key) {
                return Err(RequestMetaError::Missing(key));
            }
        }
        const RESERVED: [&str; 5] = [
            PROTOCOL_VERSION_KEY,
            CLIENT_CAPABILITIES_KEY,
            CLIENT_INFO_KEY,
            LOG_LEVEL_KEY,
            PROGRESS_TOKEN_KEY,
        ];
        // One pass over the members, without copying them; the member-by-member checks run
        // only to name what is wrong (an optional member sent as `null` is wrong too).
        let parsed = Self::deserialize(meta);
        if parsed.is_err() || RESERVED.iter().any(|k| meta.get(*k) == Some(&Value::Null)) {
            for key in RESERVED {
                if let Some(v) = meta.get(key) {
                    check_member(key, v)?;
                }
            }
        }
        parsed.map_err(|e| RequestMetaError::Malformed {
            key: "_meta",
            reason: e.to_string(),
        })
    }

    /// The `_meta` object of these members.
    pub fn into_meta(self) -> Meta {
        match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            // A struct of maps, strings and enums always serializes to an object.
            _ => Meta::new(),
        }
    }
}

/// Checks one reserved member's shape, for a precise error.
fn check_member(key: &'static str, v: &Value) -> Result<(), RequestMetaError> {
    let res = match key {
        PROTOCOL_VERSION_KEY => String::deserialize(v).map(drop),
        CLIENT_CAPABILITIES_KEY => ClientCapabilities::deserialize(v).map(drop),
        CLIENT_INFO_KEY => Implementation::deserialize(v).map(drop),
        LOG_LEVEL_KEY => LoggingLevel::deserialize(v).map(drop),
        _ => ProgressToken::deserialize(v).map(drop),
    };
    res.map_err(|e| RequestMetaError::Malformed {
        key,
        reason: e.to_string(),
    })
}

/// The server info of a result's `_meta` (`ResultMetaObject`), if present and well formed.
pub fn server_info(meta: &Meta) -> Option<Implementation> {
    meta.get(SERVER_INFO_KEY)
        .and_then(|v| Implementation::deserialize(v).ok())
}

/// The subscription id of a notification's `_meta` (`NotificationMetaObject`), if present
/// and well formed.
pub fn subscription_id(meta: &Meta) -> Option<crate::RequestId> {
    meta.get(SUBSCRIPTION_ID_KEY)
        .and_then(|v| crate::RequestId::deserialize(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(v: &Value) -> Meta {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reads_every_reserved_key_and_keeps_the_rest() {
        let m = meta(&json!({
            PROTOCOL_VERSION_KEY: "2026-07-28",
            CLIENT_CAPABILITIES_KEY: {"roots": {}},
            CLIENT_INFO_KEY: {"name": "c", "version": "1"},
            LOG_LEVEL_KEY: "info",
            "progressToken": 7,
            "traceparent": "00-abc-def-01"
        }));
        let r = RequestMeta::from_meta(&m).unwrap();
        assert_eq!(r.protocol_version, "2026-07-28");
        assert!(r.client_capabilities.roots.is_some());
        assert_eq!(r.client_info.unwrap().name, "c");
        assert_eq!(r.log_level, Some(LoggingLevel::Info));
        assert_eq!(r.progress_token, Some(ProgressToken::from(7)));
        assert_eq!(r.extra["traceparent"], "00-abc-def-01");
    }

    #[test]
    fn names_the_missing_or_malformed_key() {
        let no_caps = meta(&json!({PROTOCOL_VERSION_KEY: "2026-07-28"}));
        assert_eq!(
            RequestMeta::from_meta(&no_caps),
            Err(RequestMetaError::Missing(CLIENT_CAPABILITIES_KEY))
        );
        let no_version = meta(&json!({CLIENT_CAPABILITIES_KEY: {}}));
        assert_eq!(
            RequestMeta::from_meta(&no_version),
            Err(RequestMetaError::Missing(PROTOCOL_VERSION_KEY))
        );
        let bad_level = meta(&json!({
            PROTOCOL_VERSION_KEY: "2026-07-28",
            CLIENT_CAPABILITIES_KEY: {},
            LOG_LEVEL_KEY: "loud"
        }));
        assert!(matches!(
            RequestMeta::from_meta(&bad_level),
            Err(RequestMetaError::Malformed {
                key: LOG_LEVEL_KEY,
                ..
            })
        ));
        let null_info = meta(&json!({
            PROTOCOL_VERSION_KEY: "2026-07-28",
            CLIENT_CAPABILITIES_KEY: {},
            CLIENT_INFO_KEY: null
        }));
        assert!(matches!(
            RequestMeta::from_meta(&null_info),
            Err(RequestMetaError::Malformed {
                key: CLIENT_INFO_KEY,
                ..
            })
        ));
        let bad_version = meta(&json!({PROTOCOL_VERSION_KEY: 5, CLIENT_CAPABILITIES_KEY: {}}));
        assert!(matches!(
            RequestMeta::from_meta(&bad_version),
            Err(RequestMetaError::Malformed {
                key: PROTOCOL_VERSION_KEY,
                ..
            })
        ));
    }

    #[test]
    fn result_and_notification_keys() {
        let m = meta(&json!({
            SERVER_INFO_KEY: {"name": "s", "version": "2"},
            SUBSCRIPTION_ID_KEY: "sub-1"
        }));
        assert_eq!(server_info(&m).unwrap().version, "2");
        assert_eq!(subscription_id(&m), Some(crate::RequestId::from("sub-1")));
        assert_eq!(server_info(&Meta::new()), None);
    }
}
