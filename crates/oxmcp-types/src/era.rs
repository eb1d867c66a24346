//! Telling the eras apart per request, as a dual-era server must: `initialize` opens a
//! legacy session; a request whose `_meta` names a protocol version is a modern, stateless
//! request; `server/discover` is modern even without it (the stdio probe); anything else
//! belongs to an initialized legacy session.
//!
//! [`classify_request`] is on the hot path of every request: for a legacy request it only
//! scans the raw params for the version key, without parsing them.

mod probe;

use std::borrow::Cow;
use std::sync::LazyLock;

use memchr::memmem::Finder;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::methods::{DiscoverRequest, InitializeRequest, RequestMethod};
use crate::modern::meta::PROTOCOL_VERSION_KEY;
use crate::version::{ProtocolVersion, UnsupportedVersion};

pub use probe::{ModernMeta, ParamsLayout, RequestProbe};

/// The `server/discover` method.
pub const DISCOVER_METHOD: &str = DiscoverRequest::METHOD;

/// How a server should treat one incoming request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestEra {
    /// `initialize`: the handshake of a legacy session.
    Handshake,
    /// A modern request: `_meta` names a revision. `Err` holds a version string that is not
    /// a modern revision oxmcp speaks (legacy revisions included); the answer is
    /// `UnsupportedProtocolVersion` (-32022).
    Modern(Result<ProtocolVersion, UnsupportedVersion>),
    /// `server/discover` without a version in `_meta`: answered all the same, so that a
    /// client can probe.
    Discover,
    /// A request of an initialized legacy session (no version in `_meta`).
    Session,
    /// `_meta` has the version key but it (or the params) is malformed: -32602.
    Malformed(String),
}

impl RequestEra {
    /// Whether the request is served statelessly in the modern era (version valid or not).
    pub fn is_modern(&self) -> bool {
        matches!(self, Self::Modern(_) | Self::Discover)
    }
}

#[derive(Deserialize)]
struct ParamsProbe<'a> {
    #[serde(rename = "_meta", borrow, default)]
    meta: Option<MetaProbe<'a>>,
}

#[derive(Deserialize)]
struct MetaProbe<'a> {
    #[serde(rename = "io.modelcontextprotocol/protocolVersion", borrow, default)]
    version: Option<Cow<'a, str>>,
}

/// Classifies a request by its method and raw params.
///
/// ```
/// use oxmcp_types::era::{classify_request, RequestEra};
/// use oxmcp_types::ProtocolVersion;
/// use serde_json::value::RawValue;
///
/// let modern = RawValue::from_string(
///     r#"{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",
///        "io.modelcontextprotocol/clientCapabilities":{}}}"#.into()).unwrap();
/// assert_eq!(classify_request("tools/list", Some(&modern)),
///            RequestEra::Modern(Ok(ProtocolVersion::V2026_07_28)));
/// assert_eq!(classify_request("tools/list", None), RequestEra::Session);
/// assert_eq!(classify_request("initialize", None), RequestEra::Handshake);
/// ```
pub fn classify_request(method: &str, params: Option<&RawValue>) -> RequestEra {
    if method == InitializeRequest::METHOD {
        return RequestEra::Handshake;
    }
    let version = match params {
        Some(raw) if has_version_key(raw.get()) => probe(raw.get()),
        _ => Ok(None),
    };
    match version {
        Ok(Some(v)) => RequestEra::Modern(ProtocolVersion::parse_modern(&v)),
        Ok(None) if method == DISCOVER_METHOD => RequestEra::Discover,
        Ok(None) => RequestEra::Session,
        Err(reason) => RequestEra::Malformed(reason),
    }
}

/// Whether `params` may hold the version key: they spell it out somewhere, or have a `\u`
/// escape that could spell it. A request without it is not modern, whatever else its
/// params hold.
fn has_version_key(params: &str) -> bool {
    // Built once: a searcher costs more to build than to run over one request.
    static KEY: LazyLock<Finder<'static>> =
        LazyLock::new(|| Finder::new(PROTOCOL_VERSION_KEY.as_bytes()));
    let bytes = params.as_bytes();
    KEY.find(bytes).is_some() || crate::raw::may_spell_in_escapes(bytes)
}

