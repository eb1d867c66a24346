//! Modern (2026-07-28) requests on the same endpoint as sessions: a POST with no
//! `Mcp-Session-Id` whose request names its protocol version in `_meta` or in its
//! `MCP-Protocol-Version` header (or is `server/discover`) is served by an engine session
//! that takes each request's state from its `_meta` ([`Negotiated::per_request`]): an
//! idle one of the [`ModernPool`](super::session::ModernPool) when there is one, one of
//! its own for `subscriptions/listen`.
//!
//! Its `_meta` is read once, here ([`RequestProbe`]), into a state the service keeps by the
//! `_meta`'s text ([`ModernStateCache`](oxmcp_core::session::ModernStateCache)) and hands the
//! engine with the request ([`ModernState`]); a request laid out as clients write them whose
//! `_meta` was read before is not read at all ([`RequestProbe::layout`]).
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
use http::{HeaderValue, Response, StatusCode};
use memchr::memmem::Finder;
use oxmcp_core::session::ModernState;
use std::borrow::Cow;

use oxmcp_types::era::{ParamsLayout, RequestEra, RequestProbe};
use oxmcp_types::jsonrpc::{ErrorResponse, Request};
use oxmcp_types::modern::headers::HeaderError;
use oxmcp_types::modern::headers::{self, MCP_METHOD_HEADER, MCP_NAME_HEADER};
use oxmcp_types::{ErrorData, Message};

use super::ServiceInner;
use super::body::{self, McpBody};
use super::inbound::Origin;
use super::listen;
use super::mcp_headers::McpHeaders;
use super::param_headers;
use super::post::respond;
use super::registered::Registered;
use super::session::{Answer, modern_session};

/// What a modern request was found to be before it is served: refused (`Err`, with the
/// error it is answered with), or accepted, with its state when its `_meta` was read here.
pub(crate) type Checked = Result<Option<ModernState>, ErrorData>;

/// Checks a modern request probed as `probe`: a method the revision removed, then its
/// headers; then looks its state up by its `_meta`.
pub(crate) fn check(
    inner: &ServiceInner,
    headers: &McpHeaders<'_>,
    request: &Request,
    probe: &RequestProbe<'_>,
) -> Checked {
    let body = Body {
        era: &probe.era,
        name: &|| probe.mcp_name(),
    };
    check_request(headers, request, &body)?;
    Ok(probe
        .meta
        .as_ref()
        .and_then(|meta| inner.modern_states.state(meta)))
}

/// Checks a modern request whose params are laid out as usual and whose `_meta` was read
/// before (its `state`), as [`check`] does.
pub(crate) fn check_known(
    headers: &McpHeaders<'_>,
    request: &Request,
    layout: &ParamsLayout<'_>,
    state: ModernState,
) -> Checked {
    let era = RequestEra::Modern(Ok(state.info().protocol_version));
    let body = Body {
        era: &era,
        name: &|| Ok(layout.name.map(Cow::Borrowed)),
    };
    check_request(headers, request, &body)?;
    Ok(Some(state))
}

/// What the headers of a modern request are checked against.
struct Body<'b, 'a> {
    era: &'b RequestEra,
    /// The value `Mcp-Name` must carry.
    name: &'b dyn Fn() -> Result<Option<Cow<'a, str>>, HeaderError>,
}

/// A method the revision removed is -32601; then the headers.
fn check_request(
    headers: &McpHeaders<'_>,
    request: &Request,
    body: &Body<'_, '_>,
) -> Result<(), ErrorData> {
    if REMOVED.contains(&request.method.as_str()) {
        return Err(
            ErrorData::method_not_found(&request.method).with_data(serde_json::json!({
                "reason": format!("`{}` is not part of protocol revision 2026-07-28", request.method)
            })),
        );
    }
    check_headers(headers, request, body)
}

