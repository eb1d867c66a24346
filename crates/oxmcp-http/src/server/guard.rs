//! Checks done on headers before a body is read: Host and Origin (DNS-rebinding
//! protection), Content-Length, Accept, Content-Type and `MCP-Protocol-Version`.

use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode, header};
use oxmcp_types::ProtocolVersion;

use super::authority::{self, Authority};
use super::body::{self, McpBody};
use super::config::{AllowedHosts, AllowedOrigins};

/// The `MCP-Protocol-Version` header.
pub const PROTOCOL_VERSION_HEADER: &str = "mcp-protocol-version";
/// The `Mcp-Session-Id` header.
pub const SESSION_ID_HEADER: &str = "mcp-session-id";

// The name parsed once: a lookup by `&str` parses the name every time. (A POST finds its
// MCP headers in one pass instead: `McpHeaders`.)
pub(crate) const PROTOCOL_VERSION_NAME: HeaderName =
    HeaderName::from_static(PROTOCOL_VERSION_HEADER);
/// The `Last-Event-ID` header.
pub const LAST_EVENT_ID_HEADER: &str = "last-event-id";

/// Why a request was refused at the edge, before anything else is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// A malformed or ambiguous request (two `Host` or `Origin` headers, an authority that
    /// does not parse, a `Host` that disagrees with an absolute request-target): 400.
    Malformed(&'static str),
    /// A well-formed `Host` or `Origin` that is not allowed (DNS rebinding): 403.
    Forbidden(&'static str),
}

impl Edge {
    /// The HTTP refusal.
    pub(crate) fn response(self) -> Response<McpBody> {
        match self {
            Self::Malformed(why) => {
                body::invalid(StatusCode::BAD_REQUEST, format!("bad request: {why}"))
            }
            Self::Forbidden(why) => {
                body::invalid(StatusCode::FORBIDDEN, format!("forbidden: {why}"))
            }
        }
    }
}

/// The one value of header `name`: `Ok(None)` when absent, `Err` when given twice.
fn single(headers: &HeaderMap, name: HeaderName) -> Result<Option<&HeaderValue>, ()> {
    let mut values = headers.get_all(name).into_iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(());
    }
    Ok(first)
}

/// The port a URI of this scheme means when it names none.
fn default_port(parts: &Parts) -> u16 {
    if parts
        .uri
        .scheme_str()
        .is_some_and(|s| s.eq_ignore_ascii_case("https"))
    {
        443
    } else {
        80
    }
}

/// The authority the request is for: that of an absolute-form request-target (or an
/// HTTP/2 `:authority`) when given, which a `Host` header must then agree with, else the
/// one `Host` header (RFC 9112, section 3.2). `Ok(None)` when the request names none.
fn target_authority(parts: &Parts) -> Result<Option<Authority>, Edge> {
    let header = single(&parts.headers, header::HOST)
        .map_err(|()| Edge::Malformed("more than one Host header"))?
        .map(|value| {
            value
                .to_str()
                .ok()
                .and_then(authority::parse)
                .ok_or(Edge::Malformed("malformed Host header"))
        })
        .transpose()?;
    let Some(target) = parts.uri.authority() else {
        return Ok(header);
    };
    let target = authority::parse(target.as_str())
        .ok_or(Edge::Malformed("malformed authority in the request-target"))?;
    if let Some(header) = header {
        let port = default_port(parts);
        if header.host != target.host || header.port.unwrap_or(port) != target.port.unwrap_or(port)
        {
            return Err(Edge::Malformed(
                "the Host header and the request-target name different hosts",
            ));
        }
    }
    Ok(Some(target))
}

/// Checks the host the request is for: exactly one, well-formed (400 otherwise), and
/// allowed (403 otherwise). With [`AllowedHosts::Any`] a well-formed request naming no
/// host is accepted.
pub(crate) fn check_host(parts: &Parts, allowed: &AllowedHosts) -> Result<(), Edge> {
    // The usual request: a request-target in origin form and one `Host` naming a loopback
    // address as written, allowed whatever the list (as below), known without a parse.
    if parts.uri.authority().is_none()
        && let Ok(Some(host)) = single(&parts.headers, header::HOST)
        && is_plain_loopback(host.as_bytes())
    {
        return Ok(());
    }
    let target = target_authority(parts)?;
    if *allowed == AllowedHosts::Any {
        return Ok(());
    }
    let target = target.ok_or(Edge::Malformed("missing Host header"))?;
    if target.host.is_loopback() {
        return Ok(());
    }
    if let AllowedHosts::List(list) = allowed
        && list
            .iter()
            .filter_map(|h| authority::parse(h))
            .any(|h| h.host == target.host)
    {
        return Ok(());
    }
    Err(Edge::Forbidden("Host not allowed"))
}

