//! A modern request's state in one pass over its params: the version, the client's
//! capabilities and info, and the log level, read straight from the text of its `_meta`
//! (no map of values in between). Only for a well-formed `_meta` naming a revision this
//! server speaks; anything else (a missing or malformed member, a duplicate key, a version
//! not spoken) is left to [`ModernContext`](super::ModernContext)'s general path, which
//! names what is wrong. Where both succeed they give the same state.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use memchr::memmem::Finder;

use oxmcp_types::methods::{InitializeRequest, RequestMethod};
use oxmcp_types::modern::meta::PROTOCOL_VERSION_KEY;
use oxmcp_types::{
    ClientCapabilities, Implementation, LoggingLevel, ProgressToken, ProtocolVersion,
};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::SessionInfo;
use super::modern::UNNAMED_CLIENT;
use crate::role::Server;

#[derive(Deserialize)]
struct Params<'a> {
    #[serde(rename = "_meta", borrow)]
    meta: Meta<'a>,
}

/// The reserved members of a request's `_meta`; the others are skipped. An optional member
/// sent as `null` fails, as it does on the general path.
#[derive(Deserialize)]
struct Meta<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow)]
    version: Cow<'a, str>,
    #[serde(rename = "io.modelcontextprotocol/clientCapabilities")]
    client_capabilities: ClientCapabilities,
    #[serde(
        rename = "io.modelcontextprotocol/clientInfo",
        default,
        deserialize_with = "present"
    )]
    client_info: Option<Implementation>,
    #[serde(
        rename = "io.modelcontextprotocol/logLevel",
        default,
        deserialize_with = "present"
    )]
    log_level: Option<LoggingLevel>,
    // Read to check it, as the general path does; the request's own code takes it.
    #[serde(rename = "progressToken", default, deserialize_with = "present")]
    _progress_token: Option<ProgressToken>,
}

/// A member that is there: its value, `null` refused.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Finds the version key (built once: a searcher costs more to build than to run).
static VERSION_KEY: LazyLock<Finder<'static>> =
    LazyLock::new(|| Finder::new(PROTOCOL_VERSION_KEY.as_bytes()));

/// The state of a modern request with a well-formed `_meta` naming a revision this server
/// speaks; `None` for anything else.
pub(super) fn negotiate(
    method: &str,
    params: Option<&RawValue>,
) -> Option<Arc<SessionInfo<Server>>> {
    let text = params?.get();
    // As `classify_request`: `initialize` is never modern, and a request is modern only
    // when its params spell the version key out.
    if method == InitializeRequest::METHOD || VERSION_KEY.find(text.as_bytes()).is_none() {
        return None;
    }
    let Params { meta } = serde_json::from_str::<Params<'_>>(text).ok()?;
    let version = ProtocolVersion::parse_modern(&meta.version).ok()?;
    let client = meta
        .client_info
        .unwrap_or_else(|| Implementation::new(UNNAMED_CLIENT, "0"));
    Some(
        SessionInfo::new(version, meta.client_capabilities, client, None)
            .with_log_level(meta.log_level),
    )
}

#[cfg(test)]
mod tests {
    use oxmcp_types::ErrorData;

    use super::super::ModernContext;
    use super::super::source::RequestHead;
    use super::*;
    use crate::extensions::Extensions;

    fn general(method: &str, params: &RawValue) -> Result<Arc<SessionInfo<Server>>, ErrorData> {
        let extensions = Extensions::new();
        ModernContext::general(&RequestHead::new(method, Some(params), &extensions))
    }

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).unwrap()
    }

    #[test]
    fn the_one_pass_gives_what_the_general_path_gives() {
        let cases = [
            r#"{"name":"echo","arguments":{"text":"hi"},"_meta":{
                "io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{"sampling":{},"roots":{"listChanged":true}},
                "io.modelcontextprotocol/clientInfo":{"name":"c","version":"1.2"},
                "io.modelcontextprotocol/logLevel":"warning",
                "progressToken":7,"vendor/x":{"a":[1,2]}}}"#,
            r#"{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},
                "io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#,
        ];
        for text in cases {
            let params = raw(text);
            let fast = negotiate("tools/call", Some(&params)).expect("one pass");
            let slow = general("tools/call", &params).expect("general");
            assert_eq!(fast.protocol_version, slow.protocol_version);
            assert_eq!(
                serde_json::to_value(&fast.peer_capabilities).unwrap(),
                serde_json::to_value(&slow.peer_capabilities).unwrap()
            );
            assert_eq!(fast.peer_info, slow.peer_info);
            assert_eq!(fast.log_level, slow.log_level);
        }
    }

    #[test]
    fn anything_not_plainly_valid_is_left_to_the_general_path() {
        let left = [
            // A version this server does not speak (-32022 there).
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2025-11-25",
                "io.modelcontextprotocol/clientCapabilities":{}}}"#,
            // Capabilities missing, a member `null`, a malformed progress token (-32602).
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}"#,
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{},
                "io.modelcontextprotocol/clientInfo":null}}"#,
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{},"progressToken":[1]}}"#,
            // A key twice (the general path takes the last).
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{},
                "io.modelcontextprotocol/logLevel":"info",
                "io.modelcontextprotocol/logLevel":"error"}}"#,
            // No version key at all, and no params.
            r#"{"name":"echo"}"#,
        ];
        for text in left {
            assert!(
                negotiate("tools/call", Some(&raw(text))).is_none(),
                "{text}"
            );
        }
        assert!(negotiate("tools/call", None).is_none());
        let modern = raw(
            r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
                "io.modelcontextprotocol/clientCapabilities":{}}}"#,
        );
        assert!(negotiate("initialize", Some(&modern)).is_none());
        // The general path answers the duplicate with the last value.
        let twice = raw(left[4]);
        let info = general("tools/call", &twice).expect("general");
        assert_eq!(info.log_level, Some(LoggingLevel::Error));
    }
}