/// Serves one modern request, [`check`]ed as `checked`.
pub(crate) async fn serve(
    inner: &ServiceInner,
    parts: &Parts,
    request: Request,
    checked: Checked,
    origin: &Origin<'_>,
    headers: &McpHeaders<'_>,
) -> Response<McpBody> {
    let state = match checked {
        Ok(state) => state,
        Err(error) => return refuse(request, error),
    };
    let slot = match listen::admit(inner, &request, origin) {
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
    let registered = Registered::one(&session, id);
    let inbound = param_headers::with_state(origin, headers, &parts.headers, &request, state);
    let frame = inbound.frame(Message::Request(request));
    let answer = if session.is_pooled() {
        // Its handler runs in this task.
        match session.forward_inline(frame, rx).await {
            Ok(answer) => answer,
            Err(_) => return super::refusal::session_not_found(),
        }
    } else {
        if session.forward(frame).await.is_err() {
            return super::refusal::session_not_found();
        }
        rx.await
    };
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
    if is_plain_result(bytes) {
        return None;
    }
    ERROR.find(bytes)?;
    match Message::from_slice(bytes) {
        Ok(Message::Error(e)) => Some(status_of(e.error.code.0)).filter(|s| *s != StatusCode::OK),
        _ => None,
    }
}

/// Whether `bytes` is a result as the engine writes one (`{"jsonrpc":"2.0","id":ID,"result":`,
/// the id an integer or a string without escapes), known without a search. `false` says
/// nothing: the body may still be a result.
fn is_plain_result(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(br#"{"jsonrpc":"2.0","id":"#) else {
        return false;
    };
    let id_len = match rest.first() {
        Some(b'"') => match memchr::memchr2(b'"', b'\\', &rest[1..]) {
            Some(at) if rest[1 + at] == b'"' => at + 2,
            _ => return false,
        },
        Some(b'-' | b'0'..=b'9') => rest
            .iter()
            .position(|b| !matches!(b, b'-' | b'0'..=b'9'))
            .unwrap_or(rest.len()),
        _ => return false,
    };
    rest[id_len..].starts_with(br#","result":"#)
}

/// The headers of a modern request against its body: each standard header the request
/// calls for must be there and agree (-32020 otherwise). The version header is compared
/// first, as text; a version in `_meta` the server does not speak is then answered -32022
/// by the engine (headers are defined per revision).
fn check_headers(
    headers: &McpHeaders<'_>,
    request: &Request,
    body: &Body<'_, '_>,
) -> Result<(), ErrorData> {
    let header_version = headers.version_text();
    let era = body.era;
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
    match text(headers.method, MCP_METHOD_HEADER)? {
        None => return Err(missing(MCP_METHOD_HEADER)),
        Some(method) if method != request.method => {
            return Err(ErrorData::header_mismatch(format!(
                "{MCP_METHOD_HEADER} `{method}` is not the method `{}`",
                request.method
            )));
        }
        Some(_) => {}
    }
    let body = (body.name)().map_err(|e| ErrorData::invalid_params(e.to_string()))?;
    match (text(headers.name, MCP_NAME_HEADER)?, body) {
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
fn text<'h>(value: Option<&'h HeaderValue>, name: &str) -> Result<Option<&'h str>, ErrorData> {
    value
        .map(|v| {
            v.to_str()
                .map_err(|_| ErrorData::header_mismatch(format!("{name} is not visible ASCII")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use oxmcp_types::RequestId;
    use oxmcp_types::jsonrpc::Response;
    use serde_json::value::RawValue;

    use super::*;

    /// Every answer the engine writes: a plain result is seen as one, an error never is.
    #[test]
    fn a_plain_result_is_told_from_an_error_as_written() {
        let ids = [
            RequestId::Number(0),
            RequestId::Number(-17),
            RequestId::Number(i64::MAX),
            RequestId::String("a".into()),
            RequestId::String(r#"q"uote"#.into()),
            RequestId::String(r#","result":"#.into()),
            RequestId::String("".into()),
        ];
        let result = RawValue::from_string(r#"{"error":{"code":1}}"#.into()).unwrap();
        for id in ids {
            let answer = Message::Response(Response::new(id.clone(), result.clone())).to_vec();
            let plain = is_plain_result(&answer);
            let escaped = matches!(&id, RequestId::String(s) if s.contains('"'));
            assert_eq!(plain, !escaped, "{}", String::from_utf8_lossy(&answer));
            let error = ErrorData::invalid_params(r#"","result":"#);
            let error = Message::Error(ErrorResponse::new(Some(id), error)).to_vec();
            assert!(
                !is_plain_result(&error),
                "{}",
                String::from_utf8_lossy(&error)
            );
        }
        let unknown = Message::Error(ErrorResponse::new(None, ErrorData::parse_error("x")));
        assert!(!is_plain_result(&unknown.to_vec()));
        for odd in [
            &b""[..],
            b"{",
            br#"{"jsonrpc":"2.0","id":"#,
            br#"{"jsonrpc":"2.0","id":"x"#,
        ] {
            assert!(!is_plain_result(odd));
        }
    }
}