/// Whether `value` is `127.0.0.1`, `localhost` or `[::1]`, then nothing or `:` and a port
/// (at most five digits that fit a `u16`, or none): a loopback authority that
/// [`authority::parse`] reads as one. `false` says nothing (say `LOCALHOST`).
fn is_plain_loopback(value: &[u8]) -> bool {
    let rest = [&b"127.0.0.1"[..], b"localhost", b"[::1]"]
        .into_iter()
        .find_map(|host| value.strip_prefix(host));
    let digits = match rest {
        Some([]) => return true,
        Some([b':', digits @ ..]) => digits,
        _ => return false,
    };
    digits.len() <= 5
        && digits.iter().all(u8::is_ascii_digit)
        && digits
            .iter()
            .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'))
            <= u32::from(u16::MAX)
}

/// Checks the request's `Origin`, if any: at most one (400 otherwise), and allowed (403
/// otherwise).
pub(crate) fn check_origin(headers: &HeaderMap, allowed: &AllowedOrigins) -> Result<(), Edge> {
    let Some(origin) = single(headers, header::ORIGIN)
        .map_err(|()| Edge::Malformed("more than one Origin header"))?
    else {
        return Ok(());
    };
    if *allowed == AllowedOrigins::Any {
        return Ok(());
    }
    let forbidden = Edge::Forbidden("Origin not allowed");
    let origin = origin.to_str().map_err(|_| forbidden)?;
    if let AllowedOrigins::List(list) = allowed
        && list.iter().any(|o| o.eq_ignore_ascii_case(origin))
    {
        return Ok(());
    }
    match authority::parse_origin(origin) {
        Some((_, authority)) if authority.host.is_loopback() => Ok(()),
        _ => Err(forbidden),
    }
}

/// Whether an `Accept` header lists `wanted` (`type/subtype`), directly or by a wildcard,
/// with a non-zero quality.
pub(crate) fn accepts(headers: &HeaderMap, wanted: &str) -> bool {
    let (kind, _) = wanted.split_once('/').unwrap_or((wanted, ""));
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut pieces = item.split(';');
            let range = pieces.next().unwrap_or("").trim();
            let refused = pieces.any(|p| {
                let p = p.trim();
                p.strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            if refused {
                return false;
            }
            range.eq_ignore_ascii_case(wanted)
                || range == "*/*"
                || range
                    .strip_suffix("/*")
                    .is_some_and(|k| k.eq_ignore_ascii_case(kind))
        })
}

/// Whether an `Accept` header lists both `application/json` and `text/event-stream`, as a
/// POST must. The one value MCP clients send, the two types and nothing else, is known at
/// a glance; anything else is read as [`accepts`] reads it.
pub(crate) fn accepts_json_and_sse(headers: &HeaderMap) -> bool {
    const USUAL: [&[u8]; 4] = [
        b"application/json, text/event-stream",
        b"text/event-stream, application/json",
        b"application/json,text/event-stream",
        b"text/event-stream,application/json",
    ];
    let mut values = headers.get_all(header::ACCEPT).iter();
    if let (Some(only), None) = (values.next(), values.next())
        && USUAL.contains(&only.as_bytes())
    {
        return true;
    }
    accepts(headers, "application/json") && accepts(headers, "text/event-stream")
}

/// Whether the declared `Content-Length` is over `limit` (checked before any byte is read).
pub(crate) fn declared_over(headers: &HeaderMap, limit: usize) -> bool {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|len| len > limit as u64)
}

