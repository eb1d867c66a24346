//! Modern (2026-07-28) requests on the same endpoint as sessions: a POST with no
//! `Mcp-Session-Id` whose request names its protocol version in `_meta` (or is
//! `server/discover`) is served by a short-lived session of its own, which takes the
//! request's state from its `_meta` ([`Negotiated::per_request`]). Its headers must agree
//! with its body: `MCP-Protocol-Version` with the `_meta` version, `Mcp-Method` with the
//! method, `Mcp-Name` with the name or URI the method targets; a mismatch is 400 with
//! `HeaderMismatch` (-32020).
//!
//! [`Negotiated::per_request`]: oxmcp_core::transport::Negotiated::per_request

use http::request::Parts;
use http::{HeaderMap, Response, StatusCode};
use oxmcp_types::era::RequestEra;
use oxmcp_types::jsonrpc::{ErrorResponse, Request};
use oxmcp_types::modern::headers::{self, MCP_METHOD_HEADER, MCP_NAME_HEADER};
use oxmcp_types::{ErrorData, Message, ProtocolVersion};

use super::ServiceInner;
use super::body::{self, McpBody};
use super::inbound::Inbound;
use super::post::respond;
use super::registered::Registered;
use super::session::modern_session;

/// Serves one modern request (classified as `era`), after checking its headers.
pub(crate) async fn serve(
    inner: &ServiceInner,
    parts: &Parts,
    request: Request,
    era: &RequestEra,
    header_version: Option<ProtocolVersion>,
    inbound: &Inbound,
) -> Response<McpBody> {
    if let Err(mismatch) = check_headers(&parts.headers, &request, era, header_version) {
        let error = Message::Error(ErrorResponse::new(Some(request.id), mismatch));
        return body::json(StatusCode::BAD_REQUEST, error.to_vec());
    }
    let session = modern_session(inner);
    let id = request.id.clone();
    // A one-request session has no client budget: only `Closed` could refuse it.
    let Ok(rx) = session.begin_exchange(id.clone()) else {
        return super::refusal::session_not_found();
    };
    let registered = Registered::new(&session, vec![id]);
    if session
        .forward(inbound.frame(Message::Request(request)))
        .await
        .is_err()
    {
        return super::refusal::session_not_found();
    }
    let answer = rx.await;
    registered.answered();
    respond(inner, &session, answer)
}

/// The headers of a modern request against its body (-32020 on a mismatch). Headers the
/// client did not send are not required here: the body is what the server acts on.
fn check_headers(
    headers: &HeaderMap,
    request: &Request,
    era: &RequestEra,
    header_version: Option<ProtocolVersion>,
) -> Result<(), ErrorData> {
    if let (Some(header), RequestEra::Modern(Ok(body))) = (header_version, era)
        && header != *body
    {
        return Err(ErrorData::header_mismatch(format!(
            "MCP-Protocol-Version {header} is not the version in `_meta` ({body})"
        )));
    }
    if let Some(method) = text(headers, MCP_METHOD_HEADER)?
        && method != request.method
    {
        return Err(ErrorData::header_mismatch(format!(
            "{MCP_METHOD_HEADER} `{method}` is not the method `{}`",
            request.method
        )));
    }
    if let Some(name) = text(headers, MCP_NAME_HEADER)? {
        let name = headers::decode_value(&name)
            .map_err(|e| ErrorData::header_mismatch(format!("{MCP_NAME_HEADER}: {e}")))?;
        let body = headers::mcp_name(&request.method, request.params.as_deref())
            .map_err(|e| ErrorData::invalid_params(e.to_string()))?;
        if body.as_deref() != Some(&*name) {
            return Err(ErrorData::header_mismatch(format!(
                "{MCP_NAME_HEADER} `{name}` does not match the request's {}",
                headers::name_member(&request.method).unwrap_or("name")
            )));
        }
    }
    Ok(())
}

/// A header's value as text; a value that is not visible ASCII is a mismatch.
fn text(headers: &HeaderMap, name: &str) -> Result<Option<String>, ErrorData> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ErrorData::header_mismatch(format!("{name} is not visible ASCII")))
        })
        .transpose()
}
