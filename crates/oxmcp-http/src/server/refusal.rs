//! The HTTP refusals the endpoints share (Streamable HTTP and legacy HTTP+SSE alike), so
//! that every endpoint says the same thing for the same problem.

use http::{HeaderValue, Response, StatusCode, header};
use oxmcp_types::jsonrpc::ErrorResponse;
use oxmcp_types::{ErrorData, Message, RequestId};

use super::ServiceInner;
use super::body::{self, McpBody};
use super::registry::Full;

/// 405 with the `Allow` header listing the methods the endpoint takes.
pub(crate) fn method_not_allowed(allow: &'static str) -> Response<McpBody> {
    let mut response = body::invalid(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// 413: a body (declared or read) over `limit` bytes.
pub(crate) fn too_large(limit: usize) -> Response<McpBody> {
    body::invalid(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("payload too large: the limit is {limit} bytes"),
    )
}

/// 415: a POST whose `Content-Type` is not `application/json`.
pub(crate) fn not_json() -> Response<McpBody> {
    body::invalid(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported media type: Content-Type must be application/json",
    )
}

/// 400: an `MCP-Protocol-Version` header naming no supported revision.
pub(crate) fn bad_version(value: &str) -> Response<McpBody> {
    body::invalid(
        StatusCode::BAD_REQUEST,
        format!("bad request: unsupported MCP-Protocol-Version `{value}`"),
    )
}

/// 400 with the JSON-RPC error of a body that does not decode.
pub(crate) fn undecodable(error: &oxmcp_types::jsonrpc::DecodeError) -> Response<McpBody> {
    let body = Message::Error(error.to_error_response()).to_vec();
    body::json(StatusCode::BAD_REQUEST, body)
}

/// 404: an unknown or ended session (or one that belongs to another principal).
pub(crate) fn session_not_found() -> Response<McpBody> {
    body::invalid(StatusCode::NOT_FOUND, "session not found")
}

/// 500: the operating system gave no random numbers for a session id.
pub(crate) fn no_session_id() -> Response<McpBody> {
    body::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorData::internal_error("no secure random numbers for a session id"),
    )
}

/// 503 (the service's session cap is reached) or 429 (the client's is), with
/// `Retry-After` and a JSON-RPC error.
/// 429 for a request from a client with
/// [`max_requests_per_client`](super::HttpServerConfig::max_requests_per_client) requests in
/// flight, with `Retry-After` and a JSON-RPC error (naming the request when there is one).
pub(crate) fn client_busy(inner: &ServiceInner, id: Option<RequestId>) -> Response<McpBody> {
    let error = ErrorData::internal_error(
        "too many requests in flight from this client; wait for some to finish and retry",
    );
    let body = Message::Error(ErrorResponse::new(id, error));
    let mut response = body::json(StatusCode::TOO_MANY_REQUESTS, body.to_vec());
    let secs = inner.settings.config.retry_after.as_secs().max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

pub(crate) fn too_many_sessions(inner: &ServiceInner, full: Full) -> Response<McpBody> {
    let (status, message) = match full {
        Full::Service => (
            StatusCode::SERVICE_UNAVAILABLE,
            "too many sessions; retry later",
        ),
        Full::Client => (
            StatusCode::TOO_MANY_REQUESTS,
            "too many sessions from this client; end some (DELETE) or retry later",
        ),
    };
    let mut response = body::error(status, ErrorData::internal_error(message));
    let secs = inner.settings.config.retry_after.as_secs().max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// 503 with `Retry-After`: the session store could not be reached, and nothing of the
/// request was accepted.
pub(crate) fn store_unavailable(inner: &ServiceInner) -> Response<McpBody> {
    let mut response = body::error(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorData::internal_error("the session store is unavailable; retry later"),
    );
    let secs = inner.settings.config.retry_after.as_secs().max(1);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}