/// Whether `Content-Type` is `application/json` (parameters allowed).
pub(crate) fn is_json_content(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

/// The version named by `MCP-Protocol-Version`: `Ok(None)` when absent, `Err` with the
/// value when it is not a supported legacy-era revision (this server does not serve the
/// modern era yet, so a modern client gets the 400 that makes it fall back to `initialize`).
pub(crate) fn protocol_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, String> {
    version_header(headers, ProtocolVersion::parse_legacy)
}

/// The version of a POST's `MCP-Protocol-Version` header (its `value`), of either era (a
/// modern request names its version there too); `Err` with the value for an unknown one.
pub(crate) fn protocol_version_of(
    value: Option<&HeaderValue>,
) -> Result<Option<ProtocolVersion>, String> {
    version_value(value, |text| text.parse())
}

fn version_header<E>(
    headers: &HeaderMap,
    parse: impl Fn(&str) -> Result<ProtocolVersion, E>,
) -> Result<Option<ProtocolVersion>, String> {
    version_value(headers.get(PROTOCOL_VERSION_NAME), parse)
}

fn version_value<E>(
    value: Option<&HeaderValue>,
    parse: impl Fn(&str) -> Result<ProtocolVersion, E>,
) -> Result<Option<ProtocolVersion>, String> {
    let Some(value) = value else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| "<non-ASCII>".to_owned())?;
    parse(text.trim())
        .map(Some)
        .map_err(|_| text.chars().take(40).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    /// What the quick look accepts, the parser reads as a loopback authority; it turns down
    /// what the parser refuses.
    #[test]
    fn a_plain_loopback_host_is_one_the_parser_reads_as_loopback() {
        let hosts = [
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:8080",
            "localhost:65535",
            "[::1]:1",
            "localhost:65536",
            "localhost:123456",
            "localhost:8a",
            "localhost.evil:80",
            "127.0.0.1.evil",
            "127.0.0.10",
            "[::1]x",
            "LOCALHOST:80",
            "localhost:+1",
            "localhost::80",
            "",
            ":80",
        ];
        for host in hosts {
            let parsed = authority::parse(host);
            if is_plain_loopback(host.as_bytes()) {
                assert!(
                    parsed.as_ref().is_some_and(|a| a.host.is_loopback()),
                    "{host}"
                );
            }
            if parsed.is_none() {
                assert!(!is_plain_loopback(host.as_bytes()), "{host}");
            }
        }
        for host in ["127.0.0.1", "localhost:80", "[::1]:65535", "127.0.0.1:"] {
            assert!(is_plain_loopback(host.as_bytes()), "{host}");
        }
    }

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri("/mcp");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn uri_parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn status(result: Result<(), Edge>) -> Result<(), u16> {
        result.map_err(|e| match e {
            Edge::Malformed(_) => 400,
            Edge::Forbidden(_) => 403,
        })
    }

    #[test]
    fn hosts() {
        let loopback = AllowedHosts::Loopback;
        let host = |v: &str| status(check_host(&parts(&[("host", v)]), &loopback));
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]:3000",
            "[::1]",
            "LOCALHOST",
        ] {
            assert_eq!(host(ok), Ok(()), "{ok}");
        }
        for forbidden in ["evil.com", "evil.com:80", "127.0.0.1.evil.com", "[::2]:1"] {
            assert_eq!(host(forbidden), Err(403), "{forbidden}");
        }
        for malformed in [
            "",
            "[::1].evil.com:8080",
            "[::1]evil.com",
            "[::1]:80.evil.com",
            "localhost:80@evil.com",
            "localhost,evil.com",
        ] {
            assert_eq!(host(malformed), Err(400), "{malformed}");
        }
        assert_eq!(status(check_host(&parts(&[]), &loopback)), Err(400));
        let two = parts(&[("host", "localhost"), ("host", "localhost")]);
        assert_eq!(status(check_host(&two, &loopback)), Err(400));
        assert_eq!(status(check_host(&two, &AllowedHosts::Any)), Err(400));
        let list = AllowedHosts::List(vec!["mcp.example.com".into()]);
        let listed = |v: &str| status(check_host(&parts(&[("host", v)]), &list));
        assert_eq!(listed("MCP.example.com:443"), Ok(()));
        assert_eq!(listed("localhost:1"), Ok(()));
        assert_eq!(listed("other.example.com"), Err(403));
        assert!(check_host(&parts(&[("host", "x")]), &AllowedHosts::Any).is_ok());
        assert!(check_host(&parts(&[]), &AllowedHosts::Any).is_ok());
    }

    #[test]
    fn absolute_form_targets() {
        let loopback = AllowedHosts::Loopback;
        let check = |uri: &str, host: Option<&str>| {
            let headers: Vec<_> = host.map(|h| ("host", h)).into_iter().collect();
            status(check_host(&uri_parts(uri, &headers), &loopback))
        };
        assert_eq!(
            check("http://localhost:8080/mcp", Some("localhost:8080")),
            Ok(())
        );
        assert_eq!(check("http://127.0.0.1/mcp", Some("127.0.0.1:80")), Ok(()));
        assert_eq!(check("https://[::1]/mcp", Some("[::1]:443")), Ok(()));
        // HTTP/2 requests carry the authority in the URI only.
        assert_eq!(check("http://[::1]:9/mcp", None), Ok(()));
        // The request-target names another host than Host: 400; a foreign one alone: 403.
        assert_eq!(check("http://evil.com/mcp", Some("localhost")), Err(400));
        assert_eq!(
            check("http://localhost:1/mcp", Some("localhost:2")),
            Err(400)
        );
        assert_eq!(check("http://evil.com/mcp", None), Err(403));
        assert_eq!(check("http://evil.com/mcp", Some("evil.com")), Err(403));
        assert_eq!(check("http://a@localhost/mcp", Some("localhost")), Err(400));
    }

    #[test]
    fn origins() {
        let o = |v: &str| parts(&[("origin", v)]).headers;
        let loopback = AllowedOrigins::Loopback;
        let check = |v: &str| status(check_origin(&o(v), &loopback));
        assert!(check_origin(&parts(&[]).headers, &loopback).is_ok());
        for ok in [
            "http://localhost:5173",
            "https://127.0.0.1",
            "http://[::1]:9",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "null",
            "http://evil.com",
            "file://localhost",
            "http://localhost.evil.com",
            "http://localhost/x",
            "http://[::1].evil.com",
            "http://[::1]evil.com",
            "http://localhost@evil.com",
        ] {
            assert_eq!(check(bad), Err(403), "{bad}");
        }
        let two = parts(&[
            ("origin", "http://localhost"),
            ("origin", "http://localhost"),
        ]);
        assert_eq!(status(check_origin(&two.headers, &loopback)), Err(400));
        assert_eq!(
            status(check_origin(&two.headers, &AllowedOrigins::Any)),
            Err(400)
        );
        let list = AllowedOrigins::List(vec!["https://app.example.com".into()]);
        assert!(check_origin(&o("https://app.example.com"), &list).is_ok());
        assert!(check_origin(&o("https://app.example.com.evil"), &list).is_err());
    }

    #[test]
    fn accept_lists() {
        let h = |v: &str| parts(&[("accept", v)]).headers;
        let both = h("application/json, text/event-stream");
        assert!(accepts(&both, "application/json") && accepts(&both, "text/event-stream"));
        assert!(accepts(&h("*/*"), "text/event-stream"));
        assert!(accepts(&h("text/*;q=0.5"), "text/event-stream"));
        assert!(!accepts(&h("text/event-stream;q=0"), "text/event-stream"));
        assert!(!accepts(&h("application/json"), "text/event-stream"));
        assert!(!accepts(&parts(&[]).headers, "application/json"));
        // Both at once: the usual values at a glance, the rest as `accepts` reads them.
        for usual in [
            "application/json, text/event-stream",
            "text/event-stream,application/json",
            "text/event-stream, application/json;q=0.9",
            "*/*",
        ] {
            assert!(accepts_json_and_sse(&h(usual)), "{usual}");
        }
        for unusual in [
            "application/json",
            "application/json, text/event-stream;q=0",
            "text/event-stream, text/html",
        ] {
            assert!(!accepts_json_and_sse(&h(unusual)), "{unusual}");
        }
        let mut two = h("application/json, text/event-stream");
        two.append(header::ACCEPT, HeaderValue::from_static("text/html;q=0"));
        assert!(accepts_json_and_sse(&two), "the first value lists both");
        assert!(!accepts_json_and_sse(&parts(&[]).headers));
    }

    #[test]
    fn content_type_and_version() {
        let h = |k: &str, v: &str| parts(&[(k, v)]).headers;
        assert!(is_json_content(&h(
            "content-type",
            "application/json; charset=utf-8"
        )));
        assert!(!is_json_content(&h("content-type", "text/plain")));
        assert_eq!(protocol_version(&parts(&[]).headers), Ok(None));
        assert_eq!(
            protocol_version(&h("mcp-protocol-version", "2025-06-18")),
            Ok(Some(ProtocolVersion::V2025_06_18))
        );
        assert!(protocol_version(&h("mcp-protocol-version", "2024-01-01")).is_err());
        // Not served yet: a modern client falls back to `initialize` on this 400.
        assert!(protocol_version(&h("mcp-protocol-version", "2026-07-28")).is_err());
    }
}
