//! Checks done on headers before a body is read: Host and Origin (DNS-rebinding
//! protection), Content-Length, Accept, Content-Type and `MCP-Protocol-Version`.

use http::request::Parts;
use http::{HeaderMap, header};
use oxmcp_types::ProtocolVersion;

use super::config::{AllowedHosts, AllowedOrigins};

/// The `MCP-Protocol-Version` header.
pub const PROTOCOL_VERSION_HEADER: &str = "mcp-protocol-version";
/// The `Mcp-Session-Id` header.
pub const SESSION_ID_HEADER: &str = "mcp-session-id";
/// The `Last-Event-ID` header.
pub const LAST_EVENT_ID_HEADER: &str = "last-event-id";

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host == "127.0.0.1"
        || host == "[::1]"
        || host == "::1"
}

/// The host part of `host[:port]` (IPv6 literals keep their brackets).
fn strip_port(authority: &str) -> &str {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => &authority[..=end],
            None => authority,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// Whether the request's `Host` (or URI authority, for HTTP/2) is acceptable.
pub(crate) fn host_allowed(parts: &Parts, allowed: &AllowedHosts) -> bool {
    if *allowed == AllowedHosts::Any {
        return true;
    }
    let authority = match parts.headers.get(header::HOST) {
        Some(value) => match value.to_str() {
            Ok(v) => v,
            Err(_) => return false,
        },
        None => match parts.uri.authority() {
            Some(a) => a.as_str(),
            None => return false,
        },
    };
    let host = strip_port(authority.trim());
    if is_loopback_host(host) {
        return true;
    }
    match allowed {
        AllowedHosts::List(list) => list
            .iter()
            .any(|h| strip_port(h).eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// Whether the request's `Origin`, if any, is acceptable.
pub(crate) fn origin_allowed(headers: &HeaderMap, allowed: &AllowedOrigins) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    if *allowed == AllowedOrigins::Any {
        return true;
    }
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    if let AllowedOrigins::List(list) = allowed
        && list.iter().any(|o| o.eq_ignore_ascii_case(origin))
    {
        return true;
    }
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    match rest {
        Some(authority) if !authority.contains('/') => is_loopback_host(strip_port(authority)),
        _ => false,
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
/// value when it is not a supported revision.
pub(crate) fn protocol_version(headers: &HeaderMap) -> Result<Option<ProtocolVersion>, String> {
    let Some(value) = headers.get(PROTOCOL_VERSION_HEADER) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| "<non-ASCII>".to_owned())?;
    text.trim()
        .parse()
        .map(Some)
        .map_err(|_| text.chars().take(40).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Request;

    fn parts(headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri("/mcp");
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn hosts() {
        let loopback = AllowedHosts::Loopback;
        for ok in [
            "localhost",
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]:3000",
            "LOCALHOST",
        ] {
            assert!(host_allowed(&parts(&[("host", ok)]), &loopback), "{ok}");
        }
        for bad in [
            "evil.com",
            "evil.com:80",
            "127.0.0.1.evil.com",
            "[::2]:1",
            "",
        ] {
            assert!(!host_allowed(&parts(&[("host", bad)]), &loopback), "{bad}");
        }
        assert!(!host_allowed(&parts(&[]), &loopback));
        let list = AllowedHosts::List(vec!["mcp.example.com".into()]);
        assert!(host_allowed(
            &parts(&[("host", "MCP.example.com:443")]),
            &list
        ));
        assert!(!host_allowed(
            &parts(&[("host", "other.example.com")]),
            &list
        ));
        assert!(host_allowed(&parts(&[("host", "x")]), &AllowedHosts::Any));
    }

    #[test]
    fn origins() {
        let o = |v: &str| parts(&[("origin", v)]).headers;
        let loopback = AllowedOrigins::Loopback;
        assert!(origin_allowed(&parts(&[]).headers, &loopback));
        for ok in [
            "http://localhost:5173",
            "https://127.0.0.1",
            "http://[::1]:9",
        ] {
            assert!(origin_allowed(&o(ok), &loopback), "{ok}");
        }
        for bad in [
            "null",
            "http://evil.com",
            "file://localhost",
            "http://localhost.evil.com",
            "http://localhost/x",
        ] {
            assert!(!origin_allowed(&o(bad), &loopback), "{bad}");
        }
        let list = AllowedOrigins::List(vec!["https://app.example.com".into()]);
        assert!(origin_allowed(&o("https://app.example.com"), &list));
        assert!(!origin_allowed(&o("https://app.example.com.evil"), &list));
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
    }
}
