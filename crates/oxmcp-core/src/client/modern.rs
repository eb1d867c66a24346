//! Opening a client in the 2026-07-28 ("modern") era: the `server/discover` probe, the
//! choice of a version both sides speak (retrying once on `UnsupportedProtocolVersion`,
//! -32022), and telling a legacy server from a modern one as the spec says.
//!
//! # Which answers mean "legacy server"
//!
//! A `DiscoverResult` means a modern server. A recognized modern error (-32020, -32021,
//! -32022) means a modern server too: -32022 is answered with a version from its
//! `supported` list, the others fail the connection. Anything else (another JSON-RPC
//! error, whatever its code, an HTTP 4xx whose body is no modern error, no answer within
//! [`ClientConfig::discover_timeout`]) means a legacy server: an unpinned client falls
//! back to `initialize`, a client pinned to [`Era::Modern`](oxmcp_types::Era::Modern) fails.

use std::sync::Arc;

use oxmcp_types::methods::{DiscoverRequest, ListToolsRequest, RequestMethod};
use oxmcp_types::modern::headers::{X_MCP_HEADER, param_headers};
use oxmcp_types::modern::meta::{SERVER_INFO_KEY, server_info};
use oxmcp_types::modern::{DiscoverResult, RequestMeta, UnsupportedProtocolVersionData};
use oxmcp_types::{
    AdaptToVersion, ClientCapabilities, ErrorCode, Implementation, InitializeResult, JsonObject,
    ProtocolVersion,
};
use serde_json::Value;
use serde_json::value::RawValue;

use super::ClientConfig;
use super::mrtr::ModernExchange;
use crate::error::{InitializeError, RequestError};
use crate::role::Client;
use crate::session::{Peer, Phase, RequestOptions, SessionInfo};

/// What the probe found out.
pub(super) enum Probe {
    /// A modern server, and the version chosen.
    Modern(Box<DiscoverResult>, ProtocolVersion),
    /// A legacy server (or one that speaks no modern version of ours): why, as the error
    /// a client pinned to the modern era reports.
    Legacy(InitializeError),
}

/// The modern version the client asks for first.
fn preferred(config: &ClientConfig) -> ProtocolVersion {
    if config.protocol_version.is_modern() {
        config.protocol_version
    } else {
        ProtocolVersion::LATEST_MODERN
    }
}

/// The capabilities a modern request declares: the config's, adapted to `version`.
pub(super) fn declared(config: &ClientConfig, version: ProtocolVersion) -> ClientCapabilities {
    config.capabilities.clone().adapted_to(version)
}

/// Whether `code` is one of the errors only a modern server sends.
fn is_modern_error(code: ErrorCode) -> bool {
    [
        ErrorCode::HEADER_MISMATCH,
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
    ]
    .contains(&code)
}

/// Sends `server/discover` (again with the newest version of the server's list that oxmcp
/// speaks after -32022, once) and classifies the server.
pub(super) async fn probe(
    peer: &Peer<Client>,
    config: &ClientConfig,
) -> Result<Probe, InitializeError> {
    let mut version = preferred(config);
    let mut retried = false;
    loop {
        let meta = RequestMeta::new(version, declared(config, version))
            .with_client_info(config.info.clone())
            .into_meta();
        let mut params = JsonObject::new();
        params.insert("_meta".to_owned(), Value::Object(meta));
        let raw = serde_json::value::to_raw_value(&params).map_err(RequestError::Serialize)?;
        let options = RequestOptions::new().timeout(config.discover_timeout);
        let error = match peer
            .send_request_unchecked(DiscoverRequest::METHOD, Some(raw), options)
            .await
        {
            Ok(answer) => return discovered(answer.get(), version),
            Err(e) => e,
        };
        let remote = error.as_remote();
        if let Some(data) = remote.and_then(UnsupportedProtocolVersionData::from_error) {
            match data.best_version() {
                Some(v) if !retried => {
                    retried = true;
                    version = v;
                    continue;
                }
                _ => {
                    let supported = data.supported;
                    let legacy = supported
                        .iter()
                        .any(|s| ProtocolVersion::parse_legacy(s).is_ok());
                    let why = InitializeError::NoCommonVersion { supported };
                    return if legacy {
                        Ok(Probe::Legacy(why))
                    } else {
                        Err(why)
                    };
                }
            }
        }
        return match error {
            RequestError::Remote(e) if is_modern_error(e.code) => {
                Err(RequestError::Remote(e).into())
            }
            e @ (RequestError::Remote(_) | RequestError::Timeout(_)) => {
                Ok(Probe::Legacy(InitializeError::NotModern(e)))
            }
            e => Err(e.into()),
        };
    }
}

