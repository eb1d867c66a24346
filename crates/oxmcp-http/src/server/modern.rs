//! Modern (2026-07-28) requests on the same endpoint as sessions: a POST with no
//! `Mcp-Session-Id` whose request names its protocol version in `_meta` or in its
//! `MCP-Protocol-Version` header (or is `server/discover`) is served by an engine session
//! that takes each request's state from its `_meta` ([`Negotiated::per_request`]): an
//! idle one of the [`ModernPool`](super::session::ModernPool) when there is one, one of
//! its own for `subscriptions/listen`.
//!
//! Its headers must be there and agree with its body: `MCP-Protocol-Version` with the
//! `_meta` version, `Mcp-Method` with the method, `Mcp-Name` with the name or URI the
//! method targets; otherwise 400 with `HeaderMismatch` (-32020). Errors have the statuses
//! the revision gives them: 404 for -32601 (the methods it removed included), 400 for
//! -32600, -32602 and the MCP errors -32020 to -32022.
//!
//! [`Negotiated::per_request`]: oxmcp_core::transport::Negotiated::per_request

use std::sync::LazyLock;

use http::request::Parts;
use http::{HeaderMap, Response, StatusCode};
use memchr::memmem::Finder;
use oxmcp_types::era::RequestEra;
use oxmcp_types::jsonrpc::{ErrorResponse, Request};
use oxmcp_types::modern::headers::{self, MCP_METHOD_HEADER, MCP_NAME_HEADER};
use oxmcp_types::{ErrorData, Message};

use super::ServiceInner;
use super::body::{self, McpBody};
use super::inbound::Inbound;
use super::listen;
use super::param_headers;
use super::post::respond;
use super::registered::Registered;
use super::session::{Answer, modern_session};

/// Serves one modern request (classified as `era`), after checking its headers.
pub(crate) async fn serve(
    inner: &ServiceInner,
    parts: &Parts,
    request: Request,
    era: &RequestEra,
    header_version: Option<&str>,
    inbound: &Inbound,
) -> Response<McpBody> {
    if REMOVED.contains(&request.method.as_str()) {
        let error = ErrorData::method_not_found(&request.method).with_data(serde_json::json!({
            "reason": format!("`{}` is not part of protocol revision 2026-07-28", request.method)
        }));
        return refuse(request, error);
    }
    if let Err(mismatch) = check_headers(&parts.headers, &request, era, header_version) {
        return refuse(request, mismatch);
    }
    let slot = match listen::admit(inner, &request, inbound) {
        Ok(slot) => slot,
        Err(refusal) => return *refusal,
    };
    // A listen stream lives as long as its subscription: it gets a session of its own.
    // Any other request is served on an idle session of the pool (or a new one).
    let session = if slot.is_some() || listen::is_listen(&request.method) {
        let session = modern_session(inner);
        session.set_queue_bytes(inner.settings.config.listen_queue_bytes);
        session
    } else {
        inner.modern_pool.take(inner)
    };
    let id = request.id.clone();
    // A session serving one request has no client budget: only `Closed` could refuse it.
    let Ok(rx) = session.begin_exchange(id.clone()) else {
        session.close_input();
        return super::refusal::session_not_found();
    };
    // Ends the session's input if the client leaves before the answer.
    let registered = Registered::new(&session, vec![id]);
    let inbound = param_headers::with_param_headers(inbound, &parts.headers, &request);
    if session
        .forward(inbound.frame(Message::Request(request)))
        .await
        .is_err()
    {
        return super::refusal::session_not_found();
    }
    let answer = rx.await;
    registered.answered();
    let json = matches!(answer, Ok(Answer::Json(_)));
    let mut response = respond(inner, &session, answer);
    if let Some(status) = error_status(&response) {
        *response.status_mut() = status;
    }
    if json && session.is_pooled() {
        inner.modern_pool.give_back(inner, session);
        return response;
    }
    if !response.body().is_sse() {
        // Nothing more can come for this request: a pooled session that is not given
        // back ends (a one-request session's input ended with its answer).
        session.close_input();
    }
    listen::tie(response, session, slot)
}