/// The version named by `_meta`, reading nothing else of the params.
fn probe(params: &str) -> Result<Option<Cow<'_, str>>, String> {
    let probe: ParamsProbe<'_> = serde_json::from_str(params).map_err(|e| {
        format!("`_meta[\"{PROTOCOL_VERSION_KEY}\"]` must be a string in an object: {e}")
    })?;
    Ok(probe.meta.and_then(|m| m.version))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    fn meta(version: &str) -> Box<RawValue> {
        raw(&format!(
            r#"{{"name":"echo","_meta":{{"{PROTOCOL_VERSION_KEY}":"{version}",
                "io.modelcontextprotocol/clientCapabilities":{{}}}}}}"#
        ))
    }

    #[test]
    fn initialize_is_the_handshake_whatever_its_params() {
        assert_eq!(
            classify_request("initialize", Some(&meta("2026-07-28"))),
            RequestEra::Handshake
        );
    }

    #[test]
    fn a_version_in_meta_makes_a_request_modern() {
        assert_eq!(
            classify_request("tools/call", Some(&meta("2026-07-28"))),
            RequestEra::Modern(Ok(ProtocolVersion::V2026_07_28))
        );
        assert_eq!(
            classify_request("server/discover", Some(&meta("2026-07-28"))),
            RequestEra::Modern(Ok(ProtocolVersion::V2026_07_28))
        );
        // A legacy revision or an unknown one in `_meta`: modern, unsupported (-32022).
        for v in ["2025-11-25", "2099-01-01"] {
            assert_eq!(
                classify_request("tools/list", Some(&meta(v))),
                RequestEra::Modern(Err(UnsupportedVersion(v.to_owned())))
            );
        }
    }

    #[test]
    fn without_a_version_it_is_a_session_request_or_the_discover_probe() {
        assert_eq!(classify_request("tools/list", None), RequestEra::Session);
        assert_eq!(
            classify_request("tools/list", Some(&raw(r#"{"_meta":{"progressToken":1}}"#))),
            RequestEra::Session
        );
        assert_eq!(
            classify_request("server/discover", None),
            RequestEra::Discover
        );
        assert!(classify_request("server/discover", None).is_modern());
        assert!(!RequestEra::Session.is_modern());
    }

    /// The version key spelled with an escape is the version key; an escape elsewhere
    /// changes nothing.
    #[test]
    fn an_escaped_version_key_is_read_as_the_key() {
        let escaped = PROTOCOL_VERSION_KEY.replace('V', "\\u0056");
        let params = raw(&format!(
            r#"{{"name":"echo","_meta":{{"{escaped}":"2026-07-28"}}}}"#
        ));
        assert!(!params.get().contains(PROTOCOL_VERSION_KEY));
        assert_eq!(
            classify_request("tools/call", Some(&params)),
            RequestEra::Modern(Ok(ProtocolVersion::V2026_07_28))
        );
        let other = raw(r#"{"name":"echo","arguments":{"text":"caf\u00e9"}}"#);
        assert_eq!(
            classify_request("tools/call", Some(&other)),
            RequestEra::Session
        );
    }

    #[test]
    fn the_key_outside_meta_does_not_count() {
        let args = raw(&format!(
            r#"{{"name":"echo","arguments":{{"text":"{PROTOCOL_VERSION_KEY}"}}}}"#
        ));
        assert_eq!(
            classify_request("tools/call", Some(&args)),
            RequestEra::Session
        );
    }

    #[test]
    fn a_malformed_version_is_reported() {
        let bad = raw(&format!(r#"{{"_meta":{{"{PROTOCOL_VERSION_KEY}":7}}}}"#));
        assert!(matches!(
            classify_request("tools/list", Some(&bad)),
            RequestEra::Malformed(_)
        ));
    }
}