/// Reads a `DiscoverResult` and picks the version: the one asked when listed, else the
/// newest listed modern one oxmcp speaks. The cache hints and `resultType` a server left
/// out are read as their defaults, and a `serverInfo` member (outside `_meta`) as the
/// server's info: the client needs the versions and capabilities only.
fn discovered(raw: &str, asked: ProtocolVersion) -> Result<Probe, InitializeError> {
    let invalid = |source| RequestError::InvalidResult {
        method: DiscoverRequest::METHOD.to_owned(),
        source,
    };
    let mut object: JsonObject = serde_json::from_str(raw).map_err(invalid)?;
    object.entry("ttlMs").or_insert(Value::from(0));
    object.entry("cacheScope").or_insert(Value::from("private"));
    object
        .entry("resultType")
        .or_insert(Value::from("complete"));
    if let Some(info) = object.remove("serverInfo") {
        let meta = object
            .entry("_meta")
            .or_insert_with(|| Value::Object(JsonObject::new()));
        if let Value::Object(meta) = meta {
            meta.entry(SERVER_INFO_KEY).or_insert(info);
        }
    }
    let result: DiscoverResult = serde_json::from_value(Value::Object(object)).map_err(invalid)?;
    let listed = result
        .supported_versions
        .iter()
        .any(|s| s == asked.as_str());
    let chosen = if listed {
        Some(asked)
    } else {
        result.best_version()
    };
    Ok(match chosen {
        Some(version) => Probe::Modern(Box::new(result), version),
        None => Probe::Legacy(InitializeError::NoCommonVersion {
            supported: result.supported_versions,
        }),
    })
}

/// Makes the session a modern one: the server's state from its `DiscoverResult`, and every
/// request from now on shaped by a [`ModernExchange`]. Returns the `DiscoverResult` as an
/// `initialize` result would have said it, for code that reads one, and the exchange.
pub(super) fn operate(
    peer: &Peer<Client>,
    config: &ClientConfig,
    result: &DiscoverResult,
    version: ProtocolVersion,
) -> (InitializeResult, Arc<ModernExchange>) {
    let server = result
        .meta
        .as_ref()
        .and_then(server_info)
        .unwrap_or_else(|| Implementation::new("unnamed-server", "0"));
    let info = SessionInfo::new(
        version,
        result.capabilities.clone(),
        server.clone(),
        result.instructions.clone(),
    );
    let exchange = Arc::new(ModernExchange::new(
        version,
        declared(config, version),
        config,
    ));
    let _ = peer.inner.exchange.set(exchange.clone());
    let _ = peer.inner.info.set(info);
    peer.inner.set_phase(Phase::Operating);
    let mut synthesized =
        InitializeResult::new(version.as_str(), result.capabilities.clone(), server);
    synthesized.instructions = result.instructions.clone();
    synthesized.meta = result.meta.clone();
    (synthesized, exchange)
}

/// A `tools/list` result without the tools whose `x-mcp-header` annotations break the rules
/// of SEP-2243 (a client must not call them: it could not send their headers).
pub(super) fn valid_tools(answer: Box<RawValue>) -> Result<Box<RawValue>, RequestError> {
    if !answer.get().contains(X_MCP_HEADER) {
        return Ok(answer);
    }
    let invalid = |source| RequestError::InvalidResult {
        method: ListToolsRequest::METHOD.to_owned(),
        source,
    };
    let mut result: JsonObject = serde_json::from_str(answer.get()).map_err(invalid)?;
    if let Some(Value::Array(tools)) = result.get_mut("tools") {
        tools.retain(|tool| {
            let schema = tool.get("inputSchema").and_then(Value::as_object);
            match schema.map(param_headers) {
                Some(Err(e)) => {
                    tracing::warn!(tool = %tool["name"], error = %e, "leaving out a tool with invalid x-mcp-header annotations");
                    false
                }
                _ => true,
            }
        });
    }
    serde_json::value::to_raw_value(&result).map_err(RequestError::Serialize)
}