/// The methods 2026-07-28 removed: a modern request for one is 404 with -32601.
const REMOVED: [&str; 5] = [
    "initialize",
    "ping",
    "logging/setLevel",
    "resources/subscribe",
    "resources/unsubscribe",
];

/// Answers `request` with `error`, under the status the error's code calls for.
fn refuse(request: Request, error: ErrorData) -> Response<McpBody> {
    let status = status_of(error.code.0);
    let message = Message::Error(ErrorResponse::new(Some(request.id), error));
    body::json(status, message.to_vec())
}

/// The HTTP status of a modern JSON-RPC error.
fn status_of(code: i32) -> StatusCode {
    match code {
        -32601 => StatusCode::NOT_FOUND,
        -32600 | -32602 | -32022..=-32020 => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    }
}

/// The status a JSON answer that is an error response calls for (`None`: leave it).
fn error_status(response: &Response<McpBody>) -> Option<StatusCode> {
    // Built once: a searcher costs more to build than to run over one answer.
    static ERROR: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"error\""));
    let bytes = response.body().json_bytes()?;
    // Results are the common case: only a body that could be an error is parsed.
    ERROR.find(bytes)?;
    match Message::from_slice(bytes) {
        Ok(Message::Error(e)) => Some(status_of(e.error.code.0)).filter(|s| *s != StatusCode::OK),
        _ => None,
    }
}

/// The headers of a modern request against its body: each standard header the request
/// calls for must be there and agree (-32020 otherwise). The version header is compared
/// first, as text; a version in `_meta` the server does not speak is then answered -32022
/// by the engine (headers are defined per revision).
fn check_headers(
    headers: &HeaderMap,
    request: &Request,
    era: &RequestEra,
    header_version: Option<&str>,
) -> Result<(), ErrorData> {
    let body_version = match era {
        RequestEra::Modern(Ok(version)) => Some(version.as_str()),
        RequestEra::Modern(Err(unsupported)) => Some(unsupported.0.as_str()),
        _ => None,
    };
    match (header_version, body_version) {
        (Some(header), Some(body)) if header != body => {
            return Err(ErrorData::header_mismatch(format!(
                "MCP-Protocol-Version {header} is not the version in `_meta` ({body})"
            )));
        }
        (None, Some(_)) => return Err(missing("MCP-Protocol-Version")),
        _ => {}
    }
    if matches!(era, RequestEra::Modern(Err(_))) {
        return Ok(());
    }
    match text(headers, MCP_METHOD_HEADER)? {
        None => return Err(missing(MCP_METHOD_HEADER)),
        Some(method) if method != request.method => {
            return Err(ErrorData::header_mismatch(format!(
                "{MCP_METHOD_HEADER} `{method}` is not the method `{}`",
                request.method
            )));
        }
        Some(_) => {}
    }
    let body = headers::mcp_name(&request.method, request.params.as_deref())
        .map_err(|e| ErrorData::invalid_params(e.to_string()))?;
    match (text(headers, MCP_NAME_HEADER)?, body) {
        (None, Some(_)) => Err(missing(MCP_NAME_HEADER)),
        (Some(name), body) => {
            let name = headers::decode_value(name)
                .map_err(|e| ErrorData::header_mismatch(format!("{MCP_NAME_HEADER}: {e}")))?;
            if body.as_deref() == Some(&*name) {
                return Ok(());
            }
            Err(ErrorData::header_mismatch(format!(
                "{MCP_NAME_HEADER} `{name}` does not match the request's {}",
                headers::name_member(&request.method).unwrap_or("name")
            )))
        }
        (None, None) => Ok(()),
    }
}

fn missing(header: &str) -> ErrorData {
    ErrorData::header_mismatch(format!("the {header} header is missing"))
}

/// A header's value as text; a value that is not visible ASCII is a mismatch.
fn text<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ErrorData> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ErrorData::header_mismatch(format!("{name} is not visible ASCII")))
        })
        .transpose()
}
